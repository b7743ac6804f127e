package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/wxalbum/mediad/account"
	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/db/dbtest"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/testenv"
	"github.com/wxalbum/mediad/retention"
	"github.com/wxalbum/mediad/upload"
)

// "Your data": export, account deletion with its receipt, item deletion,
// retention on an injected clock, the reconciler, the consent gate and
// purge-all, against the real PostgreSQL, Redis and MinIO.

const datDay = 24 * time.Hour

func datAlbum(e *engine, u user, title string) string {
	e.t.Helper()
	var out struct {
		Album struct {
			ID string `json:"id"`
		} `json:"album"`
	}
	e.do("POST", "/v1/albums", u.tok, map[string]string{"title": title}, 201, &out)
	return out.Album.ID
}

// datInvite makes a contributor invitation to the album and returns its token.
func datInvite(e *engine, u user, albumID string) string {
	e.t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/albums/"+albumID+"/invites", u.tok,
		map[string]any{"role": "contributor", "expires_in": 3600, "max_uses": 5}, 201, &out)
	return out.Token
}

// datJoin brings users into owner's album as contributors.
func datJoin(e *engine, owner user, albumID string, users ...user) {
	e.t.Helper()
	tok := datInvite(e, owner, albumID)
	for _, u := range users {
		e.do("POST", "/v1/invites/"+tok+"/accept", u.tok, nil, 200, nil)
	}
}

// datShare makes a link to an album (or, with item, to one item) and
// returns its token and id.
func datShare(e *engine, u user, key, id string) (token, shareID string) {
	e.t.Helper()
	var out struct {
		Token string `json:"token"`
		Share struct {
			ID string `json:"id"`
		} `json:"share"`
	}
	e.do("POST", "/v1/shares", u.tok, map[string]any{key: id, "expires_in": 3600}, 201, &out)
	return out.Token, out.Share.ID
}

// datStatus sends a request and returns status and error code ("" on success).
func datStatus(e *engine, method, path, tok string, body any) (int, string) {
	e.t.Helper()
	req := e.jsonRequest(method, path, body)
	status, b := e.sendNoCheck(req, tok)
	if status < 400 {
		return status, ""
	}
	return status, errorCode(e.t, b)
}

// datWant requires a request to answer status with code.
func datWant(e *engine, method, path, tok string, body any, status int, code string) {
	e.t.Helper()
	if gs, gc := datStatus(e, method, path, tok, body); gs != status || gc != code {
		e.t.Errorf("%s %s: %d %q, want %d %q", method, path, gs, gc, status, code)
	}
}

// datExport is an export as GET /v1/me/exports/:id shows it.
type datExport struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Size      *int64    `json:"size"`
	ExpiresAt time.Time `json:"expires_at"`
	URL       string    `json:"download_url"`
}

// datWaitExport polls the export until it is built and requires ready.
func datWaitExport(e *engine, u user, id string) datExport {
	e.t.Helper()
	var x datExport
	ok := poll(30*time.Second, func() bool {
		var out struct {
			Export datExport `json:"export"`
		}
		e.do("GET", "/v1/me/exports/"+id, u.tok, nil, 200, &out)
		x = out.Export
		return x.Status != "pending"
	})
	if !ok || x.Status != "ready" || x.URL == "" {
		e.t.Fatalf("export %s: %+v, want ready with a download URL within 30s", id, x)
	}
	return x
}

// datUnzip returns the archive's entries by name.
func datUnzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("export is not a ZIP: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("zip entry %s: %v", f.Name, err)
		}
	}
	return out
}

// datDecode unmarshals an export document, failing on bad JSON.
func datDecode(t *testing.T, name string, b []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, b)
	}
}

// datTamper changes the first character of the signature in the URL's t
// parameter (payload.signature): six bits of the MAC, all significant.
func datTamper(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	tok := q.Get("t")
	i := strings.IndexByte(tok, '.') + 1
	if i == 0 || i == len(tok) {
		t.Fatalf("download token %q is not payload.signature", tok)
	}
	c := "A"
	if tok[i] == 'A' {
		c = "B"
	}
	q.Set("t", tok[:i]+c+tok[i+1:])
	u.RawQuery = q.Encode()
	return u.String()
}

