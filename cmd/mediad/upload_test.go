package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/testenv"
)

func TestUploadAcceptsEachFormatByContent(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("alice")
	alb := e.album(tok, nil)
	cases := []struct {
		name, kind, album string
		data              []byte
		want              string // content type detected from the bytes
	}{
		{"jpeg", "photo", "", readTestdata(t, "images/gps/DSCN0010.jpg"), "image/jpeg"},
		{"png", "photo", "", readTestdata(t, "images/crafted/png_meta.png"), "image/png"},
		{"webp", "photo", "", readTestdata(t, "images/crafted/webp_meta.webp"), "image/webp"},
		{"gif", "photo", "", gifFile(t), "image/gif"},
		{"heic", "photo", "", isoFile("heic", "mif1", "heic"), "image/heic"},
		{"heif", "photo", "", isoFile("mif1", "mif1", "heic"), "image/heic"},
		{"heic avatar", "avatar", "", isoFile("heix", "mif1"), "image/heic"},
		{"webp cover", "cover", alb, readTestdata(t, "images/crafted/webp_meta.webp"), "image/webp"},
		{"mp4", "video", "", readTestdata(t, "video/location_udta.mp4"), "video/mp4"},
		{"mov", "video", "", readTestdata(t, "video/location_apple_keys.mov"), "video/quicktime"},
	}
	for _, c := range cases {
		// The name and type the client claims are lies; the bytes decide.
		m := e.uploadOK(tok, upfile{kind: c.kind, albumID: c.album, name: "x.svg", partType: "image/svg+xml", data: c.data})
		if m.ContentType != c.want || m.Kind != c.kind || m.Size != int64(len(c.data)) || !m.Mine || m.URLs != nil {
			t.Errorf("%s: got %+v, want %s of %d bytes, no URLs yet", c.name, m, c.want, len(c.data))
		}
		// The raw bytes wait, unchanged, under the private prefix.
		rc, _, err := e.blob.Open(context.Background(), "incoming/"+m.ID, nil)
		if err != nil {
			t.Fatalf("%s: raw object: %v", c.name, err)
		}
		raw, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(raw, c.data) {
			t.Errorf("%s: raw object differs from the upload (%d vs %d bytes)", c.name, len(raw), len(c.data))
		}
	}
	e.waitStored(stored{Raw: len(cases), Rows: len(cases)})
}

func TestUploadRefusesOtherFormats(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("alice")
	alb := e.album(tok, nil)
	cases := []struct {
		name string
		f    upfile
	}{
		{"svg", upfile{kind: "photo", name: "script.svg", partType: "image/svg+xml", data: readTestdata(t, "images/hostile/script.svg")}},
		{"svg cover", upfile{kind: "cover", albumID: alb, partType: "image/png", data: readTestdata(t, "images/hostile/script.svg")}},
		{"html named .jpg", upfile{kind: "photo", name: "html_named.jpg", partType: "image/jpeg", data: readTestdata(t, "images/hostile/html_named.jpg")}},
		{"tiff", upfile{kind: "photo", name: "a.jpg", partType: "image/jpeg", data: tiffFile(t)}},
		{"bmp", upfile{kind: "avatar", name: "a.png", partType: "image/png", data: bmpFile(t)}},
		{"video as photo", upfile{kind: "photo", data: readTestdata(t, "video/location_udta.mp4")[:4096]}},
		{"photo as video", upfile{kind: "video", name: "a.mp4", partType: "video/mp4", data: jpegHead(t, 4096, 1)}},
		{"empty", upfile{kind: "photo", name: "a.jpg", partType: "image/jpeg", data: nil}},
	}
	for _, c := range cases {
		if st, b := e.uploadStatus(tok, c.f); st != 415 || errorCode(t, b) != "unsupported_type" {
			t.Errorf("%s: %d %s, want 415 unsupported_type", c.name, st, b)
		}
	}
	e.waitStored(stored{})
}

func TestUploadLimitsPerKind(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{
		"MEDIA_UPLOAD_MAX_PHOTO": "64KiB", "MEDIA_UPLOAD_MAX_AVATAR": "16KiB",
		"MEDIA_UPLOAD_MAX_COVER": "32KiB", "MEDIA_UPLOAD_MAX_VIDEO": "96KiB",
	})
	tok := e.login("alice")
	alb := e.album(tok, nil)
	for i, c := range []struct {
		kind, album string
		limit       int
		data        func(size int, seed uint64) []byte
	}{
		{"photo", "", 64 << 10, func(n int, s uint64) []byte { return jpegHead(t, n, s) }},
		{"avatar", "", 16 << 10, func(n int, s uint64) []byte { return jpegHead(t, n, s) }},
		{"cover", alb, 32 << 10, func(n int, s uint64) []byte { return jpegHead(t, n, s) }},
		{"video", "", 96 << 10, func(n int, s uint64) []byte { return videoBody(t, n, s) }},
	} {
		seed := uint64(10 * i)
		e.uploadOK(tok, upfile{kind: c.kind, albumID: c.album, data: c.data(c.limit, seed)})
		e.refuse(tok, upfile{kind: c.kind, albumID: c.album, data: c.data(c.limit+1, seed+1)}, 413, "too_large")
	}
	// Only the four uploads within their limits are kept.
	e.waitStored(stored{Raw: 4, Rows: 4})
}

