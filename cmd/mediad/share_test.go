package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/internal/signer"
	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/internal/testenv/metacheck"
)

// Share links, end to end through the JSON API: who may create which
// link, what a recipient sees (and never sees), passwords, downloads,
// opens, rate limits, and every way a link dies. One engine is shared by
// the subtests; each subtest makes its own links.

// shrLink is a link as its creator sees it (GET /v1/shares, POST /v1/shares).
type shrLink struct {
	ID            string     `json:"id"`
	AlbumID       *string    `json:"album_id"`
	MediaID       *string    `json:"media_id"`
	HasPassword   bool       `json:"has_password"`
	AllowDownload bool       `json:"allow_download"`
	ExpiresAt     time.Time  `json:"expires_at"`
	RevokedAt     *time.Time `json:"revoked_at"`
	Opens         int        `json:"opens"`
	LastOpenedDay *string    `json:"last_opened_day"`
}

type shrCreated struct {
	Share shrLink `json:"share"`
	Token string  `json:"token"`
	URL   string  `json:"url"`
}

// shrItem and shrView are what a recipient gets.
type shrItem struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"`
	Width       *int    `json:"width"`
	Height      *int    `json:"height"`
	Placeholder *string `json:"placeholder"`
	ThumbURL    string  `json:"thumb_url"`
	PreviewURL  string  `json:"preview_url"`
	VideoURL    string  `json:"video_url"`
	PosterURL   string  `json:"poster_url"`
	DownloadURL string  `json:"download_url"`
}

type shrView struct {
	Title         string    `json:"title"`
	Kind          string    `json:"kind"`
	ExpiresAt     time.Time `json:"expires_at"`
	AllowDownload bool      `json:"allow_download"`
	Items         []shrItem `json:"items"`
	NextCursor    string    `json:"next_cursor"`
}

func (v shrView) ids() []string {
	var out []string
	for _, it := range v.Items {
		out = append(out, it.ID)
	}
	sort.Strings(out)
	return out
}

func (v shrView) urls() []string {
	var out []string
	for _, it := range v.Items {
		for _, u := range []string{it.ThumbURL, it.PreviewURL, it.VideoURL, it.PosterURL, it.DownloadURL} {
			if u != "" {
				out = append(out, u)
			}
		}
	}
	return out
}

// shrCall sends a request to the engine (path) or anywhere (absolute URL)
// and returns status, headers and body without judging them.
func shrCall(t *testing.T, e *engine, method, target, tok string, hdr map[string]string, body any) (int, http.Header, []byte) {
	t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = e.base + target
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	return resp.StatusCode, resp.Header, b
}

// shrDo sends a JSON request, requires status want and decodes into out.
func shrDo(t *testing.T, e *engine, method, path, tok string, body any, want int, out any) []byte {
	t.Helper()
	status, _, b := shrCall(t, e, method, path, tok, nil, body)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d; body %.300s", method, path, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return b
}

// shrRefused requires status want with error code.
func shrRefused(t *testing.T, e *engine, method, path, tok string, body any, want int, code string) {
	t.Helper()
	b := shrDo(t, e, method, path, tok, body, want, nil)
	if got := errorCode(t, b); got != code {
		t.Fatalf("%s %s: code %q, want %q; body %s", method, path, got, code, b)
	}
}

// shrAlbum creates an album owned by owner with members joined by invite.
func shrAlbum(t *testing.T, e *engine, owner user, title string, members map[string][]user) string {
	t.Helper()
	var a struct {
		Album struct {
			ID string `json:"id"`
		} `json:"album"`
	}
	shrDo(t, e, "POST", "/v1/albums", owner.tok, map[string]string{"title": title}, 201, &a)
	for role, us := range members {
		var inv struct {
			Token string `json:"token"`
		}
		shrDo(t, e, "POST", "/v1/albums/"+a.Album.ID+"/invites", owner.tok,
			map[string]any{"role": role, "expires_in": 3600, "max_uses": 5}, 201, &inv)
		for _, u := range us {
			shrDo(t, e, "POST", "/v1/invites/"+inv.Token+"/accept", u.tok, nil, 200, nil)
		}
	}
	return a.Album.ID
}

// shrCreate makes a link as u and requires 201.
func shrCreate(t *testing.T, e *engine, u user, req map[string]any) shrCreated {
	t.Helper()
	var out shrCreated
	shrDo(t, e, "POST", "/v1/shares", u.tok, req, 201, &out)
	if out.Token == "" || out.Share.ID == "" {
		t.Fatalf("create link: no token or id")
	}
	return out
}

// shrOpen fetches a link's page as an anonymous recipient.
func shrOpen(t *testing.T, e *engine, token, unlock, query string) (int, []byte) {
	t.Helper()
	hdr := map[string]string{}
	if unlock != "" {
		hdr["X-Share-Unlock"] = unlock
	}
	status, _, b := shrCall(t, e, "GET", "/v1/public/shares/"+token+query, "", hdr, nil)
	return status, b
}

// shrView opens a link and requires 200.
func shrViewOf(t *testing.T, e *engine, token, unlock, query string) (shrView, []byte) {
	t.Helper()
	status, b := shrOpen(t, e, token, unlock, query)
	if status != 200 {
		t.Fatalf("open link: status %d, want 200; body %.300s", status, b)
	}
	var v shrView
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v, b
}

// shrDead requires the link to answer status with code, on the page and
// on unlock.
func shrDead(t *testing.T, e *engine, token string, status int, code string) {
	t.Helper()
	got, b := shrOpen(t, e, token, "", "")
	if got != status || errorCode(t, b) != code {
		t.Errorf("open: %d %.300s, want %d %s", got, b, status, code)
	}
	got, _, b = shrCall(t, e, "POST", "/v1/public/shares/"+token+"/unlock", "", nil, map[string]string{"password": "x"})
	if got != status || errorCode(t, b) != code {
		t.Errorf("unlock: %d %.300s, want %d %s", got, b, status, code)
	}
}

// shrFetch GETs a media URL and requires status.
func shrFetch(t *testing.T, e *engine, u string, want int) (http.Header, []byte) {
	t.Helper()
	status, h, b := shrCall(t, e, "GET", u, "", nil, nil)
	if status != want {
		t.Errorf("GET %s: status %d, want %d; body %.80q", shrShort(u), status, want, b)
	}
	return h, b
}

// shrShort drops the grant from a media URL for messages.
func shrShort(u string) string { p, _, _ := strings.Cut(u, "?"); return p }

