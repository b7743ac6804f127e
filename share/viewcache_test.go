package share

import (
	"testing"
	"time"
)

// fakeVersion is a Versioner the test moves by hand.
type fakeVersion struct {
	v    uint64
	live bool
}

func (f *fakeVersion) Version() (uint64, bool) { return f.v, f.live }

func TestViewCacheServesOnlyCurrentEntries(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	k, other := viewKey{tokenHash: "a", limit: 50}, viewKey{tokenHash: "b", limit: 50}
	entry := func(body string) *cachedView { return &cachedView{link: &Link{ID: "l"}, body: []byte(body), built: t0} }

	cases := []struct {
		name string
		run  func(c *viewCache, f *fakeVersion) *cachedView
		want string // body served, "" for a miss
	}{
		{"fresh entry is served", func(c *viewCache, f *fakeVersion) *cachedView {
			c.put(k, 1, entry("x"))
			return c.get(k, t0.Add(time.Second))
		}, "x"},
		{"another key misses", func(c *viewCache, f *fakeVersion) *cachedView {
			c.put(k, 1, entry("x"))
			return c.get(other, t0)
		}, ""},
		{"a change after the entry was built hides it", func(c *viewCache, f *fakeVersion) *cachedView {
			c.put(k, 1, entry("x"))
			f.v++
			return c.get(k, t0)
		}, ""},
		{"an entry built before a change is never stored", func(c *viewCache, f *fakeVersion) *cachedView {
			f.v++ // the change lands while the page is being built at version 1
			c.put(k, 1, entry("x"))
			return c.get(k, t0)
		}, ""},
		{"listener down: nothing served", func(c *viewCache, f *fakeVersion) *cachedView {
			c.put(k, 1, entry("x"))
			f.live = false
			return c.get(k, t0)
		}, ""},
		{"listener down: nothing stored", func(c *viewCache, f *fakeVersion) *cachedView {
			f.live = false
			c.put(k, 1, entry("x"))
			f.live = true
			return c.get(k, t0)
		}, ""},
		{"older than the ttl", func(c *viewCache, f *fakeVersion) *cachedView {
			c.put(k, 1, entry("x"))
			return c.get(k, t0.Add(time.Minute))
		}, ""},
		{"a new version's first entry drops the old ones", func(c *viewCache, f *fakeVersion) *cachedView {
			c.put(k, 1, entry("x"))
			f.v++
			c.put(other, 2, entry("y"))
			if c.bytes != 1 || len(c.entries) != 1 {
				t.Errorf("old entries kept: %d bytes in %d entries", c.bytes, len(c.entries))
			}
			return c.get(other, t0)
		}, "y"},
		{"over the memory bound the cache starts over", func(c *viewCache, f *fakeVersion) *cachedView {
			c.put(k, 1, entry("0123456789"))
			c.put(other, 1, entry("0123456789"))
			if c.bytes != 10 {
				t.Errorf("cache holds %d bytes, bound 16", c.bytes)
			}
			return c.get(other, t0)
		}, "0123456789"},
		{"replacing an entry counts its bytes once", func(c *viewCache, f *fakeVersion) *cachedView {
			c.put(k, 1, entry("abc"))
			c.put(k, 1, entry("abcd"))
			if c.bytes != 4 {
				t.Errorf("bytes = %d, want 4", c.bytes)
			}
			return c.get(k, t0)
		}, "abcd"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeVersion{v: 1, live: true}
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

func TestViewCacheOffWithoutVersioner(t *testing.T) {
	var c *viewCache // NewService leaves it nil when off
	if _, ok := c.version(); ok {
		t.Fatal("a nil cache claims to be cacheable")
	}
	if c.get(viewKey{}, time.Now()) != nil {
		t.Fatal("a nil cache served an entry")
	}
}