// A client can declare any Content-Length, or none: the limit counts the
// bytes that actually arrive, and a body that ends before its declared
// length is refused, never stored as if it were complete.
func TestUploadLimitCountsBytesNotContentLength(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_MAX_PHOTO": "64KiB"})
	tok := e.login("alice")
	body, ctype := multipartBody(t, upfile{kind: "photo", data: jpegHead(t, 256<<10, 1)})
	cut := 32 << 10 // inside the file part, within the limit
	cases := []struct {
		name   string
		send   func(c net.Conn)
		status int
		code   string
	}{
		{"chunked body past the limit", func(c net.Conn) {
			writeAsync(c, []byte(rawHead("POST", "/v1/media", tok, ctype, "Transfer-Encoding: chunked")), chunkedEncoding(body))
		}, 413, "too_large"},
		{"Content-Length shorter than the body", func(c net.Conn) {
			writeAsync(c, []byte(rawHead("POST", "/v1/media", tok, ctype, fmt.Sprintf("Content-Length: %d", cut))), body)
		}, 400, "truncated_body"},
		{"Content-Length longer than the body", func(c net.Conn) {
			c.Write([]byte(rawHead("POST", "/v1/media", tok, ctype, fmt.Sprintf("Content-Length: %d", len(body)))))
			c.Write(body[:cut])
			c.(*net.TCPConn).CloseWrite()
		}, 400, "truncated_body"},
	}
	for i, c := range cases {
		conn := e.dial()
		c.send(conn)
		resp, b := readResponse(t, conn, bufio.NewReader(conn))
		conn.Close()
		if resp.StatusCode != c.status || errorCode(t, b) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, resp.StatusCode, b, c.status, c.code)
		}
		e.waitHandled("POST", "/v1/media", i+1)
		e.waitStored(stored{})
	}
}

// Past the limit of a kind larger than one storage part, parts already
// sent to MinIO are discarded with the multipart upload.
func TestUploadPastLimitDiscardsStoredParts(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_S3_PART_SIZE": "5MiB", "MEDIA_UPLOAD_MAX_VIDEO": "6MiB"})
	tok := e.login("alice")
	body, ctype := multipartBody(t, upfile{kind: "video", data: videoBody(t, 9<<20, 1)})
	conn := e.dial()
	writeAsync(conn, []byte(rawHead("POST", "/v1/media", tok, ctype, fmt.Sprintf("Content-Length: %d", len(body)))), body)
	resp, b := readResponse(t, conn, bufio.NewReader(conn))
	if resp.StatusCode != 413 || errorCode(t, b) != "too_large" {
		t.Fatalf("9 MiB video past a 6 MiB limit: %d %s", resp.StatusCode, b)
	}
	e.waitStored(stored{})
}

func TestUploadClientGoneMidBodyLeavesNothing(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_S3_PART_SIZE": "5MiB"})
	tok := e.login("alice")
	for i, c := range []struct {
		name       string
		size, sent int
	}{
		{"within the first part", 1 << 20, 300 << 10},
		{"after a part was stored", 12 << 20, 7 << 20},
	} {
		body, ctype := multipartBody(t, upfile{kind: "video", data: videoBody(t, c.size, uint64(i))})
		conn := e.dial()
		conn.Write([]byte(rawHead("POST", "/v1/media", tok, ctype, fmt.Sprintf("Content-Length: %d", len(body)))))
		conn.Write(body[:c.sent])
		if c.sent > 5<<20 && !poll(15*time.Second, func() bool { return len(testenv.Incomplete(t, e.blob, "incoming/")) == 1 }) {
			t.Fatalf("%s: no multipart upload started in MinIO", c.name)
		}
		conn.Close()
		e.waitHandled("POST", "/v1/media", i+1)
		e.waitStored(stored{})
	}
}

func TestUploadRefusesContentEncoding(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("alice")
	body, ctype := multipartBody(t, upfile{kind: "photo", data: jpegHead(t, 4096, 1)})
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(body)
	zw.Close()
	// The header alone decides: no encoding is decoded, whatever it is.
	for _, enc := range []string{"gzip", "deflate", "br", "x-custom"} {
		req, _ := http.NewRequest("POST", e.base+"/v1/media", bytes.NewReader(z.Bytes()))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Content-Encoding", enc)
		if code := errorCode(t, e.send(req, tok, 415, nil)); code != "unsupported_encoding" {
			t.Errorf("%s: code %q", enc, code)
		}
	}
	// Parts of a chunked upload too.
	up, _ := e.startChunked(tok, map[string]any{"kind": "photo", "size": z.Len()}, 201)
	req, _ := http.NewRequest("PUT", e.base+"/v1/uploads/"+up.UploadID+"/parts/1", bytes.NewReader(z.Bytes()))
	req.Header.Set("Content-Encoding", "gzip")
	if code := errorCode(t, e.send(req, tok, 415, nil)); code != "unsupported_encoding" {
		t.Errorf("gzip part: code %q", code)
	}
	if got := e.getChunked(tok, up.UploadID); len(got.Parts) != 0 {
		t.Errorf("gzip part stored: %+v", got.Parts)
	}
	e.waitStored(stored{Incomplete: 1, Uploads: 1})
}

