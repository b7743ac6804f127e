package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Client calls WeChat's server APIs with the shared access token.
type Client struct {
	cfg Config
	hc  *http.Client
	rdb redis.UniversalClient
}

// New returns a client for cfg keeping its token in rdb.
func New(cfg Config, rdb redis.UniversalClient) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, rdb: rdb, hc: &http.Client{Timeout: cfg.Timeout}}
}

// Configured reports whether the server APIs can be called.
func (c *Client) Configured() bool { return c.cfg.AppID != "" && c.cfg.Secret != "" }

// status is the errcode/errmsg every server API answers with.
type status struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Post calls the server API at path (e.g. "/wxa/media_check_async") with
// in as its JSON body and decodes the reply into out (which may be nil).
// A reply with a non-zero errcode is an *Error. When WeChat says the token
// is no longer valid, the token is refreshed once and the call retried.
func (c *Client) Post(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		err = c.post(ctx, path, tok, body, out)
		if attempt == 0 && tokenInvalid(err) {
			if ierr := c.invalidate(ctx, tok); ierr != nil {
				return fmt.Errorf("wechat token: %w", ierr)
			}
			continue
		}
		return err
	}
}

func (c *Client) post(ctx context.Context, path, tok string, body []byte, out any) error {
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodPost, path+"?access_token="+url.QueryEscape(tok), body, &raw); err != nil {
		return err
	}
	var st status
	if err := json.Unmarshal(raw, &st); err != nil {
		return fmt.Errorf("%w: malformed reply", ErrUnavailable)
	}
	if st.ErrCode != 0 {
		return &Error{Code: st.ErrCode, Msg: st.ErrMsg}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%w: malformed reply", ErrUnavailable)
	}
	return nil
}

// do sends one request and decodes a 200 reply's JSON into out. Errors
// never carry the URL: it holds the secret or the token.
func (c *Client) do(ctx context.Context, method, pathQuery string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+pathQuery, rd)
	if err != nil {
		return fmt.Errorf("%w: bad request", ErrUnavailable)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: status %d", ErrUnavailable, resp.StatusCode)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: malformed reply", ErrUnavailable)
	}
	return nil
}
