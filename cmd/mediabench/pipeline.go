package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/wxalbum/mediad/process"
)

const (
	pipePhotos  = 200
	pipeClients = 20
	pipePoll    = 200 * time.Millisecond
)

// pipeRun is one side's outcome: photos per second and per-photo latency.
type pipeRun struct {
	perSec float64
	lat    []float64 // ms
	failed int
}

// runPipeline: 200 distinct 12 MP photos through `mediad all` (upload to
// ready) vs the same photos through exiftool + vipsthumbnail, both with
// 20 at a time.
func runPipeline(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	m, err := b.start(ctx, "all")
	if err != nil {
		return nil, err
	}
	phones, err := phonePair()
	if err != nil {
		return nil, err
	}
	ref := "exiftool -all= + vipsthumbnail preview + thumb, 20 goroutines"
	tput := newMetric("200 x 12 MP photos, 20 clients: upload to ready, throughput", "photos/s", ref)
	tput.missing = missingTools("exiftool", "vipsthumbnail")
	p50 := newMetric("upload-start-to-ready p50", "ms", ref+" (per photo)")
	p99 := newMetric("upload-start-to-ready p99", "ms", ref+" (per photo)")
	failed := newMetric("photos that failed processing", "photos", "", valueIs(0))
	for r := 0; r < rounds; r++ {
		eng, refRun, err := pipelineRound(ctx, phones, r, tput.missing == "")
		if err != nil {
			return nil, err
		}
		failed.add(float64(eng.failed))
		if refRun == nil {
			tput.add(eng.perSec)
			continue
		}
		tput.addPair(eng.perSec, refRun.perSec)
		p50.addPair(percentile(eng.lat, 50), percentile(refRun.lat, 50))
		p99.addPair(percentile(eng.lat, 99), percentile(refRun.lat, 99))
		b.logf("round %d: mediad %.2f photos/s, tools %.2f photos/s", r+1, eng.perSec, refRun.perSec)
	}
	hwm := newMetric("peak RSS (VmHWM) of `mediad all` over the scenario", "MiB", "")
	if v, err := procStatusKiB(m.pid(), "VmHWM"); err == nil {
		hwm.add(float64(v) / 1024)
	}
	return results(tput, p50, p99, failed, hwm), nil
}

// pipelineRound runs both sides (alternating which goes first) on photos
// whose trailers are unique to the round.
func pipelineRound(ctx context.Context, phones [2][]byte, r int, withRef bool) (eng, ref *pipeRun, err error) {
	photos := make([][]byte, pipePhotos)
	for i := range photos {
		photos[i] = withTrailer(phones[i%2], uint64(r*pipePhotos+i))
	}
	steps := []func() error{func() (err error) { eng, err = enginePipeline(ctx, photos, r); return err }}
	if withRef {
		steps = append(steps, func() (err error) { ref, err = toolPipeline(ctx, photos); return err })
	}
	if r%2 == 1 && withRef {
		steps[0], steps[1] = steps[1], steps[0]
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, nil, err
		}
	}
	return eng, ref, nil
}

// enginePipeline: 20 closed-loop clients, each its own user, upload a
// photo and poll it until ready before uploading the next.
func enginePipeline(ctx context.Context, photos [][]byte, r int) (*pipeRun, error) {
	clients := make([]*client, pipeClients)
	for i := range clients {
		c, err := login(ctx, fmt.Sprintf("pipe-%d-%d", r, i))
		if err != nil {
			return nil, err
		}
		clients[i] = c
	}
	run := &pipeRun{lat: make([]float64, len(photos))}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	t0 := time.Now()
	for ci, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := ci; i < len(photos); i += pipeClients {
				failed, err := uploadToReady(ctx, c, photos[i], &run.lat[i])
				mu.Lock()
				run.failed += failed
				firstErr = cmpOr(firstErr, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	run.perSec = float64(len(photos)) / time.Since(t0).Seconds()
	return run, firstErr
}

// uploadToReady uploads one photo and waits for it; an item processing
// marks failed is counted, not fatal.
func uploadToReady(ctx context.Context, c *client, photo []byte, lat *float64) (int, error) {
	t0 := time.Now()
	v, err := c.upload(ctx, "kind=photo", bytes.NewReader(photo), int64(len(photo)))
	if err != nil {
		return 0, err
	}
	at, err := c.waitReady(ctx, v.ID, pipePoll)
	if errors.Is(err, errFailed) {
		return 1, nil
	}
	*lat = ms(at.Sub(t0))
	return 0, err
}

// toolPipeline writes the photos to files first (not timed: the engine
// gets them over HTTP from memory), then 20 goroutines strip each with
// exiftool and derive preview and thumb with vipsthumbnail.
func toolPipeline(ctx context.Context, photos [][]byte) (*pipeRun, error) {
	dir, err := os.MkdirTemp("", "mediabench-pipeline-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for i, p := range photos {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("in-%03d.jpg", i)), p, 0o644); err != nil {
			return nil, err
		}
	}
	run := &pipeRun{lat: make([]float64, len(photos))}
	next := make(chan int, len(photos))
	for i := range photos {
		next <- i
	}
	close(next)
	errs := make(chan error, pipeClients)
	t0 := time.Now()
	for w := 0; w < pipeClients; w++ {
		go func() { errs <- toolWorker(ctx, dir, next, run.lat) }()
	}
	for w := 0; w < pipeClients; w++ {
		err = cmpOr(err, <-errs)
	}
	run.perSec = float64(len(photos)) / time.Since(t0).Seconds()
	return run, err
}

func toolWorker(ctx context.Context, dir string, next <-chan int, lat []float64) error {
	o := process.DefaultOptions()
	for i := range next {
		t0 := time.Now()
		in := filepath.Join(dir, fmt.Sprintf("in-%03d.jpg", i))
		stripped := filepath.Join(dir, fmt.Sprintf("stripped-%03d.jpg", i))
		if _, err := runTool(ctx, "", "exiftool", "-all=", "-o", stripped, in); err != nil {
			return err
		}
		if _, err := vipsSet(ctx, stripped, dir, o); err != nil {
			return err
		}
		lat[i] = ms(time.Since(t0))
	}
	return nil
}
