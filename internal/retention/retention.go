// Package retention deletes what the service no longer needs, on the
// schedule the privacy policy promises ("kept for the shortest time
// necessary"). Every period is configurable; time is injected so tests
// drive it with a clock instead of sleeping.
package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/account"
)

// Config holds the retention periods. Zero values mean the defaults.
type Config struct {
	DeadLinks     time.Duration // expired or revoked share links, after they die; default 30 days
	ExpiredInvite time.Duration // invitations after expiry or revocation; default 30 days
	OpenCounts    time.Duration // per-day open counts; default 90 days
	Notifications time.Duration // default 90 days
	FailedMedia   time.Duration // rows of items that failed processing; default 24h
	Receipts      time.Duration // deletion and dissolution receipts; default 365 days
}

// Defaults fills zero values.
func (c Config) Defaults() Config {
	def := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	day := 24 * time.Hour
	def(&c.DeadLinks, 30*day)
	def(&c.ExpiredInvite, 30*day)
	def(&c.OpenCounts, 90*day)
	def(&c.Notifications, 90*day)
	def(&c.FailedMedia, day)
	def(&c.Receipts, 365*day)
	return c
}

// Blobs removes objects.
type Blobs interface {
	DeleteMany(ctx context.Context, keys []string) (int, error)
}

// Purger runs the retention rules.
type Purger struct {
	cfg   Config
	pool  *pgxpool.Pool
	blobs Blobs
}

// New returns a Purger.
func New(cfg Config, pool *pgxpool.Pool, blobs Blobs) *Purger {
	return &Purger{cfg: cfg.Defaults(), pool: pool, blobs: blobs}
}

// Run purges everything past its period at now and returns counts per category.
func (p *Purger) Run(ctx context.Context, now time.Time) (map[string]int64, error) {
	counts := map[string]int64{}
	n, err := p.exports(ctx, now)
	counts["exports"] = n
	if err != nil {
		return counts, err
	}
	for _, r := range p.rules(now) {
		tag, err := p.pool.Exec(ctx, r.sql, r.args...)
		if err != nil {
			return counts, fmt.Errorf("retention %s: %w", r.name, err)
		}
		counts[r.name] += tag.RowsAffected()
	}
	return counts, nil
}

type rule struct {
	name string
	sql  string
	args []any
}

func (p *Purger) rules(now time.Time) []rule {
	c := p.cfg
	return []rule{
		// A link or invitation dies at whichever comes first, revocation or
		// expiry (least ignores NULL): one revoked after it expired is
		// already dead.
		{"share_links", `DELETE FROM shares WHERE least(revoked_at, expires_at) < $1`, []any{now.Add(-c.DeadLinks)}},
		{"invites", `DELETE FROM invites WHERE least(revoked_at, expires_at) < $1`, []any{now.Add(-c.ExpiredInvite)}},
		{"open_counts", `DELETE FROM share_opens WHERE day < $1::date`, []any{now.Add(-c.OpenCounts).UTC().Format("2006-01-02")}},
		{"notifications", `DELETE FROM notifications WHERE created_at < $1`, []any{now.Add(-c.Notifications)}},
		// Failed items have no objects (their raw upload went when they failed).
		{"failed_media", `DELETE FROM media WHERE status = 'failed' AND updated_at < $1`, []any{now.Add(-c.FailedMedia)}},
		{"sessions", `DELETE FROM sessions WHERE expires_at < $1 OR revoked_at IS NOT NULL`, []any{now}},
		{"deletion_receipts", `DELETE FROM deletion_receipts WHERE status = 'done' AND finished_at < $1`, []any{now.Add(-c.Receipts)}},
		{"dissolution_receipts", `DELETE FROM album_dissolutions WHERE finished_at < $1`, []any{now.Add(-c.Receipts)}},
	}
}

// exports removes expired export archives, objects first.
func (p *Purger) exports(ctx context.Context, now time.Time) (int64, error) {
	rows, err := p.pool.Query(ctx, `SELECT id FROM exports WHERE expires_at < $1`, now)
	if err != nil {
		return 0, err
	}
	idsList, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(idsList) == 0 {
		return 0, err
	}
	keys := make([]string, len(idsList))
	for i, id := range idsList {
		keys[i] = account.ExportKey(id)
	}
	if _, err := p.blobs.DeleteMany(ctx, keys); err != nil {
		return 0, err
	}
	tag, err := p.pool.Exec(ctx, `DELETE FROM exports WHERE id = ANY($1)`, idsList)
	return tag.RowsAffected(), err
}
