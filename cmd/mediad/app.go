package main

import (
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/metrics"
	"github.com/wxalbum/mediad/internal/ratelimit"
	"github.com/wxalbum/mediad/internal/signer"
	"github.com/wxalbum/mediad/notify"
	"github.com/wxalbum/mediad/process"
	"github.com/wxalbum/mediad/reports"
	"github.com/wxalbum/mediad/retention"
	"github.com/wxalbum/mediad/review"
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
	albumSvc *albums.Service
	albumDB  *albums.Store
	shares   *share.Handler
	shareSvc *share.Service
	changes  db.Changes // what share link pages may be served from cache
	account  *account.Handler
	accounts *account.Service
	notes    *notify.Handler
	review   *review.Handler
	reviews  *review.Service
	// reports: reports and takedown requests (cmd/mediad/reports.go).
	reports   *reports.Handler
	reportSvc *reports.Service
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
		auth: auth.NewHandler(authSvc, ratelimit.New(d.redis, "wechat-login", cfg.Auth.WeChatPerNetwork),
			ratelimit.New(d.redis, "wechat-login", cfg.Auth.WeChatOverall)),
		store: upload.NewStore(d.pool),
	}
	limiter := ratelimit.New(d.redis, "upload", cfg.Upload.RatePerMinute)
	a.uploads, err = upload.NewService(cfg.Upload, a.store, d.blob, a.tasks, limiter, sg, log)
	if err != nil {
		return nil, err
	}
	a.media = upload.NewHandler(a.uploads, auth.UserID, cfg.PublicURL)
	a.newReview()
	a.albumDB = albums.NewStore(d.pool)
	a.albumSvc = albums.NewService(cfg.Albums, d.pool, a.uploads, a.tasks, d.blob)
	a.albums = albums.NewHandler(a.albumSvc, a.uploads, auth.UserID, cfg.PublicURL, cfg.Upload.URLTTL)
	sc := cfg.Share.Defaults()
	tries := ratelimit.NewPer(d.redis, "unlock", sc.UnlockTriesPerNetwork, sc.UnlockWindow)
	linkTries := ratelimit.NewPer(d.redis, "unlock-link", sc.UnlockTriesPerLink, sc.UnlockWindow)
	a.shareSvc = share.NewService(cfg.Share, share.NewStore(d.pool), a.albumDB, a.uploads, sg, tries, linkTries, &a.changes)
	a.uploads.SetLinkCheck(a.shareSvc.Shows)
	a.uploads.CacheGrants(&a.changes)
	a.newReports()
	registerCacheMetrics(m.Registry, a.shareSvc, a.uploads)
	exports := ratelimit.NewPer(d.redis, "export", cfg.Account.ExportsPerDay, 24*time.Hour)
	a.accounts = account.NewService(cfg.Account, d.pool, a.albumSvc, d.blob, a.tasks, exports)
	a.account = account.NewHandler(a.accounts, sg, auth.UserID, cfg.PublicURL, cfg.Upload.URLTTL)
	a.notes = notify.NewHandler(notify.NewStore(d.pool), notify.NewSettings(cfg.Notify, d.pool), auth.UserID)
	// Public routes are the hot path of a popular link: the per-network
	// limit settles with Redis in batches of 16 (exact near the limit).
	perAddr := ratelimit.New(d.redis, "public", cfg.PublicRatePerMinute).Batched(16)
	a.shares = share.NewHandler(a.shareSvc, auth.UserID, cfg.PublicURL, perAddr)
	a.fiber = newFiber(log, m, cfg.HTTP, a.changes.Sync)
	a.routes(a.fiber)
	return a, nil
}

// newFiber is the HTTP server with the middleware every route runs
// through, outermost first; the caller adds the routes.
func newFiber(log *slog.Logger, m *metrics.Metrics, limits httpx.Limits, afterWrite func()) *fiber.App {
	app := fiber.New(fiberConfig(log))
	limits.Defaults().Apply(app) // header and body timeouts
	app.Use(
		// Whatever a handler left of a request body is read or the
		// connection closes, so it is never parsed as a request.
		httpx.DrainOrClose(64<<10),
		// wx.request cannot send PATCH: POST with X-HTTP-Method-Override.
		httpx.MethodOverride(),
		httpx.RequestIDs(), httpx.AccessLog(log),
		m.Middleware(func(c *fiber.Ctx, err error) int {
			if err != nil {
				return httpx.Public(err).Status
			}
			return c.Response().StatusCode()
		}, httpx.RouteName),
		// A write through this process waits until the link view cache has
		// the notifications of what it changed before its response leaves:
		// the next request never sees a cached page from before it (other
		// processes' writes arrive by NOTIFY).
		httpx.AfterWrites(afterWrite),
		// Innermost: a handler that panics answers 500 through the error
		// handler (logged with the request id and counted); the process and
		// its other requests go on.
		recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: httpx.LogPanic(log)}))
	return app
}

