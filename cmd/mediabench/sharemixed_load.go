package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"time"
)

// share-mixed's background writes, through the API as users make them.
const (
	mixedUploadsPerSec = 20
	mixedEditsPerSec   = 50
	mixedWriters       = 16 // requests in flight per kind, at most
)

// mixedLoad uploads photos into the linked albums and edits them: renames
// of albums and visibility flips of their items, spread evenly over the
// albums (every album has links).
type mixedLoad struct {
	w      *mixedWorld
	photos [][]byte

	uploads, edits, errs, dropped atomic.Int64
	seq                           atomic.Uint64
	firstErr                      atomic.Value // string

	mu     sync.Mutex
	rng    *rand.Rand
	hidden map[string]bool // items the editors made members-only
}

func newMixedLoad(w *mixedWorld) (*mixedLoad, error) {
	photos, err := gpsSet()
	if err != nil {
		return nil, err
	}
	return &mixedLoad{w: w, photos: photos, rng: rand.New(rand.NewSource(17)), hidden: map[string]bool{}}, nil
}

// start runs both writers until the returned stop is called.
func (l *mixedLoad) start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	l.every(ctx, &wg, time.Second/mixedUploadsPerSec, l.upload, &l.uploads)
	l.every(ctx, &wg, time.Second/mixedEditsPerSec, l.edit, &l.edits)
	return func() { cancel(); wg.Wait() }
}

// every starts job once per period on one of mixedWriters workers; a tick
// that finds them all busy is dropped and counted (the achieved rate is
// reported).
func (l *mixedLoad) every(ctx context.Context, wg *sync.WaitGroup, period time.Duration, job func(context.Context) error, done *atomic.Int64) {
	jobs := make(chan struct{})
	for i := 0; i < mixedWriters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				if err := job(ctx); err != nil && ctx.Err() == nil {
					l.errs.Add(1)
					l.firstErr.CompareAndSwap(nil, err.Error())
				} else if err == nil {
					done.Add(1)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				select {
				case jobs <- struct{}{}:
				default:
					l.dropped.Add(1)
				}
			}
		}
	}()
}

func (l *mixedLoad) album() *mixedAlbum {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.albums[l.rng.Intn(len(l.w.albums))]
}

// upload posts a small real JPEG (distinct bytes each time) with
// visibility link into an album; the worker then makes it ready.
func (l *mixedLoad) upload(ctx context.Context) error {
	a, n := l.album(), l.seq.Add(1)
	p := withTrailer(l.photos[n%uint64(len(l.photos))], 900_000+n)
	_, err := a.owner.upload(ctx, "kind=photo&visibility=link&album_id="+a.id, bytes.NewReader(p), int64(len(p)))
	return err
}

// edit renames an album or flips an item's visibility (link <-> members),
// half and half.
func (l *mixedLoad) edit(ctx context.Context) error {
	a, n := l.album(), l.seq.Add(1)
	if n%2 == 0 {
		return a.owner.call(ctx, "PATCH", "/v1/albums/"+a.id, map[string]string{"title": fmt.Sprintf("Mixed %d", n)}, nil)
	}
	l.mu.Lock()
	item := a.toggle[l.rng.Intn(len(a.toggle))]
	vis := map[bool]string{true: "link", false: "members"}[l.hidden[item]]
	l.hidden[item] = !l.hidden[item]
	l.mu.Unlock()
	return a.owner.call(ctx, "PATCH", "/v1/media/"+item, map[string]string{"visibility": vis}, nil)
}
