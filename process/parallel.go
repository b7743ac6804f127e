package process

import (
	"runtime"
	"sync"
)

// parallelRows splits [0, n) into one band per CPU and runs fn on each.
func parallelRows(n int, fn func(y0, y1 int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	band := (n + workers - 1) / workers
	for y0 := 0; y0 < n; y0 += band {
		wg.Add(1)
		go func(y0 int) {
			defer wg.Done()
			fn(y0, min(n, y0+band))
		}(y0)
	}
	wg.Wait()
}
