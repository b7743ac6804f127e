package blob

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// Part is one received part of a multipart upload.
type Part struct {
	Number int    `json:"n"`
	Size   int64  `json:"size"`
	ETag   string `json:"etag"`
}

// NewMultipart starts a multipart upload and returns its upload id.
func (s *Store) NewMultipart(ctx context.Context, key, contentType string) (string, error) {
	id, err := s.core.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{ContentType: contentType})
	return id, translate(err)
}

// PutPart uploads part n (1-based) of exactly size bytes; re-sending a part
// number replaces the earlier one.
func (s *Store) PutPart(ctx context.Context, key, uploadID string, n int, r io.Reader, size int64) (Part, error) {
	p, err := s.core.PutObjectPart(ctx, s.bucket, key, uploadID, n, r, size, minio.PutObjectPartOptions{})
	if err != nil {
		return Part{}, translate(err)
	}
	return Part{Number: n, Size: p.Size, ETag: p.ETag}, nil
}

// ListParts returns the parts received so far, in order.
func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]Part, error) {
	var out []Part
	marker := 0
	for {
		res, err := s.core.ListObjectParts(ctx, s.bucket, key, uploadID, marker, 1000)
		if err != nil {
			return nil, translate(err)
		}
		for _, p := range res.ObjectParts {
			out = append(out, Part{Number: p.PartNumber, Size: p.Size, ETag: p.ETag})
		}
		if !res.IsTruncated {
			return out, nil
		}
		marker = res.NextPartNumberMarker
	}
}

// CompleteMultipart assembles the listed parts into the object.
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []Part) error {
	cp := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cp[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	_, err := s.core.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, cp, minio.PutObjectOptions{})
	return translate(err)
}

// AbortMultipart discards an unfinished upload and its parts; an upload
// that no longer exists is not an error.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	err := translate(s.core.AbortMultipartUpload(ctx, s.bucket, key, uploadID))
	if isNotFound(err) {
		return nil
	}
	return err
}

// IncompleteUpload is a multipart upload MinIO still holds.
type IncompleteUpload struct {
	Key, UploadID string
	Initiated     time.Time
}

// ListIncomplete lists unfinished multipart uploads under prefix. MinIO
// matches a ListMultipartUploads prefix only against whole object names
// (minio/minio#20989, "working as intended"), so every upload is listed
// and the prefix applied here.
func (s *Store) ListIncomplete(ctx context.Context, prefix string) ([]IncompleteUpload, error) {
	var out []IncompleteUpload
	for u := range s.c.ListIncompleteUploads(ctx, s.bucket, "", true) {
		if u.Err != nil {
			return nil, translate(u.Err)
		}
		if strings.HasPrefix(u.Key, prefix) {
			out = append(out, IncompleteUpload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated})
		}
	}
	return out, nil
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsNotFound reports whether err means the object or upload does not exist.
func IsNotFound(err error) bool { return isNotFound(err) }
