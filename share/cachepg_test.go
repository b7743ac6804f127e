package share

import (
	"errors"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/ids"
)

// openCounted opens token's first page and reports whether the view cache
// answered it.
func (f *pgFixture) openCounted(token string) (n int, err error, hit bool) {
	h0, _ := f.svc.ViewCacheStats()
	n, err = f.open(token)
	h1, _ := f.svc.ViewCacheStats()
	return n, err, h1 > h0
}

// cached opens token twice and fails unless the second open came from
// the view cache. The notifications of the writes before it are in first:
// one arriving after the page was built would drop it.
func (f *pgFixture) cached(token string) {
	f.t.Helper()
	f.changes.Sync()
	if _, err := f.open(token); err != nil {
		f.t.Fatalf("open: %v", err)
	}
	if _, err, hit := f.openCounted(token); err != nil || !hit {
		f.t.Fatalf("second open: %v, from the cache: %v", err, hit)
	}
}

// newUser makes the fixture's albums and links belong to a new user.
func (f *pgFixture) newUser() {
	f.user = ids.New()
	f.exec(`INSERT INTO users (id, nickname) VALUES ($1, 'owner')`, f.user)
}

// TestViewCacheKeepsPagesOfOtherAlbums: writes to another album, its
// items, members and links, and to another item in no album, leave a
// cached page in place (the writes' notifications are in: Sync).
func TestViewCacheKeepsPagesOfOtherAlbums(t *testing.T) {
	f := newPGFixture(t, true)
	a, _ := f.album(3)
	b, bItems := f.album(3)
	tokA, _ := f.link(&a, nil)
	_, linkB := f.link(&b, nil)
	x, y := f.item(nil, 0), f.item(nil, 0)
	tokX, _ := f.link(nil, &x)
	f.cached(tokA)
	f.cached(tokX)
	for _, w := range []struct {
		sql string
		arg string
	}{
		{`UPDATE albums SET title = 'Other' WHERE id = $1`, b},
		{`UPDATE media SET visibility = 'members' WHERE id = $1`, bItems[0]},
		{`UPDATE media SET hidden_reason = 'owner_deleted' WHERE id = $1`, bItems[1]},
		{`DELETE FROM media WHERE id = $1`, bItems[2]},
		{`UPDATE shares SET revoked_at = now() WHERE id = $1`, linkB},
		{`DELETE FROM album_members WHERE album_id = $1`, b},
		{`UPDATE media SET visibility = 'members' WHERE id = $1`, y},
	} {
		f.exec(w.sql, w.arg)
		f.changes.Sync()
		for _, tok := range []string{tokA, tokX} {
			if _, err, hit := f.openCounted(tok); err != nil || !hit {
				t.Errorf("after %q: page not served from the cache (err %v)", w.sql, err)
			}
		}
	}
	f.exec(`UPDATE albums SET title = 'Mine' WHERE id = $1`, a) // and its own album does
	f.changes.Sync()
	if _, err, hit := f.openCounted(tokA); err != nil || hit {
		t.Errorf("after a rename of its album: from the cache %v (err %v), want rebuilt", hit, err)
	}
}

// TestViewCacheOffWhileListenerDown: without a live listener nothing is
// served from the cache, nor stored in it, and a change made meanwhile
// shows at once.
func TestViewCacheOffWhileListenerDown(t *testing.T) {
	f := newPGFixture(t, true)
	a, items := f.album(2)
	tok, _ := f.link(&a, nil)
	f.cached(tok)
	f.stopListening()
	f.exec(`UPDATE media SET visibility = 'members' WHERE id = $1`, items[0])
	for i := 0; i < 2; i++ {
		if n, err, hit := f.openCounted(tok); err != nil || hit || n != 1 {
			t.Fatalf("open %d with the listener down: %d items, %v, from the cache %v; want 1, rebuilt", i, n, err, hit)
		}
	}
}

// linkCase is one kind of write that must reach a cached page.
type linkCase struct {
	name string
	// write changes what the link shows.
	write func(f *pgFixture, w written)
	link  string // which link to watch: "album", "item" (in the album) or "loose" (item in no album)
	want  int    // items shown after the write
	err   error  // or the error
}

// written is what a case's write may touch: a user's album, its items
// (newest first), an item in no album, the id of the album link, and the
// tokens of the three links.
type written struct {
	album, user, loose, albumLinkID string
	items                           []string
	albumLink, itemLink, looseLink  string
}

