package main

// Regression tests for what an authorised attack on a running engine found
// (issue "Hardening"): each failed on the code before its fix.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/internal/testenv"
)

// TestRemovedMemberCannotAddItems: a chunked upload started while a
// contributor, completed after the member was removed; a direct upload
// whose bytes were still arriving when the member was demoted; a chunked
// upload completed into an album that started dissolving: none lands, and
// none leaves an object or a row behind.
func TestRemovedMemberCannotAddItems(t *testing.T) {
	// 5 MiB parts: a 6 MiB upload is seen streaming (a multipart upload
	// under incoming/) once the handler has read its first 5 MiB.
	e := startEngine(t, "serve", map[string]string{"MEDIA_S3_PART_SIZE": "5MiB"})
	o, c := e.signIn("owner"), e.signIn("contrib")
	alb := e.album(o.tok, map[string]string{c.tok: "contributor"})
	members := "/v1/albums/" + alb + "/members/" + c.id
	photo := e.photo()

	// 1. Chunked: started as a contributor, completed after removal.
	up, _ := e.startChunked(c.tok, map[string]any{"kind": "photo", "album_id": alb, "size": len(photo)}, 201)
	e.putPart(http.DefaultClient, c.tok, up.UploadID, 1, photo, 200)
	e.do("DELETE", members, o.tok, nil, 204, nil)
	if code := errorCode(t, e.do("POST", "/v1/uploads/"+up.UploadID+"/complete", c.tok, nil, 404, nil)); code != "not_found" {
		t.Errorf("completing after removal: %s, want not_found", code)
	}
	e.waitStored(stored{})

	// 2. Direct: the body is still arriving when the member is demoted.
	inv := e.invite(o.tok, alb, "contributor")
	e.do("POST", "/v1/invites/"+inv+"/accept", c.tok, nil, 200, nil)
	big := append(readTestdata(t, "images/phone/iphone_hdr_NO.jpg"), make([]byte, 6<<20)...)[:6<<20]
	body, ct := multipartBody(t, upfile{kind: "photo", albumID: alb, data: big})
	conn, err := net.Dial("tcp", e.env["MEDIA_HTTP_ADDR"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		c.tok, ct, len(body))
	conn.Write(body[:len(body)-512<<10])
	e.waitStreaming()
	e.do("PATCH", members, o.tok, map[string]string{"role": "viewer"}, 204, nil)
	conn.Write(body[len(body)-512<<10:])
	resp, b := readResponse(t, conn, bufio.NewReader(conn))
	if resp.StatusCode != 403 || errorCode(t, b) != "forbidden" {
		t.Errorf("direct upload finished after demotion: %d %s, want 403 forbidden", resp.StatusCode, b)
	}
	e.waitStored(stored{})

	// 3. Chunked, completed into an album that started dissolving.
	e.do("PATCH", members, o.tok, map[string]string{"role": "contributor"}, 204, nil)
	photo = e.photo()
	up, _ = e.startChunked(c.tok, map[string]any{"kind": "photo", "album_id": alb, "size": len(photo)}, 201)
	e.putPart(http.DefaultClient, c.tok, up.UploadID, 1, photo, 200)
	e.do("DELETE", "/v1/albums/"+alb, o.tok, map[string]string{"confirm_title": "trip"}, 202, nil)
	st, b := e.try("POST", "/v1/uploads/"+up.UploadID+"/complete", c.tok, nil)
	if st != 404 {
		t.Errorf("completing into a dissolving album: %d %s, want 404", st, b)
	}
	if n := e.count(`SELECT count(*) FROM media WHERE album_id = $1`, alb); n != 0 {
		t.Errorf("%d items landed in the album", n)
	}
	if keys := e.keys("incoming/"); len(keys) != 0 {
		t.Errorf("objects left in quarantine: %v", keys)
	}
}

// TestDuplicateNeverWidensVisibility: uploading the same bytes again with
// a narrower visibility narrows the existing item; a wider one leaves it.
func TestDuplicateNeverWidensVisibility(t *testing.T) {
	e := startEngine(t, "serve", nil)
	u := e.signIn("dup")
	photo := e.photo()
	first := e.uploadOK(u.tok, upfile{kind: "photo", visibility: "link", data: photo})
	for _, c := range []struct{ asked, want string }{
		{"only_me", "only_me"}, // narrower: applied
		{"link", "only_me"},    // wider: the item stays as narrow as it was
		{"members", "only_me"},
	} {
		var again created
		e.upload(u.tok, upfile{kind: "photo", visibility: c.asked, data: photo}, 200, &again)
		if !again.Duplicate || again.Media.ID != first.ID || again.Media.Visibility != c.want {
			t.Errorf("again as %s: %+v, want the duplicate with visibility %s", c.asked, again.Media, c.want)
		}
		if m := e.getMedia(u.tok, first.ID, 200); m.Visibility != c.want {
			t.Errorf("after an upload as %s the item is %s, want %s", c.asked, m.Visibility, c.want)
		}
	}
}

// invite makes an invitation of role to owner's album and returns its token.
func (e *engine) invite(owner, albumID, role string) string {
	e.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/albums/"+albumID+"/invites", owner, map[string]any{"role": role}, 201, &out)
	return out.Token
}

// waitStreaming waits until an upload is streaming into the quarantine as
// a multipart upload: its handler is past every check made before the
// bytes arrive.
func (e *engine) waitStreaming() {
	e.t.Helper()
	if !poll(20*time.Second, func() bool { return len(testenv.Incomplete(e.t, e.blob, "incoming/")) > 0 }) {
		e.t.Fatalf("no upload streaming into incoming/ after 20s")
	}
}

// TestPasswordGuessesAreCountedBeforeTheyAreChecked: 300 guesses sent at
// once from one network, the right password among them, get at most 5
// password comparisons (the rest 429 with Retry-After); and guesses from
// many networks together are bounded per link, whatever the network.
func TestPasswordGuessesAreCountedBeforeTheyAreChecked(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_SHARE_UNLOCK_TRIES_PER_LINK": "12"})
	o := e.signIn("guarded")
	alb := e.album(o.tok, nil)
	link := func() string {
		var out struct {
			Token string `json:"token"`
		}
		e.do("POST", "/v1/shares", o.tok, map[string]any{"album_id": alb, "password": "right-horse"}, 201, &out)
		return out.Token
	}
	guess := func(token, pw string, network int) (int, string) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(network), 1)}}
		tr := &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		body := strings.NewReader(fmt.Sprintf(`{"password":%q}`, pw))
		resp, err := (&http.Client{Transport: tr, Timeout: 60 * time.Second}).Post(e.base+"/v1/public/shares/"+token+"/unlock", "application/json", body)
		if err != nil {
			t.Errorf("guess: %v", err)
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("429 without Retry-After")
		}
		if resp.StatusCode >= 400 {
			return resp.StatusCode, errorCode(t, b)
		}
		return resp.StatusCode, ""
	}

	tok := link()
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := fmt.Sprintf("guess-%d", i)
			if i == 150 {
				pw = "right-horse"
			}
			st, code := guess(tok, pw, 1)
			mu.Lock()
			got[fmt.Sprintf("%d %s", st, code)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	checked := got["401 wrong_password"] + got["200 "]
	if checked > 5 || got["429 rate_limited"] != 300-checked {
		t.Errorf("300 concurrent guesses from one network: %v; want at most 5 compared, the rest 429", got)
	}

	// One guess from each of 20 networks on another link: 12 are compared.
	tok = link()
	compared := 0
	for n := range 20 {
		if st, _ := guess(tok, "guess", 10+n); st == 401 {
			compared++
		}
	}
	if compared != 12 {
		t.Errorf("20 networks, one guess each: %d compared, want 12 (the per-link limit)", compared)
	}
}