// shrState is the world every subtest starts from.
type shrState struct {
	e                              *engine
	olivia, carl, vera, dora, otto user
	lake, doomed, team             string            // albums
	lakeTitle, doomedTitle         string            // their titles
	m                              map[string]string // label -> media id
	lakeLinked                     []string          // lake items a link shows, sorted
}

// shrSetup: "lake" (olivia owner, carl contributor, vera viewer) holds
// link, members and only_me items from two uploaders plus a failed one;
// "doomed" (olivia) will be dissolved; "team" (olivia owner, carl and
// dora contributors) loses carl and then dora; olivia keeps two items
// outside any album.
func shrSetup(t *testing.T, e *engine) *shrState {
	s := &shrState{e: e, m: map[string]string{}, lakeTitle: "Summer at the lake", doomedTitle: "Soon gone"}
	s.olivia, s.carl = e.signIn("OliviaShr"), e.signIn("CarlShr")
	s.vera, s.dora, s.otto = e.signIn("VeraShr"), e.signIn("DoraShr"), e.signIn("OttoShr")
	s.lake = shrAlbum(t, e, s.olivia, s.lakeTitle, map[string][]user{"contributor": {s.carl}, "viewer": {s.vera}})
	s.doomed = shrAlbum(t, e, s.olivia, s.doomedTitle, nil)
	s.team = shrAlbum(t, e, s.olivia, "Team", map[string][]user{"contributor": {s.carl, s.dora}})
	owners := map[string]user{}
	for _, u := range []struct {
		label string
		who   user
		rel   string
		album string
		vis   string
	}{
		{"o-link", s.olivia, "images/gps/DSCN0010.jpg", s.lake, "link"},
		{"o-trailer", s.olivia, "images/crafted/iptc_comment_trailer.jpg", s.lake, "link"},
		{"o-members", s.olivia, "images/orientation/landscape_1.jpg", s.lake, "members"},
		{"o-only", s.olivia, "images/orientation/landscape_2.jpg", s.lake, "only_me"},
		{"o-failed", s.olivia, "images/hostile/png_144mp_bomb.png", s.lake, "link"},
		{"c-link", s.carl, "images/gps/DSCN0012.jpg", s.lake, "link"},
		{"c-xmp", s.carl, "images/crafted/xmp_first_orientation6.jpg", s.lake, "link"},
		{"c-members", s.carl, "images/orientation/landscape_3.jpg", s.lake, "members"},
		{"c-only", s.carl, "images/orientation/landscape_4.jpg", s.lake, "only_me"},
		{"d-link", s.olivia, "images/gps/DSCN0021.jpg", s.doomed, "link"},
		{"t-carl", s.carl, "images/orientation/landscape_5.jpg", s.team, "link"},
		{"t-dora", s.dora, "images/orientation/landscape_6.jpg", s.team, "link"},
		{"p-delete", s.olivia, "images/orientation/landscape_7.jpg", "", "link"},
		{"p-hide", s.olivia, "images/orientation/landscape_8.jpg", "", "link"},
	} {
		f := fixtureFile(t, u.rel)
		f.albumID, f.visibility, f.partType = u.album, u.vis, "image/jpeg"
		s.m[u.label] = e.uploadOK(u.who.tok, f).ID
		owners[s.m[u.label]] = u.who
	}
	for id, u := range owners {
		want := "ready"
		if id == s.m["o-failed"] {
			want = "failed"
		}
		if m := e.waitSettled(u.tok, 45*time.Second, id)[id]; m.Status != want {
			t.Fatalf("media %s: status %s, want %s", id, m.Status, want)
		}
	}
	s.lakeLinked = []string{s.m["o-link"], s.m["o-trailer"], s.m["c-link"], s.m["c-xmp"]}
	sort.Strings(s.lakeLinked)
	return s
}

func (s *shrState) albumLink(t *testing.T, u user, album string, extra map[string]any) shrCreated {
	t.Helper()
	return shrCreate(t, s.e, u, shrReq("album_id", album, extra))
}

func (s *shrState) itemLink(t *testing.T, u user, label string, extra map[string]any) shrCreated {
	t.Helper()
	return shrCreate(t, s.e, u, shrReq("media_id", s.m[label], extra))
}

// shrReq is a create request for one target, valid for an hour unless
// extra says otherwise.
func shrReq(key, id string, extra map[string]any) map[string]any {
	req := map[string]any{key: id, "expires_in": 3600}
	for k, v := range extra {
		req[k] = v
	}
	return req
}

func TestShareLinks(t *testing.T) {
	e := startEngine(t, "all", nil)
	s := shrSetup(t, e)
	t.Run("who may create which link", s.testCreateRights)
	t.Run("expiry default and bounds", s.testExpiry)
	t.Run("token is long, shown once, stored hashed", s.testToken)
	t.Run("recipient sees link items only, nothing about people", s.testRecipientView)
	t.Run("visibility change hides an item at the next request", s.testVisibilitySwitch)
	t.Run("download only when allowed, neutral name", s.testDownload)
	t.Run("served bytes carry no metadata", s.testServedClean)
	t.Run("password", s.testPassword)
	t.Run("password lockout", s.testLockout)
	t.Run("signed media urls need a valid grant", s.testGrants)
	t.Run("opens per day", s.testOpens)
	t.Run("list and revoke", s.testListRevoke)
	t.Run("a link dies", s.testDeaths)
}

// Album links: owner or contributor (non-member 404, viewer 403). Item
// links: the uploader only (anyone else 404), ready and visibility link
// only (else 409).
func (s *shrState) testCreateRights(t *testing.T) {
	e := s.e
	album := func(id string) map[string]any { return shrReq("album_id", id, nil) }
	item := func(label string) map[string]any { return shrReq("media_id", s.m[label], nil) }
	for _, c := range []struct {
		name   string
		who    user
		req    map[string]any
		status int
		code   string
	}{
		{"outsider, album", s.otto, album(s.lake), 404, "not_found"},
		{"viewer, album", s.vera, album(s.lake), 403, "forbidden"},
		{"contributor, album they do not belong to", s.carl, album(s.doomed), 404, "not_found"},
		{"unknown album", s.olivia, album("0123456789abcdef0123456789abcdef"), 404, "not_found"},
		{"owner, item someone else uploaded", s.olivia, item("c-link"), 404, "not_found"},
		{"contributor, item someone else uploaded", s.carl, item("o-link"), 404, "not_found"},
		{"viewer, item", s.vera, item("c-link"), 404, "not_found"},
		{"outsider, item", s.otto, item("o-link"), 404, "not_found"},
		{"uploader, members item", s.olivia, item("o-members"), 409, "not_shareable"},
		{"uploader, only_me item", s.carl, item("c-only"), 409, "not_shareable"},
		{"uploader, failed item", s.olivia, item("o-failed"), 409, "not_shareable"},
		{"both targets", s.olivia, map[string]any{"album_id": s.lake, "media_id": s.m["o-link"]}, 400, "invalid_target"},
		{"no target", s.olivia, map[string]any{"expires_in": 3600}, 400, "invalid_target"},
	} {
		shrRefusedT(t, e, c.name, c.who, c.req, c.status, c.code)
	}
	before := shrCount(t, e, `SELECT count(*) FROM shares`)
	for _, c := range []struct {
		who user
		req map[string]any
	}{{s.olivia, album(s.lake)}, {s.carl, album(s.lake)}, {s.olivia, item("o-link")}, {s.carl, item("c-link")}} {
		l := shrCreate(t, e, c.who, c.req).Share
		if (l.AlbumID != nil) != (c.req["album_id"] != nil) || (l.MediaID != nil) != (c.req["media_id"] != nil) {
			t.Errorf("%s: created %+v for %v", c.who.name, l, c.req)
		}
	}
	if n := shrCount(t, e, `SELECT count(*) FROM shares`); n != before+4 {
		t.Errorf("shares rows: %d, want %d (refusals must store nothing)", n, before+4)
	}
}

