package db

import (
	"slices"
	"testing"
)

func TestParseScopes(t *testing.T) {
	for _, tc := range []struct {
		payload string
		want    []string // nil: everything
	}{
		{"a:1", []string{"a:1"}},
		{"a:1 l:2 m:3", []string{"a:1", "l:2", "m:3"}},
		{"*", nil},
		{"", nil},   // migration 0009's triggers
		{"a:", nil}, // no id
		{"x:1", nil},
		{"a:1 *", nil},
		{"a:1 junk", nil},
	} {
		got, ok := ParseScopes(tc.payload)
		if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
			t.Errorf("ParseScopes(%q) = %q, %v; want %q", tc.payload, got, ok, tc.want)
		}
	}
}

func TestChangesTellsWhatChanged(t *testing.T) {
	page := []string{LinkScope("l1"), AlbumScope("a1")}
	for _, tc := range []struct {
		name    string
		change  func(c *Changes)
		changed bool
	}{
		{"nothing", func(c *Changes) {}, false},
		{"its album", func(c *Changes) { c.Invalidate(AlbumScope("a1")) }, true},
		{"its link", func(c *Changes) { c.Invalidate(LinkScope("l1"), MediaScope("m9")) }, true},
		{"another album", func(c *Changes) { c.Invalidate(AlbumScope("a2"), LinkScope("l2")) }, false},
		{"an item in no album", func(c *Changes) { c.Invalidate(MediaScope("a1")) }, false},
		{"everything", func(c *Changes) { c.Bump() }, true},
		{"a notification of its album", func(c *Changes) { c.apply("a:a2 a:a1") }, true},
		{"a notification of others", func(c *Changes) { c.apply("a:a2 m:m1") }, false},
		{"an unreadable notification", func(c *Changes) { c.apply("") }, true},
		{"another process's barrier", func(c *Changes) { c.apply("sync:other:1") }, false},
		{"the listener going down", func(c *Changes) { c.down() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Changes{}
			c.live.Store(true)
			c.Invalidate(AlbumScope("a1")) // before the page was built
			v, live := c.Version()
			if !live || c.Changed(v, page) {
				t.Fatal("a page built now is already stale")
			}
			tc.change(c)
			if got := c.Changed(v, page); got != tc.changed {
				t.Errorf("Changed = %v, want %v", got, tc.changed)
			}
		})
	}
}

// TestChangesRotation: memory stays bounded, and a record dropped with its
// generation counts as a change of everything up to its end.
func TestChangesRotation(t *testing.T) {
	c := &Changes{}
	c.live.Store(true)
	c.Invalidate(AlbumScope("old"))
	v, _ := c.Version()
	for i := 0; i < 2*maxScopes+1; i++ {
		c.Invalidate(MediaScope(string(rune(i))))
	}
	if len(c.cur)+len(c.old) > 2*maxScopes {
		t.Fatalf("%d records kept, bound %d", len(c.cur)+len(c.old), 2*maxScopes)
	}
	if !c.Changed(v-1, []string{AlbumScope("old")}) {
		t.Fatal("a dropped record no longer counts")
	}
	w, _ := c.Version()
	if c.Changed(w, []string{AlbumScope("other")}) {
		t.Fatal("a page built after the rotation is stale")
	}
}

func TestBarrierMarkers(t *testing.T) {
	b := &barrier{id: "me"}
	n, marker := b.mark()
	if !b.passed("sync:other:" + "1") {
		t.Fatal("another process's marker taken for scopes")
	}
	if b.seen != 0 {
		t.Fatal("another process's marker released a wait")
	}
	if b.passed("a:1") {
		t.Fatal("scopes taken for a marker")
	}
	if !b.passed(marker) || b.seen != n {
		t.Fatalf("own marker %q not seen", marker)
	}
	b.mark()
	b.releaseAll()
	if b.seen != b.sent {
		t.Fatal("releaseAll left writes waiting")
	}
}
