package albums

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/upload"
)

// Dissolution is the progress of an album's dissolution and, once
// finished, its deletion receipt: counts and times, no title or content.
type Dissolution struct {
	AlbumID        string     `json:"album_id"`
	ItemsTotal     int        `json:"items_total"`
	ItemsDeleted   int        `json:"items_deleted"`
	ObjectsDeleted int64      `json:"objects_deleted"`
	RowsDeleted    int64      `json:"rows_deleted"`
	StartedAt      time.Time  `json:"started_at"`
	FinishedAt     *time.Time `json:"finished_at"`
}

// BeginDissolve turns the album dissolving, after checking the caller owns
// it and typed its exact title, and returns the other members (to be told).
// From the commit on, every member request, signed URL, invite and link of
// the album fails, because all of them require an active album.
func (s *Store) BeginDissolve(ctx context.Context, albumID, ownerID, confirmTitle string) (members []string, err error) {
	err = db.InTx(ctx, s.q, func(tx pgx.Tx) error {
		var title string
		err := tx.QueryRow(ctx, `SELECT title FROM albums WHERE id = $1 AND owner_id = $2 AND status = 'active' FOR UPDATE`,
			albumID, ownerID).Scan(&title)
		if db.IsNoRows(err) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if title != confirmTitle {
			return ErrConfirmMismatch
		}
		members, err = markDissolving(ctx, tx, albumID)
		return err
	})
	return members, err
}

// ForceDissolve turns an album dissolving without the owner's
// confirmation, for account deletion of its owner, and returns the other
// members to tell (none when it was dissolving already). It is idempotent.
func (s *Store) ForceDissolve(ctx context.Context, albumID string) (members []string, err error) {
	err = db.InTx(ctx, s.q, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM albums WHERE id = $1 FOR UPDATE`, albumID).Scan(&status)
		if db.IsNoRows(err) || status == string(Dissolving) {
			return nil
		}
		if err != nil {
			return err
		}
		members, err = markDissolving(ctx, tx, albumID)
		return err
	})
	return members, err
}

// markDissolving hides the album, revokes its invitations and opens the
// dissolution record; it returns the members other than the owner.
func markDissolving(ctx context.Context, tx pgx.Tx, albumID string) ([]string, error) {
	stmts := []string{
		`UPDATE albums SET status = 'dissolving' WHERE id = $1`,
		`UPDATE invites SET revoked_at = now() WHERE album_id = $1 AND revoked_at IS NULL`,
		`INSERT INTO album_dissolutions (album_id, owner_id, items_total)
			SELECT $1, owner_id, (SELECT count(*) FROM media WHERE album_id = $1) FROM albums WHERE id = $1`,
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q, albumID); err != nil {
			return nil, err
		}
	}
	return db.Strings(ctx, tx, `SELECT user_id FROM album_members WHERE album_id = $1 AND role <> 'owner' ORDER BY user_id`, albumID)
}

// DissolvingItems returns up to limit items still left in a dissolving
// album, in id order after the id after ("" from the start).
func (s *Store) DissolvingItems(ctx context.Context, albumID, after string, limit int) ([]*upload.Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+upload.MediaColumns+` FROM media m
		JOIN albums a ON a.id = m.album_id AND a.status = 'dissolving'
		WHERE m.album_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3`, albumID, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*upload.Media, error) { return upload.ScanMedia(r) })
}

// CountDissolved adds a batch of removed items (their rows and objects)
// to the dissolution's progress; it runs in the transaction that deleted
// the rows.
func (s *Store) CountDissolved(ctx context.Context, albumID string, items, objects int64) error {
	_, err := s.q.Exec(ctx, `UPDATE album_dissolutions SET items_deleted = items_deleted + $2,
		objects_deleted = objects_deleted + $3, rows_deleted = rows_deleted + $2 WHERE album_id = $1`,
		albumID, items, objects)
	return err
}

// FinishDissolve deletes the album row (members and invites go with it)
// and stamps the receipt, counting otherRows removed by other owners in the
// same transaction (the album's unfinished uploads).
func (s *Store) FinishDissolve(ctx context.Context, albumID string, otherRows int64) error {
	return db.InTx(ctx, s.q, func(tx pgx.Tx) error {
		// Members and invitations go by cascade with the album row: count them first.
		var cascaded int64
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM album_members WHERE album_id = $1) +
			(SELECT count(*) FROM invites WHERE album_id = $1)`, albumID).Scan(&cascaded); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM albums WHERE id = $1 AND status = 'dissolving'`, albumID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE album_dissolutions SET rows_deleted = rows_deleted + $2, finished_at = now()
			WHERE album_id = $1 AND finished_at IS NULL`, albumID, cascaded+otherRows+tag.RowsAffected())
		return err
	})
}

// FindDissolution returns the dissolution of an album the caller owned.
func (s *Store) FindDissolution(ctx context.Context, albumID, ownerID string) (*Dissolution, error) {
	var d Dissolution
	err := s.q.QueryRow(ctx, `SELECT album_id, items_total, items_deleted, objects_deleted, rows_deleted, started_at, finished_at
		FROM album_dissolutions WHERE album_id = $1 AND owner_id = $2`, albumID, ownerID).
		Scan(&d.AlbumID, &d.ItemsTotal, &d.ItemsDeleted, &d.ObjectsDeleted, &d.RowsDeleted, &d.StartedAt, &d.FinishedAt)
	if db.IsNoRows(err) {
		return nil, ErrNotFound
	}
	return &d, err
}

// IsDissolving reports whether the album exists and is dissolving.
func (s *Store) IsDissolving(ctx context.Context, albumID string) (bool, error) {
	var ok bool
	err := s.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM albums WHERE id = $1 AND status = 'dissolving')`, albumID).Scan(&ok)
	return ok, err
}

// Dissolving returns albums whose dissolution has not finished (for the sweep).
func (s *Store) Dissolving(ctx context.Context) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM albums WHERE status = 'dissolving'`)
}

// OwnedBy lists the albums a user owns (active or already dissolving).
func (s *Store) OwnedBy(ctx context.Context, userID string) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM albums WHERE owner_id = $1`, userID)
}

// DissolvedSince counts the dissolutions of a user's albums that finished
// at or after t: albums, items and objects removed.
func (s *Store) DissolvedSince(ctx context.Context, ownerID string, t time.Time) (albums, items, objects int64, err error) {
	err = s.q.QueryRow(ctx, `SELECT count(*), coalesce(sum(items_deleted), 0), coalesce(sum(objects_deleted), 0)
		FROM album_dissolutions WHERE owner_id = $1 AND finished_at >= $2`, ownerID, t).Scan(&albums, &items, &objects)
	return albums, items, objects, err
}

// AnonymiseDissolutions forgets a deleted user as the former owner on
// dissolution receipts.
func (s *Store) AnonymiseDissolutions(ctx context.Context, ownerID string) error {
	_, err := s.q.Exec(ctx, `UPDATE album_dissolutions SET owner_id = NULL WHERE owner_id = $1`, ownerID)
	return err
}

// PurgeDissolutions deletes dissolution receipts finished before before
// (retention) and returns how many.
func (s *Store) PurgeDissolutions(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM album_dissolutions WHERE finished_at < $1`, before)
	return tag.RowsAffected(), err
}