// The export is a ZIP of every stripped original the user uploaded (in
// any album) and their records; only they can fetch it, through a signed
// URL, and retention removes it after MEDIA_EXPORT_TTL.
func TestDataExport(t *testing.T) {
	e := startEngine(t, "all", map[string]string{"MEDIA_EXPORT_TTL": "24h"})
	ann, bob := e.signIn("ExpAnn"), e.signIn("ExpBob")
	trip, club := datAlbum(e, ann, "Trip"), datAlbum(e, bob, "Club")
	datJoin(e, ann, trip, bob)
	datJoin(e, bob, club, ann)
	mine := map[string]string{ // item -> album ("" for none)
		e.uploadPhotoID(ann, "photo", trip, ""):     trip,
		e.uploadPhotoID(ann, "photo", club, ""):     club,
		e.uploadPhotoID(ann, "photo", "", "link"):   "",
		e.uploadPhotoID(ann, "photo", trip, "link"): trip,
	}
	bobs := e.uploadPhotoID(bob, "photo", trip, "")
	originals := map[string][]byte{}
	for id := range mine {
		m := e.waitReady(ann.tok, id)
		resp, b := fetch(t, m.URLs["original"], "")
		if resp.StatusCode != 200 || len(b) == 0 {
			t.Fatalf("original of %s: %d", id, resp.StatusCode)
		}
		originals[id] = b
	}
	e.waitReady(bob.tok, bobs)
	shareTok, shareID := datShare(e, ann, "album_id", trip)

	// A notice ann received (an album of hers was dissolved by its owner).
	noteID := ids.New()
	dbtest.MustExec(t, e.pool, `INSERT INTO notifications (id, user_id, kind) VALUES ($1, $2, 'album_dissolved')`, noteID, ann.id)

	var created struct {
		ID string `json:"id"`
	}
	e.do("POST", "/v1/me/exports", ann.tok, nil, 202, &created)
	if !ids.Valid(created.ID) {
		t.Fatalf("export id %q", created.ID)
	}
	x := datWaitExport(e, ann, created.ID)
	if d := time.Until(x.ExpiresAt) - 24*time.Hour; d < -time.Minute || d > time.Minute {
		t.Errorf("expires_at %v, want about 24h from now (MEDIA_EXPORT_TTL)", x.ExpiresAt)
	}
	// Nobody else sees it.
	datWant(e, "GET", "/v1/me/exports/"+x.ID, bob.tok, nil, 404, "not_found")

	resp, body := fetch(t, x.URL, "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	if x.Size == nil || *x.Size != int64(len(body)) {
		t.Errorf("size %v, downloaded %d bytes", x.Size, len(body))
	}
	files := datUnzip(t, body)
	want := []string{"albums.json", "media.json", "notification_settings.json", "notifications.json", "profile.json", "reports_received.json", "reports_sent.json", "shares.json"}
	for id := range mine {
		want = append(want, "media/"+id+".jpg")
	}
	slices.Sort(want)
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(files))); diff != "" {
		t.Errorf("zip entries (-want +got):\n%s", diff)
	}
	var notes []struct {
		ID, Kind string
	}
	datDecode(t, "notifications.json", files["notifications.json"], &notes)
	// Every notice Ann received: the inserted one, Bob joining Trip and
	// Bob's item in Trip (Ann's own uploads tell nobody about themselves).
	kinds := map[string]string{}
	for _, n := range notes {
		kinds[n.Kind] = n.ID
	}
	if len(notes) != 3 || kinds["album_dissolved"] != noteID || kinds["member_joined"] == "" || kinds["new_items"] == "" {
		t.Errorf("notifications.json: %+v, want album_dissolved %s, member_joined and new_items", notes, noteID)
	}
	for id, b := range originals {
		if !bytes.Equal(files["media/"+id+".jpg"], b) {
			t.Errorf("media/%s.jpg: %d bytes differ from the served original (%d bytes)", id, len(files["media/"+id+".jpg"]), len(b))
		}
	}
	datCheckDocs(t, files, ann, mine, map[string]string{trip: "owner", club: "contributor"}, shareID, trip)
	for name, b := range files {
		if bytes.Contains(b, []byte(shareTok)) {
			t.Errorf("%s contains the share token", name)
		}
	}
	if bytes.Contains(body, []byte(shareTok)) {
		t.Errorf("the archive contains the share token")
	}

	// A tampered link is refused; so is another export's id under this grant.
	for _, u := range []string{datTamper(t, x.URL), strings.Replace(x.URL, x.ID, ids.New(), 1)} {
		if resp, b := fetch(t, u, ""); resp.StatusCode != 403 || errorCode(t, b) != "invalid_signature" {
			t.Errorf("tampered %s: %d %s", u, resp.StatusCode, b)
		}
	}

	// Retention, on an injected clock: kept within MEDIA_EXPORT_TTL, gone after.
	p := datRetention(e.pool, e.blob)
	ctx := context.Background()
	if _, err := p(ctx, time.Now().Add(23*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.blob.Stat(ctx, account.ExportKey(x.ID)); err != nil {
		t.Fatalf("export object gone before its TTL: %v", err)
	}
	counts, err := p(ctx, time.Now().Add(25*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if counts["exports"] != 1 {
		t.Errorf("retention counts %v, want exports 1", counts)
	}
	if _, err := e.blob.Stat(ctx, account.ExportKey(x.ID)); !blob.IsNotFound(err) {
		t.Errorf("export object after retention: %v, want not found", err)
	}
	if n := e.count(`SELECT count(*) FROM exports`); n != 0 {
		t.Errorf("%d export rows after retention", n)
	}
	datWant(e, "GET", "/v1/me/exports/"+x.ID, ann.tok, nil, 404, "not_found")
	if resp, _ := fetch(t, x.URL, ""); resp.StatusCode != 404 {
		t.Errorf("download after retention: %d, want 404", resp.StatusCode)
	}
}

// datCheckDocs checks the JSON documents of an export.
func datCheckDocs(t *testing.T, files map[string][]byte, u user, mine, roles map[string]string, shareID, shareAlbum string) {
	t.Helper()
	var profile map[string]any
	datDecode(t, "profile.json", files["profile.json"], &profile)
	if profile["id"] != u.id || profile["nickname"] != u.name {
		t.Errorf("profile.json: %v", profile)
	}
	var media []struct {
		ID            string    `json:"id"`
		AlbumID       *string   `json:"album_id"`
		Status        string    `json:"status"`
		TakenAt       time.Time `json:"taken_at"`
		TakenAtSource string    `json:"taken_at_source"`
	}
	datDecode(t, "media.json", files["media.json"], &media)
	gotMedia, fromEXIF := map[string]string{}, 0
	for _, m := range media {
		if m.TakenAt.IsZero() || (m.TakenAtSource != "exif" && m.TakenAtSource != "upload") {
			t.Errorf("media.json %s: taken_at %v from %q", m.ID, m.TakenAt, m.TakenAtSource)
		}
		if m.TakenAtSource == "exif" {
			fromEXIF++
		}
		gotMedia[m.ID] = ""
		if m.AlbumID != nil {
			gotMedia[m.ID] = *m.AlbumID
		}
	}
	if diff := cmp.Diff(mine, gotMedia); diff != "" {
		t.Errorf("media.json items -> album (-want +got):\n%s", diff)
	}
	if fromEXIF == 0 { // the camera photos carry DateTimeOriginal
		t.Error("media.json: no capture time from EXIF")
	}
	var albs []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Role  string `json:"role"`
	}
	datDecode(t, "albums.json", files["albums.json"], &albs)
	gotRoles := map[string]string{}
	for _, a := range albs {
		gotRoles[a.ID] = a.Role
	}
	if diff := cmp.Diff(roles, gotRoles); diff != "" {
		t.Errorf("albums.json album -> role (-want +got):\n%s", diff)
	}
	var shares []map[string]any
	datDecode(t, "shares.json", files["shares.json"], &shares)
	if len(shares) != 1 || shares[0]["id"] != shareID || shares[0]["album_id"] != shareAlbum {
		t.Errorf("shares.json: %v, want link %s to %s", shares, shareID, shareAlbum)
	}
	for _, s := range shares {
		for k := range s {
			if strings.Contains(k, "token") {
				t.Errorf("shares.json has field %q", k)
			}
		}
	}
}

// Deleting an item really deletes it: no object remains under its prefix
// nor in the raw quarantine, and no row.
func TestDataItemDeletion(t *testing.T) {
	e := startEngine(t, "all", nil)
	u := e.signIn("ItemIvy")
	alb := datAlbum(e, u, "Gone soon")
	id := e.uploadPhotoID(u, "photo", alb, "")
	keep := e.uploadPhotoID(u, "photo", alb, "")
	e.waitReady(u.tok, id)
	e.waitReady(u.tok, keep)
	if got := e.keys("media/" + id + "/"); len(got) != 4 {
		t.Fatalf("objects before delete: %v", got)
	}
	e.do("DELETE", "/v1/media/"+id, u.tok, nil, 202, nil)
	left := func() []string {
		return append(e.keys("media/"+id+"/"), e.keys("incoming/"+id)...)
	}
	if !poll(20*time.Second, func() bool {
		return len(left()) == 0 && e.count(`SELECT count(*) FROM media WHERE id = $1`, id) == 0
	}) {
		t.Fatalf("after DELETE: objects %v, rows %d", left(), e.count(`SELECT count(*) FROM media WHERE id = $1`, id))
	}
	e.getMedia(u.tok, id, 404)
	if got := e.keys("media/" + keep + "/"); len(got) != 4 {
		t.Errorf("the other item's objects: %v", got)
	}
}

// datReceipt is a deletion receipt as GET /v1/deletion-receipts/:id shows it.
type datReceipt struct {
	ID         string           `json:"id"`
	Status     string           `json:"status"`
	Counts     map[string]int64 `json:"counts"`
	FinishedAt *time.Time       `json:"finished_at"`
}

func datGetReceipt(e *engine, id string) (datReceipt, []byte) {
	e.t.Helper()
	var out struct {
		Receipt datReceipt `json:"receipt"`
	}
	b := e.do("GET", "/v1/deletion-receipts/"+id, "", nil, 200, &out)
	return out.Receipt, b
}

// datScene is the account deletion scenario: Ann owns album X, where Bob
// contributes, and contributes to Bob's album Y.
type datScene struct {
	ann, bob, cat        user
	x, y                 string
	annX, bobX, annY     string
	bobY, annOwn, avatar string
	links                []string // Ann's link tokens
	invite               string   // Ann's unused invitation to X
	export               string
	upload               blob.IncompleteUpload // Ann's chunked upload in flight
}

func datSetup(e *engine) *datScene {
	e.t.Helper()
	t := e.t
	s := &datScene{ann: e.signIn("DelAnn"), bob: e.signIn("DelBob"), cat: e.signIn("DelCat")}
	s.x, s.y = datAlbum(e, s.ann, "Ann's X"), datAlbum(e, s.bob, "Bob's Y")
	datJoin(e, s.ann, s.x, s.bob)
	datJoin(e, s.bob, s.y, s.ann)
	s.annX, s.bobX = e.uploadPhotoID(s.ann, "photo", s.x, "link"), e.uploadPhotoID(s.bob, "photo", s.x, "")
	s.annY, s.bobY = e.uploadPhotoID(s.ann, "photo", s.y, ""), e.uploadPhotoID(s.bob, "photo", s.y, "")
	s.annOwn = e.uploadPhotoID(s.ann, "photo", "", "link")
	s.avatar = e.uploadPhotoID(s.ann, "avatar", "", "")
	for _, it := range []struct{ tok, id string }{{s.ann.tok, s.annX}, {s.bob.tok, s.bobX}, {s.ann.tok, s.annY},
		{s.bob.tok, s.bobY}, {s.ann.tok, s.annOwn}, {s.ann.tok, s.avatar}} {
		e.waitReady(it.tok, it.id)
	}
	if !poll(10*time.Second, func() bool { return e.avatar(s.ann.tok) == s.avatar }) {
		t.Fatalf("avatar not set")
	}
	// Ann's item is Y's cover: deleting it must not be blocked by the album.
	e.do("PUT", "/v1/albums/"+s.y+"/cover", s.bob.tok, map[string]string{"media_id": s.annY}, 200, nil)
	for _, l := range [][2]string{{"album_id", s.x}, {"album_id", s.y}, {"media_id", s.annOwn}} {
		tok, _ := datShare(e, s.ann, l[0], l[1])
		s.links = append(s.links, tok)
	}
	s.invite = datInvite(e, s.ann, s.x)
	var created struct {
		ID string `json:"id"`
	}
	e.do("POST", "/v1/me/exports", s.ann.tok, nil, 202, &created)
	s.export = datWaitExport(e, s.ann, created.ID).ID
	up, _ := e.startChunked(s.ann.tok, map[string]any{"kind": "photo", "size": 4096}, 201)
	e.putPart(http.DefaultClient, s.ann.tok, up.UploadID, 1, jpegHead(t, 4096, 7), 200)
	inc := testenv.Incomplete(t, e.blob, "incoming/")
	if len(inc) != 1 {
		t.Fatalf("incomplete uploads: %v", inc)
	}
	s.upload = inc[0]
	dbtest.MustExec(t, e.pool, `INSERT INTO notifications (id, user_id, kind) VALUES ($1, $2, 'test')`, ids.New(), s.ann.id)
	for _, l := range s.links {
		datWant(e, "GET", "/v1/public/shares/"+l, "", nil, 200, "")
	}
	datWant(e, "GET", "/v1/invites/"+s.invite, s.cat.tok, nil, 200, "")
	return s
}

// Account deletion: a fresh sign-in is required; sessions, links and
// invitations die at once; the task then removes every item Ann uploaded
// (objects and rows, in every album), dissolves the album she owns,
// removes her memberships and leaves a tombstone; a task killed half-way
// and restarted finishes the job with a receipt that adds up.
func TestDataAccountDeletion(t *testing.T) {
	e := startEngine(t, "serve", nil)
	stopWorker := e.startAnother("work", map[string]string{"MEDIA_WORKER_SHUTDOWN_TIMEOUT": "5s"}).stop
	s := datSetup(e)
	stopWorker() // the deletion task waits in the queue until a worker runs again

	// Only a sign-in less than 5 minutes old may delete the account.
	dbtest.MustExec(t, e.pool, `UPDATE sessions SET created_at = now() - interval '6 minutes' WHERE user_id = $1`, s.ann.id)
	datWant(e, "DELETE", "/v1/me", s.ann.tok, map[string]string{"confirm": "DELETE"}, 401, "reauth_required")
	fresh := e.login(s.ann.name)
	datWant(e, "DELETE", "/v1/me", fresh, map[string]string{"confirm": "delete"}, 400, "confirm_required")
	sessions := e.count(`SELECT count(*) FROM sessions WHERE user_id = $1`, s.ann.id)
	var del struct {
		ReceiptID string `json:"receipt_id"`
	}
	e.do("DELETE", "/v1/me", fresh, map[string]string{"confirm": "DELETE"}, 202, &del)

	// At once, before any task ran.
	for _, tok := range []string{s.ann.tok, fresh} {
		datWant(e, "GET", "/v1/me", tok, nil, 401, "unauthorized")
	}
	for _, l := range s.links {
		datWant(e, "GET", "/v1/public/shares/"+l, "", nil, 410, "link_revoked")
	}
	datWant(e, "GET", "/v1/invites/"+s.invite, s.cat.tok, nil, 410, "invite_gone")
	datWant(e, "POST", "/v1/invites/"+s.invite+"/accept", s.cat.tok, nil, 410, "invite_gone")
	if r, _ := datGetReceipt(e, del.ReceiptID); r.Status != "running" {
		t.Fatalf("receipt before the task: %+v", r)
	}

	datKilledRuns(t, e, s, del.ReceiptID)
	e.startAnother("work", map[string]string{"MEDIA_WORKER_SHUTDOWN_TIMEOUT": "5s"}) // restarted: picks up the queued task and finishes it
	var r datReceipt
	var body []byte
	if !poll(30*time.Second, func() bool { r, body = datGetReceipt(e, del.ReceiptID); return r.Status == "done" }) {
		t.Fatalf("receipt not done within 30s: %s", body)
	}
	want := map[string]int64{
		"albums_dissolved": 1,
		"media":            5,       // X's two items (Ann's and Bob's), Ann's item in Y, her own photo and avatar
		"objects":          5*4 + 1, // four per ready photo, and the export
		"memberships":      1,       // Y (X's went with the album)
		"share_links":      3,
		"invites":          0, // Ann's invitations were all to X: gone with it
		"notifications":    5, // the inserted one, Bob joining X, Bob's items in X and in Y (one per album per day), her export ready
		"sessions":         int64(sessions),
		"chunked_uploads":  1,
		"exports":          1,
		"reports":          0, // Ann sent none
	}
	if diff := cmp.Diff(want, r.Counts); diff != "" {
		t.Errorf("receipt counts (-want +got):\n%s", diff)
	}
	if r.FinishedAt == nil || bytes.Contains(body, []byte(s.ann.id)) || bytes.Contains(body, []byte(s.ann.name)) {
		t.Errorf("receipt: %s", body)
	}
	datCheckGone(t, e, s)

	// The same WeChat (here dev) identity signs up fresh.
	again := e.signIn(s.ann.name)
	if again.id == s.ann.id {
		t.Errorf("signed up again with the deleted user's id %s", again.id)
	}
	var albs struct {
		Albums []any `json:"albums"`
	}
	e.do("GET", "/v1/albums", again.tok, nil, 200, &albs)
	if len(albs.Albums) != 0 {
		t.Errorf("fresh account sees albums: %v", albs.Albums)
	}
}

// datKiller cancels a task's context when a statement matching sql starts
// (after: ends) for the (skip+1)th time, as a worker killed at that point.
type datKiller struct {
	mu     sync.Mutex
	sql    string
	after  bool
	skip   int
	cancel context.CancelFunc
	fired  bool
}

type datSQLKey struct{}

func (k *datKiller) hit(sql string, after bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fired || k.cancel == nil || after != k.after || !strings.Contains(sql, k.sql) {
		return
	}
	if k.skip > 0 {
		k.skip--
		return
	}
	k.fired = true
	k.cancel()
}

func (k *datKiller) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	k.hit(d.SQL, false)
	return context.WithValue(ctx, datSQLKey{}, d.SQL)
}

func (k *datKiller) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryEndData) {
	if sql, _ := ctx.Value(datSQLKey{}).(string); d.Err == nil {
		k.hit(sql, true)
	}
}

