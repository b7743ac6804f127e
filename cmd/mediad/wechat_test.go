package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
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

// TestWeChatLoginIsRateLimited: sign-ins are bounded per client network
// and overall before WeChat is asked, so nobody can spend the app's WeChat
// quota: past the limits the answer is 429 with Retry-After, and the fake
// WeChat sees no call.
func TestWeChatLoginIsRateLimited(t *testing.T) {
	var calls atomic.Int64
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Write([]byte(`{"openid":"o-` + r.URL.Query().Get("js_code") + `","session_key":"k"}`))
	}))
	defer fake.Close()
	e := startEngine(t, "serve", map[string]string{
		"MEDIA_WECHAT_BASE_URL": fake.URL, "MEDIA_WECHAT_APPID": "wx1", "MEDIA_WECHAT_SECRET": "sec",
		"MEDIA_WECHAT_LOGIN_PER_NETWORK_PER_MINUTE": "3", "MEDIA_WECHAT_LOGIN_PER_MINUTE": "5",
	})
	from := func(network int, code string) *http.Response {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(network), 1)}}
		c := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
		resp, err := c.Post(e.base+"/v1/auth/wechat", "application/json", strings.NewReader(`{"code":"`+code+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	var got []int
	for i := range 5 { // one network: 3 pass, then 429
		got = append(got, from(1, fmt.Sprint("a", i)).StatusCode)
	}
	if !slices.Equal(got, []int{200, 200, 200, 429, 429}) {
		t.Errorf("one network: %v, want 3 sign-ins then 429", got)
	}
	got = nil
	for n := range 4 { // other networks: 2 more pass (5 overall), then 429
		got = append(got, from(10+n, fmt.Sprint("b", n)).StatusCode)
	}
	if !slices.Equal(got, []int{200, 200, 429, 429}) {
		t.Errorf("other networks: %v, want 2 more sign-ins, then 429 (overall limit)", got)
	}
	if resp := from(20, "c"); resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	if n := calls.Load(); n != 5 {
		t.Errorf("WeChat was asked %d times, want 5: refused sign-ins must not reach it", n)
	}
}