// sweeper is upload's quick and deep sweep, with account's claim on the
// exports/ prefix.
func (a *app) sweeper() *upload.Sweeper { return a.sweeperOn(a.tasks) }

// sweeperOn is the sweeper enqueueing through q.
func (a *app) sweeperOn(q *worker.Client) *upload.Sweeper {
	exports := upload.KeyOwner{
		Prefix: account.ExportPrefix,
		ID:     func(k string) string { return strings.TrimSuffix(strings.TrimPrefix(k, account.ExportPrefix), ".zip") },
		Live:   account.NewStore(a.deps.pool).LiveExports,
	}
	return upload.NewSweeper(a.cfg.Upload, a.store, a.deps.blob, q, exports)
}

// retentionRules lists every retention rule: a period from the
// configuration and the purge method of the store that owns the data.
func retentionRules(c retention.Config, p db.Conn, accounts *account.Service) []retention.Rule {
	c = c.Defaults()
	return []retention.Rule{
		{Name: "exports", Purge: accounts.PurgeExpiredExports},
		{Name: "share_links", Keep: c.DeadLinks, Purge: share.NewStore(p).PurgeDead},
		{Name: "invites", Keep: c.ExpiredInvite, Purge: albums.NewStore(p).PurgeInvites},
		{Name: "open_counts", Keep: c.OpenCounts, Purge: share.NewStore(p).PurgeOpens},
		{Name: "notifications", Keep: c.Notifications, Purge: notify.NewStore(p).Purge},
		{Name: "reports", Keep: c.Reports, Purge: reports.NewStore(p).Purge},
		{Name: "failed_media", Keep: c.FailedMedia, Purge: upload.NewStore(p).PurgeFailed},
		{Name: "quota_reservations", Purge: upload.NewStore(p).PurgeReservations},
		{Name: "idempotency_keys", Keep: c.IdempotencyKeys, Purge: upload.NewStore(p).PurgeIdempotencyKeys},
		{Name: "sessions", Purge: auth.NewStore(p).PurgeSessions},
		{Name: "deletion_receipts", Keep: c.Receipts, Purge: account.NewStore(p).PurgeReceipts},
		{Name: "dissolution_receipts", Keep: c.Receipts, Purge: albums.NewStore(p).PurgeDissolutions},
	}
}

// registerTasks registers every task handler on srv and returns what the
// queue watch resumes with: the jobs, enqueueing only tasks Redis does not
// have (worker.Client.IfAbsent).
func (a *app) registerTasks(srv *worker.Server) (resume *worker.Jobs, err error) {
	proc, err := process.New(a.cfg.Process)
	if err != nil {
		return nil, err
	}
	media := worker.NewMedia(a.store, a.store, worker.ReadyTx{Conn: a.deps.pool, Review: a.reviewQueue()}, a.deps.blob, proc, a.tasks, a.cfg.Upload.MaxSize, a.log)
	jobs := &worker.Jobs{
		Dissolutions: a.albumSvc,
		Accounts:     a.accounts,
		Sweeps:       a.sweeper(),
		Expirer:      a.uploads,
		Requeue:      a.tasks,
		Rules:        retentionRules(a.cfg.Retention, a.deps.pool, a.accounts),
		Log:          a.log,
		Now:          time.Now,
	}
	resume = new(worker.Jobs)
	*resume = *jobs
	resume.Sweeps, resume.Requeue = a.sweeperOn(a.tasks.IfAbsent()), a.tasks.IfAbsent()
	if err := a.registerReview(srv); err != nil {
		return nil, err
	}
	if err := a.registerNotify(srv); err != nil {
		return nil, err
	}
	if err := a.registerReports(srv); err != nil {
		return nil, err
	}
	return resume, srv.Register(media, jobs)
}

func (a *app) close() {
	a.tasks.Close()
}
