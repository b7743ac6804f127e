package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Several API processes share one PostgreSQL, Redis and bucket: what one
// process keeps in memory (running hashes, cached link pages, open counts
// waiting to be written) must never make another answer wrongly.

// TestMultiChunkedPartsAcrossProcesses: the parts of one chunked upload
// arrive at two API processes in no order; each takes the running hash
// from PostgreSQL where the other left it, completion on either is
// correct and the item is ready with the declared SHA-256.
func TestMultiChunkedPartsAcrossProcesses(t *testing.T) {
	a := startEngine(t, "all", map[string]string{"MEDIA_UPLOAD_PART_SIZE": "5MiB"})
	b := a.startAnother("serve", nil)
	alice := a.login("MultiChunk")
	data := videoBody(t, 4*(5<<20)+1000, 11)
	sum := sha256.Sum256(data)
	up, _ := a.startChunked(alice, map[string]any{"kind": "video", "size": len(data), "sha256": hex.EncodeToString(sum[:])}, 201)
	ps := parts(data, 5<<20)
	hashed := func() int { return a.count(`SELECT hashed_parts FROM uploads WHERE id = $1`, up.UploadID) }
	for _, step := range []struct {
		on      *engine
		n, want int // part sent, then parts hashed
	}{{a, 1, 1}, {b, 2, 2}, {a, 4, 2}, {b, 3, 3}, {b, 5, 3}} {
		// Part 4 waits in A's chain for part 3, which B hashes: B cannot
		// hash A's part 4 (nor so part 5), so the running hash stops at 3
		// and completion reads parts 4 and 5 back instead.
		step.on.putPart(http.DefaultClient, alice, up.UploadID, step.n, ps[step.n-1], 200)
		if !poll(5*time.Second, func() bool { return hashed() >= step.want }) {
			t.Fatalf("after part %d: %d parts hashed, want %d", step.n, hashed(), step.want)
		}
	}
	var done created
	b.do("POST", "/v1/uploads/"+up.UploadID+"/complete", alice, nil, 202, &done)
	var got []byte
	if err := a.pool.QueryRow(context.Background(), `SELECT sha256 FROM media WHERE id = $1`, done.Media.ID).Scan(&got); err != nil || !bytes.Equal(got, sum[:]) {
		t.Errorf("media sha256 %x (%v), want %x", got, err, sum)
	}
	if m := a.waitReady(alice, done.Media.ID); m.Status != "ready" {
		t.Errorf("item %s, want ready", m.Status)
	}
	if n := a.count(`SELECT count(*) FROM uploads WHERE id = $1`, up.UploadID); n != 0 {
		t.Errorf("%d upload rows left after completion", n)
	}
}

// TestMultiShareCacheAcrossProcesses: both API processes cache a link's
// page; an album edit and a revocation through one process reach the
// other's cache by NOTIFY, so it never serves the old page.
func TestMultiShareCacheAcrossProcesses(t *testing.T) {
	a := startEngine(t, "all", nil)
	b := a.startAnother("serve", nil)
	u := a.signIn("MultiCache")
	album := shrAlbum(t, a, u, "Before", nil)
	l := shrCreate(t, a, u, map[string]any{"album_id": album})
	for range 2 { // the second open of each is served from its cache
		for _, e := range []*engine{a, b} {
			if v, raw := shrViewOf(t, e, l.Token, "", ""); v.Title != "Before" {
				t.Fatalf("title %q: %s", v.Title, raw)
			}
		}
	}
	b.do("PATCH", "/v1/albums/"+album, u.tok, map[string]string{"title": "After"}, 200, nil)
	if v, _ := shrViewOf(t, b, l.Token, "", ""); v.Title != "After" {
		t.Errorf("the writing process serves %q, want After at once", v.Title)
	}
	if !poll(2*time.Second, func() bool { v, _ := shrViewOf(t, a, l.Token, "", ""); return v.Title == "After" }) {
		t.Error("the other process still serves the old title 2s after the edit")
	}
	a.do("DELETE", "/v1/shares/"+l.Share.ID, u.tok, nil, 204, nil)
	if !poll(2*time.Second, func() bool { st, _ := shrOpen(t, b, l.Token, "", ""); return st == 410 }) {
		st, body := shrOpen(t, b, l.Token, "", "")
		t.Errorf("the other process answers %d %.200s 2s after the revocation, want 410", st, body)
	}
}

