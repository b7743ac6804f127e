package upload

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
)

// Store keeps media rows in PostgreSQL.
type Store struct{ q db.Conn }

// NewStore returns a Store running on q: the pool, or a transaction.
func NewStore(q db.Conn) *Store { return &Store{q: q} }

// MediaColumns selects a media row aliased m, in the order ScanMedia reads.
const MediaColumns = mediaCols

// ScanMedia reads a row selected with MediaColumns.
func ScanMedia(row pgx.Row) (*Media, error) { return scanMedia(row) }

const mediaCols = `m.id, m.owner_id, m.kind, m.status, m.fail_reason, m.content_type, m.size_bytes, m.sha256,
	m.album_id, m.visibility, m.width, m.height, m.duration_ms, m.placeholder, m.served_type, m.created_at, m.updated_at`

func scanMedia(row pgx.Row) (*Media, error) {
	var m Media
	err := row.Scan(&m.ID, &m.OwnerID, &m.Kind, &m.Status, &m.FailReason, &m.ContentType, &m.Size, &m.SHA256,
		&m.AlbumID, &m.Visibility, &m.Width, &m.Height, &m.DurationMS, &m.Placeholder, &m.ServedType, &m.CreatedAt, &m.UpdatedAt)
	if db.IsNoRows(err) {
		return nil, ErrNotFound
	}
	return &m, err
}

// FindVisible returns media id if viewer may see it; otherwise ErrNotFound
// (never "forbidden": an invisible item does not exist for the caller).
func (s *Store) FindVisible(ctx context.Context, id, viewerID string) (*Media, error) {
	return scanMedia(s.q.QueryRow(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.id = $1 AND `+VisibleToSQL("$2"), id, viewerID))
}

// Find returns media id in any state (for workers).
func (s *Store) Find(ctx context.Context, id string) (*Media, error) {
	return scanMedia(s.q.QueryRow(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.id = $1`, id))
}

// FindLive returns media id in any state unless its album is dissolving.
func (s *Store) FindLive(ctx context.Context, id string) (*Media, error) {
	return scanMedia(s.q.QueryRow(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.id = $1 AND `+AlbumActiveSQL, id))
}

// FindDuplicate returns the live item with the same owner, album, kind and bytes.
func (s *Store) FindDuplicate(ctx context.Context, ownerID string, albumID *string, kind Kind, sum []byte) (*Media, error) {
	return scanMedia(s.q.QueryRow(ctx, `SELECT `+mediaCols+` FROM media m
		WHERE m.owner_id = $1 AND coalesce(m.album_id,'') = coalesce($2,'') AND m.kind = $3 AND m.sha256 = $4
		AND m.status IN ('processing','ready')`, ownerID, albumID, kind, sum))
}

// Insert records a new item in state processing. A concurrent identical
// upload loses on the dedupe index and gets ErrDuplicate.
func (s *Store) Insert(ctx context.Context, m *Media) error {
	err := s.q.QueryRow(ctx, `INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256, album_id, visibility)
		VALUES ($1,$2,$3,'processing',$4,$5,$6,$7,$8) RETURNING created_at, updated_at`,
		m.ID, m.OwnerID, m.Kind, m.ContentType, m.Size, m.SHA256, m.AlbumID, m.Visibility).Scan(&m.CreatedAt, &m.UpdatedAt)
	if db.IsUniqueViolation(err) {
		return errDuplicate
	}
	m.Status = StatusProcessing
	return err
}

var errDuplicate = errors.New("duplicate media")

// AlbumAccess is the caller's standing in an album.
type AlbumAccess struct {
	Role              Role // RoleNone when not a member
	DefaultVisibility Visibility
}

// AlbumAccess returns userID's role in an active album; an album that does
// not exist, is dissolving, or has no such member is ErrAlbumNotFound.
func (s *Store) AlbumAccess(ctx context.Context, albumID, userID string) (AlbumAccess, error) {
	var a AlbumAccess
	var role *Role
	err := s.q.QueryRow(ctx, `SELECT `+MemberRoleSQL("$1", "$2")+`, a.default_visibility FROM albums a WHERE a.id = $1`,
		albumID, userID).Scan(&role, &a.DefaultVisibility)
	if db.IsNoRows(err) || (err == nil && role == nil) {
		return AlbumAccess{}, ErrAlbumNotFound
	}
	if role != nil {
		a.Role = *role
	}
	return a, err
}

// UsedBytes is what counts against a user's quota: live items plus
// chunked uploads in flight.
func (s *Store) UsedBytes(ctx context.Context, userID string) (int64, error) {
	var n int64
	err := s.q.QueryRow(ctx, `SELECT
		coalesce((SELECT sum(size_bytes) FROM media WHERE owner_id = $1 AND status IN ('processing','ready')),0) +
		coalesce((SELECT sum(size_bytes) FROM uploads WHERE owner_id = $1),0)`, userID).Scan(&n)
	return n, err
}

// SetVisibility changes an item's visibility; only its uploader may, so
// anyone else's item, or one of a dissolving album, is ErrNotFound.
func (s *Store) SetVisibility(ctx context.Context, id, ownerID string, v Visibility) (*Media, error) {
	return scanMedia(s.q.QueryRow(ctx, `UPDATE media m SET visibility = $3, updated_at = now()
		WHERE m.id = $1 AND m.owner_id = $2 AND m.status <> 'deleting' AND `+AlbumActiveSQL+` RETURNING `+mediaCols, id, ownerID, v))
}

// ListOwned returns the items ownerID uploaded, in any album but a
// dissolving one, newest first, after the keyset cursor (zero cursor: from
// the top).
func (s *Store) ListOwned(ctx context.Context, ownerID string, after Cursor, limit int) ([]*Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.owner_id = $1 AND m.status <> 'deleting' AND `+AlbumActiveSQL+`
		AND ($2::timestamptz IS NULL OR (m.created_at, m.id) < ($2, $3)) ORDER BY m.created_at DESC, m.id DESC LIMIT $4`,
		ownerID, after.TimeOrNil(), after.ID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Media, error) { return scanMedia(r) })
}

