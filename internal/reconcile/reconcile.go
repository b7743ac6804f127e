// Package reconcile makes the object store and PostgreSQL agree: objects
// without a live row are deleted after a grace period, rows whose objects
// are missing are marked failed and reported, and items stuck in
// processing are enqueued again. It never touches an upload in flight:
// unfinished multipart uploads are not objects, and a fresh object (newer
// than the grace period) is always left alone.
package reconcile

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/upload"
)

// Blobs is what the reconciler needs from the object store.
type Blobs interface {
	List(ctx context.Context, prefix string, fn func(blob.Info) error) error
	DeleteMany(ctx context.Context, keys []string) (int, error)
}

// Enqueuer re-enqueues stuck items.
type Enqueuer interface {
	EnqueueProcess(ctx context.Context, mediaID string) error
}

// Reconciler compares the two stores.
type Reconciler struct {
	pool       *pgxpool.Pool
	blobs      Blobs
	queue      Enqueuer
	grace      time.Duration
	stuckAfter time.Duration
}

// New returns a Reconciler; grace protects fresh objects, stuckAfter
// decides when a processing item is stuck.
func New(pool *pgxpool.Pool, blobs Blobs, queue Enqueuer, grace, stuckAfter time.Duration) *Reconciler {
	return &Reconciler{pool: pool, blobs: blobs, queue: queue, grace: grace, stuckAfter: stuckAfter}
}

// Report counts what a run found (and, unless dry, fixed).
type Report struct {
	DryRun          bool     `json:"dry_run"`
	ObjectsScanned  int      `json:"objects_scanned"`
	OrphanObjects   int      `json:"orphan_objects"`
	MissingObjects  int      `json:"rows_missing_objects"`
	StuckRequeued   int      `json:"stuck_requeued"`
	OrphanSample    []string `json:"orphan_sample,omitempty"`
	MissingRowsByID []string `json:"missing_ids,omitempty"`
}

// Run reconciles once at now.
func (r *Reconciler) Run(ctx context.Context, now time.Time, dry bool) (*Report, error) {
	rep := &Report{DryRun: dry}
	withOriginal := map[string]bool{}
	var old []blob.Info
	err := r.blobs.List(ctx, "", func(i blob.Info) error {
		rep.ObjectsScanned++
		if table, id := owner(i.Key); table == "media" && strings.HasSuffix(i.Key, "/"+string(upload.VariantOriginal)) {
			withOriginal[id] = true
		}
		if now.Sub(i.LastModified) > r.grace {
			old = append(old, i)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if err := r.orphans(ctx, old, rep); err != nil {
		return rep, err
	}
	if err := r.missing(ctx, now, withOriginal, rep); err != nil {
		return rep, err
	}
	return rep, r.stuck(ctx, now, rep)
}

// owner extracts the record id an object key belongs to.
func owner(key string) (table, id string) {
	switch {
	case strings.HasPrefix(key, upload.RawPrefix):
		return "raw", strings.TrimPrefix(key, upload.RawPrefix)
	case strings.HasPrefix(key, upload.MediaPrefix):
		id, _, _ := strings.Cut(strings.TrimPrefix(key, upload.MediaPrefix), "/")
		return "media", id
	case strings.HasPrefix(key, "exports/"):
		return "exports", strings.TrimSuffix(strings.TrimPrefix(key, "exports/"), ".zip")
	}
	return "", ""
}

// orphans deletes old objects no live row owns. A raw upload is owned only
// while its item is processing (or its chunked upload is open): a raw copy
// left beside a ready or failed item still carries location, so it goes.
func (r *Reconciler) orphans(ctx context.Context, old []blob.Info, rep *Report) error {
	ids := map[string][]string{}
	for _, o := range old {
		if t, id := owner(o.Key); t != "" {
			ids[t] = append(ids[t], id)
		}
	}
	live := map[string]bool{}
	queries := map[string]string{
		"raw": `SELECT id FROM media WHERE id = ANY($1) AND status = 'processing'
			UNION SELECT media_id FROM uploads WHERE media_id = ANY($1)`,
		"media":   `SELECT id FROM media WHERE id = ANY($1) AND status IN ('processing','ready','deleting')`,
		"exports": `SELECT id FROM exports WHERE id = ANY($1) AND expires_at > now()`,
	}
	for t, q := range queries {
		rows, err := r.pool.Query(ctx, q, ids[t])
		if err != nil {
			return err
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, id := range found {
			live[t+":"+id] = true
		}
	}
	var doomed []string
	for _, o := range old {
		// Keys under prefixes this version does not know are left alone.
		if t, id := owner(o.Key); t != "" && !live[t+":"+id] {
			doomed = append(doomed, o.Key)
		}
	}
	rep.OrphanObjects = len(doomed)
	rep.OrphanSample = doomed[:min(len(doomed), 20)]
	if rep.DryRun || len(doomed) == 0 {
		return nil
	}
	_, err := r.blobs.DeleteMany(ctx, doomed)
	return err
}

// missing marks ready items whose stripped original is gone as failed.
func (r *Reconciler) missing(ctx context.Context, now time.Time, withOriginal map[string]bool, rep *Report) error {
	rows, err := r.pool.Query(ctx, `SELECT id FROM media WHERE status = 'ready' AND updated_at < $1`, now.Add(-r.grace))
	if err != nil {
		return err
	}
	ready, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, id := range ready {
		if withOriginal[id] {
			continue
		}
		rep.MissingObjects++
		rep.MissingRowsByID = append(rep.MissingRowsByID, id)
		if !rep.DryRun {
			if _, err := r.pool.Exec(ctx, `UPDATE media SET status = 'failed', fail_reason = 'missing_object', updated_at = now()
				WHERE id = $1 AND status = 'ready'`, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// stuck re-enqueues items processing for longer than stuckAfter.
func (r *Reconciler) stuck(ctx context.Context, now time.Time, rep *Report) error {
	rows, err := r.pool.Query(ctx, `SELECT id FROM media WHERE status = 'processing' AND updated_at < $1`, now.Add(-r.stuckAfter))
	if err != nil {
		return err
	}
	stuck, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, id := range stuck {
		rep.StuckRequeued++
		if rep.DryRun {
			continue
		}
		if _, err := r.pool.Exec(ctx, `UPDATE media SET updated_at = now(), attempts = attempts + 1 WHERE id = $1`, id); err != nil {
			return err
		}
		if err := r.queue.EnqueueProcess(ctx, id); err != nil {
			return err
		}
	}
	return nil
}
