package share

import (
	"testing"
	"time"
	"unsafe"

	"github.com/wxalbum/mediad/internal/db/dbtest"
)

func TestViewCacheServesOnlyCurrentEntries(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	k, other := viewKey{tokenHash: "a", limit: 50}, viewKey{tokenHash: "b", limit: 50}
	// entry is built at version v from link l1 of album a1 (other: l2, a2).
	entry := func(v uint64, body string) *cachedView {
		return &cachedView{link: &Link{ID: "l"}, body: []byte(body), built: t0, at: v, scopes: []string{"l:l1", "a:a1"}}
	}
	entry2 := func(v uint64, body string) *cachedView {
		return &cachedView{link: &Link{ID: "l2"}, body: []byte(body), built: t0, at: v, scopes: []string{"l:l2", "a:a2"}}
	}

	cases := []struct {
		name string
		run  func(c *viewCache, f *dbtest.Versions) *cachedView
		want string // body served, "" for a miss
	}{
		{"fresh entry is served", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "x"))
			return c.get(k, t0.Add(time.Second))
		}, "x"},
		{"another key misses", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "x"))
			return c.get(other, t0)
		}, ""},
		{"a change of its album hides it", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "x"))
			f.Change("a:a1")
			return c.get(k, t0)
		}, ""},
		{"a change of its link hides it", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "x"))
			f.Change("l:l1")
			return c.get(k, t0)
		}, ""},
		{"a change of everything hides it", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "x"))
			f.Change()
			return c.get(k, t0)
		}, ""},
		{"a change of another album leaves it", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "x"))
			f.Change("a:a2", "l:l2", "m:m1")
			return c.get(k, t0)
		}, "x"},
		{"an entry built before a change of its album is never stored", func(c *viewCache, f *dbtest.Versions) *cachedView {
			f.Change("a:a1") // the change lands while the page is being built at version 1
			c.put(k, entry(1, "x"))
			return c.get(k, t0)
		}, ""},
		{"an entry built before a change elsewhere is stored", func(c *viewCache, f *dbtest.Versions) *cachedView {
			f.Change("a:a2")
			c.put(k, entry(1, "x"))
			return c.get(k, t0)
		}, "x"},
		{"listener down: nothing served", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "x"))
			f.Live = false
			return c.get(k, t0)
		}, ""},
		{"listener down: nothing stored", func(c *viewCache, f *dbtest.Versions) *cachedView {
			f.Live = false
			c.put(k, entry(1, "x"))
			f.Live = true
			return c.get(k, t0)
		}, ""},
		{"older than the ttl", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "x"))
			return c.get(k, t0.Add(time.Minute))
		}, ""},
		{"over the memory bound stale entries go first", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "012345"))
			c.put(other, entry2(1, "abcdef"))
			f.Change("a:a1")
			third := viewKey{tokenHash: "c", limit: 50}
			c.put(third, &cachedView{link: &Link{}, body: []byte("ghijkl"), built: t0, at: f.Seq, scopes: []string{"a:a3"}})
			if c.bytes != 12 || c.entries[k] != nil {
				t.Errorf("after eviction %d bytes in %d entries, want the stale page gone", c.bytes, len(c.entries))
			}
			return c.get(other, t0)
		}, "abcdef"},
		{"over the memory bound current entries go down to 3/4", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "0123456789"))
			c.put(other, entry2(1, "0123456789"))
			if c.bytes != 10 || len(c.entries) != 1 {
				t.Errorf("cache holds %d bytes in %d entries, bound 16", c.bytes, len(c.entries))
			}
			return nil
		}, ""},
		{"replacing an entry counts its bytes once", func(c *viewCache, f *dbtest.Versions) *cachedView {
			c.put(k, entry(1, "abc"))
			c.put(k, entry(1, "abcd"))
			if c.bytes != 4 {
				t.Errorf("bytes = %d, want 4", c.bytes)
			}
			return c.get(k, t0)
		}, "abcd"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := func() *dbtest.Versions { v := dbtest.NewVersions(); v.Seq = 1; return v }()
			got := tc.run(newViewCache(f, time.Minute, 16), f)
			switch {
			case tc.want == "" && got != nil:
				t.Errorf("served %q, want a miss", got.body)
			case tc.want != "" && (got == nil || string(got.body) != tc.want):
				t.Errorf("served %v, want %q", got, tc.want)
			}
		})
	}
}

func TestViewCacheCountsHitsAndMisses(t *testing.T) {
	f := func() *dbtest.Versions { v := dbtest.NewVersions(); v.Seq = 1; return v }()
	s := &Service{views: newViewCache(f, time.Minute, 1<<10)}
	now := time.Now()
	k := viewKey{tokenHash: "a"}
	s.views.get(k, now) // miss: empty
	s.views.put(k, &cachedView{link: &Link{}, body: []byte("x"), built: now, at: 1, scopes: []string{"a:1"}})
	s.views.get(k, now) // hit
	f.Change("a:1")
	s.views.get(k, now) // miss: changed
	if h, m := s.ViewCacheStats(); h != 1 || m != 2 {
		t.Fatalf("stats = %d hits, %d misses; want 1, 2", h, m)
	}
}

func TestViewCacheOffWithoutVersioner(t *testing.T) {
	var c *viewCache // NewService leaves it nil when off
	if _, ok := c.version(); ok {
		t.Fatal("a nil cache claims to be cacheable")
	}
	if c.get(viewKey{}, time.Now()) != nil {
		t.Fatal("a nil cache served an entry")
	}
	if h, m := (&Service{}).ViewCacheStats(); h != 0 || m != 0 {
		t.Fatal("a cache that is off counts")
	}
}

// TestViewCacheKeyOwnsItsCursor: the cursor a request hands in may point
// into a buffer fasthttp reuses for the next request; the page stored
// under it must still be found under its own cursor afterwards, and never
// under the next request's.
func TestViewCacheKeyOwnsItsCursor(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	c := newViewCache(dbtest.NewVersions(), time.Minute, 1<<20)
	buf := []byte("cursor-1")
	alias := unsafe.String(&buf[0], len(buf)) // as Fiber's c.Query returns it
	c.put(viewKey{tokenHash: "a", cursor: alias, limit: 50},
		&cachedView{link: &Link{ID: "l"}, body: []byte("page 2"), built: t0, scopes: []string{"l:l"}})
	copy(buf, "cursor-2") // the next request on the connection
	if e := c.get(viewKey{tokenHash: "a", cursor: "cursor-1", limit: 50}, t0); e == nil || string(e.body) != "page 2" {
		t.Errorf("cursor-1 after the buffer was reused: %v, want page 2", e)
	}
	if e := c.get(viewKey{tokenHash: "a", cursor: "cursor-2", limit: 50}, t0); e != nil {
		t.Errorf("cursor-2 was never built but the cache answers %q", e.body)
	}
}
