package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wxalbum/mediad/process"
)

// derivePerRound is how many derivative sets are timed per round, to
// average out the scheduler's noise on a shared machine.
const derivePerRound = 3

// runDerive: CPU of the whole derivative set in process vs vipsthumbnail
// making the preview and the thumb, then a worker's peak memory.
func runDerive(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	raw, err := readFile(phonePhoto)
	if err != nil {
		return nil, err
	}
	o := process.DefaultOptions()
	p, err := process.New(o)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mediabench-derive-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cpu := newMetric("CPU per 12 MP photo: Processor.Image (original, preview, thumb, card, placeholder)", "CPU s",
		"vipsthumbnail preview 1440 + thumb 320 (child user+sys CPU)", ratioAtMost(1.0))
	cpu.missing = missingTools("vipsthumbnail")
	if _, err := p.Image(ctx, raw); err != nil { // warm-up: first-use allocations do not count
		return nil, err
	}
	stop := b.profileSelf()
	for r := 0; r < rounds; r++ {
		if err := deriveRound(ctx, p, raw, o, dir, cpu); err != nil {
			stop()
			return nil, err
		}
	}
	stop()
	peak, err := workerPeak(ctx, b)
	if err != nil {
		return nil, err
	}
	return results(cpu, peak), nil
}

func deriveRound(ctx context.Context, p *process.Processor, raw []byte, o process.Options, dir string, m *metric) error {
	ours, err := imageCPU(ctx, p, raw)
	if err != nil {
		return err
	}
	if m.missing != "" {
		m.add(ours)
		return nil
	}
	var vips time.Duration
	for i := 0; i < derivePerRound; i++ {
		t, err := vipsSet(ctx, phonePhoto, dir, o)
		if err != nil {
			return err
		}
		vips += t.cpu
	}
	m.addPair(ours, vips.Seconds()/derivePerRound)
	return nil
}

// imageCPU is the CPU this process spends per Processor.Image, called
// from one goroutine (the Processor's own row parallelism is counted: the
// rusage covers every thread).
func imageCPU(ctx context.Context, p *process.Processor, raw []byte) (float64, error) {
	c0 := cpuTime()
	for i := 0; i < derivePerRound; i++ {
		if _, err := p.Image(ctx, raw); err != nil {
			return 0, err
		}
	}
	return (cpuTime() - c0).Seconds() / derivePerRound, nil
}

// vipsSet makes the preview (long edge 1440) and thumb (short edge 320) of
// a landscape photo with vipsthumbnail at our JPEG qualities, metadata
// stripped; it returns the summed wall and child CPU of both commands.
func vipsSet(ctx context.Context, in, dir string, o process.Options) (toolRun, error) {
	long := fmt.Sprintf("%dx%d", o.PreviewLongEdge, o.PreviewLongEdge)
	short := fmt.Sprintf("10000x%d", o.ThumbShortEdge) // landscape input: height is the short edge
	base := filepath.Join(dir, filepath.Base(in))
	a, err := runTool(ctx, "", "vipsthumbnail", in, "-s", long, "-o", fmt.Sprintf("%s.preview.jpg[Q=%d,strip]", base, o.PreviewQuality))
	if err != nil {
		return toolRun{}, err
	}
	t, err := runTool(ctx, "", "vipsthumbnail", in, "-s", short, "-o", fmt.Sprintf("%s.thumb.jpg[Q=%d,strip]", base, o.ThumbQuality))
	if err != nil {
		return toolRun{}, err
	}
	return toolRun{wall: a.wall + t.wall, cpu: a.cpu + t.cpu}, nil
}

// workerPeakPhotos is how many 12 MP photos the dedicated worker processes.
const workerPeakPhotos = 24

// workerPeak uploads 12 MP photos through `mediad serve`, then starts a
// separate `mediad work` (production concurrency 2), waits until all are
// ready and reads the worker's VmHWM: its peak resident memory, with no
// API upload buffers mixed in.
func workerPeak(ctx context.Context, b *bench) (*metric, error) {
	m := newMetric(fmt.Sprintf("peak RSS (VmHWM) of `mediad work`, concurrency 2, %d x 12 MP photos", workerPeakPhotos), "MiB", "")
	if _, err := b.start(ctx, "serve"); err != nil {
		return nil, err
	}
	c, err := login(ctx, "derive-worker")
	if err != nil {
		return nil, err
	}
	ids, err := uploadPhones(ctx, c, workerPeakPhotos, 7000)
	if err != nil {
		return nil, err
	}
	w, err := b.start(ctx, "work")
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, err := c.waitReady(ctx, id, 200*time.Millisecond); err != nil {
			return nil, err
		}
	}
	hwm, err := procStatusKiB(w.pid(), "VmHWM")
	if err != nil {
		return nil, err
	}
	m.add(float64(hwm) / 1024)
	return m, nil
}

// uploadPhones uploads n distinct 12 MP photos (the two phone JPEGs with
// unique trailers) and returns their ids.
func uploadPhones(ctx context.Context, c *client, n int, seed uint64) ([]string, error) {
	phones, err := phonePair()
	if err != nil {
		return nil, err
	}
	var ids []string
	for i := 0; i < n; i++ {
		photo := withTrailer(phones[i%2], seed+uint64(i))
		v, err := c.upload(ctx, "kind=photo", bytes.NewReader(photo), int64(len(photo)))
		if err != nil {
			return nil, err
		}
		ids = append(ids, v.ID)
	}
	return ids, nil
}

// phonePair reads the two 12 MP phone photos.
func phonePair() ([2][]byte, error) {
	a, err := readFile(phonePhoto)
	if err != nil {
		return [2][]byte{}, err
	}
	j, err := readFile(jollaPhoto)
	return [2][]byte{a, j}, err
}