// A refused upload's unread body must not be read as the next request on
// the connection: behind a proxy that reuses connections, that would run
// a request smuggled inside the file and hand its answer to someone else.
func TestRefusedUploadBodyIsNotReadAsARequest(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("alice")
	smuggled := "GET /v1/me HTTP/1.1\r\nHost: mediad\r\nAuthorization: Bearer " + tok + "\r\n\r\n"
	// Past the few KiB the server reads ahead before calling the handler.
	body := append(bytes.Repeat([]byte("x"), 8<<10), smuggled...)
	conn := e.dial()
	br := bufio.NewReader(conn)
	writeAsync(conn, []byte(rawHead("POST", "/v1/media", tok, "multipart/form-data; boundary=b",
		"Content-Encoding: gzip", fmt.Sprintf("Content-Length: %d", len(body)))), body)
	resp, b := readResponse(t, conn, br)
	if resp.StatusCode != 415 {
		t.Fatalf("gzip upload: %d %s", resp.StatusCode, b)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if next, err := http.ReadResponse(br, nil); err == nil {
		nb, _ := io.ReadAll(next.Body)
		t.Fatalf("the refused body ran as a request: %s %s", next.Status, nb)
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("connection left open after a refused body: the rest of it would be read as the next request")
	}
}

func TestUploadRightsInAlbums(t *testing.T) {
	e := startEngine(t, "serve", nil)
	owner, contrib, viewer, outsider := e.login("owner"), e.login("contrib"), e.login("viewer"), e.login("outsider")
	alb := e.album(owner, map[string]string{contrib: "contributor", viewer: "viewer"})
	photo := func(seed uint64) []byte { return jpegHead(t, 4096, seed) }

	m := e.uploadOK(contrib, upfile{kind: "photo", albumID: alb, data: photo(1)})
	if m.AlbumID == nil || *m.AlbumID != alb || m.Visibility != "members" {
		t.Errorf("contributor's photo: %+v, want album %s with the album's default visibility", m, alb)
	}
	e.uploadOK(owner, upfile{kind: "photo", albumID: alb, visibility: "only_me", data: photo(2)})
	e.uploadOK(owner, upfile{kind: "cover", albumID: alb, data: photo(3)})

	e.refuse(viewer, upfile{kind: "photo", albumID: alb, data: photo(4)}, 403, "forbidden")
	e.refuse(outsider, upfile{kind: "photo", albumID: alb, data: photo(5)}, 404, "not_found")
	e.refuse(contrib, upfile{kind: "photo", albumID: ids.New(), data: photo(6)}, 404, "not_found")
	e.refuse(contrib, upfile{kind: "cover", albumID: alb, data: photo(7)}, 403, "forbidden")
	e.refuse(viewer, upfile{kind: "cover", albumID: alb, data: photo(8)}, 403, "forbidden")
	e.refuse(outsider, upfile{kind: "cover", albumID: alb, data: photo(9)}, 404, "not_found")
	e.refuse(owner, upfile{kind: "avatar", albumID: alb, data: photo(10)}, 400, "invalid_kind")
	e.refuse(owner, upfile{kind: "photo", albumID: alb, visibility: "public", data: photo(11)}, 400, "invalid_visibility")
	e.refuse(owner, upfile{kind: "poster", data: photo(12)}, 400, "invalid_kind")
	e.refuse(owner, upfile{kind: "cover", data: photo(13)}, 400, "invalid_kind")
	// The chunked API applies the same rules.
	e.startChunked(viewer, map[string]any{"kind": "photo", "size": 4096, "album_id": alb}, 403)
	e.startChunked(outsider, map[string]any{"kind": "photo", "size": 4096, "album_id": alb}, 404)
	e.startChunked(contrib, map[string]any{"kind": "cover", "size": 4096, "album_id": alb}, 403)

	e.waitStored(stored{Raw: 3, Rows: 3})
}

func TestUploadDedupe(t *testing.T) {
	e := startEngine(t, "serve", nil)
	alice, bob := e.login("alice"), e.login("bob")
	photo := readTestdata(t, "images/gps/DSCN0010.jpg")
	first := e.uploadOK(alice, upfile{kind: "photo", name: "DSCN0010.jpg", data: photo})

	var again created
	e.upload(alice, upfile{kind: "photo", name: "copy.jpg", data: photo}, 200, &again)
	if !again.Duplicate || again.Media.ID != first.ID {
		t.Errorf("same bytes again: %+v, want duplicate of %s", again, first.ID)
	}
	// Through the chunked API too.
	up, _ := e.startChunked(alice, map[string]any{"kind": "photo", "size": len(photo)}, 201)
	e.putPart(http.DefaultClient, alice, up.UploadID, 1, photo, 200)
	var viaChunks created
	e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", alice, nil, 200, &viaChunks)
	if !viaChunks.Duplicate || viaChunks.Media.ID != first.ID {
		t.Errorf("same bytes in chunks: %+v, want duplicate of %s", viaChunks, first.ID)
	}
	// Another album or another user makes a new item.
	alb := e.album(alice, nil)
	if m := e.uploadOK(alice, upfile{kind: "photo", albumID: alb, data: photo}); m.ID == first.ID {
		t.Error("same bytes into an album deduped against the item outside it")
	}
	if m := e.uploadOK(bob, upfile{kind: "photo", data: photo}); m.ID == first.ID {
		t.Error("bob's upload deduped against alice's")
	}
	// The same bytes as an avatar are a new avatar, not the photo.
	if m := e.uploadOK(alice, upfile{kind: "avatar", data: photo}); m.ID == first.ID || m.Kind != "avatar" {
		t.Errorf("avatar with a photo's bytes deduped against the photo: %+v", m)
	}
	e.waitStored(stored{Raw: 4, Rows: 4})
}

func TestUploadQuota(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_USER_QUOTA": "10KiB"})
	alice, bob := e.login("alice"), e.login("bob")
	e.uploadOK(alice, upfile{kind: "photo", data: jpegHead(t, 6<<10, 1)})
	// 4 KiB left: a 6 KiB upload is refused as it streams, and not kept.
	e.refuse(alice, upfile{kind: "photo", data: jpegHead(t, 6<<10, 2)}, 413, "quota_exceeded")
	_, b := e.startChunked(alice, map[string]any{"kind": "photo", "size": 6 << 10}, 413)
	if code := errorCode(t, b); code != "quota_exceeded" {
		t.Errorf("chunked start past the quota: code %q", code)
	}
	e.waitStored(stored{Raw: 1, Rows: 1})
	// What is left still fits; the quota is per user.
	e.uploadOK(alice, upfile{kind: "photo", data: jpegHead(t, 4<<10, 3)})
	e.uploadOK(bob, upfile{kind: "photo", data: jpegHead(t, 6<<10, 4)})
	e.waitStored(stored{Raw: 3, Rows: 3})
}

func TestUploadRateLimited(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_RATE_PER_MINUTE": "3"})
	alice, bob := e.login("alice"), e.login("bob")
	for i := range 3 {
		e.uploadOK(alice, upfile{kind: "photo", data: jpegHead(t, 4096, uint64(i))})
	}
	e.refuse(alice, upfile{kind: "photo", data: jpegHead(t, 4096, 9)}, 429, "rate_limited")
	e.uploadOK(bob, upfile{kind: "photo", data: jpegHead(t, 4096, 9)})
	e.waitStored(stored{Raw: 4, Rows: 4})
}

func TestUploadedPhotoIsProcessedAndServedSafely(t *testing.T) {
	e := startEngine(t, "all", nil)
	alice, bob := e.login("alice"), e.login("bob")
	m := e.uploadOK(alice, upfile{kind: "photo", name: "DSCN0010.jpg", partType: "image/jpeg",
		data: readTestdata(t, "images/gps/DSCN0010.jpg")})
	m = e.waitReady(alice, m.ID)
	for _, v := range []string{"original", "preview", "thumb", "card"} {
		if !strings.HasPrefix(m.URLs[v], e.base+"/f/"+m.ID+"/"+v+"?t=") {
			t.Errorf("urls[%s] = %q", v, m.URLs[v])
		}
	}
	if len(m.URLs) != 4 {
		t.Errorf("urls = %v, want original, preview, thumb and card", m.URLs)
	}

	resp, full := fetch(t, m.URLs["original"], "")
	cfg, format, err := image.DecodeConfig(bytes.NewReader(full))
	switch {
	case resp.StatusCode != 200:
		t.Fatalf("original: status %d", resp.StatusCode)
	case resp.Header.Get("Content-Type") != "image/jpeg" || resp.Header.Get("X-Content-Type-Options") != "nosniff":
		t.Errorf("original headers: %v", resp.Header)
	case strings.Contains(resp.Header.Get("Content-Disposition"), "DSCN"):
		t.Errorf("Content-Disposition names the upload: %q", resp.Header.Get("Content-Disposition"))
	case err != nil || format != "jpeg" || cfg.Width != 640 || cfg.Height != 480:
		t.Errorf("original: %s %dx%d, %v; want a 640x480 JPEG", format, cfg.Width, cfg.Height, err)
	}

	resp, part := fetch(t, m.URLs["original"], "bytes=0-99")
	if resp.StatusCode != 206 || !bytes.Equal(part, full[:100]) ||
		resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-99/%d", len(full)) {
		t.Errorf("range: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Range"), len(part))
	}

	u, _ := url.Parse(m.URLs["original"])
	q := u.Query()
	tok := []byte(q.Get("t"))
	tok[3] = map[bool]byte{true: 'B', false: 'A'}[tok[3] == 'A']
	q.Set("t", string(tok))
	u.RawQuery = q.Encode()
	if resp, b := fetch(t, u.String(), ""); resp.StatusCode != 403 || errorCode(t, b) != "invalid_signature" {
		t.Errorf("tampered URL: %d %s", resp.StatusCode, b)
	}

	e.getMedia(bob, m.ID, 404)
	e.do("GET", "/v1/media/not-an-id", alice, nil, 404, nil)
	// The raw upload, GPS and all, is gone once processed.
	e.waitStored(stored{Rows: 1})
}

