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
