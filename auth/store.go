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

// PurgeExpiredSessions deletes sessions past their expiry or revoked; it
// returns how many it removed.
func (s *Store) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := s.q.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= now() OR revoked_at IS NOT NULL`)
	return tag.RowsAffected(), err
}
