// Package wechat calls WeChat's server APIs (the ones that need an access
// token: content security, subscribe messages) and checks the signature of
// WeChat's message pushes. It is plumbing: features say what to send; this
// package knows tokens, URLs and error codes.
//
// The access token (client_credential) is shared by every mediad process
// through Redis: fetched once, kept with its expiry, refreshed before it
// lapses by one process at a time (a Redis lock), and refreshed once more
// when WeChat says it is no longer valid (40001, 42001). It is never logged
// and never part of an error.
package wechat

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config is how to reach WeChat's server APIs.
type Config struct {
	BaseURL string        // https://api.weixin.qq.com; tests point it at a local fake
	AppID   string        // the mini-program's appid
	Secret  string        // its AppSecret
	Timeout time.Duration // per HTTP call
	// RefreshBefore is how long before its expiry a token is replaced, so
	// a call never carries one that lapses on the way.
	RefreshBefore time.Duration
	// PushToken is the message-push token configured in the mini-program's
	// admin console; pushes are signed with it (VerifySignature).
	PushToken string
}

// Defaults returns the defaults.
func (Config) Defaults() Config {
	return Config{BaseURL: "https://api.weixin.qq.com", Timeout: 5 * time.Second, RefreshBefore: 5 * time.Minute}
}

// Validate checks c; an empty AppID or Secret is allowed (the server APIs
// are then unavailable: ErrNotConfigured).
func (c Config) Validate() error {
	switch {
	case !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://"):
		return errors.New("MEDIA_WECHAT_BASE_URL: want an http(s) URL")
	case c.Timeout <= 0:
		return errors.New("MEDIA_WECHAT_TIMEOUT: want > 0")
	case c.RefreshBefore < 0 || c.RefreshBefore >= time.Hour:
		return errors.New("MEDIA_WECHAT_TOKEN_REFRESH_BEFORE: want 0 to under 1h (tokens live 2h)")
	}
	return nil
}

// Errors of calls to WeChat.
var (
	ErrNotConfigured = errors.New("wechat: appid or secret not configured")
	ErrUnavailable   = errors.New("wechat: unavailable") // network, HTTP status, malformed reply
)

// Error is an errcode WeChat answered with.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("wechat: errcode %d: %s", e.Code, e.Msg) }

// Codes callers act on.
const (
	CodeTokenInvalid  = 40001 // access token invalid (replaced elsewhere, or revoked)
	CodeTokenExpired  = 42001 // access token expired
	CodeRateLimited   = 45009 // API call quota reached
	CodeTooFrequent   = 45011 // calls too frequent
	CodeSystemBusy    = -1    // system busy, try later
	CodeUserRefused   = 43101 // the user refused (or used up) the subscription
	CodeMediaTooLarge = 40006 // media too large (content security)
)

// HasCode reports whether err is WeChat's answer code.
func HasCode(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// IsRateLimited reports whether WeChat asked us to slow down: retry later,
// with backoff.
func IsRateLimited(err error) bool {
	return HasCode(err, CodeRateLimited) || HasCode(err, CodeTooFrequent) || HasCode(err, CodeSystemBusy)
}

// tokenInvalid: the token a call carried is no longer good.
func tokenInvalid(err error) bool {
	return HasCode(err, CodeTokenInvalid) || HasCode(err, CodeTokenExpired) || HasCode(err, 40014)
}
