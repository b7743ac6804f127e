package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"
)

// The benchmark's own corner of the local stack: nothing `make run` or
// the tests use is touched.
const (
	benchDB      = "media_bench"
	benchBucket  = "mediabench"
	benchRedisDB = 12
	httpAddr     = "127.0.0.1:18080"
	metricsAddr  = "127.0.0.1:19090"
	ceilingAddr  = "127.0.0.1:18081" // share-open's in-process ceiling server
	baseURL      = "http://" + httpAddr
	docsPath     = "docs/benchmarks.md"
)

// stackVars are the connection settings `scripts/devstack env` exports.
var stackVars = []string{"MEDIA_DATABASE_URL", "MEDIA_REDIS_ADDR", "MEDIA_S3_ENDPOINT",
	"MEDIA_S3_ACCESS_KEY", "MEDIA_S3_SECRET_KEY", "MEDIA_URL_SIGNING_KEY"}

// stack holds the connections mediabench uses for seeding and references.
type stack struct {
	env   map[string]string // MEDIA_* settings every mediad-bench gets
	dbURL string
	pool  *pgxpool.Pool
	minio *minio.Client
	redis *redis.Client
}

// openStack recreates the benchmark database, empties (or creates) the
// bucket and flushes the Redis database.
func openStack(ctx context.Context) (*stack, error) {
	env, err := stackEnv()
	if err != nil {
		return nil, err
	}
	s := &stack{env: env, dbURL: env["MEDIA_DATABASE_URL"]}
	if err := recreateDB(ctx, s.dbURL); err != nil {
		return nil, err
	}
	if s.pool, err = pgxpool.New(ctx, s.dbURL); err != nil {
		return nil, err
	}
	s.minio, err = minio.New(env["MEDIA_S3_ENDPOINT"], &minio.Options{
		Creds: credentials.NewStaticV4(env["MEDIA_S3_ACCESS_KEY"], env["MEDIA_S3_SECRET_KEY"], ""), Secure: env["MEDIA_S3_SECURE"] == "true"})
	if err != nil {
		return nil, err
	}
	s.redis = redis.NewClient(&redis.Options{Addr: env["MEDIA_REDIS_ADDR"], DB: benchRedisDB, Password: env["MEDIA_REDIS_PASSWORD"]})
	if err := s.redis.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("redis at %s: %w", env["MEDIA_REDIS_ADDR"], err)
	}
	return s, s.emptyBucket(ctx)
}

// stackEnv reads the stack's settings and points them at the benchmark's
// database, bucket, Redis DB and ports.
func stackEnv() (map[string]string, error) {
	env := map[string]string{}
	var missing []string
	for _, k := range stackVars {
		if env[k] = os.Getenv(k); env[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s not set: run `make bench`, or `eval \"$(scripts/devstack env)\"` first", strings.Join(missing, ", "))
	}
	for _, k := range []string{"MEDIA_REDIS_PASSWORD", "MEDIA_S3_SECURE"} {
		if v := os.Getenv(k); v != "" {
			env[k] = v
		}
	}
	u, err := url.Parse(env["MEDIA_DATABASE_URL"])
	if err != nil {
		return nil, fmt.Errorf("MEDIA_DATABASE_URL: %w", err)
	}
	u.Path = "/" + benchDB
	env["MEDIA_DATABASE_URL"] = u.String()
	for k, v := range map[string]string{"MEDIA_S3_BUCKET": benchBucket, "MEDIA_REDIS_DB": fmt.Sprint(benchRedisDB),
		"MEDIA_HTTP_ADDR": httpAddr, "MEDIA_METRICS_ADDR": metricsAddr, "MEDIA_PUBLIC_URL": baseURL,
		"MEDIA_DEV_LOGIN": "true",
		// Every benchmark client comes from 127.0.0.1, one client network,
		// where real phones come from many: the per-network caps would
		// measure themselves. Exports: a round makes one per user, and the
		// rounds must not meet the daily limit.
		"MEDIA_UPLOADS_PER_NETWORK": "10000", "MEDIA_HTTP_MAX_CONNS_PER_NETWORK": "10000",
		"MEDIA_EXPORTS_PER_DAY": "1000"} {
		env[k] = v
	}
	return env, nil
}

// recreateDB drops and creates the benchmark database through the
// maintenance database of the same server.
func recreateDB(ctx context.Context, dbURL string) error {
	u, _ := url.Parse(dbURL)
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{"DROP DATABASE IF EXISTS " + benchDB + " WITH (FORCE)", "CREATE DATABASE " + benchDB} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: %s: %w", q, err)
		}
	}
	return nil
}

