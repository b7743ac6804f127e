package db

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/ids"
)

// barrier lets a write through this process wait until the listener has
// applied the notifications its transactions sent: it sends a marker
// notification of its own and waits for it to come back. PostgreSQL
// delivers notifications in commit order, so the marker, committed after
// the write, arrives after the write's own notifications.
type barrier struct {
	id   string // tells this process's markers from other processes'
	pool atomic.Pointer[pgxpool.Pool]

	mu   sync.Mutex
	sent uint64        // markers sent
	seen uint64        // highest marker back (or released)
	wake chan struct{} // closed when seen moves
}

var errNoListener = errors.New("link change listener not started")

// start lets Sync send markers through pool.
func (b *barrier) start(pool *pgxpool.Pool) {
	b.mu.Lock()
	if b.id == "" {
		b.id = ids.New()[:12]
	}
	b.mu.Unlock()
	b.pool.Store(pool)
}

// pass sends a marker and waits until the listener has seen it.
func (b *barrier) pass(ctx context.Context) error {
	pool := b.pool.Load()
	if pool == nil {
		return errNoListener
	}
	n, marker := b.mark()
	if _, err := pool.Exec(ctx, `SELECT pg_notify($1, $2)`, LinkChangeChannel, marker); err != nil {
		return err
	}
	return b.wait(ctx, n)
}

func (b *barrier) mark() (uint64, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sent++
	return b.sent, syncPrefix + b.id + ":" + strconv.FormatUint(b.sent, 10)
}

func (b *barrier) wait(ctx context.Context, n uint64) error {
	for {
		b.mu.Lock()
		if b.seen >= n {
			b.mu.Unlock()
			return nil
		}
		if b.wake == nil {
			b.wake = make(chan struct{})
		}
		ch := b.wake
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// passed reports whether payload is a marker (of any process) and, if it
// is one of this process's, wakes the writes waiting for it.
func (b *barrier) passed(payload string) bool {
	rest, ok := strings.CutPrefix(payload, syncPrefix)
	if !ok {
		return false
	}
	id, num, _ := strings.Cut(rest, ":")
	n, err := strconv.ParseUint(num, 10, 64)
	b.mu.Lock()
	defer b.mu.Unlock()
	if id == b.id && err == nil {
		b.advance(n)
	}
	return true
}

// releaseAll lets every waiting write go on (the listener is down, so
// everything already counts as changed).
func (b *barrier) releaseAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(b.sent)
}

func (b *barrier) advance(n uint64) {
	b.seen = max(b.seen, n)
	if b.wake != nil {
		close(b.wake)
		b.wake = nil
	}
}
