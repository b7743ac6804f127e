package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/wxalbum/mediad/process"
)

// deriveChildArg makes mediabench measure Processor.Image as a child of
// itself, so ours is timed like the libvips harness: a process of its own
// whose whole CPU (every thread, GC included) is charged, under the thread
// limit its environment sets (GOMAXPROCS). It is not a documented flag.
const deriveChildArg = "-derive-child"

// init diverts a derive child before main parses the bench's flags or
// touches the stack: the child only times Processor.Image (the re-exec
// pattern of docker's pkg/reexec, kept beside the code it runs).
func init() {
	if len(os.Args) < 2 || os.Args[1] != deriveChildArg {
		return
	}
	if err := deriveChild(context.Background(), os.Args[2:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mediabench:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// deriveChild runs `mediabench -derive-child PHOTO N [PROFILE_PREFIX]`:
// one warm-up Processor.Image, then N timed, printed as vipsref prints.
func deriveChild(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: mediabench %s PHOTO N [PROFILE_PREFIX]", deriveChildArg)
	}
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 {
		return fmt.Errorf("%s: bad count %q", deriveChildArg, args[1])
	}
	raw, err := readFile(args[0])
	if err != nil {
		return err
	}
	p, err := process.New(process.DefaultOptions())
	if err != nil {
		return err
	}
	if _, err := p.Image(ctx, raw); err != nil { // warm-up: first-use allocations do not count
		return err
	}
	stop := startProfile(args[2:])
	c0, t0 := cpuTime(), time.Now()
	for i := 0; i < n; i++ {
		if _, err := p.Image(ctx, raw); err != nil {
			return err
		}
	}
	cpu, wall := cpuTime()-c0, time.Since(t0)
	stop()
	_, err = fmt.Fprintf(stdout, "sets=%d cpu_s_per_set=%.6f wall_s_per_set=%.6f gomaxprocs=%d\n",
		n, cpu.Seconds()/float64(n), wall.Seconds()/float64(n), runtime.GOMAXPROCS(0))
	return err
}

// startProfile writes CPU and heap profiles to PREFIX-cpu.prof and
// -heap.prof when a prefix is given (mediabench -profile).
func startProfile(prefix []string) func() {
	if len(prefix) == 0 {
		return func() {}
	}
	f, err := os.Create(prefix[0] + "-cpu.prof")
	if err != nil || pprof.StartCPUProfile(f) != nil {
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		if h, err := os.Create(prefix[0] + "-heap.prof"); err == nil {
			runtime.GC()
			pprof.WriteHeapProfile(h)
			h.Close()
		}
	}
}

// oursSet runs n Processor.Image calls in a child mediabench; threads > 0
// sets GOMAXPROCS, 0 leaves the Go default (every core). profile is the
// child's profile prefix ("" = none).
func oursSet(ctx context.Context, photo string, n, threads int, profile string) (setTiming, error) {
	exe, err := os.Executable()
	if err != nil {
		return setTiming{}, err
	}
	args := []string{deriveChildArg, photo, strconv.Itoa(n)}
	if profile != "" {
		args = append(args, profile)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = withoutEnv(os.Environ(), "GOMAXPROCS")
	if threads > 0 {
		cmd.Env = append(cmd.Env, fmt.Sprintf("GOMAXPROCS=%d", threads))
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return setTiming{}, fmt.Errorf("%s: %v: %s", deriveChildArg, err, out)
	}
	return parseSetTiming(string(out))
}

// withoutEnv drops key from a KEY=VALUE list.
func withoutEnv(env []string, key string) []string {
	var out []string
	for _, kv := range env {
		if len(kv) <= len(key) || kv[:len(key)+1] != key+"=" {
			out = append(out, kv)
		}
	}
	return out
}
