package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// faultResult is one fault as the report shows it.
type faultResult struct {
	Name   string    `json:"name"`
	Killed []string  `json:"killed"`
	At     time.Time `json:"at"`
	// Failover is how long until the cluster named a new primary (Redis,
	// PostgreSQL), zero for the others.
	FailoverS float64 `json:"failover_s,omitempty"`
	// RecoveredS is from the kill until /readyz through HAProxy answered
	// 200 again after the restart.
	RecoveredS float64 `json:"recovered_s"`
	Requests   int     `json:"requests"`
	Failed     int     `json:"failed_requests"`
	// WindowS is from the first to the last failed request of the fault's
	// phase (0: none failed).
	WindowS float64        `json:"error_window_s"`
	ByOp    map[string]int `json:"failed_by_op,omitempty"`
	// Errors holds the first failure of each operation, as the client saw it.
	Errors map[string]string `json:"first_error_by_op,omitempty"`
	// LastAfterS is from the kill to the last failed request: every
	// failure of the phase fell inside [kill, kill + LastAfterS].
	LastAfterS float64 `json:"last_failure_after_kill_s"`
	end        time.Time
}

// maxWindow bounds when, after a kill, clients may still see errors: the
// slowest failover here (PostgreSQL, about 20 s) plus the time a
// request in flight at that moment may take.
const maxWindow = 60 * time.Second

// fault kills one or more processes; primary, when set, is asked of the
// cluster first ("pg" or "redis") and the process it names is killed.
type fault struct {
	name    string
	procs   []string
	primary string
	during  func(*workload, context.Context) error // started with the kill
}

var faults = []fault{
	{name: "MinIO node", procs: []string{"minio2"}},
	{name: "Redis primary", primary: "redis", during: (*workload).dissolveAsync},
	{name: "PostgreSQL primary", primary: "pg", during: (*workload).exportAsync},
	{name: "API process", procs: []string{"serve1"}},
	{name: "worker process", procs: []string{"work1"}},
	{name: "MinIO node + worker", procs: []string{"minio3", "work2"}},
}

func (w *workload) dissolveAsync(ctx context.Context) error {
	go func() {
		if err := w.dissolve(ctx); err != nil {
			fmt.Println("dissolution request:", err)
		}
	}()
	return nil
}

func (w *workload) exportAsync(ctx context.Context) error {
	go func() {
		if err := w.startExport(ctx); err != nil {
			fmt.Println("export request:", err)
		}
	}()
	return nil
}

// runFaults runs every fault in turn, with the workload running, and
// attributes the failed requests to the fault whose phase they fell in.
func runFaults(ctx context.Context, o options, w *workload, out io.Writer) ([]*faultResult, error) {
	// A quiet phase first: the workload's own baseline, where nothing may fail.
	res := []*faultResult{{Name: "none (baseline)", Killed: []string{}, At: time.Now()}}
	pause(ctx, o.settle)
	for _, f := range faults {
		r, err := inject(ctx, o, w, f, out)
		if err != nil {
			return res, fmt.Errorf("fault %s: %w", f.name, err)
		}
		res = append(res, r)
	}
	attribute(w.rec.all(), res)
	return res, nil
}

func inject(ctx context.Context, o options, w *workload, f fault, out io.Writer) (*faultResult, error) {
	r := &faultResult{Name: f.name, Killed: f.procs}
	if f.primary != "" {
		p, err := cluster(ctx, o, "primary", f.primary)
		if err != nil {
			return nil, err
		}
		r.Killed = []string{p}
	}
	r.At = time.Now()
	for _, p := range r.Killed {
		if _, err := cluster(ctx, o, "kill", p); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(out, "%s  killed %s\n", r.At.Format("15:04:05"), strings.Join(r.Killed, "+"))
	if f.during != nil {
		f.during(w, ctx)
	}
	if f.primary != "" {
		if err := waitFailover(ctx, o, f.primary, r.Killed[0]); err != nil {
			return nil, err
		}
		r.FailoverS = time.Since(r.At).Seconds()
		fmt.Fprintf(out, "          new %s primary after %.1fs\n", f.primary, r.FailoverS)
	}
	pause(ctx, o.down-time.Since(r.At))
	for _, p := range r.Killed {
		if _, err := cluster(ctx, o, "start", p); err != nil {
			return nil, err
		}
	}
	if err := waitReady(ctx, w.api.base, 3*time.Minute); err != nil {
		return nil, err
	}
	r.RecoveredS = time.Since(r.At).Seconds()
	fmt.Fprintf(out, "          restarted; /readyz 200 after %.1fs\n", r.RecoveredS)
	pause(ctx, o.settle)
	r.end = time.Now()
	return r, ctx.Err()
}

// cluster runs the cluster script and returns its trimmed output.
func cluster(ctx context.Context, o options, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, o.cluster, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", o.cluster, strings.Join(args, " "), err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// waitFailover waits until the cluster names a primary other than old.
func waitFailover(ctx context.Context, o options, what, old string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if p, err := cluster(ctx, o, "primary", what); err == nil && p != old && p != "" && !strings.Contains(p, " ") {
			return nil
		}
		pause(ctx, 500*time.Millisecond)
	}
	return fmt.Errorf("no new %s primary within 2 minutes of killing %s", what, old)
}

// waitReady polls /readyz through HAProxy until it answers 200.
func waitReady(ctx context.Context, base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/readyz", nil)
		if resp, err := httpClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		pause(ctx, 500*time.Millisecond)
	}
	return fmt.Errorf("/readyz not 200 within %s", limit)
}

// attribute counts each call in the phase of the fault it fell in: from
// the kill until the next fault's kill (the last: until the run ended).
func attribute(calls []call, res []*faultResult) {
	for i, r := range res {
		end := r.end
		if i+1 < len(res) {
			end = res[i+1].At
		}
		var first, last time.Time
		for _, c := range calls {
			if c.at.Before(r.At) || !c.at.Before(end) {
				continue
			}
			r.Requests++
			if !c.failed() {
				continue
			}
			r.Failed++
			if r.ByOp == nil {
				r.ByOp = map[string]int{}
			}
			r.ByOp[c.op]++
			if r.Errors == nil {
				r.Errors = map[string]string{}
			}
			if _, ok := r.Errors[c.op]; !ok {
				r.Errors[c.op] = c.err
			}
			if first.IsZero() || c.at.Before(first) { // calls are recorded as they end
				first = c.at
			}
			if c.at.After(last) {
				last = c.at
			}
		}
		if !first.IsZero() {
			r.WindowS = last.Sub(first).Seconds()
			r.LastAfterS = last.Sub(r.At).Seconds()
		}
	}
}
