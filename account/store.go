package account

import (
	"context"
	"encoding/json"
	"time"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
)

// Store keeps exports and deletion receipts; it is the only writer of
// those tables.
type Store struct{ q db.Conn }

// NewStore returns a Store running on q: the pool, or a transaction.
func NewStore(q db.Conn) *Store { return &Store{q: q} }

// CreateExport records a pending export.
func (s *Store) CreateExport(ctx context.Context, userID string, ttl time.Duration) (*Export, error) {
	e := &Export{ID: ids.New(), UserID: userID, Status: "pending"}
	err := s.q.QueryRow(ctx, `INSERT INTO exports (id, user_id, expires_at) VALUES ($1,$2,now()+$3::interval)
		RETURNING created_at, expires_at`, e.ID, userID, ttl.String()).Scan(&e.CreatedAt, &e.ExpiresAt)
	return e, err
}

// FindExport returns one of the user's unexpired exports ("" user: anyone's).
func (s *Store) FindExport(ctx context.Context, id, userID string) (*Export, error) {
	var e Export
	err := s.q.QueryRow(ctx, `SELECT id, user_id, status, size_bytes, created_at, finished_at, expires_at FROM exports
		WHERE id = $1 AND ($2 = '' OR user_id = $2) AND expires_at > now()`, id, userID).
		Scan(&e.ID, &e.UserID, &e.Status, &e.Size, &e.CreatedAt, &e.FinishedAt, &e.ExpiresAt)
	if db.IsNoRows(err) {
		return nil, ErrExportNotFound
	}
	return &e, err
}

// LiveExport returns the user's export that is pending, or ready and not
// expired (the newest), else ErrExportNotFound.
func (s *Store) LiveExport(ctx context.Context, userID string) (*Export, error) {
	var e Export
	err := s.q.QueryRow(ctx, `SELECT id, user_id, status, size_bytes, created_at, finished_at, expires_at FROM exports
		WHERE user_id = $1 AND status IN ('pending','ready') AND expires_at > now() ORDER BY created_at DESC LIMIT 1`, userID).
		Scan(&e.ID, &e.UserID, &e.Status, &e.Size, &e.CreatedAt, &e.FinishedAt, &e.ExpiresAt)
	if db.IsNoRows(err) {
		return nil, ErrExportNotFound
	}
	return &e, err
}

// lockUser serialises export requests of one user until the transaction ends.
func (s *Store) lockUser(ctx context.Context, userID string) error {
	_, err := s.q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('export:' || $1, 0))`, userID)
	return err
}

// FinishExport marks an export ready (size) or failed (size < 0).
func (s *Store) FinishExport(ctx context.Context, id string, size int64) error {
	status := "ready"
	if size < 0 {
		status = "failed"
	}
	_, err := s.q.Exec(ctx, `UPDATE exports SET status = $2, size_bytes = NULLIF($3, -1), finished_at = now() WHERE id = $1`, id, status, size)
	return err
}

// UserExports lists the user's export ids.
func (s *Store) UserExports(ctx context.Context, userID string) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM exports WHERE user_id = $1`, userID)
}

// PendingExports lists the exports still to build.
func (s *Store) PendingExports(ctx context.Context) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM exports WHERE status = 'pending' AND expires_at > now()`)
}

// ReadyExportsOf counts the user's ready exports (archives in storage).
func (s *Store) ReadyExportsOf(ctx context.Context, userID string) (int64, error) {
	var n int64
	err := s.q.QueryRow(ctx, `SELECT count(*) FROM exports WHERE user_id = $1 AND status = 'ready'`, userID).Scan(&n)
	return n, err
}

// DeleteExportsOf removes the user's export rows and returns how many.
func (s *Store) DeleteExportsOf(ctx context.Context, userID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM exports WHERE user_id = $1`, userID)
	return tag.RowsAffected(), err
}

