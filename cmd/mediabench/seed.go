package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"

	"github.com/wxalbum/mediad/upload"
)

// md5hex matches PostgreSQL's md5(): 32 hex characters, the shape of an id.
func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// photoVariants are the objects a ready photo has.
var photoVariants = []upload.Variant{upload.VariantOriginal, upload.VariantPreview, upload.VariantThumb, upload.VariantCard}

// itemKeys lists the objects of ready photos.
func itemKeys(ids []string) []string {
	keys := make([]string, 0, len(ids)*len(photoVariants))
	for _, id := range ids {
		for _, v := range photoVariants {
			keys = append(keys, upload.ObjectKey(id, v))
		}
	}
	return keys
}

// seedItems inserts n ready photos of owner (in album, or none) with one
// COPY and returns their ids, made from tag so each run is the same.
func seedItems(ctx context.Context, b *bench, tag, owner string, album *string, n int, size int64) ([]string, error) {
	ids := make([]string, n)
	rows := make([][]any, n)
	for i := range ids {
		ids[i] = md5hex(fmt.Sprintf("%s-%d", tag, i))
		sum := sha256.Sum256([]byte(ids[i]))
		rows[i] = []any{ids[i], owner, "photo", "ready", "image/jpeg", size, sum[:], album, "members",
			1440, 1080, "image/jpeg"}
	}
	cols := []string{"id", "owner_id", "kind", "status", "content_type", "size_bytes", "sha256", "album_id",
		"visibility", "width", "height", "served_type"}
	_, err := b.stack.pool.CopyFrom(ctx, pgx.Identifier{"media"}, cols, pgx.CopyFromRows(rows))
	if err != nil {
		return nil, fmt.Errorf("seed media rows: %w", err)
	}
	return ids, nil
}

// putSmall stores a small object at every key with concurrency 16 and
// notes the rate it achieved.
func putSmall(ctx context.Context, b *bench, keys []string) error {
	body := padBytes(9, 512)
	t0 := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, k := range keys {
		g.Go(func() error {
			_, err := b.stack.minio.PutObject(gctx, benchBucket, k, bytes.NewReader(body), int64(len(body)),
				minio.PutObjectOptions{ContentType: "image/jpeg", DisableMultipart: true})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("seed objects: %w", err)
	}
	d := time.Since(t0)
	b.logf("seeded %d objects in %s (%.0f/s)", len(keys), d.Round(time.Millisecond), float64(len(keys))/d.Seconds())
	return nil
}

// removeObjects is the reference deletion: a bare minio-go RemoveObjects
// over the keys (it batches 1000 per request itself).
func removeObjects(ctx context.Context, b *bench, keys []string) (time.Duration, error) {
	ch := make(chan minio.ObjectInfo, 1000)
	go func() {
		defer close(ch)
		for _, k := range keys {
			ch <- minio.ObjectInfo{Key: k}
		}
	}()
	t0 := time.Now()
	// The error channel closes when every key is done; its first value, if
	// any, is the first failure.
	if e, failed := <-b.stack.minio.RemoveObjects(ctx, benchBucket, ch, minio.RemoveObjectsOptions{}); failed {
		for range ch { // let the producer finish
		}
		return 0, fmt.Errorf("remove %s: %w", e.ObjectName, e.Err)
	}
	return time.Since(t0), nil
}

// mustBeEmpty checks that a deletion left no object under prefix.
func mustBeEmpty(ctx context.Context, b *bench, prefix, what string) error {
	n, err := b.stack.countPrefix(ctx, prefix)
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("%s left %d objects under %s", what, n, prefix)
	}
	return nil
}
