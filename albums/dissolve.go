package albums

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/upload"
)

// Blobs is what a dissolution needs from the object store.
type Blobs interface {
	DeleteMany(ctx context.Context, keys []string) (int, error)
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// RunDissolution removes a dissolving album's items (objects first, then
// rows, batch by batch), its unfinished uploads and finally the album row,
// and returns how many objects its items held. It is resumable and
// idempotent: a run killed half-way leaves only work the next run
// finishes; an object is never left without its row, and a row whose
// objects are gone is removed next round. An album that is not dissolving
// is left alone.
func (s *Service) RunDissolution(ctx context.Context, albumID string) (int64, error) {
	next := func(after string) (blob.Batch, error) {
		items, err := s.store.DissolvingItems(ctx, albumID, after, s.cfg.DissolveBatch)
		var b blob.Batch
		for _, m := range items {
			keys, stored := upload.ObjectKeys(m)
			b.IDs, b.Keys, b.Stored = append(b.IDs, m.ID), append(b.Keys, keys...), b.Stored+stored
		}
		return b, err
	}
	objects, err := blob.DeleteInBatches(ctx, s.blobs, next, func(b blob.Batch) error {
		return db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
			n, err := upload.NewStore(tx).DeleteAlbumRows(ctx, albumID, b.IDs)
			if err != nil {
				return err
			}
			return NewStore(tx).CountDissolved(ctx, albumID, n, int64(b.Stored))
		})
	})
	if err != nil {
		return objects, err
	}
	return objects, s.finishDissolution(ctx, albumID)
}

// finishDissolution aborts the uploads still aimed at the album, then
// removes their rows and the album in one transaction.
func (s *Service) finishDissolution(ctx context.Context, albumID string) error {
	if dissolving, err := s.store.IsDissolving(ctx, albumID); err != nil || !dissolving {
		return err
	}
	uploads := upload.NewStore(s.conn)
	pending, err := uploads.ChunkedOfAlbum(ctx, albumID)
	if err != nil {
		return err
	}
	for _, u := range pending {
		if err := s.blobs.AbortMultipart(ctx, u[0], u[1]); err != nil {
			return err
		}
	}
	return db.InTx(ctx, s.conn, func(tx pgx.Tx) error {
		n, err := upload.NewStore(tx).DeleteChunkedOfAlbum(ctx, albumID)
		if err != nil {
			return err
		}
		return NewStore(tx).FinishDissolve(ctx, albumID, n)
	})
}

// Dissolving lists the albums whose dissolution has not finished, for the
// sweep to enqueue again.
func (s *Service) Dissolving(ctx context.Context) ([]string, error) { return s.store.Dissolving(ctx) }
