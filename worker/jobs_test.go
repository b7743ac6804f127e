package worker

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/retention"
	"github.com/wxalbum/mediad/upload"
)

type fakeDissolutions struct {
	ran        []string
	err        error
	dissolving []string
}

func (f *fakeDissolutions) RunDissolution(_ context.Context, id string) (int64, error) {
	f.ran = append(f.ran, id)
	return 4, f.err
}

func (f *fakeDissolutions) Dissolving(context.Context) ([]string, error) { return f.dissolving, nil }

type fakeAccounts struct {
	deletions []string
	deleteErr error
	exports   []string
	final     []bool
	running   []string
	pending   []string
}

func (f *fakeAccounts) RunDeletion(_ context.Context, id string) error {
	f.deletions = append(f.deletions, id)
	return f.deleteErr
}

func (f *fakeAccounts) BuildExport(_ context.Context, id string, final bool) error {
	f.exports, f.final = append(f.exports, id), append(f.final, final)
	return nil
}

func (f *fakeAccounts) RunningReceipts(context.Context) ([]string, error) { return f.running, nil }
func (f *fakeAccounts) PendingExports(context.Context) ([]string, error)  { return f.pending, nil }

type fakeSweeps struct{ quick, deep, resumed int }

func (f *fakeSweeps) Resume(context.Context) (int, error) {
	f.resumed++
	return 3, nil
}

func (f *fakeSweeps) Quick(context.Context, time.Time) (upload.SweepReport, error) {
	f.quick++
	return upload.SweepReport{}, nil
}

func (f *fakeSweeps) Deep(_ context.Context, _ time.Time, dry bool) (upload.SweepReport, error) {
	if dry {
		return upload.SweepReport{}, errors.New("the periodic task must not dry-run")
	}
	f.deep++
	return upload.SweepReport{}, nil
}

type fakeRequeue struct{ dissolves, deletions, exports []string }

func (f *fakeRequeue) EnqueueExport(_ context.Context, id string) error {
	f.exports = append(f.exports, id)
	return nil
}

func (f *fakeRequeue) EnqueueDissolve(_ context.Context, id string) error {
	f.dissolves = append(f.dissolves, id)
	return nil
}

func (f *fakeRequeue) EnqueueAccountDelete(_ context.Context, id string) error {
	f.deletions = append(f.deletions, id)
	return nil
}

func newJobs() (*Jobs, *fakeDissolutions, *fakeAccounts, *fakeSweeps, *fakeRequeue) {
	d, a, s, q := &fakeDissolutions{}, &fakeAccounts{}, &fakeSweeps{}, &fakeRequeue{}
	return &Jobs{Dissolutions: d, Accounts: a, Sweeps: s, Requeue: q, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Unix(1e9, 0) }}, d, a, s, q
}

func TestDissolveAndDeleteAccountTasks(t *testing.T) {
	j, d, a, _, _ := newJobs()
	if err := j.Dissolve(context.Background(), mediaTask(TypeDissolveAlbum, `{"album_id":"a1"}`)); err != nil || !slices.Equal(d.ran, []string{"a1"}) {
		t.Errorf("dissolve: err %v, ran %v", err, d.ran)
	}
	d.err = errors.New("minio: timeout")
	if err := j.Dissolve(context.Background(), mediaTask(TypeDissolveAlbum, `{"album_id":"a1"}`)); err == nil || errors.Is(err, asynq.SkipRetry) {
		t.Errorf("a failing dissolution must be retried: %v", err)
	}
	// A receipt no longer running was finished by an earlier run.
	a.deleteErr = account.ErrReceiptNotFound
	if err := j.DeleteAccount(context.Background(), mediaTask(TypeDeleteAccount, `{"id":"r1"}`)); err != nil {
		t.Errorf("finished deletion: %v", err)
	}
	a.deleteErr = errors.New("postgres: connection refused")
	if err := j.DeleteAccount(context.Background(), mediaTask(TypeDeleteAccount, `{"id":"r1"}`)); err == nil {
		t.Error("a failing deletion must be retried")
	}
}

