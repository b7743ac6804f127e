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

// LoginWeChat exchanges a mini-program login code for a session; a
// non-empty policyVersion records the user's consent to that version.
func (s *Service) LoginWeChat(ctx context.Context, code, policyVersion string) (*Session, error) {
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
	return s.issue(ctx, u, policyVersion)
}

// LoginDev signs in as the local user called name. It exists for local
// development only and is refused unless dev login is configured.
func (s *Service) LoginDev(ctx context.Context, name, policyVersion string) (*Session, error) {
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
	return s.issue(ctx, u, policyVersion)
}

func (s *Service) issue(ctx context.Context, u *User, policyVersion string) (*Session, error) {
	if policyVersion != "" {
		var err error
		if u, err = s.Consent(ctx, u.ID, policyVersion); err != nil {
			return nil, err
		}
	}
	tok, exp, err := s.store.CreateSession(ctx, u.ID, s.cfg.SessionTTL)
	if err != nil {
		return nil, err
	}
	return &Session{Token: tok, ExpiresAt: exp, User: u}, nil
}

// Authenticate resolves a bearer token to its user and the session's
// issue time; failures are apperr.Unauthorized.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, time.Time, error) {
	if token == "" || len(token) > 128 {
		return nil, time.Time{}, apperr.Unauthorized
	}
	return s.store.UserBySession(ctx, token)
}

// Consent records acceptance of policy version v, which must be the
// current one.
func (s *Service) Consent(ctx context.Context, userID, v string) (*User, error) {
	if v != s.cfg.PolicyVersion || v == "" {
		return nil, ErrBadPolicy
	}
	return s.store.AcceptPolicy(ctx, userID, v)
}

// ConsentRequired reports whether u must accept a newer policy before writing.
func (s *Service) ConsentRequired(u *User) bool {
	return s.cfg.PolicyVersion != "" && (u.PolicyVersion == nil || *u.PolicyVersion != s.cfg.PolicyVersion)
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