func TestAvatarUploadReplacesTheOldAvatar(t *testing.T) {
	e := startEngine(t, "all", nil)
	alice := e.login("alice")
	old := e.uploadOK(alice, upfile{kind: "avatar", data: readTestdata(t, "images/gps/DSCN0010.jpg")})
	e.waitReady(alice, old.ID)
	if got := e.avatar(alice); got != old.ID {
		t.Fatalf("avatar = %q, want %s", got, old.ID)
	}
	next := e.uploadOK(alice, upfile{kind: "avatar", data: readTestdata(t, "images/gps/DSCN0012.jpg")})
	if got := e.avatar(alice); got != old.ID {
		t.Errorf("avatar switched before the new one was ready: %q", got)
	}
	e.waitReady(alice, next.ID)
	if got := e.avatar(alice); got != next.ID {
		t.Errorf("avatar = %q, want %s", got, next.ID)
	}
	// The old avatar goes: its row and every object.
	if !poll(15*time.Second, func() bool {
		return e.count(`SELECT count(*) FROM media WHERE id = $1`, old.ID) == 0 && len(e.keys("media/"+old.ID+"/")) == 0
	}) {
		t.Fatalf("old avatar not deleted: row %d, objects %v", e.count(`SELECT count(*) FROM media WHERE id = $1`, old.ID), e.keys("media/"+old.ID+"/"))
	}
	e.getMedia(alice, old.ID, 404)
	e.waitStored(stored{Rows: 1})
}

