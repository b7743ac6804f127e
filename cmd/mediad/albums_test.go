package main

// Albums end to end: a real mediad against PostgreSQL, MinIO and Redis,
// driven over HTTP as the mini-program drives it. The tests prove the role x
// action x visibility matrix, that removal and leaving cut access (signed URLs
// already handed out included), invitation expiry, use limits and the member
// cap, and that dissolving an album with a worker killed half-way still ends
// with no object and no row left.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/worker"
)

// albVisibilities are the item visibilities, narrowest first.
var albVisibilities = []string{"only_me", "members", "link"}

// albAlbum is an album as the API shows it to one user.
type albAlbum struct {
	ID                string  `json:"id"`
	OwnerID           string  `json:"owner_id"`
	Title             string  `json:"title"`
	CoverMediaID      *string `json:"cover_media_id"`
	CoverThumbURL     string  `json:"cover_thumb_url"`
	DefaultVisibility string  `json:"default_visibility"`
	Status            string  `json:"status"`
	MyRole            string  `json:"my_role"`
	ItemCount         int     `json:"item_count"`
}

type albItem struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Visibility string `json:"visibility"`
	Mine       bool   `json:"mine"`
	ThumbURL   string `json:"thumb_url"`
}

type albPage struct {
	Items      []albItem `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

type albMember struct {
	UserID   string `json:"user_id"`
	Nickname string `json:"nickname"`
	Role     string `json:"role"`
}

type albRank struct {
	UserID string `json:"user_id"`
	Items  int    `json:"items"`
}

type albReceipt struct {
	AlbumID        string     `json:"album_id"`
	ItemsTotal     int        `json:"items_total"`
	ItemsDeleted   int        `json:"items_deleted"`
	ObjectsDeleted int        `json:"objects_deleted"`
	RowsDeleted    int        `json:"rows_deleted"`
	FinishedAt     *time.Time `json:"finished_at"`
}

// albSeed is an item put into an album by a test.
type albSeed struct {
	id  string
	by  user
	vis string
}

func (s albSeed) String() string { return s.by.name + "'s " + s.vis + " item" }

// albFetch GETs a signed media URL (no Authorization) and returns the status.
func albFetch(t *testing.T, url string) int {
	t.Helper()
	if url == "" {
		t.Fatal("empty media URL")
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func (a *engine) albSeed(u user, albumID, vis string) albSeed {
	a.t.Helper()
	return albSeed{id: a.uploadPhoto(u, "photo", albumID, vis).ID, by: u, vis: vis}
}

func (a *engine) albWaitReady(items ...albSeed) {
	a.t.Helper()
	for _, it := range items {
		a.waitReady(it.by.tok, it.id)
	}
}

func (a *engine) albCreate(u user, title string) albAlbum {
	a.t.Helper()
	var out struct {
		Album albAlbum `json:"album"`
	}
	a.do("POST", "/v1/albums", u.tok, map[string]string{"title": title}, 201, &out)
	if out.Album.MyRole != "owner" || out.Album.OwnerID != u.id || out.Album.Title != title {
		a.t.Fatalf("created album: %+v", out.Album)
	}
	return out.Album
}

func (a *engine) albGet(u user, albumID string) albAlbum {
	a.t.Helper()
	var out struct {
		Album albAlbum `json:"album"`
	}
	a.do("GET", "/v1/albums/"+albumID, u.tok, nil, 200, &out)
	return out.Album
}

// albInvite creates an invitation and returns its token and id.
func (a *engine) albInvite(owner user, albumID string, req map[string]any) (token, id string) {
	a.t.Helper()
	var out struct {
		Token  string `json:"token"`
		Invite struct {
			ID string `json:"id"`
		} `json:"invite"`
	}
	a.do("POST", "/v1/albums/"+albumID+"/invites", owner.tok, req, 201, &out)
	if out.Token == "" || out.Invite.ID == "" {
		a.t.Fatalf("invite: %+v", out)
	}
	return out.Token, out.Invite.ID
}

// albJoin brings users into the album with role through one invitation.
func (a *engine) albJoin(owner user, albumID, role string, users ...user) {
	a.t.Helper()
	tok, _ := a.albInvite(owner, albumID, map[string]any{"role": role, "max_uses": len(users)})
	for _, u := range users {
		var out struct {
			Album albAlbum `json:"album"`
		}
		a.do("POST", "/v1/invites/"+tok+"/accept", u.tok, nil, 200, &out)
		if out.Album.ID != albumID || out.Album.MyRole != role {
			a.t.Fatalf("%s accepted: %+v, want album %s as %s", u.name, out.Album, albumID, role)
		}
	}
}

func (a *engine) albItems(u user, albumID, query string) albPage {
	a.t.Helper()
	var p albPage
	a.do("GET", "/v1/albums/"+albumID+"/items?"+query, u.tok, nil, 200, &p)
	return p
}

// albList returns the albums GET /v1/albums shows u, by id.
func (a *engine) albList(u user) map[string]albAlbum {
	a.t.Helper()
	var out struct {
		Albums []albAlbum `json:"albums"`
	}
	a.do("GET", "/v1/albums", u.tok, nil, 200, &out)
	m := map[string]albAlbum{}
	for _, al := range out.Albums {
		m[al.ID] = al
	}
	return m
}

func (a *engine) albMembers(u user, albumID string) []albMember {
	a.t.Helper()
	var out struct {
		Members []albMember `json:"members"`
	}
	a.do("GET", "/v1/albums/"+albumID+"/members", u.tok, nil, 200, &out)
	return out.Members
}

// albMine returns the ids GET /v1/me/media lists for u.
func (a *engine) albMine(u user) []string {
	a.t.Helper()
	var out struct {
		Media []struct {
			ID string `json:"id"`
		} `json:"media"`
	}
	a.do("GET", "/v1/me/media?limit=100", u.tok, nil, 200, &out)
	var ids []string
	for _, m := range out.Media {
		ids = append(ids, m.ID)
	}
	return ids
}

func (a *engine) albReceipt(u user, albumID string) albReceipt {
	a.t.Helper()
	var out struct {
		Dissolution albReceipt `json:"dissolution"`
	}
	a.do("GET", "/v1/albums/"+albumID+"/dissolution", u.tok, nil, 200, &out)
	return out.Dissolution
}

// albKeysOf lists every object an item has: processed variants and raw upload.
func (a *engine) albKeysOf(id string) []string {
	a.t.Helper()
	keys := testenv.Keys(a.t, a.blob, "media/"+id+"/")
	for _, k := range testenv.Keys(a.t, a.blob, "incoming/"+id) {
		if k == "incoming/"+id {
			keys = append(keys, k)
		}
	}
	return keys
}

// albWaitGone waits until the items have neither objects nor rows.
func (a *engine) albWaitGone(ids ...string) {
	a.t.Helper()
	var left []string
	ok := poll(20*time.Second, func() bool {
		left = nil
		for _, id := range ids {
			left = append(left, a.albKeysOf(id)...)
			if a.count(`SELECT count(*) FROM media WHERE id = $1`, id) > 0 {
				left = append(left, "row "+id)
			}
		}
		return len(left) == 0
	})
	if !ok {
		a.t.Fatalf("left behind after 20s: %v", left)
	}
}

func albIDs(items []albItem) []string {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	return ids
}

func albSorted(ids []string) []string {
	s := slices.Clone(ids)
	sort.Strings(s)
	return s
}

// albRoles are the columns of the role matrix.
var albRoles = []string{"owner", "contributor", "viewer", "outsider"}

// albMatrixRow is one album action and the status each role gets for it
// (owner, contributor, viewer, outsider): 403 means "sees the album, may
// not do that", 404 "does not see it" (the album, or a target who is not
// a member); 0 means the role's cell is not run
// here because it would change the album (those are the subtests below).
type albMatrixRow struct {
	action       string
	method, path string // path relative to the album's
	body         any
	want         [4]int
	code         string // error code of other refusals
}

// albMatrix is the role x action table for album-level actions.
func albMatrix(title, ownerMedia, outsiderID, viewerID string) []albMatrixRow {
	role := func(r string) map[string]string { return map[string]string{"role": r} }
	return []albMatrixRow{
		{"read the album", "GET", "", nil, [4]int{200, 200, 200, 404}, ""},
		{"list its items", "GET", "/items", nil, [4]int{200, 200, 200, 404}, ""},
		{"list its members", "GET", "/members", nil, [4]int{200, 200, 200, 404}, ""},
		{"see the ranking", "GET", "/ranking", nil, [4]int{200, 200, 200, 404}, ""},
		{"rename it (to its own title)", "PATCH", "", map[string]string{"title": title}, [4]int{200, 403, 403, 404}, ""},
		{"set the default visibility", "PATCH", "", map[string]string{"default_visibility": "members"}, [4]int{200, 403, 403, 404}, ""},
		{"set the cover", "PUT", "/cover", map[string]string{"media_id": ownerMedia}, [4]int{0, 403, 403, 404}, ""},
		{"invite", "POST", "/invites", role("viewer"), [4]int{201, 403, 403, 404}, ""},
		{"dissolve it", "DELETE", "", map[string]string{"confirm_title": title}, [4]int{0, 403, 403, 404}, ""},
		{"dissolve it with a wrong title", "DELETE", "", map[string]string{"confirm_title": "x" + title}, [4]int{400, 403, 403, 404}, "confirm_mismatch"},
		{"see a dissolution that did not happen", "GET", "/dissolution", nil, [4]int{404, 404, 404, 404}, ""},
		{"transfer it to themselves", "POST", "/transfer", map[string]string{"user_id": "self"}, [4]int{403, 403, 403, 404}, ""},
		{"transfer it to an outsider", "POST", "/transfer", map[string]string{"user_id": outsiderID}, [4]int{404, 404, 404, 404}, ""},
		{"leave it", "POST", "/leave", nil, [4]int{409, 0, 0, 404}, "owner_cannot_leave"},
		{"make the viewer a contributor", "PATCH", "/members/" + viewerID, role("contributor"), [4]int{0, 403, 403, 404}, ""},
		{"make the viewer an owner", "PATCH", "/members/" + viewerID, role("owner"), [4]int{403, 403, 403, 404}, ""},
		{"give the outsider a role", "PATCH", "/members/" + outsiderID, role("viewer"), [4]int{404, 404, 404, 404}, ""},
		{"remove the viewer", "DELETE", "/members/" + viewerID, nil, [4]int{0, 403, 403, 404}, ""},
	}
}

// TestAlbumRoleMatrix runs every album action as the owner, a contributor,
// a viewer and an outsider (the albMatrix table), then every item action
// over items of every visibility, and checks the answer of each cell:
// allowed, 403 (sees the album or item, may not act) or 404 (does not see
// it). The subtests after it follow the actions that change the album.
func TestAlbumRoleMatrix(t *testing.T) {
	a0 := startEngine(t, "all", nil)
	o, c, v, x := a0.signIn("olivia"), a0.signIn("carl"), a0.signIn("vera"), a0.signIn("xavier")
	everyone := []user{o, c, v, x}
	const title = "Summer 2024"
	alb := a0.albCreate(o, title)
	a0.albJoin(o, alb.ID, "contributor", c)
	a0.albJoin(o, alb.ID, "viewer", v)
	role := map[string]string{o.id: "owner", c.id: "contributor", v.id: "viewer"}
	path := "/v1/albums/" + alb.ID

	// The owner and the contributor each put in one item of each visibility.
	var items []albSeed
	for _, up := range []user{o, c} {
		for _, vis := range albVisibilities {
			items = append(items, a0.albSeed(up, alb.ID, vis))
		}
	}
	a0.albWaitReady(items...)
	sees := func(u user, it albSeed) bool {
		return u.id == it.by.id || (role[u.id] != "" && it.vis != "only_me")
	}
	byVis := func(u user, vis string) albSeed {
		for _, it := range items {
			if it.by.id == u.id && it.vis == vis {
				return it
			}
		}
		t.Fatalf("no %s item of %s", vis, u.name)
		return albSeed{}
	}

	t.Run("matrix", func(t *testing.T) {
		a := a0.in(t)
		users := map[string]user{"owner": o, "contributor": c, "viewer": v, "outsider": x}
		for _, row := range albMatrix(title, byVis(o, "members").id, x.id, v.id) {
			for i, r := range albRoles {
				want, u := row.want[i], users[r]
				if want == 0 {
					continue
				}
				code := row.code
				switch {
				case want == 403:
					code = "forbidden"
				case want == 404:
					code = "not_found"
				case want < 400:
					code = ""
				}
				body := row.body
				if m, ok := body.(map[string]string); ok && m["user_id"] == "self" {
					body = map[string]string{"user_id": u.id}
				}
				a.check(r+" may "+row.action+"?", row.method, path+row.path, u.tok, body, want, code)
			}
		}
		if got := a.albGet(o, alb.ID); got.Title != title || got.CoverMediaID != nil || got.DefaultVisibility != "members" ||
			got.OwnerID != o.id || got.Status != "active" {
			t.Errorf("album after the matrix: %+v", got)
		}
		wantMembers := []albMember{{o.id, "olivia", "owner"}, {c.id, "carl", "contributor"}, {v.id, "vera", "viewer"}}
		if diff := cmp.Diff(wantMembers, a.albMembers(v, alb.ID)); diff != "" {
			t.Errorf("members after the matrix (-want +got):\n%s", diff)
		}
		if _, listed := a.albList(x)[alb.ID]; listed {
			t.Errorf("the outsider has the album in GET /v1/albums")
		}
	})

	t.Run("reads", func(t *testing.T) {
		a := a0.in(t)
		wantMembers := []albMember{{o.id, "olivia", "owner"}, {c.id, "carl", "contributor"}, {v.id, "vera", "viewer"}}
		for _, u := range everyone {
			var visible []string
			perUploader := map[string]int{o.id: 0, c.id: 0, v.id: 0}
			for _, it := range items {
				if sees(u, it) {
					visible = append(visible, it.id)
					perUploader[it.by.id]++
				}
			}
			if role[u.id] == "" {
				continue // the matrix checks an outsider sees nothing
			}
			got := a.albGet(u, alb.ID)
			if got.MyRole != role[u.id] || got.ItemCount != len(visible) || got.Title != title {
				t.Errorf("%s: GET album = %+v, want my_role %s and item_count %d", u.name, got, role[u.id], len(visible))
			}
			if l, ok := a.albList(u)[alb.ID]; !ok || l.MyRole != role[u.id] || l.ItemCount != len(visible) {
				t.Errorf("%s: GET /v1/albums entry = %+v (listed %v), want my_role %s and item_count %d", u.name, l, ok, role[u.id], len(visible))
			}
			page := a.albItems(u, alb.ID, "limit=100")
			if diff := cmp.Diff(albSorted(visible), albSorted(albIDs(page.Items))); diff != "" {
				t.Errorf("%s: items (-want +got):\n%s", u.name, diff)
			}
			for _, it := range page.Items {
				mine := slices.ContainsFunc(items, func(s albSeed) bool { return s.id == it.ID && s.by.id == u.id })
				if it.Mine != mine || it.Status != "ready" {
					t.Errorf("%s: item %+v, want mine=%v and ready", u.name, it, mine)
				}
				if st := albFetch(t, it.ThumbURL); st != 200 {
					t.Errorf("%s: thumb_url of %s: status %d", u.name, it.ID, st)
				}
			}
			if diff := cmp.Diff(wantMembers, a.albMembers(u, alb.ID)); diff != "" {
				t.Errorf("%s: members (-want +got):\n%s", u.name, diff)
			}
			wantRank := []albRank{{o.id, perUploader[o.id]}, {c.id, perUploader[c.id]}, {v.id, 0}}
			sort.SliceStable(wantRank, func(i, j int) bool {
				if wantRank[i].Items != wantRank[j].Items {
					return wantRank[i].Items > wantRank[j].Items
				}
				return wantRank[i].UserID < wantRank[j].UserID
			})
			var rank struct {
				Ranking []albRank `json:"ranking"`
			}
			a.do("GET", path+"/ranking", u.tok, nil, 200, &rank)
			if diff := cmp.Diff(wantRank, rank.Ranking); diff != "" {
				t.Errorf("%s: ranking (-want +got):\n%s", u.name, diff)
			}
		}
		// GET /v1/media/:id follows the same rule, and every signed URL it
		// hands out serves.
		for _, u := range everyone {
			for _, it := range items {
				if !sees(u, it) {
					a.check(u.name+" on "+it.String(), "GET", "/v1/media/"+it.id, u.tok, nil, 404, "not_found")
					continue
				}
				m := a.getMedia(u.tok, it.id, 200)
				if m.Mine != (u.id == it.by.id) || m.Visibility != it.vis || len(m.URLs) != 4 {
					t.Errorf("%s on %s: %+v", u.name, it, m)
				}
				for variant, url := range m.URLs {
					if st := albFetch(t, url); st != 200 {
						t.Errorf("%s on %s: %s URL: status %d", u.name, it, variant, st)
					}
				}
			}
		}
	})

	t.Run("others may not change or remove an item", func(t *testing.T) {
		a := a0.in(t)
		for _, it := range items {
			for _, u := range everyone {
				if u.id == it.by.id {
					continue
				}
				want, code := 404, "not_found"
				if sees(u, it) {
					want, code = 403, "forbidden"
				}
				who := u.name + " on " + it.String()
				a.check(who, "PATCH", "/v1/media/"+it.id, u.tok, map[string]string{"visibility": "members"}, want, code)
				if role[u.id] != "owner" { // the owner's removals are below
					a.check(who, "DELETE", path+"/items/"+it.id, u.tok, nil, want, code)
				}
			}
		}
		for _, it := range items {
			if m := a.getMedia(it.by.tok, it.id, 200); m.Visibility != it.vis || m.Status != "ready" {
				t.Errorf("%s changed: %+v", it, m)
			}
		}
	})

	t.Run("only the uploader changes visibility", func(t *testing.T) {
		a := a0.in(t)
		it := byVis(c, "members")
		url := a.getMedia(v.tok, it.id, 200).URLs["thumb"]
		var out struct {
			Media mediaView `json:"media"`
		}
		a.do("PATCH", "/v1/media/"+it.id, c.tok, map[string]string{"visibility": "only_me"}, 200, &out)
		if out.Media.Visibility != "only_me" {
			t.Fatalf("PATCH answered %+v", out.Media)
		}
		// Nobody but the uploader sees it now, not even the owner, and the
		// URL the viewer was given stops working.
		a.getMedia(v.tok, it.id, 404)
		a.getMedia(o.tok, it.id, 404)
		a.getMedia(c.tok, it.id, 200)
		if st := albFetch(t, url); st != 404 {
			t.Errorf("viewer's URL after only_me: status %d, want 404", st)
		}
		if slices.Contains(albIDs(a.albItems(o, alb.ID, "limit=100").Items), it.id) {
			t.Errorf("the owner still lists an only_me item of the contributor")
		}
		// link means members plus link holders.
		a.do("PATCH", "/v1/media/"+it.id, c.tok, map[string]string{"visibility": "link"}, 200, nil)
		if m := a.getMedia(v.tok, it.id, 200); m.Visibility != "link" {
			t.Errorf("viewer sees %+v", m)
		}
		if st := albFetch(t, url); st != 200 {
			t.Errorf("viewer's URL once visible again: status %d, want 200", st)
		}
		a.do("PATCH", "/v1/media/"+it.id, c.tok, map[string]string{"visibility": "members"}, 200, nil)
		for _, bad := range []string{"public", ""} {
			a.check("carl", "PATCH", "/v1/media/"+it.id, c.tok, map[string]string{"visibility": bad}, 400, "invalid_visibility")
		}
	})

	t.Run("removing items", func(t *testing.T) {
		a := a0.in(t)
		type removal struct {
			by   user
			item albSeed
		}
		var cases []removal
		for _, vis := range albVisibilities {
			cases = append(cases,
				removal{o, a.albSeed(o, alb.ID, vis)}, // the uploader
				removal{c, a.albSeed(c, alb.ID, vis)}, // the uploader
				removal{o, a.albSeed(c, alb.ID, vis)}, // the owner, moderating
			)
		}
		var gone []string
		for _, rc := range cases {
			a.albWaitReady(rc.item)
			gone = append(gone, rc.item.id)
		}
		for _, rc := range cases {
			who := rc.by.name + " removing " + rc.item.String()
			if !sees(rc.by, rc.item) {
				// The owner removes what they cannot see, and still does not see it.
				a.check(who, "GET", "/v1/media/"+rc.item.id, rc.by.tok, nil, 404, "not_found")
				if slices.Contains(albIDs(a.albItems(rc.by, alb.ID, "limit=100").Items), rc.item.id) {
					t.Errorf("%s: listed before removal", who)
				}
			}
			a.check(who, "DELETE", path+"/items/"+rc.item.id, rc.by.tok, nil, 202, "")
			a.check(who+" (uploader's view)", "GET", "/v1/media/"+rc.item.id, rc.item.by.tok, nil, 404, "not_found")
			a.check(who+" again", "DELETE", path+"/items/"+rc.item.id, rc.by.tok, nil, 404, "not_found")
		}
		a.albWaitGone(gone...)
		// An item of another album, or no item at all, is not in this album.
		elsewhere := a.albSeed(o, "", "")
		a.check("olivia", "DELETE", path+"/items/"+elsewhere.id, o.tok, nil, 404, "not_found")
		a.check("olivia", "DELETE", path+"/items/not-an-id", o.tok, nil, 404, "not_found")
		a.getMedia(o.tok, elsewhere.id, 200)
	})

	t.Run("album settings", func(t *testing.T) {
		a := a0.in(t)
		// Titles have 1 to 64 characters after trimming.
		for _, bad := range []string{"", "   ", strings.Repeat("x", 65), strings.Repeat("相", 65)} {
			a.check("olivia", "PATCH", path, o.tok, map[string]string{"title": bad}, 400, "invalid_title")
		}
		var out struct {
			Album albAlbum `json:"album"`
		}
		long := strings.Repeat("相", 64)
		a.do("PATCH", path, o.tok, map[string]string{"title": long}, 200, &out)
		if out.Album.Title != long {
			t.Errorf("64-character title: %q", out.Album.Title)
		}
		a.do("PATCH", path, o.tok, map[string]string{"title": "  " + title + " "}, 200, &out)
		if out.Album.Title != title {
			t.Errorf("trimmed title: %q, want %q", out.Album.Title, title)
		}

		// The default visibility applies to uploads that name none.
		a.check("olivia", "PATCH", path, o.tok, map[string]string{"default_visibility": "public"}, 400, "invalid_visibility")
		a.do("PATCH", path, o.tok, map[string]string{"default_visibility": "only_me"}, 200, &out)
		if out.Album.DefaultVisibility != "only_me" {
			t.Errorf("default_visibility: %+v", out.Album)
		}
		if m := a.uploadPhoto(c, "photo", alb.ID, ""); m.Visibility != "only_me" {
			t.Errorf("upload without visibility: %+v, want only_me", m)
		}
		a.do("PATCH", path, o.tok, map[string]string{"default_visibility": "members"}, 200, nil)

		// The cover is a ready item of this album that members can see.
		personal := a.albSeed(o, "", "")
		a.albWaitReady(personal)
		for name, id := range map[string]string{"owner's only_me item": byVis(o, "only_me").id,
			"contributor's only_me item": byVis(c, "only_me").id, "item outside the album": personal.id, "junk": "nope"} {
			a.check("cover: "+name, "PUT", path+"/cover", o.tok, map[string]string{"media_id": id}, 409, "cover_not_usable")
		}
		linkItem := byVis(c, "link")
		a.do("PUT", path+"/cover", o.tok, map[string]string{"media_id": linkItem.id}, 200, &out)
		if out.Album.CoverMediaID == nil || *out.Album.CoverMediaID != linkItem.id {
			t.Errorf("cover: %+v", out.Album)
		}
		if got := a.albGet(v, alb.ID); got.CoverThumbURL == "" || albFetch(t, got.CoverThumbURL) != 200 {
			t.Errorf("viewer's cover thumbnail: %+v", got)
		}
	})

	var later []albSeed // items added by the subtests below
	t.Run("upload rights", func(t *testing.T) {
		a := a0.in(t)
		later = append(later, a.albSeed(o, alb.ID, "members"), a.albSeed(c, alb.ID, "members"))
		a.refuse(v.tok, upfile{kind: "photo", albumID: alb.ID, data: a.photo()}, 403, "forbidden")
		a.refuse(x.tok, upfile{kind: "photo", albumID: alb.ID, data: a.photo()}, 404, "not_found")
	})

	t.Run("membership, roles and ownership", func(t *testing.T) {
		a := a0.in(t)
		mem := func(u user) string { return path + "/members/" + u.id }
		role := func(r string) map[string]string { return map[string]string{"role": r} }
		to := func(u user) map[string]string { return map[string]string{"user_id": u.id} }
		// Refusals the matrix does not hold: changes among members.
		cases := []struct {
			who          user
			method, path string
			body         any
			want         int
			code         string
		}{
			{v, "PATCH", mem(v), role("contributor"), 403, "forbidden"},
			{c, "PATCH", mem(c), role("owner"), 403, "forbidden"},
			{c, "PATCH", mem(o), role("viewer"), 403, "forbidden"},
			{o, "PATCH", mem(o), role("contributor"), 403, "forbidden"},
			{o, "PATCH", mem(v), role("admin"), 400, "invalid_role"},
			{x, "PATCH", mem(x), role("contributor"), 404, "not_found"},
			{v, "DELETE", mem(c), nil, 403, "forbidden"},
			{c, "DELETE", mem(o), nil, 403, "forbidden"},
			{o, "DELETE", mem(o), nil, 403, "forbidden"},
			{o, "DELETE", mem(x), nil, 404, "not_found"},
			{c, "POST", path + "/transfer", to(v), 403, "forbidden"},
		}
		for _, tc := range cases {
			a.check(tc.who.name, tc.method, tc.path, tc.who.tok, tc.body, tc.want, tc.code)
		}
		_, inv := a.albInvite(o, alb.ID, map[string]any{"role": "viewer"})
		for _, u := range []user{c, v, x} {
			want, code := 403, "forbidden"
			if u == x {
				want, code = 404, "not_found"
			}
			a.check(u.name, "DELETE", path+"/invites/"+inv, u.tok, nil, want, code)
		}
		a.do("DELETE", path+"/invites/"+inv, o.tok, nil, 204, nil)
		a.check("olivia again", "DELETE", path+"/invites/"+inv, o.tok, nil, 404, "not_found")

		wantMembers := []albMember{{o.id, "olivia", "owner"}, {c.id, "carl", "contributor"}, {v.id, "vera", "viewer"}}
		if diff := cmp.Diff(wantMembers, a.albMembers(v, alb.ID)); diff != "" {
			t.Fatalf("members after refused changes (-want +got):\n%s", diff)
		}
		if got := a.albGet(o, alb.ID); got.Status != "active" || got.OwnerID != o.id {
			t.Fatalf("album after refused changes: %+v", got)
		}

		// A role change takes effect at once.
		a.do("PATCH", mem(v), o.tok, role("contributor"), 204, nil)
		later = append(later, a.albSeed(v, alb.ID, "members"))
		a.do("PATCH", mem(v), o.tok, role("viewer"), 204, nil)
		a.refuse(v.tok, upfile{kind: "photo", albumID: alb.ID, data: a.photo()}, 403, "forbidden")

		// Transfer: the new owner has every right, the old one is a contributor.
		a.do("POST", path+"/transfer", o.tok, to(c), 204, nil)
		if got := a.albGet(c, alb.ID); got.MyRole != "owner" || got.OwnerID != c.id {
			t.Errorf("new owner's view: %+v", got)
		}
		if got := a.albGet(o, alb.ID); got.MyRole != "contributor" {
			t.Errorf("old owner's view: %+v", got)
		}
		a.check("olivia (now contributor)", "PATCH", path, o.tok, map[string]string{"title": "x"}, 403, "forbidden")
		a.check("olivia (now contributor)", "POST", path+"/transfer", o.tok, to(o), 403, "forbidden")
		a.check("carl (now owner)", "POST", path+"/leave", c.tok, nil, 409, "owner_cannot_leave")
		a.do("PATCH", path, c.tok, map[string]string{"title": title}, 200, nil)
		a.do("POST", path+"/transfer", c.tok, to(o), 204, nil)
		if diff := cmp.Diff(wantMembers, a.albMembers(o, alb.ID)); diff != "" {
			t.Errorf("members after transferring back (-want +got):\n%s", diff)
		}
	})

	t.Run("items are paged by keyset, newest first", func(t *testing.T) {
		a := a0.in(t)
		a.albWaitReady(later...)
		all := a.albItems(o, alb.ID, "limit=100")
		if all.NextCursor != "" || len(all.Items) != 8 {
			t.Fatalf("one page of everything: %d items, next_cursor %q", len(all.Items), all.NextCursor)
		}
		var last time.Time
		for i, it := range all.Items {
			var m struct {
				Media struct {
					CreatedAt time.Time `json:"created_at"`
				} `json:"media"`
			}
			a.do("GET", "/v1/media/"+it.ID, o.tok, nil, 200, &m)
			if i > 0 && m.Media.CreatedAt.After(last) {
				t.Errorf("item %d is newer than the one before it", i)
			}
			last = m.Media.CreatedAt
		}
		// Walking pages of 3 gives the same list; an item added meanwhile
		// (newer than the cursor) neither shifts nor repeats anything.
		var walked []string
		cursor, pages := "", 0
		for {
			p := a.albItems(o, alb.ID, "limit=3&cursor="+cursor)
			pages++
			if len(p.Items) == 0 || len(p.Items) > 3 {
				t.Fatalf("page %d has %d items", pages, len(p.Items))
			}
			walked = append(walked, albIDs(p.Items)...)
			if p.NextCursor == "" {
				break
			}
			if pages == 1 {
				a.uploadPhoto(o, "photo", alb.ID, "members")
				a.check("xavier with a cursor", "GET", path+"/items?cursor="+p.NextCursor, x.tok, nil, 404, "not_found")
			}
			cursor = p.NextCursor
		}
		if diff := cmp.Diff(albIDs(all.Items), walked); diff != "" {
			t.Errorf("paged walk (-one page +pages of 3):\n%s", diff)
		}
		if want := (len(all.Items) + 2) / 3; pages != want {
			t.Errorf("%d pages, want %d", pages, want)
		}
		if got := a.albItems(o, alb.ID, "limit=100"); len(got.Items) != len(all.Items)+1 || got.Items[0].Mine != true {
			t.Errorf("after the new upload: %d items, first %+v", len(got.Items), got.Items[0])
		}
		for q, n := range map[string]int{"limit=0": 1, "limit=-5": 1, "limit=1000": len(all.Items) + 1} {
			if got := a.albItems(o, alb.ID, q); len(got.Items) != n {
				t.Errorf("%s: %d items, want %d", q, len(got.Items), n)
			}
		}
		a.check("olivia", "GET", path+"/items?cursor=bm9wZQ", o.tok, nil, 400, "invalid_cursor")

		// A page holds at most 100 items, whatever the client asks for.
		// The extra rows are written directly: only their count matters.
		if _, err := a.pool.Exec(context.Background(), `INSERT INTO media
			(id, owner_id, kind, status, content_type, size_bytes, sha256, album_id, visibility)
			SELECT md5(random()::text || g), $1, 'photo', 'ready', 'image/jpeg', 1, decode(md5(g::text || random()::text), 'hex'), $2, 'members'
			FROM generate_series(1, 100) g`, o.id, alb.ID); err != nil {
			t.Fatal(err)
		}
		first := a.albItems(o, alb.ID, "limit=1000")
		rest := a.albItems(o, alb.ID, "limit=1000&cursor="+first.NextCursor)
		if len(first.Items) != 100 || first.NextCursor == "" || len(rest.Items) != len(all.Items)+1 || rest.NextCursor != "" {
			t.Errorf("limit=1000 over %d items: pages of %d (next %q) and %d (next %q)",
				len(all.Items)+101, len(first.Items), first.NextCursor, len(rest.Items), rest.NextCursor)
		}
	})
}

// TestAlbumRemovalAndLeavingCutAccess: a member removed by the owner, and
// members who leave, lose the album at once — listings and the signed URLs
// they were already given — while their uploads stay theirs.
func TestAlbumRemovalAndLeavingCutAccess(t *testing.T) {
	a := startEngine(t, "all", nil)
	o, r, l, s := a.signIn("olivia"), a.signIn("rick"), a.signIn("lena"), a.signIn("sam")
	alb := a.albCreate(o, "Class of 2010")
	path := "/v1/albums/" + alb.ID
	a.albJoin(o, alb.ID, "contributor", r, l, s)

	oItem := a.albSeed(o, alb.ID, "members")
	rShared, rPrivate := a.albSeed(r, alb.ID, "members"), a.albSeed(r, alb.ID, "only_me")
	lShared, lLink := a.albSeed(l, alb.ID, "members"), a.albSeed(l, alb.ID, "link")
	sShared := a.albSeed(s, alb.ID, "members")
	a.albWaitReady(oItem, rShared, rPrivate, lShared, lLink, sShared)

	// What each member was handed while a member: URLs of the owner's item
	// from GET /v1/media/:id and every thumb_url of the item list.
	handed := map[string][]string{}
	for _, u := range []user{r, l, s} {
		m := a.getMedia(u.tok, oItem.id, 200)
		handed[u.id] = append(handed[u.id], m.URLs["original"], m.URLs["thumb"])
		for _, it := range a.albItems(u, alb.ID, "limit=100").Items {
			if !it.Mine {
				handed[u.id] = append(handed[u.id], it.ThumbURL)
			}
		}
		for _, url := range handed[u.id] {
			if st := albFetch(t, url); st != 200 {
				t.Fatalf("%s's URL before leaving: status %d", u.name, st)
			}
		}
	}
	lostEverything := func(u user) {
		t.Helper()
		for _, p := range []string{path, path + "/items", path + "/members", path + "/ranking"} {
			a.check(u.name, "GET", p, u.tok, nil, 404, "not_found")
		}
		if _, listed := a.albList(u)[alb.ID]; listed {
			t.Errorf("%s still lists the album", u.name)
		}
		a.check(u.name, "GET", "/v1/media/"+oItem.id, u.tok, nil, 404, "not_found")
		for _, url := range handed[u.id] {
			if st := albFetch(t, url); st != 404 {
				t.Errorf("%s's URL handed out before: status %d, want 404", u.name, st)
			}
		}
		a.refuse(u.tok, upfile{kind: "photo", albumID: alb.ID, data: a.photo()}, 404, "not_found")
		a.check(u.name, "POST", path+"/leave", u.tok, nil, 404, "not_found")
	}

	// The owner removes rick.
	a.do("DELETE", path+"/members/"+r.id, o.tok, nil, 204, nil)
	lostEverything(r)
	a.check("olivia removing rick again", "DELETE", path+"/members/"+r.id, o.tok, nil, 404, "not_found")
	// His uploads stay his, and stay in the album.
	if diff := cmp.Diff(albSorted([]string{rShared.id, rPrivate.id}), albSorted(a.albMine(r))); diff != "" {
		t.Errorf("rick's GET /v1/me/media (-want +got):\n%s", diff)
	}
	if m := a.getMedia(r.tok, rPrivate.id, 200); !m.Mine || albFetch(t, m.URLs["original"]) != 200 {
		t.Errorf("rick's own item after removal: %+v", m)
	}
	if !slices.Contains(albIDs(a.albItems(o, alb.ID, "limit=100").Items), rShared.id) {
		t.Errorf("rick's members item left the album with him")
	}
	// He can still delete them, through his media, not through the album.
	a.check("rick", "DELETE", path+"/items/"+rShared.id, r.tok, nil, 404, "not_found")
	a.do("DELETE", "/v1/media/"+rShared.id, r.tok, nil, 202, nil)
	a.do("DELETE", "/v1/media/"+rPrivate.id, r.tok, nil, 202, nil)
	a.albWaitGone(rShared.id, rPrivate.id)
	if mine := a.albMine(r); len(mine) != 0 {
		t.Errorf("rick's media after deleting: %v", mine)
	}

	// lena leaves and takes her items with her.
	a.do("POST", path+"/leave", l.tok, map[string]bool{"delete_my_items": true}, 204, nil)
	lostEverything(l)
	for _, it := range []albSeed{lShared, lLink} {
		a.check("lena's own item after leaving with it", "GET", "/v1/media/"+it.id, l.tok, nil, 404, "not_found")
		a.check("olivia on lena's item", "GET", "/v1/media/"+it.id, o.tok, nil, 404, "not_found")
	}
	if mine := a.albMine(l); len(mine) != 0 {
		t.Errorf("lena's media after leaving with delete_my_items: %v", mine)
	}
	a.albWaitGone(lShared.id, lLink.id)

	// sam leaves and keeps his.
	a.do("POST", path+"/leave", s.tok, nil, 204, nil)
	lostEverything(s)
	if diff := cmp.Diff([]string{sShared.id}, a.albMine(s)); diff != "" {
		t.Errorf("sam's GET /v1/me/media (-want +got):\n%s", diff)
	}
	if m := a.getMedia(s.tok, sShared.id, 200); albFetch(t, m.URLs["thumb"]) != 200 {
		t.Errorf("sam's own URL after leaving does not serve")
	}
	if !slices.Contains(albIDs(a.albItems(o, alb.ID, "limit=100").Items), sShared.id) {
		t.Errorf("sam's item left the album with him")
	}
	a.do("DELETE", "/v1/media/"+sShared.id, s.tok, nil, 202, nil)
	a.albWaitGone(sShared.id)

	if diff := cmp.Diff([]albMember{{o.id, "olivia", "owner"}}, a.albMembers(o, alb.ID)); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	var rank struct {
		Ranking []albRank `json:"ranking"`
	}
	a.do("GET", path+"/ranking", o.tok, nil, 200, &rank)
	if diff := cmp.Diff([]albRank{{o.id, 1}}, rank.Ranking); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}

	// The owner cannot leave until ownership has moved.
	a.check("olivia", "POST", path+"/leave", o.tok, nil, 409, "owner_cannot_leave")
	a.albJoin(o, alb.ID, "viewer", s)
	a.do("POST", path+"/transfer", o.tok, map[string]string{"user_id": s.id}, 204, nil)
	a.do("POST", path+"/leave", o.tok, nil, 204, nil)
	a.check("olivia after leaving", "GET", path, o.tok, nil, 404, "not_found")
	a.check("sam (owner)", "POST", path+"/leave", s.tok, nil, 409, "owner_cannot_leave")
	// olivia's item stays in the album, and stays hers.
	if diff := cmp.Diff([]string{oItem.id}, albIDs(a.albItems(s, alb.ID, "limit=100").Items)); diff != "" {
		t.Errorf("items the new owner sees (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{oItem.id}, a.albMine(o)); diff != "" {
		t.Errorf("olivia's GET /v1/me/media (-want +got):\n%s", diff)
	}
}

// TestAlbumInvitations: preview, expiry, use limits, revocation and the
// member cap (MEDIA_ALBUM_MAX_MEMBERS=3), also under concurrent accepts.
func TestAlbumInvitations(t *testing.T) {
	a := startEngine(t, "serve", map[string]string{"MEDIA_ALBUM_MAX_MEMBERS": "3"})
	o, u1, u2, u3, u4 := a.signIn("olivia"), a.signIn("ann"), a.signIn("ben"), a.signIn("cleo"), a.signIn("dan")
	alb := a.albCreate(o, "Reunion")
	path := "/v1/albums/" + alb.ID
	accept := func(u user, tok string, want int, code string) {
		t.Helper()
		a.check(u.name+" accepting", "POST", "/v1/invites/"+tok+"/accept", u.tok, nil, want, code)
	}
	preview := func(u user, tok string, want int, code string) []byte {
		t.Helper()
		return a.check(u.name+" previewing", "GET", "/v1/invites/"+tok, u.tok, nil, want, code)
	}
	members := func() int { return a.count(`SELECT count(*) FROM album_members WHERE album_id = $1`, alb.ID) }

	for _, bad := range []map[string]any{
		{"role": "owner"}, {"role": "admin"}, {"role": "viewer", "expires_in": 10},
		{"role": "viewer", "expires_in": 31 * 24 * 3600}, {"role": "viewer", "max_uses": 4}, {"role": "viewer", "max_uses": -1},
	} {
		a.check(fmt.Sprint(bad), "POST", path+"/invites", o.tok, bad, 400, "")
	}

	// A single-use viewer invitation: preview shows enough to decide.
	tok1, _ := a.albInvite(o, alb.ID, map[string]any{"role": "viewer", "expires_in": 3600, "max_uses": 1})
	var pv map[string]any
	if err := json.Unmarshal(preview(u1, tok1, 200, ""), &pv); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"invite": map[string]any{"album_title": "Reunion", "inviter_nickname": "olivia", "role": "viewer"}}
	if diff := cmp.Diff(want, pv); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
	accept(u1, tok1, 200, "")
	if got := a.albGet(u1, alb.ID); got.MyRole != "viewer" {
		t.Errorf("ann joined as %q", got.MyRole)
	}
	// Used up.
	preview(u2, tok1, 410, "invite_gone")
	accept(u2, tok1, 410, "invite_gone")
	accept(u1, tok1, 410, "invite_gone")

	// Three uses, but the album holds three members.
	tok2, _ := a.albInvite(o, alb.ID, map[string]any{"role": "contributor", "expires_in": 3600, "max_uses": 3})
	accept(u2, tok2, 200, "")
	accept(u3, tok2, 409, "album_full")
	if n := members(); n != 3 {
		t.Errorf("%d members, want 3", n)
	}
	a.do("DELETE", path+"/members/"+u1.id, o.tok, nil, 204, nil)
	accept(u3, tok2, 200, "")
	if n := a.count(`SELECT uses FROM invites WHERE album_id = $1 AND role = 'contributor'`, alb.ID); n != 2 {
		t.Errorf("uses = %d, want 2 (a refused accept is not a use)", n)
	}
	a.do("DELETE", path+"/members/"+u3.id, o.tok, nil, 204, nil)

	// Expired: made with 60 s, then moved into the past.
	tok3, id3 := a.albInvite(o, alb.ID, map[string]any{"role": "viewer", "expires_in": 60, "max_uses": 2})
	preview(u4, tok3, 200, "")
	if _, err := a.pool.Exec(context.Background(), `UPDATE invites SET expires_at = now() - interval '1s' WHERE id = $1`, id3); err != nil {
		t.Fatal(err)
	}
	preview(u4, tok3, 410, "invite_gone")
	accept(u4, tok3, 410, "invite_gone")

	// Revoked.
	tok4, id4 := a.albInvite(o, alb.ID, map[string]any{"role": "viewer", "max_uses": 2})
	a.check("ben", "DELETE", path+"/invites/"+id4, u2.tok, nil, 403, "forbidden")
	a.check("dan", "DELETE", path+"/invites/"+id4, u4.tok, nil, 404, "not_found")
	a.do("DELETE", path+"/invites/"+id4, o.tok, nil, 204, nil)
	preview(u4, tok4, 410, "invite_gone")
	accept(u4, tok4, 410, "invite_gone")
	if n := members(); n != 2 {
		t.Errorf("%d members after dead invitations, want 2", n)
	}

	// Unknown and malformed tokens.
	for _, tok := range []string{strings.Repeat("A", 43), "short"} {
		preview(u4, tok, 404, "not_found")
		accept(u4, tok, 404, "not_found")
	}

	// Concurrent accepts: one use of a single-use invitation; one place
	// left in the album for two invitations.
	race := func(toks [2]string) (ok, refused []int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i, u := range []user{u3, u4} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, _ := a.try("POST", "/v1/invites/"+toks[i]+"/accept", u.tok, nil)
				mu.Lock()
				defer mu.Unlock()
				if st == 200 {
					ok = append(ok, i)
				} else {
					refused = append(refused, st)
				}
			}()
		}
		wg.Wait()
		return ok, refused
	}
	one, _ := a.albInvite(o, alb.ID, map[string]any{"role": "viewer", "max_uses": 1})
	if ok, refused := race([2]string{one, one}); len(ok) != 1 || !slices.Equal(refused, []int{410}) {
		t.Errorf("single-use invitation accepted concurrently: winners %v, refusals %v", ok, refused)
	}
	for round := range 8 {
		for _, u := range []user{u3, u4} {
			a.try("DELETE", path+"/members/"+u.id, o.tok, nil)
		}
		ta, _ := a.albInvite(o, alb.ID, map[string]any{"role": "viewer", "max_uses": 1})
		tb, _ := a.albInvite(o, alb.ID, map[string]any{"role": "viewer", "max_uses": 1})
		ok, refused := race([2]string{ta, tb})
		if len(ok) != 1 || !slices.Equal(refused, []int{409}) || members() != 3 {
			t.Fatalf("round %d: one place, two invitations: winners %v, refusals %v, %d members", round, ok, refused, members())
		}
	}
}

// TestAlbumDissolution dissolves an album holding items of several members
// (ready ones and one still processing). From the 202 on, nothing of it
// answers; the task is killed half-way through, and the restarted worker
// finishes: no object under the album's items, no row, a receipt.
func TestAlbumDissolution(t *testing.T) {
	a := startEngine(t, "all", nil)
	o, c, v := a.signIn("olivia"), a.signIn("carl"), a.signIn("vera")
	const title = "Farewell 🎉"
	alb := a.albCreate(o, title)
	path := "/v1/albums/" + alb.ID
	a.albJoin(o, alb.ID, "contributor", c)
	a.albJoin(o, alb.ID, "viewer", v)
	items := []albSeed{
		a.albSeed(o, alb.ID, "members"), a.albSeed(o, alb.ID, "only_me"),
		a.albSeed(c, alb.ID, "members"), a.albSeed(c, alb.ID, "link"), a.albSeed(c, alb.ID, "only_me"),
	}
	// What must survive: carl's other album and his personal photo.
	other := a.albCreate(c, "Keep me")
	keep := []albSeed{a.albSeed(c, other.ID, "members"), a.albSeed(c, "", "")}
	a.albWaitReady(append(slices.Clone(items), keep...)...)
	a.do("PUT", path+"/cover", o.tok, map[string]string{"media_id": items[0].id}, 200, nil)
	invite, _ := a.albInvite(o, alb.ID, map[string]any{"role": "viewer", "max_uses": 5})

	// URLs handed out: each uploader's own, and every member's thumbnails.
	var urls []string
	for _, it := range items {
		urls = append(urls, a.getMedia(it.by.tok, it.id, 200).URLs["original"])
	}
	for _, u := range []user{o, c, v} {
		for _, it := range a.albItems(u, alb.ID, "limit=100").Items {
			urls = append(urls, it.ThumbURL)
		}
	}
	urls = append(urls, a.albGet(v, alb.ID).CoverThumbURL)
	for _, u := range urls {
		if st := albFetch(t, u); st != 200 {
			t.Fatalf("URL before dissolution: status %d", st)
		}
	}

	// From here on no worker runs: the dissolution task waits in Redis.
	a.restart("serve")
	// carl's last upload is still processing (only its raw upload exists).
	items = append(items, a.albSeed(c, alb.ID, "members"))
	before := map[string][]string{}
	objects := 0
	for _, it := range items {
		before[it.id] = a.albKeysOf(it.id)
		objects += len(before[it.id])
	}
	if objects != 5*4+1 {
		t.Fatalf("%d objects before dissolution, want 5 items x 4 variants + 1 raw upload", objects)
	}

	a.check("carl", "DELETE", path, c.tok, map[string]string{"confirm_title": title}, 403, "forbidden")
	a.check("olivia", "DELETE", path, o.tok, map[string]string{"confirm_title": "Farewell"}, 400, "confirm_mismatch")
	a.check("olivia", "DELETE", path, o.tok, nil, 400, "confirm_mismatch")
	var started struct {
		Status string `json:"status"`
	}
	a.do("DELETE", path, o.tok, map[string]string{"confirm_title": title}, 202, &started)
	if started.Status != "dissolving" {
		t.Errorf("202 body: %+v", started)
	}

	// At once, the album is gone for everyone: every request, every URL.
	for _, u := range []user{o, c, v} {
		for _, p := range []string{path, path + "/items", path + "/members", path + "/ranking"} {
			a.check(u.name, "GET", p, u.tok, nil, 404, "not_found")
		}
		if _, listed := a.albList(u)[alb.ID]; listed {
			t.Errorf("%s still lists the album", u.name)
		}
		a.refuse(u.tok, upfile{kind: "photo", albumID: alb.ID, data: a.photo()}, 404, "not_found")
	}
	for i, u := range urls {
		if st := albFetch(t, u); st != 404 {
			t.Errorf("URL %d handed out before: status %d, want 404", i, st)
		}
	}
	for _, it := range items {
		who := it.by.name + " on own " + it.String()
		a.check(who, "GET", "/v1/media/"+it.id, it.by.tok, nil, 404, "not_found")
		a.check(who, "PATCH", "/v1/media/"+it.id, it.by.tok, map[string]string{"visibility": "members"}, 404, "not_found")
		a.check(who, "DELETE", "/v1/media/"+it.id, it.by.tok, nil, 404, "not_found")
	}
	if diff := cmp.Diff(albSorted([]string{keep[0].id, keep[1].id}), albSorted(a.albMine(c))); diff != "" {
		t.Errorf("carl's GET /v1/me/media (-want +got):\n%s", diff)
	}
	a.check("olivia", "PATCH", path, o.tok, map[string]string{"title": "again"}, 404, "not_found")
	a.check("olivia", "DELETE", path, o.tok, map[string]string{"confirm_title": title}, 404, "not_found")
	a.check("vera", "GET", "/v1/invites/"+invite, v.tok, nil, 410, "invite_gone")
	a.check("vera", "POST", "/v1/invites/"+invite+"/accept", v.tok, nil, 410, "invite_gone")
	// Only the former owner follows the progress.
	if r := a.albReceipt(o, alb.ID); r.ItemsTotal != len(items) || r.ItemsDeleted != 0 || r.FinishedAt != nil {
		t.Errorf("progress before the task ran: %+v", r)
	}
	a.check("carl", "GET", path+"/dissolution", c.tok, nil, 404, "not_found")
	for _, u := range []user{o, c, v} {
		want := 1
		if u == o {
			want = 0
		}
		// Each member reads the notice through GET /v1/me/notifications.
		var notes struct {
			Notifications []struct {
				ID        string    `json:"id"`
				Kind      string    `json:"kind"`
				CreatedAt time.Time `json:"created_at"`
			} `json:"notifications"`
		}
		a.do("GET", "/v1/me/notifications", u.tok, nil, 200, &notes)
		// The album's life told them of joins and new items too: only
		// album_dissolved is counted here.
		n := 0
		for _, x := range notes.Notifications {
			if x.Kind == "album_dissolved" {
				n++
				if time.Since(x.CreatedAt) > time.Minute {
					t.Errorf("%s: album_dissolved created %v", u.name, x.CreatedAt)
				}
			}
		}
		if n != want {
			t.Errorf("%s reads notifications %+v, want %d album_dissolved", u.name, notes.Notifications, want)
		}
	}

	// The worker is killed half-way: batches of 2 items in id order; a lock
	// on the third item lets the first batch finish and stops the second
	// after its objects are removed but before its rows are (the third
	// batch's objects may go meanwhile), where the task is cancelled, as a
	// crash would end it.
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	ids = albSorted(ids)
	h := albums.NewService(albums.Config{DissolveBatch: 2}, a.pool, nil, nil, a.blob)
	bg := context.Background()
	lock, err := a.pool.Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(bg)
	if _, err := lock.Exec(bg, `SELECT id FROM media WHERE id = $1 FOR UPDATE`, ids[2]); err != nil {
		t.Fatal(err)
	}
	ctx, kill := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() { _, err := h.RunDissolution(ctx, alb.ID); done <- err }()
	blocked := poll(20*time.Second, func() bool {
		return a.count(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM media%'`) == 1
	})
	kill()
	err = <-done
	lock.Rollback(bg)
	if !blocked || err == nil {
		t.Fatalf("the task did not stop half-way (blocked %v, err %v)", blocked, err)
	}
	for i, id := range ids {
		rows := a.count(`SELECT count(*) FROM media WHERE id = $1`, id)
		keys := a.albKeysOf(id)
		switch {
		case i < 2 && (rows != 0 || len(keys) != 0):
			t.Errorf("item %d of the finished batch: %d rows, objects %v", i, rows, keys)
		case i >= 2 && i < 4 && (rows != 1 || len(keys) != 0):
			t.Errorf("item %d of the killed batch: %d rows, objects %v; want its row and none of its objects", i, rows, keys)
		case i >= 4 && i < 6 && (rows != 1 || (len(keys) != 0 && !slices.Equal(keys, before[id]))):
			// The next batch's objects go while the killed batch's rows
			// are deleted (pipelined); its rows always stay until then.
			t.Errorf("item %d of the batch after: %d rows, objects %v, want its row and no or all objects", i, rows, keys)
		case i >= 6 && (rows != 1 || !slices.Equal(keys, before[id])):
			t.Errorf("item %d not reached: %d rows, objects %v, want %v", i, rows, keys, before[id])
		}
	}
	if r := a.albReceipt(o, alb.ID); r.ItemsDeleted != 2 || r.FinishedAt != nil {
		t.Errorf("progress after the kill: %+v", r)
	}

	// The worker restarts and the queued task finishes the work.
	a.restart("all")
	var r albReceipt
	if !poll(30*time.Second, func() bool { r = a.albReceipt(o, alb.ID); return r.FinishedAt != nil }) {
		t.Fatalf("dissolution not finished within 30s: %+v", r)
	}
	// carl's processing upload had a task queued too. Once the rows are
	// gone a run that starts writes nothing; wait out one already running.
	a.albWaitGone(ids...)
	insp := a.inspector()
	if !poll(30*time.Second, func() bool {
		info, err := insp.GetTaskInfo(worker.QueueCritical, "process:"+items[len(items)-1].id)
		return err != nil || info.State != asynq.TaskStateActive
	}) {
		t.Fatalf("the processing task of the last upload is still running")
	}
	a.albWaitGone(ids...)
	albCheckRemains(t, a, alb.ID, keep)
	if r.ItemsTotal != len(items) || r.ItemsDeleted != len(items) || r.AlbumID != alb.ID {
		t.Errorf("receipt %+v, want %d items deleted of %d", r, len(items), len(items))
	}
	// Rows: the items, 3 memberships, 3 invitations and the album.
	if want := len(items) + 3 + 3 + 1; r.RowsDeleted != want {
		t.Errorf("receipt rows_deleted %d, want %d", r.RowsDeleted, want)
	}
	if r.ObjectsDeleted != objects {
		t.Errorf("receipt objects_deleted %d, want the %d objects that existed", r.ObjectsDeleted, objects)
	}

	// Running the task again changes nothing.
	if _, err := h.RunDissolution(bg, alb.ID); err != nil {
		t.Errorf("second run: %v", err)
	}
	if diff := cmp.Diff(r, a.albReceipt(o, alb.ID)); diff != "" {
		t.Errorf("receipt after a second run (-first +second):\n%s", diff)
	}
	albCheckRemains(t, a, alb.ID, keep)
	a.check("olivia", "GET", path, o.tok, nil, 404, "not_found")
	a.check("vera", "GET", "/v1/invites/"+invite, v.tok, nil, 404, "not_found")
	if n := a.count(`SELECT count(*) FROM notifications WHERE kind = 'album_dissolved'`); n != 2 {
		t.Errorf("%d album_dissolved notifications, want 2", n)
	}
}

