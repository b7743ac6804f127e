// Package blob is the MinIO (S3) adapter: a small ctx-first interface over
// minio-go whose errors are translated once, here, into ErrNotFound and
// ErrUnavailable.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Errors returned by Store methods.
var (
	ErrNotFound    = errors.New("blob: object not found")
	ErrUnavailable = apperr.New(http.StatusServiceUnavailable, "storage_unavailable", "Storage is temporarily unavailable; try again.")
)

// Config says where MinIO is.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	Secure    bool
	PartSize  int64 // streaming upload part size; default 8 MiB
}

// Defaults fills zero values: the local stack's MinIO, bucket "media",
// 8 MiB parts.
func (c Config) Defaults() Config {
	if c.Endpoint == "" {
		c.Endpoint = "127.0.0.1:9000"
	}
	if c.Bucket == "" {
		c.Bucket = "media"
	}
	if c.PartSize == 0 {
		c.PartSize = 8 << 20
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.Endpoint == "" || strings.Contains(c.Endpoint, "/"):
		return fmt.Errorf("MEDIA_S3_ENDPOINT: want host:port, got %q", c.Endpoint)
	case c.AccessKey == "" || c.SecretKey == "":
		return errors.New("MEDIA_S3_ACCESS_KEY and MEDIA_S3_SECRET_KEY are required (scripts/devstack env prints them)")
	case len(c.Bucket) < 3:
		return fmt.Errorf("MEDIA_S3_BUCKET: want a bucket name, got %q", c.Bucket)
	case c.PartSize != 0 && c.PartSize < 5<<20:
		return errors.New("blob: part size must be at least 5 MiB (S3 minimum)")
	}
	return nil
}

// maxIdleConns is how many idle connections to MinIO are kept (all of
// them to one host): the requests one process has in flight at a busy
// moment.
const maxIdleConns = 256

// Store is a bucket in MinIO.
type Store struct {
	c        *minio.Client
	core     minio.Core
	bucket   string
	partSize int64
}

// New returns a Store. It does not contact the server; call EnsureBucket.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tr, err := minio.DefaultTransport(cfg.Secure)
	if err != nil {
		return nil, err
	}
	tr.DialContext = (&net.Dialer{Timeout: 3 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = 60 * time.Second
	// Every served file is one request to MinIO: with minio-go's 16 idle
	// connections per host, a grid of 50 thumbnails would dial and close
	// the other 34 each time.
	tr.MaxIdleConnsPerHost = maxIdleConns
	// A thumbnail's response, headers and bytes, in one read (net/http
	// reads through 4 KiB by default).
	tr.ReadBufferSize = 64 << 10
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.Secure,
		Transport: tr,
		// Retries hide an outage behind minutes of backoff; callers
		// report 503 and the client retries instead.
		MaxRetries: 1,
	})
	if err != nil {
		return nil, err
	}
	ps := cfg.PartSize
	if ps == 0 {
		ps = 8 << 20
	}
	return &Store{c: c, core: minio.Core{Client: c}, bucket: cfg.Bucket, partSize: ps}, nil
}

// Bucket returns the bucket name.
func (s *Store) Bucket() string { return s.bucket }

// Client exposes the underlying client for benchmarks and tests that need
// a reference path (direct PutObject, RemoveObjects).
func (s *Store) Client() *minio.Client { return s.c }

// EnsureBucket creates the bucket when missing and removes any bucket
// policy: objects are only ever reached through the service, never anonymously.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return translate(err)
	}
	if !ok {
		if err := s.c.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{}); err != nil &&
			minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return translate(err)
		}
	}
	pol, err := s.c.GetBucketPolicy(ctx, s.bucket)
	if err != nil {
		return translate(err)
	}
	if pol != "" {
		if err := s.c.SetBucketPolicy(ctx, s.bucket, ""); err != nil {
			return translate(err)
		}
	}
	return nil
}

// Ping checks that MinIO answers and the bucket exists.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return translate(err)
	}
	if !ok {
		return fmt.Errorf("bucket %s missing: %w", s.bucket, ErrUnavailable)
	}
	return nil
}

// translate maps minio-go and network errors to the package's errors.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NoSuchUpload", "NoSuchBucket":
		return fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "connection refused") || minio.ToErrorResponse(err).StatusCode >= 500 {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}