// TestExportsAreOneAtATimeAndLimited: 15 export requests in a row start
// one export; asking again returns it; past the daily limit a new one is
// refused with Retry-After.
func TestExportsAreOneAtATimeAndLimited(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_EXPORTS_PER_DAY": "2"})
	u := e.signIn("exporter")
	var first struct {
		ID       string `json:"id"`
		Existing bool   `json:"existing"`
	}
	e.do("POST", "/v1/me/exports", u.tok, nil, 202, &first)
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 14 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out struct {
				ID       string `json:"id"`
				Existing bool   `json:"existing"`
			}
			st, b := e.try("POST", "/v1/me/exports", u.tok, nil)
			mu.Lock()
			defer mu.Unlock()
			statuses[st]++
			if st == 200 {
				if err := json.Unmarshal(b, &out); err != nil || out.ID != first.ID || !out.Existing {
					t.Errorf("asking again: %s, want the existing export %s", b, first.ID)
				}
			}
		}()
	}
	wg.Wait()
	if statuses[200] != 14 {
		t.Errorf("14 more requests: %v, want 14 answered with the existing export", statuses)
	}
	if n := e.count(`SELECT count(*) FROM exports WHERE user_id = $1`, u.id); n != 1 {
		t.Errorf("%d export rows, want 1", n)
	}
	// Once that export is gone (failed here), the next one may start, and
	// then the daily limit (2) refuses the third.
	dbtest.MustExec(t, e.pool, `UPDATE exports SET status = 'failed' WHERE id = $1`, first.ID)
	var second struct{ ID string }
	e.do("POST", "/v1/me/exports", u.tok, nil, 202, &second)
	dbtest.MustExec(t, e.pool, `UPDATE exports SET status = 'failed' WHERE id = $1`, second.ID)
	req := e.jsonRequest("POST", "/v1/me/exports", nil)
	req.Header.Set("Authorization", "Bearer "+u.tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || errorCode(t, b) != "rate_limited" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third export of the day: %d %s (Retry-After %q), want 429 rate_limited", resp.StatusCode, b, resp.Header.Get("Retry-After"))
	}
}