// ExpiredExports lists exports that expired before before.
func (s *Store) ExpiredExports(ctx context.Context, before time.Time) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM exports WHERE expires_at < $1`, before)
}

// DeleteExports removes export rows (their archives are gone) and returns how many.
func (s *Store) DeleteExports(ctx context.Context, ids []string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM exports WHERE id = ANY($1)`, ids)
	return tag.RowsAffected(), err
}

// LiveExports reports which of ids are unexpired exports (the reconciling
// sweep keeps their archives).
func (s *Store) LiveExports(ctx context.Context, ids []string) (map[string]bool, error) {
	live, err := db.Strings(ctx, s.q, `SELECT id FROM exports WHERE id = ANY($1) AND expires_at > now()`, ids)
	out := map[string]bool{}
	for _, id := range live {
		out[id] = true
	}
	return out, err
}

// CreateReceipt opens the receipt of a user's account deletion.
func (s *Store) CreateReceipt(ctx context.Context, userID string) (string, error) {
	id := ids.New()
	_, err := s.q.Exec(ctx, `INSERT INTO deletion_receipts (id, user_id) VALUES ($1, $2)`, id, userID)
	return id, err
}

// FindReceipt returns a receipt by its unguessable id.
func (s *Store) FindReceipt(ctx context.Context, id string) (*Receipt, error) {
	var r Receipt
	var counts []byte
	err := s.q.QueryRow(ctx, `SELECT id, status, counts, created_at, finished_at FROM deletion_receipts WHERE id = $1`, id).
		Scan(&r.ID, &r.Status, &counts, &r.CreatedAt, &r.FinishedAt)
	if db.IsNoRows(err) {
		return nil, ErrReceiptNotFound
	}
	if err == nil {
		err = json.Unmarshal(counts, &r.Counts)
	}
	return &r, err
}

// RunningDeletion returns the deletion a receipt belongs to while it runs.
func (s *Store) RunningDeletion(ctx context.Context, receiptID string) (*Deletion, error) {
	var d Deletion
	err := s.q.QueryRow(ctx, `SELECT id, user_id, created_at FROM deletion_receipts
		WHERE id = $1 AND status = 'running' AND user_id IS NOT NULL`, receiptID).Scan(&d.ReceiptID, &d.UserID, &d.StartedAt)
	if db.IsNoRows(err) {
		return nil, ErrReceiptNotFound
	}
	return &d, err
}

// RunningReceipts lists deletions not finished (for the sweep).
func (s *Store) RunningReceipts(ctx context.Context) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM deletion_receipts WHERE status = 'running'`)
}

// AddCounts adds to a receipt's counters. It runs inside the transaction
// that removed what they count, so a deletion killed half-way loses no
// count and the run that resumes it never counts anything twice.
func (s *Store) AddCounts(ctx context.Context, receiptID string, add map[string]int64) error {
	if len(add) == 0 {
		return nil
	}
	b, err := json.Marshal(add)
	if err != nil {
		return err
	}
	_, err = s.q.Exec(ctx, `UPDATE deletion_receipts SET counts = (
		SELECT jsonb_object_agg(k, coalesce((counts->>k)::bigint, 0) + coalesce((($2::jsonb)->>k)::bigint, 0))
		FROM (SELECT jsonb_object_keys(counts || $2::jsonb) AS k) keys) WHERE id = $1`, receiptID, string(b))
	return err
}

// FinishReceipt closes a receipt and forgets whose it was.
func (s *Store) FinishReceipt(ctx context.Context, receiptID string) error {
	_, err := s.q.Exec(ctx, `UPDATE deletion_receipts SET status = 'done', user_id = NULL, finished_at = now() WHERE id = $1`, receiptID)
	return err
}

// PurgeReceipts deletes receipts of deletions finished before before
// (retention) and returns how many.
func (s *Store) PurgeReceipts(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM deletion_receipts WHERE status = 'done' AND finished_at < $1`, before)
	return tag.RowsAffected(), err
}
