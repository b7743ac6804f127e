package upload

import (
	"context"
	"errors"
)

// The reports' part of an item's life (the report_hold column, 0016).
// Package reports decides the hold from the item's unanswered reports and
// writes it through these methods, in the transaction that adds or
// answers a report, after locking the row, so concurrent reports are
// counted one after the other.

// Lock returns media id in any state, locking its row until the
// transaction ends (FOR UPDATE); ErrNotFound when there is none.
func (s *Store) Lock(ctx context.Context, id string) (*Media, error) {
	return scanMedia(s.q.QueryRow(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.id = $1 FOR UPDATE`, id))
}

// SetReportHold sets why reports hold the item back (HoldShowsMe,
// HoldInappropriate, or "" for none) and reports whether that changed
// anything; setting the hold it has changes nothing, so the hourly task
// can apply holds again and again.
func (s *Store) SetReportHold(ctx context.Context, id, hold string) (bool, error) {
	if hold != "" && hold != HoldShowsMe && hold != HoldInappropriate {
		return false, errors.New("upload: SetReportHold: unknown hold " + hold)
	}
	tag, err := s.q.Exec(ctx, `UPDATE media SET report_hold = NULLIF($2, ''), updated_at = now()
		WHERE id = $1 AND report_hold IS DISTINCT FROM NULLIF($2, '')`, id, hold)
	return tag.RowsAffected() == 1, err
}
