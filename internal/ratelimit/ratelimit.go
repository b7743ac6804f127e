// Package ratelimit counts events per key in fixed windows in Redis, so
// every API process shares the same counts.
package ratelimit

import (
	"context"
	"strconv"
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
