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

// pipeRefs are the references a round measures beside the engine.
type pipeRefs struct {
	tools bool      // exiftool and vipsthumbnail are installed
	bare  *bareLoop // the bare Go loop
}

// pipeRound is one round's three sides (tools is nil when not measured).
type pipeRound struct{ eng, tools, bare *pipeRun }

// runPipeline: 200 distinct 12 MP photos through `mediad all` (upload to
// ready) vs the same work as a bare Go loop and as exiftool +
// vipsthumbnail, all with 20 at a time.
func runPipeline(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	m, err := b.start(ctx, "all")
	if err != nil {
		return nil, err
	}
	phones, err := phonePair()
	if err != nil {
		return nil, err
	}
	bare, err := newBareLoop(b.stack.minio)
	if err != nil {
		return nil, err
	}
	pm := newPipeMetrics()
	refs := pipeRefs{tools: pm.tput.missing == "", bare: bare}
	for r := 0; r < rounds; r++ {
		got, err := pipelineRound(ctx, phones, r, refs)
		if err != nil {
			return nil, err
		}
		pm.add(got)
		b.logf("round %d: mediad %.2f photos/s, bare loop %.2f photos/s, tools %s photos/s",
			r+1, got.eng.perSec, got.bare.perSec, toolsRate(got.tools))
	}
	hwm := newMetric("peak RSS (VmHWM) of `mediad all` over the scenario", "MiB", "")
	if v, err := procStatusKiB(m.pid(), "VmHWM"); err == nil {
		hwm.add(float64(v) / 1024)
	}
	return results(pm.bare, pm.tput, pm.p50, pm.p99, pm.failed, hwm), nil
}

// pipeMetrics are the pipeline rows but the peak RSS.
type pipeMetrics struct{ bare, tput, p50, p99, failed *metric }

func newPipeMetrics() pipeMetrics {
	const tools = "exiftool -all= + vipsthumbnail preview + thumb, 20 goroutines"
	pm := pipeMetrics{
		bare: newMetric("200 x 12 MP photos, 20 clients: upload to ready, throughput vs the bare minimum", "photos/s",
			"bare Go loop in mediabench: PutObject upload, Processor.Image, PutObject original/preview/thumb/card; 20 goroutines, 2 deriving at once", ratioAtLeast(0.8)),
		tput:   newMetric("200 x 12 MP photos, 20 clients: upload to ready, throughput vs a shell script", "photos/s", tools),
		p50:    newMetric("upload-start-to-ready p50", "ms", tools+" (per photo)"),
		p99:    newMetric("upload-start-to-ready p99", "ms", tools+" (per photo)"),
		failed: newMetric("photos that failed processing", "photos", "", valueIs(0)),
	}
	pm.tput.missing = missingTools("exiftool", "vipsthumbnail")
	return pm
}

func (pm pipeMetrics) add(got pipeRound) {
	pm.failed.add(float64(got.eng.failed))
	pm.bare.addPair(got.eng.perSec, got.bare.perSec)
	if got.tools == nil {
		pm.tput.add(got.eng.perSec)
		return
	}
	pm.tput.addPair(got.eng.perSec, got.tools.perSec)
	pm.p50.addPair(percentile(got.eng.lat, 50), percentile(got.tools.lat, 50))
	pm.p99.addPair(percentile(got.eng.lat, 99), percentile(got.tools.lat, 99))
}

func toolsRate(t *pipeRun) string {
	if t == nil {
		return "(not run)"
	}
	return fmt.Sprintf("%.2f", t.perSec)
}

// pipelineRound runs every side on photos whose trailers are unique to
// the round, rotating which goes first so no side always meets a cold or
// a busy machine.
func pipelineRound(ctx context.Context, phones [2][]byte, r int, refs pipeRefs) (pipeRound, error) {
	photos := make([][]byte, pipePhotos)
	for i := range photos {
		photos[i] = withTrailer(phones[i%2], uint64(r*pipePhotos+i))
	}
	var got pipeRound
	steps := []func() error{
		func() (err error) { got.eng, err = enginePipeline(ctx, photos, r); return err },
		func() (err error) { got.bare, err = refs.bare.run(ctx, photos, r); return err },
	}
	if refs.tools {
		steps = append(steps, func() (err error) { got.tools, err = toolPipeline(ctx, photos); return err })
	}
	for i := range steps {
		if err := steps[(i+r)%len(steps)](); err != nil {
			return pipeRound{}, err
		}
	}
	return got, nil
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
