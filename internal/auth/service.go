package auth

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Service signs users in and out.
type Service struct {
	cfg    Config
	store  *Store
	wechat *WeChat
}

// NewService validates cfg and returns a Service.
func NewService(cfg Config, store *Store) (*Service, error) {
	cfg = cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, store: store, wechat: NewWeChat(cfg)}, nil
}

// Session is a freshly issued token with its user.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      *User     `json:"user"`
}

// LoginWeChat exchanges a mini-program login code for a session.
func (s *Service) LoginWeChat(ctx context.Context, code string) (*Session, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 256 {
		return nil, apperr.Invalidf("code is required.")
	}
	id, err := s.wechat.Code2Session(ctx, code)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UpsertByOpenID(ctx, id.OpenID, id.UnionID, "")
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, u)
}

// LoginDev signs in as the local user called name. It exists for local
// development only and is refused unless dev login is configured.
func (s *Service) LoginDev(ctx context.Context, name string) (*Session, error) {
	if !s.cfg.DevLogin {
		return nil, apperr.NotFound
	}
	nick, err := ValidNickname(name)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UpsertByOpenID(ctx, "dev:"+nick, "", nick)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, u)
}

func (s *Service) issue(ctx context.Context, u *User) (*Session, error) {
	tok, exp, err := s.store.CreateSession(ctx, u.ID, s.cfg.SessionTTL)
	if err != nil {
		return nil, err
	}
	return &Session{Token: tok, ExpiresAt: exp, User: u}, nil
}

// Authenticate resolves a bearer token; failures are apperr.Unauthorized.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	if token == "" || len(token) > 128 {
		return nil, apperr.Unauthorized
	}
	return s.store.UserBySession(ctx, token)
}

// Logout revokes the session token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.RevokeSession(ctx, token)
}

// Me returns the caller's profile.
func (s *Service) Me(ctx context.Context, userID string) (*User, error) {
	return s.store.FindUser(ctx, userID)
}

// SetNickname changes the caller's nickname.
func (s *Service) SetNickname(ctx context.Context, userID, nickname string) (*User, error) {
	nick, err := ValidNickname(nickname)
	if err != nil {
		return nil, err
	}
	return s.store.SetNickname(ctx, userID, nick)
}

// ValidNickname trims n and checks it has 1 to 32 characters and no control
// characters.
func ValidNickname(n string) (string, error) {
	n = strings.TrimSpace(n)
	if c := utf8.RuneCountInString(n); c < 1 || c > 32 || !utf8.ValidString(n) {
		return "", ErrBadNickname
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f {
			return "", ErrBadNickname
		}
	}
	return n, nil
}
