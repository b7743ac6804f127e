package worker

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestWatchResumesAtStartAndAfterEachOutage: Resume runs once when the
// queue is first reachable, not while it is down, once when it comes back,
// and again on the next tick when resuming failed.
func TestWatchResumesAtStartAndAfterEachOutage(t *testing.T) {
	// Ping answers, tick by tick: up, up, down, down, up, up, up.
	script := []bool{true, true, false, false, true, true, true}
	var mu sync.Mutex
	tick, resumedAt := 0, []int{}
	failOnce := true
	ctx, cancel := context.WithCancel(context.Background())
	w := Watch{
		Every: time.Millisecond,
		Log:   slog.New(slog.DiscardHandler),
		Ping: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			tick++
			if tick > len(script) {
				cancel()
				return nil
			}
			if !script[tick-1] {
				return errors.New("dial tcp 127.0.0.1:6379: connection refused")
			}
			return nil
		},
		Resume: func(context.Context) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			resumedAt = append(resumedAt, tick)
			if tick == 5 && failOnce {
				failOnce = false
				return 0, errors.New("enqueue: connection reset")
			}
			return 1, nil
		},
	}
	if err := w.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 5, 6}; !slices.Equal(resumedAt, want) {
		t.Errorf("resumed at ticks %v, want %v (start; back after the outage; again after a failed resume)", resumedAt, want)
	}
}
