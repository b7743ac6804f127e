package worker

import (
	"context"
	"log/slog"
	"time"
)

// Watch resumes lost work when the queue comes back. Redis on this
// deployment keeps no data across a restart, so an outage loses every
// queued task; PostgreSQL still says what has work left (the rows are the
// outbox), and Resume enqueues it again. Watch pings Redis every Every and
// calls Resume once at start and after every outage it sees end.
type Watch struct {
	Ping   func(context.Context) error
	Resume func(context.Context) (int, error)
	Every  time.Duration // default 1s
	Log    *slog.Logger
}

// Run watches until ctx ends; it returns nil then.
func (w Watch) Run(ctx context.Context) error {
	every := w.Every
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	pending, downSince := true, time.Time{} // resume once at start
	for {
		pingCtx, cancel := context.WithTimeout(ctx, every)
		err := w.Ping(pingCtx)
		cancel()
		switch {
		case err != nil && downSince.IsZero():
			downSince = time.Now()
			w.Log.Warn("queue unreachable; uploads are kept and their tasks resumed when it returns", "err", err)
		case err == nil && !downSince.IsZero():
			w.Log.Info("queue reachable again", "down_for", time.Since(downSince).Round(time.Millisecond))
			downSince, pending = time.Time{}, true
		}
		if err == nil && pending {
			n, rerr := w.Resume(ctx)
			w.Log.Info("resumed unfinished work", "enqueued", n, "err", rerr)
			pending = rerr != nil // try again on the next tick
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
