package upload

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/process"
)

func TestCanUploadInto(t *testing.T) {
	for _, c := range []struct {
		role Role
		kind Kind
		want bool
	}{
		{RoleOwner, KindPhoto, true}, {RoleOwner, KindVideo, true}, {RoleOwner, KindCover, true},
		{RoleContributor, KindPhoto, true}, {RoleContributor, KindVideo, true}, {RoleContributor, KindCover, false},
		{RoleViewer, KindPhoto, false}, {RoleViewer, KindCover, false},
		{RoleNone, KindPhoto, false}, {RoleNone, KindCover, false},
	} {
		if got := CanUploadInto(c.role, c.kind); got != c.want {
			t.Errorf("CanUploadInto(%q, %s) = %v, want %v", c.role, c.kind, got, c.want)
		}
	}
}

func TestCanViewAndCanDelete(t *testing.T) {
	album := "a1"
	item := func(owner string, st Status, vis Visibility, inAlbum bool) *Media {
		m := &Media{OwnerID: owner, Status: st, Visibility: vis}
		if inAlbum {
			m.AlbumID = &album
		}
		return m
	}
	cases := []struct {
		name        string
		m           *Media
		role        Role
		active      bool
		view, erase bool
	}{
		{"own item outside albums", item("me", StatusReady, Members, false), RoleNone, true, true, true},
		{"own item while processing", item("me", StatusProcessing, OnlyMe, false), RoleNone, true, true, true},
		{"own item being deleted", item("me", StatusDeleting, Members, false), RoleNone, true, false, false},
		{"own item in a dissolving album", item("me", StatusReady, Members, true), RoleContributor, false, false, true},
		{"member sees a members item", item("x", StatusReady, Members, true), RoleViewer, true, true, false},
		{"member sees a link item", item("x", StatusReady, Link, true), RoleContributor, true, true, false},
		{"member does not see only_me", item("x", StatusReady, OnlyMe, true), RoleViewer, true, false, false},
		{"owner does not see only_me but may remove it", item("x", StatusReady, OnlyMe, true), RoleOwner, true, false, true},
		{"member does not see another's processing item", item("x", StatusProcessing, Members, true), RoleViewer, true, false, false},
		{"non-member sees nothing", item("x", StatusReady, Link, true), RoleNone, true, false, false},
		{"someone else's item outside albums", item("x", StatusReady, Link, false), RoleNone, true, false, false},
	}
	for _, c := range cases {
		if got := CanView("me", c.m, c.role, c.active); got != c.view {
			t.Errorf("%s: CanView = %v, want %v", c.name, got, c.view)
		}
		if got := CanDelete("me", c.m, c.role); got != c.erase {
			t.Errorf("%s: CanDelete = %v, want %v", c.name, got, c.erase)
		}
	}
}

func TestFormatAllowed(t *testing.T) {
	images := []process.Format{process.FormatJPEG, process.FormatPNG, process.FormatWebP, process.FormatGIF, process.FormatHEIC}
	videos := []process.Format{process.FormatMP4, process.FormatMOV}
	for _, k := range []Kind{KindPhoto, KindAvatar, KindCover, KindVideo} {
		for _, f := range images {
			if got := FormatAllowed(k, f); got != (k != KindVideo) {
				t.Errorf("FormatAllowed(%s, %s) = %v", k, f, got)
			}
		}
		for _, f := range videos {
			if got := FormatAllowed(k, f); got != (k == KindVideo) {
				t.Errorf("FormatAllowed(%s, %s) = %v", k, f, got)
			}
		}
		if FormatAllowed(k, process.FormatUnknown) {
			t.Errorf("FormatAllowed(%s, unknown) = true", k)
		}
	}
}

