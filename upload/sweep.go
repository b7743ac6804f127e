package upload

import (
	"context"
	"strings"
	"time"

	"github.com/wxalbum/mediad/internal/blob"
)

// Sweeper finds work that fell through the cracks: items whose task was
// lost (a crash between commit and enqueue, a killed worker), raw objects
// without a row, and multipart uploads nobody will finish.
type Sweeper struct {
	cfg   Config
	store *Store
	blobs SweepBlobs
	queue Enqueuer
}

// SweepBlobs is what the sweep needs from the object store.
type SweepBlobs interface {
	List(ctx context.Context, prefix string, fn func(blob.Info) error) error
	ListIncomplete(ctx context.Context, prefix string) ([]blob.IncompleteUpload, error)
	Delete(ctx context.Context, key string) error
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// NewSweeper returns a Sweeper.
func NewSweeper(cfg Config, store *Store, blobs SweepBlobs, queue Enqueuer) *Sweeper {
	return &Sweeper{cfg: cfg.Defaults(), store: store, blobs: blobs, queue: queue}
}

// SweepReport counts what one sweep did.
type SweepReport struct {
	Requeued         int `json:"requeued"`
	DeletesRequeued  int `json:"deletes_requeued"`
	OrphansRemoved   int `json:"orphans_removed"`
	MultipartAborted int `json:"multipart_aborted"`
}

// Run performs one sweep at now.
func (s *Sweeper) Run(ctx context.Context, now time.Time) (SweepReport, error) {
	var r SweepReport
	stuck, err := s.store.Stuck(ctx, s.cfg.StuckAfter, 500)
	if err != nil {
		return r, err
	}
	for _, id := range stuck {
		if err := s.store.Touch(ctx, id); err != nil {
			return r, err
		}
		if err := s.queue.EnqueueProcess(ctx, id); err != nil {
			return r, err
		}
		r.Requeued++
	}
	deleting, err := s.store.Deleting(ctx, s.cfg.StuckAfter, 500)
	if err != nil {
		return r, err
	}
	for _, id := range deleting {
		if err := s.store.Touch(ctx, id); err != nil {
			return r, err
		}
		if err := s.queue.EnqueueDelete(ctx, id); err != nil {
			return r, err
		}
		r.DeletesRequeued++
	}
	if r.OrphansRemoved, err = s.orphans(ctx, now); err != nil {
		return r, err
	}
	r.MultipartAborted, err = s.multipart(ctx, now)
	return r, err
}

// orphans removes raw objects older than the grace period that nothing
// needs any more: no row refers to them (a crash between storing and
// recording), or their item is no longer processing (the delete after
// success or failure did not reach storage, e.g. on a last attempt).
func (s *Sweeper) orphans(ctx context.Context, now time.Time) (int, error) {
	var old []string
	err := s.blobs.List(ctx, RawPrefix, func(i blob.Info) error {
		if now.Sub(i.LastModified) > s.cfg.OrphanGrace {
			old = append(old, strings.TrimPrefix(i.Key, RawPrefix))
		}
		return nil
	})
	if err != nil || len(old) == 0 {
		return 0, err
	}
	need, err := s.store.RawNeeded(ctx, old)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range old {
		if !need[id] {
			if err := s.blobs.Delete(ctx, RawKey(id)); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// multipart aborts multipart uploads under the quarantine prefix that
// outlived the upload TTL without a row (a crash mid-stream).
func (s *Sweeper) multipart(ctx context.Context, now time.Time) (int, error) {
	ups, err := s.blobs.ListIncomplete(ctx, RawPrefix)
	if err != nil {
		return 0, err
	}
	var old []blob.IncompleteUpload
	var idsOld []string
	for _, u := range ups {
		if now.Sub(u.Initiated) > s.cfg.UploadTTL {
			old = append(old, u)
			idsOld = append(idsOld, strings.TrimPrefix(u.Key, RawPrefix))
		}
	}
	if len(old) == 0 {
		return 0, nil
	}
	known, err := s.store.Exists(ctx, idsOld)
	if err != nil {
		return 0, err
	}
	n := 0
	for i, u := range old {
		if !known[idsOld[i]] {
			if err := s.blobs.AbortMultipart(ctx, u.Key, u.UploadID); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
