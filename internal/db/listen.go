package db

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// syncTimeout bounds how long a write's answer waits for its marker.
const syncTimeout = 2 * time.Second

// Listen keeps a dedicated connection LISTENing on LinkChangeChannel until
// ctx ends, recording the scopes of every notification. When the
// connection drops, caches are off (Live false) until it is back, and
// everything counts as changed when it is.
func (c *Changes) Listen(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) {
	c.barrier.start(pool)
	for ctx.Err() == nil {
		err := c.listenOnce(ctx, pool)
		c.down()
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
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		c.apply(n.Payload)
	}
}

// apply records one notification: a marker of this process's barrier, or
// the scopes a statement touched (anything unreadable: everything).
func (c *Changes) apply(payload string) {
	if c.barrier.passed(payload) {
		return
	}
	scopes, ok := ParseScopes(payload)
	if !ok {
		c.Bump()
		return
	}
	c.Invalidate(scopes...)
}

// down turns caches off until the listener is back. Writes waiting in
// Sync may answer: everything counts as changed now.
func (c *Changes) down() {
	c.live.Store(false)
	c.Bump()
	c.barrier.releaseAll()
}

// Sync returns once the listener has applied the notifications of every
// write committed before the call, so that the next request through this
// process sees them: the API calls it after each write, before the answer
// leaves (writes by other processes arrive within one notification). When
// that cannot be known within syncTimeout (listener down, database not
// answering), everything counts as changed instead.
func (c *Changes) Sync() {
	if !c.live.Load() {
		c.Bump()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	if err := c.barrier.pass(ctx); err != nil {
		c.Bump()
	}
}