func TestParseRange(t *testing.T) {
	type want struct {
		rng    *blob.Range
		status int
	}
	for h, w := range map[string]want{
		"":              {nil, 200},
		"bytes=0-9":     {&blob.Range{Start: 0, End: 9}, 206},
		"bytes=90-":     {&blob.Range{Start: 90, End: 99}, 206},
		"bytes=-10":     {&blob.Range{Start: 90, End: 99}, 206},
		"bytes=-1000":   {&blob.Range{Start: 0, End: 99}, 206},
		"bytes=50-5000": {&blob.Range{Start: 50, End: 99}, 206},
		"bytes=100-":    {nil, 416},
		"bytes=9-3":     {nil, 200},
		"bytes=0-1,5-6": {nil, 200},
		"items=0-1":     {nil, 200},
		"bytes=abc-def": {nil, 200},
	} {
		rng, st := parseRange(h, 100)
		if st != w.status || !cmp.Equal(rng, w.rng) {
			t.Errorf("parseRange(%q) = %+v, %d; want %+v, %d", h, rng, st, w.rng, w.status)
		}
	}
}

func TestCursorRoundTripAndRejectsForgeries(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 123456000, time.UTC)
	for _, o := range []Order{OrderUploaded, OrderTaken} {
		c := Cursor{At: at, ID: "0123456789abcdef0123456789abcdef", By: o}
		got, err := ParseCursor(c.String(), o)
		if err != nil || !got.At.Equal(at) || got.ID != c.ID || got.By != o {
			t.Fatalf("round trip %s: %+v, %v", o, got, err)
		}
		for _, bad := range []string{"!!", "bm90LWEtY3Vyc29y", Cursor{At: at, ID: "short", By: o}.String()} {
			if _, err := ParseCursor(bad, o); err == nil {
				t.Errorf("ParseCursor(%q) accepted", bad)
			}
		}
		if z, err := ParseCursor("", o); err != nil || z.TimeOrNil() != nil || z.By != o {
			t.Errorf("empty cursor: %+v, %v", z, err)
		}
	}
	// A cursor made for one order is refused by a list in the other: its
	// time is another column's.
	up := Cursor{At: at, ID: "0123456789abcdef0123456789abcdef", By: OrderUploaded}
	if _, err := ParseCursor(up.String(), OrderTaken); err == nil {
		t.Error("an upload-order cursor was accepted for the timeline")
	}
}

func TestTakenAt(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	up := now.Add(-time.Hour)
	for name, c := range map[string]struct {
		found   time.Time
		want    time.Time
		wantSrc string
	}{
		"none":             {time.Time{}, up, TakenFromUpload},
		"plausible":        {time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC), TakenFromEXIF},
		"1990 exactly":     {time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), TakenFromEXIF},
		"unset clock 1980": {time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), up, TakenFromUpload},
		"ahead by 23h":     {now.Add(23 * time.Hour), now.Add(23 * time.Hour), TakenFromEXIF},
		"ahead by 25h":     {now.Add(25 * time.Hour), up, TakenFromUpload},
		"far future 2099":  {time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), up, TakenFromUpload},
	} {
		got, src := TakenAt(c.found, TakenFromEXIF, up, now)
		if !got.Equal(c.want) || src != c.wantSrc {
			t.Errorf("%s: TakenAt = %v %s, want %v %s", name, got, src, c.want, c.wantSrc)
		}
	}
}

func TestConfigLimits(t *testing.T) {
	c := Config{}.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[Kind]int64{KindPhoto: 30 << 20, KindAvatar: 5 << 20, KindCover: 10 << 20, KindVideo: 1 << 30} {
		if got := c.MaxSize(k); got != want {
			t.Errorf("MaxSize(%s) = %d, want %d", k, got, want)
		}
	}
	if c.MaxChunkedSize(KindVideo) != 4<<30 || c.MaxChunkedSize(KindPhoto) != 30<<20 {
		t.Error("chunked limits wrong")
	}
	bad := c
	bad.PartSize = 1 << 20
	if bad.Validate() == nil {
		t.Error("a part size under the S3 minimum was accepted")
	}
	bad = c
	bad.MaxChunked = 1 << 40
	if bad.Validate() == nil {
		t.Error("more than 10000 parts accepted")
	}
}

