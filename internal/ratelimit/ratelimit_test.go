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

type allowFunc func() (bool, time.Duration, error)

// allowed runs allow n times and returns how many were allowed and the
// longest retry-after of the refusals.
func allowed(t *testing.T, n int, allow allowFunc) (int, time.Duration) {
	t.Helper()
	got, longest := 0, time.Duration(0)
	for i := 0; i < n; i++ {
		ok, retry, err := allow()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got++
		} else {
			longest = max(longest, retry)
		}
	}
	return got, longest
}

// TestLimiterAllowsBurstThenSaysWhenToRetry: a limit of 10 per minute
// allows a burst of 10 at any moment (no window edge lets 20 through), and
// a refusal says when the next event would be allowed: one period/rate
// after the oldest, at most 6 s here.
func TestLimiterAllowsBurstThenSaysWhenToRetry(t *testing.T) {
	l := New(client(t), "t", 10)
	ctx := context.Background()
	got, retry := allowed(t, 25, func() (bool, time.Duration, error) { return l.Allow(ctx, "a") })
	if got != 10 {
		t.Errorf("allowed %d of 25, want 10", got)
	}
	if retry <= 0 || retry > 6*time.Second {
		t.Errorf("retry-after %v, want (0, 6s]", retry)
	}
	if got, _ := allowed(t, 3, func() (bool, time.Duration, error) { return l.Allow(ctx, "b") }); got != 3 {
		t.Errorf("another key: allowed %d of 3", got)
	}
}

// TestLimiterRefillsAtItsRate: with 120 per minute, one event is allowed
// again half a second after the burst is spent: waiting the retry-after
// the limiter gave is enough. (Events are asked until the first refusal,
// however long the asking takes on a loaded machine; a faster rate would
// refill while the burst is still being spent.)
func TestLimiterRefillsAtItsRate(t *testing.T) {
	l := NewPer(client(t), "r", 120, time.Minute)
	ctx := context.Background()
	var retry time.Duration
	for i := 0; ; i++ {
		ok, r, err := l.Allow(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			retry = r
			break
		}
		if i > 240 {
			t.Fatal("no refusal after twice the burst")
		}
	}
	if retry <= 0 || retry > time.Minute/120+5*time.Millisecond {
		t.Fatalf("retry-after %v, want at most 1/120 min", retry)
	}
	time.Sleep(retry) // the limiter's own answer, not a guess at a window
	if ok, _, err := l.Allow(ctx, "k"); err != nil || !ok {
		t.Errorf("after waiting retry-after: ok=%v err=%v", ok, err)
	}
}

// TestBatchedLimiterIsExactNearTheLimit: one process counting in batches
// still allows exactly the limit, because it settles every event once
// Redis says little remains; two processes overshoot by less than one
// batch each, and a refusal carries Redis's retry-after.
func TestBatchedLimiterIsExactNearTheLimit(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	b := New(c, "one", 100).Batched(16)
	got, retry := allowed(t, 300, func() (bool, time.Duration, error) { return b.Allow(ctx, "net") })
	if got != 100 {
		t.Errorf("one process: allowed %d of 300, want exactly 100", got)
	}
	if retry <= 0 || retry > time.Minute {
		t.Errorf("retry-after %v", retry)
	}

	b1, b2 := New(c, "two", 100).Batched(16), New(c, "two", 100).Batched(16)
	i := 0
	got, _ = allowed(t, 400, func() (bool, time.Duration, error) {
		i++
		if i%2 == 0 {
			return b1.Allow(ctx, "net")
		}
		return b2.Allow(ctx, "net")
	})
	if got < 100 || got > 100+2*15 {
		t.Errorf("two processes: allowed %d of 400, want 100 to %d", got, 100+2*15)
	}
	// Redis knows the key is spent: a third process is refused at once.
	if ok, _, err := New(c, "two", 100).Allow(ctx, "net"); err != nil || ok {
		t.Errorf("a fresh process was allowed (ok=%v, err=%v): Redis does not know the key is spent", ok, err)
	}
}
