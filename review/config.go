// Package review checks what users publish with WeChat's content security
// (mediaCheckAsync): every ready photo, cover, avatar and video poster is
// submitted, stays hidden from everyone but its uploader while the check
// is pending, and the result pushed to POST /v1/wechat/events decides
// whether others see it. The review state lives on the media row
// (upload owns it; this package writes it through upload.Store methods).
package review

import (
	"errors"
	"time"

	"github.com/wxalbum/mediad/internal/wechat"
)

// Config says whether and how content is checked.
type Config struct {
	// Enabled turns checks on (MEDIA_WECHAT_MEDIA_CHECK). Off, nothing is
	// submitted and media.review stays NULL.
	Enabled bool
	// Timeout is how long a submission waits for its result before the
	// sweep submits it again.
	Timeout time.Duration
	// MaxTries is how many submissions an item gets before the check is
	// given up (unchecked).
	MaxTries int
	// FailOpen shows items whose check was given up (unchecked_open)
	// instead of keeping them hidden (unchecked).
	FailOpen bool
	// URLTTL is how long the signed URL WeChat fetches stays valid.
	URLTTL time.Duration
}

// Defaults returns the defaults: off; resubmit after 30 minutes; give up
// after 3 tries and keep the item hidden.
func (Config) Defaults() Config {
	return Config{Timeout: 30 * time.Minute, MaxTries: 3, URLTTL: 2 * time.Hour}
}

// Validate checks c against the WeChat settings it needs when enabled:
// the appid and secret to submit, the push token to trust results.
func (c Config) Validate(w wechat.Config) error {
	if !c.Enabled {
		return nil
	}
	switch {
	case w.AppID == "":
		return errors.New("MEDIA_WECHAT_APPID: required with MEDIA_WECHAT_MEDIA_CHECK=true")
	case w.Secret == "":
		return errors.New("MEDIA_WECHAT_SECRET: required with MEDIA_WECHAT_MEDIA_CHECK=true")
	case w.PushToken == "":
		return errors.New("MEDIA_WECHAT_PUSH_TOKEN: required with MEDIA_WECHAT_MEDIA_CHECK=true")
	case c.Timeout <= 0:
		return errors.New("MEDIA_REVIEW_TIMEOUT: want > 0")
	case c.MaxTries < 1:
		return errors.New("MEDIA_REVIEW_MAX_TRIES: want >= 1")
	}
	return nil
}
