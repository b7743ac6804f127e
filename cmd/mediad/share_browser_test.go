package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumPath is the browser the share page test drives (Debian's
// chromium; `scripts/devstack up --browser` installs it).
const chromiumPath = "/usr/bin/chromium"

// sbTitle is an album title that would run script if a page printed it raw.
const sbTitle = `云南之旅 <script>alert(1)</script> & "朋友们"`

// sbView is how the pages are looked at: on a phone in Chinese, as most
// recipients open them in WeChat, or on a desktop in English.
type sbView struct {
	name          string
	width, height int64
	mobile        bool
	accept        string            // the Accept-Language the browser sends
	lang          string            // the <html lang> it must get
	words         map[string]string // a phrase each page must show
}

var (
	sbPhone = sbView{name: "zh-CN 375x812", width: 375, height: 812, mobile: true,
		accept: "zh-CN,zh;q=0.9,en;q=0.8", lang: "zh-CN", words: map[string]string{
			"share-album": "链接有效期至", "share-preview": "下载", "share-password": "此链接需要密码",
			"share-expired": "此链接已过期", "wrong": "密码不正确", "notfound": "此链接不存在", "revoked": "此链接已被关闭"}}
	sbDesktop = sbView{name: "en 1280x800", width: 1280, height: 800,
		accept: "en-US,en;q=0.9", lang: "en", words: map[string]string{
			"share-album": "link works until", "share-preview": "Download", "share-password": "This link is protected",
			"share-expired": "This link has expired", "wrong": "not right", "notfound": "does not exist", "revoked": "turned off"}}
	sbNarrow = sbView{name: "zh-CN 320x640", width: 320, height: 640, mobile: true,
		accept: "zh-CN", lang: "zh-CN", words: sbPhone.words}
)

// TestShareBrowser opens share links in a real headless Chromium: the album
// grid with loaded thumbnails and an escaped title, the preview page, video
// playback, the password form, the expired page, and a visibility change,
// on a 375 px phone in Chinese; the album, preview, password and expired
// pages again on a 1280 px desktop in English, and a long title at 320 px.
// Every page checked is in its language, fits its width and has tap
// targets of 44 px at least. With MEDIA_SCREENSHOTS=1 it saves the phone
// screenshots to docs/screenshots/ (the desktop ones to a temp folder).
func TestShareBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("this test needs Chromium at %s (install: scripts/devstack up --browser): %v", chromiumPath, err)
	}
	e := startEngine(t, "all", map[string]string{"MEDIA_LOG_LEVEL": "info"})
	owner := e.login("sb-owner")
	var album struct {
		Album struct {
			ID string `json:"id"`
		} `json:"album"`
	}
	e.do("POST", "/v1/albums", owner, map[string]string{"title": sbTitle}, 201, &album)
	albumID := album.Album.ID
	var photos []string
	for _, name := range []string{"DSCN0010.jpg", "DSCN0012.jpg", "DSCN0021.jpg"} {
		f := fixtureFile(t, "images/gps/"+name)
		f.albumID, f.visibility = albumID, "link"
		photos = append(photos, e.uploadOK(owner, f).ID)
	}
	// The video is HEVC, as iPhones record: the page must play its H.264
	// play variant, which every phone's player decodes.
	f := fixtureFile(t, "video/hevc_x265.mp4")
	f.albumID, f.visibility = albumID, "link"
	video := e.uploadOK(owner, f).ID
	for _, id := range append(append([]string{}, photos...), video) {
		e.waitReady(owner, id)
	}
	if m := dpWaitPlay(e, owner, video); m.PlayStatus != "ready" {
		t.Fatalf("HEVC video: play %q (%v), want a transcode", m.PlayStatus, m.PlayFailReason)
	}
	link, _ := sbShare(e, owner, map[string]any{"album_id": albumID, "allow_download": true})

	b := newSBBrowser(t)
	b.setView(t, sbPhone)
	t.Run("headers", func(t *testing.T) { sbCheckHeaders(t, e.base+"/s/"+link, 200) })
	t.Run("album", func(t *testing.T) { sbAlbumPage(t, b, e, link) })
	t.Run("preview", func(t *testing.T) { sbPreviewPage(t, b, e, link) })
	t.Run("video", func(t *testing.T) { sbVideoPage(t, b, e, link) })
	t.Run("password", func(t *testing.T) { sbPasswordPage(t, b, e, owner, albumID) })
	t.Run("lockout", func(t *testing.T) { sbLockout(t, e, owner, albumID) })
	t.Run("expired", func(t *testing.T) { sbExpiredPage(t, b, e, owner, albumID) })
	t.Run("revoked", func(t *testing.T) { sbRevokedPage(t, b, e, owner, albumID) })
	t.Run("itemlink", func(t *testing.T) { sbItemLink(t, b, e, owner, photos[1]) })
	t.Run("desktop-en", func(t *testing.T) {
		b.setView(t, sbDesktop)
		defer b.setView(t, sbPhone)
		t.Run("album", func(t *testing.T) { sbAlbumPage(t, b, e, link) })
		t.Run("preview", func(t *testing.T) { sbPreviewPage(t, b, e, link) })
		t.Run("password", func(t *testing.T) { sbPasswordPage(t, b, e, owner, albumID) })
		t.Run("expired", func(t *testing.T) { sbExpiredPage(t, b, e, owner, albumID) })
		t.Run("unknown", func(t *testing.T) { sbUnknown(t, b, e) })
	})
	t.Run("narrow", func(t *testing.T) { sbLongTitle(t, b, e, owner, albumID, link) })
	t.Run("visibility", func(t *testing.T) { sbVisibilityChange(t, b, e, owner, link, photos[0]) })
	t.Run("unknown", func(t *testing.T) { sbUnknown(t, b, e) })
	b.checkClean(t)
}

