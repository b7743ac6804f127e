package worker

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"
	asynqmetrics "github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

type taskMetrics struct {
	outcomes  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	insp      *asynq.Inspector
}

func newTaskMetrics(reg prometheus.Registerer, opt asynq.RedisConnOpt) *taskMetrics {
	m := &taskMetrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mediad_tasks_total", Help: "Finished tasks by type and outcome (ok, retry, failed).",
		}, []string{"type", "outcome"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mediad_task_duration_seconds", Help: "Task processing time by type.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30, 60, 120, 300, 900},
		}, []string{"type"}),
		insp: asynq.NewInspector(opt),
	}
	if reg != nil {
		// Queue sizes, latency and counts by state, read from Redis at
		// scrape time (asynq_queue_size, asynq_tasks_enqueued_total, ...).
		reg.MustRegister(m.outcomes, m.durations, asynqmetrics.NewQueueMetricsCollector(m.insp))
	}
	return m
}

func (m *taskMetrics) close() { m.insp.Close() }

func (m *taskMetrics) middleware(h asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		err := h.ProcessTask(ctx, t)
		m.durations.WithLabelValues(t.Type()).Observe(time.Since(start).Seconds())
		outcome := "ok"
		switch {
		case err != nil && (errors.Is(err, asynq.SkipRetry) || !Retrying(ctx)):
			outcome = "failed"
		case err != nil:
			outcome = "retry"
		}
		m.outcomes.WithLabelValues(t.Type(), outcome).Inc()
		return err
	})
}
