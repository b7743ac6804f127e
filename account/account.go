// Package account keeps the privacy policy's promises about a user's own
// data: export everything, delete the account with a receipt. The heavy
// lifting runs in worker tasks; this package owns the records and the HTTP
// endpoints.
package account

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
)

// Errors of this package.
var (
	ErrExportNotFound  = apperr.New(http.StatusNotFound, "not_found", "Export not found.")
	ErrReceiptNotFound = apperr.New(http.StatusNotFound, "not_found", "Receipt not found.")
	ErrConfirm         = apperr.New(http.StatusBadRequest, "confirm_required", `Send {"confirm":"DELETE"} to delete your account.`)
)

// Export is a ZIP of a user's data in the object store.
type Export struct {
	ID         string     `json:"id"`
	UserID     string     `json:"-"`
	Status     string     `json:"status"`
	Size       *int64     `json:"size,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	ExpiresAt  time.Time  `json:"expires_at"`
	URL        string     `json:"download_url,omitempty"`
}

// ExportKey is where an export's ZIP lives.
func ExportKey(id string) string { return "exports/" + id + ".zip" }

// Receipt is what an account deletion removed: categories and counts, no
// personal data.
type Receipt struct {
	ID         string           `json:"id"`
	Status     string           `json:"status"`
	Counts     map[string]int64 `json:"counts"`
	CreatedAt  time.Time        `json:"created_at"`
	FinishedAt *time.Time       `json:"finished_at"`
}

// Store keeps exports and receipts.
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

// FindExport returns one of the user's unexpired exports.
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

// FinishExport marks an export ready (size) or failed (size < 0).
func (s *Store) FinishExport(ctx context.Context, id string, size int64) error {
	status := "ready"
	if size < 0 {
		status = "failed"
	}
	_, err := s.q.Exec(ctx, `UPDATE exports SET status = $2, size_bytes = NULLIF($3, -1), finished_at = now() WHERE id = $1`, id, status, size)
	return err
}

// BeginDeletion revokes every session, share link and invitation of the
// user at once, clears their identity (so the same WeChat account can sign
// up fresh) and opens a receipt, in one transaction.
func (s *Store) BeginDeletion(ctx context.Context, userID string) (string, error) {
	id := ids.New()
	err := pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		stmts := []string{
			`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
			`UPDATE shares SET revoked_at = now() WHERE created_by = $1 AND revoked_at IS NULL`,
			`UPDATE invites SET revoked_at = now() WHERE created_by = $1 AND revoked_at IS NULL`,
			`UPDATE users SET openid = NULL, unionid = NULL, nickname = '', deleted_at = now() WHERE id = $1`,
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q, userID); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO deletion_receipts (id, user_id) VALUES ($1, $2)`, id, userID)
		return err
	})
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