// sbUnknown: a token no link has gets the 404 page.
func sbUnknown(t *testing.T, b *sbBrowser, e *engine) {
	sbCheckHeaders(t, e.base+"/s/"+strings.Repeat("x", 43), 404)
	if s := b.open(t, e.base+"/s/"+strings.Repeat("x", 43)); s != 404 {
		t.Errorf("unknown link: status %d, want 404", s)
	}
	b.waitTrue(t, fmt.Sprintf(`document.querySelector("h1").textContent.includes(%s)`, sbJS(b.view.words["notfound"])), 5*time.Second)
	b.checkLayout(t, "unknown")
}

// sbLongTitle: at 320 px, a title of one 64-letter word wraps instead of
// widening the page, on the album and on the item page.
func sbLongTitle(t *testing.T, b *sbBrowser, e *engine, owner, albumID, link string) {
	long := strings.Repeat("Yunnan2026Dali", 5)[:64]
	e.do("PATCH", "/v1/albums/"+albumID, owner, map[string]string{"title": long}, 200, nil)
	defer e.do("PATCH", "/v1/albums/"+albumID, owner, map[string]string{"title": sbTitle}, 200, nil)
	b.setView(t, sbNarrow)
	defer b.setView(t, sbPhone)
	if s := b.open(t, e.base+"/s/"+link); s != 200 {
		t.Fatalf("album page: status %d", s)
	}
	if h := eval[string](t, b, `document.querySelector("h1").textContent`); h != long {
		t.Fatalf("h1 %q, want the long title", h)
	}
	if lines := eval[float64](t, b, `(() => { const h = document.querySelector("h1");
		return h.getBoundingClientRect().height / parseFloat(getComputedStyle(h).lineHeight) })()`); lines < 2 {
		t.Errorf("the long title takes %.1f lines at 320 px, want it wrapped", lines)
	}
	b.checkLayout(t, "album with a long title")
	href := eval[string](t, b, `document.querySelector(".grid a.tile:not(.is-video)").href`)
	if s := b.open(t, href); s != 200 {
		t.Fatalf("item page: status %d", s)
	}
	b.waitTrue(t, sbLoaded("img.media", 1), 20*time.Second)
	b.checkLayout(t, "item page with a long title")
}

