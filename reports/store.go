package reports

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
)

// Store keeps reports in PostgreSQL; it is the only writer of the
// reports table.
type Store struct{ q db.Conn }

// NewStore returns a Store running on q: the pool, or a transaction.
func NewStore(q db.Conn) *Store { return &Store{q: q} }

// Report is one report as the uploader and the album owner read it:
// nothing says who sent it or through which link.
type Report struct {
	ID         string     `json:"id"`
	Reason     string     `json:"reason"`
	Text       string     `json:"text"`
	CreatedAt  time.Time  `json:"created_at"`
	Reply      *string    `json:"reply"`
	AnsweredAt *time.Time `json:"answered_at"`
}

const reportCols = `id, reason, text, created_at, reply, answered_at`

func scanReport(row pgx.Row) (*Report, error) {
	var r Report
	err := row.Scan(&r.ID, &r.Reason, &r.Text, &r.CreatedAt, &r.Reply, &r.AnsweredAt)
	if db.IsNoRows(err) {
		return nil, ErrNotFound
	}
	return &r, err
}

// Insert records a report by a user (reporterID) or a link recipient
// (linkID) and returns it.
func (s *Store) Insert(ctx context.Context, mediaID, reporterID, linkID, reason, text string) (*Report, error) {
	return scanReport(s.q.QueryRow(ctx, `INSERT INTO reports (id, media_id, reporter_id, link_id, reason, text)
		VALUES ($1, $2, NULLIF($3, ''), NULLIF($4, ''), $5, $6) RETURNING `+reportCols,
		ids.New(), mediaID, reporterID, linkID, reason, text))
}

// ByReporter returns the user's report of the item with reason, if any
// (ErrNotFound): reporting again returns it.
func (s *Store) ByReporter(ctx context.Context, mediaID, reporterID, reason string) (*Report, error) {
	return scanReport(s.q.QueryRow(ctx, `SELECT `+reportCols+` FROM reports
		WHERE reporter_id = $1 AND media_id = $2 AND reason = $3`, reporterID, mediaID, reason))
}

// Find returns the item's report id.
func (s *Store) Find(ctx context.Context, mediaID, id string) (*Report, error) {
	return scanReport(s.q.QueryRow(ctx, `SELECT `+reportCols+` FROM reports WHERE id = $1 AND media_id = $2`, id, mediaID))
}

// ForMedia lists the item's reports, oldest first (at most 500).
func (s *Store) ForMedia(ctx context.Context, mediaID string) ([]*Report, error) {
	rows, err := s.q.Query(ctx, `SELECT `+reportCols+` FROM reports WHERE media_id = $1
		ORDER BY created_at, id LIMIT 500`, mediaID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Report, error) { return scanReport(r) })
}

// Open lists the item's unanswered reports, for the hold rule.
func (s *Store) Open(ctx context.Context, mediaID string) ([]Open, error) {
	rows, err := s.q.Query(ctx, `SELECT reason, coalesce(reporter_id, ''), coalesce(link_id, ''), created_at
		FROM reports WHERE media_id = $1 AND answered_at IS NULL`, mediaID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Open, error) {
		var o Open
		err := r.Scan(&o.Reason, &o.ReporterID, &o.LinkID, &o.CreatedAt)
		return o, err
	})
}

// Answer answers the unanswered report id of the item with reply, or,
// with together, every unanswered report of its reason; it returns how
// many it answered (0: already answered).
func (s *Store) Answer(ctx context.Context, mediaID, id, reply, as string, together bool) (int64, error) {
	tag, err := s.q.Exec(ctx, `UPDATE reports SET reply = $3, answered_at = now(), answered_as = $4
		WHERE media_id = $1 AND answered_at IS NULL AND (id = $2 OR ($5 AND reason = (
			SELECT reason FROM reports WHERE id = $2 AND media_id = $1)))`, mediaID, id, reply, as, together)
	return tag.RowsAffected(), err
}

// HoldCandidates returns up to limit items whose hold may be due to
// change: a removal request unanswered since before due on an item not
// held for it, and every held item (a hold whose reports went, with their
// reporter's account, is lifted).
func (s *Store) HoldCandidates(ctx context.Context, due time.Time, limit int) ([]string, error) {
	rows, err := s.q.Query(ctx, `SELECT r.media_id FROM reports r JOIN media m ON m.id = r.media_id
		WHERE r.reason = 'shows_me' AND r.answered_at IS NULL AND r.created_at <= $1
		AND m.report_hold IS DISTINCT FROM 'shows_me' AND m.status <> 'deleting'
		UNION SELECT m.id FROM media m WHERE m.report_hold IS NOT NULL AND m.status <> 'deleting'
		LIMIT $2`, due, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// DeleteByReporter removes every report the user sent (account deletion)
// and returns how many.
func (s *Store) DeleteByReporter(ctx context.Context, userID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM reports WHERE reporter_id = $1`, userID)
	return tag.RowsAffected(), err
}

// Purge deletes reports made before before (retention) and returns how
// many, except an unanswered report its item is held for right now:
// purging it would lift a hold its uploader never answered.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM reports r WHERE r.created_at < $1 AND NOT (r.answered_at IS NULL
		AND EXISTS (SELECT 1 FROM media m WHERE m.id = r.media_id AND m.report_hold = r.reason))`, before)
	return tag.RowsAffected(), err
}
