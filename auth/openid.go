package auth

import (
	"context"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/db"
)

// OpenID returns the WeChat openid of a user, for server APIs that address
// a user by it (subscribe messages, content checks). A deleted user (no
// openid any more) or an unknown one is apperr.NotFound.
func (s *Store) OpenID(ctx context.Context, userID string) (string, error) {
	var openid *string
	err := s.q.QueryRow(ctx, `SELECT openid FROM users WHERE id = $1`, userID).Scan(&openid)
	if err != nil && !db.IsNoRows(err) {
		return "", err
	}
	if openid == nil {
		return "", apperr.NotFound
	}
	return *openid, nil
}
