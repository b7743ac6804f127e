package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fakeWeChat answers jscode2session like WeChat does, per code.
func fakeWeChat(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/sns/jscode2session" || q.Get("appid") != "wxapp" || q.Get("secret") != "s3cret" ||
			q.Get("grant_type") != "authorization_code" {
			w.WriteHeader(400)
			return
		}
		switch q.Get("js_code") {
		case "good":
			w.Write([]byte(`{"openid":"o-123","session_key":"sk","unionid":"u-9"}`))
		case "used":
			w.Write([]byte(`{"errcode":40029,"errmsg":"invalid code"}`))
		case "busy":
			w.Write([]byte(`{"errcode":45011,"errmsg":"api minute-quota reach limit"}`))
		case "system":
			w.Write([]byte(`{"errcode":-1,"errmsg":"system error"}`))
		case "garbage":
			w.Write([]byte(`<html>oops`))
		case "noopenid":
			w.Write([]byte(`{"session_key":"sk"}`))
		case "slow":
			time.Sleep(300 * time.Millisecond)
			w.Write([]byte(`{"openid":"late"}`))
		case "500":
			w.WriteHeader(500)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCode2Session(t *testing.T) {
	srv := fakeWeChat(t)
	w := NewWeChat(Config{WeChatBaseURL: srv.URL, WeChatAppID: "wxapp", WeChatSecret: "s3cret", WeChatTimeout: 100 * time.Millisecond})
	id, err := w.Code2Session(context.Background(), "good")
	if err != nil || id.OpenID != "o-123" || id.UnionID != "u-9" {
		t.Fatalf("good code: %+v, %v", id, err)
	}
	cases := map[string]error{
		"used": ErrInvalidCode, "busy": ErrWeChatRateLimit, "system": ErrWeChatDown, "garbage": ErrWeChatDown,
		"noopenid": ErrWeChatDown, "slow": ErrWeChatDown, "500": ErrWeChatDown,
	}
	for code, want := range cases {
		_, err := w.Code2Session(context.Background(), code)
		if !errors.Is(err, want) {
			t.Errorf("code %q: err = %v, want %v", code, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("code %q: error leaks the app secret: %v", code, err)
		}
	}
	unconfigured := NewWeChat(Config{WeChatBaseURL: srv.URL})
	if _, err := unconfigured.Code2Session(context.Background(), "good"); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("unconfigured: %v", err)
	}
}

func TestValidNickname(t *testing.T) {
	for in, want := range map[string]string{"Al": "Al", "  张三 ": "张三", strings.Repeat("a", 32): strings.Repeat("a", 32)} {
		if got, err := ValidNickname(in); err != nil || got != want {
			t.Errorf("ValidNickname(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "  ", strings.Repeat("a", 33), "a\x00b", "tab\there", "\xff"} {
		if _, err := ValidNickname(in); !errors.Is(err, ErrBadNickname) {
			t.Errorf("ValidNickname(%q) accepted", in)
		}
	}
}
