package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // DecodeConfig of the benchmark photo
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wxalbum/mediad/process"
)

// vipsRefSource is the in-process libvips reference of derive; it is
// compiled at bench time, not by go build (cgo stays out of the module).
const vipsRefSource = "scripts/bench/vipsref.c"

// vipsUnbounded is a box side that never binds (libvips' VIPS_MAX_COORD).
const vipsUnbounded = 10_000_000

// setTiming is what vipsref and the derive child print: CPU and wall
// seconds per derivative set over sets iterations after a warm-up.
type setTiming struct {
	sets      int
	cpu, wall float64
}

// parseSetTiming reads "sets=N cpu_s_per_set=S wall_s_per_set=S ..." (other
// keys are ignored) from the last line that has them.
func parseSetTiming(out string) (setTiming, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		kv := map[string]string{}
		for _, f := range strings.Fields(lines[i]) {
			if k, v, ok := strings.Cut(f, "="); ok {
				kv[k] = v
			}
		}
		n, err1 := strconv.Atoi(kv["sets"])
		cpu, err2 := strconv.ParseFloat(kv["cpu_s_per_set"], 64)
		wall, err3 := strconv.ParseFloat(kv["wall_s_per_set"], 64)
		if err1 == nil && err2 == nil && err3 == nil && n > 0 && cpu > 0 && wall > 0 {
			return setTiming{sets: n, cpu: cpu, wall: wall}, nil
		}
	}
	return setTiming{}, fmt.Errorf("no timing line in %q", out)
}

// buildVipsRef compiles the harness into .devstack/ (every run, so it
// never lags its source); a missing libvips-dev is reported as such.
func buildVipsRef(ctx context.Context, root string) (string, error) {
	if miss := missingTools("cc", "pkg-config"); miss != "" {
		return "", fmt.Errorf("%s", miss)
	}
	flags, err := exec.CommandContext(ctx, "pkg-config", "--cflags", "--libs", "vips").Output()
	if err != nil {
		return "", fmt.Errorf("libvips-dev not installed (scripts/devstack up --bench installs it)")
	}
	bin := filepath.Join(root, ".devstack", "vipsref")
	args := append([]string{"-O2", "-o", bin, filepath.Join(root, vipsRefSource)}, strings.Fields(string(flags))...)
	if out, err := exec.CommandContext(ctx, "cc", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cc %s: %v: %s", vipsRefSource, err, bytes.TrimSpace(out))
	}
	return bin, nil
}

// vipsRefArgs are the harness's arguments for our set: preview inside a
// square box, thumb bounded on the photo's short edge, card cropped,
// each at our quality (the card uses PreviewQuality, as ours does).
func vipsRefArgs(o process.Options, w, h int) []string {
	tw, th := vipsUnbounded, o.ThumbShortEdge
	if h > w {
		tw, th = o.ThumbShortEdge, vipsUnbounded
	}
	var a []string
	for _, v := range []int{o.PreviewLongEdge, o.PreviewLongEdge, o.PreviewQuality,
		tw, th, o.ThumbQuality, o.CardWidth, o.CardHeight, o.PreviewQuality} {
		a = append(a, strconv.Itoa(v))
	}
	return a
}

// uprightSize is the JPEG's width and height as displayed (EXIF
// orientations 5-8 turn it a quarter).
func uprightSize(raw []byte) (int, int, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil {
		return 0, 0, err
	}
	if o, err := process.ReadOrientation(raw); err == nil && o >= 5 {
		return cfg.Height, cfg.Width, nil
	}
	return cfg.Width, cfg.Height, nil
}

// runVipsRef runs the harness for n sets of the photo on one libvips
// thread.
func runVipsRef(ctx context.Context, bin, photo string, n int, o process.Options, w, h int) (setTiming, error) {
	args := append([]string{photo, strconv.Itoa(n)}, vipsRefArgs(o, w, h)...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "VIPS_CONCURRENCY=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return setTiming{}, fmt.Errorf("vipsref: %v: %s", err, bytes.TrimSpace(out))
	}
	return parseSetTiming(string(out))
}
