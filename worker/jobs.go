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
}

// Sweeps are upload's quick and deep sweeps (upload.Sweeper).
type Sweeps interface {
	Quick(ctx context.Context, now time.Time) (upload.SweepReport, error)
	Deep(ctx context.Context, now time.Time, dry bool) (upload.SweepReport, error)
}

// Expirer aborts chunked uploads past their expiry (upload.Service).
type Expirer interface {
	ExpireChunked(ctx context.Context, now time.Time) (int, error)
}

// Requeuer enqueues long-running work again (Client).
type Requeuer interface {
	EnqueueDissolve(ctx context.Context, albumID string) error
	EnqueueAccountDelete(ctx context.Context, receiptID string) error
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
// dissolutions and account deletions whose task was lost.
func (j *Jobs) Sweep(ctx context.Context, _ *asynq.Task) error {
	r, err := j.Sweeps.Quick(ctx, j.Now())
	j.Log.Info("sweep", "report", r, "err", err)
	if err != nil {
		return err
	}
	dissolving, err := j.Dissolutions.Dissolving(ctx)
	if err != nil {
		return err
	}
	for _, id := range dissolving {
		if err := j.Requeue.EnqueueDissolve(ctx, id); err != nil {
			return err
		}
	}
	running, err := j.Accounts.RunningReceipts(ctx)
	if err != nil {
		return err
	}
	for _, id := range running {
		if err := j.Requeue.EnqueueAccountDelete(ctx, id); err != nil {
			return err
		}
	}
	return nil
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
