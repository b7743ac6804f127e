package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
)

// spareParts keeps a few full-size part buffers alive for good, and
// partPool recycles more between streamed uploads. A sync.Pool alone is
// emptied by every garbage collection, so a long upload kept allocating
// fresh 8 MiB parts for the collector to find later: resident memory rose
// by several parts more than the two a stream needs at a time.
var (
	spareParts = make(chan []byte, 4)
	partPool   sync.Pool
)

func (s *Store) getPart() []byte {
	select {
	case b := <-spareParts:
		if int64(cap(b)) >= s.partSize {
			return b[:s.partSize]
		}
	default:
	}
	if b, ok := partPool.Get().(*[]byte); ok && int64(cap(*b)) >= s.partSize {
		return (*b)[:s.partSize]
	}
	return make([]byte, s.partSize)
}

// putPart recycles a part buffer; smaller buffers (a short upload's only
// part) are left to the collector.
func (s *Store) putPart(b []byte) {
	if int64(cap(b)) < s.partSize {
		return
	}
	select {
	case spareParts <- b:
	default:
		partPool.Put(&b)
	}
}

// PutStream stores an object of unknown length from r without holding it
// whole in memory or on disk: an object smaller than one part goes up in a
// single PUT; a larger one as a multipart upload, reading the next part while
// the previous one is sent. If r fails (client gone, limit exceeded) or MinIO
// fails, the multipart upload is aborted and nothing is left behind; r's
// error is returned unchanged so callers can tell why.
func (s *Store) PutStream(ctx context.Context, key string, r io.Reader, contentType string) (int64, error) {
	first, rerr := s.readFirst(r)
	if errors.Is(rerr, io.EOF) {
		err := s.PutBytes(ctx, key, first, contentType)
		return int64(len(first)), err
	}
	if rerr != nil {
		return 0, rerr
	}
	return s.putMultipart(ctx, key, r, first, contentType)
}

// chunkPool holds the small buffers the first part is read into.
var chunkPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// readFirst reads up to one part in pooled 256 KiB chunks: a 3 MB photo
// then costs one allocation of its own size, not a whole 8 MiB part, and a
// large stream copies its first part once into a pooled part buffer. It
// returns io.EOF when r ended within the part.
func (s *Store) readFirst(r io.Reader) ([]byte, error) {
	var chunks []*[]byte
	defer func() {
		for _, c := range chunks {
			chunkPool.Put(c)
		}
	}()
	var total int64
	var rerr error
	for total < s.partSize && rerr == nil {
		c := chunkPool.Get().(*[]byte)
		buf := (*c)[:min(int64(len(*c)), s.partSize-total)]
		n, err := fill(r, buf)
		*c = (*c)[:n]
		chunks = append(chunks, c)
		total += int64(n)
		rerr = err
	}
	var out []byte
	if total == s.partSize && rerr == nil {
		out = s.getPart()[:0]
	} else {
		out = make([]byte, 0, total)
	}
	for _, c := range chunks {
		out = append(out, *c...)
		*c = (*c)[:cap(*c)]
	}
	return out, rerr
}

type sentPart struct {
	part minio.CompletePart
	err  error
}

func (s *Store) putMultipart(ctx context.Context, key string, r io.Reader, first []byte, ct string) (total int64, err error) {
	uploadID, err := s.core.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{ContentType: ct})
	if err != nil {
		s.putPart(first)
		return 0, translate(err)
	}
	defer func() {
		if err != nil {
			// Abort with a fresh context: the request's may be the reason we failed.
			s.abortEventually(context.WithoutCancel(ctx), key, uploadID)
		}
	}()
	var parts []minio.CompletePart
	var inflight chan sentPart
	buf, n := first, len(first)
	for num := 1; ; num++ {
		done := make(chan sentPart, 1)
		go func(num int, b []byte) {
			defer s.putPart(b[:cap(b)])
			p, err := s.core.PutObjectPart(ctx, s.bucket, key, uploadID, num, bytes.NewReader(b), int64(len(b)), minio.PutObjectPartOptions{})
			done <- sentPart{minio.CompletePart{PartNumber: num, ETag: p.ETag}, translate(err)}
		}(num, buf[:n])
		total += int64(n)
		if inflight != nil {
			if sp := <-inflight; sp.err != nil {
				<-done
				return 0, sp.err
			} else {
				parts = append(parts, sp.part)
			}
		}
		inflight = done
		buf = s.getPart()
		var rerr error
		n, rerr = fill(r, buf)
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			s.putPart(buf)
			<-inflight
			return 0, rerr
		}
		if n == 0 {
			s.putPart(buf)
			break
		}
	}
	sp := <-inflight
	if sp.err != nil {
		return 0, sp.err
	}
	parts = append(parts, sp.part)
	if _, err := s.core.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, parts, minio.PutObjectOptions{}); err != nil {
		return 0, translate(err)
	}
	return total, nil
}

// abortEventually aborts a failed streamed upload. When storage itself
// failed, the first attempt usually fails too, so it keeps trying in the
// background for about a minute: the parts already stored go as soon as
// storage is back instead of waiting for the sweep after the upload TTL.
func (s *Store) abortEventually(ctx context.Context, key, uploadID string) {
	retry := func() bool { return errors.Is(s.AbortMultipart(ctx, key, uploadID), ErrUnavailable) }
	if !retry() {
		return
	}
	go func() {
		for wait := 500 * time.Millisecond; wait <= 32*time.Second; wait *= 2 {
			time.Sleep(wait)
			if !retry() {
				return
			}
		}
	}()
}

// fill reads into b until it is full (nil error) or r ends (io.EOF, with
// what was read). Unlike io.ReadFull it passes r's own errors through, so
// an io.ErrUnexpectedEOF from r (a multipart body cut short, a client gone
// mid-upload) fails the upload instead of passing for its last part.
func fill(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
