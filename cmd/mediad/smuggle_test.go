package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRefusedBodyIsNeverParsedAsARequest: a request hidden in the body of
// a refused upload must not run. Bodies are streamed, so a middleware that
// refuses early leaves the body unread; the connection must then close.
func TestRefusedBodyIsNeverParsedAsARequest(t *testing.T) {
	e := startEngine(t, "serve", nil)
	victim := e.login("victim")
	hidden := "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + victim + "\r\n\r\n"
	body := hidden + strings.Repeat("x", 64<<10) // larger than what fasthttp pre-reads
	for _, path := range []string{"/v1/media", "/v1/albums", "/v1/uploads"} {
		conn, err := net.Dial("tcp", e.env["MEDIA_HTTP_ADDR"])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 401 {
			t.Errorf("%s without a session: status %d, want 401", path, resp.StatusCode)
		}
		if second, err := http.ReadResponse(br, nil); err == nil {
			t.Errorf("%s: the hidden request ran and answered %d", path, second.StatusCode)
		}
		conn.Close()
	}
}

// TestBodyOfAnAnsweredRequestIsNeverARequest: a request that succeeds
// without reading its body (a GET with a body, a logout) or fails after a
// handler read part of it must not leave bytes that are parsed as another
// request. The hidden request sits after the first 8 KiB of the body,
// past what the server reads ahead; it would create an album with the
// attacker's (or a stolen) token.
func TestBodyOfAnAnsweredRequestIsNeverARequest(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("smuggler")
	hiddenBody := `{"title":"smuggled"}`
	hidden := fmt.Sprintf("POST /v1/albums HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		tok, len(hiddenBody), hiddenBody)
	pad := strings.Repeat(" ", 8<<10+200)
	for _, c := range []struct {
		name, method, path, auth string
		want                     int
	}{
		{"GET /healthz with a body (success)", "GET", "/healthz", "", 200},
		{"GET /v1/me with a body (success)", "GET", "/v1/me", tok, 200},
		{"POST /v1/auth/logout with a body (success)", "POST", "/v1/auth/logout", e.login("leaver"), 204},
		{"GET of an unknown route with a body (failure)", "GET", "/nope", "", 404},
		{"POST /v1/albums without a session (failure)", "POST", "/v1/albums", "", 401},
	} {
		conn, err := net.Dial("tcp", e.env["MEDIA_HTTP_ADDR"])
		if err != nil {
			t.Fatal(err)
		}
		body := pad + hidden
		auth := ""
		if c.auth != "" {
			auth = "Authorization: Bearer " + c.auth + "\r\n"
		}
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			c.method, c.path, auth, len(body), body)
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
		}
		if second, err := http.ReadResponse(br, nil); err == nil {
			t.Errorf("%s: the hidden request ran and answered %d", c.name, second.StatusCode)
		}
		conn.Close()
	}
	if n := e.count(`SELECT count(*) FROM albums WHERE title = 'smuggled'`); n != 0 {
		t.Errorf("%d smuggled albums were created", n)
	}
	// The connection stays usable after a body the handler read whole.
	conn, err := net.Dial("tcp", e.env["MEDIA_HTTP_ADDR"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := range 2 {
		fmt.Fprintf(conn, "POST /v1/albums HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			tok, len(hiddenBody), hiddenBody)
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("keep-alive request %d: %v %v", i+1, resp, err)
		}
		io.Copy(io.Discard, resp.Body)
	}
}
