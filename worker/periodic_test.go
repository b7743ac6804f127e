package worker

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/internal/testenv"
)

// periodicRedisDB is this package's Redis database for scheduler tests.
const periodicRedisDB = 11

// TestPeriodsClaim: the first claim of a period wins, another task's
// claim within 9/10 of the period loses, a retry of the winner (same task
// id) goes ahead, and the next period can be claimed again.
func TestPeriodsClaim(t *testing.T) {
	pool, _ := dbtest.New(t)
	p, ctx := NewPeriods(pool), context.Background()
	const every = 400 * time.Millisecond
	for _, step := range []struct {
		task string
		want bool
	}{{"a", true}, {"b", false}, {"a", true}, {"c", false}} {
		if got, err := p.Claim(ctx, "sweep", step.task, every); err != nil || got != step.want {
			t.Fatalf("claim by %s: %v %v, want %v", step.task, got, err, step.want)
		}
	}
	if got, _ := p.Claim(ctx, "retention", "b", every); !got {
		t.Error("another task type's period is its own: want the claim")
	}
	time.Sleep(every)
	if got, err := p.Claim(ctx, "sweep", "b", every); err != nil || !got {
		t.Errorf("claim in the next period: %v %v, want it", got, err)
	}
}

// countingGate counts the claims a gate refused.
type countingGate struct {
	PeriodGate
	refused atomic.Int64
}

func (g *countingGate) Claim(ctx context.Context, name, taskID string, period time.Duration) (bool, error) {
	ok, err := g.PeriodGate.Claim(ctx, name, taskID, period)
	if err == nil && !ok {
		g.refused.Add(1)
	}
	return ok, err
}

// TestPeriodicRunsOncePerPeriodAcrossWorkers: two worker servers, as two
// `mediad work` processes started half a period apart, each schedule the
// same periodic task; it runs once per period between them (the other
// copy is refused by the gate), never twice within a period. A copy
// enqueued by hand (no payload) always runs.
func TestPeriodicRunsOncePerPeriodAcrossWorkers(t *testing.T) {
	pool, _ := dbtest.New(t)
	testenv.FlushRedisDB(t, periodicRedisDB)
	cfg := Config{RedisAddr: testenv.RedisAddr(t), RedisDB: periodicRedisDB, ShutdownTimeout: time.Second}
	gate := &countingGate{PeriodGate: NewPeriods(pool)}
	const every = 2 * time.Second
	var mu sync.Mutex
	var runs []time.Time
	task := periodicTask{typ: "test:tick", every: every, queue: QueueDefault, handle: func(context.Context, *asynq.Task) error {
		mu.Lock()
		defer mu.Unlock()
		runs = append(runs, time.Now())
		return nil
	}}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	for range 2 {
		srv, err := NewServer(cfg, gate, slog.New(slog.DiscardHandler), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.schedule(task); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = srv.Run(ctx) }()
		time.Sleep(every / 2)
	}
	time.Sleep(5 * every)
	cancel()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(runs) < 3 {
		t.Fatalf("%d runs in about 5.5 periods, want at least 3", len(runs))
	}
	for i := 1; i < len(runs); i++ {
		// The gate compares PostgreSQL's clock (9/10 of a period); the
		// handlers' own clock adds only scheduling jitter.
		if gap := runs[i].Sub(runs[i-1]); gap < every*3/4 {
			t.Errorf("runs %d and %d only %v apart: twice in one period", i-1, i, gap)
		}
	}
	if gate.refused.Load() == 0 {
		t.Error("the gate refused no copy: the second scheduler never enqueued one")
	}
	if n := dbtest.Count(t, pool, `SELECT runs FROM periodic_runs WHERE name = 'test:tick'`); n != len(runs) {
		t.Errorf("periodic_runs counts %d runs, handlers saw %d", n, len(runs))
	}

	// By hand: no payload, no gate.
	s := &Server{periods: gate, log: slog.New(slog.DiscardHandler)}
	before := len(runs)
	mu.Unlock()
	for range 2 {
		if err := s.gated(task)(context.Background(), asynq.NewTask(task.typ, nil)); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	if len(runs) != before+2 {
		t.Errorf("two runs by hand made %d runs, want 2", len(runs)-before)
	}
}
