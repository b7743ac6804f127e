package upload

import (
	"context"
	"io"

	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/process"
)

// staged is a raw upload stored under the quarantine prefix, not yet
// recorded. Until done it holds its in-flight slot and its quota
// reservation: the reservation keeps its bytes counted until the row does,
// so uploads sent in parallel cannot pass the quota together.
type staged struct {
	id     string
	format process.Format
	size   int64
	sum    []byte
	done   func()
}

// stage takes an in-flight slot and up to max bytes of quota (fewer when
// the body says it is smaller), then streams body to a new raw key while
// hashing and counting it. in.Kind "" (not known yet) accepts any format
// some kind accepts; the kind's own rule is the caller's once it is known.
// Nothing is kept when it fails: the format is checked on the first bytes
// before anything is written, and a body past the limit aborts the object.
func (s *Service) stage(ctx context.Context, in Input, max int64, body io.Reader) (*staged, error) {
	release, err := s.streaming(in.OwnerID, in.Network)
	if err != nil {
		return nil, err
	}
	want := max
	if in.SizeHint > 0 {
		want = min(want, in.SizeHint)
	}
	resID, limit, err := s.store.Reserve(ctx, in.OwnerID, want, s.cfg.Quota)
	if err != nil {
		release()
		return nil, err
	}
	st := &staged{id: ids.New(), done: func() { s.unreserve(ctx, resID); release() }}
	if err := s.put(ctx, st, in.Kind, body, limit, limit < want); err != nil {
		st.done()
		return nil, err
	}
	return st, nil
}

func (s *Service) put(ctx context.Context, st *staged, k Kind, body io.Reader, limit int64, quotaBound bool) error {
	sn, err := sniff(body, limit)
	if err != nil {
		return s.streamErr(err, quotaBound)
	}
	if !fits(k, sn.format) {
		return ErrUnsupportedType
	}
	n, err := s.blobs.PutStream(ctx, RawKey(st.id), sn, sn.format.ContentType())
	if err != nil {
		return s.streamErr(err, quotaBound)
	}
	st.format, st.size, st.sum = sn.format, n, sn.sum.Sum(nil)
	return nil
}

// fits is FormatAllowed for a kind that may not be known yet (""): then
// a format no kind allows is refused before anything is stored.
func fits(k Kind, f process.Format) bool {
	if k == "" {
		return FormatAllowed(KindPhoto, f) || FormatAllowed(KindVideo, f)
	}
	return FormatAllowed(k, f)
}

// media is the row for st uploaded as in.
func (st *staged) media(in Input) *Media {
	return &Media{ID: st.id, OwnerID: in.OwnerID, Kind: in.Kind, ContentType: st.format.ContentType(),
		Size: st.size, SHA256: st.sum, AlbumID: in.AlbumID, Visibility: in.Visibility,
		IdempotencyKey: in.IdempotencyKey}
}

// unreserve gives a quota reservation back; one left behind expires.
func (s *Service) unreserve(ctx context.Context, id string) {
	if err := s.store.Release(context.WithoutCancel(ctx), id); err != nil {
		s.log.Warn("quota reservation left to expire", "err", err)
	}
}

// dropRaw removes a stored raw object no row will point at.
func (s *Service) dropRaw(ctx context.Context, id string) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), RawKey(id)); err != nil {
		s.log.Warn("raw upload left for the sweep", "media_id", id, "err", err)
	}
}
