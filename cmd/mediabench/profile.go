package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
)

// profileWindow is the length of each CPU profile fetched from mediad:
// net/http/pprof cannot end a profile early, so the scenario is covered by
// consecutive windows (go tool pprof merges the files it is given).
const profileWindow = 5

// profiler fetches CPU profiles of one mediad from its metrics listener
// (MEDIA_PPROF=true) while it runs, and a heap profile before it stops.
type profiler struct {
	prefix string // bench/<scenario>-<mode>[-n]
	stop   chan struct{}
	wg     sync.WaitGroup
}

func (b *bench) startProfile(name string) *profiler {
	p := &profiler{prefix: filepath.Join(b.root, "bench", name), stop: make(chan struct{})}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *profiler) loop() {
	defer p.wg.Done()
	for i := 1; ; i++ {
		select {
		case <-p.stop:
			return
		default:
		}
		name := fmt.Sprintf("%s-cpu-%02d.prof", p.prefix, i)
		if err := fetch(fmt.Sprintf("/debug/pprof/profile?seconds=%d", profileWindow), name); err != nil {
			return
		}
	}
}

// finish waits for the running window, then saves the heap profile.
func (p *profiler) finish() {
	close(p.stop)
	p.wg.Wait()
	fetch("/debug/pprof/heap", p.prefix+"-heap.prof")
}

func fetch(path, file string) error {
	resp, err := http.Get("http://" + metricsAddr + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d (is MEDIA_PPROF on?)", path, resp.StatusCode)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

// profileSelf profiles the in-process engine code of strip, derive and
// list (no mediad involved) into bench/<scenario>-cpu.prof and -heap.prof;
// the returned func ends it. A no-op without -profile.
func (b *bench) profileSelf() func() {
	if !b.opts.profile {
		return func() {}
	}
	prefix := filepath.Join(b.root, "bench", b.current)
	f, err := os.Create(prefix + "-cpu.prof")
	if err != nil || pprof.StartCPUProfile(f) != nil {
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		if h, err := os.Create(prefix + "-heap.prof"); err == nil {
			runtime.GC()
			pprof.WriteHeapProfile(h)
			h.Close()
		}
	}
}