// shrRefusedT posts a create request that must be refused.
func shrRefusedT(t *testing.T, e *engine, name string, who user, req map[string]any, status int, code string) {
	t.Helper()
	got, _, b := shrCall(t, e, "POST", "/v1/shares", who.tok, nil, req)
	if got != status || errorCode(t, b) != code {
		t.Errorf("%s: %d %.300s, want %d %s", name, got, b, status, code)
	}
}

// expires_in defaults to 7 days and may not exceed 90.
func (s *shrState) testExpiry(t *testing.T) {
	e, day := s.e, 24*time.Hour
	near := func(got, want time.Time) bool { return got.Sub(want).Abs() < time.Minute }
	l := shrCreate(t, e, s.olivia, map[string]any{"album_id": s.lake}).Share
	if !near(l.ExpiresAt, time.Now().Add(7*day)) {
		t.Errorf("default expiry %v, want about 7 days from now", l.ExpiresAt)
	}
	l = shrCreate(t, e, s.olivia, map[string]any{"album_id": s.lake, "expires_in": 90 * 86400}).Share
	if !near(l.ExpiresAt, time.Now().Add(90*day)) {
		t.Errorf("90-day expiry %v", l.ExpiresAt)
	}
	for _, secs := range []int64{90*86400 + 1, 365 * 86400, -60, 1 << 40} {
		shrRefusedT(t, e, fmt.Sprintf("expires_in %d", secs), s.olivia,
			map[string]any{"album_id": s.lake, "expires_in": secs}, 400, "invalid_expiry")
	}
}

var shrTokenShape = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// The token carries at least 128 random bits, is URL-safe, appears only
// in the create response and is stored as its SHA-256 alone.
func (s *shrState) testToken(t *testing.T) {
	e := s.e
	a := s.albumLink(t, s.olivia, s.lake, nil)
	b := s.albumLink(t, s.olivia, s.lake, nil)
	for _, c := range []shrCreated{a, b} {
		raw, err := base64.RawURLEncoding.DecodeString(c.Token)
		if !shrTokenShape.MatchString(c.Token) || err != nil || len(raw)*8 < 128 {
			t.Errorf("token %q: not URL-safe base64 of >= 128 bits (%d bytes, %v)", c.Token, len(raw), err)
		}
		if !strings.HasSuffix(c.URL, "/"+c.Token) {
			t.Errorf("url %q does not carry the token", c.URL)
		}
		var hash []byte
		var row string
		if err := e.pool.QueryRow(context.Background(), `SELECT token_hash, s::text FROM shares s WHERE id = $1`,
			c.Share.ID).Scan(&hash, &row); err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256([]byte(c.Token)); !bytes.Equal(hash, sum[:]) {
			t.Errorf("token_hash %x, want sha256(token) %x", hash, sum)
		}
		if strings.Contains(row, c.Token) {
			t.Errorf("shares row holds the plaintext token: %s", row)
		}
	}
	if a.Token == b.Token {
		t.Error("two links got the same token")
	}
	list := shrDo(t, e, "GET", "/v1/shares", s.olivia.tok, nil, 200, nil)
	if !bytes.Contains(list, []byte(a.Share.ID)) {
		t.Errorf("GET /v1/shares misses link %s", a.Share.ID)
	}
	for _, c := range []shrCreated{a, b} {
		if bytes.Contains(list, []byte(c.Token)) {
			t.Error("GET /v1/shares shows a token again")
		}
	}
	// A token of the right shape that was never issued.
	status, body := shrOpen(t, e, strings.Repeat("A", len(a.Token)), "", "")
	if status != 404 || errorCode(t, body) != "not_found" {
		t.Errorf("unknown token: %d %.300s, want 404 not_found", status, body)
	}
	if status, _ := shrOpen(t, e, "short", "", ""); status != 404 {
		t.Errorf("malformed token: %d, want 404", status)
	}
}

var (
	shrViewKeys = []string{"allow_download", "expires_at", "items", "kind", "next_cursor", "title"}
	shrItemKeys = []string{"download_url", "height", "id", "placeholder", "poster_url", "preview_url", "thumb_url",
		"type", "video_url", "width"}
	shrDateLike = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
)

// shrCheckAnonymous fails when a recipient's page carries more than the
// allowed keys, a date other than expires_at, or anything that names a
// person or the original file.
func (s *shrState) shrCheckAnonymous(t *testing.T, body []byte) {
	t.Helper()
	var v map[string]json.RawMessage
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(v)); !slices.Equal(got, shrViewKeys) {
		t.Errorf("page keys %v, want %v", got, shrViewKeys)
	}
	var items []map[string]any
	json.Unmarshal(v["items"], &items)
	for _, it := range items {
		for k, val := range it {
			if !slices.Contains(shrItemKeys, k) {
				t.Errorf("item key %q not allowed", k)
			}
			if str, ok := val.(string); ok && !strings.HasSuffix(k, "_url") && shrDateLike.MatchString(str) {
				t.Errorf("item %s = %q looks like a date", k, str)
			}
		}
	}
	for _, k := range []string{"title", "kind", "next_cursor"} {
		if shrDateLike.Match(v[k]) {
			t.Errorf("%s = %s looks like a date", k, v[k])
		}
	}
	// Grants and ThumbHashes are random base64: look for words only in
	// the rest, and for ids and nicknames everywhere.
	for _, it := range items {
		for k := range it {
			if strings.HasSuffix(k, "_url") || k == "placeholder" {
				it[k] = ""
			}
		}
	}
	page := maps.Clone(v)
	delete(page, "items")
	scrubbed, _ := json.Marshal(map[string]any{"page": page, "items": items})
	for _, w := range []string{"dscn", "iptc_comment", "xmp_first", "landscape", ".jpg", ".png", "nickname", "owner",
		"member", "created", "uploaded", "exif", "gps", "hangzhou", "sn123456"} {
		if bytes.Contains(bytes.ToLower(scrubbed), []byte(w)) {
			t.Errorf("recipient page contains %q: %s", w, scrubbed)
		}
	}
	for _, u := range []user{s.olivia, s.carl, s.vera, s.dora, s.otto} {
		if bytes.Contains(body, []byte(u.id)) || bytes.Contains(body, []byte(u.name)) {
			t.Errorf("recipient page names user %s (%s): %s", u.name, u.id, body)
		}
	}
}

