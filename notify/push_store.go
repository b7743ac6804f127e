package notify

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// pushJob is a notice as its send task needs it, with the user's state
// for its kind.
type pushJob struct {
	UserID, Kind string
	AlbumID      *string
	CreatedAt    time.Time
	Queued       bool   // push is still 'queued'
	Off          bool   // the user switched the kind off since
	Credits      int    // accepted messages left for the kind
	TemplateID   string // the template they were accepted for
}

// queued lists notices waiting for their send task, oldest first. Older
// than a day they are not sent any more (expireQueued).
func (s *Store) queued(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.q.Query(ctx, `SELECT id FROM notifications WHERE push = 'queued'
		AND created_at > now() - interval '1 day' ORDER BY created_at LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// expireQueued gives up messages queued before before: a message about
// yesterday's event is noise.
func (s *Store) expireQueued(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `UPDATE notifications SET push = 'failed' WHERE push = 'queued' AND created_at < $1`, before)
	return tag.RowsAffected(), err
}

// job returns the notice id with its user's current state; nil when the
// notice is gone.
func (s *Store) job(ctx context.Context, id string) (*pushJob, error) {
	var j pushJob
	err := s.q.QueryRow(ctx, `SELECT n.user_id, n.kind, n.album_id, n.created_at, n.push IS NOT DISTINCT FROM 'queued',
			coalesce(NOT st.enabled, false), coalesce(ns.credits, 0), coalesce(ns.template_id, '')
		FROM notifications n
		LEFT JOIN notification_settings st ON st.user_id = n.user_id AND st.kind = n.kind
		LEFT JOIN notification_subscriptions ns ON ns.user_id = n.user_id AND ns.kind = n.kind
		WHERE n.id = $1`, id).Scan(&j.UserID, &j.Kind, &j.AlbumID, &j.CreatedAt, &j.Queued, &j.Off, &j.Credits, &j.TemplateID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &j, err
}

// setPush records how a queued message ended.
func (s *Store) setPush(ctx context.Context, id, state string) error {
	_, err := s.q.Exec(ctx, `UPDATE notifications SET push = $2 WHERE id = $1 AND push = 'queued'`, id, state)
	return err
}