// sbAlbumPage: 4 tiles with loaded thumbnails; the title is printed as
// text, not markup, and no script ran.
func sbAlbumPage(t *testing.T, b *sbBrowser, e *engine, link string) {
	if s := b.open(t, e.base+"/s/"+link); s != 200 {
		t.Fatalf("album page: status %d, want 200", s)
	}
	b.waitTrue(t, sbLoaded(".grid img.thumb", 4), 20*time.Second)
	if n := eval[int](t, b, `document.querySelectorAll(".grid a.tile").length`); n != 4 {
		t.Errorf("album page shows %d tiles, want 4", n)
	}
	if n := eval[int](t, b, `document.querySelectorAll(".grid img.ph").length`); n != 4 {
		t.Errorf("album page has %d placeholders, want 4 (one per tile)", n)
	}
	if got := eval[string](t, b, `document.title`); got != sbTitle {
		t.Errorf("document.title = %q, want %q", got, sbTitle)
	}
	if got := eval[string](t, b, `document.querySelector("h1").textContent`); got != sbTitle {
		t.Errorf("h1 text = %q, want %q", got, sbTitle)
	}
	if n := eval[int](t, b, `document.scripts.length`); n != 0 {
		t.Errorf("page has %d <script> elements, want none", n)
	}
	b.checkPage(t, "share-album")
}

// sbPreviewPage: tapping the first photo tile opens its preview.
func sbPreviewPage(t *testing.T, b *sbBrowser, e *engine, link string) {
	if s := b.open(t, e.base+"/s/"+link); s != 200 {
		t.Fatalf("album page: status %d", s)
	}
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(".grid a.tile:not(.is-video)")))
	if err != nil {
		t.Fatalf("click photo tile: %v", err)
	}
	if resp.Status != 200 || !strings.Contains(resp.URL, "/s/"+link+"/i/") {
		t.Fatalf("photo tile led to %s (status %d), want /s/<token>/i/<id> (200)", resp.URL, resp.Status)
	}
	b.waitTrue(t, sbLoaded("img.media", 1), 20*time.Second)
	if href := eval[string](t, b, `(document.querySelector("a[download]") || {}).href || ""`); !strings.Contains(href, "/download?") {
		t.Errorf("preview page: download link %q, want one to the download variant", href)
	}
	b.checkPage(t, "share-preview")
}

// sbVideoPage: the video item page plays the HEVC upload's H.264 play
// variant for at least a second.
func sbVideoPage(t *testing.T, b *sbBrowser, e *engine, link string) {
	if s := b.open(t, e.base+"/s/"+link); s != 200 {
		t.Fatalf("album page: status %d", s)
	}
	href := eval[string](t, b, `document.querySelector(".grid a.tile.is-video").href`)
	if s := b.open(t, href); s != 200 {
		t.Fatalf("video page: status %d", s)
	}
	if poster := eval[string](t, b, `document.querySelector("video.media").poster`); !strings.Contains(poster, "/poster?") {
		t.Errorf("video poster = %q, want the poster variant", poster)
	}
	if src := eval[string](t, b, `document.querySelector("video.media").src`); !strings.Contains(src, "/play?") {
		t.Errorf("video src = %q, want the play variant", src)
	}
	b.checkLayout(t, "video")
	eval[bool](t, b, `(() => { const v = document.querySelector("video.media"); v.muted = true;
		v.play().catch(err => { window.sbPlayError = String(err) }); return true })()`)
	b.waitTrue(t, `(() => { const v = document.querySelector("video.media");
		if (v.error || window.sbPlayError) throw new Error("video: " + (window.sbPlayError || "media error " + v.error.code));
		return v.currentTime >= 1.0 || v.ended })()`, 15*time.Second)
}

