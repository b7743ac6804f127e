package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/upload"
)

// TypeDissolveAlbum deletes a dissolving album's items, objects and rows.
const TypeDissolveAlbum = "album:dissolve"

// AlbumPayload names one album.
type AlbumPayload struct {
	AlbumID string `json:"album_id"`
}

// NewDissolveAlbumTask returns the dissolution task; the album id is the task id.
func NewDissolveAlbumTask(albumID string, cfg Config) (*asynq.Task, error) {
	b, err := json.Marshal(AlbumPayload{AlbumID: albumID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeDissolveAlbum, b, asynq.TaskID("dissolve:"+albumID), asynq.Queue(QueueDefault),
		asynq.MaxRetry(cfg.MaxRetry), asynq.Timeout(cfg.VideoTimeout)), nil
}

// EnqueueDissolve queues an album's dissolution (albums.Dissolver).
func (c *Client) EnqueueDissolve(ctx context.Context, albumID string) error {
	t, err := NewDissolveAlbumTask(albumID, c.cfg)
	return c.enqueue(ctx, t, err, QueueDefault, "dissolve:"+albumID)
}

var _ albums.Dissolver = (*Client)(nil)

// Albums handles album tasks.
type Albums struct {
	store *albums.Store
	blobs *blob.Store
	log   *slog.Logger
	batch int
}

// NewAlbums returns the album task handlers; batch items go per round.
func NewAlbums(store *albums.Store, blobs *blob.Store, log *slog.Logger, batch int) *Albums {
	return &Albums{store: store, blobs: blobs, log: log, batch: batch}
}

// DissolveTask handles album:dissolve. It is resumable and idempotent:
// each round removes a batch of items' objects (deterministic keys, at most
// 1000 per RemoveObjects call) and then their rows, so a worker killed
// half-way leaves only work the next run finishes: an object is never left
// without its row, and a row whose objects are gone is removed next round.
func (h *Albums) DissolveTask(ctx context.Context, t *asynq.Task) error {
	var p AlbumPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.AlbumID == "" {
		return fmt.Errorf("album:dissolve: malformed payload: %w", asynq.SkipRetry)
	}
	for {
		items, err := h.store.DissolvingItems(ctx, p.AlbumID, h.batch)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		keys, ids := itemKeys(items)
		if _, err := h.blobs.DeleteMany(ctx, keys); err != nil {
			return err
		}
		if err := h.store.DeleteItemRows(ctx, p.AlbumID, ids, len(keys)); err != nil {
			return err
		}
	}
	pending, err := h.store.PendingUploads(ctx, p.AlbumID)
	if err != nil {
		return err
	}
	for _, u := range pending {
		if err := h.blobs.AbortMultipart(ctx, u[0], u[1]); err != nil {
			return err
		}
	}
	return h.store.FinishDissolve(ctx, p.AlbumID)
}

// itemKeys lists every object an item can have: its raw upload and each
// variant. Keys are deterministic, so nothing has to be listed first.
func itemKeys(items []*upload.Media) (keys, ids []string) {
	for _, m := range items {
		ids = append(ids, m.ID)
		keys = append(keys, upload.RawKey(m.ID))
		for _, v := range upload.Variants(upload.KindVideo) {
			keys = append(keys, upload.ObjectKey(m.ID, v))
		}
	}
	return keys, ids
}
