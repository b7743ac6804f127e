package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRunRejectsBadConfigNamingTheVariable(t *testing.T) {
	env := map[string]string{"MEDIA_HTTP_ADDR": "nonsense"}
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"mediad", "serve"}, func(k string) string { return env[k] }, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "MEDIA_HTTP_ADDR") {
		t.Fatalf("run = %v, want an error naming MEDIA_HTTP_ADDR", err)
	}
}

func TestRunUsageAndVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"mediad", "version"}, func(string) string { return "" }, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "mediad") {
		t.Fatalf("version: %q, %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"mediad", "bogus"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestDevLoginMeAndLogout(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("alice")
	var me struct {
		User struct {
			ID       string `json:"id"`
			Nickname string `json:"nickname"`
		} `json:"user"`
	}
	e.do("GET", "/v1/me", tok, nil, 200, &me)
	if me.User.Nickname != "alice" || me.User.ID == "" {
		t.Fatalf("me = %+v", me)
	}
	if code := errorCode(t, e.do("GET", "/v1/me", "", nil, 401, nil)); code != "unauthorized" {
		t.Errorf("no token: code %q", code)
	}
	if code := errorCode(t, e.do("GET", "/v1/me", "not-a-token", nil, 401, nil)); code != "unauthorized" {
		t.Errorf("bad token: code %q", code)
	}
	// Nickname is trimmed and bounded.
	e.do("PATCH", "/v1/me", tok, map[string]string{"nickname": "  Al  "}, 200, &me)
	if me.User.Nickname != "Al" {
		t.Errorf("nickname = %q, want trimmed", me.User.Nickname)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("字", 33)} {
		if code := errorCode(t, e.do("PATCH", "/v1/me", tok, map[string]string{"nickname": bad}, 400, nil)); code != "invalid_nickname" {
			t.Errorf("nickname %q: code %q", bad, code)
		}
	}
	e.do("PATCH", "/v1/me", tok, map[string]string{"nickname": strings.Repeat("字", 32)}, 200, nil)
	// Only the token's hash is stored.
	if n := e.count(`SELECT count(*) FROM sessions WHERE token_hash = convert_to($1, 'UTF8')`, tok); n != 0 {
		t.Error("session token stored in plaintext")
	}
	e.do("POST", "/v1/auth/logout", tok, nil, 204, nil)
	e.do("GET", "/v1/me", tok, nil, 401, nil)
}

func TestDevLoginIsOffByDefault(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_DEV_LOGIN": "false"})
	b := e.do("POST", "/v1/auth/dev", "", map[string]string{"name": "mallory"}, 404, nil)
	errorCode(t, b)
}

func TestHealthReadyAndMetrics(t *testing.T) {
	e := startEngine(t, "all", nil)
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	e.do("GET", "/readyz", "", nil, 200, &ready)
	for _, s := range []string{"postgres", "redis", "minio"} {
		if ready.Checks[s] != "ok" {
			t.Errorf("readyz %s = %q", s, ready.Checks[s])
		}
	}
	e.do("GET", "/healthz", "", nil, 200, nil)
	b := e.do("GET", "/no/such/route", "", nil, 404, nil)
	if errorCode(t, b) != "not_found" {
		t.Errorf("unknown route body %s", b)
	}
	// A queue exists once a task went through it.
	tok := e.login("metrics")
	e.uploadOK(tok, upfile{kind: "photo", data: jpegHead(t, 4096, 1)})
	resp, err := http.Get("http://" + e.env["MEDIA_METRICS_ADDR"] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	m, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`mediad_http_requests_total{method="GET",route="/readyz",status="200"}`,
		`asynq_queue_size{queue="critical"}`, `asynq_tasks_enqueued_total{queue="critical",state=`} {
		if !bytes.Contains(m, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestReadyzNamesRedisWhenDownAndRecovers(t *testing.T) {
	// A Redis that does not exist yet: a listener we control stands in
	// for it, so "stopping Redis" does not disturb other test packages.
	proxy := newTCPProxy(t, testenvRedis(t))
	e := startEngine(t, "serve", map[string]string{"MEDIA_REDIS_ADDR": proxy.addr})
	e.do("GET", "/readyz", "", nil, 200, nil)
	proxy.setDown(true)
	b := e.do("GET", "/readyz", "", nil, 503, nil)
	if errorCode(t, b) != "not_ready" || !strings.Contains(string(b), "redis") {
		t.Fatalf("readyz with redis down: %s", b)
	}
	proxy.setDown(false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(e.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("readyz did not return to 200 after redis came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
