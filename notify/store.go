package notify

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
)

// Store keeps notifications, settings and subscriptions; it is the only
// writer of their tables.
type Store struct{ q db.Conn }

// NewStore returns a Store running on q: the pool, or a transaction.
func NewStore(q db.Conn) *Store { return &Store{q: q} }

// Add records one notification of kind for each user. Features call it on
// a store bound to their own transaction (NewStore(tx)), so a notice exists
// exactly when what it reports happened.
func (s *Store) Add(ctx context.Context, userIDs []string, kind string) error {
	return s.AddAbout(ctx, userIDs, kind, "")
}

// AddAbout is Add for a notice about an album (new_items, member_joined).
// A user who switched kind off gets nothing; a user with an accepted
// subscribe message for kind gets the notice queued for sending (push).
// new_items is made at most once per user, album and day.
func (s *Store) AddAbout(ctx context.Context, userIDs []string, kind, albumID string) error {
	if len(userIDs) == 0 {
		return nil
	}
	nids := make([]string, len(userIDs))
	for i := range nids {
		nids[i] = ids.New()
	}
	_, err := s.q.Exec(ctx, `INSERT INTO notifications (id, user_id, kind, album_id, push)
		SELECT t.id, t.u, $3, NULLIF($4, ''),
			CASE WHEN EXISTS (SELECT 1 FROM notification_subscriptions ns
				WHERE ns.user_id = t.u AND ns.kind = $3 AND ns.credits > 0) THEN 'queued' END
		FROM unnest($1::text[], $2::text[]) AS t(id, u)
		WHERE NOT EXISTS (SELECT 1 FROM notification_settings st
			WHERE st.user_id = t.u AND st.kind = $3 AND NOT st.enabled)
		ON CONFLICT (user_id, album_id, day) WHERE kind = 'new_items' DO NOTHING`, nids, userIDs, kind, albumID)
	return err
}

// List returns a user's notifications, newest first, at most limit, and
// how many are unread in all.
func (s *Store) List(ctx context.Context, userID string, limit int) ([]Notification, int, error) {
	rows, err := s.q.Query(ctx, `SELECT id, kind, album_id, created_at, read_at FROM notifications
		WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, 0, err
	}
	ns, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Notification])
	if err != nil {
		return nil, 0, err
	}
	var unread int
	err = s.q.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&unread)
	return ns, unread, err
}

// MarkRead marks the user's notifications ids read (all of them when ids
// is nil) and returns how many changed. Ids of other users' notices are
// ignored.
func (s *Store) MarkRead(ctx context.Context, userID string, ids []string) (int64, error) {
	tag, err := s.q.Exec(ctx, `UPDATE notifications SET read_at = now()
		WHERE user_id = $1 AND read_at IS NULL AND ($2::text[] IS NULL OR id = ANY($2))`, userID, ids)
	return tag.RowsAffected(), err
}

// DeleteForUser removes a user's notifications, settings and
// subscriptions (account deletion) and returns how many notifications.
func (s *Store) DeleteForUser(ctx context.Context, userID string) (int64, error) {
	for _, q := range []string{`DELETE FROM notification_settings WHERE user_id = $1`,
		`DELETE FROM notification_subscriptions WHERE user_id = $1`} {
		if _, err := s.q.Exec(ctx, q, userID); err != nil {
			return 0, err
		}
	}
	tag, err := s.q.Exec(ctx, `DELETE FROM notifications WHERE user_id = $1`, userID)
	return tag.RowsAffected(), err
}

// Purge deletes notifications created before before (retention) and
// returns how many.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM notifications WHERE created_at < $1`, before)
	return tag.RowsAffected(), err
}
