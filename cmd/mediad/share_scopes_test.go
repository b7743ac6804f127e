package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// linkPage is what one open of a link answered.
type linkPage struct {
	status int
	title  string
	items  int
	hit    bool // answered by the link view cache
}

// openLink opens a link's first page on e and tells whether the view cache
// answered it (its hit counter moved; the test sends nothing else meanwhile).
func (e *engine) openLink(tok string) linkPage {
	e.t.Helper()
	before := e.cacheHits()
	resp, err := http.Get(e.base + "/v1/public/shares/" + tok)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Title string            `json:"title"`
		Items []json.RawMessage `json:"items"`
	}
	json.NewDecoder(resp.Body).Decode(&v)
	return linkPage{status: resp.StatusCode, title: v.Title, items: len(v.Items), hit: e.cacheHits() > before}
}

// cacheHits reads mediad_share_view_cache_hits_total from e's metrics.
func (e *engine) cacheHits() int { return e.counter("mediad_share_view_cache_hits_total") }

// counter reads the counter name from e's metrics.
func (e *engine) counter(name string) int {
	e.t.Helper()
	resp, err := http.Get("http://" + e.env["MEDIA_METRICS_ADDR"] + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			n, _ := strconv.ParseFloat(v, 64)
			return int(n)
		}
	}
	e.t.Fatalf("no %s in the metrics", name)
	return 0
}

// cachedLink opens tok until the view cache answers it (the notifications
// of the writes that built its album may land after the first build).
func (e *engine) cachedLink(tok string) linkPage {
	e.t.Helper()
	var p linkPage
	if !poll(5*time.Second, func() bool { p = e.openLink(tok); return p.hit }) {
		e.t.Fatalf("link page never served from the cache (last: %+v)", p)
	}
	return p
}

// shareLink makes a link as tok to an album or an item and returns its
// token and id.
func (e *engine) shareLink(tok, kind, id string) (string, string) {
	e.t.Helper()
	var out struct {
		Token string `json:"token"`
		Share struct {
			ID string `json:"id"`
		} `json:"share"`
	}
	e.do("POST", "/v1/shares", tok, map[string]any{kind + "_id": id}, 201, &out)
	return out.Token, out.Share.ID
}

// readyPhotos uploads n link-visible photos into album ("" for none) and
// waits until they are ready.
func (e *engine) readyPhotos(u user, album string, n int) []string {
	e.t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, e.uploadPhotoID(u, "photo", album, "link"))
	}
	e.waitSettled(u.tok, time.Minute, out...)
	return out
}

// TestShareLinkCacheScopedToWhatChanged: writes to another album, through
// this process, through another and straight into PostgreSQL, leave a
// cached link page cached; a write to its own album rebuilds it at once.
func TestShareLinkCacheScopedToWhatChanged(t *testing.T) {
	e := startEngine(t, "all", nil)
	o := e.signIn("olivia")
	a, b := e.album(o.tok, nil), e.album(o.tok, nil)
	e.readyPhotos(o, a, 2)
	bItems := e.readyPhotos(o, b, 2)
	tokA, _ := e.shareLink(o.tok, "album", a)
	_, linkB := e.shareLink(o.tok, "album", b)
	other := e.startAnother("serve", nil)
	e.cachedLink(tokA)
	for _, w := range []struct {
		name string
		run  func()
	}{
		{"a rename through this process", func() { e.do("PATCH", "/v1/albums/"+b, o.tok, map[string]any{"title": "other"}, 200, nil) }},
		{"a visibility change through this process", func() {
			e.do("PATCH", "/v1/media/"+bItems[0], o.tok, map[string]any{"visibility": "members"}, 200, nil)
		}},
		{"an item deleted through another process", func() { other.do("DELETE", "/v1/media/"+bItems[1], o.tok, nil, 202, nil) }},
		{"a revocation straight into PostgreSQL", func() {
			if _, err := e.pool.Exec(context.Background(), `UPDATE shares SET revoked_at = now() WHERE id = $1`, linkB); err != nil {
				t.Fatal(err)
			}
		}},
		{"an upload through this process", func() { e.readyPhotos(o, b, 1) }},
	} {
		w.run()
		// An API write through e answers only once every notification
		// committed before it is in: the others' too.
		e.do("PATCH", "/v1/albums/"+b, o.tok, map[string]any{"title": "after " + w.name}, 200, nil)
		if p := e.openLink(tokA); !p.hit || p.status != 200 || p.items != 2 {
			t.Errorf("after %s: %+v, want the cached page", w.name, p)
		}
	}
	e.do("PATCH", "/v1/albums/"+a, o.tok, map[string]any{"title": "renamed"}, 200, nil)
	if p := e.openLink(tokA); p.hit || p.title != "renamed" {
		t.Errorf("right after a rename of its album: %+v, want rebuilt with the new title", p)
	}
}

