// Package ratelimit counts events per key in fixed windows in Redis, so
// every API process shares the same counts.
package ratelimit

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter allows max events per key per window.
type Limiter struct {
	rdb    *redis.Client
	prefix string
	max    int
	window time.Duration
	now    func() time.Time
}

// New returns a Limiter of max events per minute; prefix namespaces its keys.
func New(rdb *redis.Client, prefix string, max int) *Limiter {
	return NewWindow(rdb, prefix, max, time.Minute)
}

// NewWindow returns a Limiter of max events per window.
func NewWindow(rdb *redis.Client, prefix string, max int, window time.Duration) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, max: max, window: window, now: time.Now}
}

// Allow counts one event for key and reports whether it is within the limit.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, error) {
	n, err := l.add(ctx, key, 1)
	return n <= int64(l.max), err
}

// Exceeded reports whether key is already over the limit, without counting.
func (l *Limiter) Exceeded(ctx context.Context, key string) (bool, error) {
	n, err := l.add(ctx, key, 0)
	return n >= int64(l.max), err
}

func (l *Limiter) add(ctx context.Context, key string, by int64) (int64, error) {
	window := l.now().UnixNano() / int64(l.window)
	k := "rl:" + l.prefix + ":" + key + ":" + strconv.FormatInt(window, 10)
	pipe := l.rdb.TxPipeline()
	incr := pipe.IncrBy(ctx, k, by)
	pipe.Expire(ctx, k, 2*l.window)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return incr.Val(), nil
}

// Batched returns a limiter for hot keys that counts locally and settles
// with Redis every batch events per key (and on every event once the count
// is within 2×batch of the limit), so a busy key costs one Redis round
// trip per batch instead of one per request. The price: up to batch-1
// events per key and process may go uncounted by the other processes.
func (l *Limiter) Batched(batch int) *BatchedLimiter {
	return &BatchedLimiter{l: l, batch: int64(max(batch, 1)), counts: map[string]*localCount{}}
}

// BatchedLimiter is Limiter with local batching (see Batched).
type BatchedLimiter struct {
	l      *Limiter
	batch  int64
	mu     sync.Mutex
	window int64
	counts map[string]*localCount
}

type localCount struct {
	known   int64 // Redis's total at the last settlement
	pending int64 // counted here since
}

// Allow counts one event for key and reports whether it is within the limit.
func (b *BatchedLimiter) Allow(ctx context.Context, key string) (bool, error) {
	b.mu.Lock()
	if w := b.l.now().UnixNano() / int64(b.l.window); w != b.window {
		b.window, b.counts = w, map[string]*localCount{}
	}
	c := b.counts[key]
	if c == nil {
		c = &localCount{}
		b.counts[key] = c
	}
	limit := int64(b.l.max)
	if c.known+c.pending >= limit {
		b.mu.Unlock()
		return false, nil
	}
	c.pending++
	if c.pending < b.batch && limit-(c.known+c.pending) > 2*b.batch {
		b.mu.Unlock()
		return true, nil
	}
	by := c.pending
	c.pending = 0
	b.mu.Unlock()
	n, err := b.l.add(ctx, key, by)
	if err != nil {
		return false, err
	}
	b.mu.Lock()
	c.known = max(c.known, n)
	b.mu.Unlock()
	return n <= limit, nil
}

// Exceeded reports whether key is already over the limit, without counting.
func (b *BatchedLimiter) Exceeded(ctx context.Context, key string) (bool, error) {
	return b.l.Exceeded(ctx, key)
}
