package blob

import (
	"context"
	"errors"
)

// Batch is one round of a bulk deletion: the rows, the object keys they
// own, and how many of those objects their states say exist (S3 reports
// deleting a missing key as success, so counting keys would overcount).
type Batch struct {
	IDs, Keys []string
	Stored    int
}

// Deleter removes many objects at once.
type Deleter interface {
	DeleteMany(ctx context.Context, keys []string) (int, error)
}

// DeleteInBatches removes objects batch by batch and deletes each batch's
// rows (rows) while the next batch's objects are being removed. Rows go
// only after their objects, so a crash at any point leaves rows whose
// objects may be gone (finished by the next run) but never an object
// without its row. next returns the batch after the last id of the
// previous one ("" first); an empty batch ends the run. It returns the
// objects the removed batches held.
func DeleteInBatches(ctx context.Context, d Deleter, next func(after string) (Batch, error), rows func(Batch) error) (int64, error) {
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
		if err != nil || len(b.IDs) == 0 {
			return objects, errors.Join(err, wait())
		}
		if _, err := d.DeleteMany(ctx, b.Keys); err != nil {
			return objects, errors.Join(err, wait())
		}
		if err := wait(); err != nil {
			return objects, err
		}
		ch := make(chan error, 1)
		go func() { ch <- rows(b) }()
		pending = ch
		objects += int64(b.Stored)
		after = b.IDs[len(b.IDs)-1]
	}
}
