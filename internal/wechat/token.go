package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keys: the token itself (with a TTL of its remaining life) and the
// refresh lock. Scoped by appid, so two mini-programs can share a Redis.
func (c *Client) tokenKey() string { return "wechat:token:" + c.cfg.AppID }
func (c *Client) lockKey() string  { return "wechat:token-lock:" + c.cfg.AppID }

// lockTTL bounds how long a refresher may hold the lock (a crashed one
// releases it by expiry); waiters poll the token key meanwhile.
const (
	lockTTL   = 15 * time.Second
	pollEvery = 50 * time.Millisecond
)

// Token returns an access token with more than RefreshBefore left: the
// shared one from Redis, or a fresh one if it is missing or about to lapse.
// Of all processes asking at once, one fetches it.
func (c *Client) Token(ctx context.Context) (string, error) {
	if c.cfg.AppID == "" || c.cfg.Secret == "" {
		return "", ErrNotConfigured
	}
	deadline := time.Now().Add(lockTTL + c.cfg.Timeout)
	for {
		tok, ok, err := c.cachedToken(ctx)
		if err != nil || ok {
			return tok, err
		}
		got, err := c.rdb.SetNX(ctx, c.lockKey(), "1", lockTTL).Result()
		if err != nil {
			return "", fmt.Errorf("wechat token lock: %w", err)
		}
		if got {
			return c.refreshLocked(ctx)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%w: token refresh by another process did not finish", ErrUnavailable)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// cachedToken returns the stored token when it lives longer than
// RefreshBefore.
func (c *Client) cachedToken(ctx context.Context) (string, bool, error) {
	pipe := c.rdb.Pipeline()
	get := pipe.Get(ctx, c.tokenKey())
	ttl := pipe.PTTL(ctx, c.tokenKey())
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return "", false, fmt.Errorf("wechat token: %w", err)
	}
	tok := get.Val()
	return tok, tok != "" && ttl.Val() > c.cfg.RefreshBefore, nil
}

// refreshLocked fetches a token while holding the lock, stores it and
// releases the lock.
func (c *Client) refreshLocked(ctx context.Context) (string, error) {
	defer c.rdb.Del(context.WithoutCancel(ctx), c.lockKey())
	// Another process may have stored one between our read and our lock.
	if tok, ok, err := c.cachedToken(ctx); err != nil || ok {
		return tok, err
	}
	tok, life, err := c.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	if err := c.rdb.Set(ctx, c.tokenKey(), tok, life).Err(); err != nil {
		return "", fmt.Errorf("wechat token store: %w", err)
	}
	return tok, nil
}

// invalidate drops the stored token if it is still bad: a token another
// process already replaced stays.
var invalidateScript = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`)

func (c *Client) invalidate(ctx context.Context, bad string) error {
	return invalidateScript.Run(ctx, c.rdb, []string{c.tokenKey()}, bad).Err()
}

type tokenReply struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
}

// fetchToken asks WeChat for a new token (GET /cgi-bin/token).
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.cfg.AppID}, "secret": {c.cfg.Secret}}
	var r tokenReply
	if err := c.do(ctx, http.MethodGet, "/cgi-bin/token?"+q.Encode(), nil, &r); err != nil {
		return "", 0, err
	}
	if r.ErrCode != 0 {
		return "", 0, &Error{Code: r.ErrCode, Msg: r.ErrMsg}
	}
	if r.AccessToken == "" || r.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("%w: token reply without a token", ErrUnavailable)
	}
	return r.AccessToken, time.Duration(r.ExpiresIn) * time.Second, nil
}
