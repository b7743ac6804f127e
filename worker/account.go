package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/upload"
)

// Task types for the data-rights features.
const (
	TypeDeleteAccount = "account:delete" // remove everything of a user
	TypeBuildExport   = "export:build"   // write a user's ZIP export
)

// IDPayload names one record by id.
type IDPayload struct {
	ID string `json:"id"`
}

func newIDTask(typ, id, queue string, cfg Config) (*asynq.Task, error) {
	b, err := json.Marshal(IDPayload{ID: id})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(typ, b, asynq.TaskID(typ+":"+id), asynq.Queue(queue),
		asynq.MaxRetry(cfg.MaxRetry), asynq.Timeout(cfg.VideoTimeout)), nil
}

func parseID(t *asynq.Task) (string, error) {
	var p IDPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ID == "" {
		return "", fmt.Errorf("%s: malformed payload: %w", t.Type(), asynq.SkipRetry)
	}
	return p.ID, nil
}

// EnqueueAccountDelete queues an account deletion (account.Tasks).
func (c *Client) EnqueueAccountDelete(ctx context.Context, receiptID string) error {
	t, err := newIDTask(TypeDeleteAccount, receiptID, QueueDefault, c.cfg)
	return c.enqueue(ctx, t, err, QueueDefault, TypeDeleteAccount+":"+receiptID)
}

// EnqueueExport queues building an export (account.Tasks).
func (c *Client) EnqueueExport(ctx context.Context, exportID string) error {
	t, err := newIDTask(TypeBuildExport, exportID, QueueLow, c.cfg)
	return c.enqueue(ctx, t, err, QueueLow, TypeBuildExport+":"+exportID)
}

var _ account.Tasks = (*Client)(nil)

// Accounts runs account deletions and exports.
type Accounts struct {
	store  *account.Store
	albums *Albums
	albumS *albums.Store
	blobs  *blob.Store
	log    *slog.Logger
	batch  int
}

// NewAccounts returns the data-rights task handlers.
func NewAccounts(store *account.Store, al *Albums, as *albums.Store, blobs *blob.Store, log *slog.Logger) *Accounts {
	return &Accounts{store: store, albums: al, albumS: as, blobs: blobs, log: log, batch: 250}
}

// DeleteTask handles account:delete. Every step is idempotent and counts
// on the receipt in the transaction that removes the rows, so a worker
// killed half-way leaves work the next run finishes and a receipt that
// still adds up.
func (h *Accounts) DeleteTask(ctx context.Context, t *asynq.Task) error {
	rid, err := parseID(t)
	if err != nil {
		return err
	}
	d, err := h.store.RunningDeletion(ctx, rid)
	if errors.Is(err, account.ErrReceiptNotFound) {
		return nil // finished before
	}
	if err != nil {
		return err
	}
	steps := []func(context.Context, *account.Deletion) error{h.dissolveOwned, h.deleteMedia, h.deleteUploadsAndExports, h.purgeRows}
	for _, step := range steps {
		if err := step(ctx, d); err != nil {
			return err
		}
	}
	return h.store.FinishReceipt(ctx, rid)
}

func (h *Accounts) dissolveOwned(ctx context.Context, d *account.Deletion) error {
	owned, err := h.store.OwnedAlbums(ctx, d.UserID)
	if err != nil {
		return err
	}
	// The albums' dissolution records count what went; purgeRows adds them
	// to the receipt once, however many runs a dissolution took.
	for _, id := range owned {
		if err := h.albumS.ForceDissolve(ctx, id); err != nil {
			return err
		}
		if _, err := h.albums.Dissolve(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// deleteMedia removes every item the user uploaded in any album: objects
// first, then rows, batch by batch.
func (h *Accounts) deleteMedia(ctx context.Context, d *account.Deletion) error {
	next := func(after string) (batch, error) {
		refs, err := h.store.UserMedia(ctx, d.UserID, after, h.batch)
		var b batch
		for _, m := range refs {
			k, n := mediaKeys(m.ID, upload.Status(m.Status), upload.Kind(m.Kind))
			b.ids, b.keys, b.stored = append(b.ids, m.ID), append(b.keys, k...), b.stored+n
		}
		return b, err
	}
	_, err := deleteInBatches(ctx, h.blobs, next, func(b batch) error {
		return h.store.DeleteMediaRows(ctx, d.ReceiptID, d.UserID, b.ids, int64(b.stored))
	})
	return err
}

func (h *Accounts) deleteUploadsAndExports(ctx context.Context, d *account.Deletion) error {
	ups, err := h.store.UserUploads(ctx, d.UserID)
	if err != nil {
		return err
	}
	for _, u := range ups {
		if err := h.blobs.AbortMultipart(ctx, u[0], u[1]); err != nil {
			return err
		}
	}
	exps, err := h.store.UserExports(ctx, d.UserID)
	if err != nil {
		return err
	}
	var keys []string
	for _, id := range exps {
		keys = append(keys, account.ExportKey(id))
	}
	// The archives are counted when their rows go (purgeRows), so a run
	// resumed after this step does not count them twice.
	_, err = h.blobs.DeleteMany(ctx, keys)
	return err
}

func (h *Accounts) purgeRows(ctx context.Context, d *account.Deletion) error {
	return h.store.PurgeUserRows(ctx, d.ReceiptID, d.UserID)
}