func TestRolesIn(t *testing.T) {
	if got := RolesIn(CanContribute); got != "('owner','contributor')" {
		t.Errorf("RolesIn(CanContribute) = %s", got)
	}
	if got := visibilitiesIn(MembersSee); got != "('members','link')" {
		t.Errorf("visibilitiesIn(MembersSee) = %s", got)
	}
}

// TestVisibleSQLIsCanView runs VisibleToSQL and LinkShowsSQL on a real
// database for every combination of item state, visibility, album state,
// viewer role and ownership, and compares each answer with the pure rule.
func TestVisibleSQLIsCanView(t *testing.T) {
	pool, _ := dbtest.New(t)
	ctx := context.Background()
	for _, u := range []string{"owner", "contrib", "viewer", "stranger", "uploader"} {
		dbtest.MustExec(t, pool, `INSERT INTO users (id, openid) VALUES ($1, $1)`, u)
	}
	albumState := map[string]string{"active": "active", "dissolving": "dissolving"}
	for id, st := range albumState {
		dbtest.MustExec(t, pool, `INSERT INTO albums (id, owner_id, title, status) VALUES ($1, 'owner', 't', $2)`, id, st)
		for u, r := range map[string]Role{"owner": RoleOwner, "contrib": RoleContributor, "viewer": RoleViewer, "uploader": RoleContributor} {
			dbtest.MustExec(t, pool, `INSERT INTO album_members (album_id, user_id, role) VALUES ($1, $2, $3)`, id, u, r)
		}
	}
	roleOf := map[string]Role{"owner": RoleOwner, "contrib": RoleContributor, "viewer": RoleViewer, "uploader": RoleContributor}
	n := 0
	for _, album := range []string{"", "active", "dissolving"} {
		for _, st := range []Status{StatusProcessing, StatusReady, StatusFailed, StatusDeleting} {
			for _, vh := range []struct {
				vis                  Visibility
				hidden, review, hold string
			}{{OnlyMe, "", "", ""}, {Members, "", "", ""}, {Link, "", "", ""}, {Members, HiddenOwnerDeleted, "", ""}, {Link, HiddenOwnerDeleted, "", ""},
				{Link, "", ReviewPending, ""}, {Members, "", ReviewRisky, ""}, {Link, "", ReviewUnchecked, ""},
				{Link, "", ReviewPass, ""}, {Members, "", ReviewUncheckedOpen, ""}, {Link, HiddenOwnerDeleted, ReviewPass, ""},
				{Link, "", "", HoldShowsMe}, {Members, "", ReviewPass, HoldInappropriate}} {
				vis := vh.vis
				n++
				id := fmt.Sprintf("m%03d", n)
				m := &Media{ID: id, OwnerID: "uploader", Status: st, Visibility: vis, Hidden: vh.hidden, Review: vh.review, ReportHold: vh.hold}
				var albumID *string
				if album != "" {
					albumID = &album
					m.AlbumID = albumID
				}
				dbtest.MustExec(t, pool, `INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256, album_id, visibility, hidden_reason, review, report_hold)
					VALUES ($1, 'uploader', 'photo', $2, 'image/jpeg', 1, $3, $4, $5, NULLIF($6, ''), NULLIF($7, ''), NULLIF($8, ''))`, id, st, []byte(id), albumID, vis, vh.hidden, vh.review, vh.hold)
				for _, viewer := range []string{"owner", "contrib", "viewer", "stranger", "uploader"} {
					r := RoleNone
					if album != "" && album == "active" {
						r = roleOf[viewer]
					}
					want := CanView(viewer, m, r, album != "dissolving")
					var got bool
					if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM media m WHERE m.id = $1 AND `+VisibleToSQL("$2")+`)`,
						id, viewer).Scan(&got); err != nil {
						t.Fatal(err)
					}
					if got != want {
						t.Errorf("item %s %s (hidden %q, review %q, hold %q) in album %q, viewer %s: SQL says %v, CanView %v", st, vis, vh.hidden, vh.review, vh.hold, album, viewer, got, want)
					}
				}
				var shown bool
				if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM media m WHERE m.id = $1 AND `+LinkShowsSQL+`)`, id).Scan(&shown); err != nil {
					t.Fatal(err)
				}
				if shown != CanShowOnLink(m) {
					t.Errorf("item %s %s: LinkShowsSQL %v, CanShowOnLink %v", st, vis, shown, CanShowOnLink(m))
				}
			}
		}
	}
	if n != 156 {
		t.Fatalf("checked %d items", n)
	}
}

