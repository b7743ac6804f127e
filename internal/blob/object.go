package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/minio/minio-go/v7"
)

// Info describes a stored object.
type Info struct {
	Key          string
	Size         int64
	ContentType  string
	LastModified time.Time
	ETag         string
}

func info(o minio.ObjectInfo) Info {
	return Info{Key: o.Key, Size: o.Size, ContentType: o.ContentType, LastModified: o.LastModified, ETag: o.ETag}
}

// PutBytes stores a small object held in memory (derivatives).
func (s *Store) PutBytes(ctx context.Context, key string, b []byte, contentType string) error {
	_, err := s.c.PutObject(ctx, s.bucket, key, bytes.NewReader(b), int64(len(b)),
		minio.PutObjectOptions{ContentType: contentType, DisableMultipart: true})
	return translate(err)
}

// PutFile stores an object of known size from r.
func (s *Store) PutFile(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	_, err := s.c.PutObject(ctx, s.bucket, key, r, size,
		minio.PutObjectOptions{ContentType: contentType, PartSize: uint64(s.partSize)})
	return translate(err)
}

// Range is an inclusive byte range; End < 0 means "to the end", and a
// negative Start asks for the last -Start bytes (End is then ignored).
type Range struct{ Start, End int64 }

// Open returns a reader for key (optionally a range of it). It uses
// minio-go's Core GetObject, which sends the request at once, so a missing
// object is ErrNotFound here, not mid-response.
func (s *Store) Open(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error) {
	opts := minio.GetObjectOptions{}
	if rng != nil {
		opts.Set("Range", rng.header())
	}
	rc, oi, _, err := s.core.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, Info{}, translate(err)
	}
	return rc, info(oi), nil
}

// Stat returns an object's metadata.
func (s *Store) Stat(ctx context.Context, key string) (Info, error) {
	oi, err := s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, translate(err)
	}
	return info(oi), nil
}

// Delete removes an object; a missing object is not an error (idempotent).
func (s *Store) Delete(ctx context.Context, key string) error {
	err := translate(s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
	if err != nil && isNotFound(err) {
		return nil
	}
	return err
}

// DeleteMany removes keys in batches of at most 1000 per request and
// returns how many it removed.
func (s *Store) DeleteMany(ctx context.Context, keys []string) (int, error) {
	ch := make(chan minio.ObjectInfo)
	go func() {
		defer close(ch)
		for _, k := range keys {
			select {
			case ch <- minio.ObjectInfo{Key: k}:
			case <-ctx.Done():
				return
			}
		}
	}()
	n := len(keys)
	for e := range s.c.RemoveObjects(ctx, s.bucket, ch, minio.RemoveObjectsOptions{}) {
		if e.Err != nil && !isNotFound(translate(e.Err)) {
			for range ch { // let the producer finish
			}
			return 0, fmt.Errorf("remove %s: %w", e.ObjectName, translate(e.Err))
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return n, nil
}

// List calls fn for every object under prefix.
func (s *Store) List(ctx context.Context, prefix string, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return translate(o.Err)
		}
		if err := fn(info(o)); err != nil {
			return err
		}
	}
	return nil
}
