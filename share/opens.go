package share

import (
	"context"
	"errors"
	"sync"
	"time"
)

// openCounter batches link opens in memory and writes them as one upsert
// per link and day. Counting synchronously would put a commit and a lock
// on one row into every view of a popular link, serialising its
// recipients. A crash loses at most one interval of counts: a count, not
// a record anyone relies on.
type openCounter struct {
	mu      sync.Mutex
	pending map[openKey]int
}

type openKey struct{ link, day string }

func (c *openCounter) add(linkID string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[openKey]int{}
	}
	c.pending[openKey{linkID, now.UTC().Format("2006-01-02")}]++
}

func (c *openCounter) take() map[openKey]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pending
	c.pending = nil
	return p
}

// FlushOpens writes the pending open counts; counts that fail to write
// are dropped (they are counts, not records) and the errors returned.
func (s *Service) FlushOpens(ctx context.Context) error {
	var errs []error
	for k, n := range s.opens.take() {
		if err := s.store.AddOpens(ctx, k.link, k.day, n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RunOpenCounter flushes open counts every interval until ctx ends, then
// once more.
func (s *Service) RunOpenCounter(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = s.FlushOpens(fctx) // a lost count must not fail the shutdown
			return nil
		case <-t.C:
			_ = s.FlushOpens(ctx) // counts that failed are dropped, not retried forever
		}
	}
}
