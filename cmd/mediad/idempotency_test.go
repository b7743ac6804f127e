package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxalbum/mediad/upload"
)

// keyed sends POST /v1/media with an Idempotency-Key and returns the
// status and the item.
func (e *engine) keyed(tok, key string, f upfile) (int, mediaView, []byte) {
	e.t.Helper()
	body, ct := multipartBody(e.t, f)
	req, _ := http.NewRequest("POST", e.base+"/v1/media", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Idempotency-Key", key)
	st, b := e.sendNoCheck(req, tok)
	var out struct {
		Media mediaView `json:"media"`
	}
	json.Unmarshal(b, &out)
	return st, out.Media, b
}

// TestIdempotencyKeyGivesOneItem: wx.uploadFile retried after a timeout
// (the same request again, or four at once with different bytes) gets the
// first request's item: one row, one set of objects, no raw copy left. A
// key used for another kind of upload is refused; a bad key is refused; a
// key is forgotten after the retention period.
func TestIdempotencyKeyGivesOneItem(t *testing.T) {
	e := startEngine(t, "all", nil)
	u := e.signIn("retrier")
	photo := upfile{kind: "photo", data: e.photo()}

	st, first, b := e.keyed(u.tok, "k-1", photo)
	if st != http.StatusAccepted {
		t.Fatalf("first request: %d %s", st, b)
	}
	st, again, b := e.keyed(u.tok, "k-1", photo)
	if st != http.StatusOK || again.ID != first.ID {
		t.Fatalf("retry: %d %s, want 200 with item %s", st, b, first.ID)
	}

	// Four at once, each with other bytes: a retry
	// racing its original.
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, m, b := e.keyed(u.tok, "k-2", upfile{kind: "photo", data: e.photo()})
			mu.Lock()
			defer mu.Unlock()
			if st != http.StatusAccepted && st != http.StatusOK {
				t.Errorf("concurrent retry: %d %s", st, b)
			}
			got[m.ID]++
		}()
	}
	wg.Wait()
	if len(got) != 1 {
		t.Errorf("four requests with one key got items %v, want one item", got)
	}
	if n := e.count(`SELECT count(*) FROM media WHERE idempotency_key = 'k-2'`); n != 1 {
		t.Errorf("%d rows for key k-2, want 1", n)
	}
	var secondID string
	for id := range got {
		secondID = id
	}
	e.waitReady(u.tok, first.ID)
	e.waitReady(u.tok, secondID)
	if n := e.count(`SELECT count(*) FROM media`); n != 2 {
		t.Errorf("%d media rows, want 2", n)
	}
	if !poll(15*time.Second, func() bool { return len(e.keys("incoming/")) == 0 }) {
		t.Errorf("raw copies left: %v", e.keys("incoming/"))
	}
	for _, k := range e.keys("media/") {
		if !strings.HasPrefix(k, "media/"+first.ID+"/") && !strings.HasPrefix(k, "media/"+secondID+"/") {
			t.Errorf("object of no item: %s", k)
		}
	}

	// The key of a photo is not a retry of an avatar upload.
	if st, _, b := e.keyed(u.tok, "k-1", upfile{kind: "avatar", data: e.photo()}); st != http.StatusConflict ||
		errorCode(t, b) != "idempotency_key_reused" {
		t.Errorf("key reused for an avatar: %d %s, want 409 idempotency_key_reused", st, b)
	}
	for _, bad := range []string{strings.Repeat("k", 129), "key with spaces", "ключ"} {
		if st, _, b := e.keyed(u.tok, bad, photo); st != http.StatusBadRequest || errorCode(t, b) != "invalid_idempotency_key" {
			t.Errorf("key %q: %d %s, want 400 invalid_idempotency_key", bad, st, b)
		}
	}

	// After the retention period the key names nothing.
	if _, err := upload.NewStore(e.pool).PurgeIdempotencyKeys(context.Background(), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if st, m, b := e.keyed(u.tok, "k-1", upfile{kind: "photo", data: e.photo()}); st != http.StatusAccepted || m.ID == first.ID {
		t.Errorf("key after retention: %d %s, want a new item", st, b)
	}
}

// TestIdempotencyKeyOnChunkedStart: a retried start returns the same
// upload with the parts it already has; after it completed, the key is
// refused rather than starting a second upload.
func TestIdempotencyKeyOnChunkedStart(t *testing.T) {
	e := startEngine(t, "serve", nil)
	tok := e.login("chunky")
	data := videoBody(t, 6<<20, 3)
	start := func() (int, chunkedView, []byte) {
		req := e.jsonRequest("POST", "/v1/uploads", map[string]any{"kind": "video", "size": len(data)})
		req.Header.Set("Idempotency-Key", "start-1")
		st, b := e.sendNoCheck(req, tok)
		var out chunkedView
		json.Unmarshal(b, &out)
		return st, out, b
	}
	st, first, b := start()
	if st != http.StatusCreated {
		t.Fatalf("start: %d %s", st, b)
	}
	e.putPart(http.DefaultClient, tok, first.UploadID, 1, data, 200)
	st, again, b := start()
	if st != http.StatusOK || again.UploadID != first.UploadID || len(again.Parts) != 1 {
		t.Fatalf("retried start: %d %s, want 200 with upload %s and its part", st, b, first.UploadID)
	}
	if n := e.count(`SELECT count(*) FROM uploads`); n != 1 {
		t.Errorf("%d upload rows, want 1", n)
	}
	e.do("POST", fmt.Sprintf("/v1/uploads/%s/complete", first.UploadID), tok, nil, 202, nil)
	if st, _, b := start(); st != http.StatusConflict || errorCode(t, b) != "idempotency_key_reused" {
		t.Errorf("start after completion: %d %s, want 409 idempotency_key_reused", st, b)
	}
	if n := e.count(`SELECT count(*) FROM media`); n != 1 {
		t.Errorf("%d media rows, want 1", n)
	}
}
