package upload

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/signer"
)

// LinkCheck reports whether share link linkID may still show mediaID; the
// share package provides it. Without one, link grants never verify.
type LinkCheck func(ctx context.Context, linkID, mediaID, variant string) (bool, error)

// SetLinkCheck installs the share links' access check.
func (s *Service) SetLinkCheck(f LinkCheck) { s.linkCheck = f }

// CacheGrants lets /f/ keep member checks while ver says nothing they
// read changed (Config.GrantCache entries; off when negative).
func (s *Service) CacheGrants(ver db.Versioner) { s.grants = newGrantCache(ver, s.cfg.GrantCache) }

// GrantCacheStats returns how many member checks of /f/ the cache
// answered and how many went to the database (0, 0 while it is off).
func (s *Service) GrantCacheStats() (hits, misses uint64) {
	if s.grants == nil {
		return 0, 0
	}
	return s.grants.hits.Load(), s.grants.misses.Load()
}

// findVisible is FindVisible for a member grant, through the grant cache.
func (s *Service) findVisible(ctx context.Context, id, viewer string) (*Media, error) {
	k, now := grantKey{viewer: viewer, media: id}, time.Now()
	if m := s.grants.get(k, now); m != nil {
		return m, nil
	}
	v, live := s.grants.version()
	m, err := s.store.FindVisible(ctx, id, viewer)
	if err == nil && live && m.Status == StatusReady {
		s.grants.put(k, m, v, now)
	}
	return m, err
}

// authorize re-checks a verified grant against the current rules: a grant
// outlives neither a visibility change, nor a removal from the album, nor
// a revoked link. An item the viewer may no longer see is ErrNotFound.
func (s *Service) authorize(ctx context.Context, g signer.Grant) (*Media, error) {
	kind, who, _ := strings.Cut(g.Viewer, ":")
	var m *Media
	var err error
	switch kind {
	case "u":
		m, err = s.findVisible(ctx, g.MediaID, who)
	case "l":
		m, err = s.store.Find(ctx, g.MediaID)
		if err == nil && s.linkCheck != nil {
			var ok bool
			if ok, err = s.linkCheck(ctx, who, g.MediaID, g.Variant); err == nil && !ok {
				err = ErrNotFound
			}
		} else if err == nil {
			err = ErrNotFound
		}
	default:
		err = ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if m.Status != StatusReady {
		return nil, ErrNotFound
	}
	return m, nil
}

// ServeFile handles GET /f/:id/:variant?t=<grant>: it verifies the
// signature, re-checks access, then streams the processed object from
// storage, with one Range (206, or 416 past the end), If-Range and
// If-None-Match (304) against the object's ETag. Raw uploads are not
// reachable: only variants under the processed prefix have keys here.
func (h *Handler) ServeFile(c *fiber.Ctx) error {
	id, variant := c.Params("id"), Variant(c.Params("variant"))
	if !ids.Valid(id) || !validVariant(variant) {
		return ErrNotFound
	}
	g, err := h.svc.signer.Verify(id, string(variant), c.Query("t"), time.Now())
	if err != nil {
		return ErrBadSignature
	}
	ctx, cancel := bounded(c, 30*time.Second)
	m, err := h.svc.authorize(ctx, g)
	cancel()
	if err != nil {
		return err
	}
	key := servedKey(m, variant)
	if key == "" {
		return ErrNotFound
	}
	// The response body streams after this handler returns, so its
	// context must not be cancelled here; WriteTimeout bounds it.
	sv, err := h.svc.readServed(context.WithoutCancel(c.UserContext()), key, queryOf(c))
	if err != nil {
		return err
	}
	return h.respond(c, m, variant, sv, g.Expires)
}

func validVariant(v Variant) bool {
	switch v {
	case VariantOriginal, VariantPreview, VariantThumb, VariantCard, VariantPoster, VariantDownload, VariantPlay:
		return true
	}
	return false
}

// servedKey is the object variant v of m serves, "" when m has none.
func servedKey(m *Media, v Variant) string {
	switch {
	case v == VariantPoster && m.Kind != KindVideo:
		return ""
	case v == VariantPlay:
		return PlayKey(m)
	}
	return ObjectKey(m.ID, v)
}

// respond writes sv. A grant's URL serves the same bytes until it
// expires, so private caches keep it that long and revalidate by ETag.
func (h *Handler) respond(c *fiber.Ctx, m *Media, v Variant, sv *served, exp time.Time) error {
	c.Set(fiber.HeaderCacheControl, fmt.Sprintf("private, max-age=%d", max(0, int(time.Until(exp).Seconds()))))
	switch sv.status {
	case fiber.StatusNotModified:
		c.Set(fiber.HeaderETag, `"`+sv.etag+`"`)
		c.Status(sv.status)
		return nil
	case fiber.StatusRequestedRangeNotSatisfiable:
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", sv.size))
		return ErrRangeNotSatisfiable
	}
	o := sv.obj
	small, err := readSmall(o.Body, o.Length)
	if err != nil {
		return err
	}
	fileHeaders(c, m, v, o)
	if sv.status == fiber.StatusPartialContent {
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", o.Start, o.Start+o.Length-1, o.Info.Size))
	}
	c.Status(sv.status)
	sendBody(c, o.Body, o.Length, small)
	return nil
}

// fileHeaders describes the file: its type (never sniffed), name and ETag.
func fileHeaders(c *fiber.Ctx, m *Media, v Variant, o *blob.Object) {
	ct, ext := servedType(m, v)
	c.Set(fiber.HeaderContentType, ct)
	c.Set("X-Content-Type-Options", "nosniff")
	disp, name := "inline", string(v)
	if v == VariantDownload {
		disp, name = "attachment", string(m.Kind)
	}
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`%s; filename="%s.%s"`, disp, name, ext))
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	if o.Info.ETag != "" {
		c.Set(fiber.HeaderETag, `"`+o.Info.ETag+`"`)
	}
}

func servedType(m *Media, v Variant) (string, string) {
	if v == VariantPlay {
		return "video/mp4", "mp4"
	}
	if v != VariantOriginal && v != VariantDownload {
		return "image/jpeg", "jpg"
	}
	ct := m.ContentType
	if m.ServedType != nil {
		ct = *m.ServedType
	}
	switch ct {
	case "image/png":
		return ct, "png"
	case "image/webp":
		return ct, "webp"
	case "image/gif":
		return ct, "gif"
	case "video/mp4", "video/quicktime":
		return "video/mp4", "mp4"
	}
	return "image/jpeg", "jpg"
}
