package albums

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/notify"
)

// Invite is an invitation to join an album with a role.
type Invite struct {
	ID        string    `json:"id"`
	AlbumID   string    `json:"album_id"`
	Role      Role      `json:"role"`
	MaxUses   int       `json:"max_uses"`
	Uses      int       `json:"uses"`
	ExpiresAt time.Time `json:"expires_at"`
	Token     string    `json:"token,omitempty"` // only at creation
}

// InvitePreview is what a prospective member sees before accepting:
// enough to decide, nothing more.
type InvitePreview struct {
	AlbumTitle      string  `json:"album_title"`
	CoverMediaID    *string `json:"-"`
	CoverThumbURL   string  `json:"cover_thumb_url,omitempty"`
	InviterNickname string  `json:"inviter_nickname"`
	Role            Role    `json:"role"`
}

// CreateInvite stores a new invitation; only the token's hash is kept.
func (s *Store) CreateInvite(ctx context.Context, albumID, by string, r Role, ttl time.Duration, maxUses int) (*Invite, error) {
	inv := &Invite{ID: ids.New(), AlbumID: albumID, Role: r, MaxUses: maxUses, Token: ids.Token(),
		ExpiresAt: time.Now().Add(ttl).UTC().Truncate(time.Second)}
	_, err := s.q.Exec(ctx, `INSERT INTO invites (id, album_id, token_hash, role, created_by, max_uses, expires_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7)`, inv.ID, albumID, ids.Hash(inv.Token), r, by, maxUses, inv.ExpiresAt)
	return inv, err
}

// inviteState is an invitation looked up by token.
type inviteState struct {
	Invite
	Usable bool
}

func (s *Store) inviteByToken(ctx context.Context, q pgx.Tx, token string, lock bool) (*inviteState, error) {
	sql := `SELECT i.id, i.album_id, i.role, i.max_uses, i.uses, i.expires_at,
		(i.revoked_at IS NULL AND i.expires_at > now() AND i.uses < i.max_uses AND a.status = 'active')
		FROM invites i JOIN albums a ON a.id = i.album_id WHERE i.token_hash = $1`
	if lock {
		sql += ` FOR UPDATE OF i`
	}
	var st inviteState
	var row pgx.Row
	if q != nil {
		row = q.QueryRow(ctx, sql, ids.Hash(token))
	} else {
		row = s.q.QueryRow(ctx, sql, ids.Hash(token))
	}
	err := row.Scan(&st.ID, &st.AlbumID, &st.Role, &st.MaxUses, &st.Uses, &st.ExpiresAt, &st.Usable)
	if db.IsNoRows(err) {
		return nil, ErrInviteNotFound
	}
	return &st, err
}

// PreviewInvite returns what an invitation offers; a dead one is ErrInviteGone.
func (s *Store) PreviewInvite(ctx context.Context, token string) (*InvitePreview, error) {
	st, err := s.inviteByToken(ctx, nil, token, false)
	if err != nil {
		return nil, err
	}
	if !st.Usable {
		return nil, ErrInviteGone
	}
	var p InvitePreview
	err = s.q.QueryRow(ctx, `SELECT a.title, a.cover_media_id, u.nickname FROM invites i
		JOIN albums a ON a.id = i.album_id JOIN users u ON u.id = i.created_by WHERE i.id = $1`, st.ID).
		Scan(&p.AlbumTitle, &p.CoverMediaID, &p.InviterNickname)
	p.Role = st.Role
	return &p, err
}

// AcceptInvite adds userID to the invitation's album, counting one use, in
// one transaction so max_uses holds under concurrent accepts.
func (s *Store) AcceptInvite(ctx context.Context, token, userID string, maxMembers int) (string, error) {
	var albumID string
	err := pgx.BeginFunc(ctx, s.q, func(tx pgx.Tx) error {
		st, err := s.inviteByToken(ctx, tx, token, true)
		if err != nil {
			return err
		}
		if !st.Usable {
			return ErrInviteGone
		}
		albumID = st.AlbumID
		// Accepts of different invitations race for the last places: the
		// album row lock makes them count members one after the other.
		var status Status
		if err := tx.QueryRow(ctx, `SELECT status FROM albums WHERE id = $1 FOR NO KEY UPDATE`, st.AlbumID).Scan(&status); err != nil {
			return err
		}
		if status != Active {
			return ErrInviteGone
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM album_members WHERE album_id = $1`, st.AlbumID).Scan(&n); err != nil {
			return err
		}
		if n >= maxMembers {
			return ErrTooManyMembers
		}
		tag, err := tx.Exec(ctx, `INSERT INTO album_members (album_id, user_id, role) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
			st.AlbumID, userID, st.Role)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrAlreadyMember
		}
		if _, err = tx.Exec(ctx, `UPDATE invites SET uses = uses + 1 WHERE id = $1`, st.ID); err != nil {
			return err
		}
		// The owner hears of the newcomer with the join itself.
		owners, err := db.Strings(ctx, tx, `SELECT user_id FROM album_members WHERE album_id = $1 AND role = $2`, st.AlbumID, Owner)
		if err != nil {
			return err
		}
		return notify.NewStore(tx).AddAbout(ctx, owners, notify.MemberJoined, st.AlbumID)
	})
	return albumID, err
}

// RevokeInvite ends an invitation of the album at once.
func (s *Store) RevokeInvite(ctx context.Context, albumID, inviteID string) error {
	tag, err := s.q.Exec(ctx, `UPDATE invites SET revoked_at = now() WHERE id = $1 AND album_id = $2 AND revoked_at IS NULL`, inviteID, albumID)
	if err == nil && tag.RowsAffected() == 0 {
		return ErrInviteNotFound
	}
	return err
}

// RevokeInvitesBy ends every invitation a user created (account deletion).
func (s *Store) RevokeInvitesBy(ctx context.Context, userID string) error {
	_, err := s.q.Exec(ctx, `UPDATE invites SET revoked_at = now() WHERE created_by = $1 AND revoked_at IS NULL`, userID)
	return err
}

// DeleteInvitesBy removes the invitations a user created and returns how many.
func (s *Store) DeleteInvitesBy(ctx context.Context, userID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM invites WHERE created_by = $1`, userID)
	return tag.RowsAffected(), err
}

// PurgeInvites deletes invitations dead (expired or revoked, whichever came
// first) before before (retention) and returns how many.
func (s *Store) PurgeInvites(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM invites WHERE least(revoked_at, expires_at) < $1`, before)
	return tag.RowsAffected(), err
}
