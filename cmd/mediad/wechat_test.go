package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestWeChatLogin signs in through a local fake of WeChat's
// jscode2session, including its failures.
func TestWeChatLogin(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("js_code") {
		case "c1", "c2":
			w.Write([]byte(`{"openid":"o-abc","session_key":"k"}`))
		case "used":
			w.Write([]byte(`{"errcode":40029,"errmsg":"invalid code"}`))
		case "busy":
			w.Write([]byte(`{"errcode":45011,"errmsg":"freq limit"}`))
		case "bad":
			w.Write([]byte(`not json`))
		case "slow":
			time.Sleep(500 * time.Millisecond)
		}
	}))
	defer fake.Close()
	e := startEngine(t, "serve", map[string]string{
		"MEDIA_WECHAT_BASE_URL": fake.URL, "MEDIA_WECHAT_APPID": "wx1", "MEDIA_WECHAT_SECRET": "sec",
		"MEDIA_WECHAT_TIMEOUT": "200ms",
	})
	type session struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	var s1, s2 session
	e.do("POST", "/v1/auth/wechat", "", map[string]string{"code": "c1"}, 200, &s1)
	e.do("POST", "/v1/auth/wechat", "", map[string]string{"code": "c2"}, 200, &s2)
	if s1.Token == "" || s1.User.ID == "" || s1.User.ID != s2.User.ID || s1.Token == s2.Token {
		t.Fatalf("same openid should be one user with two sessions: %+v %+v", s1, s2)
	}
	e.do("GET", "/v1/me", s1.Token, nil, 200, nil)
	if n := e.count(`SELECT count(*) FROM users WHERE openid = 'o-abc'`); n != 1 {
		t.Errorf("users with openid: %d", n)
	}
	for code, want := range map[string]struct {
		status int
		code   string
	}{
		"used": {401, "wechat_invalid_code"}, "busy": {429, "wechat_rate_limited"},
		"bad": {502, "wechat_unavailable"}, "slow": {502, "wechat_unavailable"}, "": {400, "invalid_request"},
	} {
		b := e.do("POST", "/v1/auth/wechat", "", map[string]string{"code": code}, want.status, nil)
		if got := errorCode(t, b); got != want.code {
			t.Errorf("code %q: error code %q, want %q", code, got, want.code)
		}
	}
	b := e.do("POST", "/v1/auth/wechat", "", map[string]any{"code": 5}, 400, nil)
	errorCode(t, b)
}
