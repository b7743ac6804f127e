package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// reconcileCmd runs the deep sweep once (upload.Sweeper.Deep, what the
// hourly storage:reconcile task runs) and prints its report.
func reconcileCmd(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	dry := false
	for _, a := range args {
		switch a {
		case "--dry-run":
			dry = true
		default:
			return fmt.Errorf("reconcile: unknown flag %q (usage: mediad reconcile [--dry-run])", a)
		}
	}
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	a := &app{cfg: cfg, log: log, deps: d, tasks: worker.NewClient(cfg.Worker), store: upload.NewStore(d.pool)}
	defer a.close()
	rep, err := a.sweeper().Deep(ctx, time.Now(), dry)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rep)
	return err
}

// purgeAll deletes every object and the bucket, every row of personal
// data and the queue state: for when the service stops operating. The
// deployment's name must be typed to confirm.
func purgeAll(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "--confirm" || args[1] != cfg.DeploymentName {
		return fmt.Errorf("purge-all: refusing; run `mediad purge-all --confirm %s` (MEDIA_DEPLOYMENT_NAME)", cfg.DeploymentName)
	}
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := purgeRows(ctx, d, stdout); err != nil {
		return err
	}
	if err := purgeBucket(ctx, d.blob, stdout); err != nil {
		return err
	}
	if err := d.redis.FlushDB(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	fmt.Fprintf(stdout, "redis db %d: flushed (queues, rate-limit counters)\n", cfg.Worker.RedisDB)
	return nil
}

func purgeRows(ctx context.Context, d *deps, stdout io.Writer) error {
	rows, err := d.pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1`)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, t := range tables {
		var n int64
		if err := d.pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t}.Sanitize()).Scan(&n); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "postgres %s: %d rows deleted\n", t, n)
	}
	ident := make([]string, len(tables))
	for i, t := range tables {
		ident[i] = pgx.Identifier{t}.Sanitize()
	}
	if len(ident) == 0 {
		return nil
	}
	_, err = d.pool.Exec(ctx, `TRUNCATE `+strings.Join(ident, ", ")+` RESTART IDENTITY CASCADE`)
	return err
}

func purgeBucket(ctx context.Context, bs *blob.Store, stdout io.Writer) error {
	ups, err := bs.ListIncomplete(ctx, "")
	if err != nil {
		return err
	}
	for _, u := range ups {
		if err := bs.AbortMultipart(ctx, u.Key, u.UploadID); err != nil {
			return err
		}
	}
	var keys []string
	if err := bs.List(ctx, "", func(i blob.Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		return err
	}
	n, err := bs.DeleteMany(ctx, keys)
	if err != nil {
		return err
	}
	if err := bs.Client().RemoveBucket(ctx, bs.Bucket()); err != nil {
		return errors.Join(fmt.Errorf("remove bucket %s", bs.Bucket()), err)
	}
	fmt.Fprintf(stdout, "minio %s: %d objects and %d unfinished uploads deleted, bucket removed\n", bs.Bucket(), n, len(ups))
	return nil
}