func TestCoverUploadSwitchesTheAlbumCover(t *testing.T) {
	e := startEngine(t, "all", nil)
	owner := e.login("owner")
	alb := e.album(owner, nil)
	for _, f := range []string{"images/gps/DSCN0010.jpg", "images/gps/DSCN0012.jpg"} {
		c := e.uploadOK(owner, upfile{kind: "cover", albumID: alb, data: readTestdata(t, f)})
		e.waitReady(owner, c.ID)
		if n := e.count(`SELECT count(*) FROM albums WHERE id = $1 AND cover_media_id = $2`, alb, c.ID); n != 1 {
			t.Errorf("album cover is not %s once it is ready", c.ID)
		}
	}
}

func TestMediaVisibilityAndDelete(t *testing.T) {
	e := startEngine(t, "all", nil)
	owner, contrib, viewer, outsider := e.login("owner"), e.login("contrib"), e.login("viewer"), e.login("outsider")
	alb := e.album(owner, map[string]string{contrib: "contributor", viewer: "viewer"})
	shared := e.uploadOK(contrib, upfile{kind: "photo", albumID: alb, data: readTestdata(t, "images/gps/DSCN0010.jpg")})
	private := e.uploadOK(contrib, upfile{kind: "photo", albumID: alb, visibility: "only_me", data: readTestdata(t, "images/gps/DSCN0012.jpg")})
	e.waitReady(contrib, shared.ID)
	e.waitReady(contrib, private.ID)

	if m := e.getMedia(viewer, shared.ID, 200); m.Mine || m.Status != "ready" || m.URLs["original"] == "" {
		t.Errorf("viewer's view of a members item: %+v", m)
	}
	e.getMedia(outsider, shared.ID, 404)
	e.getMedia(viewer, private.ID, 404)
	e.getMedia(owner, private.ID, 404)

	// Neither an outsider nor a viewer may delete; the item stays.
	e.do("DELETE", "/v1/media/"+shared.ID, outsider, nil, 404, nil)
	// A viewer sees the item, so learns the delete is forbidden.
	e.do("DELETE", "/v1/media/"+shared.ID, viewer, nil, 403, nil)
	e.getMedia(contrib, shared.ID, 200)

	// The album owner may; the item is gone for everyone at once.
	e.do("DELETE", "/v1/media/"+shared.ID, owner, nil, 202, nil)
	e.getMedia(contrib, shared.ID, 404)
	e.getMedia(viewer, shared.ID, 404)
	e.do("DELETE", "/v1/media/"+shared.ID, contrib, nil, 404, nil)
	// The uploader may too.
	e.do("DELETE", "/v1/media/"+private.ID, contrib, nil, 202, nil)
	e.getMedia(contrib, private.ID, 404)
	// A task removes the objects, then the rows.
	if !poll(15*time.Second, func() bool { return len(e.keys("media/")) == 0 }) {
		t.Fatalf("objects left after delete: %v", e.keys("media/"))
	}
	e.waitStored(stored{})
}

