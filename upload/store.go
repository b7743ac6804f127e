package upload

import (
	"context"
	"errors"
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
	m.album_id, m.visibility, m.width, m.height, m.duration_ms, m.placeholder, m.served_type, m.created_at, m.updated_at, m.attempts, coalesce(m.hidden_reason, ''),
	m.taken_at, m.taken_at_source, coalesce(m.play_status, ''), m.play_fail_reason, coalesce(m.review, ''), coalesce(m.report_hold, '')`

func scanMedia(row pgx.Row) (*Media, error) {
	var m Media
	err := row.Scan(&m.ID, &m.OwnerID, &m.Kind, &m.Status, &m.FailReason, &m.ContentType, &m.Size, &m.SHA256,
		&m.AlbumID, &m.Visibility, &m.Width, &m.Height, &m.DurationMS, &m.Placeholder, &m.ServedType, &m.CreatedAt, &m.UpdatedAt, &m.Attempts, &m.Hidden,
		&m.TakenAt, &m.TakenAtSource, &m.PlayStatus, &m.PlayFailReason, &m.Review, &m.ReportHold)
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

// Insert records a new item in state processing. The uploader's right to
// add it to its album is checked again in the same statement (CanUploadInto
// in SQL, album active), so a member removed or demoted, or an album that
// started dissolving, while the bytes were arriving gets no row:
// errNoRight. A concurrent identical upload loses on the dedupe index and
// gets errDuplicate.
func (s *Store) Insert(ctx context.Context, m *Media) error {
	allowed := RolesIn(func(r Role) bool { return CanUploadInto(r, m.Kind) })
	err := s.q.QueryRow(ctx, `INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256, album_id, visibility,
		idempotency_key)
		SELECT $1,$2,$3,'processing',$4,$5,$6,$7::text,$8,NULLIF($9,'')
		WHERE $7::text IS NULL OR `+MemberRoleSQL("$7::text", "$2")+` IN `+allowed+`
		RETURNING created_at, updated_at`,
		m.ID, m.OwnerID, m.Kind, m.ContentType, m.Size, m.SHA256, m.AlbumID, m.Visibility, m.IdempotencyKey).
		Scan(&m.CreatedAt, &m.UpdatedAt)
	switch {
	case db.ViolatedConstraint(err) == "media_idempotency_key_idx":
		return errKeyTaken
	case db.IsUniqueViolation(err):
		return errDuplicate
	case db.IsNoRows(err):
		return errNoRight
	}
	m.Status = StatusProcessing
	return err
}

// errNoRight: the uploader may not (any more) add the item to its album.
var errNoRight = errors.New("no right to add to the album")

var errDuplicate = errors.New("duplicate media")

// errKeyTaken: a concurrent request with the same Idempotency-Key
// recorded its item first.
var errKeyTaken = errors.New("idempotency key taken")

// ByIdempotencyKey returns the owner's item recorded under key.
func (s *Store) ByIdempotencyKey(ctx context.Context, ownerID, key string) (*Media, error) {
	return scanMedia(s.q.QueryRow(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.owner_id = $1 AND m.idempotency_key = $2`,
		ownerID, key))
}

// PurgeIdempotencyKeys forgets the keys of items created before before:
// a client retries within minutes, not days.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `UPDATE media SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND created_at < $1`, before)
	if err != nil {
		return 0, err
	}
	up, err := s.q.Exec(ctx, `UPDATE uploads SET idempotency_key = NULL WHERE idempotency_key IS NOT NULL AND created_at < $1`, before)
	return tag.RowsAffected() + up.RowsAffected(), err
}

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

// SetVisibility changes an item's visibility; only its uploader may, so
// anyone else's item, or one of a dissolving album, is ErrNotFound.
func (s *Store) SetVisibility(ctx context.Context, id, ownerID string, v Visibility) (*Media, error) {
	return scanMedia(s.q.QueryRow(ctx, `UPDATE media m SET visibility = $3, updated_at = now()
		WHERE m.id = $1 AND m.owner_id = $2 AND m.status <> 'deleting' AND `+AlbumActiveSQL+` RETURNING `+mediaCols, id, ownerID, v))
}

