// Package ratelimit bounds events per key with the generic cell rate
// algorithm (GCRA, go-redis/redis_rate) in Redis, so every API process
// shares the same state: a limit of n per period allows a burst of n, then
// one event every period/n, with no window edges at which twice the limit
// gets through. A refusal says how long until the next event would be
// allowed, which handlers send as Retry-After.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Limiter allows n events per key and period.
type Limiter struct {
	rl     *redis_rate.Limiter
	prefix string
	limit  redis_rate.Limit
}

// New returns a Limiter of n events per minute; prefix namespaces its keys.
func New(rdb redis.UniversalClient, prefix string, n int) *Limiter {
	return NewPer(rdb, prefix, n, time.Minute)
}

// NewPer returns a Limiter of n events per period.
func NewPer(rdb redis.UniversalClient, prefix string, n int, period time.Duration) *Limiter {
	return &Limiter{rl: redis_rate.NewLimiter(rdb), prefix: "rl:" + prefix + ":",
		limit: redis_rate.Limit{Rate: n, Burst: n, Period: period}}
}

// Allow counts one event for key and reports whether it is within the
// limit; when it is not, retryAfter is how long until one would be.
func (l *Limiter) Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error) {
	res, err := l.rl.Allow(ctx, l.prefix+key, l.limit)
	if err != nil {
		return false, 0, err
	}
	return res.Allowed > 0, max(res.RetryAfter, 0), nil
}

// Batched returns a limiter for hot keys that counts locally and settles
// with Redis every batch events per key (and on every event once Redis
// said fewer than 2×batch remain), so a busy key costs one Redis round trip
// per batch instead of one per request. The price: up to batch-1 events
// per key and process may go unseen by the other processes for a moment.
func (l *Limiter) Batched(batch int) *BatchedLimiter {
	return &BatchedLimiter{l: l, batch: max(batch, 1), counts: map[string]*localCount{}}
}

// BatchedLimiter is Limiter with local batching (see Batched).
type BatchedLimiter struct {
	l      *Limiter
	batch  int
	mu     sync.Mutex
	counts map[string]*localCount
}

type localCount struct {
	remaining int       // what Redis said remained at the last settlement
	pending   int       // allowed here since, not yet counted in Redis
	until     time.Time // refused until then (Redis's retry-after)
	seen      time.Time // last settlement, to forget idle keys
}

// maxKeys bounds the local state; past it, idle keys are forgotten.
const maxKeys = 100_000

// Allow counts one event for key and reports whether it is within the
// limit; when it is not, retryAfter is how long until one would be.
func (b *BatchedLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	now := time.Now()
	b.mu.Lock()
	c := b.count(key, now)
	if now.Before(c.until) {
		b.mu.Unlock()
		return false, c.until.Sub(now), nil
	}
	c.pending++
	if c.pending < b.batch && c.remaining-c.pending > 2*b.batch {
		b.mu.Unlock()
		return true, 0, nil
	}
	by := c.pending
	c.pending = 0
	b.mu.Unlock()
	res, err := b.l.rl.AllowAtMost(ctx, b.l.prefix+key, b.l.limit, by)
	if err != nil {
		return false, 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c.remaining, c.seen = res.Remaining, now
	if res.Allowed < by { // this event, the batch's last, did not fit
		retry := max(res.RetryAfter, b.l.limit.Period/time.Duration(max(b.l.limit.Rate, 1)))
		c.until = now.Add(retry)
		return false, retry, nil
	}
	return true, 0, nil
}

// count returns key's local state, forgetting idle keys when there are
// too many.
func (b *BatchedLimiter) count(key string, now time.Time) *localCount {
	c := b.counts[key]
	if c == nil {
		if len(b.counts) >= maxKeys {
			for k, v := range b.counts {
				if now.Sub(v.seen) > b.l.limit.Period && v.pending == 0 {
					delete(b.counts, k)
				}
			}
		}
		c = &localCount{remaining: b.l.limit.Burst, seen: now}
		b.counts[key] = c
	}
	return c
}
