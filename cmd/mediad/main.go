// Command mediad is the media storage and sharing engine: the HTTP API, the
// Asynq worker, or both, plus migrations.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	// Zone names (MEDIA_TIMEZONE) resolve without the machine's zoneinfo.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mediad:", err)
		os.Exit(1)
	}
}
