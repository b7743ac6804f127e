package main

import (
	"errors"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/metrics"
	"github.com/wxalbum/mediad/internal/ratelimit"
	"github.com/wxalbum/mediad/internal/reconcile"
	"github.com/wxalbum/mediad/internal/retention"
	"github.com/wxalbum/mediad/internal/signer"
	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/share"
	"github.com/wxalbum/mediad/upload"
	"github.com/wxalbum/mediad/worker"
)

// app is the composition root: every service built once and wired together.
type app struct {
	cfg      Config
	log      *slog.Logger
	deps     *deps
	fiber    *fiber.App
	tasks    *worker.Client
	auth     *auth.Handler
	media    *upload.Handler
	uploads  *upload.Service
	store    *upload.Store
	albums   *albums.Handler
	albumDB  *albums.Store
	shares   *share.Handler
	shareSvc *share.Service
	changes  db.Changes // what share link pages may be served from cache
	account  *account.Handler
	accts    *account.Store
}

func newApp(cfg Config, d *deps, log *slog.Logger, m *metrics.Metrics) (*app, error) {
	authSvc, err := auth.NewService(cfg.Auth, auth.NewStore(d.pool))
	if err != nil {
		return nil, err
	}
	sg, err := signer.New(cfg.SigningKey)
	if err != nil {
		return nil, err
	}
	a := &app{
		cfg:   cfg,
		log:   log,
		deps:  d,
		tasks: worker.NewClient(cfg.Worker),
		auth:  auth.NewHandler(authSvc),
		store: upload.NewStore(d.pool),
	}
	limiter := ratelimit.New(d.redis, "upload", cfg.Upload.Defaults().RatePerMinute)
	a.uploads, err = upload.NewService(cfg.Upload, a.store, d.blob, a.tasks, limiter, sg, log)
	if err != nil {
		return nil, err
	}
	a.media = upload.NewHandler(a.uploads, auth.UserID, cfg.PublicURL)
	a.albumDB = albums.NewStore(d.pool)
	albumSvc := albums.NewService(cfg.Albums, a.albumDB, a.uploads, a.tasks)
	a.albums = albums.NewHandler(albumSvc, a.uploads, auth.UserID, cfg.PublicURL, cfg.Upload.Defaults().URLTTL)
	badTries := ratelimit.NewWindow(d.redis, "unlock", 5, 15*time.Minute)
	a.shareSvc = share.NewService(cfg.Share, share.NewStore(d.pool), a.albumDB, a.uploads, sg, badTries, &a.changes)
	a.uploads.SetLinkCheck(a.shareSvc.Shows)
	a.accts = account.NewStore(d.pool)
	a.account = account.NewHandler(a.accts, a.tasks, d.blob, sg, auth.UserID, cfg.PublicURL, cfg.ExportTTL)
	// Public routes are the hot path of a popular link: the per-network
	// limit settles with Redis in batches of 16 (exact near the limit).
	perAddr := ratelimit.New(d.redis, "public", cfg.PublicRatePerMinute).Batched(16)
	a.shares = share.NewHandler(a.shareSvc, auth.UserID, cfg.PublicURL, perAddr)
	a.fiber = fiber.New(fiberConfig(log))
	a.fiber.Use(httpx.RequestIDs(), httpx.AccessLog(log),
		m.Middleware(func(c *fiber.Ctx, err error) int {
			if err != nil {
				return httpx.Public(err).Status
			}
			return c.Response().StatusCode()
		}, httpx.RouteName),
		// A write through this process moves the link-change version before
		// its response leaves: the next request never sees a cached page
		// from before it (other processes' writes arrive by NOTIFY).
		httpx.AfterWrites(a.changes.Bump))
	a.routes(a.fiber)
	return a, nil
}

func (a *app) registerTasks(srv *worker.Server) error {
	proc, err := process.New(a.cfg.Process)
	if err != nil {
		return err
	}
	media := worker.NewMedia(a.store, a.deps.blob, proc, a.tasks, a.log)
	house := worker.NewHousekeeping(upload.NewSweeper(a.cfg.Upload, a.store, a.deps.blob, a.tasks), a.uploads, a.albumDB, a.tasks, a.log)
	dissolver := worker.NewAlbums(a.albumDB, a.deps.blob, a.log, a.cfg.Albums.Defaults().DissolveBatch)
	accounts := worker.NewAccounts(a.accts, dissolver, a.albumDB, a.deps.blob, a.log)
	keeper := worker.NewKeeper(retention.New(a.cfg.Retention, a.deps.pool, a.deps.blob), a.reconciler(), a.accts, a.tasks, a.log)
	srv.Handle(worker.TypeProcessMedia, asynq.HandlerFunc(media.ProcessTask))
	srv.Handle(worker.TypeDeleteMedia, asynq.HandlerFunc(media.DeleteTask))
	srv.Handle(worker.TypeSweepMedia, asynq.HandlerFunc(house.Sweep))
	srv.Handle(worker.TypeExpireUploads, asynq.HandlerFunc(house.ExpireUploads))
	srv.Handle(worker.TypeDissolveAlbum, asynq.HandlerFunc(dissolver.DissolveTask))
	srv.Handle(worker.TypeDeleteAccount, asynq.HandlerFunc(accounts.DeleteTask))
	srv.Handle(worker.TypeBuildExport, asynq.HandlerFunc(accounts.ExportTask))
	srv.Handle(worker.TypeRetention, asynq.HandlerFunc(keeper.Retention))
	srv.Handle(worker.TypeReconcile, asynq.HandlerFunc(keeper.Reconcile))
	return errors.Join(
		srv.Every("@every 5m", worker.TypeSweepMedia, worker.QueueLow),
		srv.Every("@every 15m", worker.TypeExpireUploads, worker.QueueLow),
		srv.Every("@every 1h", worker.TypeRetention, worker.QueueLow),
		srv.Every("@every 1h", worker.TypeReconcile, worker.QueueLow),
	)
}

func (a *app) reconciler() *reconcile.Reconciler {
	up := a.cfg.Upload.Defaults()
	return reconcile.New(a.deps.pool, a.deps.blob, a.tasks, up.OrphanGrace, up.StuckAfter)
}

func (a *app) close() {
	a.tasks.Close()
}
