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
// calls Resume once at start and after every outage it sees end; every
// RescueEvery it calls Rescue, which takes back tasks a killed worker left
// active (Rescuer).
type Watch struct {
	Ping        func(context.Context) error
	Resume      func(context.Context) (int, error)
	Rescue      func(context.Context) (int, error) // optional
	Every       time.Duration                      // default 1s
	RescueEvery time.Duration                      // default 5s
	Log         *slog.Logger
}

// Run watches until ctx ends; it returns nil then.
func (w Watch) Run(ctx context.Context) error {
	every := w.Every
	if every <= 0 {
		every = time.Second
	}
	rescueEvery := w.RescueEvery
	if rescueEvery <= 0 {
		rescueEvery = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	pending, downSince := true, time.Time{} // resume once at start
	var rescued time.Time
	for {
		pingCtx, cancel := context.WithTimeout(ctx, every)
		err := w.Ping(pingCtx)
		cancel()
		switch {
		case err != nil && downSince.IsZero():
			downSince = time.Now()
			w.Log.Warn("queue unreachable; uploads are kept and their tasks resumed when it returns", "err", err)
		case err == nil && !downSince.IsZero():
			w.Log.Info("queue reachable again", "down_for", time.Since(downSince).Round(time.Millisecond).String())
			downSince, pending = time.Time{}, true
		}
		if err == nil && pending {
			n, rerr := w.Resume(ctx)
			w.Log.Info("resumed unfinished work", "enqueued", n, "err", rerr)
			pending = rerr != nil // try again on the next tick
		}
		if err == nil && w.Rescue != nil && time.Since(rescued) >= rescueEvery {
			rescued = time.Now()
			if n, rerr := w.Rescue(ctx); n > 0 || rerr != nil {
				w.Log.Warn("took back tasks no live worker was running", "enqueued", n, "err", rerr)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