func TestChunkedUploadResumesAfterRestart(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	alice, bob := e.login("alice"), e.login("bob")
	const ps = 5 << 20
	data := videoBody(t, 11<<20, 1)
	p := parts(data, ps)
	// Part 2 will be sent twice; the second version is the one that counts.
	p2b := padded(nil, ps, 2)
	final := bytes.Join([][]byte{p[0], p2b, p[2]}, nil)
	sum := sha256.Sum256(final)
	up, _ := e.startChunked(alice, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(sum[:])}, 201)
	if up.PartSize != ps || up.PartCount != 3 || up.Size != int64(len(data)) || len(up.Parts) != 0 {
		t.Fatalf("start: %+v", up)
	}

	first := &http.Client{Transport: &http.Transport{}}
	e.putPart(first, alice, up.UploadID, 2, p[1], 200)
	e.putPart(first, alice, up.UploadID, 1, p[0], 200)
	first.CloseIdleConnections()

	// The app restarts: a new client asks what arrived and sends the rest.
	again := &http.Client{Transport: &http.Transport{}}
	got := e.getChunked(alice, up.UploadID)
	if len(got.Parts) != 2 || got.Parts[0].N != 1 || got.Parts[1].N != 2 || got.Parts[0].Size != ps || got.Parts[1].Size != ps {
		t.Fatalf("parts after restart: %+v", got.Parts)
	}
	e.putPart(again, alice, up.UploadID, 3, p[2], 200)
	e.putPart(again, alice, up.UploadID, 2, p2b, 200)
	if now := e.getChunked(alice, up.UploadID); len(now.Parts) != 3 || now.Parts[1].ETag == got.Parts[1].ETag {
		t.Errorf("part 2 not replaced: before %+v, after %+v", got.Parts, now.Parts)
	}

	// Only the uploader can see or touch it. (Bodies refused before they
	// are read stay small here: the server then closes the connection, and
	// a client still sending megabytes may see a reset instead of the 404.)
	e.do("GET", "/v1/uploads/"+up.UploadID, bob, nil, 404, nil)
	e.putPart(again, bob, up.UploadID, 2, p[1][:100], 404)
	e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", bob, nil, 404, nil)
	e.do("DELETE", "/v1/uploads/"+up.UploadID, bob, nil, 404, nil)

	var done created
	e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", alice, nil, 202, &done)
	if m := done.Media; done.Duplicate || m.Kind != "video" || m.ContentType != "video/mp4" || m.Size != int64(len(data)) || m.Status != "processing" {
		t.Errorf("completed: %+v", done)
	}
	rc, _, err := e.blob.Open(context.Background(), "incoming/"+done.Media.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	io.Copy(h, rc)
	rc.Close()
	if !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Error("assembled object differs from parts 1, 2 (second version), 3")
	}
	e.do("GET", "/v1/uploads/"+up.UploadID, alice, nil, 404, nil)
	e.waitStored(stored{Raw: 1, Rows: 1})
}

func TestChunkedUploadChecksumMismatchKeepsNothing(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	alice := e.login("alice")
	data := videoBody(t, 6<<20, 1)
	wrong := sha256.Sum256(videoBody(t, 6<<20, 2))
	up, _ := e.startChunked(alice, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(wrong[:])}, 201)
	for i, p := range parts(data, 5<<20) {
		e.putPart(http.DefaultClient, alice, up.UploadID, i+1, p, 200)
	}
	b := e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", alice, nil, 422, nil)
	if code := errorCode(t, b); code != "checksum_mismatch" {
		t.Errorf("complete: code %q", code)
	}
	e.do("GET", "/v1/uploads/"+up.UploadID, alice, nil, 404, nil)
	e.waitStored(stored{})
}

// TestChunkedUploadHashesPartsSentInOrder: parts sent in order extend a
// running SHA-256, so completion checks the declared checksum without
// reading the object back; a part re-sent afterwards breaks the chain and
// completion falls back to reading it, still catching the new bytes.
func TestChunkedUploadHashesPartsSentInOrder(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	alice := e.login("alice")
	data := videoBody(t, 11<<20, 3)
	sum := sha256.Sum256(data)
	up, _ := e.startChunked(alice, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(sum[:])}, 201)
	for i, p := range parts(data, 5<<20) {
		e.putPart(http.DefaultClient, alice, up.UploadID, i+1, p, 200)
	}
	if n := e.count(`SELECT hashed_parts FROM uploads WHERE id = $1`, up.UploadID); n != 3 {
		t.Fatalf("hashed parts = %d, want 3 (all sent in order)", n)
	}
	e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", alice, nil, 202, nil)

	// Same bytes declared, but part 2 re-sent with other bytes after the
	// chain was built: the stored ETags differ from the hashed ones.
	other := videoBody(t, 11<<20, 4)
	osum := sha256.Sum256(other)
	up2, _ := e.startChunked(alice, map[string]any{"kind": "video", "size": len(other), "sha256": hex.EncodeToString(osum[:])}, 201)
	ps := parts(other, 5<<20)
	for i, p := range ps {
		e.putPart(http.DefaultClient, alice, up2.UploadID, i+1, p, 200)
	}
	changed := append([]byte(nil), ps[1]...)
	changed[100] ^= 0xff
	e.putPart(http.DefaultClient, alice, up2.UploadID, 2, changed, 200)
	b := e.do("POST", "/v1/uploads/"+up2.UploadID+"/complete", alice, nil, 422, nil)
	if code := errorCode(t, b); code != "checksum_mismatch" {
		t.Errorf("re-sent part: code %q, want checksum_mismatch", code)
	}
}

