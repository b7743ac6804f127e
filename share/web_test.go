package share

import (
	"encoding/base64"
	"errors"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
)

// thumbHashHeader encodes only what averageColor reads: the DC terms of
// r, g, b as the reference encoder computes them (LPQ colour space).
func thumbHashHeader(r, g, b float64) string {
	l, p, q := (r+g+b)/3, (r+g)/2-b, r-g
	h := uint32(math.Round(63*l)) | uint32(math.Round(31.5+31.5*p))<<6 | uint32(math.Round(31.5+31.5*q))<<12
	return base64.StdEncoding.EncodeToString([]byte{byte(h), byte(h >> 8), byte(h >> 16), 0, 0})
}

func TestAverageColor(t *testing.T) {
	for _, want := range []color.NRGBA{{255, 0, 0, 255}, {0, 128, 255, 255}, {40, 200, 90, 255}, {250, 250, 250, 255}, {0, 0, 0, 255}} {
		hash := thumbHashHeader(float64(want.R)/255, float64(want.G)/255, float64(want.B)/255)
		got, ok := averageColor(hash)
		if !ok {
			t.Fatalf("averageColor(%q) failed", hash)
		}
		for i, d := range []int{int(got.R) - int(want.R), int(got.G) - int(want.G), int(got.B) - int(want.B)} {
			if d < -10 || d > 10 {
				t.Errorf("averageColor of %v = %v (channel %d off by %d)", want, got, i, d)
			}
		}
	}
	for _, bad := range []string{"", "!!!", base64.StdEncoding.EncodeToString([]byte{1, 2})} {
		if _, ok := averageColor(bad); ok {
			t.Errorf("averageColor(%q) accepted a bad hash", bad)
		}
	}
}

func TestPlaceholderURI(t *testing.T) {
	hash := thumbHashHeader(1, 0, 0)
	uri := string(placeholderURI(&hash, 4000, 3000))
	data, ok := strings.CutPrefix(uri, "data:image/png;base64,")
	if !ok {
		t.Fatalf("placeholderURI = %q, want a PNG data URI", uri)
	}
	b, _ := base64.StdEncoding.DecodeString(data)
	img, err := png.Decode(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if s := img.Bounds().Size(); s.X != 16 || s.Y != 12 {
		t.Errorf("placeholder is %v, want 16x12 (the item's aspect ratio)", s)
	}
	if placeholderURI(nil, 1, 1) != "" {
		t.Error("no hash must give no placeholder")
	}
}

func TestErrorPages(t *testing.T) {
	for err, status := range map[error]int{ErrNotFound: 404, ErrItemNotShown: 404, ErrExpired: 410, ErrRevoked: 410,
		ErrGone: 410, ErrTooManyTries: 429} {
		p, ok := errorPage(testLocale(zhCN), err)
		if !ok || p.Status != status || p.Heading == "" || p.Message == "" {
			t.Errorf("errorPage(%v) = %+v, %v; want a %d page", err, p, ok, status)
		}
	}
	if _, ok := errorPage(testLocale(zhCN), errors.New("db down")); ok {
		t.Error("an internal error must not get a page (the error handler logs it)")
	}
}

func TestPagesEscapeAndLinkOnlySelf(t *testing.T) {
	w := 4
	v := &PublicView{Title: `<img src=x onerror=alert(1)>`, Kind: "album",
		Items: []PublicItem{{ID: "0123456789abcdef0123456789abcdef", Type: "video", Width: &w, Height: &w,
			ThumbURL: "/f/a/thumb?t=x", PreviewURL: "/f/a/preview?t=x", VideoURL: "/f/a/original?t=x", PosterURL: "/f/a/poster?t=x"}}}
	lc := testLocale(zhCN)
	for name, p := range map[string]*page{"album": albumPage(lc, "tok", v, false), "item": itemPage(lc, "tok", v, true),
		"locked": lockedPage(lc, "tok", "", true), "error": {locale: lc, Status: 410, Heading: v.Title, Message: "m"}} {
		p.CSS = cssURL
		var b strings.Builder
		if err := pages[name].ExecuteTemplate(&b, "layout", p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		html := b.String()
		if strings.Contains(html, "<img src=x") || strings.Contains(html, "<script") || strings.Contains(html, "style=") {
			t.Errorf("%s page prints markup, a script or an inline style:\n%s", name, html)
		}
		if !strings.Contains(html, `href="/s/-/site.css?v=`) {
			t.Errorf("%s page does not link the stylesheet", name)
		}
	}
}
