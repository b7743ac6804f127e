package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/wxalbum/mediad/process"
)

// runStrip: StripJPEG in memory vs exiftool and jpegtran on the same file.
// The tools' figures include process start-up and file I/O: that is what
// using them costs per photo.
func runStrip(ctx context.Context, b *bench, rounds int) ([]Result, error) {
	raw, err := readFile(phonePhoto)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mediabench-strip-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	vsExif := newMetric("StripJPEG 12 MP vs exiftool -all=", "MB/s", "exiftool -all= -o out in", valueAtLeast(1000))
	vsJpegtran := newMetric("StripJPEG 12 MP vs jpegtran -copy none", "MB/s", "jpegtran -copy none in > out", valueAtLeast(1000))
	vsExif.missing, vsJpegtran.missing = missingTools("exiftool"), missingTools("jpegtran")
	refs := []*metric{vsExif, vsJpegtran}
	tools := []func(context.Context, string) (toolRun, error){exiftoolStrip, jpegtranStrip}
	warm(ctx, dir, tools, refs)
	stop := b.profileSelf()
	defer stop()
	for r := 0; r < rounds; r++ {
		ours, err := stripMBps(raw)
		if err != nil {
			return nil, err
		}
		for i, m := range refs {
			if m.missing != "" {
				m.add(ours)
				continue
			}
			t, err := tools[i](ctx, dir)
			if err != nil {
				return nil, err
			}
			m.addPair(ours, mbPerSec(int64(len(raw)), t.wall))
		}
	}
	return results(vsExif, vsJpegtran), nil
}

// warm runs each tool once so the page cache and the perl/library loads
// of the first run do not count.
func warm(ctx context.Context, dir string, tools []func(context.Context, string) (toolRun, error), ms []*metric) {
	for i, t := range tools {
		if ms[i].missing == "" {
			t(ctx, dir)
		}
	}
}

// stripMBps strips the photo into a reused buffer for at least 300 ms.
func stripMBps(raw []byte) (float64, error) {
	var buf bytes.Buffer
	buf.Grow(len(raw))
	n := 0
	t0 := time.Now()
	for time.Since(t0) < 300*time.Millisecond {
		buf.Reset()
		if err := process.StripJPEG(&buf, raw, 1); err != nil {
			return 0, err
		}
		n++
	}
	return mbPerSec(int64(n*len(raw)), time.Since(t0)), nil
}

func exiftoolStrip(ctx context.Context, dir string) (toolRun, error) {
	out := filepath.Join(dir, "exiftool.jpg")
	os.Remove(out) // exiftool refuses to overwrite
	return runTool(ctx, "", "exiftool", "-all=", "-o", out, phonePhoto)
}

func jpegtranStrip(ctx context.Context, dir string) (toolRun, error) {
	return runTool(ctx, filepath.Join(dir, "jpegtran.jpg"), "jpegtran", "-copy", "none", phonePhoto)
}
