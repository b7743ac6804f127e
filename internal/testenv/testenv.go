// Package testenv connects integration tests to the real local stack
// (scripts/devstack): PostgreSQL, Redis and MinIO. A service that cannot be
// reached fails the test with a message naming it; nothing is skipped.
package testenv

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/redis/go-redis/v9"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/ids"
)

var (
	loadOnce sync.Once
	fileEnv  = map[string]string{}
)

// Getenv reads a variable from the process environment, falling back to
// the devstack state files, so `go test ./...` works after `scripts/devstack up`
// without exporting anything.
func Getenv(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	loadOnce.Do(loadStateFiles)
	return fileEnv[name]
}

// moduleRoot is the nearest folder above the working directory (a test's
// package folder) that holds go.mod: the repository root.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("no go.mod above " + dir)
		}
	}
}

func loadStateFiles() {
	dir, err := moduleRoot()
	if err != nil {
		return
	}
	state := filepath.Join(dir, ".devstack")
	readEnvFile(filepath.Join(state, "secrets.env"), nil)
	readEnvFile(filepath.Join(state, "minio.env"), map[string]string{
		"MINIO_ROOT_USER": "MEDIA_S3_ACCESS_KEY", "MINIO_ROOT_PASSWORD": "MEDIA_S3_SECRET_KEY"})
}

func readEnvFile(path string, rename map[string]string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		if !ok {
			continue
		}
		if r, ok := rename[k]; ok {
			k = r
		}
		fileEnv[k] = strings.Trim(v, `"'`)
	}
}

// BlobConfig returns the MinIO settings with a fresh random bucket name.
func BlobConfig(tb testing.TB) blob.Config {
	tb.Helper()
	cfg := blob.Config{
		Endpoint:  or(Getenv("MEDIA_S3_ENDPOINT"), "127.0.0.1:9000"),
		AccessKey: Getenv("MEDIA_S3_ACCESS_KEY"),
		SecretKey: Getenv("MEDIA_S3_SECRET_KEY"),
		Bucket:    "mediad-test-" + ids.New()[:20],
	}
	if cfg.AccessKey == "" {
		tb.Fatal("minio: no credentials (MEDIA_S3_ACCESS_KEY); run `scripts/devstack up` or `make test`")
	}
	return cfg
}

// Blob returns a store on a fresh bucket that is emptied and removed when
// the test ends.
func Blob(tb testing.TB) *blob.Store {
	tb.Helper()
	cfg := BlobConfig(tb)
	s, err := blob.New(cfg)
	if err != nil {
		tb.Fatalf("minio: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.EnsureBucket(ctx); err != nil {
		tb.Fatalf("minio unreachable at %s (run scripts/devstack up): %v", cfg.Endpoint, err)
	}
	tb.Cleanup(func() { RemoveBucket(tb, s.Client(), cfg.Bucket) })
	return s
}

// RemoveBucket deletes every object, unfinished upload and the bucket.
func RemoveBucket(tb testing.TB, c *minio.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for u := range c.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err == nil {
			_ = c.RemoveIncompleteUpload(ctx, bucket, u.Key)
		}
	}
	objs := c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true})
	for e := range c.RemoveObjects(ctx, bucket, objs, minio.RemoveObjectsOptions{}) {
		tb.Errorf("minio cleanup: %v", e.Err)
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil {
		tb.Errorf("minio cleanup: remove bucket %s: %v", bucket, err)
	}
}

// Keys lists every key under prefix in the store's bucket.
func Keys(tb testing.TB, s *blob.Store, prefix string) []string {
	tb.Helper()
	var keys []string
	err := s.List(context.Background(), prefix, func(i blob.Info) error {
		keys = append(keys, i.Key)
		return nil
	})
	if err != nil {
		tb.Fatalf("minio list %q: %v", prefix, err)
	}
	return keys
}

// Incomplete lists unfinished multipart uploads under prefix.
func Incomplete(tb testing.TB, s *blob.Store, prefix string) []blob.IncompleteUpload {
	tb.Helper()
	ups, err := s.ListIncomplete(context.Background(), prefix)
	if err != nil {
		tb.Fatalf("minio list incomplete: %v", err)
	}
	return ups
}

// RedisAddr returns the Redis address after checking it answers.
func RedisAddr(tb testing.TB) string {
	tb.Helper()
	addr := or(Getenv("MEDIA_REDIS_ADDR"), "127.0.0.1:6379")
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		tb.Fatalf("redis unreachable at %s (run scripts/devstack up): %v", addr, err)
	}
	return addr
}

// FlushRedisDB empties Redis database n, used by one test package alone.
func FlushRedisDB(tb testing.TB, n int) {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: RedisAddr(tb), DB: n})
	defer c.Close()
	if err := c.FlushDB(context.Background()).Err(); err != nil {
		tb.Fatalf("redis: flush db %d: %v", n, err)
	}
}

// SigningKey returns the stack's URL-signing key, or a fixed test key.
func SigningKey() string {
	return or(Getenv("MEDIA_URL_SIGNING_KEY"), strings.Repeat("ab", 32))
}

// Testdata returns the path of a file under the repository's testdata/
// folder, failing the test when it is missing.
func Testdata(tb testing.TB, rel string) string {
	tb.Helper()
	root, err := moduleRoot()
	if err != nil {
		tb.Fatalf("test data: %v", err)
	}
	p := filepath.Join(root, "testdata", rel)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("test data %s missing from the repository: %v", rel, err)
	}
	return p
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