// TestChunkedUploadHashesConcurrentParts: a client sending parts in
// parallel (each started after the one before, bodies overlapping) still
// gets every part hashed while it streams; a part whose body breaks off
// mid-way rolls the running hash back, and the upload still completes with
// the right SHA-256 once that part is re-sent.
func TestChunkedUploadHashesConcurrentParts(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	alice := e.login("alice")
	const ps = 5 << 20
	send := func(id string, bodies [][]byte, cut int) []int {
		status := make([]int, len(bodies))
		var wg sync.WaitGroup
		for i, p := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := io.Reader(&trickle{r: bytes.NewReader(p)})
				if i+1 == cut {
					body = io.MultiReader(io.LimitReader(body, ps/2), errReader{})
				}
				req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/v1/uploads/%s/parts/%d", e.base, id, i+1), body)
				req.ContentLength = int64(len(p))
				req.Header.Set("Authorization", "Bearer "+alice)
				if resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req); err == nil {
					status[i] = resp.StatusCode
					resp.Body.Close()
				}
			}()
			time.Sleep(30 * time.Millisecond) // started in order, as a client's queue does
		}
		wg.Wait()
		return status
	}
	complete := func(id string, sum [32]byte) {
		t.Helper()
		var done created
		e.do("POST", "/v1/uploads/"+id+"/complete", alice, nil, 202, &done)
		var got []byte
		if err := e.pool.QueryRow(context.Background(), `SELECT sha256 FROM media WHERE id = $1`, done.Media.ID).Scan(&got); err != nil || !bytes.Equal(got, sum[:]) {
			t.Errorf("media sha256 %x (%v), want %x", got, err, sum)
		}
	}

	data := videoBody(t, 3*ps+1000, 5)
	sum := sha256.Sum256(data)
	up, _ := e.startChunked(alice, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(sum[:])}, 201)
	if st := send(up.UploadID, parts(data, ps), 0); !slices.Equal(st, []int{200, 200, 200, 200}) {
		t.Fatalf("parallel parts: %v", st)
	}
	if n := e.count(`SELECT hashed_parts FROM uploads WHERE id = $1`, up.UploadID); n != 4 {
		t.Fatalf("hashed parts = %d, want 4: parallel parts were not hashed as they streamed", n)
	}
	complete(up.UploadID, sum)

	// Part 2's body breaks off half-way while parts 3 and 4 wait their turn.
	data = videoBody(t, 3*ps+1000, 6)
	sum = sha256.Sum256(data)
	up, _ = e.startChunked(alice, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(sum[:])}, 201)
	ps2 := parts(data, ps)
	if st := send(up.UploadID, ps2, 2); st[0] != 200 || st[1] == 200 || st[2] != 200 || st[3] != 200 {
		t.Fatalf("parallel parts with part 2 cut: %v", st)
	}
	if n := e.count(`SELECT hashed_parts FROM uploads WHERE id = $1`, up.UploadID); n != 1 {
		t.Errorf("hashed parts = %d after part 2 broke off, want 1 (rolled back)", n)
	}
	e.putPart(http.DefaultClient, alice, up.UploadID, 2, ps2[1], 200)
	complete(up.UploadID, sum)
	e.waitStored(stored{Raw: 2, Rows: 2})
}

// trickle hands out a body in 256 KiB pieces with a pause between them,
// so parallel parts overlap in time.
type trickle struct{ r io.Reader }

func (t *trickle) Read(p []byte) (int, error) {
	time.Sleep(5 * time.Millisecond)
	return t.r.Read(p[:min(len(p), 256<<10)])
}

// errReader fails the request body, as a client killed mid-part does.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("client went away") }