// TestShareLinkCacheSeesEveryAPIWrite: each kind of write through this
// process reaches the very next request to a cached page (no waiting), and
// a write through another process within one notification.
func TestShareLinkCacheSeesEveryAPIWrite(t *testing.T) {
	e := startEngine(t, "all", nil)
	o, bob := e.signIn("olivia"), e.signIn("bob")
	a := e.album(o.tok, map[string]string{bob.tok: "contributor"})
	items := e.readyPhotos(o, a, 4)
	loose := e.readyPhotos(o, "", 1)[0]
	tokA, idA := e.shareLink(o.tok, "album", a)
	tokA2, _ := e.shareLink(o.tok, "album", a)
	tokBob, _ := e.shareLink(bob.tok, "album", a)
	tokItem, _ := e.shareLink(o.tok, "media", items[0])
	tokLoose, _ := e.shareLink(o.tok, "media", loose)
	other := e.startAnother("serve", nil)
	steps := []struct {
		name  string
		tok   string
		write func()
		want  linkPage // status, and items or title when set
	}{
		{"item made members-only", tokItem, func() {
			e.do("PATCH", "/v1/media/"+items[0], o.tok, map[string]any{"visibility": "members"}, 200, nil)
		}, linkPage{status: 410}},
		{"album renamed", tokA, func() { e.do("PATCH", "/v1/albums/"+a, o.tok, map[string]any{"title": "renamed"}, 200, nil) },
			linkPage{status: 200, title: "renamed", items: 3}},
		{"item deleted", tokA, func() { e.do("DELETE", "/v1/media/"+items[1], o.tok, nil, 202, nil) }, linkPage{status: 200, items: 2}},
		{"member removed", tokBob, func() { e.do("DELETE", "/v1/albums/"+a+"/members/"+bob.id, o.tok, nil, 204, nil) }, linkPage{status: 410}},
		{"item in no album made private", tokLoose, func() {
			e.do("PATCH", "/v1/media/"+loose, o.tok, map[string]any{"visibility": "only_me"}, 200, nil)
		}, linkPage{status: 410}},
		{"revocation", tokA, func() { e.do("DELETE", "/v1/shares/"+idA, o.tok, nil, 204, nil) }, linkPage{status: 410}},
		{"dissolution", tokA2, func() {
			e.do("DELETE", "/v1/albums/"+a, o.tok, map[string]string{"confirm_title": "renamed"}, 202, nil)
		},
			linkPage{status: 410}},
	}
	for _, s := range steps {
		e.cachedLink(s.tok)
		s.write()
		if p := e.openLink(s.tok); !matches(p, s.want) {
			t.Errorf("right after %s: %+v, want %+v", s.name, p, s.want)
		}
	}

	// Through another process: item visibility on a page cached here.
	a2 := e.album(o.tok, nil)
	more := e.readyPhotos(o, a2, 2)
	tok, _ := e.shareLink(o.tok, "album", a2)
	e.cachedLink(tok)
	other.do("PATCH", "/v1/media/"+more[0], o.tok, map[string]any{"visibility": "members"}, 200, nil)
	if !poll(2*time.Second, func() bool { return e.openLink(tok).items == 1 }) {
		t.Error("a write through another process never reached the cached page")
	}
}

func matches(p, want linkPage) bool {
	return p.status == want.status && !p.hit && (want.title == "" || p.title == want.title) && (want.items == 0 || p.items == want.items)
}
