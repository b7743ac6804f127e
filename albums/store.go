package albums

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/upload"
)

// Store keeps albums, members and invitations in PostgreSQL. Every read
// is filtered by the caller's membership in SQL: an album the caller is not
// a member of is not found.
type Store struct{ q db.Conn }

// NewStore returns a Store running on q: the pool, or a transaction.
func NewStore(q db.Conn) *Store { return &Store{q: q} }

// itemsVisible is upload.CanView in SQL for the items of an active album
// (SQL expression album) seen by viewer whose role there is role: callers
// have found the membership already.
func itemsVisible(album, viewer, role string) string {
	return `m.album_id = ` + album + ` AND ` + upload.VisibleSQL(viewer, role, "TRUE")
}

// albumCols selects an album joined with the caller's membership am, and
// the number of items the caller may see (viewer $2).
var albumCols = `a.id, a.owner_id, a.title, a.cover_media_id, a.default_visibility, a.status, a.created_at, am.role,
	(SELECT count(*) FROM media m WHERE ` + itemsVisible("a.id", "$2", "am.role") + `)`

func scanAlbum(row pgx.Row) (*Album, error) {
	var a Album
	err := row.Scan(&a.ID, &a.OwnerID, &a.Title, &a.CoverMediaID, &a.DefaultVisibility, &a.Status, &a.CreatedAt, &a.MyRole, &a.ItemCount)
	if db.IsNoRows(err) {
		return nil, ErrNotFound
	}
	return &a, err
}

// Create makes an album owned by ownerID, with its owner as first member.
func (s *Store) Create(ctx context.Context, ownerID, title string, vis upload.Visibility) (*Album, error) {
	id := ids.New()
	err := pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO albums (id, owner_id, title, default_visibility) VALUES ($1,$2,$3,$4)`,
			id, ownerID, title, vis); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO album_members (album_id, user_id, role) VALUES ($1,$2,'owner')`, id, ownerID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Find(ctx, id, ownerID)
}

// Find returns an active album the user is a member of, else ErrNotFound.
func (s *Store) Find(ctx context.Context, albumID, userID string) (*Album, error) {
	return scanAlbum(s.q.QueryRow(ctx, `SELECT `+albumCols+` FROM albums a
		JOIN album_members am ON am.album_id = a.id AND am.user_id = $2
		WHERE a.id = $1 AND a.status = 'active'`, albumID, userID))
}

// ListForUser returns the active albums userID belongs to, newest first.
func (s *Store) ListForUser(ctx context.Context, userID string) ([]*Album, error) {
	rows, err := s.q.Query(ctx, `SELECT `+albumCols+`
		FROM album_members am JOIN albums a ON a.id = am.album_id
		WHERE am.user_id = $1 AND a.status = 'active' ORDER BY a.created_at DESC, a.id DESC LIMIT 1000`, userID, userID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Album, error) { return scanAlbum(r) })
}

// Role returns userID's role in an active album (None if not a member).
func (s *Store) Role(ctx context.Context, albumID, userID string) (Role, error) {
	var r *Role
	if err := s.q.QueryRow(ctx, `SELECT `+upload.MemberRoleSQL("$1", "$2"), albumID, userID).Scan(&r); err != nil || r == nil {
		return None, err
	}
	return *r, nil
}

// Update changes title and/or default visibility.
func (s *Store) Update(ctx context.Context, albumID string, title *string, vis *upload.Visibility) error {
	_, err := s.q.Exec(ctx, `UPDATE albums SET title = coalesce($2, title),
		default_visibility = coalesce($3, default_visibility) WHERE id = $1 AND status = 'active'`, albumID, title, vis)
	return err
}

// coverUsable is the rule for a cover chosen among an album's items: one
// that any member who did not upload it may see (upload.CanView for a
// member: ready, and visible to members).
var coverUsable = upload.VisibleSQL("NULL", "'member'", "TRUE")

// SetCover makes mediaID the cover if it is a ready members- or
// link-visible item of the album.
func (s *Store) SetCover(ctx context.Context, albumID, mediaID string) error {
	tag, err := s.q.Exec(ctx, `UPDATE albums SET cover_media_id = $2 WHERE id = $1 AND status = 'active' AND EXISTS (
		SELECT 1 FROM media m WHERE m.id = $2 AND m.album_id = $1 AND `+coverUsable+`)`, albumID, mediaID)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrCoverNotUsable
	}
	return err
}

