package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// redisLogOnce: go-redis's logger is one variable for the whole process,
// read by every client's goroutines; it is set once, before the first
// client exists (tests run several engines in one process).
var redisLogOnce sync.Once

// redisLogger sends go-redis's own messages (a Sentinel naming a new
// primary, pool errors) to the JSON log rather than as plain lines on
// stderr, so a failover shows up where everything else is.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.InfoContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
