package share

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/upload"
)

// Store keeps share links in PostgreSQL.
type Store struct{ q db.Conn }

// NewStore returns a Store running on q: the pool, or a transaction.
func NewStore(q db.Conn) *Store { return &Store{q: q} }

// liveSQL is whether link s's target may still be shown: the album is
// active and the creator may still share it there (albums.CanShare); or
// the item may be shown on a link (upload.CanShowOnLink), is still the
// creator's, and (when in an album) the creator is still a member of that
// active album.
var liveSQL = `CASE WHEN s.album_id IS NOT NULL THEN
	coalesce(` + upload.MemberRoleSQL("s.album_id", "s.created_by") + ` IN ` + upload.RolesIn(albums.CanShare) + `, false)
ELSE EXISTS (
	SELECT 1 FROM media m WHERE m.id = s.media_id AND m.owner_id = s.created_by AND ` + upload.LinkShowsSQL + `
	AND (m.album_id IS NULL OR ` + upload.MemberRoleSQL("m.album_id", "s.created_by") + ` IS NOT NULL))
END`

var linkCols = `s.id, s.album_id, s.media_id, s.created_by, s.password_hash, s.allow_download, s.show_dates, s.expires_at, s.revoked_at,
	s.created_at, coalesce((SELECT sum(opens) FROM share_opens o WHERE o.share_id = s.id), 0),
	(SELECT to_char(max(day), 'YYYY-MM-DD') FROM share_opens o WHERE o.share_id = s.id),
	` + targetCols

// resolveCols is linkCols without the open statistics.
var resolveCols = `s.id, s.album_id, s.media_id, s.created_by, s.password_hash, s.allow_download, s.show_dates, s.expires_at, s.revoked_at,
	s.created_at, 0, NULL::text, ` + targetCols

// targetCols are whether the target is live, the album's title and, for
// an item link, the item's album (what its page depends on).
var targetCols = liveSQL + `, coalesce((SELECT title FROM albums a WHERE a.id = s.album_id), ''),
	(SELECT im.album_id FROM media im WHERE im.id = s.media_id)`

func scanLink(row pgx.Row) (*Link, error) {
	var l Link
	err := row.Scan(&l.ID, &l.AlbumID, &l.MediaID, &l.CreatedBy, &l.passwordHash, &l.AllowDownload, &l.ShowDates, &l.ExpiresAt,
		&l.RevokedAt, &l.CreatedAt, &l.Opens, &l.LastOpenedDay, &l.targetLive, &l.title, &l.itemAlbum)
	if db.IsNoRows(err) {
		return nil, ErrNotFound
	}
	l.HasPassword = l.passwordHash != nil
	return &l, err
}

// Create stores a link; the token is returned once and only its hash kept.
func (s *Store) Create(ctx context.Context, l *Link, pwHash []byte) (string, error) {
	tok := ids.Token()
	l.ID = ids.New()
	err := s.q.QueryRow(ctx, `INSERT INTO shares (id, token_hash, album_id, media_id, created_by, password_hash,
		allow_download, show_dates, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING created_at`,
		l.ID, ids.Hash(tok), l.AlbumID, l.MediaID, l.CreatedBy, pwHash, l.AllowDownload, l.ShowDates, l.ExpiresAt).Scan(&l.CreatedAt)
	l.HasPassword = pwHash != nil
	return tok, err
}

// ByToken finds a link by its token (unknown: ErrNotFound). Recipients'
// hot path: it skips the open statistics only the creator sees.
func (s *Store) ByToken(ctx context.Context, token string) (*Link, error) {
	return scanLink(s.q.QueryRow(ctx, `SELECT `+resolveCols+` FROM shares s WHERE s.token_hash = $1`, ids.Hash(token)))
}

// ByID finds a link by id.
func (s *Store) ByID(ctx context.Context, id string) (*Link, error) {
	return scanLink(s.q.QueryRow(ctx, `SELECT `+linkCols+` FROM shares s WHERE s.id = $1`, id))
}