// albCheckRemains checks nothing of the album is left and that what was
// kept is intact: the bucket holds exactly the kept items' objects.
func albCheckRemains(t *testing.T, a *engine, albumID string, keep []albSeed) {
	t.Helper()
	for table, sql := range map[string]string{
		"media":         `SELECT count(*) FROM media WHERE album_id = $1`,
		"album_members": `SELECT count(*) FROM album_members WHERE album_id = $1`,
		"invites":       `SELECT count(*) FROM invites WHERE album_id = $1`,
		"uploads":       `SELECT count(*) FROM uploads WHERE album_id = $1`,
		"albums":        `SELECT count(*) FROM albums WHERE id = $1`,
	} {
		if n := a.count(sql, albumID); n != 0 {
			t.Errorf("%d %s rows of the dissolved album left", n, table)
		}
	}
	var want []string
	for _, k := range keep {
		for _, v := range []string{"card", "original", "preview", "thumb"} {
			want = append(want, "media/"+k.id+"/"+v)
		}
		if m := a.getMedia(k.by.tok, k.id, 200); albFetch(t, m.URLs["thumb"]) != 200 {
			t.Errorf("kept item %s does not serve", k.id)
		}
	}
	got := append(testenv.Keys(t, a.blob, "media/"), testenv.Keys(t, a.blob, "incoming/")...)
	if diff := cmp.Diff(albSorted(want), albSorted(got)); diff != "" {
		t.Errorf("objects in the bucket (-want +got):\n%s", diff)
	}
}
