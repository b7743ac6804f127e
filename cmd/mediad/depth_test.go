package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxalbum/mediad/internal/testenv/metacheck"
)

// dpMedia is the part of GET /v1/media/:id these tests read.
type dpMedia struct {
	ID             string            `json:"id"`
	Status         string            `json:"status"`
	CreatedAt      time.Time         `json:"created_at"`
	TakenAt        time.Time         `json:"taken_at"`
	TakenAtSource  string            `json:"taken_at_source"`
	PlayStatus     string            `json:"play_status"`
	PlayFailReason *string           `json:"play_fail_reason"`
	URLs           map[string]string `json:"urls"`
}

func dpGet(e *engine, tok, id string) dpMedia {
	e.t.Helper()
	var out struct {
		Media dpMedia `json:"media"`
	}
	e.do("GET", "/v1/media/"+id, tok, nil, 200, &out)
	return out.Media
}

// dpUpload uploads a testdata file into album with visibility and waits
// until it is ready.
func dpUpload(e *engine, tok, rel, albumID, vis string) string {
	e.t.Helper()
	f := fixtureFile(e.t, rel)
	f.albumID, f.visibility = albumID, vis
	id := e.uploadOK(tok, f).ID
	e.waitReady(tok, id)
	return id
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// TestCaptureTime: a camera photo with GPS and DateTimeOriginal comes back
// with taken_at equal to the EXIF time (recorded without an offset, so read
// in MEDIA_TIMEZONE's default, Asia/Shanghai) and no GPS and no date in any
// served byte; a photo without one falls back to its upload time and says
// so. A link recipient sees no date unless the link was made with
// show_dates, and then only real capture times.
func TestCaptureTime(t *testing.T) {
	e := startEngine(t, "all", nil)
	owner := e.login("ct-owner")
	albumID := e.album(owner, nil)
	gps := dpUpload(e, owner, "images/gps/DSCN0010.jpg", albumID, "link")
	plain := dpUpload(e, owner, "images/orientation/landscape_1.jpg", albumID, "link")

	m := dpGet(e, owner, gps)
	if want := time.Date(2008, 10, 22, 16, 28, 39, 0, shanghai); !m.TakenAt.Equal(want) || m.TakenAtSource != "exif" {
		t.Errorf("taken_at %v from %q, want %v from exif", m.TakenAt, m.TakenAtSource, want)
	}
	served := map[string][]byte{}
	for v, u := range m.URLs {
		resp, b := fetch(t, u, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", v, resp.StatusCode)
		}
		served[v+".jpg"] = b
		if bytes.Contains(b, []byte("2008:10:22")) {
			t.Errorf("%s still carries the capture date", v)
		}
	}
	metacheck.AssertClean(t, served) // no GPS, XMP, IPTC, MakerNotes, serials, comments, trailers
	p := dpGet(e, owner, plain)
	if !p.TakenAt.Equal(p.CreatedAt) || p.TakenAtSource != "upload" {
		t.Errorf("no EXIF time: taken_at %v from %q, want the upload time %v from upload", p.TakenAt, p.TakenAtSource, p.CreatedAt)
	}

	hidden, _ := sbShare(e, owner, map[string]any{"album_id": albumID})
	dated, _ := sbShare(e, owner, map[string]any{"album_id": albumID, "show_dates": true})
	for tok, want := range map[string]map[string]string{
		hidden: {gps: "", plain: ""},
		dated:  {gps: "2008-10-22T16:28:39+08:00", plain: ""},
	} {
		var pub struct {
			Items []struct {
				ID      string  `json:"id"`
				TakenAt *string `json:"taken_at"`
			} `json:"items"`
		}
		e.do("GET", "/v1/public/shares/"+tok, "", nil, 200, &pub)
		got := map[string]string{}
		for _, it := range pub.Items {
			got[it.ID] = ""
			if it.TakenAt != nil {
				got[it.ID] = *it.TakenAt
			}
		}
		if len(got) != 2 || got[gps] != want[gps] || got[plain] != want[plain] {
			t.Errorf("link (show_dates %v): taken_at %v, want %v", tok == dated, got, want)
		}
		_, page := fetch(t, e.base+"/s/"+tok+"/i/"+gps, "")
		if has := bytes.Contains(page, []byte("拍摄于 2008年10月22日 16:28")); has != (tok == dated) {
			t.Errorf("item page (show_dates %v) shows the date: %v", tok == dated, has)
		}
	}
}

// TestTimeline: album items and /v1/me/media listed by capture time with a
// keyset cursor, and the album's days with counts and cover thumbs, both
// counting only what the caller may see; a non-member gets 404.
func TestTimeline(t *testing.T) {
	e := startEngine(t, "all", nil)
	owner, member, outsider := e.login("tl-owner"), e.login("tl-member"), e.login("tl-outsider")
	albumID := e.album(owner, map[string]string{member: "contributor"})
	ids := map[string]string{}
	for name, up := range map[string]struct{ rel, vis string }{
		"2008a":   {"images/gps/DSCN0010.jpg", "members"},
		"2008b":   {"images/gps/DSCN0012.jpg", "members"},
		"2008own": {"images/gps/DSCN0021.jpg", "only_me"},
		"2014":    {"images/phone/jolla.jpg", "members"},
		"2015":    {"images/phone/iphone_hdr_NO.jpg", "members"},
		"today":   {"images/orientation/landscape_1.jpg", "members"},
	} {
		ids[name] = dpUpload(e, owner, up.rel, albumID, up.vis)
	}
	page := func(tok, path string) ([]string, string) {
		var out struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			Media []struct {
				ID string `json:"id"`
			} `json:"media"`
			Next string `json:"next_cursor"`
		}
		e.do("GET", path, tok, nil, 200, &out)
		var got []string
		for _, it := range out.Items {
			got = append(got, it.ID)
		}
		for _, it := range out.Media {
			got = append(got, it.ID)
		}
		return got, out.Next
	}
	walk := func(tok, base string) []string {
		var all []string
		cursor := ""
		for range 10 {
			got, next := page(tok, base+"&limit=2&cursor="+cursor)
			all = append(all, got...)
			if next == "" {
				return all
			}
			cursor = next
		}
		t.Fatalf("%s: no last page", base)
		return nil
	}
	names := func(list []string) string {
		rev := map[string]string{}
		for n, id := range ids {
			rev[id] = n
		}
		var out []string
		for _, id := range list {
			out = append(out, rev[id])
		}
		return strings.Join(out, " ")
	}
	if got := names(walk(member, "/v1/albums/"+albumID+"/items?order=taken")); got != "today 2015 2014 2008b 2008a" {
		t.Errorf("member's timeline: %s", got)
	}
	if got := names(walk(owner, "/v1/albums/"+albumID+"/items?order=taken")); got != "today 2015 2014 2008own 2008b 2008a" {
		t.Errorf("owner's timeline: %s", got)
	}
	if got := names(walk(owner, "/v1/me/media?order=taken")); got != "today 2015 2014 2008own 2008b 2008a" {
		t.Errorf("/v1/me/media by taken: %s", got)
	}
	// A cursor of one order is refused by the other.
	_, next := page(owner, "/v1/albums/"+albumID+"/items?order=taken&limit=1")
	e.check("owner", "GET", "/v1/albums/"+albumID+"/items?cursor="+next, owner, nil, 400, "invalid_cursor")
	e.check("owner", "GET", "/v1/albums/"+albumID+"/items?order=shot", owner, nil, 400, "invalid_order")

	type day struct {
		Day      string  `json:"day"`
		Count    int     `json:"count"`
		CoverID  *string `json:"cover_id"`
		ThumbURL string  `json:"thumb_url"`
	}
	days := func(tok, q string) ([]day, string) {
		var out struct {
			Days []day  `json:"days"`
			Next string `json:"next_cursor"`
		}
		e.do("GET", "/v1/albums/"+albumID+"/days"+q, tok, nil, 200, &out)
		return out.Days, out.Next
	}
	today := time.Now().In(shanghai).Format(time.DateOnly)
	first, next := days(member, "?limit=2")
	rest, last := days(member, "?limit=2&cursor="+next)
	got := append(first, rest...)
	want := []day{{Day: today, Count: 1, CoverID: ptr(ids["today"])}, {Day: "2015-04-10", Count: 1, CoverID: ptr(ids["2015"])},
		{Day: "2014-09-21", Count: 1, CoverID: ptr(ids["2014"])}, {Day: "2008-10-22", Count: 2, CoverID: ptr(ids["2008b"])}}
	if len(got) != len(want) || last != "" {
		t.Fatalf("member's days %+v (next %q), want %d days on two pages", got, last, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Day != w.Day || g.Count != w.Count || g.CoverID == nil || *g.CoverID != *w.CoverID {
			t.Errorf("day %d: %s %d cover %v, want %s %d cover %s", i, g.Day, g.Count, g.CoverID, w.Day, w.Count, *w.CoverID)
			continue
		}
		if resp, b := fetch(t, g.ThumbURL, ""); resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
			t.Errorf("day %s cover thumb: %d", g.Day, resp.StatusCode)
		}
	}
	if owned, _ := days(owner, ""); len(owned) != 4 || owned[3].Count != 3 || *owned[3].CoverID != ids["2008own"] {
		t.Errorf("owner's 2008-10-22: %+v, want 3 items with the own item as cover", owned[len(owned)-1])
	}
	e.check("outsider", "GET", "/v1/albums/"+albumID+"/days", outsider, nil, 404, "not_found")
	e.check("member", "GET", "/v1/albums/"+albumID+"/days?cursor=yesterday", member, nil, 400, "invalid_cursor")
}

