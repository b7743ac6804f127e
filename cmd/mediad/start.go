package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/errgroup"

	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/metrics"
	"github.com/wxalbum/mediad/worker"
)

// start runs the API, the worker, or both until ctx ends, then drains.
func start(ctx context.Context, cfg Config, log *slog.Logger, serveHTTP, work bool) error {
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	m := metrics.New()
	m.Pprof = cfg.Pprof
	app, err := newApp(cfg, d, log, m)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	if serveHTTP {
		if err := serveAPI(gctx, g, cfg, app.fiber, m, log); err != nil {
			return err
		}
		g.Go(func() error { return app.shareSvc.RunOpenCounter(gctx, 2*time.Second) })
		g.Go(func() error { app.changes.Listen(gctx, d.pool, log); return nil })
	}
	if work {
		srv, err := worker.NewServer(cfg.Worker, worker.NewPeriods(d.pool), log, m.Registry)
		if err != nil {
			return err
		}
		jobs, err := app.registerTasks(srv)
		if err != nil {
			return err
		}
		g.Go(func() error { return srv.Run(gctx) })
		// Tasks lost with Redis's data come back from the database at start
		// and as soon as Redis answers again; tasks a killed worker left
		// active are taken back.
		watch := worker.Watch{Ping: func(ctx context.Context) error { return d.redis.Ping(ctx).Err() },
			Resume: jobs.Resume, Rescue: worker.NewRescuer(app.tasks).Rescue,
			Every: cfg.Worker.QueueWatchEvery, Log: log}
		g.Go(func() error { return watch.Run(gctx) })
		log.Info("worker started", "concurrency", cfg.Worker.Concurrency)
	}
	err = g.Wait()
	app.close()
	return err
}

// boundListeners are sockets a caller already listens on, handed to run
// through its context instead of the configured addresses: tests bind
// 127.0.0.1:0 themselves, so no other process can take the port between
// choosing it and listening on it.
type boundListeners struct{ api, metrics net.Listener }

type listenersKey struct{}

// withListeners returns ctx carrying api and metrics for serveAPI.
func withListeners(ctx context.Context, api, metrics net.Listener) context.Context {
	return context.WithValue(ctx, listenersKey{}, boundListeners{api: api, metrics: metrics})
}

// listen returns the API and metrics listeners: the ones in ctx, or new
// ones on the configured addresses. Listening happens before start-up
// goes on, so a taken port fails it at once.
func listen(ctx context.Context, cfg Config) (net.Listener, net.Listener, error) {
	if b, ok := ctx.Value(listenersKey{}).(boundListeners); ok {
		return b.api, b.metrics, nil
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("MEDIA_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	mln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("MEDIA_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
	}
	return ln, mln, nil
}

// serveAPI serves the API and metrics until ctx ends.
func serveAPI(ctx context.Context, g *errgroup.Group, cfg Config, app *fiber.App, m *metrics.Metrics, log *slog.Logger) error {
	ln, mln, err := listen(ctx, cfg)
	if err != nil {
		return err
	}
	log.Info("http listening", "addr", ln.Addr().String(), "metrics", mln.Addr().String())
	ln = httpx.LimitConns(ln, cfg.HTTP.ConnsPerNetwork)
	g.Go(func() error { return app.Listener(ln) })
	g.Go(func() error { return m.Serve(ctx, mln) })
	g.Go(func() error {
		<-ctx.Done()
		// Stop accepting, let in-flight requests finish within the timeout.
		return app.ShutdownWithTimeout(cfg.ShutdownTimeout)
	})
	return nil
}

func fiberConfig(log *slog.Logger) fiber.Config {
	return fiber.Config{
		AppName:               "mediad",
		DisableStartupMessage: true,
		ErrorHandler:          httpx.ErrorHandler(log),
		// Uploads are streamed: bodies above the first few KiB are handed
		// to handlers as a stream and never buffered whole. JSON handlers
		// bound what they read themselves (httpx.DecodeJSON).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    64 << 10,
		// Read timeouts are set by httpx.Limits: headers, then the body.
		WriteTimeout:   10 * time.Minute,
		IdleTimeout:    60 * time.Second,
		ReadBufferSize: 16 << 10,
	}
}