// An album link lists only ready items with visibility link, from every
// uploader, with no identities, dates, file names or member list; an item
// link shows just its item.
func (s *shrState) testRecipientView(t *testing.T) {
	e := s.e
	l := s.albumLink(t, s.carl, s.lake, nil)
	v, body := shrViewOf(t, e, l.Token, "", "")
	if diff := cmp.Diff(s.lakeLinked, v.ids()); diff != "" {
		t.Errorf("listed items (-want +got):\n%s", diff)
	}
	if v.Title != s.lakeTitle || v.Kind != "album" || v.AllowDownload || v.NextCursor != "" ||
		!v.ExpiresAt.Equal(l.Share.ExpiresAt) {
		t.Errorf("page %+v", v)
	}
	s.shrCheckAnonymous(t, body)
	for _, it := range v.Items {
		if it.Type != "photo" || it.Width == nil || it.Height == nil || it.DownloadURL != "" || it.VideoURL != "" {
			t.Errorf("item %+v", it)
		}
		for variant, u := range map[string]string{"thumb": it.ThumbURL, "preview": it.PreviewURL} {
			if !strings.HasPrefix(u, e.base+"/f/"+it.ID+"/"+variant+"?t=") {
				t.Errorf("%s url %q", variant, u)
			}
			h, b := shrFetch(t, e, u, 200)
			if h.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
				t.Errorf("%s of %s: %s, %d bytes", variant, it.ID, h.Get("Content-Type"), len(b))
			}
		}
	}
	status, hdr, _ := shrCall(t, e, "GET", "/v1/public/shares/"+l.Token, "", nil, nil)
	if status != 200 || hdr.Get("Cache-Control") != "no-store" || hdr.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("page headers: %d Cache-Control %q Referrer-Policy %q", status, hdr.Get("Cache-Control"), hdr.Get("Referrer-Policy"))
	}

	// Pages of two: every linked item exactly once.
	p1, _ := shrViewOf(t, e, l.Token, "", "?limit=2")
	if len(p1.Items) != 2 || p1.NextCursor == "" {
		t.Fatalf("first page of 2: %d items, cursor %q", len(p1.Items), p1.NextCursor)
	}
	p2, body2 := shrViewOf(t, e, l.Token, "", "?limit=2&cursor="+url.QueryEscape(p1.NextCursor))
	s.shrCheckAnonymous(t, body2)
	got := append(p1.ids(), p2.ids()...)
	sort.Strings(got)
	if diff := cmp.Diff(s.lakeLinked, got); diff != "" || p2.NextCursor != "" {
		t.Errorf("paged items (-want +got):\n%s cursor %q", diff, p2.NextCursor)
	}

	il := s.itemLink(t, s.olivia, "o-trailer", nil)
	iv, ibody := shrViewOf(t, e, il.Token, "", "")
	if iv.Kind != "item" || len(iv.Items) != 1 || iv.Items[0].ID != s.m["o-trailer"] {
		t.Errorf("item link page %s", ibody)
	}
	if iv.Title == s.lakeTitle {
		t.Errorf("item link shows the album title %q", iv.Title)
	}
	s.shrCheckAnonymous(t, ibody)
}

// Switching an item to members hides it from album links at the next
// request, and the URLs already handed out for it stop working.
func (s *shrState) testVisibilitySwitch(t *testing.T) {
	e := s.e
	l := s.albumLink(t, s.olivia, s.lake, map[string]any{"allow_download": true})
	v, _ := shrViewOf(t, e, l.Token, "", "")
	var handed []string
	for _, it := range v.Items {
		if it.ID == s.m["c-link"] {
			handed = []string{it.ThumbURL, it.PreviewURL, it.DownloadURL}
		}
	}
	if len(handed) == 0 {
		t.Fatalf("c-link not listed before the switch: %v", v.ids())
	}
	for _, u := range handed {
		shrFetch(t, e, u, 200)
	}
	setVis := func(vis string) {
		shrDo(t, e, "PATCH", "/v1/media/"+s.m["c-link"], s.carl.tok, map[string]string{"visibility": vis}, 200, nil)
	}
	setVis("members")
	t.Cleanup(func() { setVis("link") })
	v, _ = shrViewOf(t, e, l.Token, "", "")
	if slices.Contains(v.ids(), s.m["c-link"]) || len(v.Items) != len(s.lakeLinked)-1 {
		t.Errorf("after switching to members the link lists %v", v.ids())
	}
	for _, u := range handed {
		shrFetch(t, e, u, 404)
	}
	setVis("link")
	v, _ = shrViewOf(t, e, l.Token, "", "")
	if diff := cmp.Diff(s.lakeLinked, v.ids()); diff != "" {
		t.Errorf("after switching back (-want +got):\n%s", diff)
	}
}

// shrSigner signs grants with the engine's key, to show what the server
// re-checks beyond the signature.
func shrSigner(t *testing.T, e *engine) *signer.Signer {
	t.Helper()
	key, err := hex.DecodeString(e.env["MEDIA_URL_SIGNING_KEY"])
	if err != nil {
		t.Fatal(err)
	}
	sg, err := signer.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return sg
}

// shrSwapVariant moves a signed URL to another variant, keeping its grant.
func shrSwapVariant(u, from, to string) string {
	return strings.Replace(u, "/"+from+"?t=", "/"+to+"?t=", 1)
}

