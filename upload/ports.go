package upload

import (
	"context"
	"io"
	"time"

	"github.com/wxalbum/mediad/internal/blob"
)

// Enqueuer asks for background work; the worker package implements it.
// The kind sets the processing task's time limit (photo or video).
type Enqueuer interface {
	EnqueueProcess(ctx context.Context, mediaID string, kind Kind) error
	EnqueueDelete(ctx context.Context, mediaID string) error
	EnqueuePlay(ctx context.Context, mediaID string) error
}

// Blobs is what upload needs from the object store.
type Blobs interface {
	PutStream(ctx context.Context, key string, r io.Reader, contentType string) (int64, error)
	Open(ctx context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Info, error)
	Get(ctx context.Context, key string, r blob.Read) (*blob.Object, error)
	Stat(ctx context.Context, key string) (blob.Info, error)
	Delete(ctx context.Context, key string) error
	NewMultipart(ctx context.Context, key, contentType string) (string, error)
	PutPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (blob.Part, error)
	ListParts(ctx context.Context, key, uploadID string) ([]blob.Part, error)
	CompleteMultipart(ctx context.Context, key, uploadID string, parts []blob.Part) error
	AbortMultipart(ctx context.Context, key, uploadID string) error
}

// Limiter allows a configured number of events per key and minute; a
// refusal says how long until the next would be allowed.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

var _ Blobs = (*blob.Store)(nil)
