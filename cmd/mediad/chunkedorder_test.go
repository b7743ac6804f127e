package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
)

// TestChunkedUploadHashesPartsArrivingOutOfOrder: parallel requests race,
// so part 4 may arrive (and be stored) before part 3's request does, and a
// resuming client may send a later part first. Parts stored ahead of their
// turn are kept and hashed once the parts before them come, so completion
// still needs no read-back; a part that broke off leaves the parts after
// it waiting, not lost.
func TestChunkedUploadHashesPartsArrivingOutOfOrder(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	alice := e.login("alice")
	data := videoBody(t, 4*(5<<20)+1000, 7)
	sum := sha256.Sum256(data)
	up, _ := e.startChunked(alice, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(sum[:])}, 201)
	ps := parts(data, 5<<20)
	hashed := func() int {
		return e.count(`SELECT hashed_parts FROM uploads WHERE id = $1`, up.UploadID)
	}
	for _, n := range []int{1, 2, 4, 5} {
		e.putPart(http.DefaultClient, alice, up.UploadID, n, ps[n-1], 200)
	}
	if n := hashed(); n != 2 {
		t.Fatalf("hashed parts = %d before part 3, want 2", n)
	}
	e.putPart(http.DefaultClient, alice, up.UploadID, 3, ps[2], 200)
	if n := hashed(); n != 5 {
		t.Fatalf("hashed parts = %d once part 3 came, want 5 (parts 4 and 5 kept)", n)
	}
	var done created
	e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", alice, nil, 202, &done)
	var got []byte
	if err := e.pool.QueryRow(context.Background(), `SELECT sha256 FROM media WHERE id = $1`, done.Media.ID).Scan(&got); err != nil || !bytes.Equal(got, sum[:]) {
		t.Errorf("media sha256 %x (%v), want %x", got, err, sum)
	}
}

// TestChunkedUploadOutOfOrderMismatchIsCaught: a part kept ahead of its
// turn and then re-sent with other bytes is replaced by the new copy, so
// the running hash covers what is stored and the declared SHA-256 of the
// original bytes no longer matches.
func TestChunkedUploadOutOfOrderMismatchIsCaught(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	alice := e.login("alice")
	data := videoBody(t, 2*(5<<20)+1000, 8)
	sum := sha256.Sum256(data)
	up, _ := e.startChunked(alice, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(sum[:])}, 201)
	ps := parts(data, 5<<20)
	e.putPart(http.DefaultClient, alice, up.UploadID, 3, ps[2], 200)
	e.putPart(http.DefaultClient, alice, up.UploadID, 2, ps[1], 200)
	changed := append([]byte(nil), ps[2]...)
	changed[10] ^= 0xff
	e.putPart(http.DefaultClient, alice, up.UploadID, 3, changed, 200)
	e.putPart(http.DefaultClient, alice, up.UploadID, 1, ps[0], 200)
	b := e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", alice, nil, 422, nil)
	if code := errorCode(t, b); code != "checksum_mismatch" {
		t.Errorf("re-sent part 3: code %q, want checksum_mismatch", code)
	}
}