// ListByCreator returns the links a user made, newest first.
func (s *Store) ListByCreator(ctx context.Context, userID string) ([]*Link, error) {
	rows, err := s.q.Query(ctx, `SELECT `+linkCols+` FROM shares s WHERE s.created_by = $1
		ORDER BY s.created_at DESC LIMIT 500`, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Link, error) { return scanLink(r) })
}

// Revoke ends a link at once.
func (s *Store) Revoke(ctx context.Context, id string) error {
	_, err := s.q.Exec(ctx, `UPDATE shares SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	return err
}

// RevokeByCreator ends every link a user made (account deletion).
func (s *Store) RevokeByCreator(ctx context.Context, userID string) error {
	_, err := s.q.Exec(ctx, `UPDATE shares SET revoked_at = now() WHERE created_by = $1 AND revoked_at IS NULL`, userID)
	return err
}

// DeleteByCreator removes the links a user made (their open counts go
// with them) and returns how many.
func (s *Store) DeleteByCreator(ctx context.Context, userID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM shares WHERE created_by = $1`, userID)
	return tag.RowsAffected(), err
}

// PurgeDead deletes links that died (expired or revoked, whichever came
// first) before before (retention) and returns how many.
func (s *Store) PurgeDead(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM shares WHERE least(revoked_at, expires_at) < $1`, before)
	return tag.RowsAffected(), err
}

// PurgeOpens deletes per-day open counts of days before before (retention)
// and returns how many.
func (s *Store) PurgeOpens(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM share_opens WHERE day < $1::date`, before.UTC().Format("2006-01-02"))
	return tag.RowsAffected(), err
}

// AddOpens adds n opens to a link's count for day: a number and a day, no more.
func (s *Store) AddOpens(ctx context.Context, id, day string, n int) error {
	// A link deleted since it was opened (account deletion, retention)
	// simply loses its pending count.
	_, err := s.q.Exec(ctx, `INSERT INTO share_opens (share_id, day, opens)
		SELECT $1, $2::date, $3 WHERE EXISTS (SELECT 1 FROM shares WHERE id = $1)
		ON CONFLICT (share_id, day) DO UPDATE SET opens = share_opens.opens + $3`, id, day, n)
	return err
}

// Shown returns mediaID if link l shows it: l's item, or an item of l's
// album, ready and visible by link (else upload.ErrNotFound). The link's
// own state is the caller's to check.
func (s *Store) Shown(ctx context.Context, l *Link, mediaID string) (*upload.Media, error) {
	return upload.ScanMedia(s.q.QueryRow(ctx, `SELECT `+upload.MediaColumns+` FROM media m
		WHERE m.id = $1 AND `+upload.LinkShowsSQL+`
		AND (m.id = $2::text OR m.album_id = $3::text)`, mediaID, l.MediaID, l.AlbumID))
}

// Shows reports whether a usable link may show mediaID right now.
func (s *Store) Shows(ctx context.Context, linkID, mediaID string) (bool, error) {
	var ok bool
	err := s.q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM shares s JOIN media m ON m.id = $2
		WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND `+liveSQL+`
		AND `+upload.LinkShowsSQL+`
		AND (s.media_id = m.id OR (s.album_id IS NOT NULL AND m.album_id = s.album_id)))`, linkID, mediaID).Scan(&ok)
	return ok, err
}

// albumOf returns the album a link reaches: its own, or its item's ("" if none).
func (s *Store) albumOf(ctx context.Context, l *Link) (string, error) {
	if l.AlbumID != nil {
		return *l.AlbumID, nil
	}
	var a *string
	err := s.q.QueryRow(ctx, `SELECT album_id FROM media WHERE id = $1`, *l.MediaID).Scan(&a)
	if db.IsNoRows(err) || a == nil {
		return "", nil
	}
	return *a, err
}