// TestMultiGrantCacheAcrossProcesses: the member checks of /f/ that each
// API process caches stop at once where a write happened and within one
// notification in the other process: a member removed loses every URL
// handed out, an item made only_me stops serving to members.
func TestMultiGrantCacheAcrossProcesses(t *testing.T) {
	a := startEngine(t, "all", nil)
	b := a.startAnother("serve", nil)
	o, v := a.signIn("GrantOwner"), a.signIn("GrantViewer")
	album := a.album(o.tok, map[string]string{v.tok: "viewer"})
	hidden, kept := a.uploadPhotoID(o, "photo", album, "members"), a.uploadPhotoID(o, "photo", album, "members")
	a.waitReady(o.tok, hidden)
	a.waitReady(o.tok, kept)
	on := func(e *engine, id string) string { // v's thumb URL, served by e
		return e.base + strings.TrimPrefix(a.getMedia(v.tok, id, 200).URLs["thumb"], a.base)
	}
	urls := map[*engine]map[string]string{a: {}, b: {}}
	for _, e := range []*engine{a, b} {
		for _, id := range []string{hidden, kept} {
			urls[e][id] = on(e, id)
		}
	}
	// Until the cache answers in both processes (the writes that made the
	// album may notify after the first check).
	for _, e := range []*engine{a, b} {
		before := e.counter("mediad_grant_cache_hits_total")
		if !poll(5*time.Second, func() bool {
			return albFetch(t, urls[e][hidden]) == 200 && albFetch(t, urls[e][kept]) == 200 &&
				e.counter("mediad_grant_cache_hits_total") >= before+2
		}) {
			t.Fatalf("%s: /f/ member checks never answered from the grant cache", e.base)
		}
	}
	// Served from the cache, each URL still gets its own item's bytes
	// (alternating items on keep-alive connections; that the cache's keys
	// own their strings is TestGrantCacheKeyOwnsItsStrings in upload).
	for _, e := range []*engine{a, b} {
		want := map[string][32]byte{}
		for round := range 4 {
			for _, id := range []string{hidden, kept} {
				sum := sha256.Sum256(fetchBody(t, urls[e][id]))
				if round == 0 {
					want[id] = sum
				} else if sum != want[id] {
					t.Fatalf("%s round %d: /f/ of %s served other bytes than at first", e.base, round, id)
				}
			}
		}
		if want[hidden] == want[kept] {
			t.Fatal("the two items' thumbs are the same bytes: the check above proves nothing")
		}
	}
	a.do("PATCH", "/v1/media/"+hidden, o.tok, map[string]string{"visibility": "only_me"}, 200, nil)
	if st := albFetch(t, urls[a][hidden]); st != 404 {
		t.Errorf("the writing process serves an only_me item to a member: %d, want 404 at once", st)
	}
	if !poll(2*time.Second, func() bool { return albFetch(t, urls[b][hidden]) == 404 }) {
		t.Error("the other process still serves an only_me item to a member 2s after the change")
	}
	if st := albFetch(t, urls[b][kept]); st != 200 {
		t.Errorf("the other item stopped serving: %d", st)
	}
	b.do("DELETE", "/v1/albums/"+album+"/members/"+v.id, o.tok, nil, 204, nil)
	if st := albFetch(t, urls[b][kept]); st != 404 {
		t.Errorf("the writing process serves a removed member: %d, want 404 at once", st)
	}
	if !poll(2*time.Second, func() bool { return albFetch(t, urls[a][kept]) == 404 }) {
		t.Error("the other process still serves a removed member 2s after the removal")
	}
}

// TestMultiLimitsAndOpenCountsAcrossProcesses: the per-address limit on
// public routes is one budget across API processes (Redis), and opens
// counted in each process's memory all reach share_opens.
func TestMultiLimitsAndOpenCountsAcrossProcesses(t *testing.T) {
	a := startEngine(t, "all", map[string]string{"MEDIA_PUBLIC_RATE_PER_MINUTE": "6"})
	b := a.startAnother("serve", nil) // same environment: 6 per minute
	u := a.signIn("MultiLimit")
	l := shrCreate(t, a, u, map[string]any{"album_id": shrAlbum(t, a, u, "Counted", nil)})
	var got []int
	for i := range 6 {
		e := a
		if i%2 == 1 {
			e = b
		}
		st, _ := shrOpen(t, e, l.Token, "", "")
		got = append(got, st)
	}
	for i, st := range got {
		if st != 200 {
			t.Fatalf("open %d: %d, want 200 (all: %v)", i+1, st, got)
		}
	}
	for _, e := range []*engine{a, b} {
		if st, b := shrOpen(t, e, l.Token, "", ""); st != 429 || errorCode(t, b) != "rate_limited" {
			t.Errorf("7th open: %d %.200s, want 429 rate_limited whichever process answers", st, b)
		}
	}
	// Each process writes its counts every 2 s.
	total := func() int {
		return a.count(`SELECT coalesce(sum(opens), 0) FROM share_opens WHERE share_id = $1`, l.Share.ID)
	}
	if !poll(10*time.Second, func() bool { return total() >= 6 }) || total() != 6 {
		t.Errorf("share_opens counts %d opens, want the 6 served by both processes", total())
	}
}

// fetchBody GETs url (keep-alive, the default client) and returns its 200 body.
func fetchBody(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}
