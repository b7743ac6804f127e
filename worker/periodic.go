package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
)

// PeriodGate lets one scheduled run per period through across every
// worker process: each process's scheduler enqueues its own copy of a
// periodic task, and only the copy that claims the period runs.
type PeriodGate interface {
	Claim(ctx context.Context, name, taskID string, period time.Duration) (bool, error)
}

// Periods is the PeriodGate kept in PostgreSQL (table periodic_runs), so
// it holds across processes and survives a Redis failover.
type Periods struct{ q db.Conn }

// NewPeriods returns Periods on q.
func NewPeriods(q db.Conn) *Periods { return &Periods{q: q} }

// Claim records a run of name by task taskID now, unless another task
// started one less than 9/10 of period ago (scheduler ticks of different
// processes drift a little, so a whole period would skip some). A retry
// of the claiming task (same id) goes ahead.
func (p *Periods) Claim(ctx context.Context, name, taskID string, period time.Duration) (bool, error) {
	var ok bool
	err := p.q.QueryRow(ctx, `INSERT INTO periodic_runs AS r (name, task_id) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET task_id = $2, started_at = now(), runs = r.runs + 1
		WHERE r.task_id = $2 OR r.started_at <= now() - $3::bigint * interval '1 microsecond'
		RETURNING true`, name, taskID, (period * 9 / 10).Microseconds()).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return ok, err
}

// periodicTask is a task the scheduler enqueues every period.
type periodicTask struct {
	typ    string
	every  time.Duration
	queue  string
	handle asynq.HandlerFunc
}

// periodPayload marks a copy enqueued by a scheduler: only those claim
// their period. A task enqueued by hand (an operator, a test) has no
// payload and always runs.
type periodPayload struct {
	Every string `json:"every"`
}

// schedule routes p.typ to its handler behind the gate and registers it
// with this process's scheduler. Unique for just under a period keeps
// copies from piling up while workers are down.
func (s *Server) schedule(p periodicTask) error {
	payload, err := json.Marshal(periodPayload{Every: p.every.String()})
	if err != nil {
		return err
	}
	s.mux.HandleFunc(p.typ, s.gated(p))
	_, err = s.sched.Register(fmt.Sprintf("@every %s", p.every), asynq.NewTask(p.typ, payload),
		asynq.Queue(p.queue), asynq.Unique(max(p.every*9/10, time.Second)), asynq.MaxRetry(1))
	return err
}

// gated runs p's handler for a scheduled copy only when it claims the
// period.
func (s *Server) gated(p periodicTask) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) error {
		if len(t.Payload()) > 0 {
			id, _ := asynq.GetTaskID(ctx)
			ok, err := s.periods.Claim(ctx, p.typ, id, p.every)
			if err != nil {
				return fmt.Errorf("claim period of %s: %w", p.typ, err)
			}
			if !ok {
				s.log.Debug("periodic task ran elsewhere this period", "type", p.typ)
				return nil
			}
		}
		return p.handle(ctx, t)
	}
}
