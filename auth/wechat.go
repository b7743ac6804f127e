package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// WeChat exchanges mini-program login codes through jscode2session.
type WeChat struct {
	base, appID, secret string
	hc                  *http.Client
}

// NewWeChat returns a client for cfg.
func NewWeChat(cfg Config) *WeChat {
	return &WeChat{base: strings.TrimRight(cfg.WeChatBaseURL, "/"), appID: cfg.WeChatAppID,
		secret: cfg.WeChatSecret, hc: &http.Client{Timeout: cfg.WeChatTimeout}}
}

// Identity is what WeChat tells us about the person behind a code.
type Identity struct {
	OpenID  string
	UnionID string
}

type code2SessionReply struct {
	OpenID  string `json:"openid"`
	UnionID string `json:"unionid"`
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Code2Session exchanges code. The session_key WeChat returns is not kept:
// the service never decrypts user data with it.
func (w *WeChat) Code2Session(ctx context.Context, code string) (Identity, error) {
	if w.appID == "" || w.secret == "" {
		return Identity{}, ErrNotConfigured
	}
	q := url.Values{"appid": {w.appID}, "secret": {w.secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.base+"/sns/jscode2session?"+q.Encode(), nil)
	if err != nil {
		return Identity{}, err
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		// The error text contains the URL, and with it our secret: drop it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Identity{}, fmt.Errorf("%w: %v", ErrWeChatDown, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		return Identity{}, fmt.Errorf("%w: status %d", ErrWeChatDown, resp.StatusCode)
	}
	var r code2SessionReply
	if err := json.Unmarshal(body, &r); err != nil {
		return Identity{}, fmt.Errorf("%w: malformed reply", ErrWeChatDown)
	}
	switch {
	case r.ErrCode == 40029 || r.ErrCode == 40163:
		return Identity{}, ErrInvalidCode
	case r.ErrCode == 45011:
		return Identity{}, ErrWeChatRateLimit
	case r.ErrCode != 0:
		return Identity{}, fmt.Errorf("%w: errcode %d", ErrWeChatDown, r.ErrCode)
	case r.OpenID == "":
		return Identity{}, fmt.Errorf("%w: reply without openid", ErrWeChatDown)
	}
	return Identity{OpenID: r.OpenID, UnionID: r.UnionID}, nil
}