// sbPasswordPage: a password link shows the form and nothing else; a wrong
// password shows an error, the right one sets an HttpOnly, SameSite=Strict
// cookie (not the password) and shows the thumbnails.
func sbPasswordPage(t *testing.T, b *sbBrowser, e *engine, owner, albumID string) {
	const password = "open sesame"
	link, _ := sbShare(e, owner, map[string]any{"album_id": albumID, "password": password})
	sbCheckHeaders(t, e.base+"/s/"+link, 401)
	if s := b.open(t, e.base+"/s/"+link); s != 401 {
		t.Fatalf("password link: status %d, want 401", s)
	}
	if n := eval[int](t, b, `document.querySelectorAll("form input[type=password]").length + 10*document.querySelectorAll("img").length`); n != 1 {
		t.Fatalf("password page: want a password field and no images (got code %d)", n)
	}
	b.checkPage(t, "share-password")
	if s := b.submitPassword(t, "not the password"); s != 401 {
		t.Errorf("wrong password: status %d, want 401", s)
	}
	if msg := eval[string](t, b, `(document.querySelector(".error") || {}).textContent || ""`); !strings.Contains(msg, b.view.words["wrong"]) {
		t.Errorf("wrong password: error message %q, want %q", msg, b.view.words["wrong"])
	}
	b.checkLayout(t, "wrong password")
	if n := eval[int](t, b, `document.querySelectorAll("img").length`); n != 0 {
		t.Errorf("wrong password: page shows %d images", n)
	}
	if s := b.submitPassword(t, password); s != 200 {
		t.Errorf("right password: status %d, want 200 after the redirect", s)
	}
	if loc := eval[string](t, b, `location.pathname`); loc != "/s/"+link {
		t.Errorf("after unlocking the page is %s, want /s/<token>", loc)
	}
	b.waitTrue(t, sbLoaded(".grid img.thumb", 4), 20*time.Second)
	sbCheckUnlockCookie(t, b, e, password)
}

func sbCheckUnlockCookie(t *testing.T, b *sbBrowser, e *engine, password string) {
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{e.base + "/s/"}})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range res.Cookies {
		if !strings.HasPrefix(c.Name, "unlock_") {
			continue
		}
		found = true
		if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict || c.Path != "/s/" || strings.Contains(c.Value, password) {
			t.Errorf("unlock cookie %s: httpOnly=%v sameSite=%s path=%s value has password=%v",
				c.Name, c.HTTPOnly, c.SameSite, c.Path, strings.Contains(c.Value, password))
		}
	}
	if !found {
		t.Error("no unlock cookie after the right password")
	}
	if got := eval[string](t, b, `document.cookie`); got != "" {
		t.Errorf("document.cookie = %q: the unlock cookie must be HttpOnly", got)
	}
}

