package auth

import (
	"context"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
)

// Store keeps users and sessions in PostgreSQL.
type Store struct{ q db.Conn }

// NewStore returns a Store running on q: the pool, or a transaction.
func NewStore(q db.Conn) *Store { return &Store{q: q} }

const userCols = `id, nickname, avatar_media_id, created_at, policy_version`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	if err := row.Scan(&u.ID, &u.Nickname, &u.AvatarMediaID, &u.CreatedAt, &u.PolicyVersion); err != nil {
		if db.IsNoRows(err) {
			return nil, apperr.Unauthorized
		}
		return nil, err
	}
	return &u, nil
}

// UpsertByOpenID finds the user with openid or creates one. A unionid, when
// WeChat gives one, is recorded.
func (s *Store) UpsertByOpenID(ctx context.Context, openID, unionID, nickname string) (*User, error) {
	row := s.q.QueryRow(ctx, `
		INSERT INTO users (id, openid, unionid, nickname) VALUES ($1, $2, NULLIF($3,''), $4)
		ON CONFLICT (openid) DO UPDATE SET unionid = COALESCE(NULLIF($3,''), users.unionid)
		RETURNING `+userCols, ids.New(), openID, unionID, nickname)
	return scanUser(row)
}

// CreateSession stores the hash of a new token and returns the token.
func (s *Store) CreateSession(ctx context.Context, userID string, ttl time.Duration) (string, time.Time, error) {
	tok := ids.Token()
	exp := time.Now().Add(ttl).UTC()
	_, err := s.q.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1,$2,$3)`,
		ids.Hash(tok), userID, exp)
	return tok, exp, err
}

// UserBySession resolves a live session token to its user and the time
// the session was issued; anything else (unknown, expired, revoked, a
// deleted account) is apperr.Unauthorized.
func (s *Store) UserBySession(ctx context.Context, token string) (*User, time.Time, error) {
	var u User
	var issued time.Time
	err := s.q.QueryRow(ctx, `
		SELECT u.id, u.nickname, u.avatar_media_id, u.created_at, u.policy_version, s.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL`,
		ids.Hash(token)).Scan(&u.ID, &u.Nickname, &u.AvatarMediaID, &u.CreatedAt, &u.PolicyVersion, &issued)
	if db.IsNoRows(err) {
		return nil, issued, apperr.Unauthorized
	}
	return &u, issued, err
}

// AcceptPolicy records that the user accepted policy version v now.
func (s *Store) AcceptPolicy(ctx context.Context, userID, v string) (*User, error) {
	return scanUser(s.q.QueryRow(ctx, `UPDATE users SET policy_version = $2, policy_accepted_at = now()
		WHERE id = $1 RETURNING `+userCols, userID, v))
}

// RevokeSession ends a session at once.
func (s *Store) RevokeSession(ctx context.Context, token string) error {
	_, err := s.q.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL`, ids.Hash(token))
	return err
}

// FindUser returns a user by id.
func (s *Store) FindUser(ctx context.Context, id string) (*User, error) {
	return scanUser(s.q.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
}

// SetNickname changes a user's nickname.
func (s *Store) SetNickname(ctx context.Context, id, nickname string) (*User, error) {
	return scanUser(s.q.QueryRow(ctx, `UPDATE users SET nickname = $2 WHERE id = $1 RETURNING `+userCols, id, nickname))
}

// SetAvatar makes mediaID the user's avatar and returns the avatar it
// replaced ("" if none), which the caller deletes. It runs in the
// transaction that turns the avatar item ready.
func (s *Store) SetAvatar(ctx context.Context, userID, mediaID string) (replaced string, err error) {
	var old *string
	err = s.q.QueryRow(ctx, `UPDATE users u SET avatar_media_id = $2
		FROM (SELECT avatar_media_id AS old FROM users WHERE id = $1 FOR UPDATE) prev
		WHERE u.id = $1 RETURNING prev.old`, userID, mediaID).Scan(&old)
	if db.IsNoRows(err) {
		return "", nil
	}
	if old != nil && *old != mediaID {
		replaced = *old
	}
	return replaced, err
}

// RevokeSessions ends every session of the user at once and returns how
// many were live (account deletion).
func (s *Store) RevokeSessions(ctx context.Context, userID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	return tag.RowsAffected(), err
}

// ClearIdentity forgets who a user is (openid, unionid, nickname) and marks
// the account deleted, so the same WeChat account can sign up fresh; the
// row stays as a tombstone for receipts' foreign keys.
func (s *Store) ClearIdentity(ctx context.Context, userID string) error {
	_, err := s.q.Exec(ctx, `UPDATE users SET openid = NULL, unionid = NULL, nickname = '', deleted_at = coalesce(deleted_at, now())
		WHERE id = $1`, userID)
	return err
}

// Tombstone clears everything left on a deleted user's row: identity,
// avatar and consent; only the id and the deletion time stay.
func (s *Store) Tombstone(ctx context.Context, userID string) error {
	_, err := s.q.Exec(ctx, `UPDATE users SET openid = NULL, unionid = NULL, nickname = '', avatar_media_id = NULL,
		policy_version = NULL, policy_accepted_at = NULL, deleted_at = coalesce(deleted_at, now()) WHERE id = $1`, userID)
	return err
}

// DeleteSessions removes a user's session rows and returns how many.
func (s *Store) DeleteSessions(ctx context.Context, userID string) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return tag.RowsAffected(), err
}

// PurgeSessions deletes sessions expired before before, and revoked ones
// (retention), and returns how many.
func (s *Store) PurgeSessions(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR revoked_at IS NOT NULL`, before)
	return tag.RowsAffected(), err
}