// ListOwned returns the items ownerID uploaded, in any album but a
// dissolving one, newest first in the cursor's order, after the keyset
// cursor (zero cursor: from the top).
func (s *Store) ListOwned(ctx context.Context, ownerID string, after Cursor, limit int) ([]*Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.owner_id = $1 AND m.status <> 'deleting' AND `+AlbumActiveSQL+`
		AND `+after.By.KeysetSQL("$2", "$3")+` LIMIT $4`,
		ownerID, after.TimeOrNil(), after.ID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Media, error) { return scanMedia(r) })
}

// OwnedAfter returns up to limit items ownerID uploaded, in any album and
// state, in id order after the id after ("" from the start): the walk of
// an account deletion.
func (s *Store) OwnedAfter(ctx context.Context, ownerID, after string, limit int) ([]*Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.owner_id = $1 AND m.id > $2
		ORDER BY m.id LIMIT $3`, ownerID, after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Media, error) { return scanMedia(r) })
}

// HideOwnedBy hides every item of a user from everyone else at once, with
// reason (their account is being deleted; the deletion task removes the
// items afterwards).
func (s *Store) HideOwnedBy(ctx context.Context, ownerID, reason string) error {
	_, err := s.q.Exec(ctx, `UPDATE media SET hidden_reason = $2 WHERE owner_id = $1`, ownerID, reason)
	return err
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

// DeleteAlbumRows removes rows of album albumID's items whose objects are
// gone (a dissolution) and returns how many went.
func (s *Store) DeleteAlbumRows(ctx context.Context, albumID string, ids []string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM media WHERE album_id = $1 AND id = ANY($2)`, albumID, ids)
	return tag.RowsAffected(), err
}

// DeleteOwnedRows removes rows of ownerID's items whose objects are gone
// (an account deletion) and returns how many went.
func (s *Store) DeleteOwnedRows(ctx context.Context, ownerID string, ids []string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM media WHERE owner_id = $1 AND id = ANY($2)`, ownerID, ids)
	return tag.RowsAffected(), err
}

// MarkMissing moves ready items whose stripped original is gone from the
// object store to failed (missing_object), so nothing serves or exports a
// hole; the reconciling sweep finds them.
func (s *Store) MarkMissing(ctx context.Context, ids []string) (int64, error) {
	tag, err := s.q.Exec(ctx, `UPDATE media SET status = 'failed', fail_reason = $2, updated_at = now()
		WHERE id = ANY($1) AND status = 'ready'`, ids, ReasonMissingObject)
	return tag.RowsAffected(), err
}

// PurgeFailed deletes rows of items that failed before before (retention:
// they have no objects; their raw upload went when they failed).
func (s *Store) PurgeFailed(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM media WHERE status = 'failed' AND updated_at < $1`, before)
	return tag.RowsAffected(), err
}

// ReadyOlderThan returns ready items last changed before t (the deep sweep
// checks their objects exist).
func (s *Store) ReadyOlderThan(ctx context.Context, t time.Time) ([]string, error) {
	return s.ids(ctx, `SELECT id FROM media WHERE status = 'ready' AND updated_at < $1`, t)
}

// Ready is what processing found out about an item.
type Ready struct {
	Width, Height int
	DurationMS    *int64
	Placeholder   string
	ServedType    string
	// TakenAt and TakenAtSource: see TakenAt (the function); a zero
	// TakenAt keeps the upload time.
	TakenAt       time.Time
	TakenAtSource string
}

// MarkReady moves an item from processing to ready with what processing
// found out, and returns it; nil when the row was not processing any more
// (deleted meanwhile, or already done) or its album started dissolving
// (the dissolution may already have removed its keys). Side effects on
// other owners' rows (an avatar on the user, a cover on the album) are the
// caller's, in the same transaction (worker).
func (s *Store) MarkReady(ctx context.Context, id string, r Ready) (*Media, error) {
	var taken *time.Time
	if !r.TakenAt.IsZero() {
		taken = &r.TakenAt
	}
	m, err := scanMedia(s.q.QueryRow(ctx, `UPDATE media m SET status = 'ready', width = $2, height = $3, duration_ms = $4,
		placeholder = $5, served_type = $6, fail_reason = NULL, updated_at = now(),
		play_status = CASE WHEN m.kind = 'video' THEN 'pending' END, attempts = 0,
		taken_at = coalesce($7, m.created_at), taken_at_source = CASE WHEN $7::timestamptz IS NULL THEN 'upload' ELSE $8 END
		WHERE m.id = $1 AND m.status = 'processing' AND `+AlbumActiveSQL+` RETURNING `+mediaCols,
		id, r.Width, r.Height, r.DurationMS, r.Placeholder, r.ServedType, taken, r.TakenAtSource))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return m, err
}

// SetPlay records the outcome of a video's play variant (PlayReady,
// PlayOriginal or PlayFailed with a reason) and reports whether the item
// was still a ready video waiting for it; when it was not (deleted,
// dissolving, done by another run), the caller removes what it stored.
func (s *Store) SetPlay(ctx context.Context, id, status string, reason *string) (bool, error) {
	tag, err := s.q.Exec(ctx, `UPDATE media m SET play_status = $2, play_fail_reason = $3, updated_at = now()
		WHERE m.id = $1 AND m.status = 'ready' AND m.play_status = 'pending' AND `+AlbumActiveSQL, id, status, reason)
	return tag.RowsAffected() == 1, err
}

// PlayPending returns ready videos whose play variant has been pending
// since before before (a lost task); the sweep enqueues them again.
func (s *Store) PlayPending(ctx context.Context, before time.Time, limit int) ([]*Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.status = 'ready' AND m.play_status = 'pending'
		AND m.updated_at < $1 ORDER BY m.updated_at LIMIT $2`, before, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Media, error) { return scanMedia(r) })
}

