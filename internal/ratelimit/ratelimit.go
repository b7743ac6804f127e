// Package ratelimit counts events per key in fixed one-minute windows in
// Redis, so every API process shares the same counts.
package ratelimit

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter allows Max events per key per minute.
type Limiter struct {
	rdb    *redis.Client
	prefix string
	max    int
	now    func() time.Time
}

// New returns a Limiter; prefix namespaces its keys.
func New(rdb *redis.Client, prefix string, max int) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix, max: max, now: time.Now}
}

// Allow counts one event for key and reports whether it is within the limit.
func (l *Limiter) Allow(ctx context.Context, key string) (bool, error) {
	window := l.now().Unix() / 60
	k := "rl:" + l.prefix + ":" + key + ":" + strconv.FormatInt(window, 10)
	pipe := l.rdb.TxPipeline()
	incr := pipe.Incr(ctx, k)
	pipe.Expire(ctx, k, 2*time.Minute)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, err
	}
	return incr.Val() <= int64(l.max), nil
}
