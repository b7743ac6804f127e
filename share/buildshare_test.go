package share

import (
	"sync"
	"testing"
	"time"
)

// TestConcurrentMissesShareABuild: requests missing the same page while
// it is being built wait for that build, unless something changed since
// it began: then they read the database themselves (the build could
// predate a write answered before they came).
func TestConcurrentMissesShareABuild(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change bool
		trips  int64
	}{{"nothing changed", false, 1}, {"a change meanwhile", true, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPGFixture(t, true)
			a, _ := f.album(3)
			tok, _ := f.link(&a, nil)
			f.changes.Sync()
			entered, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			f.conn.gate = func() { once.Do(func() { close(entered); <-release }) }
			before := f.conn.trips.Load()
			var wg sync.WaitGroup
			open := func() {
				defer wg.Done()
				if n, err := f.open(tok); err != nil || n != 3 {
					t.Errorf("open: %d items, %v", n, err)
				}
			}
			wg.Add(1)
			go open()
			<-entered // the first build is reading
			if tc.change {
				f.changes.Invalidate("a:elsewhere")
			}
			wg.Add(1)
			go open()
			time.Sleep(100 * time.Millisecond) // let the second reach the build (or its own)
			close(release)
			wg.Wait()
			if got := f.conn.trips.Load() - before; got != tc.trips {
				t.Errorf("%d reads of the page, want %d", got, tc.trips)
			}
		})
	}
}