func TestBuildExportIsFinalOnTheLastAttempt(t *testing.T) {
	j, _, a, _, _ := newJobs()
	last := false
	j.Retrying = func(context.Context) bool { return !last }
	for _, l := range []bool{false, true} {
		last = l
		if err := j.BuildExport(context.Background(), mediaTask(TypeBuildExport, `{"id":"x1"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(a.final, []bool{false, true}) {
		t.Errorf("final flags %v, want [false true]", a.final)
	}
}

func TestSweepEnqueuesLostLongRunningWork(t *testing.T) {
	j, d, a, s, q := newJobs()
	d.dissolving, a.running, a.pending = []string{"a1", "a2"}, []string{"r1"}, []string{"x1"}
	if err := j.Sweep(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if s.quick != 1 || !slices.Equal(q.dissolves, []string{"a1", "a2"}) || !slices.Equal(q.deletions, []string{"r1"}) ||
		!slices.Equal(q.exports, []string{"x1"}) {
		t.Errorf("quick sweeps %d, dissolutions %v, deletions %v, exports %v", s.quick, q.dissolves, q.deletions, q.exports)
	}
	if err := j.Reconcile(context.Background(), nil); err != nil || s.deep != 1 {
		t.Errorf("reconcile: %v, deep sweeps %d", err, s.deep)
	}
}

// TestResumeEnqueuesEverythingWithWorkLeft: items (through the sweeper),
// dissolutions, account deletions and exports, counted.
func TestResumeEnqueuesEverythingWithWorkLeft(t *testing.T) {
	j, d, a, s, q := newJobs()
	d.dissolving, a.running, a.pending = []string{"a1"}, []string{"r1"}, []string{"x1", "x2"}
	n, err := j.Resume(context.Background())
	if err != nil || n != 3+1+1+2 || s.resumed != 1 || s.quick != 0 {
		t.Errorf("resume: %d enqueued, %v; sweeper resumed %d, quick %d", n, err, s.resumed, s.quick)
	}
	if !slices.Equal(q.dissolves, []string{"a1"}) || !slices.Equal(q.deletions, []string{"r1"}) || !slices.Equal(q.exports, []string{"x1", "x2"}) {
		t.Errorf("enqueued %v %v %v", q.dissolves, q.deletions, q.exports)
	}
}

func TestRetentionRunsEveryRuleAtItsAge(t *testing.T) {
	j, _, _, _, _ := newJobs()
	var got []time.Time
	rule := func(name string, keep time.Duration) retention.Rule {
		return retention.Rule{Name: name, Keep: keep, Purge: func(_ context.Context, before time.Time) (int64, error) {
			got = append(got, before)
			return 1, nil
		}}
	}
	j.Rules = []retention.Rule{rule("a", time.Hour), rule("b", 0)}
	if err := j.Retention(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	now := j.Now()
	if !slices.Equal(got, []time.Time{now.Add(-time.Hour), now}) {
		t.Errorf("purged before %v", got)
	}
}

func TestTasksCarryTheirLimits(t *testing.T) {
	cfg := Config{}.Defaults()
	for _, c := range []struct {
		spec  spec
		queue string
		limit time.Duration
	}{
		{processSpec("m", upload.KindPhoto, cfg), QueueCritical, cfg.PhotoTimeout},
		{processSpec("m", upload.KindVideo, cfg), QueueCritical, cfg.VideoTimeout},
		{deleteSpec("m", cfg), QueueDefault, cfg.DeleteTimeout},
		{dissolveSpec("a", cfg), QueueDefault, cfg.DissolveTimeout},
		{accountDeleteSpec("r", cfg), QueueDefault, cfg.DissolveTimeout},
		{exportSpec("x", cfg), QueueLow, cfg.ExportTimeout},
	} {
		if c.spec.queue != c.queue || c.spec.limit != c.limit || c.limit == 0 {
			t.Errorf("%s: queue %s limit %v, want %s %v", c.spec.typ, c.spec.queue, c.spec.limit, c.queue, c.limit)
		}
	}
	if a, b := processSpec("m", upload.KindPhoto, cfg).id, processSpec("m", upload.KindVideo, cfg).id; a != b {
		t.Errorf("the task id depends on the kind: %s, %s", a, b)
	}
}
