package process

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"time"
)

// maxStderr bounds what is kept of a tool's error output.
const maxStderr = 8 << 10

// run executes a tool under ToolTimeout and ctx, killing it on either. stdout
// is returned when maxOut > 0 and the run fails past maxOut bytes. A tool that cannot
// be started is an environment problem (internal, retryable); one that exits
// non-zero was given input it rejects (corrupt).
func (p *Processor) run(ctx context.Context, tool string, maxOut int, args ...string) ([]byte, error) {
	return p.runFor(ctx, p.o.ToolTimeout, tool, maxOut, args...)
}

// runFor is run bounded by timeout instead of ToolTimeout.
func (p *Processor) runFor(ctx context.Context, timeout time.Duration, tool string, maxOut int, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.WaitDelay = 5 * time.Second                       // pipes close even if a grandchild holds them
	stdout := &capped{max: maxOut, truncate: maxOut <= 0} // <= 0: discard
	stderr := &capped{max: maxStderr, truncate: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	switch {
	case stdout.over:
		return nil, errorf(ReasonTooManyPixels, nil, "%s: output larger than %d bytes", tool, maxOut)
	case err == nil:
		return stdout.buf.Bytes(), nil
	case ctx.Err() != nil:
		return nil, errorf(ReasonInternal, ctx.Err(), "%s interrupted", tool)
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, exec.ErrDot):
		return nil, errorf(ReasonInternal, err, "%s not available", tool)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && (exit.ExitCode() == 126 || exit.ExitCode() == 127) {
		// A wrapper (prlimit) could not start the tool it runs.
		return nil, errorf(ReasonInternal, err, "%s: %s", tool, strings.TrimSpace(stderr.buf.String()))
	}
	if errors.As(err, &exit) {
		return nil, errorf(ReasonCorrupt, err, "%s: %s", tool, strings.TrimSpace(stderr.buf.String()))
	}
	return nil, errorf(ReasonInternal, err, "%s", tool)
}

// capped is a bounded buffer. With truncate it silently keeps the first max
// bytes; otherwise it records the overflow and fails the write, which stops
// the tool with a broken pipe.
type capped struct {
	buf      bytes.Buffer
	max      int
	truncate bool
	over     bool
}

func (c *capped) Write(b []byte) (int, error) {
	if room := c.max - c.buf.Len(); len(b) > room {
		if !c.truncate {
			c.over = true
			return 0, errors.New("output limit exceeded")
		}
		c.buf.Write(b[:max(room, 0)])
		return len(b), nil
	}
	return c.buf.Write(b)
}
