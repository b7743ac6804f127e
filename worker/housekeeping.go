package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/upload"
)

// Housekeeping runs the periodic tasks that keep state consistent.
type Housekeeping struct {
	sweeper *upload.Sweeper
	uploads *upload.Service
	albums  *albums.Store
	queue   *Client
	log     *slog.Logger
	now     func() time.Time
}

// NewHousekeeping returns the periodic task handlers.
func NewHousekeeping(sw *upload.Sweeper, up *upload.Service, as *albums.Store, queue *Client, log *slog.Logger) *Housekeeping {
	return &Housekeeping{sweeper: sw, uploads: up, albums: as, queue: queue, log: log, now: time.Now}
}

// Sweep handles media:sweep: lost processing and deletion tasks, orphan
// raw objects, abandoned multipart uploads, and dissolutions whose task
// was lost.
func (h *Housekeeping) Sweep(ctx context.Context, _ *asynq.Task) error {
	r, err := h.sweeper.Run(ctx, h.now())
	h.log.Info("sweep", "requeued", r.Requeued, "deletes_requeued", r.DeletesRequeued,
		"orphans_removed", r.OrphansRemoved, "multipart_aborted", r.MultipartAborted, "err", err)
	if err != nil {
		return err
	}
	dissolving, err := h.albums.Dissolving(ctx)
	if err != nil {
		return err
	}
	for _, id := range dissolving {
		if err := h.queue.EnqueueDissolve(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// ExpireUploads handles uploads:expire.
func (h *Housekeeping) ExpireUploads(ctx context.Context, _ *asynq.Task) error {
	n, err := h.uploads.ExpireChunked(ctx, h.now())
	h.log.Info("expired chunked uploads", "aborted", n, "err", err)
	return err
}
