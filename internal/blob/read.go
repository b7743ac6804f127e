package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/minio/minio-go/v7"
)

// Errors of conditional and partial reads (Get).
var (
	ErrNotModified         = errors.New("blob: not modified")          // IfNoneMatch matched
	ErrPrecondition        = errors.New("blob: precondition failed")   // IfMatch did not match
	ErrRangeNotSatisfiable = errors.New("blob: range not satisfiable") // the range starts past the end
)

// Read asks for all or part of an object, optionally on conditions. The
// ETags are unquoted, as Info.ETag is.
type Read struct {
	Range       *Range // nil: the whole object
	IfNoneMatch string // answer ErrNotModified instead when the ETag is this
	IfMatch     string // answer ErrPrecondition instead unless the ETag is this
}

// Object is an open read: Body holds Length bytes from Start of an object
// of Info.Size bytes. Partial: storage answered the range (206), even one
// covering the whole object.
type Object struct {
	Body    io.ReadCloser
	Info    Info
	Start   int64
	Length  int64
	Partial bool
}

// Get reads key in one request: the metadata comes with the first
// response, so no Stat precedes it. A missing object is ErrNotFound here,
// not on the first read.
func (s *Store) Get(ctx context.Context, key string, r Read) (*Object, error) {
	opts := minio.GetObjectOptions{}
	if r.Range != nil {
		opts.Set("Range", r.Range.header())
	}
	if r.IfNoneMatch != "" {
		opts.Set("If-None-Match", `"`+r.IfNoneMatch+`"`)
	}
	if r.IfMatch != "" {
		opts.Set("If-Match", `"`+r.IfMatch+`"`)
	}
	rc, oi, h, err := s.core.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, translateRead(err)
	}
	o := &Object{Body: rc, Info: info(oi), Length: oi.Size}
	if cr := h.Get("Content-Range"); cr != "" {
		if err := o.partial(cr); err != nil {
			rc.Close()
			return nil, err
		}
	}
	return o, nil
}

// partial reads "bytes a-b/size" of a 206 answer.
func (o *Object) partial(cr string) error {
	var a, b, size int64
	if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &a, &b, &size); err != nil || b-a+1 != o.Length || b >= size {
		return fmt.Errorf("blob: storage answered Content-Range %q for %d bytes", cr, o.Length)
	}
	o.Start, o.Info.Size, o.Partial = a, size, true
	return nil
}

// header is the HTTP form of r: Start < 0 asks for the last -Start
// bytes, End < 0 for everything from Start.
func (r Range) header() string {
	switch {
	case r.Start < 0:
		return "bytes=" + strconv.FormatInt(r.Start, 10)
	case r.End < 0:
		return "bytes=" + strconv.FormatInt(r.Start, 10) + "-"
	}
	return "bytes=" + strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.End, 10)
}

// translateRead adds the answers only conditional and partial reads get.
func translateRead(err error) error {
	switch minio.ToErrorResponse(err).StatusCode {
	case http.StatusNotModified:
		return ErrNotModified
	case http.StatusPreconditionFailed:
		return ErrPrecondition
	case http.StatusRequestedRangeNotSatisfiable:
		return ErrRangeNotSatisfiable
	}
	return translate(err)
}
