package share

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"time"

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
type page struct {
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

func render(c *fiber.Ctx, status int, name string, p *page) error {
	p.CSS = cssURL
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

func title(v *PublicView) string {
	switch {
	case v.Title != "":
		return v.Title
	case v.Kind == "item" && len(v.Items) == 1 && v.Items[0].Type == "video":
		return "Shared video"
	case v.Kind == "item":
		return "Shared photo"
	}
	return "Shared album"
}

func expires(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

func albumPage(token string, v *PublicView, later bool) *page {
	p := &page{PageTitle: title(v), Heading: title(v), Expires: expires(v.ExpiresAt), Tiles: make([]tile, len(v.Items))}
	for i, it := range v.Items {
		p.Tiles[i] = tile{Href: WebPrefix + token + "/i/" + it.ID, Thumb: it.ThumbURL, Video: it.Type == "video",
			Placeholder: placeholderURI(it.Placeholder, 1, 1), Alt: "Photo"}
		if p.Tiles[i].Video {
			p.Tiles[i].Alt = "Video"
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
func itemPage(token string, v *PublicView, inAlbum bool) *page {
	it := v.Items[0]
	w, h := deref(it.Width, 4), deref(it.Height, 3)
	iv := &itemView{Video: it.Type == "video", Src: it.PreviewURL, Poster: it.PosterURL, Download: it.DownloadURL,
		Width: w, Height: h, Placeholder: placeholderURI(it.Placeholder, w, h)}
	if iv.Video {
		iv.Src = it.VideoURL
	}
	if it.TakenAt != nil { // already in the configured zone
		iv.Taken = it.TakenAt.Format("2 Jan 2006, 15:04 MST")
	}
	p := &page{PageTitle: title(v), Heading: title(v), Expires: expires(v.ExpiresAt), Item: iv}
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

func lockedPage(token, item, msg string) *page {
	return &page{PageTitle: "Password required", Heading: "This link is protected",
		UnlockURL: WebPrefix + token + "/unlock", ItemID: item, Error: msg}
}

// errorPage words why a link shows nothing; ok is false for errors that
// have no page (internal ones).
func errorPage(err error) (*page, bool) {
	p := func(status int, title, heading, msg string) (*page, bool) {
		return &page{Status: status, PageTitle: title, Heading: heading, Message: msg}, true
	}
	switch {
	case errors.Is(err, ErrItemNotShown):
		return p(404, "Not found", "This item is not shared here", "It may have been removed from the album or made private. The rest of the album may still be available.")
	case errors.Is(err, ErrNotFound):
		return p(404, "Link not found", "This link does not exist", "Check that you opened the whole link, or ask the person who shared it to send it again.")
	case errors.Is(err, ErrExpired):
		return p(410, "Link expired", "This link has expired", "Shared links only work for a limited time. Ask the person who shared it for a new link.")
	case errors.Is(err, ErrRevoked):
		return p(410, "Link turned off", "This link was turned off", "The person who shared it has revoked the link, so it no longer shows anything.")
	case errors.Is(err, ErrGone):
		return p(410, "No longer shared", "This is no longer shared", "What this link pointed to was deleted or is no longer shared.")
	case errors.Is(err, ErrTooManyTries):
		pg, ok := p(429, "Too many attempts", "Too many password attempts", "")
		pg.retryAfter = retryAfter(err)
		pg.Message = fmt.Sprintf("Please wait %s, then try again.", waitWords(pg.retryAfter))
		return pg, ok
	case errors.Is(err, apperr.RateLimited):
		pg, ok := p(429, "Too many requests", "Too many requests", "")
		pg.retryAfter = retryAfter(err)
		pg.Message = fmt.Sprintf("Please wait %s, then reload the page.", waitWords(pg.retryAfter))
		return pg, ok
	}
	if pub := apperr.As(err); pub.Status < 500 {
		return p(pub.Status, "Cannot open this page", "This page cannot be shown", pub.Message)
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
func waitWords(secs int) string {
	switch {
	case secs <= 1:
		return "a second"
	case secs < 60:
		return fmt.Sprintf("%d seconds", secs)
	case secs < 120:
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", (secs+59)/60)
}