func ptr[T any](v T) *T { return &v }

// TestPlayVariant: an HEVC upload is ready with its stripped original and
// poster, then gets a play URL whose bytes ffprobe reads as H.264 (High,
// yuv420p) with AAC and no metadata; an H.264/AAC upload is not re-encoded
// (play serves the stripped original).
func TestPlayVariant(t *testing.T) {
	e := startEngine(t, "all", nil)
	owner := e.login("pv-owner")
	hevc := dpUpload(e, owner, "video/hevc_x265.mp4", "", "")
	h264 := dpUpload(e, owner, "video/location_udta.mp4", "", "")

	m := dpWaitPlay(e, owner, hevc)
	if m.PlayStatus != "ready" || m.URLs["play"] == "" {
		t.Fatalf("HEVC: play %q (%v), urls %v", m.PlayStatus, m.PlayFailReason, m.URLs)
	}
	resp, play := fetch(t, m.URLs["play"], "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("play: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := dpProbe(t, play); got != "h264 High yuv420p 640x360|aac" {
		t.Errorf("play variant streams %q, want h264 High yuv420p 640x360|aac", got)
	}
	metacheck.AssertClean(t, map[string][]byte{"play.mp4": play})
	if _, orig := fetch(t, m.URLs["original"], ""); bytes.Equal(orig, play) || !strings.HasPrefix(dpProbe(t, orig), "hevc") {
		t.Error("the stripped original is not the HEVC file any more")
	}

	o := dpWaitPlay(e, owner, h264)
	if o.PlayStatus != "original" || o.URLs["play"] == "" {
		t.Fatalf("H.264: play %q, urls %v", o.PlayStatus, o.URLs)
	}
	_, a := fetch(t, o.URLs["play"], "")
	_, b := fetch(t, o.URLs["original"], "")
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("H.264 play (%d bytes) is not the stripped original (%d bytes)", len(a), len(b))
	}
	if n := len(e.keys("media/" + h264 + "/")); n != 5 {
		t.Errorf("H.264 item holds %d objects, want 5 (no transcode stored)", n)
	}
	if n := len(e.keys("media/" + hevc + "/")); n != 6 {
		t.Errorf("HEVC item holds %d objects, want 6 (with play)", n)
	}
	// Deleting the item removes the transcode too.
	e.do("DELETE", "/v1/media/"+hevc, owner, nil, 202, nil)
	if !poll(30*time.Second, func() bool { return len(e.keys("media/"+hevc+"/")) == 0 }) {
		t.Errorf("objects left after delete: %v", e.keys("media/"+hevc+"/"))
	}
}

