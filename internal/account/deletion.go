package account

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
)

// Deletion is a running account deletion.
type Deletion struct {
	ReceiptID string
	UserID    string
}

// RunningDeletion returns the deletion a receipt belongs to while it runs.
func (s *Store) RunningDeletion(ctx context.Context, receiptID string) (*Deletion, error) {
	var d Deletion
	err := s.pool.QueryRow(ctx, `SELECT id, user_id FROM deletion_receipts WHERE id = $1 AND status = 'running' AND user_id IS NOT NULL`,
		receiptID).Scan(&d.ReceiptID, &d.UserID)
	if db.IsNoRows(err) {
		return nil, ErrReceiptNotFound
	}
	return &d, err
}

// RunningReceipts lists deletions not finished (for the sweep).
func (s *Store) RunningReceipts(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM deletion_receipts WHERE status = 'running'`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// AddCounts adds to a receipt's counters, so a deletion resumed after a
// crash keeps what the first run counted.
func (s *Store) AddCounts(ctx context.Context, receiptID string, add map[string]int64) error {
	if len(add) == 0 {
		return nil
	}
	b, err := json.Marshal(add)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `UPDATE deletion_receipts SET counts = (
		SELECT jsonb_object_agg(k, coalesce((counts->>k)::bigint, 0) + coalesce((($2::jsonb)->>k)::bigint, 0))
		FROM (SELECT jsonb_object_keys(counts || $2::jsonb) AS k) keys) WHERE id = $1`, receiptID, string(b))
	return err
}

// OwnedAlbums lists albums the user owns (active or already dissolving).
func (s *Store) OwnedAlbums(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM albums WHERE owner_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// MediaRef is an item to delete.
type MediaRef struct{ ID, Kind, Status string }

// UserMedia returns up to limit items the user uploaded, in any album.
func (s *Store) UserMedia(ctx context.Context, userID string, limit int) ([]MediaRef, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, kind, status FROM media WHERE owner_id = $1 ORDER BY id LIMIT $2`, userID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MediaRef, error) {
		var m MediaRef
		err := r.Scan(&m.ID, &m.Kind, &m.Status)
		return m, err
	})
}

// DeleteMediaRows removes rows whose objects are already gone.
func (s *Store) DeleteMediaRows(ctx context.Context, userID string, ids []string) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM media WHERE owner_id = $1 AND id = ANY($2)`, userID, ids)
	return tag.RowsAffected(), err
}

// UserUploads lists the user's unfinished chunked uploads (key, upload id).
func (s *Store) UserUploads(ctx context.Context, userID string) ([][2]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT object_key, s3_upload_id FROM uploads WHERE owner_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var k [2]string
		err := r.Scan(&k[0], &k[1])
		return k, err
	})
}

// UserExports lists the user's export ids.
func (s *Store) UserExports(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM exports WHERE user_id = $1`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// PurgeUserRows deletes every remaining row about the user (memberships,
// links, invitations, notifications, sessions, uploads, exports),
// anonymises dissolution receipts that name them as owner, and leaves the
// user row as a tombstone. It returns the counts per category.
func (s *Store) PurgeUserRows(ctx context.Context, userID string) (map[string]int64, error) {
	counts := map[string]int64{}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		steps := []struct{ name, sql string }{
			{"memberships", `DELETE FROM album_members WHERE user_id = $1`},
			{"share_links", `DELETE FROM shares WHERE created_by = $1`},
			{"invites", `DELETE FROM invites WHERE created_by = $1`},
			{"notifications", `DELETE FROM notifications WHERE user_id = $1`},
			{"sessions", `DELETE FROM sessions WHERE user_id = $1`},
			{"chunked_uploads", `DELETE FROM uploads WHERE owner_id = $1`},
			{"exports", `DELETE FROM exports WHERE user_id = $1`},
			{"", `UPDATE album_dissolutions SET owner_id = NULL WHERE owner_id = $1`},
			{"", `UPDATE users SET openid = NULL, unionid = NULL, nickname = '', avatar_media_id = NULL,
				policy_version = NULL, policy_accepted_at = NULL, deleted_at = coalesce(deleted_at, now()) WHERE id = $1`},
		}
		for _, st := range steps {
			tag, err := tx.Exec(ctx, st.sql, userID)
			if err != nil {
				return err
			}
			if st.name != "" {
				counts[st.name] += tag.RowsAffected()
			}
		}
		return nil
	})
	return counts, err
}

// FinishReceipt closes a receipt and forgets whose it was.
func (s *Store) FinishReceipt(ctx context.Context, receiptID string) error {
	_, err := s.pool.Exec(ctx, `UPDATE deletion_receipts SET status = 'done', user_id = NULL, finished_at = now() WHERE id = $1`, receiptID)
	return err
}
