package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// bench is one run of mediabench: options, the isolated stack (opened on
// first need), the binary under test and the mediad processes it started.
type bench struct {
	opts    options
	root    string
	out     io.Writer
	stack   *stack
	bin     string
	rev     string // git revision of the mediad under test
	logDir  string // mediad logs, under .devstack/ (git-ignored)
	current string // scenario being run
	procs   []*mediad
	notes   map[string][]string // measured notes for the report (EXPLAIN, seeding rates)
}

func newBench(opts options, out io.Writer) (*bench, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if err := os.Chdir(root); err != nil {
		return nil, err
	}
	logDir := filepath.Join(root, ".devstack", "bench-logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(root, "bench"), 0o755); err != nil {
		return nil, err
	}
	return &bench{opts: opts, root: root, out: out, logDir: logDir, notes: map[string][]string{}}, nil
}

// ensureStack opens the isolated stack, builds mediad and migrates the
// benchmark database with `mediad migrate`, once per run.
func (b *bench) ensureStack(ctx context.Context) error {
	if b.stack != nil {
		return nil
	}
	s, err := openStack(ctx)
	if err != nil {
		return err
	}
	b.stack = s
	b.rev = revision(b.root)
	if b.bin, err = buildMediad(ctx, b.root, b.out); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, b.bin, "migrate")
	cmd.Env = b.mediadEnv(nil)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mediad migrate: %v: %s", err, out)
	}
	return nil
}

// addNote keeps a measured fact for the current scenario's report section.
func (b *bench) addNote(format string, args ...any) {
	b.notes[b.current] = append(b.notes[b.current], fmt.Sprintf(format, args...))
}

// logf prints progress under the current scenario.
func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.out, "   "+format+"\n", args...)
}

func (b *bench) stopAll() {
	for _, m := range b.procs {
		m.stop()
	}
	b.procs = nil
}

func (b *bench) close() {
	b.stopAll()
	if b.stack != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := b.stack.close(ctx); err != nil {
			fmt.Fprintln(b.out, "cleanup:", err)
		}
	}
}

// revision names the commit the mediad under test was built from
// ("-dirty" when tracked files differ from it).
func revision(root string) string {
	out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty", "--abbrev=12").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