// datKilledRuns runs the deletion task in-process three times, each killed
// at a different point, and checks the partial states.
func datKilledRuns(t *testing.T, e *engine, s *datScene, receiptID string) {
	t.Helper()
	k := &datKiller{}
	cfg, err := pgxpool.ParseConfig(e.env["MEDIA_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = k
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	al := albums.NewService(albums.Config{DissolveBatch: 1}, pool, nil, nil, e.blob)
	h := account.NewService(account.Config{}, pool, al, e.blob, nil, nil)
	kill := func(sql string, after bool, skip int) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		k.mu.Lock()
		k.sql, k.after, k.skip, k.cancel, k.fired = sql, after, skip, cancel, false
		k.mu.Unlock()
		err := h.RunDeletion(ctx, receiptID)
		if !k.fired || err == nil {
			t.Fatalf("run killed at %q: fired %v, err %v", sql, k.fired, err)
		}
	}
	// 1. Mid-dissolution: one batch of X done, the next batch's objects
	// removed but its row not.
	kill("DELETE FROM media WHERE album_id", false, 1)
	if n := e.count(`SELECT count(*) FROM media WHERE album_id = $1`, s.x); n != 1 {
		t.Fatalf("after the first kill: %d items left in X, want 1", n)
	}
	for _, id := range []string{s.annX, s.bobX} {
		if k := e.keys("media/" + id + "/"); len(k) != 0 {
			t.Errorf("after the first kill: objects of %s left: %v", id, k)
		}
	}
	// 2. Right after Ann's remaining items' rows were deleted, before the
	// transaction that also counts them committed: the objects are gone,
	// the rows are back.
	kill("DELETE FROM media WHERE owner_id", true, 0)
	if n := e.count(`SELECT count(*) FROM albums WHERE id = $1`, s.x); n != 0 {
		t.Errorf("after the second kill: album X still there")
	}
	if n := e.count(`SELECT count(*) FROM media WHERE owner_id = $1`, s.ann.id); n != 3 {
		t.Errorf("after the second kill: %d rows of Ann's items, want 3", n)
	}
	for _, id := range []string{s.annY, s.annOwn, s.avatar} {
		if k := e.keys("media/" + id + "/"); len(k) != 0 {
			t.Errorf("after the second kill: objects of %s left: %v", id, k)
		}
	}
	// 3. At the start of removing her rows.
	kill("DELETE FROM album_members WHERE user_id", false, 0)
	if r, _ := datGetReceipt(e, receiptID); r.Status != "running" {
		t.Fatalf("receipt after killed runs: %+v", r)
	}
}

// datCheckGone checks nothing of Ann remains but the tombstone, album X is
// gone entirely and album Y keeps Bob's item.
func datCheckGone(t *testing.T, e *engine, s *datScene) {
	t.Helper()
	// Objects: only Bob's item in Y remains in the whole bucket.
	want := []string{"media/" + s.bobY + "/card", "media/" + s.bobY + "/original", "media/" + s.bobY + "/preview", "media/" + s.bobY + "/thumb"}
	if diff := cmp.Diff(want, e.keys("")); diff != "" {
		t.Errorf("bucket after the deletion (-want +got):\n%s", diff)
	}
	for _, prefix := range []string{"media/", "incoming/"} {
		for _, key := range e.keys(prefix) {
			for _, id := range []string{s.annX, s.bobX, s.annY, s.annOwn, s.avatar} {
				if strings.Contains(key, id) {
					t.Errorf("object %s left", key)
				}
			}
		}
	}
	if inc := testenv.Incomplete(t, e.blob, ""); len(inc) != 0 {
		t.Errorf("unfinished uploads left: %v", inc)
	}
	// Rows: every column naming Ann is gone.
	for _, q := range []string{
		`SELECT count(*) FROM media WHERE owner_id = $1`,
		`SELECT count(*) FROM album_members WHERE user_id = $1`,
		`SELECT count(*) FROM albums WHERE owner_id = $1`,
		`SELECT count(*) FROM shares WHERE created_by = $1`,
		`SELECT count(*) FROM invites WHERE created_by = $1`,
		`SELECT count(*) FROM sessions WHERE user_id = $1`,
		`SELECT count(*) FROM exports WHERE user_id = $1`,
		`SELECT count(*) FROM notifications WHERE user_id = $1`,
		`SELECT count(*) FROM uploads WHERE owner_id = $1`,
		`SELECT count(*) FROM album_dissolutions WHERE owner_id = $1`,
		`SELECT count(*) FROM deletion_receipts WHERE user_id = $1`,
	} {
		if n := e.count(q, s.ann.id); n != 0 {
			t.Errorf("%s: %d", q, n)
		}
	}
	// And no row anywhere mentions her id or name, but her tombstone.
	for _, table := range datTables(t, e.pool) {
		q := `SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize() + ` t WHERE t::text LIKE '%' || $1 || '%'`
		if table == "users" {
			q += ` AND id <> $2`
		} else {
			q += ` AND $2 <> ''`
		}
		for _, needle := range []string{s.ann.id, s.ann.name, s.annX, s.annY, s.annOwn, s.avatar, s.export} {
			if n := e.count(q, needle, s.ann.id); n != 0 {
				t.Errorf("table %s: %d rows mention %q", table, n, needle)
			}
		}
	}
	var openid, unionid, avatar, policy *string
	var accepted, deleted *time.Time
	var nickname string
	if err := e.pool.QueryRow(context.Background(), `SELECT openid, unionid, nickname, avatar_media_id, policy_version,
		policy_accepted_at, deleted_at FROM users WHERE id = $1`, s.ann.id).
		Scan(&openid, &unionid, &nickname, &avatar, &policy, &accepted, &deleted); err != nil {
		t.Fatalf("tombstone: %v", err)
	}
	if openid != nil || unionid != nil || nickname != "" || avatar != nil || policy != nil || accepted != nil || deleted == nil {
		t.Errorf("tombstone keeps personal data: openid %v unionid %v nickname %q avatar %v policy %v/%v deleted %v",
			openid, unionid, nickname, avatar, policy, accepted, deleted)
	}
	// X is gone entirely; Y keeps Bob's item and Bob alone.
	datWant(e, "GET", "/v1/albums/"+s.x, s.bob.tok, nil, 404, "not_found")
	if n := e.count(`SELECT count(*) FROM media WHERE album_id = $1 OR id = ANY($2)`, s.x, []string{s.bobX}); n != 0 {
		t.Errorf("%d rows of X's items left", n)
	}
	var items struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	e.do("GET", "/v1/albums/"+s.y+"/items", s.bob.tok, nil, 200, &items)
	if len(items.Items) != 1 || items.Items[0].ID != s.bobY {
		t.Errorf("Y's items: %+v, want only %s", items.Items, s.bobY)
	}
	var members struct {
		Members []struct {
			UserID string `json:"user_id"`
		} `json:"members"`
	}
	e.do("GET", "/v1/albums/"+s.y+"/members", s.bob.tok, nil, 200, &members)
	if len(members.Members) != 1 || members.Members[0].UserID != s.bob.id {
		t.Errorf("Y's members: %+v, want Bob alone", members.Members)
	}
	if n := e.count(`SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = 'album_dissolved'`, s.bob.id); n != 1 {
		t.Errorf("Bob's album_dissolved notifications: %d", n)
	}
}

// datTables lists the tables of the public schema but schema_migrations.
func datTables(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT tablename FROM pg_tables WHERE schemaname = 'public'
		AND tablename <> 'schema_migrations' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return tables
}

// datRow is a row the retention test plants and watches.
type datRow struct {
	category string // Run's count it falls under
	table    string
	where    string // identifies the row; $1 is id
	id       string
}

func (r datRow) exists(t *testing.T, pool *pgxpool.Pool) bool {
	t.Helper()
	return dbtest.Count(t, pool, `SELECT count(*) FROM `+r.table+` WHERE `+r.where, r.id) == 1
}

// Retention on an injected clock: each kind of record goes when its
// period has passed, not before.
func TestDataRetention(t *testing.T) {
	pool, _ := dbtest.New(t)
	bs := testenv.Blob(t)
	ctx := context.Background()
	// Noon UTC today: day boundaries are 12 hours away from every step.
	base := time.Now().UTC().Truncate(datDay).Add(12 * time.Hour)
	exec := func(sql string, args ...any) {
		t.Helper()
		dbtest.MustExec(t, pool, sql, args...)
	}
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	user, album := ids.New(), ids.New()
	exec(`INSERT INTO users (id, openid, nickname) VALUES ($1, 'ret', 'Ret')`, user)
	exec(`INSERT INTO albums (id, owner_id, title) VALUES ($1, $2, 'Ret')`, album, user)
	rows := map[string]datRow{}
	add := func(label, category, table, where string) string {
		id := ids.New()
		rows[label] = datRow{category, table, where, id}
		return id
	}
	byID := "id = $1"
	link := func(label string, expires time.Time, revoked *time.Time) string {
		id := add(label, "share_links", "shares", byID)
		exec(`INSERT INTO shares (id, token_hash, album_id, created_by, expires_at, revoked_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, hash(id), album, user, expires, revoked, base.Add(-datDay))
		return id
	}
	invite := func(label string, expires time.Time, revoked *time.Time) {
		id := add(label, "invites", "invites", byID)
		exec(`INSERT INTO invites (id, album_id, token_hash, role, created_by, max_uses, expires_at, revoked_at)
			VALUES ($1, $2, $3, 'viewer', $4, 1, $5, $6)`, id, album, hash(id), user, expires, revoked)
	}
	at := func(d time.Duration) *time.Time { x := base.Add(d); return &x }

	link("link expired", base, nil)
	link("link revoked", base.Add(60*datDay), at(0))
	link("link revoked after it expired", base, at(10*datDay))
	live := link("link live until +200d", base.Add(200*datDay), nil)
	invite("invite expired", base, nil)
	invite("invite revoked", base.Add(60*datDay), at(0))
	invite("invite revoked after it expired", base, at(10*datDay))
	invite("invite live until +200d", base.Add(200*datDay), nil)
	rows["open count"] = datRow{"open_counts", "share_opens", "share_id = $1", live}
	exec(`INSERT INTO share_opens (share_id, day, opens) VALUES ($1, $2::date, 3)`, live, base.Format("2006-01-02"))
	id := add("notification", "notifications", "notifications", byID)
	exec(`INSERT INTO notifications (id, user_id, kind, created_at) VALUES ($1, $2, 'x', $3)`, id, user, base)
	for _, m := range []struct{ label, status string }{{"failed media", "failed"}, {"ready media", "ready"}} {
		id := add(m.label, "failed_media", "media", byID)
		exec(`INSERT INTO media (id, owner_id, kind, status, content_type, size_bytes, sha256, visibility, created_at, updated_at)
			VALUES ($1, $2, 'photo', $3, 'image/jpeg', 1, $4, 'only_me', $5, $5)`, id, user, m.status, hash(id), base)
	}
	exp := add("export", "exports", "exports", byID)
	exec(`INSERT INTO exports (id, user_id, status, size_bytes, created_at, finished_at, expires_at)
		VALUES ($1, $2, 'ready', 3, $3, $3, $4)`, exp, user, base, base.Add(24*time.Hour))
	if err := bs.PutBytes(ctx, account.ExportKey(exp), []byte("zip"), "application/zip"); err != nil {
		t.Fatal(err)
	}
	sess := add("session expiring at +1h", "sessions", "sessions", "token_hash = sha256(convert_to($1, 'UTF8'))")
	exec(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (sha256(convert_to($1, 'UTF8')), $2, $3, $4)`,
		sess, user, base, base.Add(time.Hour))
	sess = add("session revoked", "sessions", "sessions", "token_hash = sha256(convert_to($1, 'UTF8'))")
	exec(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at, revoked_at) VALUES (sha256(convert_to($1, 'UTF8')), $2, $3, $4, $3)`,
		sess, user, base, base.Add(30*datDay))
	id = add("deletion receipt", "deletion_receipts", "deletion_receipts", byID)
	exec(`INSERT INTO deletion_receipts (id, status, created_at, finished_at) VALUES ($1, 'done', $2, $2)`, id, base)
	id = add("running deletion receipt", "deletion_receipts", "deletion_receipts", byID)
	exec(`INSERT INTO deletion_receipts (id, user_id, created_at) VALUES ($1, $2, $3)`, id, user, base.Add(-400*datDay))
	id = add("dissolution receipt", "dissolution_receipts", "album_dissolutions", "album_id = $1")
	exec(`INSERT INTO album_dissolutions (album_id, owner_id, items_total, started_at, finished_at) VALUES ($1, $2, 0, $3, $3)`, id, user, base)

	p := datRetention(pool, bs)
	steps := []struct {
		after time.Duration
		gone  []string
	}{
		{30 * time.Minute, []string{"session revoked"}},
		{2 * time.Hour, []string{"session expiring at +1h"}},
		{23 * time.Hour, nil},
		{25 * time.Hour, []string{"failed media", "export"}},
		{29 * datDay, nil},
		{30*datDay + time.Hour, []string{"link expired", "link revoked", "link revoked after it expired",
			"invite expired", "invite revoked", "invite revoked after it expired"}},
		{89 * datDay, nil},
		{90*datDay + time.Hour, []string{"notification"}},
		{91*datDay + time.Hour, []string{"open count"}},
		{229 * datDay, nil},
		{231 * datDay, []string{"link live until +200d", "invite live until +200d"}},
		{364 * datDay, nil},
		{366 * datDay, []string{"deletion receipt", "dissolution receipt"}},
	}
	gone := map[string]bool{}
	for _, st := range steps {
		counts, err := p(ctx, base.Add(st.after))
		if err != nil {
			t.Fatalf("+%v: %v", st.after, err)
		}
		want := map[string]int64{}
		for _, label := range st.gone {
			gone[label] = true
			want[rows[label].category]++
		}
		maps.DeleteFunc(counts, func(_ string, n int64) bool { return n == 0 })
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Errorf("+%v: counts (-want +got):\n%s", st.after, diff)
		}
		for _, label := range slices.Sorted(maps.Keys(rows)) {
			if got := rows[label].exists(t, pool); got == gone[label] {
				t.Errorf("+%v: %s exists=%v, want %v", st.after, label, got, !gone[label])
			}
		}
		_, err = bs.Stat(ctx, account.ExportKey(exp))
		if blob.IsNotFound(err) != gone["export"] {
			t.Errorf("+%v: export object: %v (expired %v)", st.after, err, gone["export"])
		}
	}
}