// MarkFailed records that processing will never succeed, with a reason code.
func (s *Store) MarkFailed(ctx context.Context, id, reason string) error {
	_, err := s.q.Exec(ctx, `UPDATE media SET status = 'failed', fail_reason = $2, updated_at = now()
		WHERE id = $1 AND status = 'processing'`, id, reason)
	return err
}

// Stuck returns items still processing since before before (their task
// was lost or their worker died); the sweep enqueues them again.
func (s *Store) Stuck(ctx context.Context, before time.Time, limit int) ([]*Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.status = 'processing' AND m.updated_at < $1
		ORDER BY m.updated_at LIMIT $2`, before, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Media, error) { return scanMedia(r) })
}

// Unfinished returns up to limit items with ids after afterID whose task
// has work left: processing or deleting, whatever their age.
func (s *Store) Unfinished(ctx context.Context, afterID string, limit int) ([]*Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.status IN ('processing', 'deleting')
		AND m.id > $1 ORDER BY m.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Media, error) { return scanMedia(r) })
}

// Deleting returns items deleting since before before, whose deletion task
// may have been lost.
func (s *Store) Deleting(ctx context.Context, before time.Time, limit int) ([]*Media, error) {
	rows, err := s.q.Query(ctx, `SELECT `+mediaCols+` FROM media m WHERE m.status = 'deleting' AND m.updated_at < $1
		ORDER BY m.updated_at LIMIT $2`, before, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Media, error) { return scanMedia(r) })
}

// ClaimStuck pushes a stuck item's updated_at forward, so no sweep picks
// it up again while its re-enqueued task waits, and counts the attempt,
// unless its updated_at is no longer seen, the one the sweep read: another
// sweep running at the same time claimed it first, and this one leaves it
// (one requeue, one attempt).
func (s *Store) ClaimStuck(ctx context.Context, id string, seen time.Time) (bool, error) {
	tag, err := s.q.Exec(ctx, `UPDATE media SET updated_at = now(), attempts = attempts + 1
		WHERE id = $1 AND updated_at = $2`, id, seen)
	return tag.RowsAffected() == 1, err
}

// Exists reports which of ids have a media row or an upload row.
func (s *Store) Exists(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.idSet(ctx, `SELECT id FROM media WHERE id = ANY($1) UNION SELECT media_id FROM uploads WHERE media_id = ANY($1)`, ids)
}

// RawNeeded reports which of ids still need their raw upload: items still
// processing and uploads in flight. The raw copy of an item that is ready,
// failed or gone is a leftover (its deletion failed) that the sweep removes.
func (s *Store) RawNeeded(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.idSet(ctx, `SELECT id FROM media WHERE id = ANY($1) AND status = 'processing'
		UNION SELECT media_id FROM uploads WHERE media_id = ANY($1)`, ids)
}

// HasObjects reports which of ids are items whose processed objects are
// still needed: processing (an interrupted run may have written some),
// ready, or deleting (their task removes them). A failed or missing item's
// objects are orphans.
func (s *Store) HasObjects(ctx context.Context, ids []string) (map[string]bool, error) {
	return s.idSet(ctx, `SELECT id FROM media WHERE id = ANY($1) AND status IN ('processing','ready','deleting')`, ids)
}

func (s *Store) idSet(ctx context.Context, sql string, ids []string) (map[string]bool, error) {
	found, err := s.ids(ctx, sql, ids)
	set := make(map[string]bool, len(found))
	for _, id := range found {
		set[id] = true
	}
	return set, err
}

func (s *Store) ids(ctx context.Context, sql string, args ...any) ([]string, error) {
	return db.Strings(ctx, s.q, sql, args...)
}
