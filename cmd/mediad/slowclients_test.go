package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// dialFrom opens a raw connection to e from 127.0.n.1, another client
// network for every n.
func (e *engine) dialFrom(n int) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(n), 1)}, Timeout: 5 * time.Second}
	return d.Dial("tcp", e.env["MEDIA_HTTP_ADDR"])
}

// closedBy reports whether the server closed c (a read ends) within d;
// whatever the server wrote before closing is returned.
func closedBy(c net.Conn, d time.Duration) (bool, string) {
	c.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false, string(b)
	}
	return true, string(b)
}

// TestHeadersMustArriveQuickly: 100 clients trickling a request head at
// 2 bytes every half second are all cut off once the header timeout
// passes, while an upload whose body takes longer than the header timeout
// (at a decent rate) goes through: the two timeouts are separate.
func TestHeadersMustArriveQuickly(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_HTTP_HEADER_TIMEOUT": "2s",
		"MEDIA_UPLOAD_MIN_RATE": "16KiB", "MEDIA_UPLOAD_RATE_WINDOW": "1s"})
	tok := e.login("patient")
	head := "GET /healthz HTTP/1.1\r\nHost: mediad\r\nX-Padding: " + strings.Repeat("a", 200) + "\r\n\r\n"
	const clients = 100
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := 0
	start := time.Now()
	for i := range clients {
		c, err := e.dialFrom(20 + i/50) // 50 per network, under the connection cap
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j+2 <= len(head); j += 2 {
				if _, err := c.Write([]byte(head[j : j+2])); err != nil {
					return // the server closed it: what we want
				}
				time.Sleep(500 * time.Millisecond)
				if time.Since(start) > 8*time.Second {
					mu.Lock()
					open++
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if open != 0 {
		t.Errorf("%d of %d clients trickling headers were still connected after 8s (header timeout 2s)", open, clients)
	}

	// A 160 KiB photo sent over 4 s (40 KiB/s, above the 16 KiB/s minimum):
	// longer than the header timeout, and accepted.
	body, ct := multipartBody(t, upfile{kind: "photo", data: e.photo()})
	c := e.dial()
	fmt.Fprint(c, rawHead("POST", "/v1/media", tok, ct, fmt.Sprintf("Content-Length: %d", len(body))))
	step := len(body)/40 + 1
	for i := 0; i < len(body); i += step {
		if _, err := c.Write(body[i:min(i+step, len(body))]); err != nil {
			t.Fatalf("a steady upload was cut off after %v: %v", time.Since(start), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, b := readResponse(t, c, bufio.NewReader(c))
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("steady upload over 4s: %d %s, want 202", resp.StatusCode, b)
	}
}

// TestUploadBelowTheMinimumRateIsStopped: a body that stalls (a few bytes,
// then nothing) or crawls is stopped within about one window with 408
// too_slow, and nothing is kept: no row, no raw object, no unfinished
// storage upload. A chunked part is held to the same rate.
func TestUploadBelowTheMinimumRateIsStopped(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_MIN_RATE": "64KiB", "MEDIA_UPLOAD_RATE_WINDOW": "1s"})
	tok := e.login("crawler")
	body, ct := multipartBody(t, upfile{kind: "photo", data: padded(e.photo(), 2<<20, 1)})
	for _, tc := range []struct {
		name  string
		pause time.Duration // between 1 KiB writes
	}{{"stalled", time.Hour}, {"crawling", 100 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.dial()
			fmt.Fprint(c, rawHead("POST", "/v1/media", tok, ct, fmt.Sprintf("Content-Length: %d", len(body))))
			c.Write(body[:32<<10]) // the multipart head and the start of the file
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for i := 32 << 10; i < len(body); i += 1 << 10 {
					select {
					case <-stop:
						return
					case <-time.After(tc.pause):
					}
					if _, err := c.Write(body[i : i+1<<10]); err != nil {
						return
					}
				}
			}()
			began := time.Now()
			resp, b := readResponse(t, c, bufio.NewReader(c))
			if resp.StatusCode != http.StatusRequestTimeout || errorCode(t, b) != "too_slow" {
				t.Fatalf("%s upload: %d %s, want 408 too_slow", tc.name, resp.StatusCode, b)
			}
			if took := time.Since(began); took > 10*time.Second {
				t.Errorf("%s upload stopped after %v, want about one window (1s)", tc.name, took)
			}
		})
	}
	e.waitHandled("POST", "/v1/media", 2)
	e.waitStored(stored{})

	// A chunked part that stalls half-way is stopped the same way.
	ch, _ := e.startChunked(tok, map[string]any{"kind": "video", "size": 6 << 20}, 201)
	c := e.dial()
	part := videoBody(t, int(ch.Size), 7) // one part: the size is under the part size
	fmt.Fprint(c, rawHead("PUT", "/v1/uploads/"+ch.UploadID+"/parts/1", tok, "application/octet-stream",
		fmt.Sprintf("Content-Length: %d", len(part))))
	c.Write(part[:100<<10])
	resp, b := readResponse(t, c, bufio.NewReader(c))
	if resp.StatusCode != http.StatusRequestTimeout || errorCode(t, b) != "too_slow" {
		t.Fatalf("stalled part: %d %s, want 408 too_slow", resp.StatusCode, b)
	}
	if got := e.getChunked(tok, ch.UploadID); len(got.Parts) != 0 {
		t.Errorf("a stopped part was recorded: %+v", got.Parts)
	}
}

// TestConnectionsPerNetworkAreCapped: past the cap, a new connection from
// the same network gets a JSON 429 with Retry-After and is closed, while
// another network is served; a freed slot is usable again.
func TestConnectionsPerNetworkAreCapped(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_HTTP_MAX_CONNS_PER_NETWORK": "4"})
	var held []net.Conn
	for range 4 {
		c, err := e.dialFrom(5)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// The four are served (one request each, kept alive).
	for _, c := range held {
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: mediad\r\n\r\n")
		if resp, _ := readResponse(t, c, bufio.NewReader(c)); resp.StatusCode != 200 {
			t.Fatalf("a connection under the cap: %d", resp.StatusCode)
		}
	}
	over, err := e.dialFrom(5)
	if err != nil {
		t.Fatal(err)
	}
	defer over.Close()
	resp, b := readResponse(t, over, bufio.NewReader(over))
	if resp.StatusCode != http.StatusTooManyRequests || errorCode(t, b) != "too_many_connections" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("fifth connection: %d %s (Retry-After %q), want 429 too_many_connections with Retry-After",
			resp.StatusCode, b, resp.Header.Get("Retry-After"))
	}
	if closed, _ := closedBy(over, 5*time.Second); !closed {
		t.Error("the refused connection was left open")
	}
	other, err := e.dialFrom(6)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	fmt.Fprint(other, "GET /healthz HTTP/1.1\r\nHost: mediad\r\n\r\n")
	if resp, _ := readResponse(t, other, bufio.NewReader(other)); resp.StatusCode != 200 {
		t.Errorf("another network: %d, want 200", resp.StatusCode)
	}
	held[0].Close()
	ok := poll(5*time.Second, func() bool {
		c, err := e.dialFrom(5)
		if err != nil {
			return false
		}
		defer c.Close()
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: mediad\r\nConnection: close\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		return err == nil && resp.StatusCode == 200
	})
	if !ok {
		t.Error("a slot freed by a closed connection was not given back")
	}
}

// TestConcurrentUploadsAreCapped: with two uploads of a user streaming,
// a third answers 429 too_many_uploads with Retry-After at once; another
// user on the same network may stream until the network's cap; when the
// first uploads end, the user uploads again.
func TestConcurrentUploadsAreCapped(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOADS_PER_USER": "2", "MEDIA_UPLOADS_PER_NETWORK": "3"})
	alice, bob := e.login("alice"), e.login("bob")
	// hold starts an upload and sends all but the last 64 KiB of its body;
	// finish sends the rest and reads the answer.
	type held struct {
		c    net.Conn
		rest []byte
	}
	hold := func(tok string) held {
		body, ct := multipartBody(t, upfile{kind: "photo", data: padded(e.photo(), 1<<20, 2)})
		c := e.dial()
		fmt.Fprint(c, rawHead("POST", "/v1/media", tok, ct, fmt.Sprintf("Content-Length: %d", len(body))))
		c.Write(body[:len(body)-64<<10])
		return held{c, body[len(body)-64<<10:]}
	}
	finish := func(h held) int {
		h.c.Write(h.rest)
		resp, _ := readResponse(t, h.c, bufio.NewReader(h.c))
		return resp.StatusCode
	}
	a1, a2 := hold(alice), hold(alice)
	if !poll(10*time.Second, func() bool { return e.count(`SELECT count(*) FROM quota_reservations`) >= 2 }) {
		t.Fatal("the two held uploads did not start streaming")
	}
	refused := func(who, tok string) {
		t.Helper()
		st, b := e.uploadStatus(tok, upfile{kind: "photo", data: e.photo()})
		if st != http.StatusTooManyRequests || errorCode(t, b) != "too_many_uploads" {
			t.Errorf("%s: %d %s, want 429 too_many_uploads", who, st, b)
		}
	}
	refused("alice's third upload", alice)
	b1 := hold(bob)
	if !poll(10*time.Second, func() bool { return e.count(`SELECT count(*) FROM quota_reservations`) >= 3 }) {
		t.Fatal("bob's held upload did not start streaming")
	}
	refused("bob's second upload (the network has 3 streaming)", bob)
	for name, h := range map[string]held{"a1": a1, "a2": a2, "b1": b1} {
		if st := finish(h); st != http.StatusAccepted {
			t.Errorf("held upload %s: %d, want 202", name, st)
		}
	}
	e.uploadOK(alice, upfile{kind: "photo", data: e.photo()})
}
