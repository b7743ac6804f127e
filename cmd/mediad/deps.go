package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/worker"
)

// deps are the connections every mode needs.
type deps struct {
	pool  *pgxpool.Pool
	blob  *blob.Store
	redis *redis.Client
}

// connect opens PostgreSQL, Redis and MinIO; a service that cannot be
// reached is named in the error.
func connect(ctx context.Context, cfg Config, log *slog.Logger) (*deps, error) {
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	bs, err := blob.New(cfg.Blob)
	if err != nil {
		pool.Close()
		return nil, err
	}
	if err := bs.EnsureBucket(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("minio at %s: %w", cfg.Blob.Endpoint, err)
	}
	rdb := worker.NewRedis(cfg.Worker)
	if err := rdb.Ping(ctx).Err(); err != nil {
		pool.Close()
		rdb.Close()
		return nil, fmt.Errorf("redis at %s unreachable: %w", worker.RedisName(cfg.Worker), err)
	}
	if cfg.Auth.DevLogin {
		log.Warn("MEDIA_DEV_LOGIN is on: anyone can sign in as anyone through POST /v1/auth/dev; never use it in production")
	}
	return &deps{pool: pool, blob: bs, redis: rdb}, nil
}

func (d *deps) Close() {
	d.pool.Close()
	d.redis.Close()
}

func migrate(ctx context.Context, cfg Config, stdout io.Writer) error {
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	applied, err := db.Migrate(ctx, pool)
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	if err == nil && len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
	}
	return err
}
