package upload

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/blob"
)

// fileQuery is what a request asks of a file beyond its bytes: a range,
// and conditions on its ETag.
type fileQuery struct {
	rng       *blob.Range
	ifRange   string   // strong ETag the range depends on ("": none)
	noneMatch []string // If-None-Match tags
	anyMatch  bool     // If-None-Match: *
}

// queryOf reads the request's Range, If-Range and If-None-Match.
func queryOf(c *fiber.Ctx) fileQuery {
	q := fileQuery{rng: rangeSpec(c.Get(fiber.HeaderRange))}
	q.noneMatch, q.anyMatch = etags(c.Get(fiber.HeaderIfNoneMatch))
	if h := c.Get(fiber.HeaderIfRange); h != "" && q.rng != nil {
		// A weak tag or a date never matches (we send no Last-Modified):
		// the whole file, as RFC 9110 asks of a failed If-Range.
		if q.ifRange = strongETag(h); q.ifRange == "" {
			q.rng = nil
		}
	}
	return q
}

// read is the storage request: the one If-None-Match tag a browser sends
// is left to storage, which then answers 304 without reading the file.
func (q fileQuery) read() blob.Read {
	r := blob.Read{Range: q.rng, IfMatch: q.ifRange}
	if len(q.noneMatch) == 1 && !q.anyMatch {
		r.IfNoneMatch = q.noneMatch[0]
	}
	return r
}

func (q fileQuery) notModified(etag string) bool {
	return q.anyMatch || slices.Contains(q.noneMatch, etag)
}

// served is the answer to a file request: 200 or 206 with Object's body,
// 304 with the matching ETag, or 416 for a file of Size bytes.
type served struct {
	status int
	obj    *blob.Object
	etag   string
	size   int64
}

// readServed reads key as q asks, in one storage request in the common
// cases: whole, one range, or not modified. Only a failed If-Range or a
// range past the end costs a second request. A missing object is
// ErrNotFound.
func (s *Service) readServed(ctx context.Context, key string, q fileQuery) (*served, error) {
	r := q.read()
	obj, err := s.blobs.Get(ctx, key, r)
	if errors.Is(err, blob.ErrPrecondition) { // changed since the client's first part
		r.Range, r.IfMatch = nil, ""
		obj, err = s.blobs.Get(ctx, key, r)
	}
	if errors.Is(err, blob.ErrRangeNotSatisfiable) {
		return s.pastTheEnd(ctx, key, q, r)
	}
	return q.answer(obj, r, err)
}

// pastTheEnd answers a range storage refused: 416 with the size, unless
// the size says otherwise (an empty file is served whole).
func (s *Service) pastTheEnd(ctx context.Context, key string, q fileQuery, r blob.Read) (*served, error) {
	info, err := s.blobs.Stat(ctx, key)
	if err != nil {
		return q.answer(nil, r, err)
	}
	rng, status := resolve(q.rng, info.Size)
	if status == fiber.StatusRequestedRangeNotSatisfiable {
		return &served{status: status, size: info.Size}, nil
	}
	r.Range, r.IfMatch = rng, ""
	obj, err := s.blobs.Get(ctx, key, r)
	return q.answer(obj, r, err)
}

// answer turns storage's answer into the response, checking that a
// partial answer is the range RFC 9110 asks for.
func (q fileQuery) answer(obj *blob.Object, r blob.Read, err error) (*served, error) {
	switch {
	case errors.Is(err, blob.ErrNotModified):
		return &served{status: fiber.StatusNotModified, etag: r.IfNoneMatch}, nil
	case errors.Is(err, blob.ErrNotFound):
		return nil, ErrNotFound
	case err != nil:
		return nil, err
	}
	if q.notModified(obj.Info.ETag) {
		obj.Body.Close()
		return &served{status: fiber.StatusNotModified, etag: obj.Info.ETag}, nil
	}
	if !obj.Partial {
		return &served{status: fiber.StatusOK, obj: obj}, nil
	}
	want, _ := resolve(r.Range, obj.Info.Size)
	if want == nil || want.Start != obj.Start || want.End != obj.Start+obj.Length-1 {
		obj.Body.Close()
		return nil, fmt.Errorf("storage answered %d bytes at %d of %d for %+v", obj.Length, obj.Start, obj.Info.Size, r.Range)
	}
	return &served{status: fiber.StatusPartialContent, obj: obj}, nil
}
