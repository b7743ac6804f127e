package share

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/ids"
)

// WebPrefix is where the browser pages of links live: /s/:token.
const WebPrefix = "/s/"

// pageCSP allows only this origin's stylesheet, images (and data: images
// for placeholders) and media; no script at all, no inline style, no
// framing, and forms may post only here.
const pageCSP = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'self'; " +
	"script-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// pageSize is how many tiles one album page shows before "More".
const pageSize = 60

// maxForm bounds the unlock form's body.
const maxForm = 4 << 10

// webHeaders are sent with every page and asset under /s/, errors included:
// the token is in the URL, so no referrer, no indexing, no caching.
func webHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", pageCSP)
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("X-Robots-Tag", "noindex, nofollow")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// Page handles GET /s/:token?cursor=: the album grid (an item link shows
// its item directly), the password form for a locked link, or a page
// saying why the link does not work.
func (h *Handler) Page(c *fiber.Ctx) error {
	webHeaders(c)
	token := c.Params("token")
	ctx, cancel := bounded(c)
	defer cancel()
	// Relative media URLs ("/f/..."): same origin as the page, whatever
	// host the browser used, which is what img-src 'self' allows.
	v, err := h.svc.Open(ctx, "", token, unlockCookie(c, token), c.Query("cursor"), pageSize)
	if err != nil {
		return h.fail(c, token, "", err)
	}
	if v.Kind == "item" && len(v.Items) == 1 {
		return render(c, fiber.StatusOK, "item", itemPage(h.locale(c), token, v, false))
	}
	return render(c, fiber.StatusOK, "album", albumPage(h.locale(c), token, v, c.Query("cursor") != ""))
}

// ItemPage handles GET /s/:token/i/:media_id: one photo or video, large,
// with its download link when the link allows it. The link is re-checked
// on every request like Page.
func (h *Handler) ItemPage(c *fiber.Ctx) error {
	webHeaders(c)
	token, mediaID := c.Params("token"), c.Params("media_id")
	ctx, cancel := bounded(c)
	defer cancel()
	v, err := h.svc.OpenItem(ctx, "", token, unlockCookie(c, token), mediaID)
	if err != nil {
		return h.fail(c, token, mediaID, err)
	}
	return render(c, fiber.StatusOK, "item", itemPage(h.locale(c), token, v, v.Kind == "album"))
}

// UnlockForm handles POST /s/:token/unlock (form field password, and
// optionally item, the media id to return to). The right password sets an
// HttpOnly, SameSite=Strict cookie holding the unlock token (never the
// password) and redirects (303) back to the page; a wrong one shows the
// form again (401); too many wrong tries from one network give 429.
func (h *Handler) UnlockForm(c *fiber.Ctx) error {
	webHeaders(c)
	token := c.Params("token")
	form, err := readForm(c)
	if err != nil {
		return h.fail(c, token, "", err)
	}
	item := form.Get("item")
	if !ids.Valid(item) {
		item = ""
	}
	ctx, cancel := bounded(c)
	defer cancel()
	unlock, err := h.svc.Unlock(ctx, token, form.Get("password"), addr(c))
	if errors.Is(err, ErrWrongPassword) {
		return render(c, fiber.StatusUnauthorized, "locked", lockedPage(h.locale(c), token, item, true))
	}
	if err != nil {
		return h.fail(c, token, item, err)
	}
	c.Cookie(&fiber.Cookie{Name: cookieName(token), Value: unlock, Path: WebPrefix,
		MaxAge: int(h.svc.cfg.UnlockTTL.Seconds()), Secure: h.secure(c), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode})
	target := WebPrefix + token
	if item != "" {
		target += "/i/" + item
	}
	return c.Redirect(target, fiber.StatusSeeOther)
}

// Static handles GET /s/-/:file, the pages' embedded assets (only
// site.css). Page links carry a content hash, so they may be cached long.
func (h *Handler) Static(c *fiber.Ctx) error {
	webHeaders(c)
	f, ok := assets[c.Params("file")]
	if !ok {
		lc := h.locale(c)
		return render(c, fiber.StatusNotFound, "error", &page{locale: lc, Status: fiber.StatusNotFound,
			PageTitle: lc.T("nofile.title"), Heading: lc.T("nofile.title"), Message: lc.T("nofile.message")})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=604800")
	c.Set(fiber.HeaderContentType, f.contentType)
	return c.Send(f.data)
}

// fail renders the page for a link that cannot be shown; errors without
// a page of their own (internal ones) go to the error handler.
func (h *Handler) fail(c *fiber.Ctx, token, item string, err error) error {
	if errors.Is(err, ErrLocked) {
		return render(c, fiber.StatusUnauthorized, "locked", lockedPage(h.locale(c), token, item, false))
	}
	p, ok := errorPage(h.locale(c), err)
	if !ok {
		return err
	}
	if p.Status == fiber.StatusTooManyRequests {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(p.retryAfter))
	}
	return render(c, p.Status, "error", p)
}

// tooMany is RateLimit's answer on the web pages: a page, not JSON.
func (h *Handler) tooMany(c *fiber.Ctx, retry time.Duration) error {
	webHeaders(c)
	return h.fail(c, "", "", apperr.RateLimited.WithRetryAfter(retry))
}

// locale is the reader's: Chinese unless Accept-Language prefers English,
// dates in the configured zone (MEDIA_TIMEZONE).
func (h *Handler) locale(c *fiber.Ctx) locale {
	return locale{Lang: pickLang(c.Get(fiber.HeaderAcceptLanguage)), zone: h.svc.cfg.TimeZone}
}

// isWeb reports whether a request is for a browser page under /s/.
func isWeb(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), WebPrefix) }

func (h *Handler) secure(c *fiber.Ctx) bool {
	return c.Protocol() == "https" || strings.HasPrefix(h.baseURL, "https://")
}

// cookieName is per link, so several unlocked links coexist in one
// browser; it is derived from the token's hash, not the token.
func cookieName(token string) string {
	h := sha256.Sum256([]byte(token))
	return "unlock_" + hex.EncodeToString(h[:8])
}

func unlockCookie(c *fiber.Ctx, token string) string { return c.Cookies(cookieName(token)) }

// readForm reads a small application/x-www-form-urlencoded body. The
// server streams bodies, so Fiber's form parsing is not used.
func readForm(c *fiber.Ctx) (url.Values, error) {
	if !strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		return nil, apperr.Invalidf("Send the form as %s.", fiber.MIMEApplicationForm)
	}
	body, err := io.ReadAll(io.LimitReader(httpx.BodyReader(c), maxForm+1))
	if err != nil {
		return nil, apperr.Invalidf("Could not read the form.")
	}
	if len(body) > maxForm {
		return nil, apperr.PayloadTooLarge
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, apperr.Invalidf("The form is not valid.")
	}
	return form, nil
}