// reset gives a scenario a clean state: no rows (the schema stays), no
// objects, no queued tasks. Leftovers of one scenario (a queued 1 GiB
// video, a sweep) must not run during the next.
func (s *stack) reset(ctx context.Context) error {
	var tables string
	err := s.pool.QueryRow(ctx, `SELECT coalesce(string_agg(format('%I', tablename), ', '), '') FROM pg_tables
		WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`).Scan(&tables)
	if err != nil {
		return err
	}
	if tables != "" {
		if _, err := s.pool.Exec(ctx, "TRUNCATE "+tables+" RESTART IDENTITY CASCADE"); err != nil {
			return err
		}
	}
	if err := s.redis.FlushDB(ctx).Err(); err != nil {
		return err
	}
	return s.emptyBucket(ctx)
}

// emptyBucket creates the bucket or removes every object and unfinished
// upload in it.
func (s *stack) emptyBucket(ctx context.Context) error {
	ok, err := s.minio.BucketExists(ctx, benchBucket)
	if err != nil {
		return fmt.Errorf("minio: %w", err)
	}
	if !ok {
		return s.minio.MakeBucket(ctx, benchBucket, minio.MakeBucketOptions{})
	}
	return s.removePrefix(ctx, "")
}

// removePrefix deletes every object (and unfinished upload) under prefix.
func (s *stack) removePrefix(ctx context.Context, prefix string) error {
	for u := range s.minio.ListIncompleteUploads(ctx, benchBucket, prefix, true) {
		if u.Err == nil {
			_ = s.minio.RemoveIncompleteUpload(ctx, benchBucket, u.Key)
		}
	}
	objs := s.minio.ListObjects(ctx, benchBucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true})
	for e := range s.minio.RemoveObjects(ctx, benchBucket, objs, minio.RemoveObjectsOptions{}) {
		return fmt.Errorf("minio: remove %s: %w", e.ObjectName, e.Err)
	}
	return nil
}

// countPrefix counts the objects under prefix.
func (s *stack) countPrefix(ctx context.Context, prefix string) (int, error) {
	n := 0
	for o := range s.minio.ListObjects(ctx, benchBucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return n, o.Err
		}
		n++
	}
	return n, nil
}

// close removes the bucket; the database stays for inspection until the
// next run drops it.
func (s *stack) close(ctx context.Context) error {
	err := s.emptyBucket(ctx)
	if err == nil {
		err = s.minio.RemoveBucket(ctx, benchBucket)
	}
	s.pool.Close()
	return errors.Join(err, s.redis.Close())
}

// buildMediad builds the binary under test once, from this checkout.
func buildMediad(ctx context.Context, root string, log io.Writer) (string, error) {
	bin := filepath.Join(root, ".devstack", "bin", "mediad-bench")
	fmt.Fprintln(log, "+ go build -o .devstack/bin/mediad-bench ./cmd/mediad")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/mediad")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build mediad: %w", err)
	}
	return bin, nil
}

// repoRoot is the directory holding go.mod, found upwards from the
// working directory (make and go run both start inside the module).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("no go.mod above %s: run mediabench inside the repository", dir)
		}
	}
}
