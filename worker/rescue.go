package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hibiken/asynq"
)

// A worker killed in the middle of a task (SIGKILL, OOM, a lost machine)
// leaves the task "active" in Redis under its task id. Asynq takes it back
// only after its lease ran out, 30 s of clock-skew allowance and its next
// once-a-minute check, then waits a retry backoff: one to two minutes in
// which a dissolution or an export shows no progress and enqueueing it
// again is a no-op (the id is taken). The rescuer finds active tasks that
// no live worker is running and enqueues a copy under a derived id. Every
// handler is resumable and idempotent, so when asynq later runs the
// original again, it finds the work done.

// orphanAfter is how long an active task must be missing from every live
// worker's list before it is rescued: a server publishes its list every
// 5 s and a dead server's entry lives 10 s, so two missed publications
// cannot be a race.
const orphanAfter = 12 * time.Second

// Rescuer remembers since when each active task has been unclaimed.
type Rescuer struct {
	c      *Client
	mu     sync.Mutex
	since  map[string]time.Time
	now    func() time.Time
	after  time.Duration
	listed func() (active []*asynq.TaskInfo, running map[string]bool, err error)
}

// NewRescuer returns a rescuer enqueueing through c.
func NewRescuer(c *Client) *Rescuer {
	r := &Rescuer{c: c, since: map[string]time.Time{}, now: time.Now, after: orphanAfter}
	r.listed = r.fromRedis
	return r
}

// Rescue enqueues a copy of every active task that has been unclaimed for
// orphanAfter (or that asynq already marks orphaned) and returns how many.
func (r *Rescuer) Rescue(ctx context.Context) (int, error) {
	return r.rescueWith(ctx, r.enqueueCopy)
}

func (r *Rescuer) rescueWith(ctx context.Context, enqueue func(context.Context, *asynq.TaskInfo) error) (int, error) {
	active, running, err := r.listed()
	if err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now, seen, n := r.now(), map[string]bool{}, 0
	for _, t := range active {
		seen[t.ID] = true
		if running[t.ID] {
			delete(r.since, t.ID)
			continue
		}
		first, ok := r.since[t.ID]
		if !ok {
			r.since[t.ID], first = now, now
		}
		if !t.IsOrphaned && now.Sub(first) < r.after {
			continue
		}
		err := enqueue(ctx, t)
		if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return n, err
		}
		delete(r.since, t.ID)
		if err == nil { // a conflict: its copy is already queued
			n++
		}
	}
	for id := range r.since {
		if !seen[id] {
			delete(r.since, id)
		}
	}
	return n, nil
}

// rescuedSuffix marks a rescue copy; a copy of a copy keeps one suffix, so
// one orphan has at most one copy queued.
const rescuedSuffix = ":rescued"

func (r *Rescuer) enqueueCopy(ctx context.Context, t *asynq.TaskInfo) error {
	id := t.ID
	if len(id) < len(rescuedSuffix) || id[len(id)-len(rescuedSuffix):] != rescuedSuffix {
		id += rescuedSuffix
	}
	opts := []asynq.Option{asynq.TaskID(id), asynq.Queue(t.Queue), asynq.MaxRetry(t.MaxRetry)}
	if t.Timeout > 0 {
		opts = append(opts, asynq.Timeout(t.Timeout))
	}
	_, err := r.c.c.EnqueueContext(ctx, asynq.NewTask(t.Type, t.Payload, opts...))
	if err != nil {
		return fmt.Errorf("rescue %s: %w", t.ID, err)
	}
	return nil
}

// fromRedis lists the active tasks of every queue and the ids the live
// workers say they run.
func (r *Rescuer) fromRedis() ([]*asynq.TaskInfo, map[string]bool, error) {
	running := map[string]bool{}
	servers, err := r.c.insp.Servers()
	if err != nil {
		return nil, nil, err
	}
	for _, s := range servers {
		for _, w := range s.ActiveWorkers {
			running[w.TaskID] = true
		}
	}
	var active []*asynq.TaskInfo
	for q := range queues() {
		ts, err := r.c.insp.ListActiveTasks(q, asynq.PageSize(500))
		if errors.Is(err, asynq.ErrQueueNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		active = append(active, ts...)
	}
	return active, running, nil
}
