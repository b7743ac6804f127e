package process

import (
	"context"
	"sync"
)

// budget is a counting semaphore over decoded-pixel bytes shared by all
// goroutines of a Processor, so N concurrent 50 MP decodes cannot exhaust
// memory. Waiters are woken on every release and re-check; no FIFO order.
type budget struct {
	mu      sync.Mutex
	total   int64
	used    int64
	changed chan struct{} // closed and replaced on every release
}

func newBudget(total int64) *budget {
	return &budget{total: total, changed: make(chan struct{})}
}

// acquire waits until n bytes are free or ctx ends. A request larger than the
// whole budget could never succeed and fails at once with too_many_pixels.
func (b *budget) acquire(ctx context.Context, n int64) (release func(), err error) {
	if n > b.total {
		return nil, errorf(ReasonTooManyPixels, nil, "decode needs %d bytes, budget is %d", n, b.total)
	}
	b.mu.Lock()
	for b.used+n > b.total {
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, errorf(ReasonInternal, ctx.Err(), "waiting for decode budget")
		case <-ch:
		}
		b.mu.Lock()
	}
	b.used += n
	b.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { b.release(n) }) }, nil
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}