// TestItemMatrix covers role x visibility x (uploader or not) x status for
// an item of an active album.
func TestItemMatrix(t *testing.T) {
	album := "a1"
	for _, r := range append(Roles, RoleNone) {
		for _, v := range []Visibility{OnlyMe, Members, Link} {
			for _, mine := range []bool{true, false} {
				for _, st := range []Status{StatusReady, StatusProcessing, StatusFailed, StatusDeleting} {
					owner := "someone"
					if mine {
						owner = "me"
					}
					item := &Media{OwnerID: owner, Visibility: v, Status: st, AlbumID: &album}
					wantSee := st != StatusDeleting && (mine || (r != RoleNone && st == StatusReady && v != OnlyMe))
					if got := CanView("me", item, r, true); got != wantSee {
						t.Errorf("CanView role=%q vis=%s mine=%v status=%s = %v", r, v, mine, st, got)
					}
					wantRemove := st != StatusDeleting && (mine || r == RoleOwner)
					if got := CanDelete("me", item, r); got != wantRemove {
						t.Errorf("CanDelete role=%q mine=%v status=%s = %v", r, mine, st, got)
					}
					wantLink := st == StatusReady && v == Link
					if got := CanShowOnLink(item); got != wantLink {
						t.Errorf("CanShowOnLink vis=%s status=%s = %v", v, st, got)
					}
				}
			}
		}
	}
}

// TestHiddenFromOthers: an item is hidden from all but its uploader while
// any reason holds; the uploader still sees it (and can delete it).
func TestHiddenFromOthers(t *testing.T) {
	album := "a1"
	for _, c := range []struct {
		hidden, review, hold string
		want                 bool
	}{
		{"", "", "", false},
		{"", ReviewPass, "", false},
		{"", ReviewUncheckedOpen, "", false},
		{"", ReviewPending, "", true},
		{"", ReviewRisky, "", true},
		{"", ReviewUnchecked, "", true},
		{"", "", HoldShowsMe, true},
		{"", ReviewPass, HoldInappropriate, true},
		{HiddenOwnerDeleted, ReviewPass, "", true},
	} {
		m := &Media{OwnerID: "up", Status: StatusReady, Visibility: Link, AlbumID: &album, Hidden: c.hidden, Review: c.review, ReportHold: c.hold}
		if got := HiddenFromOthers(m); got != c.want {
			t.Errorf("HiddenFromOthers(hidden %q, review %q, hold %q) = %v, want %v", c.hidden, c.review, c.hold, got, c.want)
		}
		if CanView("member", m, RoleViewer, true) == c.want || CanShowOnLink(m) == c.want {
			t.Errorf("hidden %q, review %q, hold %q: member sees %v, link shows %v, want %v", c.hidden, c.review, c.hold,
				CanView("member", m, RoleViewer, true), CanShowOnLink(m), !c.want)
		}
		if !CanView("up", m, RoleContributor, true) || !CanDelete("up", m, RoleContributor) {
			t.Errorf("hidden %q, review %q, hold %q: the uploader lost sight of their item", c.hidden, c.review, c.hold)
		}
	}
}
