package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/testenv"
)

// wx.uploadFile does not fix the order of its formData and the file: POST
// /v1/media takes the fields before the file, after it, or in the query.

func TestUploadFieldsInEitherOrder(t *testing.T) {
	e := startEngine(t, "all", nil)
	tok := e.login("alice")
	alb := e.album(tok, nil)
	for _, c := range []struct {
		name string
		f    upfile
	}{
		{"fields first", upfile{kind: "photo", albumID: alb, visibility: "only_me"}},
		{"file first", upfile{kind: "photo", albumID: alb, visibility: "only_me", fileFirst: true}},
		// The form field overrides the query parameter of the same name.
		{"file first, album in the query", upfile{kind: "photo", visibility: "only_me", fileFirst: true,
			query: "album_id=" + alb + "&visibility=link"}},
	} {
		c.f.data = e.photo()
		m := e.uploadOK(tok, c.f)
		m = e.waitReady(tok, m.ID)
		if m.Kind != "photo" || m.AlbumID == nil || *m.AlbumID != alb || m.Visibility != "only_me" {
			t.Errorf("%s: got %+v, want a photo in album %s, only_me", c.name, m, alb)
		}
	}
	if n := e.count(`SELECT count(*) FROM media WHERE album_id = $1 AND status = 'ready'`, alb); n != 3 {
		t.Errorf("%d ready items in the album, want 3", n)
	}
}

// TestUploadQueryKindFileFirstReadsTheFieldsAfter: the kind in the query
// and the file part first, the form fields after the file still count and
// override the query, as they would before it; refused by one of them,
// the upload leaves nothing behind.
func TestUploadQueryKindFileFirstReadsTheFieldsAfter(t *testing.T) {
	e := startEngine(t, "serve", nil)
	alice, bob := e.login("alice"), e.login("bob")
	a, b := e.album(alice, nil), e.album(alice, nil)
	bobs, viewOnly := e.album(bob, nil), e.album(bob, map[string]string{alice: "viewer"})

	for _, c := range []struct {
		name   string
		f      upfile
		status int
		code   string
	}{
		{"album the user is not in after the file, another in the query",
			upfile{albumID: bobs, query: "kind=photo&album_id=" + a}, 404, "not_found"},
		{"album the user may only view after the file",
			upfile{albumID: viewOnly, query: "kind=photo"}, 403, "forbidden"},
		{"unknown visibility after the file",
			upfile{visibility: "public", query: "kind=photo&visibility=only_me"}, 400, "invalid_visibility"},
		{"a kind the bytes are not after the file", upfile{kind: "video", query: "kind=photo"}, 415, "unsupported_type"},
		// The query's kind bounds what is stored while the fields are
		// unknown: a later kind field narrows it but does not widen it.
		{"a video under the query's kind avatar, kind=video after the file",
			upfile{kind: "video", query: "kind=avatar", data: videoBody(t, 64<<10, 1)}, 415, "unsupported_type"},
	} {
		c.f.fileFirst = true
		if c.f.data == nil {
			c.f.data = e.photo()
		}
		if st, body := e.uploadStatus(alice, c.f); st != c.status || errorCode(t, body) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, st, body, c.status, c.code)
		}
	}
	e.requireNothingLeft()

	for _, c := range []struct {
		name  string
		f     upfile
		album string
		vis   string
	}{
		{"album and visibility after the file", upfile{albumID: a, visibility: "only_me", fileFirst: true, query: "kind=photo"}, a, "only_me"},
		{"the form's album after the file over the query's", upfile{albumID: b, fileFirst: true, query: "kind=photo&album_id=" + a}, b, "members"},
		{"the form's kind after the file over the query's", upfile{kind: "photo", albumID: a, fileFirst: true, query: "kind=avatar"}, a, "members"},
		{"everything in the query, only the file in the body", upfile{query: "kind=photo&visibility=only_me&album_id=" + a}, a, "only_me"},
		{"fields first, the kind in the query", upfile{albumID: b, visibility: "only_me", query: "kind=photo"}, b, "only_me"},
	} {
		c.f.data = e.photo()
		m := e.uploadOK(alice, c.f)
		if m.Kind != "photo" || m.AlbumID == nil || *m.AlbumID != c.album || m.Visibility != c.vis {
			t.Errorf("%s: got %+v, want a photo in album %s, %s", c.name, m, c.album, c.vis)
		}
		if n := e.count(`SELECT count(*) FROM media WHERE id = $1 AND kind = 'photo' AND album_id = $2 AND visibility = $3`, m.ID, c.album, c.vis); n != 1 {
			t.Errorf("%s: the row of %s is not a photo in album %s, %s", c.name, m.ID, c.album, c.vis)
		}
	}
}

