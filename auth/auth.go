// Package auth signs mini-program users in (WeChat jscode2session, or a dev
// login for local work), issues session tokens and resolves them. Only what
// the service needs is kept: openid (and unionid when given), a nickname and
// an avatar reference. Tokens are stored as SHA-256 hashes.
package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Config configures sign-in and sessions.
type Config struct {
	SessionTTL    time.Duration // default 30 days
	DevLogin      bool          // POST /v1/auth/dev; never on by default
	WeChatBaseURL string        // default https://api.weixin.qq.com
	WeChatAppID   string
	WeChatSecret  string
	WeChatTimeout time.Duration // default 5s
	// PolicyVersion is the privacy policy users must have accepted before
	// any write; "" turns the consent gate off.
	PolicyVersion string
	// ReauthWindow is how fresh a sign-in must be for account deletion.
	ReauthWindow time.Duration // default 5m
	// WeChat sign-ins per minute from one client network and overall.
	WeChatPerNetwork int // default 30
	WeChatOverall    int // default 1200
}

// Defaults fills zero values.
func (c Config) Defaults() Config {
	if c.SessionTTL == 0 {
		c.SessionTTL = 30 * 24 * time.Hour
	}
	if c.WeChatBaseURL == "" {
		c.WeChatBaseURL = "https://api.weixin.qq.com"
	}
	if c.WeChatTimeout == 0 {
		c.WeChatTimeout = 5 * time.Second
	}
	if c.ReauthWindow == 0 {
		c.ReauthWindow = 5 * time.Minute
	}
	if c.WeChatPerNetwork == 0 {
		c.WeChatPerNetwork = 30
	}
	if c.WeChatOverall == 0 {
		c.WeChatOverall = 1200
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.SessionTTL < time.Minute {
		return errors.New("MEDIA_SESSION_TTL: want at least 1m")
	}
	u, err := url.Parse(c.WeChatBaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("MEDIA_WECHAT_BASE_URL: want an http(s) URL, got %q", c.WeChatBaseURL)
	}
	return nil
}

// User is a signed-in person, as the API shows them.
type User struct {
	ID            string    `json:"id"`
	Nickname      string    `json:"nickname"`
	AvatarMediaID *string   `json:"avatar_media_id"`
	CreatedAt     time.Time `json:"created_at"`
	PolicyVersion *string   `json:"policy_version"`
}

// Errors of this package.
var (
	ErrInvalidCode     = apperr.New(http.StatusUnauthorized, "wechat_invalid_code", "The WeChat login code is invalid or was already used.")
	ErrWeChatRateLimit = apperr.New(http.StatusTooManyRequests, "wechat_rate_limited", "WeChat is rate limiting sign-ins; try again shortly.")
	ErrTooManySignIns  = apperr.New(http.StatusTooManyRequests, "rate_limited", "Too many sign-ins right now; try again after the time in Retry-After.")
	ErrWeChatDown      = apperr.New(http.StatusBadGateway, "wechat_unavailable", "WeChat sign-in is not answering; try again.")
	ErrNotConfigured   = apperr.New(http.StatusServiceUnavailable, "wechat_not_configured", "WeChat sign-in is not configured on this server.")
	ErrBadNickname     = apperr.New(http.StatusBadRequest, "invalid_nickname", "Nickname must be 1 to 32 characters.")
	ErrConsentRequired = apperr.New(http.StatusPreconditionRequired, "policy_consent_required", "Accept the current privacy policy first (POST /v1/me/consent).")
	ErrBadPolicy       = apperr.New(http.StatusBadRequest, "invalid_policy_version", "That is not the current privacy policy version.")
	ErrReauthRequired  = apperr.New(http.StatusUnauthorized, "reauth_required", "Sign in again to do this.")
)
