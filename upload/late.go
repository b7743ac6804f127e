package upload

import (
	"context"
	"io"
)

// UploadLate is Upload for a body that arrives before its fields:
// wx.uploadFile does not fix the order of the file and its form fields.
// in holds what is known before the bytes (owner, network, size hint,
// Idempotency-Key, and the kind when one is known so far, from the query:
// "" when none is); rest, called once body has been read to its end,
// reads the remaining fields and returns in completed with them. A field
// there overrides what in said, the kind included.
//
// Refusals no later field could change come first, as in Upload: the
// rate, the in-flight cap, a quota reservation taken before the first byte
// is stored, a format or a size in.Kind refuses (any kind's, under the
// largest limit MaxSizeAny, when in.Kind is ""), or past what is left of
// the quota. A later kind field may narrow what in.Kind allowed but not
// widen it. The bytes then stream into the quarantine prefix. Once rest
// answers, what Upload checks before the bytes (album rights, default
// visibility, idempotent replay) and the final kind's own format and size
// are applied in Upload's order; a refusal removes the object and answers
// as Upload would, so nothing is left behind. One answer differs: with no
// kind known while it streams, a body past the remaining quota is
// quota_exceeded even when Upload, knowing a kind whose limit is below the
// remaining quota, would have said too_large (both 413).
func (s *Service) UploadLate(ctx context.Context, in Input, body io.Reader, rest func() (Input, error)) (*Media, bool, error) {
	if err := s.allow(ctx, "upload:"+in.OwnerID); err != nil {
		return nil, false, err
	}
	st, err := s.stage(ctx, in, s.cfg.stagingLimit(in.Kind), body)
	if err != nil {
		return nil, false, err
	}
	defer st.done()
	full, prior, err := s.bind(ctx, st, rest)
	if err != nil || prior != nil {
		s.dropRaw(ctx, st.id) // no row will point at it
		return prior, prior != nil, err
	}
	return s.record(ctx, st.media(full))
}

// stagingLimit is the limit a file is stored under before its fields are
// all known: kind's, or the largest of any kind's when kind is "".
func (c Config) stagingLimit(k Kind) int64 {
	if k == "" {
		return c.MaxSizeAny()
	}
	return c.MaxSize(k)
}

// bind reads the late fields and checks them against the stored bytes.
// prior is the item an earlier request with the same Idempotency-Key
// created: a retry, which keeps nothing of this one.
func (s *Service) bind(ctx context.Context, st *staged, rest func() (Input, error)) (in Input, prior *Media, err error) {
	if in, err = rest(); err != nil {
		return in, nil, err
	}
	if err = s.resolveAlbum(ctx, &in); err != nil {
		return in, nil, err
	}
	if prior, err = s.replay(ctx, in); err != nil || prior != nil {
		return in, prior, err
	}
	switch {
	case !FormatAllowed(in.Kind, st.format):
		err = ErrUnsupportedType
	case st.size > s.cfg.MaxSize(in.Kind):
		err = ErrTooLarge
	}
	return in, nil, err
}
