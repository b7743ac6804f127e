package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// TestShareViewCacheNeverServesAStalePage: link pages come from the view
// cache while nothing they show has changed. A write through the API is
// seen by the very next request, every time (the API waits until the
// cache has the write's notification before it answers); a write by
// another process (here: straight into PostgreSQL) arrives by NOTIFY,
// within moments.
func TestShareViewCacheNeverServesAStalePage(t *testing.T) {
	e := startEngine(t, "all", nil)
	owner := e.login("olivia")
	alb := e.album(owner, nil)
	photo := readTestdata(t, "images/gps/DSCN0012.jpg")
	var items []string
	for i := 0; i < 2; i++ {
		data := append(append([]byte(nil), photo...), byte(i)) // distinct bytes: no dedupe
		m := e.uploadOK(owner, upfile{kind: "photo", albumID: alb, visibility: "link", data: data})
		e.waitReady(owner, m.ID)
		items = append(items, m.ID)
	}
	var link struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/shares", owner, map[string]any{"album_id": alb}, 201, &link)
	shown := func() int {
		t.Helper()
		resp, err := http.Get(e.base + "/v1/public/shares/" + link.Token)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v struct {
			Items []struct{ ID string } `json:"items"`
		}
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&v) != nil {
			t.Fatalf("open link: status %d", resp.StatusCode)
		}
		return len(v.Items)
	}
	if built, cached := shown(), shown(); built != 2 || cached != 2 {
		t.Fatalf("link shows %d items, then %d from the cache; want both items each time", built, cached)
	}

	// Through the API: hidden and shown again, checked right after each answer.
	for i := 0; i < 10; i++ {
		e.do("PATCH", "/v1/media/"+items[0], owner, map[string]any{"visibility": "members"}, 200, nil)
		if n := shown(); n != 1 {
			t.Fatalf("round %d: %d items right after hiding one, want 1 (stale cached page)", i, n)
		}
		e.do("PATCH", "/v1/media/"+items[0], owner, map[string]any{"visibility": "link"}, 200, nil)
		if n := shown(); n != 2 {
			t.Fatalf("round %d: %d items right after showing it again, want 2", i, n)
		}
	}

	// The cache is really used, and an API write waits until the cache
	// has its notification: with the media triggers off, a write straight
	// into PostgreSQL is not seen (the page comes from the cache); with
	// them on, an API write to the album is seen at once (and with it the
	// other change, since the page is rebuilt).
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`ALTER TABLE media DISABLE TRIGGER USER`)
	shown()
	exec(`UPDATE media SET visibility = 'members' WHERE id = $1`, items[1])
	if n := shown(); n != 2 {
		t.Fatalf("%d items: the page did not come from the cache", n)
	}
	exec(`ALTER TABLE media ENABLE TRIGGER USER`)
	e.do("PATCH", "/v1/media/"+items[0], owner, map[string]any{"visibility": "members"}, 200, nil)
	if n := shown(); n != 0 {
		t.Fatalf("%d items right after an API write, want 0: the write answered before the cache had its notification", n)
	}

	// Another process's write: the notification reaches the cache.
	shown()
	exec(`UPDATE media SET visibility = 'link' WHERE id = $1`, items[1])
	if !poll(2*time.Second, func() bool { return shown() == 1 }) {
		t.Fatal("a write made outside the API never reached the cached link page")
	}
}