// sbExpiredPage: a link that expires while open shows the expired page (410).
func sbExpiredPage(t *testing.T, b *sbBrowser, e *engine, owner, albumID string) {
	link, id := sbShare(e, owner, map[string]any{"album_id": albumID})
	if s := b.open(t, e.base+"/s/"+link); s != 200 {
		t.Fatalf("fresh link: status %d", s)
	}
	if _, err := e.pool.Exec(context.Background(), `UPDATE shares SET expires_at = now() - interval '1 second' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Reload())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 410 {
		t.Errorf("expired link: status %d, want 410", resp.Status)
	}
	if h := eval[string](t, b, `document.querySelector("h1").textContent`); !strings.Contains(h, b.view.words["share-expired"]) {
		t.Errorf("expired page heading %q, want %q", h, b.view.words["share-expired"])
	}
	if n := eval[int](t, b, `document.querySelectorAll("img").length`); n != 0 {
		t.Errorf("expired page shows %d images", n)
	}
	sbCheckHeaders(t, e.base+"/s/"+link, 410)
	b.checkPage(t, "share-expired")
}

// sbRevokedPage: a revoked link says so (410).
func sbRevokedPage(t *testing.T, b *sbBrowser, e *engine, owner, albumID string) {
	link, id := sbShare(e, owner, map[string]any{"album_id": albumID})
	e.do("DELETE", "/v1/shares/"+id, owner, nil, 204, nil)
	if s := b.open(t, e.base+"/s/"+link); s != 410 {
		t.Errorf("revoked link: status %d, want 410", s)
	}
	if h := eval[string](t, b, `document.querySelector("h1").textContent`); !strings.Contains(h, b.view.words["revoked"]) {
		t.Errorf("revoked page heading %q, want %q", h, b.view.words["revoked"])
	}
	b.checkLayout(t, "revoked")
}

// sbItemLink: a link to one item opens straight on that item.
func sbItemLink(t *testing.T, b *sbBrowser, e *engine, owner, photo string) {
	link, _ := sbShare(e, owner, map[string]any{"media_id": photo})
	if s := b.open(t, e.base+"/s/"+link); s != 200 {
		t.Fatalf("item link: status %d", s)
	}
	b.waitTrue(t, sbLoaded("img.media", 1), 20*time.Second)
	if n := eval[int](t, b, `document.querySelectorAll(".grid, a.back, a[download]").length`); n != 0 {
		t.Errorf("item link page has a grid, a way back or a download link (%d), want none", n)
	}
	if h := eval[string](t, b, `document.querySelector("h1").textContent`); h != "分享的照片" {
		t.Errorf("item link heading %q, want 分享的照片", h)
	}
	b.checkLayout(t, "item link")
}

// sbLockout: 5 wrong passwords from one network, then even the right one
// gets the 429 page.
func sbLockout(t *testing.T, e *engine, owner, albumID string) {
	link, _ := sbShare(e, owner, map[string]any{"album_id": albumID, "password": "right one"})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	try := func(pw string) *http.Response {
		resp, err := client.PostForm(e.base+"/s/"+link+"/unlock", url.Values{"password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := try("right one"); r.StatusCode != 303 || r.Header.Get("Location") != "/s/"+link ||
		!strings.Contains(r.Header.Get("Set-Cookie"), "HttpOnly") || strings.Contains(r.Header.Get("Set-Cookie"), "right") {
		t.Errorf("right password: %d, Location %q, Set-Cookie %q", r.StatusCode, r.Header.Get("Location"), r.Header.Get("Set-Cookie"))
	}
	for i := 1; i <= 4; i++ { // every try counts, the right one above too
		if r := try("wrong"); r.StatusCode != 401 {
			t.Fatalf("wrong password %d: status %d, want 401", i, r.StatusCode)
		}
	}
	r := try("right one")
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("after 5 tries: status %d, Retry-After %q, Content-Type %q; want a 429 page",
			r.StatusCode, r.Header.Get("Retry-After"), r.Header.Get("Content-Type"))
	}
}

// sbVisibilityChange: an item switched to members-only leaves the page at
// once, and its preview page is gone too.
func sbVisibilityChange(t *testing.T, b *sbBrowser, e *engine, owner, link, photo string) {
	e.do("PATCH", "/v1/media/"+photo, owner, map[string]string{"visibility": "members"}, 200, nil)
	if s := b.open(t, e.base+"/s/"+link); s != 200 {
		t.Fatalf("album page: status %d", s)
	}
	b.waitTrue(t, sbLoaded(".grid img.thumb", 3), 20*time.Second)
	if n := eval[int](t, b, `document.querySelectorAll(".grid a.tile").length`); n != 3 {
		t.Errorf("after the visibility change the page shows %d tiles, want 3", n)
	}
	if s := b.open(t, e.base+"/s/"+link+"/i/"+photo); s != 404 {
		t.Errorf("preview of the members-only item: status %d, want 404", s)
	}
}

// sbCheckHeaders fetches a page without a browser, once in each language,
// and checks its status and security and language headers.
func sbCheckHeaders(t *testing.T, url string, status int) {
	t.Helper()
	for accept, lang := range map[string]string{"": "zh-CN", sbPhone.accept: "zh-CN", sbDesktop.accept: "en"} {
		sbCheckHeadersIn(t, url, status, accept, lang)
	}
}

func sbCheckHeadersIn(t *testing.T, url string, status int, accept, lang string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if accept != "" {
		req.Header.Set("Accept-Language", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if cl, vary := resp.Header.Get("Content-Language"), resp.Header.Get("Vary"); cl != lang || !strings.Contains(vary, "Accept-Language") ||
		!bytes.Contains(body, []byte(`<html lang="`+lang+`">`)) {
		t.Errorf("GET %s (Accept-Language %q): Content-Language %q, Vary %q; want %s, varying by Accept-Language, and <html lang=%q>",
			url, accept, cl, vary, lang, lang)
	}
	if resp.StatusCode != status {
		t.Errorf("GET %s: status %d, want %d", url, resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want text/html", ct)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	script := sbDirective(csp, "script-src")
	if script == "" {
		script = sbDirective(csp, "default-src")
	}
	if csp == "" || script == "" || strings.Contains(script, "unsafe-inline") || strings.Contains(sbDirective(csp, "style-src"), "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q: want one without unsafe-inline for scripts and styles", csp)
	}
	for h, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"} {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if bytes.Contains(body, []byte("<script")) {
		t.Errorf("page contains a <script> tag:\n%s", body)
	}
	if status == 200 && !bytes.Contains(body, []byte(html.EscapeString(sbTitle))) {
		t.Errorf("album page does not show the escaped title:\n%s", body)
	}
}

func sbDirective(csp, name string) string {
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 && f[0] == name {
			return strings.Join(f[1:], " ")
		}
	}
	return ""
}

// sbLoaded is a predicate: at least n images match sel and all of them
// have loaded.
func sbLoaded(sel string, n int) string {
	return fmt.Sprintf(`(() => { const imgs = [...document.querySelectorAll(%q)];
		return imgs.length >= %d && imgs.every(i => i.complete && i.naturalWidth > 0) })()`, sel, n)
}

// sbShare creates a link and returns its token and id.
func sbShare(e *engine, token string, body map[string]any) (string, string) {
	e.t.Helper()
	var out struct {
		Token string `json:"token"`
		Share struct {
			ID string `json:"id"`
		} `json:"share"`
	}
	e.do("POST", "/v1/shares", token, body, 201, &out)
	return out.Token, out.Share.ID
}

// sbBrowser is one headless Chromium tab with a watch on dialogs and on
// console errors (CSP violations among them).
type sbBrowser struct {
	ctx     context.Context
	view    sbView
	mu      sync.Mutex
	dialogs []string
	console []string
}

func newSBBrowser(t *testing.T) *sbBrowser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("mute-audio", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &sbBrowser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // start the browser, no timeout
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	console := chromedp.Console(ctx)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, string(ev.Type)+": "+ev.Message)
			b.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			// The error pages' own 4xx statuses are expected.
			expected := strings.HasPrefix(m.Text, "Failed to load resource: the server responded with a status of 4")
			if (m.Type == "error" && !expected) || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.console = append(b.console, m.Text)
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// open navigates and returns the HTTP status of the document.
func (b *sbBrowser) open(t *testing.T, url string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return resp.Status
}

// submitPassword types into the password form, submits it and returns the
// status of the page it lands on.
func (b *sbBrowser) submitPassword(t *testing.T, pw string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#password"), pw)); err != nil {
		t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("form button[type=submit]")))
	if err != nil {
		t.Fatalf("submit password: %v", err)
	}
	return resp.Status
}

// waitTrue polls a JavaScript predicate until it is true; an exception in
// it fails at once.
func (b *sbBrowser) waitTrue(t *testing.T, expr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true within %s: %s", within, expr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func eval[T any](t *testing.T, b *sbBrowser, expr string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// setView resizes the tab (a phone: mobile viewport, touch, 2x pixels) and
// sets the Accept-Language it sends from now on.
func (b *sbBrowser) setView(t *testing.T, v sbView) {
	t.Helper()
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateLandscape}
	if v.mobile {
		opts = []chromedp.EmulateViewportOption{chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)}
	}
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(v.width, v.height, opts...)); err != nil {
		t.Fatalf("view %s: %v", v.name, err)
	}
	if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders,
		network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": v.accept}}); err != nil {
		t.Fatalf("view %s: %v", v.name, err)
	}
	// Headless Chromium prefers no colour scheme; recipients mostly see the light one.
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "light"}}}); err != nil {
		t.Fatalf("view %s: %v", v.name, err)
	}
	b.view = v
}

// checkPage checks the page the tab shows, named like its screenshot: it
// speaks the view's language, fits the view (checkLayout), and is saved as
// a screenshot.
func (b *sbBrowser) checkPage(t *testing.T, name string) {
	t.Helper()
	v := b.view
	if lang := eval[string](t, b, `document.documentElement.lang`); lang != v.lang {
		t.Errorf("%s at %s: <html lang=%q>, want %q", name, v.name, lang, v.lang)
	}
	// What the page itself says: its text without the album's title.
	ui := eval[string](t, b, fmt.Sprintf(`document.body.innerText.split(%s).join(" ")`, sbJS(sbTitle)))
	if want := v.words[name]; !strings.Contains(ui, want) {
		t.Errorf("%s at %s does not say %q:\n%s", name, v.name, want, ui)
	}
	han, latin := regexp.MustCompile(`\p{Han}`), regexp.MustCompile(`[A-Za-z]{2,}`)
	switch v.lang {
	case "zh-CN":
		if words := latin.FindAllString(ui, -1); len(words) > 0 || !han.MatchString(ui) {
			t.Errorf("%s at %s is not all Chinese (%q):\n%s", name, v.name, words, ui)
		}
	case "en":
		if han.MatchString(ui) || !latin.MatchString(ui) {
			t.Errorf("%s at %s is not English:\n%s", name, v.name, ui)
		}
	}
	b.checkLayout(t, name)
	b.screenshot(t, name)
}

// sbLayoutJS lists what does not fit a phone: a page wider than the
// window, an element whose text overflows its box or leaves the window,
// and a link, button or field smaller than 44x44 px.
const sbLayoutJS = `(() => {
	// The layout viewport: on a phone innerWidth grows to fit a page too wide.
	const bad = [], vw = Math.min(window.innerWidth, document.documentElement.clientWidth);
	const name = el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "") +
		" " + JSON.stringify((el.textContent || el.getAttribute("alt") || "").trim().slice(0, 30));
	const doc = document.documentElement;
	if (doc.scrollWidth > vw) bad.push("the page is " + doc.scrollWidth + " px wide in a " + vw + " px window");
	for (const el of document.body.querySelectorAll("*")) {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && (r.left < -1 || r.right > vw + 1)) bad.push(name(el) + " spans " + Math.round(r.left) + ".." + Math.round(r.right) + " px");
		if (el.textContent.trim() !== "" && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== "inline")
			bad.push(name(el) + ": text " + el.scrollWidth + " px wide in a " + el.clientWidth + " px box");
	}
	for (const el of document.querySelectorAll("a, button, input, select, textarea")) {
		if (el.type === "hidden") continue;
		const r = el.getBoundingClientRect();
		if (r.width < 44 || r.height < 44) bad.push(name(el) + " is a " + r.width.toFixed(1) + "x" + r.height.toFixed(1) + " px target");
	}
	return bad;
})()`

// checkLayout fails for everything sbLayoutJS finds on the page.
func (b *sbBrowser) checkLayout(t *testing.T, what string) {
	t.Helper()
	for _, p := range eval[[]string](t, b, sbLayoutJS) {
		t.Errorf("%s at %s: %s", what, b.view.name, p)
	}
}

// sbJS quotes s for JavaScript.
func sbJS(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// screenshot saves the tab when MEDIA_SCREENSHOTS=1, so ordinary runs
// leave the tree clean: the Chinese phone view as docs/screenshots/name.png
// (the README shows those), the English desktop one as name-en.png in a
// temp folder, to look at.
func (b *sbBrowser) screenshot(t *testing.T, name string) {
	t.Helper()
	if os.Getenv("MEDIA_SCREENSHOTS") != "1" {
		return
	}
	// Without a Chinese font Chromium draws boxes, and the test cannot see it.
	if out, err := exec.Command("fc-list", ":lang=zh", "family").Output(); err != nil || len(bytes.TrimSpace(out)) == 0 {
		t.Fatalf("screenshot %s: no Chinese font (fc-list :lang=zh: %v); install one, e.g. Debian's fonts-noto-cjk", name, err)
	}
	dir, file := filepath.Join("..", "..", "docs", "screenshots"), name+".png"
	if b.view.name != sbPhone.name {
		dir, file = filepath.Join(os.TempDir(), "mediad-screenshots"), name+"-"+b.view.lang+".png"
	}
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	small, err := sbSmallPNG(shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), small, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", filepath.Join(dir, file))
}

// sbSmallPNG re-encodes a screenshot with 256 colours (dithered), about a
// third of the size, so the PNGs stay small in the repository.
func sbSmallPNG(shot []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		return nil, err
	}
	p := image.NewPaletted(img.Bounds(), sbPalette(img))
	draw.FloydSteinberg.Draw(p, p.Bounds(), img, img.Bounds().Min)
	var out bytes.Buffer
	err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, p)
	return out.Bytes(), err
}

// sbBin is a 15-bit colour cell: channel sums and the pixel count.
type sbBin struct {
	sum [3]int
	n   int
}

func (b *sbBin) mean(ch int) int { return b.sum[ch] / b.n }

// sbPalette: the page's 32 most frequent exact colours (flat backgrounds
// and text stay clean), then a median cut of the rest.
func sbPalette(img image.Image) color.Palette {
	exact, cells := map[uint32]int{}, map[uint32]*sbBin{}
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			exact[r<<16|g<<8|b]++
			k := r>>3<<10 | g>>3<<5 | b>>3
			if cells[k] == nil {
				cells[k] = &sbBin{}
			}
			c := cells[k]
			c.sum, c.n = [3]int{c.sum[0] + int(r), c.sum[1] + int(g), c.sum[2] + int(b)}, c.n+1
		}
	}
	top := slices.SortedFunc(maps.Keys(exact), func(a, b uint32) int { return exact[b] - exact[a] })
	pal := color.Palette{}
	for _, c := range top[:min(32, len(top))] {
		pal = append(pal, color.RGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 255})
	}
	for _, box := range sbMedianCut(slices.Collect(maps.Values(cells)), 256-len(pal)) {
		var sum [3]int
		n := 0
		for _, c := range box {
			sum, n = [3]int{sum[0] + c.sum[0], sum[1] + c.sum[1], sum[2] + c.sum[2]}, n+c.n
		}
		pal = append(pal, color.RGBA{uint8(sum[0] / n), uint8(sum[1] / n), uint8(sum[2] / n), 255})
	}
	return pal
}

// sbMedianCut splits the cells into up to k boxes: each time the box with
// the most pixels, along its widest channel, at its pixel median.
func sbMedianCut(cells []*sbBin, k int) [][]*sbBin {
	pixels := func(box []*sbBin) (n int) {
		for _, c := range box {
			n += c.n
		}
		return n
	}
	boxes := [][]*sbBin{cells}
	for len(boxes) < k {
		i := -1
		for j, box := range boxes {
			if len(box) > 1 && (i < 0 || pixels(box) > pixels(boxes[i])) {
				i = j
			}
		}
		if i < 0 {
			break
		}
		box, ch, wide := boxes[i], 0, -1
		for c := range 3 {
			lo := slices.MinFunc(box, func(a, b *sbBin) int { return a.mean(c) - b.mean(c) }).mean(c)
			hi := slices.MaxFunc(box, func(a, b *sbBin) int { return a.mean(c) - b.mean(c) }).mean(c)
			if hi-lo > wide {
				ch, wide = c, hi-lo
			}
		}
		slices.SortFunc(box, func(a, b *sbBin) int { return a.mean(ch) - b.mean(ch) })
		cut, acc, half := 1, 0, pixels(box)/2
		for j, c := range box {
			if acc += c.n; acc >= half {
				cut = max(1, min(j+1, len(box)-1))
				break
			}
		}
		boxes = append(boxes[:i], append([][]*sbBin{box[:cut], box[cut:]}, boxes[i+1:]...)...)
	}
	return boxes
}

// checkClean: no dialog ever opened (no script ran) and the console saw no
// errors, CSP violations included.
func (b *sbBrowser) checkClean(t *testing.T) {
	t.Helper()
	time.Sleep(200 * time.Millisecond) // let the last events arrive
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		t.Errorf("dialogs opened: %q", b.dialogs)
	}
	for _, m := range b.console {
		t.Errorf("console error: %s", m)
	}
}
