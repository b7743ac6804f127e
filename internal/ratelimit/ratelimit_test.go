package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wxalbum/mediad/internal/testenv"
)

// redisDB is this package's own Redis database (tests of other packages
// use others).
const redisDB = 3

func client(t *testing.T) *redis.Client {
	t.Helper()
	testenv.FlushRedisDB(t, redisDB)
	c := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), DB: redisDB})
	t.Cleanup(func() { c.Close() })
	return c
}

func allowed(t *testing.T, n int, allow func() (bool, error)) int {
	t.Helper()
	got := 0
	for i := 0; i < n; i++ {
		ok, err := allow()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got++
		}
	}
	return got
}

func TestLimiterAllowsMaxPerWindow(t *testing.T) {
	l := New(client(t), "t", 10)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	ctx := context.Background()
	if got := allowed(t, 25, func() (bool, error) { return l.Allow(ctx, "a") }); got != 10 {
		t.Errorf("allowed %d of 25, want 10", got)
	}
	if over, _ := l.Exceeded(ctx, "a"); !over {
		t.Error("Exceeded false after the limit")
	}
	if got := allowed(t, 3, func() (bool, error) { return l.Allow(ctx, "b") }); got != 3 {
		t.Errorf("another key: allowed %d of 3", got)
	}
	now = now.Add(time.Minute)
	if got := allowed(t, 25, func() (bool, error) { return l.Allow(ctx, "a") }); got != 10 {
		t.Errorf("next window: allowed %d of 25, want 10", got)
	}
}

// TestBatchedLimiterIsExactNearTheLimit: one process counting in batches
// still allows exactly the limit, because it settles every event once it
// is close; two processes overshoot by less than one batch each.
func TestBatchedLimiterIsExactNearTheLimit(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	one := New(c, "one", 100)
	one.now = clock
	b := one.Batched(16)
	if got := allowed(t, 300, func() (bool, error) { return b.Allow(ctx, "net") }); got != 100 {
		t.Errorf("one process: allowed %d of 300, want exactly 100", got)
	}
	now = now.Add(time.Minute)
	if got := allowed(t, 50, func() (bool, error) { return b.Allow(ctx, "net") }); got != 50 {
		t.Errorf("next window: allowed %d of 50", got)
	}

	p1, p2 := New(c, "two", 100), New(c, "two", 100)
	p1.now, p2.now = clock, clock
	b1, b2 := p1.Batched(16), p2.Batched(16)
	i := 0
	got := allowed(t, 400, func() (bool, error) {
		i++
		if i%2 == 0 {
			return b1.Allow(ctx, "net")
		}
		return b2.Allow(ctx, "net")
	})
	if got < 100 || got > 100+2*15 {
		t.Errorf("two processes: allowed %d of 400, want 100 to %d", got, 100+2*15)
	}
	// Redis saw every event but at most one unsettled batch per process.
	if over, _ := p1.Exceeded(ctx, "net"); !over {
		t.Error("Redis does not know the key is over its limit")
	}
}