// TestUploadLateFieldRefusedLeavesNothing: a file whose fields come after
// it is stored before they are known; when they refuse it, the answer is
// the one the fields-first order gets, and nothing of it is kept: no
// object, no row, no reservation, no task, no quota used.
func TestUploadLateFieldRefusedLeavesNothing(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{
		"MEDIA_UPLOAD_MAX_PHOTO": "64KiB", "MEDIA_UPLOAD_MAX_AVATAR": "16KiB",
		"MEDIA_UPLOAD_MAX_COVER": "32KiB", "MEDIA_UPLOAD_MAX_VIDEO": "96KiB", "MEDIA_USER_QUOTA": "96KiB",
	})
	alice, viewer, outsider := e.login("alice"), e.login("viewer"), e.login("outsider")
	alb := e.album(alice, map[string]string{viewer: "viewer"})
	jpeg := func(size int, seed uint64) []byte { return jpegHead(t, size, seed) }
	cases := []struct {
		name, tok string
		f         upfile
		status    int
		code      string
	}{
		{"avatar past its limit, within the largest", alice, upfile{kind: "avatar", data: jpeg(32<<10, 1)}, 413, "too_large"},
		{"album the user is not in", outsider, upfile{kind: "photo", albumID: alb, data: jpeg(4<<10, 2)}, 404, "not_found"},
		{"album the user may only view", viewer, upfile{kind: "photo", albumID: alb, data: jpeg(4<<10, 3)}, 403, "forbidden"},
		{"avatar in an album", alice, upfile{kind: "avatar", albumID: alb, data: jpeg(4<<10, 4)}, 400, "invalid_kind"},
		{"unknown kind", alice, upfile{kind: "poster", data: jpeg(4<<10, 5)}, 400, "invalid_kind"},
		{"unknown visibility", alice, upfile{kind: "photo", visibility: "public", data: jpeg(4<<10, 6)}, 400, "invalid_visibility"},
		{"a photo sent as a video", alice, upfile{kind: "video", data: jpeg(4<<10, 7)}, 415, "unsupported_type"},
		{"photo past its limit, the kind in the query", alice, upfile{query: "kind=photo", data: jpeg(80<<10, 8)}, 413, "too_large"},
		{"album the user is not in, the kind in the query", outsider, upfile{albumID: alb, query: "kind=photo", data: jpeg(4<<10, 9)}, 404, "not_found"},
	}
	for _, c := range cases {
		for _, fileFirst := range []bool{false, true} {
			c.f.fileFirst = fileFirst
			if st, b := e.uploadStatus(c.tok, c.f); st != c.status || errorCode(t, b) != c.code {
				t.Errorf("%s (file first %v): %d %s, want %d %s", c.name, fileFirst, st, b, c.status, c.code)
			}
		}
	}
	e.requireNothingLeft()
	// Nothing counts against alice's quota: all of it still fits, and
	// that upload is queued (the task count above could see one).
	e.uploadOK(alice, upfile{kind: "video", data: videoBody(t, 96<<10, 8), fileFirst: true})
	if n := e.queued(); n != 1 {
		t.Errorf("%d tasks queued after one accepted upload, want 1", n)
	}
}

// TestUploadFileFirstWithoutKindLeavesNothing: a body with no kind
// anywhere is read to its end and refused as invalid_kind.
func TestUploadFileFirstWithoutKindLeavesNothing(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("alice")
	alb := e.album(tok, nil)
	for _, f := range []upfile{
		{fileFirst: true},
		{albumID: alb, visibility: "only_me", fileFirst: true},
		{albumID: alb, visibility: "only_me"},
		{fileFirst: true, query: "album_id=" + alb},
	} {
		f.data = e.photo()
		st, b := e.uploadStatus(tok, f)
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(b, &body)
		if st != 400 || body.Error.Code != "invalid_kind" || strings.Contains(body.Error.Message, "before") {
			t.Errorf("no kind (file first %v): %d %s, want 400 invalid_kind, not about order", f.fileFirst, st, b)
		}
	}
	e.requireNothingLeft()
}