// download_url exists only on links that allow downloads; it serves the
// stripped original as an attachment named photo.jpg. Without the
// permission no variant swap or server-signed grant gets the original.
func (s *shrState) testDownload(t *testing.T) {
	e := s.e
	yes := s.albumLink(t, s.olivia, s.lake, map[string]any{"allow_download": true})
	v, _ := shrViewOf(t, e, yes.Token, "", "")
	if !v.AllowDownload || !yes.Share.AllowDownload {
		t.Errorf("allow_download not reported: page %v, link %v", v.AllowDownload, yes.Share.AllowDownload)
	}
	raw, err := os.ReadFile(testenv.Testdata(t, "images/gps/DSCN0010.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range v.Items {
		if !strings.HasPrefix(it.DownloadURL, e.base+"/f/"+it.ID+"/download?t=") {
			t.Errorf("item %s download_url %q", it.ID, it.DownloadURL)
			continue
		}
		h, b := shrFetch(t, e, it.DownloadURL, 200)
		if cd := h.Get("Content-Disposition"); cd != `attachment; filename="photo.jpg"` {
			t.Errorf("Content-Disposition %q, want attachment; filename=\"photo.jpg\"", cd)
		}
		if h.Get("Content-Type") != "image/jpeg" {
			t.Errorf("download Content-Type %q", h.Get("Content-Type"))
		}
		// The listing gives upright dimensions; the original keeps its
		// pixels and an Orientation tag (6 for c-xmp: stored sideways).
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if it.ID == s.m["c-xmp"] {
			cfg.Width, cfg.Height = cfg.Height, cfg.Width
		}
		if err != nil || cfg.Width != shrInt(it.Width) || cfg.Height != shrInt(it.Height) {
			t.Errorf("download of %s: %dx%d (%v), listed as %dx%d", it.ID, cfg.Width, cfg.Height, err, shrInt(it.Width), shrInt(it.Height))
		}
		if bytes.Equal(b, raw) {
			t.Errorf("download of %s is the raw upload", it.ID)
		}
	}
	il := s.itemLink(t, s.olivia, "o-link", map[string]any{"allow_download": true})
	iv, _ := shrViewOf(t, e, il.Token, "", "")
	if len(iv.Items) != 1 || iv.Items[0].DownloadURL == "" {
		t.Fatalf("item link with downloads: %+v", iv)
	}
	shrFetch(t, e, iv.Items[0].DownloadURL, 200)

	no := s.albumLink(t, s.olivia, s.lake, nil)
	nv, body := shrViewOf(t, e, no.Token, "", "")
	if nv.AllowDownload || bytes.Contains(body, []byte("download_url")) {
		t.Errorf("link without downloads offers them: %s", body)
	}
	sg := shrSigner(t, e)
	for _, it := range nv.Items {
		for _, to := range []string{"download", "original", "preview", "card"} {
			u := shrSwapVariant(it.ThumbURL, "thumb", to)
			status, _, b := shrCall(t, e, "GET", u, "", nil, nil)
			if status != 403 || errorCode(t, b) != "invalid_signature" {
				t.Errorf("thumb grant of %s used for %s: %d %.300s, want 403 invalid_signature", it.ID, to, status, b)
			}
		}
		// Even a correctly signed download grant for this link is refused:
		// the server re-checks allow_download on every request.
		tok := sg.Sign(signer.Grant{MediaID: it.ID, Variant: "download", Viewer: "l:" + no.Share.ID, Expires: time.Now().Add(time.Minute)})
		shrFetch(t, e, e.base+"/f/"+it.ID+"/download?t="+tok, 404)
	}
}

// Thumbnails, previews and downloads fetched through a link carry nothing
// the allow-list oracle does not accept (internal/testenv/metacheck): no
// GPS, XMP, IPTC, maker notes, serial numbers, comments or trailers.
func (s *shrState) testServedClean(t *testing.T) {
	e := s.e
	// The raw fixtures first: the check must see their leaks.
	for _, rel := range []string{"images/gps/DSCN0010.jpg", "images/crafted/iptc_comment_trailer.jpg",
		"images/crafted/xmp_first_orientation6.jpg"} {
		if bad := metacheck.Dirty(t, testenv.Testdata(t, rel)); len(bad) == 0 {
			t.Errorf("exiftool check is blind: raw %s shows no leak", rel)
		}
	}
	label := map[string]string{}
	for l, id := range s.m {
		label[id] = l
	}
	l := s.albumLink(t, s.carl, s.lake, map[string]any{"allow_download": true})
	v, _ := shrViewOf(t, e, l.Token, "", "")
	if len(v.Items) != len(s.lakeLinked) {
		t.Fatalf("link lists %d items, want %d", len(v.Items), len(s.lakeLinked))
	}
	served := map[string][]byte{}
	for _, it := range v.Items {
		for variant, u := range map[string]string{"thumb": it.ThumbURL, "preview": it.PreviewURL, "download": it.DownloadURL} {
			_, b := shrFetch(t, e, u, 200)
			served[label[it.ID]+"-"+variant+".jpg"] = b
		}
	}
	metacheck.AssertClean(t, served)
}

// shrUnlock posts a password and returns status and body.
func shrUnlock(t *testing.T, e *engine, token, password string) (int, []byte) {
	t.Helper()
	status, _, b := shrCall(t, e, "POST", "/v1/public/shares/"+token+"/unlock", "", nil, map[string]string{"password": password})
	return status, b
}

func shrUnlockOK(t *testing.T, e *engine, token, password string) string {
	t.Helper()
	status, b := shrUnlock(t, e, token, password)
	var out struct {
		UnlockToken string `json:"unlock_token"`
	}
	if status != 200 || json.Unmarshal(b, &out) != nil || out.UnlockToken == "" {
		t.Fatalf("unlock: %d %.300s, want 200 with unlock_token", status, b)
	}
	return out.UnlockToken
}

// shrRedisKeys lists every key of the engine's Redis database.
func shrRedisKeys(t *testing.T) []string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t), DB: redisDB})
	defer c.Close()
	keys, err := c.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// A password link shows nothing before POST .../unlock; the unlock token
