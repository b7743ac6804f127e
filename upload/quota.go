package upload

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
)

// A user's quota counts their live items, their chunked uploads in flight
// (declared size) and the reservations of direct uploads still streaming.
// Every admission (Reserve, InsertChunkedWithin) checks and takes its share
// under a per-user lock, so uploads sent in parallel are admitted one after
// the other and together never pass the quota.

// reservationTTL bounds how long a reservation outlives a crashed request:
// longer than any upload's read timeout.
const reservationTTL = 30 * time.Minute

// lockQuota serialises admissions of one user until the transaction ends.
func lockQuota(ctx context.Context, tx pgx.Tx, userID string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('quota:' || $1, 0))`, userID)
	return err
}

// usedBytes is what counts against a user's quota right now.
func usedBytes(ctx context.Context, q db.Conn, userID string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT
		coalesce((SELECT sum(size_bytes) FROM media WHERE owner_id = $1 AND status IN ('processing','ready')), 0) +
		coalesce((SELECT sum(size_bytes) FROM uploads WHERE owner_id = $1), 0) +
		coalesce((SELECT sum(bytes) FROM quota_reservations WHERE owner_id = $1 AND expires_at > now()), 0)`, userID).Scan(&n)
	return n, err
}

// Reserve takes up to want bytes of userID's quota for an upload about to
// stream and returns the reservation's id and size: want, or what is left
// when less (0 and ErrQuotaExceeded when nothing is).
func (s *Store) Reserve(ctx context.Context, userID string, want, quota int64) (id string, got int64, err error) {
	err = db.InTx(ctx, s.q, func(tx pgx.Tx) error {
		if err := lockQuota(ctx, tx, userID); err != nil {
			return err
		}
		used, err := usedBytes(ctx, tx, userID)
		if err != nil {
			return err
		}
		if got = min(want, quota-used); got <= 0 {
			return ErrQuotaExceeded
		}
		id = ids.New()
		_, err = tx.Exec(ctx, `INSERT INTO quota_reservations (id, owner_id, bytes, expires_at) VALUES ($1, $2, $3, now() + $4::interval)`,
			id, userID, got, reservationTTL.String())
		return err
	})
	return id, got, err
}

// Release gives a reservation back (its upload was recorded or refused).
func (s *Store) Release(ctx context.Context, id string) error {
	_, err := s.q.Exec(ctx, `DELETE FROM quota_reservations WHERE id = $1`, id)
	return err
}

// PurgeReservations deletes reservations that expired before before (left
// by requests that never finished) and returns how many.
func (s *Store) PurgeReservations(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM quota_reservations WHERE expires_at < $1`, before)
	return tag.RowsAffected(), err
}
