package main

import (
	"time"

	"github.com/wxalbum/mediad/auth"
	"github.com/wxalbum/mediad/internal/ratelimit"
	"github.com/wxalbum/mediad/reports"
	"github.com/wxalbum/mediad/worker"
)

// newReports builds reports and takedown requests: the service (with the
// share links' check for recipients' reports and the two rate limits) and
// its handlers. It needs the link service, so it is built after it.
func (a *app) newReports() {
	c := a.cfg.Reports
	perUser := ratelimit.NewPer(a.deps.redis, "reports", c.PerHour, time.Hour)
	public := ratelimit.NewPer(a.deps.redis, "reports-public", c.PublicPerHour, time.Hour)
	a.reportSvc = reports.NewService(c, a.deps.pool, a.shareSvc.Reportable, perUser, public, a.log)
	a.reports = reports.NewHandler(a.reportSvc, auth.UserID)
}

// registerReports adds the hourly task that applies report holds.
func (a *app) registerReports(srv *worker.Server) error {
	return srv.RegisterReports(worker.NewReports(a.reportSvc))
}
