package account

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	err := s.q.QueryRow(ctx, `SELECT id, user_id FROM deletion_receipts WHERE id = $1 AND status = 'running' AND user_id IS NOT NULL`,
		receiptID).Scan(&d.ReceiptID, &d.UserID)
	if db.IsNoRows(err) {
		return nil, ErrReceiptNotFound
	}
	return &d, err
}

// RunningReceipts lists deletions not finished (for the sweep).
func (s *Store) RunningReceipts(ctx context.Context) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM deletion_receipts WHERE status = 'running'`)
}

// addCounts adds to a receipt's counters inside the transaction that
// removed what they count: a deletion killed half-way loses no count, and
// the run that resumes it never counts anything twice.
func addCounts(ctx context.Context, q interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, receiptID string, add map[string]int64) error {
	if len(add) == 0 {
		return nil
	}
	b, err := json.Marshal(add)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `UPDATE deletion_receipts SET counts = (
		SELECT jsonb_object_agg(k, coalesce((counts->>k)::bigint, 0) + coalesce((($2::jsonb)->>k)::bigint, 0))
		FROM (SELECT jsonb_object_keys(counts || $2::jsonb) AS k) keys) WHERE id = $1`, receiptID, string(b))
	return err
}

// OwnedAlbums lists albums the user owns (active or already dissolving).
func (s *Store) OwnedAlbums(ctx context.Context, userID string) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM albums WHERE owner_id = $1`, userID)
}

// MediaRef is an item to delete.
type MediaRef struct{ ID, Kind, Status string }

// UserMedia returns up to limit items the user uploaded, in any album, in
// id order after the id after ("" from the start).
func (s *Store) UserMedia(ctx context.Context, userID, after string, limit int) ([]MediaRef, error) {
	rows, err := s.q.Query(ctx, `SELECT id, kind, status FROM media WHERE owner_id = $1 AND id > $2
		ORDER BY id LIMIT $3`, userID, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MediaRef, error) {
		var m MediaRef
		err := r.Scan(&m.ID, &m.Kind, &m.Status)
		return m, err
	})
}

// DeleteMediaRows removes rows whose objects (how many: objects) are
// already gone, and counts them on the receipt in the same transaction.
func (s *Store) DeleteMediaRows(ctx context.Context, receiptID, userID string, ids []string, objects int64) error {
	return pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM media WHERE owner_id = $1 AND id = ANY($2)`, userID, ids)
		if err != nil {
			return err
		}
		return addCounts(ctx, tx, receiptID, map[string]int64{"media": tag.RowsAffected(), "objects": objects})
	})
}

// UserUploads lists the user's unfinished chunked uploads (key, upload id).
func (s *Store) UserUploads(ctx context.Context, userID string) ([][2]string, error) {
	return db.Pairs(ctx, s.q, `SELECT object_key, s3_upload_id FROM uploads WHERE owner_id = $1`, userID)
}

// UserExports lists the user's export ids.
func (s *Store) UserExports(ctx context.Context, userID string) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM exports WHERE user_id = $1`, userID)
}

// dissolvedCounts counts the albums of the user whose dissolution ended
// during the deletion (their items and objects too), and the export
// archives about to be removed with their rows.
const dissolvedCounts = `SELECT count(*), coalesce(sum(items_deleted), 0), coalesce(sum(objects_deleted), 0)
	+ (SELECT count(*) FROM exports WHERE user_id = $1 AND status = 'ready')
	FROM album_dissolutions WHERE owner_id = $1 AND finished_at >= (SELECT created_at FROM deletion_receipts WHERE id = $2)`

// PurgeUserRows deletes every remaining row about the user (memberships,
// links, invitations, notifications, sessions, uploads, exports),
// anonymises dissolution receipts that name them as owner, and leaves the
// user row as a tombstone. The counts per category, with the albums
// dissolved, go on the receipt in the same transaction.
func (s *Store) PurgeUserRows(ctx context.Context, receiptID, userID string) error {
	return pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		var albums, items, objects int64
		if err := tx.QueryRow(ctx, dissolvedCounts, userID, receiptID).Scan(&albums, &items, &objects); err != nil {
			return err
		}
		counts := map[string]int64{"albums_dissolved": albums, "media": items, "objects": objects}
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
		return addCounts(ctx, tx, receiptID, counts)
	})
}

// FinishReceipt closes a receipt and forgets whose it was.
func (s *Store) FinishReceipt(ctx context.Context, receiptID string) error {
	_, err := s.q.Exec(ctx, `UPDATE deletion_receipts SET status = 'done', user_id = NULL, finished_at = now() WHERE id = $1`, receiptID)
	return err
}
