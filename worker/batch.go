package worker

import (
	"context"
	"errors"

	"github.com/wxalbum/mediad/internal/blob"
)

// batch is one round of a bulk deletion: the rows, the object keys they
// own, and how many of those objects their states say exist.
type batch struct {
	ids, keys []string
	stored    int
}

// deleteInBatches removes objects batch by batch and deletes each batch's
// rows while the next batch's objects are being removed. Rows go only after
// their objects, so a crash at any point leaves rows whose objects may be
// gone (finished by the next run) but never an object without its row.
// next returns the batch after the last id of the previous one.
func deleteInBatches(ctx context.Context, blobs *blob.Store, next func(after string) (batch, error), rows func(batch) error) (int64, error) {
	var objects int64
	var pending chan error
	wait := func() error {
		if pending == nil {
			return nil
		}
		err := <-pending
		pending = nil
		return err
	}
	after := ""
	for {
		b, err := next(after)
		if err != nil || len(b.ids) == 0 {
			return objects, errors.Join(err, wait())
		}
		if _, err := blobs.DeleteMany(ctx, b.keys); err != nil {
			return objects, errors.Join(err, wait())
		}
		if err := wait(); err != nil {
			return objects, err
		}
		ch := make(chan error, 1)
		go func() { ch <- rows(b) }()
		pending = ch
		objects += int64(b.stored)
		after = b.ids[len(b.ids)-1]
	}
}
