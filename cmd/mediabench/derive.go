package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/wxalbum/mediad/process"
)

// derivePerRound is how many derivative sets each side makes per round,
// after its own warm-up, to average out the scheduler's noise on a shared
// machine.
const derivePerRound = 5

// deriveProfileSets is the length of the separate, unreported run that
// -profile records (one thread, so the profile reads like the row).
const deriveProfileSets = 20

// deriveMetrics are derive's rows but the worker's peak RSS.
type deriveMetrics struct {
	one, allCPU, allWall, cli *metric
}

func newDeriveMetrics() deriveMetrics {
	cores := runtime.NumCPU()
	return deriveMetrics{
		one: newMetric("CPU per photo, one thread: Processor.Image (GOMAXPROCS=1; also makes the stripped original and the placeholder)", "CPU s",
			"libvips in process, preview + thumb + card (scripts/bench/vipsref.c, VIPS_CONCURRENCY=1, cache off)", ratioAtMost(0.8)),
		allCPU: newMetric(fmt.Sprintf("CPU per photo, all %d cores: Processor.Image", cores), "CPU s",
			"ours on one thread"),
		allWall: newMetric(fmt.Sprintf("wall time per photo, all %d cores: Processor.Image", cores), "s",
			"ours on one thread (wall)"),
		cli: newMetric("CPU per photo, one thread: Processor.Image vs what a shell script costs", "CPU s",
			"vipsthumbnail CLI preview 1440 + thumb 320 (two processes: child user+sys CPU, start-ups included)"),
	}
}

// deriveRefs are the references' inputs; a "" path means not measured.
type deriveRefs struct {
	vipsref, dir string
	o            process.Options
	w, h         int
}

// runDerive: CPU per derivative set of Processor.Image, on one thread and
// on all cores, each in a child process, vs libvips in process and the
// vipsthumbnail CLI; then a worker's peak memory.
func runDerive(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	refs, m, err := deriveSetup(ctx, b)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(refs.dir)
	for r := 0; r < rounds; r++ {
		if err := deriveRound(ctx, refs, m, r); err != nil {
			return nil, err
		}
	}
	stretchNote(m.one, 0.7)
	if b.opts.profile {
		if _, err := oursSet(ctx, phonePhoto, deriveProfileSets, 1, filepath.Join(b.root, "bench", b.current)); err != nil {
			return nil, err
		}
	}
	peak, err := workerPeak(ctx, b)
	if err != nil {
		return nil, err
	}
	return results(m.one, m.allCPU, m.allWall, m.cli, peak), nil
}

// deriveSetup compiles the libvips harness (a failure is reported on the
// row, not fatal) and reads the photo's upright size.
func deriveSetup(ctx context.Context, b *bench) (deriveRefs, deriveMetrics, error) {
	m := newDeriveMetrics()
	raw, err := readFile(phonePhoto)
	if err != nil {
		return deriveRefs{}, m, err
	}
	refs := deriveRefs{o: process.DefaultOptions()}
	if refs.w, refs.h, err = uprightSize(raw); err != nil {
		return refs, m, err
	}
	if refs.vipsref, err = buildVipsRef(ctx, b.root); err != nil {
		m.one.missing = err.Error()
	}
	m.cli.missing = missingTools("vipsthumbnail")
	refs.dir, err = os.MkdirTemp("", "mediabench-derive-")
	return refs, m, err
}

// deriveRound measures ours on one thread and on all cores and the
// references back to back, alternating which side goes first.
func deriveRound(ctx context.Context, refs deriveRefs, m deriveMetrics, r int) error {
	var one, all, vips setTiming
	var cli float64
	steps := []func() error{
		func() (err error) { one, err = oursSet(ctx, phonePhoto, derivePerRound, 1, ""); return err },
		func() (err error) { all, err = oursSet(ctx, phonePhoto, derivePerRound, 0, ""); return err },
		func() (err error) { vips, err = vipsRefSet(ctx, refs); return err },
		func() (err error) { cli, err = cliSet(ctx, refs); return err },
	}
	if r%2 == 1 {
		slices.Reverse(steps)
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	addRef(m.one, one.cpu, vips.cpu)
	addRef(m.cli, one.cpu, cli)
	m.allCPU.addPair(all.cpu, one.cpu)
	m.allWall.addPair(all.wall, one.wall)
	return nil
}

// addRef records a pair, or ours alone when the reference did not run.
func addRef(m *metric, ours, ref float64) {
	if m.missing != "" {
		m.add(ours)
		return
	}
	m.addPair(ours, ref)
}

func vipsRefSet(ctx context.Context, refs deriveRefs) (setTiming, error) {
	if refs.vipsref == "" {
		return setTiming{}, nil
	}
	return runVipsRef(ctx, refs.vipsref, phonePhoto, derivePerRound, refs.o, refs.w, refs.h)
}

// cliSet is the CPU of one preview + thumb by vipsthumbnail, averaged.
func cliSet(ctx context.Context, refs deriveRefs) (float64, error) {
	if missingTools("vipsthumbnail") != "" {
		return 0, nil
	}
	var cpu time.Duration
	for i := 0; i < derivePerRound; i++ {
		t, err := vipsSet(ctx, phonePhoto, refs.dir, refs.o)
		if err != nil {
			return 0, err
		}
		cpu += t.cpu
	}
	return cpu.Seconds() / derivePerRound, nil
}

// stretchNote says on the row whether the median ratio also meets the
// stretch target, which is not a pass/fail bound.
func stretchNote(m *metric, limit float64) {
	if len(m.ratios) == 0 {
		return
	}
	verdict := "not met"
	if median(m.ratios) <= limit {
		verdict = "met"
	}
	m.note("stretch target ratio <= %s: %s", fmtNum(limit), verdict)
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