// Members lists an album's members, owner first.
func (s *Store) Members(ctx context.Context, albumID string) ([]Member, error) {
	rows, err := s.q.Query(ctx, `SELECT u.id, u.nickname, u.avatar_media_id, am.role, am.joined_at
		FROM album_members am JOIN users u ON u.id = am.user_id WHERE am.album_id = $1
		ORDER BY am.role = 'owner' DESC, am.joined_at, u.id`, albumID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) {
		var m Member
		err := r.Scan(&m.UserID, &m.Nickname, &m.AvatarMediaID, &m.Role, &m.JoinedAt)
		return m, err
	})
}

// SetUploadedCover makes a cover item that just turned ready the album's
// cover; it runs in the transaction that marks the item ready.
func (s *Store) SetUploadedCover(ctx context.Context, albumID, mediaID string) error {
	_, err := s.q.Exec(ctx, `UPDATE albums SET cover_media_id = $2 WHERE id = $1 AND status = 'active'`, albumID, mediaID)
	return err
}

// RemoveMemberships deletes every membership of a user (account deletion)
// and returns how many.
func (s *Store) RemoveMemberships(ctx context.Context, userID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM album_members WHERE user_id = $1`, userID)
	return tag.RowsAffected(), err
}

// SetRole changes a non-owner member's role.
func (s *Store) SetRole(ctx context.Context, albumID, userID string, r Role) error {
	_, err := s.q.Exec(ctx, `UPDATE album_members SET role = $3 WHERE album_id = $1 AND user_id = $2 AND role <> 'owner'`, albumID, userID, r)
	return err
}

// RemoveMember deletes a membership, and revokes the invitations the
// member created, in one transaction; access ends with the row.
func (s *Store) RemoveMember(ctx context.Context, albumID, userID string) error {
	return db.InTx(ctx, s.q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM album_members WHERE album_id = $1 AND user_id = $2 AND role <> 'owner'`, albumID, userID); err != nil {
			return err
		}
		return revokeInvitesOf(ctx, tx, albumID, userID)
	})
}

// revokeInvitesOf ends the invitations a user made to an album: whoever
// no longer owns or belongs to an album stops bringing people in.
func revokeInvitesOf(ctx context.Context, tx pgx.Tx, albumID, userID string) error {
	_, err := tx.Exec(ctx, `UPDATE invites SET revoked_at = now() WHERE album_id = $1 AND created_by = $2 AND revoked_at IS NULL`, albumID, userID)
	return err
}

// Transfer makes newOwner the owner and the old owner a contributor, and
// revokes the old owner's invitations, in one transaction.
func (s *Store) Transfer(ctx context.Context, albumID, oldOwner, newOwner string) error {
	return db.InTx(ctx, s.q, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE albums SET owner_id = $3 WHERE id = $1 AND owner_id = $2 AND status = 'active'`, albumID, oldOwner, newOwner)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if _, err := tx.Exec(ctx, `UPDATE album_members SET role = 'contributor' WHERE album_id = $1 AND user_id = $2`, albumID, oldOwner); err != nil {
			return err
		}
		tag, err = tx.Exec(ctx, `UPDATE album_members SET role = 'owner' WHERE album_id = $1 AND user_id = $2`, albumID, newOwner)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrMemberNotFound
		}
		if err != nil {
			return err
		}
		return revokeInvitesOf(ctx, tx, albumID, oldOwner)
	})
}

// ItemsOf returns the ids of items userID uploaded into the album.
func (s *Store) ItemsOf(ctx context.Context, albumID, userID string) ([]string, error) {
	return db.Strings(ctx, s.q, `SELECT id FROM media WHERE album_id = $1 AND owner_id = $2 AND status <> 'deleting'`, albumID, userID)
}

// RankEntry is one member in the activity ranking.
type RankEntry struct {
	UserID   string `json:"user_id"`
	Nickname string `json:"nickname"`
	Items    int    `json:"items"`
}

// Ranking ranks current members by how many items they uploaded that the
// viewer ($2, with role $3) can see.
func (s *Store) Ranking(ctx context.Context, albumID, viewerID string, viewerRole Role) ([]RankEntry, error) {
	rows, err := s.q.Query(ctx, `SELECT u.id, u.nickname, count(m.id) AS n
		FROM album_members am JOIN albums a ON a.id = am.album_id JOIN users u ON u.id = am.user_id
		LEFT JOIN media m ON m.owner_id = am.user_id AND `+itemsVisible("$1", "$2", "$3::text")+`
		WHERE am.album_id = $1 GROUP BY u.id, u.nickname ORDER BY n DESC, u.id LIMIT 500`, albumID, viewerID, viewerRole)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (RankEntry, error) {
		var e RankEntry
		err := r.Scan(&e.UserID, &e.Nickname, &e.Items)
		return e, err
	})
}