// datRetention runs the engine's retention rules (the same list the
// retention:purge task runs) on pool and bs.
func datRetention(pool db.Conn, bs *blob.Store) func(context.Context, time.Time) (map[string]int64, error) {
	rules := retentionRules(retention.Config{}, pool, account.NewService(account.Config{}, pool, nil, bs, nil, nil))
	return func(ctx context.Context, now time.Time) (map[string]int64, error) {
		return retention.Run(ctx, now, rules)
	}
}

// datMediaStatus returns an item's status and fail reason.
func datMediaStatus(e *engine, id string) string {
	e.t.Helper()
	var status, reason string
	if err := e.pool.QueryRow(context.Background(), `SELECT status, coalesce(fail_reason, '') FROM media WHERE id = $1`, id).Scan(&status, &reason); err != nil {
		e.t.Fatalf("media row %s: %v", id, err)
	}
	if reason != "" {
		status += " " + reason
	}
	return status
}

// datQueue records re-enqueued items.
type datQueue struct {
	mu  sync.Mutex
	ids []string
}

func (q *datQueue) EnqueueProcess(_ context.Context, id string, _ upload.Kind) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, id)
	return nil
}

func (q *datQueue) EnqueueDelete(context.Context, string) error { return nil }
func (q *datQueue) EnqueuePlay(context.Context, string) error   { return nil }

