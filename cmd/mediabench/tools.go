package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// missingTools names the reference tools that are not installed; the
// metric then says so and fails instead of reporting a made-up figure.
func missingTools(names ...string) string {
	var miss []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			miss = append(miss, n)
		}
	}
	if len(miss) == 0 {
		return ""
	}
	return strings.Join(miss, ", ") + " not installed (scripts/devstack up --bench installs the bench tools)"
}

// toolRun is one finished external command.
type toolRun struct {
	wall time.Duration
	cpu  time.Duration // the child's user + system CPU
}

// runTool runs a reference command, optionally with stdout to a file.
func runTool(ctx context.Context, stdout string, name string, args ...string) (toolRun, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdout != "" {
		f, err := os.Create(stdout)
		if err != nil {
			return toolRun{}, err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		return toolRun{}, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	ps := cmd.ProcessState
	return toolRun{wall: wall, cpu: ps.UserTime() + ps.SystemTime()}, nil
}

// cpuTime is this process's user + system CPU so far (all threads, GC
// included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// toolVersion is a reference tool's version line for the report.
func toolVersion(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "not installed"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	line, _, _ = strings.Cut(line, " Copyright") // wrk prints its licence line
	return strings.TrimSpace(line)
}