func TestChunkedUploadPartRules(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	alice := e.login("alice")
	// Part 1 of 5 MiB, part 2 of 100 bytes. Wrong parts stay small: they are
	// refused before they are read, and the connection is then closed.
	data := videoBody(t, 5<<20+100, 1)
	up, _ := e.startChunked(alice, map[string]any{"kind": "video", "size": len(data)}, 201)
	part := func(n string, body io.Reader, length int64) (int, string) {
		req, _ := http.NewRequest("PUT", e.base+"/v1/uploads/"+up.UploadID+"/parts/"+n, body)
		req.ContentLength = length
		st, b := e.sendNoCheck(req, alice)
		return st, errorCode(t, b)
	}
	for _, c := range []struct {
		name, n string
		body    []byte
		length  int64
	}{
		{"short part 1", "1", data[:1000], 1000},
		{"long last part", "2", data[:200], 200},
		{"no Content-Length", "2", data[:100], -1},
		{"part 0", "0", data[:100], 100},
		{"part past the end", "3", data[:100], 100},
		{"part x", "x", data[:100], 100},
	} {
		if st, code := part(c.n, bytes.NewReader(c.body), c.length); st != 400 || code != "invalid_part" {
			t.Errorf("%s: %d %s, want 400 invalid_part", c.name, st, code)
		}
	}
	// A body that ends before its declared Content-Length is the client's
	// fault: 400, not a storage error.
	conn, err := net.Dial("tcp", e.env["MEDIA_HTTP_ADDR"])
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT /v1/uploads/%s/parts/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
		up.UploadID, alice, 5<<20)
	conn.Write(data[:1<<20]) // a streamed body, well past what the server pre-reads
	conn.(*net.TCPConn).CloseWrite()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("short part: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	conn.Close()
	if resp.StatusCode != 400 || errorCode(t, b) != "invalid_part" {
		t.Errorf("part body shorter than its Content-Length: %d %s, want 400 invalid_part", resp.StatusCode, b)
	}
	e.putPart(http.DefaultClient, alice, up.UploadID, 1, data[:5<<20], 200)
	if code := errorCode(t, e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", alice, nil, 409, nil)); code != "upload_incomplete" {
		t.Errorf("complete with a part missing: %s", code)
	}
	e.do("DELETE", "/v1/uploads/"+up.UploadID, alice, nil, 204, nil)
	e.do("GET", "/v1/uploads/"+up.UploadID, alice, nil, 404, nil)
	e.waitStored(stored{})

	// Part 1 is checked for an allowed format; a refused one ends the upload.
	svg := padded(readTestdata(t, "images/hostile/script.svg"), 4096, 1)
	up, _ = e.startChunked(alice, map[string]any{"kind": "photo", "size": len(svg)}, 201)
	if st, code := part("1", bytes.NewReader(svg), int64(len(svg))); st != 415 || code != "unsupported_type" {
		t.Errorf("svg part 1: %d %s", st, code)
	}
	e.do("GET", "/v1/uploads/"+up.UploadID, alice, nil, 404, nil)
	// Kinds keep their limits and sizes must be real.
	e.startChunked(alice, map[string]any{"kind": "photo", "size": 31 << 20}, 413)
	e.startChunked(alice, map[string]any{"kind": "video", "size": 0}, 400)
	e.waitStored(stored{})
}

// MinIO going away is a 503 the client can retry, and leaves nothing: not
// before the upload, not mid-way through a multipart upload.
func TestUploadStorageDownIs503AndLeavesNothing(t *testing.T) {
	proxy := newTCPProxy(t, testenv.BlobConfig(t).Endpoint)
	// The engine checks its bucket at start, so MinIO is up then.
	e := startEngine(t, "serve", map[string]string{"MEDIA_S3_ENDPOINT": proxy.addr, "MEDIA_S3_PART_SIZE": "5MiB"})
	tok := e.login("alice")

	proxy.setDown(true)
	e.refuse(tok, upfile{kind: "photo", data: jpegHead(t, 4096, 1)}, 503, "storage_unavailable")
	proxy.setDown(false)
	e.waitStored(stored{})

	body, ctype := multipartBody(t, upfile{kind: "video", data: videoBody(t, 12<<20, 2)})
	conn := e.dial()
	br := bufio.NewReader(conn)
	conn.Write([]byte(rawHead("POST", "/v1/media", tok, ctype, fmt.Sprintf("Content-Length: %d", len(body)))))
	conn.Write(body[:6<<20])
	// Wait until MinIO holds the first part, then stop it.
	var key, uploadID string
	if !poll(15*time.Second, func() bool {
		ups := testenv.Incomplete(t, e.blob, "incoming/")
		if len(ups) != 1 {
			return false
		}
		key, uploadID = ups[0].Key, ups[0].UploadID
		ps, err := e.blob.ListParts(context.Background(), key, uploadID)
		return err == nil && len(ps) == 1
	}) {
		t.Fatal("the first part never reached MinIO")
	}
	proxy.setDown(true)
	writeAsync(conn, body[6<<20:])
	resp, b := readResponse(t, conn, br)
	if resp.StatusCode != 503 || errorCode(t, b) != "storage_unavailable" {
		t.Errorf("MinIO stopped mid-upload: %d %s", resp.StatusCode, b)
	}
	proxy.setDown(false)
	e.waitStored(stored{})
}

// avatar returns the avatar media id of the user signed in with tok.
func (e *engine) avatar(tok string) string {
	e.t.Helper()
	var me struct {
		User struct {
			AvatarMediaID *string `json:"avatar_media_id"`
		} `json:"user"`
	}
	e.do("GET", "/v1/me", tok, nil, 200, &me)
	if me.User.AvatarMediaID == nil {
		return ""
	}
	return *me.User.AvatarMediaID
}

// fetch GETs a signed media URL (no session: the URL is the grant).
func fetch(t *testing.T, u, rng string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
