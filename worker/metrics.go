package worker

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

type taskMetrics struct {
	outcomes  *prometheus.CounterVec
	durations *prometheus.HistogramVec
	insp      *asynq.Inspector
}

func newTaskMetrics(reg prometheus.Registerer, opt asynq.RedisClientOpt) *taskMetrics {
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
		reg.MustRegister(m.outcomes, m.durations, &queueCollector{insp: m.insp})
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

// queueCollector reports queue sizes at scrape time.
type queueCollector struct{ insp *asynq.Inspector }

var queueSizeDesc = prometheus.NewDesc("mediad_queue_tasks", "Tasks in each queue by state.", []string{"queue", "state"}, nil)

func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueSizeDesc }

func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	known, err := q.insp.Queues()
	if err != nil {
		return // Redis down: report nothing rather than zeros
	}
	for _, name := range []string{QueueCritical, QueueDefault, QueueLow} {
		info := &asynq.QueueInfo{} // a queue never used yet is empty
		if slices.Contains(known, name) {
			if info, err = q.insp.GetQueueInfo(name); err != nil {
				continue
			}
		}
		for state, n := range map[string]int{"pending": info.Pending, "active": info.Active,
			"scheduled": info.Scheduled, "retry": info.Retry, "archived": info.Archived} {
			ch <- prometheus.MustNewConstMetric(queueSizeDesc, prometheus.GaugeValue, float64(n), name, state)
		}
	}
}
