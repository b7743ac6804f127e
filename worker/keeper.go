package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/internal/reconcile"
	"github.com/wxalbum/mediad/internal/retention"
)

// Periodic task types for retention and reconciliation.
const (
	TypeRetention = "retention:purge"
	TypeReconcile = "storage:reconcile"
)

// Keeper runs retention purges and the reconciler, and resumes account
// deletions whose task was lost.
type Keeper struct {
	purger     *retention.Purger
	reconciler *reconcile.Reconciler
	accounts   *account.Store
	queue      *Client
	log        *slog.Logger
	now        func() time.Time
}

// NewKeeper returns the periodic handlers.
func NewKeeper(p *retention.Purger, r *reconcile.Reconciler, as *account.Store, q *Client, log *slog.Logger) *Keeper {
	return &Keeper{purger: p, reconciler: r, accounts: as, queue: q, log: log, now: time.Now}
}

// Retention handles retention:purge and logs what it removed.
func (k *Keeper) Retention(ctx context.Context, _ *asynq.Task) error {
	counts, err := k.purger.Run(ctx, k.now())
	k.log.Info("retention purge", "counts", counts, "err", err)
	if err != nil {
		return err
	}
	running, err := k.accounts.RunningReceipts(ctx)
	if err != nil {
		return err
	}
	for _, id := range running {
		if err := k.queue.EnqueueAccountDelete(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Reconcile handles storage:reconcile and logs its report.
func (k *Keeper) Reconcile(ctx context.Context, _ *asynq.Task) error {
	rep, err := k.reconciler.Run(ctx, k.now(), false)
	k.log.Info("reconcile", "report", rep, "err", err)
	return err
}
