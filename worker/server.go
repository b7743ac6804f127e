package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Server runs task handlers and the periodic-task scheduler.
type Server struct {
	cfg     Config
	log     *slog.Logger
	srv     *asynq.Server
	sched   *asynq.Scheduler
	periods PeriodGate
	mux     *asynq.ServeMux
	m       *taskMetrics
}

// NewServer returns a Server; handlers and periodic tasks are added with
// the Register methods before Run. periods lets one scheduled run of each
// periodic task per period through across all worker processes.
func NewServer(cfg Config, periods PeriodGate, log *slog.Logger, reg prometheus.Registerer) (*Server, error) {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := newTaskMetrics(reg, RedisOpt(cfg))
	srv := asynq.NewServer(RedisOpt(cfg), asynq.Config{
		Concurrency:     cfg.Concurrency,
		Queues:          queues(),
		ShutdownTimeout: cfg.ShutdownTimeout,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			log.Warn("task failed", "type", t.Type(), "err", err)
		}),
		// A task that failed because PostgreSQL, Redis or MinIO was away is
		// tried again every few seconds, and the attempt is not counted: it
		// works once the service is back, however long the outage, and not
		// after a backoff of minutes.
		IsFailure:      func(err error) bool { return !apperr.DependencyDown(err) },
		RetryDelayFunc: retryDelay,
		Logger:         asynqLogger{log},
		LogLevel:       asynq.WarnLevel,
	})
	sched := asynq.NewScheduler(RedisOpt(cfg), &asynq.SchedulerOpts{Logger: asynqLogger{log}, LogLevel: asynq.WarnLevel})
	s := &Server{cfg: cfg, log: log, srv: srv, sched: sched, periods: periods, mux: asynq.NewServeMux(), m: m}
	s.mux.Use(m.middleware)
	return s, nil
}

// Register routes every task type of tasks.go to its handler and
// schedules the periodic tasks (one run per period across all workers:
// schedule).
func (s *Server) Register(media *Media, jobs *Jobs) error {
	for typ, h := range map[string]asynq.HandlerFunc{
		TypeProcessMedia: media.ProcessTask, TypeDeleteMedia: media.DeleteTask, TypePlayMedia: media.PlayTask,
		TypeDissolveAlbum: jobs.Dissolve, TypeDeleteAccount: jobs.DeleteAccount, TypeBuildExport: jobs.BuildExport,
	} {
		s.mux.Handle(typ, h)
	}
	handlers := map[string]asynq.HandlerFunc{TypeSweep: jobs.Sweep, TypeReconcile: jobs.Reconcile,
		TypeExpireUploads: jobs.ExpireUploads, TypeRetention: jobs.Retention}
	var errs []error
	for _, p := range periodic {
		p.handle = handlers[p.typ]
		errs = append(errs, s.schedule(p))
	}
	return errors.Join(errs...)
}

// Run starts the workers and the scheduler and blocks until ctx ends, then
// shuts down: in-flight tasks get ShutdownTimeout to finish, and any that do
// not are handed back to Redis to be retried.
func (s *Server) Run(ctx context.Context) error {
	if err := s.srv.Start(s.mux); err != nil {
		return fmt.Errorf("asynq server: %w", err)
	}
	if err := s.sched.Start(); err != nil {
		s.srv.Shutdown()
		return fmt.Errorf("asynq scheduler: %w", err)
	}
	<-ctx.Done()
	s.sched.Shutdown()
	s.srv.Shutdown()
	s.m.close()
	return nil
}

// Retrying reports whether a failing task will be tried again, so a
// handler on its last attempt can record a final failure in PostgreSQL
// instead of leaving the item stuck.
func Retrying(ctx context.Context) bool {
	n, ok1 := asynq.GetRetryCount(ctx)
	max, ok2 := asynq.GetMaxRetry(ctx)
	return !ok1 || !ok2 || n < max
}

// IsSkipRetry reports whether err marks input that will never succeed.
func IsSkipRetry(err error) bool { return errors.Is(err, asynq.SkipRetry) }

type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }

// outageRetry is how long a task that met an outage waits before trying
// again (plus up to a second of jitter, so waiting tasks do not all run on
// the same tick).
const outageRetry = 3 * time.Second

// retryDelay is asynq's backoff for real failures and outageRetry for
// outages (apperr.DependencyDown).
func retryDelay(n int, err error, t *asynq.Task) time.Duration {
	if apperr.DependencyDown(err) {
		return outageRetry + time.Duration(rand.Int64N(int64(time.Second)))
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}
