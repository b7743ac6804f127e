package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/testenv"
)

// fake is a local stand-in for api.weixin.qq.com: it hands out numbered
// tokens and answers /echo with the errcode queued in reject (for the
// token it names) or 0.
type fake struct {
	srv    *httptest.Server
	tokens atomic.Int64
	mu     sync.Mutex
	valid  map[string]bool
}

func newFake(t *testing.T) *fake {
	f := &fake{valid: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/token":
			if r.URL.Query().Get("secret") != "s3cret" {
				fmt.Fprint(w, `{"errcode":40125,"errmsg":"invalid appsecret"}`)
				return
			}
			time.Sleep(20 * time.Millisecond) // a real round trip: concurrent callers overlap
			tok := fmt.Sprintf("tok-%d", f.tokens.Add(1))
			f.mu.Lock()
			f.valid[tok] = true
			f.mu.Unlock()
			fmt.Fprintf(w, `{"access_token":%q,"expires_in":7200}`, tok)
		case "/echo":
			f.mu.Lock()
			ok := f.valid[r.URL.Query().Get("access_token")]
			f.mu.Unlock()
			if !ok {
				fmt.Fprint(w, `{"errcode":40001,"errmsg":"invalid credential"}`)
				return
			}
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok","trace_id":"t1"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// revoke makes every token issued so far invalid (as when the token was
// refreshed by another party).
func (f *fake) revoke() {
	f.mu.Lock()
	f.valid = map[string]bool{}
	f.mu.Unlock()
}

func testClient(t *testing.T, f *fake, appID string) *Client {
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() {
		rdb.Del(context.Background(), "wechat:token:"+appID, "wechat:token-lock:"+appID)
		rdb.Close()
	})
	cfg := Config{}.Defaults()
	cfg.BaseURL, cfg.AppID, cfg.Secret = f.srv.URL, appID, "s3cret"
	return New(cfg, rdb)
}

// TestTokenRefreshUnderConcurrencyMakesOneCall: 3 clients (3 processes)
// and 30 callers at once share one fetched token.
func TestTokenRefreshUnderConcurrencyMakesOneCall(t *testing.T) {
	f := newFake(t)
	app := "app-" + ids.New()
	clients := []*Client{testClient(t, f, app), testClient(t, f, app), testClient(t, f, app)}
	var wg sync.WaitGroup
	got := make([]string, 30)
	errs := make([]error, 30)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = clients[i%3].Token(context.Background())
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != "tok-1" {
			t.Fatalf("caller %d: token %q, %v; want tok-1", i, got[i], errs[i])
		}
	}
	if n := f.tokens.Load(); n != 1 {
		t.Errorf("WeChat was asked for %d tokens, want 1", n)
	}
}

// TestInvalidTokenIsRefreshedOnceAndRetried: a 40001 drops the stored
// token, fetches one and retries the call; a second 40001 is returned.
func TestInvalidTokenIsRefreshedOnceAndRetried(t *testing.T) {
	f := newFake(t)
	c := testClient(t, f, "app-"+ids.New())
	var out struct {
		TraceID string `json:"trace_id"`
	}
	if err := c.Post(context.Background(), "/echo", map[string]string{"a": "b"}, &out); err != nil || out.TraceID != "t1" {
		t.Fatalf("first call: %v, %+v", err, out)
	}
	f.revoke()
	if err := c.Post(context.Background(), "/echo", map[string]string{"a": "b"}, &out); err != nil {
		t.Fatalf("call after the token was revoked: %v", err)
	}
	if n := f.tokens.Load(); n != 2 {
		t.Errorf("tokens fetched: %d, want 2 (one refresh)", n)
	}
	// A token that WeChat refuses again is not retried in a loop.
	c2 := New(Config{BaseURL: f.srv.URL, AppID: c.cfg.AppID, Secret: "s3cret", Timeout: time.Second, RefreshBefore: time.Minute}, c.rdb)
	f.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/token" {
			fmt.Fprintf(w, `{"access_token":"tok-x-%d","expires_in":7200}`, f.tokens.Add(1))
			return
		}
		fmt.Fprint(w, `{"errcode":40001,"errmsg":"invalid credential"}`)
	})
	before := f.tokens.Load()
	err := c2.Post(context.Background(), "/echo", map[string]string{}, nil)
	if !HasCode(err, CodeTokenInvalid) {
		t.Fatalf("err = %v, want errcode 40001", err)
	}
	if n := f.tokens.Load() - before; n != 1 {
		t.Errorf("tokens fetched on a refused call: %d, want 1", n)
	}
}

// TestSecretsStayOutOfErrors: neither the secret nor a token appears in
// any error, even when the network fails.
func TestSecretsStayOutOfErrors(t *testing.T) {
	f := newFake(t)
	c := testClient(t, f, "app-"+ids.New())
	if _, err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.srv.Close()
	c.rdb.Del(context.Background(), c.tokenKey())
	_, err := c.Token(context.Background())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error carries the secret: %v", err)
	}
	c.rdb.Set(context.Background(), c.tokenKey(), "tok-secret-value", time.Hour)
	err = c.Post(context.Background(), "/echo", nil, nil)
	if err == nil || strings.Contains(err.Error(), "tok-secret-value") {
		t.Errorf("error carries the token: %v", err)
	}
}

func TestWrongSecretIsWeChatsError(t *testing.T) {
	f := newFake(t)
	c := testClient(t, f, "app-"+ids.New())
	c.cfg.Secret = "wrong"
	if _, err := c.Token(context.Background()); !HasCode(err, 40125) {
		t.Fatalf("err = %v, want errcode 40125", err)
	}
	c.cfg.Secret = ""
	if _, err := c.Token(context.Background()); !errors.Is(err, ErrNotConfigured) {
		t.Fatalf("err = %v, want ErrNotConfigured", err)
	}
}

func TestVerifySignature(t *testing.T) {
	good := Sign("tkn", "1700000000", "n0nce")
	for _, c := range []struct {
		token, ts, nonce, sig string
		want                  bool
	}{
		{"tkn", "1700000000", "n0nce", good, true},
		{"tkn", "1700000000", "n0nce", strings.ToUpper(good), true},
		{"tkn", "1700000001", "n0nce", good, false},
		{"other", "1700000000", "n0nce", good, false},
		{"tkn", "1700000000", "n0nce", "", false},
		{"", "1700000000", "n0nce", Sign("", "1700000000", "n0nce"), false},
	} {
		if got := VerifySignature(c.token, c.ts, c.nonce, c.sig); got != c.want {
			t.Errorf("VerifySignature(%q, %q, %q, %q) = %v, want %v", c.token, c.ts, c.nonce, c.sig, got, c.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{}).Defaults().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := Config{}.Defaults()
	bad.BaseURL = "ftp://x"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "MEDIA_WECHAT_BASE_URL") {
		t.Errorf("bad base URL: %v", err)
	}
	bad = Config{}.Defaults()
	bad.RefreshBefore = 2 * time.Hour
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "MEDIA_WECHAT_TOKEN_REFRESH_BEFORE") {
		t.Errorf("bad refresh margin: %v", err)
	}
}