func (q *datQueue) got() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.ids)
}

// The reconciler deletes old objects no live row owns (not in --dry-run),
// never touches an upload in flight, marks ready items whose original is
// missing as failed and re-enqueues items stuck in processing.
func TestDataReconcile(t *testing.T) {
	e := startEngine(t, "serve", nil)
	stopWorker := e.startAnother("work", map[string]string{"MEDIA_WORKER_SHUTDOWN_TIMEOUT": "5s"}).stop
	u := e.signIn("RecRay")
	intact, lost := e.uploadPhotoID(u, "photo", "", ""), e.uploadPhotoID(u, "photo", "", "")
	e.waitReady(u.tok, intact)
	e.waitReady(u.tok, lost)
	stopWorker()
	inflight, stuck := e.uploadPhotoID(u, "photo", "", ""), e.uploadPhotoID(u, "photo", "", "") // processing: no worker runs
	dbtest.MustExec(t, e.pool, `UPDATE media SET updated_at = now() - interval '1 hour' WHERE id = $1`, stuck)
	up, _ := e.startChunked(u.tok, map[string]any{"kind": "photo", "size": 4096}, 201)
	e.putPart(http.DefaultClient, u.tok, up.UploadID, 1, jpegHead(t, 4096, 3), 200)

	ctx := context.Background()
	if err := e.blob.Delete(ctx, "media/"+lost+"/original"); err != nil {
		t.Fatal(err)
	}
	orphans := []string{"media/" + ids.New() + "/original", "incoming/" + ids.New(),
		"exports/" + ids.New() + ".zip", "incoming/" + intact} // the last: a raw copy left beside a ready item
	for _, k := range orphans {
		if err := e.blob.PutBytes(ctx, k, []byte("orphan"), "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(orphans)
	before := e.keys("")
	incomplete := testenv.Incomplete(t, e.blob, "incoming/")
	if len(incomplete) != 1 {
		t.Fatalf("chunked upload in flight: %v", incomplete)
	}

	q := &datQueue{}
	exports := upload.KeyOwner{Prefix: account.ExportPrefix, Live: account.NewStore(e.pool).LiveExports,
		ID: func(k string) string { return strings.TrimSuffix(strings.TrimPrefix(k, account.ExportPrefix), ".zip") }}
	r := upload.NewSweeper(upload.Config{OrphanGrace: time.Hour, StuckAfter: 150 * time.Minute}, upload.NewStore(e.pool), e.blob, q, exports)
	now := time.Now().Add(2 * time.Hour)
	want := upload.SweepReport{DryRun: true, ObjectsScanned: len(before), OrphanObjects: len(orphans), MissingObjects: 1,
		StuckRequeued: 1, OrphanSample: orphans, MissingRowsByID: []string{lost}}
	rep, err := r.Deep(ctx, now, true)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rep.OrphanSample)
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("dry run report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before, e.keys("")); diff != "" || len(q.got()) != 0 || datMediaStatus(e, lost) != "ready" {
		t.Fatalf("dry run changed something: keys (-before +after):\n%s\nqueued %v, lost item %s", diff, q.got(), datMediaStatus(e, lost))
	}

	rep, err = r.Deep(ctx, now, false)
	if err != nil {
		t.Fatal(err)
	}
	want.DryRun = false
	slices.Sort(rep.OrphanSample)
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	kept := slices.DeleteFunc(slices.Clone(before), func(k string) bool { return slices.Contains(orphans, k) })
	if diff := cmp.Diff(kept, e.keys("")); diff != "" {
		t.Errorf("keys after reconcile (-want +got):\n%s", diff)
	}
	for _, k := range []string{"incoming/" + inflight, "incoming/" + stuck} {
		if !slices.Contains(kept, k) {
			t.Errorf("raw upload of a processing item %s was not in the bucket", k)
		}
	}
	if diff := cmp.Diff(incomplete, testenv.Incomplete(t, e.blob, "incoming/")); diff != "" {
		t.Errorf("chunked upload in flight touched (-before +after):\n%s", diff)
	}
	if ps, err := e.blob.ListParts(ctx, incomplete[0].Key, incomplete[0].UploadID); err != nil || len(ps) != 1 {
		t.Errorf("parts of the upload in flight: %v, %v", ps, err)
	}
	if got := datMediaStatus(e, lost); got != "failed missing_object" {
		t.Errorf("item whose original is missing: %s, want failed missing_object", got)
	}
	if got := datMediaStatus(e, intact); got != "ready" {
		t.Errorf("intact item: %s", got)
	}
	if diff := cmp.Diff([]string{stuck}, q.got()); diff != "" {
		t.Errorf("re-enqueued (-want +got):\n%s", diff)
	}
	if n := e.count(`SELECT count(*) FROM media WHERE id = $1 AND status = 'processing' AND attempts = 1 AND updated_at > now() - interval '1 minute'`, stuck); n != 1 {
		t.Errorf("stuck item not marked as re-enqueued")
	}

	// The next run: the failed item's remaining renditions are orphans now.
	rep, err = r.Deep(ctx, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OrphanObjects != 3 || rep.MissingObjects != 0 || rep.StuckRequeued != 0 {
		t.Errorf("second run: %+v, want 3 orphans (the failed item's renditions) and nothing else", rep)
	}
	if left := e.keys("media/" + lost + "/"); len(left) != 0 {
		t.Errorf("failed item's objects left: %v", left)
	}

	// The CLI prints the report as JSON.
	getenv := func(k string) string { return e.env[k] }
	var out bytes.Buffer
	if err := run(ctx, []string{"mediad", "reconcile", "--dry-run"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("mediad reconcile --dry-run: %v", err)
	}
	var cli upload.SweepReport
	if err := json.Unmarshal(out.Bytes(), &cli); err != nil {
		t.Fatalf("reconcile output is not a JSON report: %v\n%s", err, out.String())
	}
	if !cli.DryRun || cli.ObjectsScanned != len(e.keys("")) || cli.OrphanObjects != 0 {
		t.Errorf("CLI report: %s", out.String())
	}
	if err := run(ctx, []string{"mediad", "reconcile", "--force"}, getenv, io.Discard, io.Discard); err == nil {
		t.Errorf("mediad reconcile --force: no error")
	}
}

// datMe is GET /v1/me.
type datMe struct {
	User struct {
		ID            string  `json:"id"`
		PolicyVersion *string `json:"policy_version"`
	} `json:"user"`
	PolicyUpdateRequired bool   `json:"policy_update_required"`
	PolicyVersion        string `json:"policy_version"`
}

func datGetMe(e *engine, tok string) datMe {
	e.t.Helper()
	var me datMe
	e.do("GET", "/v1/me", tok, nil, 200, &me)
	return me
}

// Writes wait for consent to the current privacy policy; reads, consent,
// exports never do.
func TestDataConsentGate(t *testing.T) {
	e := startEngine(t, "serve", map[string]string{"MEDIA_POLICY_VERSION": "2026-12"})
	tok := e.login("ConsentCal")
	if me := datGetMe(e, tok); !me.PolicyUpdateRequired || me.PolicyVersion != "2026-12" || me.User.PolicyVersion != nil {
		t.Errorf("before consent: %+v", me)
	}
	datWant(e, "POST", "/v1/albums", tok, map[string]string{"title": "No"}, 428, "policy_consent_required")
	datWant(e, "POST", "/v1/uploads", tok, map[string]any{"kind": "photo", "size": 4096}, 428, "policy_consent_required")
	datWant(e, "PATCH", "/v1/me", tok, map[string]string{"nickname": "Cal"}, 428, "policy_consent_required")
	for _, path := range []string{"/v1/albums", "/v1/me/media", "/v1/shares"} {
		datWant(e, "GET", path, tok, nil, 200, "")
	}
	datWant(e, "POST", "/v1/me/exports", tok, nil, 202, "")
	datWant(e, "POST", "/v1/me/consent", tok, map[string]string{"version": "old"}, 400, "invalid_policy_version")
	datWant(e, "POST", "/v1/me/consent", tok, map[string]string{"version": ""}, 400, "invalid_policy_version")
	datWant(e, "POST", "/v1/albums", tok, map[string]string{"title": "Still no"}, 428, "policy_consent_required")
	var consent struct {
		PolicyUpdateRequired bool `json:"policy_update_required"`
	}
	e.do("POST", "/v1/me/consent", tok, map[string]string{"version": "2026-12"}, 200, &consent)
	if consent.PolicyUpdateRequired {
		t.Errorf("consent answer still requires an update")
	}
	datWant(e, "POST", "/v1/albums", tok, map[string]string{"title": "Yes"}, 201, "")
	me := datGetMe(e, tok)
	if me.PolicyUpdateRequired || me.User.PolicyVersion == nil || *me.User.PolicyVersion != "2026-12" {
		t.Errorf("after consent: %+v", me)
	}
	if n := e.count(`SELECT count(*) FROM users WHERE id = $1 AND policy_version = '2026-12' AND policy_accepted_at > now() - interval '1 minute'`, me.User.ID); n != 1 {
		t.Errorf("consent not recorded with its time")
	}

	// Consent given with the sign-in is recorded at once.
	var s struct {
		Token string `json:"token"`
	}
	e.do("POST", "/v1/auth/dev", "", map[string]string{"name": "ConsentDee", "policy_version": "2026-12"}, 200, &s)
	if me := datGetMe(e, s.Token); me.PolicyUpdateRequired {
		t.Errorf("signed in with consent: %+v", me)
	}
	datWant(e, "POST", "/v1/albums", s.Token, map[string]string{"title": "At once"}, 201, "")
}

// purge-all, for when the service stops: refused without the deployment's
// name; with it, every row, object, the bucket and the queues go.
func TestDataPurgeAll(t *testing.T) {
	e := startEngine(t, "all", map[string]string{"MEDIA_DEPLOYMENT_NAME": "test-deploy"})
	// testenv.Blob removes the bucket when the test ends: give it one back.
	t.Cleanup(func() {
		if err := e.blob.EnsureBucket(context.Background()); err != nil {
			t.Errorf("re-create bucket: %v", err)
		}
	})
	u := e.signIn("PurgePat")
	alb := datAlbum(e, u, "Everything")
	e.waitReady(u.tok, e.uploadPhotoID(u, "photo", alb, "link"))
	datShare(e, u, "album_id", alb)
	up, _ := e.startChunked(u.tok, map[string]any{"kind": "photo", "size": 4096}, 201)
	e.putPart(http.DefaultClient, u.tok, up.UploadID, 1, jpegHead(t, 4096, 5), 200)
	e.stop()
	e.stop = func() {}

	rdb := redis.NewClient(&redis.Options{Addr: e.env["MEDIA_REDIS_ADDR"], DB: redisDB})
	defer rdb.Close()
	ctx := context.Background()
	if n, err := rdb.DBSize(ctx).Result(); err != nil || n == 0 {
		t.Fatalf("redis db %d before purge: %d keys, %v", redisDB, n, err)
	}
	getenv := func(k string) string { return e.env[k] }
	for _, args := range [][]string{{"--confirm", "wrong"}, {"--confirm"}, {}, {"--confirm", "local"}, {"--confirm", "test-deploy", "x"}} {
		if err := run(ctx, append([]string{"mediad", "purge-all"}, args...), getenv, io.Discard, io.Discard); err == nil {
			t.Fatalf("purge-all %v: no error", args)
		}
	}
	if n := e.count(`SELECT count(*) FROM media`); n != 1 {
		t.Fatalf("refused purge-all removed rows: %d media left", n)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"mediad", "purge-all", "--confirm", "test-deploy"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("purge-all: %v\n%s", err, out.String())
	}
	for _, line := range []string{"postgres media: 1 rows deleted", "postgres users: 1 rows deleted",
		"minio " + e.blob.Bucket() + ": 4 objects and 1 unfinished uploads deleted, bucket removed",
		fmt.Sprintf("redis db %d: flushed", redisDB)} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("purge-all output lacks %q:\n%s", line, out.String())
		}
	}
	for _, table := range datTables(t, e.pool) {
		if n := e.count(`SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize()); n != 0 {
			t.Errorf("table %s: %d rows after purge-all", table, n)
		}
	}
	if n := e.count(`SELECT count(*) FROM schema_migrations`); n == 0 {
		t.Errorf("schema_migrations emptied")
	}
	if ok, err := e.blob.Client().BucketExists(ctx, e.blob.Bucket()); err != nil || ok {
		t.Errorf("bucket exists after purge-all: %v %v", ok, err)
	}
	if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 0 {
		t.Errorf("redis db %d after purge-all: %d keys, %v", redisDB, n, err)
	}
}
