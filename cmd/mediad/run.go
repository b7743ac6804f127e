package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"

	"github.com/redis/go-redis/v9"
)

const usage = `usage: mediad <command>

commands:
  serve     run the HTTP API
  work      run the Asynq worker
  all       run the API and the worker in one process
  migrate   apply database migrations
  reconcile [--dry-run]
            make the object store and the database agree, print a report
  purge-all --confirm <MEDIA_DEPLOYMENT_NAME>
            delete every object, the bucket and all personal data (service shutdown)
  version   print the version
`

// run is the whole program; main only supplies the process's context,
// arguments, environment and output, so tests can run it in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	cmd := args[1]
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve", "work", "all", "migrate", "reconcile", "purge-all":
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(stderr, cfg.LogLevel)
	redisLogOnce.Do(func() { redis.SetLogger(redisLogger{log}) })
	switch cmd {
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "reconcile":
		return reconcileCmd(ctx, cfg, log, args[2:], stdout)
	case "purge-all":
		return purgeAll(ctx, cfg, log, args[2:], stdout)
	}
	return start(ctx, cfg, log, cmd == "serve" || cmd == "all", cmd == "work" || cmd == "all")
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return "mediad " + s.Value
			}
		}
		return "mediad " + bi.Main.Version
	}
	return "mediad (unknown)"
}
