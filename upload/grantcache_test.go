package upload

import (
	"testing"
	"time"
	"unsafe"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/db/dbtest"
)

func TestGrantCache(t *testing.T) {
	album := "a1"
	inAlbum := &Media{ID: "m1", AlbumID: &album, Status: StatusReady}
	loose := &Media{ID: "m2", Status: StatusReady}
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	k1, k2 := grantKey{viewer: "u1", media: "m1"}, grantKey{viewer: "u1", media: "m2"}

	for _, c := range []struct {
		name string
		// between runs after the check was read and before it is put;
		// after runs after the put, before the next request.
		between, after func(*dbtest.Versions)
		later          time.Duration
		key            grantKey
		m              *Media
		hit            bool
	}{
		{name: "cached", key: k1, m: inAlbum, hit: true},
		{name: "its album changed", key: k1, m: inAlbum, after: func(c *dbtest.Versions) { c.Change(db.AlbumScope(album)) }},
		{name: "changed while it was read", key: k1, m: inAlbum, between: func(c *dbtest.Versions) { c.Change(db.AlbumScope(album)) }},
		{name: "another album changed", key: k1, m: inAlbum, after: func(c *dbtest.Versions) { c.Change(db.AlbumScope("a2")) }, hit: true},
		{name: "everything changed", key: k1, m: inAlbum, after: func(c *dbtest.Versions) { c.Change() }},
		{name: "item in no album changed", key: k2, m: loose, after: func(c *dbtest.Versions) { c.Change(db.MediaScope("m2")) }},
		{name: "item in no album, other item changed", key: k2, m: loose, after: func(c *dbtest.Versions) { c.Change(db.MediaScope("m1")) }, hit: true},
		{name: "older than the TTL", key: k1, m: inAlbum, later: grantTTL},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := dbtest.NewVersions()
			gc := newGrantCache(ch, 10)
			v, live := gc.version()
			if !live {
				t.Fatal("not live")
			}
			if c.between != nil {
				c.between(ch)
			}
			gc.put(c.key, c.m, v, now)
			if c.after != nil {
				c.after(ch)
			}
			got := gc.get(c.key, now.Add(c.later))
			if (got != nil) != c.hit {
				t.Fatalf("hit %v, want %v", got != nil, c.hit)
			}
			if got != nil && (got.ID != c.m.ID || got == c.m) {
				t.Errorf("got %+v, want a copy of %+v", got, c.m)
			}
		})
	}
}

func TestGrantCacheOffAndNotLive(t *testing.T) {
	if newGrantCache(dbtest.NewVersions(), -1) != nil || newGrantCache(nil, 10) != nil {
		t.Fatal("a cache that is off must be nil")
	}
	var off *grantCache
	if off.get(grantKey{}, time.Now()) != nil {
		t.Error("nil cache answered")
	}
	if _, ok := off.version(); ok {
		t.Error("nil cache says cache")
	}
	gc := newGrantCache(func() *dbtest.Versions { v := dbtest.NewVersions(); v.Live = false; return v }(), 10) // listener not live
	m := &Media{ID: "m1", Status: StatusReady}
	gc.put(grantKey{media: "m1"}, m, 0, time.Now())
	if gc.get(grantKey{media: "m1"}, time.Now()) != nil {
		t.Error("served while the listener is down")
	}
}

func TestGrantCacheStaysBounded(t *testing.T) {
	gc := newGrantCache(dbtest.NewVersions(), 100)
	now := time.Now()
	for i := range 1000 {
		id := string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676))
		gc.put(grantKey{viewer: "u", media: id}, &Media{ID: id, Status: StatusReady}, 0, now)
		if n := len(gc.entries); n > 100 {
			t.Fatalf("%d entries after %d puts, bound 100", n, i+1)
		}
	}
}

// TestGrantCacheKeyOwnsItsStrings: the id and viewer a request hands in
// may point into a buffer fasthttp reuses for the next request; an entry
// stored under them must still be found under its own id afterwards, and
// never under the next request's.
func TestGrantCacheKeyOwnsItsStrings(t *testing.T) {
	gc := newGrantCache(dbtest.NewVersions(), 10)
	buf := []byte("m1")
	alias := unsafe.String(&buf[0], len(buf)) // as Fiber's c.Params returns it
	gc.put(grantKey{viewer: "u", media: alias}, &Media{ID: "m1", Status: StatusReady}, 0, time.Now())
	copy(buf, "m2") // the next request on the connection
	if got := gc.get(grantKey{viewer: "u", media: "m1"}, time.Now()); got == nil || got.ID != "m1" {
		t.Errorf("m1 after the buffer was reused: %+v, want m1's entry", got)
	}
	if got := gc.get(grantKey{viewer: "u", media: "m2"}, time.Now()); got != nil {
		t.Errorf("m2 was never checked but the cache answers %+v", got)
	}
}
