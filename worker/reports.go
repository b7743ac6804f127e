package worker

import (
	"context"

	"github.com/hibiken/asynq"
)

// Holder applies the holds reports call for (reports.Service).
type Holder interface {
	ApplyHolds(ctx context.Context) (int, error)
}

// Reports runs the report tasks.
type Reports struct{ svc Holder }

// NewReports returns the report task handlers.
func NewReports(svc Holder) *Reports { return &Reports{svc: svc} }

// HoldTask handles reports:hold. It is idempotent: an item already held
// as its reports say is left alone.
func (r *Reports) HoldTask(ctx context.Context, _ *asynq.Task) error {
	_, err := r.svc.ApplyHolds(ctx)
	return err
}

// RegisterReports routes the report tasks to r and schedules the hourly
// hold task.
func (s *Server) RegisterReports(r *Reports) error {
	p := reportsPeriodic
	p.handle = r.HoldTask
	return s.schedule(p)
}
