package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/retention"
	"github.com/wxalbum/mediad/upload"
)

// Dissolutions runs album dissolutions (albums.Service) and lists the
// unfinished ones (albums.Store).
type Dissolutions interface {
	RunDissolution(ctx context.Context, albumID string) (int64, error)
	Dissolving(ctx context.Context) ([]string, error)
}

// Accounts runs account deletions and exports (account.Service) and lists
// unfinished deletions (account.Store).
type Accounts interface {
	RunDeletion(ctx context.Context, receiptID string) error
	BuildExport(ctx context.Context, exportID string, final bool) error
	RunningReceipts(ctx context.Context) ([]string, error)
	PendingExports(ctx context.Context) ([]string, error)
}

// Sweeps are upload's quick and deep sweeps (upload.Sweeper).
type Sweeps interface {
	Quick(ctx context.Context, now time.Time) (upload.SweepReport, error)
	Deep(ctx context.Context, now time.Time, dry bool) (upload.SweepReport, error)
	Resume(ctx context.Context) (int, error)
}

// Expirer aborts chunked uploads past their expiry (upload.Service).
type Expirer interface {
	ExpireChunked(ctx context.Context, now time.Time) (int, error)
}

// Requeuer enqueues long-running work again (Client).
type Requeuer interface {
	EnqueueDissolve(ctx context.Context, albumID string) error
	EnqueueAccountDelete(ctx context.Context, receiptID string) error
	EnqueueExport(ctx context.Context, exportID string) error
}

// Jobs handles every task but media processing and deletion: dissolutions,
// account deletions, exports and the periodic housekeeping.
type Jobs struct {
	Dissolutions Dissolutions
	Accounts     Accounts
	Sweeps       Sweeps
	Expirer      Expirer
	Requeue      Requeuer
	Rules        []retention.Rule // retention, each a purge method of the owning store
	Log          *slog.Logger
	Now          func() time.Time
	// Retrying says whether a failing task will be tried again; nil means
	// asynq's answer (Retrying).
	Retrying func(context.Context) bool
}

// Dissolve handles album:dissolve (resumable: see albums RunDissolution).
func (j *Jobs) Dissolve(ctx context.Context, t *asynq.Task) error {
	id, err := parseAlbum(t)
	if err != nil {
		return err
	}
	_, err = j.Dissolutions.RunDissolution(ctx, id)
	return err
}

// DeleteAccount handles account:delete (resumable: see account RunDeletion).
// A receipt that is not running any more was finished before.
func (j *Jobs) DeleteAccount(ctx context.Context, t *asynq.Task) error {
	id, err := parseID(t)
	if err != nil {
		return err
	}
	return ignoreNotFound(j.Accounts.RunDeletion(ctx, id))
}

// BuildExport handles export:build; on its last attempt a failing export
// is marked failed rather than left pending.
func (j *Jobs) BuildExport(ctx context.Context, t *asynq.Task) error {
	id, err := parseID(t)
	if err != nil {
		return err
	}
	retrying := j.Retrying
	if retrying == nil {
		retrying = Retrying
	}
	return j.Accounts.BuildExport(ctx, id, !retrying(ctx))
}

// Sweep handles media:sweep: the quick sweep, then enqueues again the
// dissolutions, account deletions and exports whose task was lost.
func (j *Jobs) Sweep(ctx context.Context, _ *asynq.Task) error {
	r, err := j.Sweeps.Quick(ctx, j.Now())
	j.Log.Info("sweep", "report", r, "err", err)
	if err != nil {
		return err
	}
	_, err = j.requeueLongRunning(ctx)
	return err
}

// Resume enqueues every task the database says has work left: items
// processing or deleting, dissolutions, account deletions, exports. It
// runs when a worker starts and whenever Redis comes back after an outage
// (Watch), so tasks lost with Redis's data are back within seconds rather
// than at the next sweep. Task ids make it harmless for tasks still queued.
func (j *Jobs) Resume(ctx context.Context) (int, error) {
	n, err := j.Sweeps.Resume(ctx)
	if err != nil {
		return n, err
	}
	m, err := j.requeueLongRunning(ctx)
	return n + m, err
}

// requeueLongRunning enqueues the dissolutions, account deletions and
// exports the database says are not finished.
func (j *Jobs) requeueLongRunning(ctx context.Context) (int, error) {
	n := 0
	for _, step := range []struct {
		list    func(context.Context) ([]string, error)
		enqueue func(context.Context, string) error
	}{
		{j.Dissolutions.Dissolving, j.Requeue.EnqueueDissolve},
		{j.Accounts.RunningReceipts, j.Requeue.EnqueueAccountDelete},
		{j.Accounts.PendingExports, j.Requeue.EnqueueExport},
	} {
		ids, err := step.list(ctx)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if err := step.enqueue(ctx, id); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// Reconcile handles storage:reconcile: the deep sweep, logged.
func (j *Jobs) Reconcile(ctx context.Context, _ *asynq.Task) error {
	r, err := j.Sweeps.Deep(ctx, j.Now(), false)
	j.Log.Info("reconcile", "report", r, "err", err)
	return err
}

// ExpireUploads handles uploads:expire.
func (j *Jobs) ExpireUploads(ctx context.Context, _ *asynq.Task) error {
	n, err := j.Expirer.ExpireChunked(ctx, j.Now())
	j.Log.Info("expired chunked uploads", "aborted", n, "err", err)
	return err
}

// Retention handles retention:purge and logs what it removed.
func (j *Jobs) Retention(ctx context.Context, _ *asynq.Task) error {
	counts, err := retention.Run(ctx, j.Now(), j.Rules)
	j.Log.Info("retention purge", "counts", counts, "err", err)
	return err
}

// ignoreNotFound treats a deletion whose receipt is no longer running as
// done: it finished in an earlier run.
func ignoreNotFound(err error) error {
	if errors.Is(err, account.ErrReceiptNotFound) {
		return nil
	}
	return err
}
