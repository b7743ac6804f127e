package notify

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
)

// Store keeps notifications; it is the only writer of the table.
type Store struct{ q db.Conn }

// NewStore returns a Store running on q: the pool, or a transaction.
func NewStore(q db.Conn) *Store { return &Store{q: q} }

// Add records one notification of kind for each user. Features call it on
// a store bound to their own transaction (NewStore(tx)), so a notice exists
// exactly when what it reports happened.
func (s *Store) Add(ctx context.Context, userIDs []string, kind string) error {
	if len(userIDs) == 0 {
		return nil
	}
	nids := make([]string, len(userIDs))
	for i := range nids {
		nids[i] = ids.New()
	}
	_, err := s.q.Exec(ctx, `INSERT INTO notifications (id, user_id, kind)
		SELECT * FROM unnest($1::text[], $2::text[], array_fill($3::text, ARRAY[cardinality($1::text[])]))`, nids, userIDs, kind)
	return err
}

// List returns a user's notifications, newest first, at most limit.
func (s *Store) List(ctx context.Context, userID string, limit int) ([]Notification, error) {
	rows, err := s.q.Query(ctx, `SELECT id, kind, created_at FROM notifications WHERE user_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Notification])
}

// DeleteForUser removes a user's notifications (account deletion) and
// returns how many.
func (s *Store) DeleteForUser(ctx context.Context, userID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM notifications WHERE user_id = $1`, userID)
	return tag.RowsAffected(), err
}

// Purge deletes notifications created before before (retention) and
// returns how many.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM notifications WHERE created_at < $1`, before)
	return tag.RowsAffected(), err
}
