package db

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LinkChangeChannel is the channel migration 0009's triggers notify on.
const LinkChangeChannel = "mediad_link_change"

// Changes is a version number that moves on every write that can change
// what a share link shows: on each notification from PostgreSQL (writes
// by any process), and on Bump (writes by this process, before their
// response leaves). A cache entry built at version v may be served while
// the version is still v and Live is true.
type Changes struct {
	version atomic.Uint64
	live    atomic.Bool
}

// Version returns the current version and whether the listener is
// connected; while it is not, nothing may be served from a cache.
func (c *Changes) Version() (uint64, bool) {
	return c.version.Load(), c.live.Load()
}

// Bump moves the version.
func (c *Changes) Bump() { c.version.Add(1) }

// Listen keeps a dedicated connection LISTENing on LinkChangeChannel until
// ctx ends, bumping the version on every notification. When the
// connection drops, caches are off (Live false) until it is back.
func (c *Changes) Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	for ctx.Err() == nil {
		err := c.listenOnce(ctx, pool)
		c.live.Store(false)
		c.Bump()
		if ctx.Err() != nil {
			return
		}
		log.Warn("link change listener lost; link views uncached until it is back", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (c *Changes) listenOnce(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+LinkChangeChannel); err != nil {
		return err
	}
	// Anything written before LISTEN took effect was not seen: start anew.
	c.Bump()
	c.live.Store(true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		c.Bump()
	}
}