// TestDeletedAccountsPhotosAreHiddenAtOnce: the moment an account deletion
// is accepted, its photos are gone for album members, for other people's
// share links and for the signed URLs already handed out, before the
// deletion task runs.
func TestDeletedAccountsPhotosAreHiddenAtOnce(t *testing.T) {
	e := startEngine(t, "serve", nil)
	w := e.startAnother("work", nil)
	owner, leaver, member := e.signIn("owner"), e.signIn("leaver"), e.signIn("stayer")
	alb := e.album(owner.tok, map[string]string{leaver.tok: "contributor", member.tok: "viewer"})
	m := e.uploadPhoto(leaver, "photo", alb, "link")
	kept := e.uploadPhoto(owner, "photo", alb, "link")
	e.waitReady(leaver.tok, m.ID)
	e.waitReady(owner.tok, kept.ID)
	var link struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/shares", owner.tok, map[string]any{"album_id": alb}, 201, &link)
	linked := func() []string {
		var v struct {
			Items []struct{ ID string } `json:"items"`
		}
		e.do("GET", "/v1/public/shares/"+link.Token, "", nil, 200, &v)
		var ids []string
		for _, it := range v.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	if got := linked(); len(got) != 2 {
		t.Fatalf("the album link shows %v before the deletion", got)
	}
	seen := e.getMedia(member.tok, m.ID, 200)
	w.stop() // no worker: what follows is what the request itself did

	e.do("DELETE", "/v1/me", leaver.tok, map[string]string{"confirm": "DELETE"}, 202, nil)
	e.getMedia(member.tok, m.ID, 404)
	if got := linked(); len(got) != 1 || got[0] != kept.ID {
		t.Errorf("the album link shows %v after the deletion, want only %s", got, kept.ID)
	}
	for v, u := range seen.URLs {
		if st := getStatus(t, u); st != 404 {
			t.Errorf("%s URL handed out before the deletion: %d, want 404", v, st)
		}
	}
	if n := e.count(`SELECT count(*) FROM media WHERE id = $1`, m.ID); n != 1 {
		t.Errorf("the row is gone already (%d): this test must see it hidden, not deleted", n)
	}
}

// TestSmallFindings: invitations die with their maker's standing (removal,
// ownership transfer); what a signed-in user reads is never cached; a NUL
// in an album title is a 400, not a 500.
func TestSmallFindings(t *testing.T) {
	e := startEngine(t, "serve", nil)
	o, c, late := e.signIn("owner"), e.signIn("next-owner"), e.signIn("latecomer")
	alb := e.album(o.tok, map[string]string{c.tok: "contributor"})
	inv := e.invite(o.tok, alb, "viewer")
	e.do("POST", "/v1/albums/"+alb+"/transfer", o.tok, map[string]string{"user_id": c.id}, 204, nil)
	if code := errorCode(t, e.do("POST", "/v1/invites/"+inv+"/accept", late.tok, nil, 410, nil)); code != "invite_gone" {
		t.Errorf("invitation of the former owner after the transfer: %s, want invite_gone", code)
	}
	inv = e.invite(c.tok, alb, "viewer")
	e.do("POST", "/v1/albums/"+alb+"/transfer", c.tok, map[string]string{"user_id": o.id}, 204, nil)
	e.do("DELETE", "/v1/albums/"+alb+"/members/"+c.id, o.tok, nil, 204, nil)
	if code := errorCode(t, e.do("POST", "/v1/invites/"+inv+"/accept", late.tok, nil, 410, nil)); code != "invite_gone" {
		t.Errorf("invitation of a removed member: %s, want invite_gone", code)
	}

	for _, path := range []string{"/v1/me", "/v1/albums", "/v1/albums/" + alb, "/v1/me/media", "/v1/shares", "/v1/me/notifications"} {
		req := e.jsonRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+o.tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: %d, Cache-Control %q; want no-store", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}

	for _, title := range []string{"a\x00b", "line\nbreak", "\x1b[31mred"} {
		st, b := e.try("POST", "/v1/albums", o.tok, map[string]string{"title": title})
		if st != 400 || errorCode(t, b) != "invalid_title" {
			t.Errorf("title %q: %d %s, want 400 invalid_title", title, st, b)
		}
		st, b = e.try("PATCH", "/v1/albums/"+alb, o.tok, map[string]string{"title": title})
		if st != 400 || errorCode(t, b) != "invalid_title" {
			t.Errorf("rename to %q: %d %s, want 400 invalid_title", title, st, b)
		}
	}
}

// TestParallelUploadsStayWithinTheQuota: 30 uploads of 300 KiB sent at once
// against a 2 MiB quota: what is accepted fits in the quota (the bytes are
// reserved, under a per-user lock, before any is stored), the rest is
// refused 413 quota_exceeded and leaves nothing.
func TestParallelUploadsStayWithinTheQuota(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_USER_QUOTA": "2MiB", "MEDIA_UPLOAD_RATE_PER_MINUTE": "100",
		"MEDIA_UPLOADS_PER_USER": "100"}) // the quota, not the cap on uploads at once, must hold them
	u := e.signIn("greedy")
	var mu sync.Mutex
	var accepted int64
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := jpegHead(t, 300<<10, uint64(1000+i))
			st, b := e.uploadStatus(u.tok, upfile{kind: "photo", data: data})
			mu.Lock()
			defer mu.Unlock()
			switch st {
			case 202:
				accepted += int64(len(data))
			case 413:
				codes[errorCode(t, b)]++
			default:
				t.Errorf("upload %d: %d %s", i, st, b)
			}
		}()
	}
	wg.Wait()
	if accepted > 2<<20 || accepted == 0 {
		t.Errorf("accepted %d bytes of parallel uploads against a quota of %d", accepted, 2<<20)
	}
	if n := e.count(`SELECT count(*) FROM quota_reservations`); n != 0 {
		t.Errorf("%d reservations left after every upload ended", n)
	}
	rows := e.count(`SELECT count(*) FROM media`)
	if int64(rows)*(300<<10) != accepted || codes["quota_exceeded"] != 30-rows {
		t.Errorf("%d rows for %d accepted bytes, refusals %v", rows, accepted, codes)
	}
	e.waitStored(stored{Raw: rows, Rows: rows})
}