func linkCases() []linkCase {
	sql := func(q string, arg func(w written) []any) func(*pgFixture, written) {
		return func(f *pgFixture, w written) { f.exec(q, arg(w)...) }
	}
	byAlbum := func(w written) []any { return []any{w.album} }
	byAlbumLink := func(w written) []any { return []any{w.albumLinkID} }
	first := func(w written) []any { return []any{w.items[0]} }
	member := func(w written) []any { return []any{w.album, w.user} }
	return []linkCase{
		{"revocation", sql(`UPDATE shares SET revoked_at = now() WHERE id = $1`, byAlbumLink), "album", 0, ErrRevoked},
		{"expiry moved into the past", sql(`UPDATE shares SET expires_at = now() - interval '1 second' WHERE id = $1`, byAlbumLink), "album", 0, ErrExpired},
		{"password set", sql(`UPDATE shares SET password_hash = 'x' WHERE id = $1`, byAlbumLink), "album", 0, ErrLocked},
		{"dissolution", sql(`UPDATE albums SET status = 'dissolving' WHERE id = $1`, byAlbum), "album", 0, ErrGone},
		{"creator removed from the album", sql(`DELETE FROM album_members WHERE album_id = $1 AND user_id = $2`, member), "album", 0, ErrGone},
		{"creator made a viewer", sql(`UPDATE album_members SET role = 'viewer' WHERE album_id = $1 AND user_id = $2`, member), "album", 0, ErrGone},
		{"item visibility", sql(`UPDATE media SET visibility = 'members' WHERE id = $1`, first), "album", 2, nil},
		{"item hidden", sql(`UPDATE media SET hidden_reason = 'owner_deleted' WHERE id = $1`, first), "album", 2, nil},
		{"item deleted", sql(`DELETE FROM media WHERE id = $1`, first), "album", 2, nil},
		{"item moved out of the album", sql(`UPDATE media SET album_id = NULL WHERE id = $1`, first), "album", 2, nil},
		{"item added", func(f *pgFixture, w written) { f.item(&w.album, -time.Minute) }, "album", 4, nil},
		{"item processed (ready)", sql(`UPDATE media SET status = 'ready' WHERE album_id = $1 AND status = 'processing'`, byAlbum), "album", 4, nil},
		{"account deletion", sql(`UPDATE shares SET revoked_at = now() WHERE created_by = $1`, func(w written) []any { return []any{w.user} }), "album", 0, ErrRevoked},
		{"item link: item hidden", sql(`UPDATE media SET hidden_reason = 'owner_deleted' WHERE id = $1`, first), "item", 0, ErrGone},
		{"item link: creator removed from the item's album", sql(`DELETE FROM album_members WHERE album_id = $1 AND user_id = $2`, member), "item", 0, ErrGone},
		{"item link: item in no album made private", sql(`UPDATE media SET visibility = 'only_me' WHERE id = $1`, func(w written) []any { return []any{w.loose} }), "loose", 0, ErrGone},
		{"item link: item in no album deleted", sql(`DELETE FROM media WHERE id = $1`, func(w written) []any { return []any{w.loose} }), "loose", 0, ErrGone},
	}
}

// TestViewCacheSeesEveryChange: each kind of write, made by another
// process (here: another connection, straight SQL), reaches a cached page
// within one notification.
func TestViewCacheSeesEveryChange(t *testing.T) {
	f := newPGFixture(t, true)
	for _, tc := range linkCases() {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			w := f.setUp()
			tok := map[string]string{"album": w.albumLink, "item": w.itemLink, "loose": w.looseLink}[tc.link]
			f.cached(tok)
			tc.write(f, w)
			var n int
			var err error
			if !within(5*time.Second, func() bool { n, err = f.open(tok); return n == tc.want && errors.Is(err, tc.err) }) {
				t.Fatalf("after the write the link shows %d items, %v; want %d, %v", n, err, tc.want, tc.err)
			}
		})
	}
}

// setUp gives a case a new user with an album of three ready items (and
// one still processing), links to the album and to its newest item, and an
// item in no album with its link.
func (f *pgFixture) setUp() written {
	f.newUser()
	a, items := f.album(3)
	p := f.item(&a, -time.Hour)
	f.exec(`UPDATE media SET status = 'processing' WHERE id = $1`, p)
	loose := f.item(nil, 0)
	w := written{album: a, user: f.user, items: items, loose: loose}
	w.albumLink, w.albumLinkID = f.link(&a, nil)
	w.itemLink, _ = f.link(nil, &items[0])
	w.looseLink, _ = f.link(nil, &loose)
	return w
}