// works for its own link only; the password is kept as a bcrypt hash.
func (s *shrState) testPassword(t *testing.T) {
	e := s.e
	const pw, otherPw = "lake-secret-42", "other-pass-99"
	var l1 shrCreated
	created := shrDo(t, e, "POST", "/v1/shares", s.olivia.tok,
		shrReq("album_id", s.lake, map[string]any{"password": pw, "allow_download": true}), 201, &l1)
	if bytes.Contains(created, []byte(pw)) {
		t.Errorf("create response echoes the password: %s", created)
	}
	l2 := s.itemLink(t, s.olivia, "o-link", map[string]any{"password": otherPw})
	if !l1.Share.HasPassword || !l2.Share.HasPassword {
		t.Errorf("has_password not set: %+v %+v", l1.Share, l2.Share)
	}
	var hash []byte
	var row string
	if err := e.pool.QueryRow(context.Background(), `SELECT password_hash, s::text FROM shares s WHERE id = $1`,
		l1.Share.ID).Scan(&hash, &row); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(hash, []byte("$2")) || bcrypt.CompareHashAndPassword(hash, []byte(pw)) != nil {
		t.Errorf("password_hash %q is not a bcrypt hash of the password", hash)
	}
	if n := shrCount(t, e, `SELECT count(*) FROM shares s WHERE strpos(s::text, $1) > 0`, pw); n != 0 || strings.Contains(row, pw) {
		t.Errorf("the plaintext password is stored in shares")
	}

	for name, unlock := range map[string]string{"no unlock": "", "garbage unlock": "x.y"} {
		status, b := shrOpen(t, e, l1.Token, unlock, "")
		if status != 401 || errorCode(t, b) != "password_required" {
			t.Errorf("%s: %d %.300s, want 401 password_required", name, status, b)
		}
	}
	if status, b := shrUnlock(t, e, l1.Token, "not-it"); status != 401 || errorCode(t, b) != "wrong_password" {
		t.Errorf("wrong password: %d %.300s, want 401 wrong_password", status, b)
	}
	u1, u2 := shrUnlockOK(t, e, l1.Token, pw), shrUnlockOK(t, e, l2.Token, otherPw)
	v, _ := shrViewOf(t, e, l1.Token, u1, "")
	if diff := cmp.Diff(s.lakeLinked, v.ids()); diff != "" {
		t.Errorf("unlocked page (-want +got):\n%s", diff)
	}
	for _, u := range v.urls() {
		shrFetch(t, e, u, 200)
	}
	for name, c := range map[string][2]string{"l2's unlock on l1": {l1.Token, u2}, "l1's unlock on l2": {l2.Token, u1}} {
		status, b := shrOpen(t, e, c[0], c[1], "")
		if status != 401 || errorCode(t, b) != "password_required" {
			t.Errorf("%s: %d %.300s, want 401 password_required", name, status, b)
		}
	}
	// The unlock token is no media grant.
	shrFetch(t, e, e.base+"/f/"+s.m["o-link"]+"/thumb?t="+url.QueryEscape(u1), 403)
	shrFetch(t, e, e.base+"/f/"+l1.Share.ID+"/unlock?t="+url.QueryEscape(u1), 404)

	list := shrDo(t, e, "GET", "/v1/shares", s.olivia.tok, nil, 200, nil)
	if bytes.Contains(list, []byte(pw)) || bytes.Contains(list, hash) {
		t.Error("GET /v1/shares shows the password or its hash")
	}
	for _, k := range shrRedisKeys(t) {
		if strings.Contains(k, pw) || strings.Contains(k, l1.Token) {
			t.Errorf("redis key %q holds the password or token", k)
		}
	}
	if l := shrFind(t, e, s.olivia, l1.Share.ID); l.Opens != 1 {
		t.Errorf("opens %d after one unlocked open and three refused ones, want 1", l.Opens)
	}
}

