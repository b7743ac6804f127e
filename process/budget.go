package process

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"
)

// budget bounds the decoded-pixel bytes held at once by all goroutines of
// a Processor, so N concurrent 50 MP decodes cannot exhaust memory. It is a
// weighted semaphore, which serves waiters in arrival order: a large decode
// waiting for room is not starved by a stream of small ones.
type budget struct {
	total int64
	sem   *semaphore.Weighted
}

func newBudget(total int64) *budget {
	return &budget{total: total, sem: semaphore.NewWeighted(total)}
}

// acquire waits until n bytes are free or ctx ends. A request larger than the
// whole budget could never succeed and fails at once with too_many_pixels.
func (b *budget) acquire(ctx context.Context, n int64) (release func(), err error) {
	if n > b.total {
		return nil, errorf(ReasonTooManyPixels, nil, "decode needs %d bytes, budget is %d", n, b.total)
	}
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, errorf(ReasonInternal, err, "waiting for decode budget")
	}
	var once sync.Once
	return func() { once.Do(func() { b.sem.Release(n) }) }, nil
}
