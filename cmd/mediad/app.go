package main

import (
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/auth"
	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/metrics"
	"github.com/wxalbum/mediad/worker"
)

// app is the composition root: every service built once and wired together.
type app struct {
	cfg   Config
	log   *slog.Logger
	deps  *deps
	fiber *fiber.App
	tasks *worker.Client
	auth  *auth.Handler
}

func newApp(cfg Config, d *deps, log *slog.Logger, m *metrics.Metrics) (*app, error) {
	authSvc, err := auth.NewService(cfg.Auth, auth.NewStore(d.pool))
	if err != nil {
		return nil, err
	}
	a := &app{
		cfg:   cfg,
		log:   log,
		deps:  d,
		tasks: worker.NewClient(cfg.Worker),
		auth:  auth.NewHandler(authSvc),
	}
	a.fiber = fiber.New(fiberConfig(log))
	a.fiber.Use(httpx.RequestIDs(), httpx.AccessLog(log),
		m.Middleware(func(c *fiber.Ctx, err error) int {
			if err != nil {
				return httpx.Public(err).Status
			}
			return c.Response().StatusCode()
		}, httpx.RouteName))
	a.routes(a.fiber)
	return a, nil
}

func (a *app) registerTasks(srv *worker.Server) error {
	return nil
}

func (a *app) close() {
	a.tasks.Close()
}
