package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// mediad is one mediad-bench subprocess. It runs as a separate process so
// its memory (/proc/<pid>/status) is its own, not mixed with the client's.
type mediad struct {
	mode   string
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
	prof   *profiler
}

// mediadEnv is production configuration plus the isolation settings and
// the scenario's overrides ("K=V"); no other MEDIA_* variable of the
// caller's environment leaks in.
func (b *bench) mediadEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MEDIA_") {
			env = append(env, kv)
		}
	}
	keys := make([]string, 0, len(b.stack.env))
	for k := range b.stack.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+b.stack.env[k])
	}
	if b.opts.profile {
		env = append(env, "MEDIA_PPROF=true")
	}
	return append(env, extra...)
}

// start runs `mediad-bench <mode>` and waits until it is ready: /readyz
// answers 200 (serve, all) or the worker logged that it started (work).
func (b *bench) start(ctx context.Context, mode string, extra ...string) (*mediad, error) {
	name := b.procName(mode)
	logPath := filepath.Join(b.logDir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(b.bin, mode)
	cmd.Env, cmd.Stdout, cmd.Stderr = b.mediadEnv(extra), logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	m := &mediad{mode: mode, cmd: cmd, log: logf, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(m.exited) }()
	b.procs = append(b.procs, m)
	if err := m.waitReady(ctx); err != nil {
		return nil, fmt.Errorf("mediad %s: %w (log %s: %s)", mode, err, logPath, tail(logPath))
	}
	if b.opts.profile && mode != "work" { // work mode has no metrics listener
		m.prof = b.startProfile(name)
	}
	return m, nil
}

// procName names a process's log and profiles: <scenario>-<mode>, with a
// count from the second process of that mode in the scenario on.
func (b *bench) procName(mode string) string {
	name := b.current + "-" + mode
	n := 0
	for _, m := range b.procs {
		if m.mode == mode {
			n++
		}
	}
	if n > 0 {
		name += fmt.Sprint("-", n+1)
	}
	return name
}

func (m *mediad) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-m.exited:
			return fmt.Errorf("exited during start-up")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if m.ready() {
			return nil
		}
	}
	return fmt.Errorf("not ready after 60s")
}

func (m *mediad) ready() bool {
	if m.mode == "work" {
		b, _ := os.ReadFile(m.log.Name())
		return bytes.Contains(b, []byte(`"msg":"worker started"`))
	}
	resp, err := http.Get(baseURL + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (m *mediad) pid() int { return m.cmd.Process.Pid }

// stop ends mediad as production would (SIGTERM, graceful drain), killing
// it only if it does not exit in time. Profiles are fetched first.
func (m *mediad) stop() {
	select {
	case <-m.exited:
		m.log.Close()
		return
	default:
	}
	if m.prof != nil {
		m.prof.finish()
		m.prof = nil
	}
	m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(45 * time.Second):
		m.cmd.Process.Kill()
		<-m.exited
	}
	m.log.Close()
}

// tail returns the last lines of a log for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}

// procStatusKiB reads a "VmRSS:   1234 kB" style field of /proc/<pid>/status.
func procStatusKiB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// rssWatch samples a process's VmRSS every 50 ms and keeps the highest.
type rssWatch struct {
	pid        int
	base, peak int64
	stop, done chan struct{}
	mu         sync.Mutex
}

// watchRSS starts sampling; growth is measured from base, the process's
// idle RSS taken before the scenario's first upload, so memory an earlier
// upload left behind (pooled buffers, heap not yet returned) still counts.
func watchRSS(pid int, base int64) *rssWatch {
	w := &rssWatch{pid: pid, base: base, peak: base, stop: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

// idleRSS is a process's RSS now, in KiB (0 if it cannot be read).
func idleRSS(pid int) int64 {
	v, _ := procStatusKiB(pid, "VmRSS")
	return v
}

func (w *rssWatch) loop() {
	defer close(w.done)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			if v, err := procStatusKiB(w.pid, "VmRSS"); err == nil {
				w.mu.Lock()
				w.peak = max(w.peak, v)
				w.mu.Unlock()
			}
		}
	}
}

// growthMiB stops sampling and returns peak minus baseline in MiB.
func (w *rssWatch) growthMiB() float64 {
	close(w.stop)
	<-w.done
	return float64(w.peak-w.base) / 1024
}