// TestUploadFileFirstKeepsDedupeIdempotencyAndCap: the same bytes again
// are the same item; a retry with the same Idempotency-Key gets the first
// item and a key reused for another kind is refused; the per-user cap on
// uploads streaming at once counts a file whose kind has not arrived yet.
func TestUploadFileFirstKeepsDedupeIdempotencyAndCap(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOADS_PER_USER": "1"})
	tok := e.login("alice")
	photo := upfile{kind: "photo", data: e.photo(), fileFirst: true}
	first := e.uploadOK(tok, photo)
	var again created
	e.upload(tok, photo, 200, &again)
	if !again.Duplicate || again.Media.ID != first.ID {
		t.Errorf("same bytes again, file first: %+v, want the duplicate %s", again, first.ID)
	}

	keyed := upfile{kind: "photo", data: e.photo(), fileFirst: true}
	st, m1, b := e.keyed(tok, "k-1", keyed)
	if st != 202 {
		t.Fatalf("keyed upload: %d %s", st, b)
	}
	if st, m2, b := e.keyed(tok, "k-1", keyed); st != 200 || m2.ID != m1.ID {
		t.Errorf("retry: %d %s, want 200 with %s", st, b, m1.ID)
	}
	if st, _, b := e.keyed(tok, "k-1", upfile{kind: "avatar", data: e.photo(), fileFirst: true}); st != 409 || errorCode(t, b) != "idempotency_key_reused" {
		t.Errorf("key reused for an avatar: %d %s, want 409 idempotency_key_reused", st, b)
	}

	// Hold a file-first upload open short of its end (the fields are in
	// the tail): a second upload of the user waits its turn.
	body, ct := multipartBody(t, upfile{kind: "photo", data: padded(e.photo(), 1<<20, 2), fileFirst: true})
	held := e.dial()
	fmt.Fprint(held, rawHead("POST", "/v1/media", tok, ct, fmt.Sprintf("Content-Length: %d", len(body))))
	held.Write(body[:len(body)-64<<10])
	if !poll(10*time.Second, func() bool { return e.count(`SELECT count(*) FROM quota_reservations`) == 1 }) {
		t.Fatal("the held upload did not start streaming")
	}
	if st, b := e.uploadStatus(tok, upfile{kind: "photo", data: e.photo(), fileFirst: true}); st != 429 || errorCode(t, b) != "too_many_uploads" {
		t.Errorf("second upload while one streams: %d %s, want 429 too_many_uploads", st, b)
	}
	held.Write(body[len(body)-64<<10:])
	if resp, b := readResponse(t, held, bufio.NewReader(held)); resp.StatusCode != 202 {
		t.Errorf("held upload: %d %s, want 202", resp.StatusCode, b)
	}
	e.waitStored(stored{Raw: 3, Rows: 3})
}

// requireNothingLeft waits until no upload has left an object, a row or a
// reservation, and requires that no task was queued.
func (e *engine) requireNothingLeft() {
	e.t.Helper()
	e.waitStored(stored{})
	if keys := testenv.Keys(e.t, e.blob, "media/"); len(keys) != 0 {
		e.t.Errorf("objects left under media/: %v", keys)
	}
	if n := e.count(`SELECT count(*) FROM quota_reservations`); n != 0 {
		e.t.Errorf("%d quota reservations left", n)
	}
	if n := e.queued(); n != 0 {
		e.t.Errorf("%d tasks queued for refused uploads", n)
	}
}

// queued counts the tasks Asynq holds in every queue, whatever their state.
func (e *engine) queued() int {
	e.t.Helper()
	in := e.inspector()
	qs, err := in.Queues()
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, q := range qs {
		info, err := in.GetQueueInfo(q)
		if err != nil {
			e.t.Fatal(err)
		}
		n += info.Size
	}
	return n
}

// TestUploadFieldsSplitAroundTheFileIsRefused: kind before the file and
// visibility after it is refused (400), not stored with the visibility
// ignored; nothing is left behind. A body whose fields all come first
// still works with nothing after the file.
func TestUploadFieldsSplitAroundTheFileIsRefused(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("alice")
	for _, size := range []int{0, 9 << 20} { // in one object, and in parts
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("kind", "photo")
		part, _ := w.CreateFormFile("file", "a.jpg")
		photo := e.photo()
		if size > 0 {
			photo = jpegHead(t, size, 7)
		}
		part.Write(photo)
		w.WriteField("visibility", "only_me")
		w.Close()
		req, _ := http.NewRequest("POST", e.base+"/v1/media", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		if code := errorCode(t, e.send(req, tok, 400, nil)); code != "invalid_request" {
			t.Errorf("split fields (%d bytes): code %q, want invalid_request", len(photo), code)
		}
		e.requireNothingLeft()
	}
}
