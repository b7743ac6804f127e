package upload

import (
	"context"
	"errors"
	"net/http"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Idempotency-Key errors.
var (
	ErrBadIdempotencyKey = apperr.New(http.StatusBadRequest, "invalid_idempotency_key",
		"Idempotency-Key must be 1 to 128 printable ASCII characters.")
	ErrIdempotencyKeyReused = apperr.New(http.StatusConflict, "idempotency_key_reused",
		"This Idempotency-Key belongs to another upload; send a new key for a new upload.")
)

// ParseIdempotencyKey checks the Idempotency-Key header ("" when absent).
func ParseIdempotencyKey(h string) (string, error) {
	if len(h) > 128 {
		return "", ErrBadIdempotencyKey
	}
	for i := 0; i < len(h); i++ {
		if h[i] < 0x21 || h[i] > 0x7e {
			return "", ErrBadIdempotencyKey
		}
	}
	return h, nil
}

// replay returns the item an earlier request with in's key created, nil
// when there is none. A key that created an item of another kind or album,
// or one since deleted, is not a retry of this request.
func (s *Service) replay(ctx context.Context, in Input) (*Media, error) {
	if in.IdempotencyKey == "" {
		return nil, nil
	}
	m, err := s.store.ByIdempotencyKey(ctx, in.OwnerID, in.IdempotencyKey)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case m.Kind != in.Kind || !sameAlbum(m.AlbumID, in.AlbumID) || m.Status == StatusDeleting:
		return nil, ErrIdempotencyKeyReused
	}
	return m, nil
}

func sameAlbum(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// replayChunked returns the live upload an earlier start with in's key
// began (Replayed set), nil when there is none. A key whose upload already
// completed, or that started another kind, size or album, is refused.
func (s *Service) replayChunked(ctx context.Context, in StartInput) (*Chunked, error) {
	if in.IdempotencyKey == "" {
		return nil, nil
	}
	c, err := s.store.ChunkedByIdempotencyKey(ctx, in.OwnerID, in.IdempotencyKey)
	if errors.Is(err, ErrUploadNotFound) {
		if _, err := s.store.ByIdempotencyKey(ctx, in.OwnerID, in.IdempotencyKey); err == nil {
			return nil, ErrIdempotencyKeyReused.WithMessage("The upload started with this Idempotency-Key is complete; send a new key for a new upload.")
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.Kind != in.Kind || c.Size != in.Size || !sameAlbum(c.AlbumID, in.AlbumID) {
		return nil, ErrIdempotencyKeyReused
	}
	c.Replayed = true
	return c, nil
}
