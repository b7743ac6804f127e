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
	_, err := h.Dissolve(ctx, p.AlbumID)
	return err
}

// Dissolve removes a dissolving album's items (objects first, then rows),
// its unfinished uploads and finally the album; it returns how many
// objects it removed. An album that is not dissolving is left alone.
func (h *Albums) Dissolve(ctx context.Context, albumID string) (int64, error) {
	next := func(after string) (batch, error) {
		items, err := h.store.DissolvingItems(ctx, albumID, after, h.batch)
		keys, ids, stored := itemKeys(items)
		return batch{ids: ids, keys: keys, stored: stored}, err
	}
	objects, err := deleteInBatches(ctx, h.blobs, next, func(b batch) error {
		return h.store.DeleteItemRows(ctx, albumID, b.ids, b.stored)
	})
	if err != nil {
		return objects, err
	}
	pending, err := h.store.PendingUploads(ctx, albumID)
	if err != nil {
		return objects, err
	}
	for _, u := range pending {
		if err := h.blobs.AbortMultipart(ctx, u[0], u[1]); err != nil {
			return objects, err
		}
	}
	return objects, h.store.FinishDissolve(ctx, albumID)
}

// itemKeys lists the objects the items have. Keys are deterministic, so
// nothing has to be listed first; stored counts the objects the items'
// states say exist, for receipts (S3 reports deleting a missing key as
// success, so counting keys would overcount).
func itemKeys(items []*upload.Media) (keys, ids []string, stored int) {
	for _, m := range items {
		ids = append(ids, m.ID)
		k, n := mediaKeys(m.ID, m.Status, m.Kind)
		keys = append(keys, k...)
		stored += n
	}
	return keys, ids, stored
}

// mediaKeys returns the keys to delete for an item in status s of kind k,
// and how many of them its state says exist. A ready item has its
// variants (its raw upload went when processing ended); a processing one
// its raw upload and perhaps variants from an interrupted run; a failed
// one nothing. Anything uncertain is deleted anyway: removing a missing key
// is harmless, leaving a stray copy is not (the reconciler is the backstop).
func mediaKeys(id string, s upload.Status, k upload.Kind) ([]string, int) {
	var keys []string
	for _, v := range upload.Variants(k) {
		keys = append(keys, upload.ObjectKey(id, v))
	}
	switch s {
	case upload.StatusReady:
		return keys, len(keys)
	case upload.StatusFailed:
		return append(keys, upload.RawKey(id)), 0
	}
	return append(keys, upload.RawKey(id)), 1
}
