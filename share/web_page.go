package share

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/site.css
var siteCSS []byte

// asset is one embedded file served under /s/-/.
type asset struct {
	contentType string
	data        []byte
}

var assets = map[string]asset{"site.css": {"text/css; charset=utf-8", siteCSS}}

// cssURL names the stylesheet by its content, so caches never serve an
// old one with a new page.
var cssURL = func() string {
	h := sha256.Sum256(siteCSS)
	return WebPrefix + "-/site.css?v=" + hex.EncodeToString(h[:6])
}()

// pages are the page templates, each the layout plus its "content".
var pages = func() map[string]*template.Template {
	layout := template.Must(template.ParseFS(templateFS, "templates/layout.html"))
	m := map[string]*template.Template{}
	for _, name := range []string{"album", "item", "locked", "error"} {
		m[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
	}
	return m
}()

// page is what every template gets; html/template escapes all of it.
// The embedded locale gives templates .T "key" and .Lang.
type page struct {
	locale
	Status    int
	PageTitle string
	Heading   string
	Message   string
	CSS       string
	Expires   string
	Tiles     []tile
	NextURL   string
	Item      *itemView
	BackURL   string
	UnlockURL string
	ItemID    string
	Error     string

	retryAfter int
}

// tile is one thumbnail of the album grid.
type tile struct {
	Href        string
	Thumb       string
	Placeholder template.URL
	Video       bool
	Alt         string
}

// itemView is one item shown large.
type itemView struct {
	Video       bool
	Src         string
	Poster      string
	Download    string
	Width       int
	Height      int
	Placeholder template.URL
	Taken       string // when it was taken: only on show_dates links
}

// render writes page name in p's language. Every page says its language
// and that it depends on Accept-Language, so no shared cache hands one
// reader's language to another (the pages are no-store besides, and the
// link view cache holds only the JSON API's responses).
func render(c *fiber.Ctx, status int, name string, p *page) error {
	p.CSS = cssURL
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, string(p.Lang))
	c.Vary(fiber.HeaderAcceptLanguage)
	return c.Status(status).Send(buf.Bytes())
}

func title(lc locale, v *PublicView) string {
	switch {
	case v.Title != "":
		return v.Title
	case v.Kind == "item" && len(v.Items) == 1 && v.Items[0].Type == "video":
		return lc.T("title.video")
	case v.Kind == "item":
		return lc.T("title.photo")
	}
	return lc.T("title.album")
}

func albumPage(lc locale, token string, v *PublicView, later bool) *page {
	p := &page{locale: lc, PageTitle: title(lc, v), Heading: title(lc, v), Expires: lc.date(v.ExpiresAt),
		Tiles: make([]tile, len(v.Items))}
	for i, it := range v.Items {
		p.Tiles[i] = tile{Href: WebPrefix + token + "/i/" + it.ID, Thumb: it.ThumbURL, Video: it.Type == "video",
			Placeholder: placeholderURI(it.Placeholder, 1, 1), Alt: lc.T("alt.photo")}
		if p.Tiles[i].Video {
			p.Tiles[i].Alt = lc.T("alt.video")
		}
	}
	if v.NextCursor != "" {
		p.NextURL = WebPrefix + token + "?cursor=" + url.QueryEscape(v.NextCursor)
	}
	if later {
		p.BackURL = WebPrefix + token
	}
	return p
}

// itemPage shows v's single item; inAlbum adds the way back to the grid.
func itemPage(lc locale, token string, v *PublicView, inAlbum bool) *page {
	it := v.Items[0]
	w, h := deref(it.Width, 4), deref(it.Height, 3)
	iv := &itemView{Video: it.Type == "video", Src: it.PreviewURL, Poster: it.PosterURL, Download: it.DownloadURL,
		Width: w, Height: h, Placeholder: placeholderURI(it.Placeholder, w, h)}
	if iv.Video {
		iv.Src = it.VideoURL
	}
	if it.TakenAt != nil {
		iv.Taken = lc.date(*it.TakenAt)
	}
	p := &page{locale: lc, PageTitle: title(lc, v), Heading: title(lc, v), Expires: lc.date(v.ExpiresAt), Item: iv}
	if inAlbum {
		p.BackURL = WebPrefix + token
	}
	return p
}

func deref(p *int, def int) int {
	if p == nil || *p <= 0 {
		return def
	}
	return *p
}

// lockedPage is the password form; wrong shows that the last try failed.
func lockedPage(lc locale, token, item string, wrong bool) *page {
	p := &page{locale: lc, PageTitle: lc.T("locked.title"), Heading: lc.T("locked.heading"),
		UnlockURL: WebPrefix + token + "/unlock", ItemID: item}
	if wrong {
		p.Error = lc.T("locked.wrong")
	}
	return p
}

// errorPage words why a link shows nothing; ok is false for errors that
// have no page (internal ones).
func errorPage(lc locale, err error) (*page, bool) {
	p := func(status int, title, heading, msg string) (*page, bool) {
		return &page{locale: lc, Status: status, PageTitle: title, Heading: heading, Message: msg}, true
	}
	switch {
	case errors.Is(err, ErrItemNotShown):
		return p(404, lc.T("notshown.title"), lc.T("notshown.heading"), lc.T("notshown.message"))
	case errors.Is(err, ErrNotFound):
		return p(404, lc.T("notfound.title"), lc.T("notfound.heading"), lc.T("notfound.message"))
	case errors.Is(err, ErrExpired):
		return p(410, lc.T("expired.title"), lc.T("expired.heading"), lc.T("expired.message"))
	case errors.Is(err, ErrRevoked):
		return p(410, lc.T("revoked.title"), lc.T("revoked.heading"), lc.T("revoked.message"))
	case errors.Is(err, ErrGone):
		return p(410, lc.T("gone.title"), lc.T("gone.heading"), lc.T("gone.message"))
	case errors.Is(err, ErrTooManyTries):
		secs := retryAfter(err)
		pg, ok := p(429, lc.T("tries.title"), lc.T("tries.heading"), lc.T("tries.message", waitWords(lc, secs)))
		pg.retryAfter = secs
		return pg, ok
	case errors.Is(err, apperr.RateLimited):
		secs := retryAfter(err)
		pg, ok := p(429, lc.T("busy.title"), lc.T("busy.heading"), lc.T("busy.message", waitWords(lc, secs)))
		pg.retryAfter = secs
		return pg, ok
	}
	// Other refusals (a malformed form or cursor) carry English API
	// messages; the page says it in the reader's language instead.
	if pub := apperr.As(err); pub.Status < 500 {
		return p(pub.Status, lc.T("bad.title"), lc.T("bad.heading"), lc.T("bad.message"))
	}
	return nil, false
}

// retryAfter is the wait an error carries, in seconds (a minute if none).
func retryAfter(err error) int {
	if secs, ok := apperr.RetryAfter(err); ok {
		return secs
	}
	return 60
}

// waitWords says a wait in seconds the way a person would.
func waitWords(lc locale, secs int) string {
	switch {
	case secs <= 1:
		return lc.T("wait.second")
	case secs < 60:
		return lc.T("wait.seconds", secs)
	case secs < 120:
		return lc.T("wait.minute")
	}
	return lc.T("wait.minutes", (secs+59)/60)
}
