package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/minio/minio-go/v7"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// partPool recycles full-size part buffers between streamed uploads so many
// concurrent uploads do not each allocate (and leave to the GC) a fresh part.
var partPool sync.Pool

func (s *Store) getPart() []byte {
	if b, ok := partPool.Get().(*[]byte); ok && int64(cap(*b)) >= s.partSize {
		return (*b)[:s.partSize]
	}
	return make([]byte, s.partSize)
}

func putPart(b []byte) { partPool.Put(&b) }

// PutStream stores an object of unknown length from r without holding it
// whole in memory or on disk: an object smaller than one part goes up in a
// single PUT; a larger one as a multipart upload, reading the next part while
// the previous one is sent. If r fails (client gone, limit exceeded) or MinIO
// fails, the multipart upload is aborted and nothing is left behind; r's
// error is returned unchanged so callers can tell why.
func (s *Store) PutStream(ctx context.Context, key string, r io.Reader, contentType string) (int64, error) {
	first := s.getPart()
	n, rerr := io.ReadFull(r, first)
	if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
		defer putPart(first)
		err := s.PutBytes(ctx, key, first[:n], contentType)
		return int64(n), err
	}
	if rerr != nil {
		putPart(first)
		return 0, rerr
	}
	return s.putMultipart(ctx, key, r, first, contentType)
}

type sentPart struct {
	part minio.CompletePart
	err  error
}

func (s *Store) putMultipart(ctx context.Context, key string, r io.Reader, first []byte, ct string) (total int64, err error) {
	uploadID, err := s.core.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{ContentType: ct})
	if err != nil {
		putPart(first)
		return 0, translate(err)
	}
	defer func() {
		if err != nil {
			// Abort with a fresh context: the request's may be the reason we failed.
			_ = s.core.AbortMultipartUpload(context.WithoutCancel(ctx), s.bucket, key, uploadID)
		}
	}()
	var parts []minio.CompletePart
	var inflight chan sentPart
	buf, n := first, len(first)
	for num := 1; ; num++ {
		done := make(chan sentPart, 1)
		go func(num int, b []byte) {
			defer putPart(b[:cap(b)])
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
		n, rerr = io.ReadFull(r, buf)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			putPart(buf)
			<-inflight
			return 0, rerr
		}
		if n == 0 {
			putPart(buf)
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