// MarkDeleting hides an item at once; its objects go in a task.
func (s *Store) MarkDeleting(ctx context.Context, id string) error {
	_, err := s.q.Exec(ctx, `UPDATE media SET status = 'deleting', updated_at = now() WHERE id = $1`, id)
	return err
}

// DeleteRow removes an item's row after its objects are gone.
func (s *Store) DeleteRow(ctx context.Context, id string) error {
	_, err := s.q.Exec(ctx, `DELETE FROM media WHERE id = $1`, id)
	return err
}

// Ready is what processing found out about an item.
type Ready struct {
	Width, Height int
	DurationMS    *int64
	Placeholder   string
	ServedType    string
}

// MarkReady records a successful processing run in one transaction: the
// row turns ready, and an avatar or cover takes its place on the user or
// album. It reports whether the row changed, and the media id of an avatar
// this one replaced ("" if none). A row no longer processing (deleted
// meanwhile, or already done), or in an album being dissolved, is left as
// is: the dissolution may already have removed the item's keys.
func (s *Store) MarkReady(ctx context.Context, id string, r Ready) (applied bool, replaced string, err error) {
	err = pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		var kind Kind
		var owner string
		var album *string
		err := tx.QueryRow(ctx, `UPDATE media m SET status = 'ready', width = $2, height = $3, duration_ms = $4,
			placeholder = $5, served_type = $6, fail_reason = NULL, updated_at = now()
			WHERE m.id = $1 AND m.status = 'processing' AND `+AlbumActiveSQL+` RETURNING m.kind, m.owner_id, m.album_id`,
			id, r.Width, r.Height, r.DurationMS, r.Placeholder, r.ServedType).Scan(&kind, &owner, &album)
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		applied = true
		switch {
		case kind == KindAvatar:
			var old *string
			if err := tx.QueryRow(ctx, `SELECT avatar_media_id FROM users WHERE id = $1 FOR UPDATE`, owner).Scan(&old); err != nil {
				return err
			}
			if old != nil && *old != id {
				replaced = *old
			}
			_, err = tx.Exec(ctx, `UPDATE users SET avatar_media_id = $2 WHERE id = $1`, owner, id)
		case kind == KindCover && album != nil:
			_, err = tx.Exec(ctx, `UPDATE albums SET cover_media_id = $2 WHERE id = $1 AND status = 'active'`, *album, id)
		}
		return err
	})
	return applied, replaced, err
}

// MarkFailed records that processing will never succeed, with a reason code.
func (s *Store) MarkFailed(ctx context.Context, id, reason string) error {
	_, err := s.q.Exec(ctx, `UPDATE media SET status = 'failed', fail_reason = $2, updated_at = now()
		WHERE id = $1 AND status = 'processing'`, id, reason)
	return err
}

// Stuck returns items processing longer than age (their task was lost or
// their worker died); the sweep enqueues them again.
func (s *Store) Stuck(ctx context.Context, age time.Duration, limit int) ([]string, error) {
	return s.ids(ctx, `SELECT id FROM media WHERE status = 'processing' AND updated_at < now() - $1::interval
		ORDER BY updated_at LIMIT $2`, fmt.Sprintf("%d seconds", int(age.Seconds())), limit)
}

// Deleting returns items whose deletion task may have been lost.
func (s *Store) Deleting(ctx context.Context, age time.Duration, limit int) ([]string, error) {
	return s.ids(ctx, `SELECT id FROM media WHERE status = 'deleting' AND updated_at < now() - $1::interval
		ORDER BY updated_at LIMIT $2`, fmt.Sprintf("%d seconds", int(age.Seconds())), limit)
}

// Touch pushes an item's updated_at forward so the sweep does not pick it
// up again while its re-enqueued task waits.
func (s *Store) Touch(ctx context.Context, id string) error {
	_, err := s.q.Exec(ctx, `UPDATE media SET updated_at = now(), attempts = attempts + 1 WHERE id = $1`, id)
	return err
}

// Exists reports which of ids have a media row or an upload row.
func (s *Store) Exists(ctx context.Context, ids []string) (map[string]bool, error) {
	rows, err := s.q.Query(ctx, `SELECT id FROM media WHERE id = ANY($1) UNION SELECT media_id FROM uploads WHERE media_id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		found[id] = true
	}
	return found, rows.Err()
}

// RawNeeded reports which of ids still need their raw upload: items still
// processing and uploads in flight. The raw copy of an item that is ready,
// failed or gone is a leftover (its deletion failed) that the sweep removes.
func (s *Store) RawNeeded(ctx context.Context, ids []string) (map[string]bool, error) {
	rows, err := s.q.Query(ctx, `SELECT id FROM media WHERE id = ANY($1) AND status = 'processing'
		UNION SELECT media_id FROM uploads WHERE media_id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	need := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		need[id] = true
	}
	return need, rows.Err()
}

func (s *Store) ids(ctx context.Context, sql string, args ...any) ([]string, error) {
	return db.Strings(ctx, s.q, sql, args...)
}