// shrFind returns one of u's links from GET /v1/shares.
func shrFind(t *testing.T, e *engine, u user, id string) shrLink {
	t.Helper()
	var out struct {
		Shares []shrLink `json:"shares"`
	}
	shrDo(t, e, "GET", "/v1/shares", u.tok, nil, 200, &out)
	for _, l := range out.Shares {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("GET /v1/shares as %s misses link %s", u.name, id)
	return shrLink{}
}

// After 5 tries within 15 minutes from one network, even the right
// password is refused with 429 and a Retry-After.
func (s *shrState) testLockout(t *testing.T) {
	e := s.e
	const pw = "right-one-7"
	l := s.albumLink(t, s.olivia, s.lake, map[string]any{"password": pw})
	wrong := func(i int) {
		t.Helper()
		if status, b := shrUnlock(t, e, l.Token, fmt.Sprintf("guess-%d", i)); status != 401 || errorCode(t, b) != "wrong_password" {
			t.Fatalf("wrong try %d: %d %.300s, want 401 wrong_password", i, status, b)
		}
	}
	for i := range 3 {
		wrong(i + 1)
	}
	shrUnlockOK(t, e, l.Token, pw) // every try counts, the right one too: four so far
	wrong(4)
	for i := range 2 {
		status, hdr, b := shrCall(t, e, "POST", "/v1/public/shares/"+l.Token+"/unlock", "", nil, map[string]string{"password": pw})
		if status != 429 || errorCode(t, b) != "rate_limited" || hdr.Get("Retry-After") == "" {
			t.Errorf("right password #%d after 5 tries: %d Retry-After %q %.300s, want 429 rate_limited with Retry-After",
				i+1, status, hdr.Get("Retry-After"), b)
		}
	}
	if status, _ := shrOpen(t, e, l.Token, "", ""); status != 401 {
		t.Errorf("page of the locked link without unlock: %d, want 401", status)
	}
}

// /f/ URLs work only with an intact grant issued for that item and
// variant, and only while the link still shows the item.
func (s *shrState) testGrants(t *testing.T) {
	e := s.e
	l := s.albumLink(t, s.olivia, s.lake, nil)
	v, _ := shrViewOf(t, e, l.Token, "", "")
	it := v.Items[0]
	other := v.Items[1]
	path, q, _ := strings.Cut(it.ThumbURL, "?t=")
	grant, _ := url.QueryUnescape(q)
	payload, mac, _ := strings.Cut(grant, ".")
	flip := func(s string) string {
		b := []byte(s)
		if b[len(b)/2] == 'A' {
			b[len(b)/2] = 'B'
		} else {
			b[len(b)/2] = 'A'
		}
		return string(b)
	}
	for name, u := range map[string]string{
		"no grant":         path,
		"empty grant":      path + "?t=",
		"tampered mac":     path + "?t=" + payload + "." + flip(mac),
		"tampered payload": path + "?t=" + flip(payload) + "." + mac,
		"other item":       e.base + "/f/" + other.ID + "/thumb?t=" + q,
	} {
		status, _, b := shrCall(t, e, "GET", u, "", nil, nil)
		if status != 403 || errorCode(t, b) != "invalid_signature" {
			t.Errorf("%s: %d %.300s, want 403 invalid_signature", name, status, b)
		}
	}
	shrFetch(t, e, it.ThumbURL, 200)
	// Correctly signed grants the link was never given are re-checked.
	sg := shrSigner(t, e)
	sign := func(id, viewer string, exp time.Duration) string {
		return e.base + "/f/" + id + "/thumb?t=" + sg.Sign(signer.Grant{MediaID: id, Variant: "thumb", Viewer: viewer, Expires: time.Now().Add(exp)})
	}
	shrFetch(t, e, sign(s.m["c-members"], "l:"+l.Share.ID, time.Minute), 404) // members item of the album
	shrFetch(t, e, sign(s.m["o-only"], "l:"+l.Share.ID, time.Minute), 404)    // only_me item
	shrFetch(t, e, sign(s.m["t-dora"], "l:"+l.Share.ID, time.Minute), 404)    // other album
	shrFetch(t, e, sign(it.ID, "l:0123456789abcdef0123456789abcdef", time.Minute), 404)
	shrFetch(t, e, sign(it.ID, "l:"+l.Share.ID, -time.Second), 403) // expired
}

// shrCount runs a count query on the engine's database.
func shrCount(t *testing.T, e *engine, sql string, args ...any) int {
	t.Helper()
	return dbtest.Count(t, e.pool, sql, args...)
}

// shrColumns lists a table's columns, sorted.
func shrColumns(t *testing.T, e *engine, table string) []string {
	t.Helper()
	rows, err := e.pool.Query(context.Background(),
		`SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY column_name`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		rows.Scan(&c)
		cols = append(cols, c)
	}
	return cols
}

// Each first page opened counts one open for today (a number and a day);
// nothing about who opened is stored.
func (s *shrState) testOpens(t *testing.T) {
	e := s.e
	l := s.albumLink(t, s.carl, s.lake, nil)
	if got := shrFind(t, e, s.carl, l.Share.ID); got.Opens != 0 || got.LastOpenedDay != nil {
		t.Errorf("new link: opens %d, last day %q", got.Opens, shrStr(got.LastOpenedDay))
	}
	shrViewOf(t, e, l.Token, "", "")
	shrViewOf(t, e, l.Token, "", "")
	p, _ := shrViewOf(t, e, l.Token, "", "?limit=1")
	shrViewOf(t, e, l.Token, "", "?limit=1&cursor="+url.QueryEscape(p.NextCursor)) // a next page is no new open
	today := time.Now().UTC().Format("2006-01-02")
	got := shrFind(t, e, s.carl, l.Share.ID)
	if got.Opens != 3 || got.LastOpenedDay == nil || *got.LastOpenedDay != today {
		t.Errorf("after 3 opens: opens %d, last day %q; want 3, %s", got.Opens, shrStr(got.LastOpenedDay), today)
	}
	if diff := cmp.Diff([]string{"day", "opens", "share_id"}, shrColumns(t, e, "share_opens")); diff != "" {
		t.Errorf("share_opens columns (-want +got):\n%s", diff)
	}
	var day string
	var opens int
	if err := e.pool.QueryRow(context.Background(), `SELECT day::text, opens FROM share_opens WHERE share_id = $1`,
		l.Share.ID).Scan(&day, &opens); err != nil || day != today || opens != 3 {
		t.Errorf("share_opens row: %s %d (%v), want %s 3", day, opens, err, today)
	}
	for _, c := range shrColumns(t, e, "shares") {
		for _, w := range []string{"ip", "addr", "agent", "referer", "ua"} {
			if strings.Contains(c, w) && c != "expires_at" {
				t.Errorf("shares has column %q", c)
			}
		}
	}
}

// GET /v1/shares lists the caller's links only; DELETE is for the
// creator or the album's owner, anyone else gets 404.
func (s *shrState) testListRevoke(t *testing.T) {
	e := s.e
	c1, c2 := s.albumLink(t, s.carl, s.lake, nil), s.albumLink(t, s.carl, s.lake, nil)
	o1 := s.itemLink(t, s.olivia, "o-link", nil)
	var mine struct {
		Shares []shrLink `json:"shares"`
	}
	shrDo(t, e, "GET", "/v1/shares", s.carl.tok, nil, 200, &mine)
	var ids []string
	for _, l := range mine.Shares {
		ids = append(ids, l.ID)
	}
	if !slices.Contains(ids, c1.Share.ID) || !slices.Contains(ids, c2.Share.ID) || slices.Contains(ids, o1.Share.ID) {
		t.Errorf("carl's list %v: want c1, c2 and not olivia's link", ids)
	}
	if b := shrDo(t, e, "GET", "/v1/shares", s.vera.tok, nil, 200, nil); bytes.Contains(b, []byte(c1.Share.ID)) {
		t.Errorf("vera's list shows carl's link: %s", b)
	}
	for _, c := range []struct {
		who user
		id  string
	}{
		{s.vera, c1.Share.ID}, {s.otto, c1.Share.ID}, {s.dora, c1.Share.ID}, // not creator, not the album's owner
		{s.carl, o1.Share.ID}, // contributor, olivia's item link
		{s.carl, "0123456789abcdef0123456789abcdef"}, {s.carl, "nope"},
	} {
		shrRefused(t, e, "DELETE", "/v1/shares/"+c.id, c.who.tok, nil, 404, "not_found")
	}
	shrViewOf(t, e, c1.Token, "", "") // still alive after the refusals
	shrDo(t, e, "DELETE", "/v1/shares/"+c1.Share.ID, s.olivia.tok, nil, 204, nil)
	shrDo(t, e, "DELETE", "/v1/shares/"+c2.Share.ID, s.carl.tok, nil, 204, nil)
	for _, c := range []shrCreated{c1, c2} {
		shrDead(t, e, c.Token, 410, "link_revoked")
		if l := shrFind(t, e, s.carl, c.Share.ID); l.RevokedAt == nil {
			t.Errorf("link %s listed without revoked_at", c.Share.ID)
		}
	}
	shrViewOf(t, e, o1.Token, "", "")
}

// shrDies opens each link and fetches every URL it hands out, runs kill,
// then requires every link to answer 410 code and every URL 404.
func (s *shrState) shrDies(t *testing.T, links []shrCreated, kill func(), code string) {
	t.Helper()
	var urls []string
	for _, l := range links {
		v, _ := shrViewOf(t, s.e, l.Token, "", "")
		if len(v.Items) == 0 {
			t.Fatalf("link %s shows nothing before it dies", l.Share.ID)
		}
		urls = append(urls, v.urls()...)
	}
	for _, u := range urls {
		shrFetch(t, s.e, u, 200)
	}
	kill()
	for _, l := range links {
		shrDead(t, s.e, l.Token, 410, code)
	}
	for _, u := range urls {
		shrFetch(t, s.e, u, 404)
	}
}

// shrStaysDead waits (up to 20s) for the background clean-up that
// follows a deletion, then requires the links to still answer 410 code.
func (s *shrState) shrStaysDead(t *testing.T, links []shrCreated, code, what, sql string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for shrCount(t, s.e, sql, args...) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s still present after 20s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, l := range links {
		shrDead(t, s.e, l.Token, 410, code)
	}
}

// A link dies at once when it expires, is revoked, its album is
// dissolved, its item is deleted or leaves visibility link, or its creator
// loses access to the album.
func (s *shrState) testDeaths(t *testing.T) {
	e, dl := s.e, map[string]any{"allow_download": true}
	t.Run("expired", func(t *testing.T) {
		l := s.albumLink(t, s.olivia, s.lake, dl)
		s.shrDies(t, []shrCreated{l}, func() {
			// Links live at least a minute: age this one in the database.
			if _, err := e.pool.Exec(context.Background(),
				`UPDATE shares SET expires_at = now() - interval '1 second' WHERE id = $1`, l.Share.ID); err != nil {
				t.Fatal(err)
			}
			// A write outside the API reaches the link page cache by NOTIFY,
			// moments later (API writes are seen at once: the other cases).
			poll(2*time.Second, func() bool { st, _ := shrOpen(t, e, l.Token, "", ""); return st == 410 })
		}, "link_expired")
	})
	t.Run("revoked", func(t *testing.T) {
		l := s.albumLink(t, s.carl, s.lake, dl)
		s.shrDies(t, []shrCreated{l}, func() {
			shrDo(t, e, "DELETE", "/v1/shares/"+l.Share.ID, s.carl.tok, nil, 204, nil)
		}, "link_revoked")
	})
	t.Run("item deleted", func(t *testing.T) {
		l := s.itemLink(t, s.olivia, "p-delete", dl)
		s.shrDies(t, []shrCreated{l}, func() {
			shrDo(t, e, "DELETE", "/v1/media/"+s.m["p-delete"], s.olivia.tok, nil, 202, nil)
		}, "link_gone")
		s.shrStaysDead(t, []shrCreated{l}, "link_gone", "deleted media row", `SELECT count(*) FROM media WHERE id = $1`, s.m["p-delete"])
	})
	t.Run("item leaves visibility link", func(t *testing.T) {
		l := s.itemLink(t, s.olivia, "p-hide", dl)
		s.shrDies(t, []shrCreated{l}, func() {
			shrDo(t, e, "PATCH", "/v1/media/"+s.m["p-hide"], s.olivia.tok, map[string]string{"visibility": "members"}, 200, nil)
		}, "link_gone")
	})
	t.Run("album dissolved", func(t *testing.T) {
		links := []shrCreated{s.albumLink(t, s.olivia, s.doomed, dl), s.itemLink(t, s.olivia, "d-link", dl)}
		s.shrDies(t, links, func() {
			shrDo(t, e, "DELETE", "/v1/albums/"+s.doomed, s.olivia.tok, map[string]string{"confirm_title": s.doomedTitle}, 202, nil)
		}, "link_gone")
		s.shrStaysDead(t, links, "link_gone", "dissolved album row", `SELECT count(*) FROM albums WHERE id = $1`, s.doomed)
	})
	doras := s.albumLink(t, s.dora, s.team, dl)
	t.Run("contributor removed by the owner", func(t *testing.T) {
		links := []shrCreated{s.albumLink(t, s.carl, s.team, dl), s.itemLink(t, s.carl, "t-carl", dl)}
		s.shrDies(t, links, func() {
			shrDo(t, e, "DELETE", "/v1/albums/"+s.team+"/members/"+s.carl.id, s.olivia.tok, nil, 204, nil)
		}, "link_gone")
		shrViewOf(t, e, doras.Token, "", "") // only the removed creator's links die
	})
	t.Run("creator left the album", func(t *testing.T) {
		links := []shrCreated{doras, s.itemLink(t, s.dora, "t-dora", dl)}
		s.shrDies(t, links, func() {
			shrDo(t, e, "POST", "/v1/albums/"+s.team+"/leave", s.dora.tok, map[string]any{}, 204, nil)
		}, "link_gone")
	})
	t.Run("contributor demoted to viewer", func(t *testing.T) {
		l := s.albumLink(t, s.carl, s.lake, dl)
		s.shrDies(t, []shrCreated{l}, func() {
			shrDo(t, e, "PATCH", "/v1/albums/"+s.lake+"/members/"+s.carl.id, s.olivia.tok, map[string]string{"role": "viewer"}, 204, nil)
		}, "link_gone")
	})
	// Links elsewhere are untouched.
	v, _ := shrViewOf(t, e, s.albumLink(t, s.olivia, s.lake, nil).Token, "", "")
	if diff := cmp.Diff(s.lakeLinked, v.ids()); diff != "" {
		t.Errorf("lake link after the deaths (-want +got):\n%s", diff)
	}
}

// Public link routes allow a bounded number of requests per address per
// minute (5 here), whatever the token.
func TestShareRateLimit(t *testing.T) {
	e := startEngine(t, "all", map[string]string{"MEDIA_PUBLIC_RATE_PER_MINUTE": "5"})
	u := e.signIn("RateShr")
	album := shrAlbum(t, e, u, "Quiet", nil)
	l := shrCreate(t, e, u, map[string]any{"album_id": album})
	var got []int
	for range 5 {
		status, _ := shrOpen(t, e, l.Token, "", "")
		got = append(got, status)
	}
	if !slices.Equal(got, []int{200, 200, 200, 200, 200}) {
		t.Errorf("first 5 requests: %v, want all 200", got)
	}
	status, hdr, b := shrCall(t, e, "GET", "/v1/public/shares/"+l.Token, "", nil, nil)
	if retry, _ := strconv.Atoi(hdr.Get("Retry-After")); status != 429 || errorCode(t, b) != "rate_limited" || retry < 1 || retry > 12 {
		// 5 per minute: the next request is allowed 12 s after the first.
		t.Errorf("6th request: %d Retry-After %q %.300s, want 429 rate_limited, Retry-After 1..12", status, hdr.Get("Retry-After"), b)
	}
	unlock, _ := shrUnlock(t, e, l.Token, "x")
	unknown, _ := shrOpen(t, e, strings.Repeat("B", 43), "", "")
	if unlock != 429 || unknown != 429 {
		t.Errorf("after the limit: unlock %d, unknown token %d; want 429 both", unlock, unknown)
	}
	shrDo(t, e, "GET", "/v1/shares", u.tok, nil, 200, nil) // signed-in routes are not limited by it
}

func shrInt(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func shrStr(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}