// dpWaitPlay polls a ready video until its play variant is no longer pending.
func dpWaitPlay(e *engine, tok, id string) dpMedia {
	e.t.Helper()
	var m dpMedia
	if !poll(90*time.Second, func() bool { m = dpGet(e, tok, id); return m.PlayStatus != "pending" }) {
		e.t.Fatalf("play variant of %s still pending", id)
	}
	return m
}

// dpProbe describes a video's first video and audio streams as
// "codec profile pix_fmt WxH|audio codec".
func dpProbe(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v.mp4")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-of", "json", "-show_streams", path).Output()
	if err != nil {
		t.Fatalf("ffprobe (install: scripts/devstack up): %v", err)
	}
	var pj struct {
		Streams []struct {
			Type    string `json:"codec_type"`
			Codec   string `json:"codec_name"`
			Profile string `json:"profile"`
			PixFmt  string `json:"pix_fmt"`
			Width   int    `json:"width"`
			Height  int    `json:"height"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &pj); err != nil {
		t.Fatal(err)
	}
	v, a := "", ""
	for _, s := range pj.Streams {
		switch {
		case s.Type == "video" && v == "":
			v = strings.Join([]string{s.Codec, s.Profile, s.PixFmt, strconv.Itoa(s.Width) + "x" + strconv.Itoa(s.Height)}, " ")
		case s.Type == "audio" && a == "":
			a = s.Codec
		}
	}
	return v + "|" + a
}

// TestMethodOverrideForMiniPrograms: wx.request cannot send PATCH, so a
// POST with X-HTTP-Method-Override: PATCH reaches the PATCH routes (item
// visibility here) with the same rules; without the header POST is no
// such route.
func TestMethodOverrideForMiniPrograms(t *testing.T) {
	e := startEngine(t, "all", nil)
	owner, other := e.login("mo-owner"), e.login("mo-other")
	id := dpUpload(e, owner, "images/orientation/landscape_2.jpg", "", "")
	req := e.jsonRequest("POST", "/v1/media/"+id, map[string]string{"visibility": "link"})
	req.Header.Set("X-HTTP-Method-Override", "PATCH")
	var out struct {
		Media dpMedia `json:"media"`
	}
	e.send(req, owner, 200, &out)
	var got struct {
		Media struct {
			Visibility string `json:"visibility"`
		} `json:"media"`
	}
	e.do("GET", "/v1/media/"+id, owner, nil, 200, &got)
	if got.Media.Visibility != "link" {
		t.Errorf("visibility %q after an overridden PATCH, want link", got.Media.Visibility)
	}
	req = e.jsonRequest("POST", "/v1/media/"+id, map[string]string{"visibility": "only_me"})
	req.Header.Set("X-HTTP-Method-Override", "PATCH")
	e.send(req, other, 404, nil) // the same rules: someone else's item does not exist
	if st, _ := e.try("POST", "/v1/media/"+id, owner, map[string]string{"visibility": "only_me"}); st != 404 && st != 405 {
		t.Errorf("POST without the override: %d, want no such route", st)
	}
}
