package albums

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
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

// BeginDissolve turns the album dissolving in one transaction, after
// checking the caller owns it and typed its exact title. From the commit
// on, every member request, signed URL, invite and link of the album
// fails, because all of them require an active album.
func (s *Store) BeginDissolve(ctx context.Context, albumID, ownerID, confirmTitle string) error {
	return pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
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
		return markDissolving(ctx, tx, albumID)
	})
}

// ForceDissolve turns an album dissolving without the owner's
// confirmation, for account deletion of its owner. It is idempotent.
func (s *Store) ForceDissolve(ctx context.Context, albumID string) error {
	return pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM albums WHERE id = $1 FOR UPDATE`, albumID).Scan(&status)
		if db.IsNoRows(err) || status == string(Dissolving) {
			return nil
		}
		if err != nil {
			return err
		}
		return markDissolving(ctx, tx, albumID)
	})
}

// markDissolving hides the album, revokes its invitations, opens the
// dissolution record and notifies the other members.
func markDissolving(ctx context.Context, tx pgx.Tx, albumID string) error {
	stmts := []string{
		`UPDATE albums SET status = 'dissolving' WHERE id = $1`,
		`UPDATE invites SET revoked_at = now() WHERE album_id = $1 AND revoked_at IS NULL`,
		`INSERT INTO album_dissolutions (album_id, owner_id, items_total)
			SELECT $1, owner_id, (SELECT count(*) FROM media WHERE album_id = $1) FROM albums WHERE id = $1`,
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q, albumID); err != nil {
			return err
		}
	}
	rows, err := tx.Query(ctx, `SELECT user_id FROM album_members WHERE album_id = $1 AND role <> 'owner'`, albumID)
	if err != nil {
		return err
	}
	members, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, m := range members {
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (id, user_id, kind) VALUES ($1,$2,'album_dissolved')`, ids.New(), m); err != nil {
			return err
		}
	}
	return nil
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

// DeleteItemRows removes a batch of items whose objects are gone and
// counts the progress, in one transaction.
func (s *Store) DeleteItemRows(ctx context.Context, albumID string, mediaIDs []string, objects int) error {
	return pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE albums SET cover_media_id = NULL WHERE id = $1`, albumID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM media WHERE album_id = $1 AND id = ANY($2)`, albumID, mediaIDs)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE album_dissolutions SET items_deleted = items_deleted + $2,
			objects_deleted = objects_deleted + $3, rows_deleted = rows_deleted + $2 WHERE album_id = $1`,
			albumID, tag.RowsAffected(), objects)
		return err
	})
}

// PendingUploads returns the chunked uploads still aimed at the album.
func (s *Store) PendingUploads(ctx context.Context, albumID string) ([][2]string, error) {
	return db.Pairs(ctx, s.q, `SELECT object_key, s3_upload_id FROM uploads WHERE album_id = $1`, albumID)
}

// FinishDissolve deletes the album row (members and invites go with it)
// and stamps the receipt.
func (s *Store) FinishDissolve(ctx context.Context, albumID string) error {
	return pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		// Members and invitations go by cascade with the album row: count them first.
		var cascaded, uploads int64
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM album_members WHERE album_id = $1) +
			(SELECT count(*) FROM invites WHERE album_id = $1)`, albumID).Scan(&cascaded); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM uploads WHERE album_id = $1`, albumID)
		if err != nil {
			return err
		}
		uploads = tag.RowsAffected()
		tag, err = tx.Exec(ctx, `DELETE FROM albums WHERE id = $1 AND status = 'dissolving'`, albumID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE album_dissolutions SET rows_deleted = rows_deleted + $2, finished_at = now()
			WHERE album_id = $1 AND finished_at IS NULL`, albumID, cascaded+uploads+tag.RowsAffected())
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

// Dissolving returns albums whose dissolution has not finished (for the sweep).
func (s *Store) Dissolving(ctx context.Context) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM albums WHERE status = 'dissolving'`)
}
