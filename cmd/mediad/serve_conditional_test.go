package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestServeConditionalAndRanges covers /f/'s answers beyond the plain
// GET on the real stack: ETag revalidation (304), If-Range, the range
// forms a player sends, ranges served whole, and 416; and that none of
// them lets a grant past the access check.
func TestServeConditionalAndRanges(t *testing.T) {
	e := startEngine(t, "all", nil)
	alice, bob := e.login("alice"), e.login("bob")
	m := e.uploadFixture(alice, "images/orientation/landscape_1.jpg")
	m = e.waitSettled(alice, 30*time.Second, m.ID)[m.ID]
	if m.Status != "ready" {
		t.Fatalf("status %s", m.Status)
	}
	orig := m.URLs["original"]
	resp, full := procFetch(t, orig, nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || len(etag) < 3 || !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) {
		t.Fatalf("original: %d, ETag %q", resp.StatusCode, etag)
	}
	size := len(full)
	if size <= 64<<10 {
		t.Fatalf("the original is %d bytes: too small to stream (the ranges and the thumb are read whole)", size)
	}

	t.Run("revalidation", func(t *testing.T) {
		for name, inm := range map[string]string{"same": etag, "weak": "W/" + etag, "in a list": `"nope", ` + etag, "star": "*"} {
			resp, b := procFetch(t, orig, map[string]string{"If-None-Match": inm})
			if resp.StatusCode != 304 || len(b) != 0 || resp.Header.Get("ETag") != etag {
				t.Errorf("%s: %d, %d bytes, ETag %q; want 304, none, %s", name, resp.StatusCode, len(b), resp.Header.Get("ETag"), etag)
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") {
				t.Errorf("%s: Cache-Control %q", name, cc)
			}
		}
		if resp, b := procFetch(t, orig, map[string]string{"If-None-Match": `"other"`}); resp.StatusCode != 200 || !bytes.Equal(b, full) {
			t.Errorf("another ETag: %d, %d bytes; want 200 and the file", resp.StatusCode, len(b))
		}
		resp, thumb := procFetch(t, m.URLs["thumb"], nil)
		if resp.StatusCode != 200 || len(thumb) == 0 || resp.Header.Get("Content-Length") != fmt.Sprint(len(thumb)) {
			t.Fatalf("thumb: %d, %d bytes, Content-Length %s", resp.StatusCode, len(thumb), resp.Header.Get("Content-Length"))
		}
		if again, _ := procFetch(t, m.URLs["thumb"], map[string]string{"If-None-Match": resp.Header.Get("ETag")}); again.StatusCode != 304 {
			t.Errorf("thumb revalidated: %d, want 304", again.StatusCode)
		}
	})

	t.Run("ranges", func(t *testing.T) {
		for _, c := range []struct {
			header, ifRange string
			status          int
			start, end      int
		}{
			{"bytes=0-", "", 206, 0, size - 1},
			{"bytes=0-0", "", 206, 0, 0},
			{fmt.Sprintf("bytes=%d-%d", size-3, size+1000), "", 206, size - 3, size - 1},
			{fmt.Sprintf("bytes=-%d", size+10), "", 206, 0, size - 1},
			{"bytes=5-9", etag, 206, 5, 9},
			{"bytes=5-9", `"stale"`, 200, 0, size - 1},
			{"bytes=5-9", "W/" + etag, 200, 0, size - 1},
			{"bytes=5-9", "Tue, 01 Dec 2026 10:00:00 GMT", 200, 0, size - 1},
			{"bytes=0-1,5-6", "", 200, 0, size - 1},
			{"bytes=9-3", "", 200, 0, size - 1},
			{"bytes=-0", "", 200, 0, size - 1},
			{"items=0-1", "", 200, 0, size - 1},
		} {
			h := map[string]string{"Range": c.header}
			if c.ifRange != "" {
				h["If-Range"] = c.ifRange
			}
			resp, b := procFetch(t, orig, h)
			what := c.header + " If-Range " + c.ifRange
			if resp.StatusCode != c.status || !bytes.Equal(b, full[c.start:c.end+1]) {
				t.Errorf("%s: %d with %d bytes, want %d with bytes %d-%d", what, resp.StatusCode, len(b), c.status, c.start, c.end)
				continue
			}
			cr := fmt.Sprintf("bytes %d-%d/%d", c.start, c.end, size)
			if c.status == 200 {
				cr = ""
			}
			if got := resp.Header.Get("Content-Range"); got != cr || resp.Header.Get("ETag") != etag {
				t.Errorf("%s: Content-Range %q ETag %q, want %q %s", what, got, resp.Header.Get("ETag"), cr, etag)
			}
			procCheckHeaders(t, resp, "image/jpeg", `inline; filename="original.jpg"`)
		}
		resp, b := procFetch(t, orig, map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", size+5, size+9)})
		if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", size) ||
			errorCode(t, b) != "range_not_satisfiable" {
			t.Errorf("past the end: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Range"), b)
		}
	})

	t.Run("no way past the access check", func(t *testing.T) {
		sg := procSigner(t)
		bobsGrant := e.base + procSignedPath(sg, m.ID, "original", "u:"+e.userID(bob), time.Now().Add(time.Minute))
		for name, h := range map[string]map[string]string{
			"If-None-Match": {"If-None-Match": etag}, "Range": {"Range": "bytes=0-9"}, "past the end": {"Range": fmt.Sprintf("bytes=%d-", size)},
		} {
			if resp, b := procFetch(t, bobsGrant, h); resp.StatusCode != 404 || errorCode(t, b) != "not_found" {
				t.Errorf("invisible item, %s: %d %s, want 404", name, resp.StatusCode, b)
			}
			if resp, _ := procFetch(t, orig+"x", h); resp.StatusCode != 403 {
				t.Errorf("bad signature, %s: %d, want 403", name, resp.StatusCode)
			}
		}
		e.do("DELETE", "/v1/media/"+m.ID, alice, nil, 202, nil)
		for name, h := range map[string]map[string]string{"If-None-Match": {"If-None-Match": etag}, "Range": {"Range": "bytes=0-9"}} {
			if resp, b := procFetch(t, orig, h); resp.StatusCode != 404 {
				t.Errorf("deleted item, %s: %d %s, want 404", name, resp.StatusCode, b)
			}
		}
	})
}
