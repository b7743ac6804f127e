package upload

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/signer"
)

// LinkCheck reports whether share link linkID may still show mediaID; the
// share package provides it. Without one, link grants never verify.
type LinkCheck func(ctx context.Context, linkID, mediaID, variant string) (bool, error)

// SetLinkCheck installs the share links' access check.
func (s *Service) SetLinkCheck(f LinkCheck) { s.linkCheck = f }

// authorize re-checks a verified grant against the current rules: a grant
// outlives neither a visibility change, nor a removal from the album, nor
// a revoked link. An item the viewer may no longer see is ErrNotFound.
func (s *Service) authorize(ctx context.Context, g signer.Grant) (*Media, error) {
	kind, who, _ := strings.Cut(g.Viewer, ":")
	var m *Media
	var err error
	switch kind {
	case "u":
		m, err = s.store.FindVisible(ctx, g.MediaID, who)
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
// storage with Range support. Raw uploads are not reachable: only variants
// under the processed prefix have keys here.
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
	if (variant == VariantPoster && m.Kind != KindVideo) || (variant == VariantPlay && PlayKey(m) == "") {
		return ErrNotFound
	}
	return h.stream(c, m, variant, g.Expires)
}

func validVariant(v Variant) bool {
	switch v {
	case VariantOriginal, VariantPreview, VariantThumb, VariantCard, VariantPoster, VariantDownload, VariantPlay:
		return true
	}
	return false
}

func (h *Handler) stream(c *fiber.Ctx, m *Media, v Variant, exp time.Time) error {
	key := ObjectKey(m.ID, v)
	if v == VariantPlay {
		key = PlayKey(m)
	}
	// The response body streams after this handler returns, so its
	// context must not be cancelled here; WriteTimeout bounds it.
	ctx := context.WithoutCancel(c.UserContext())
	info, err := h.svc.blobs.Stat(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	rng, status := parseRange(c.Get(fiber.HeaderRange), info.Size)
	if status == fiber.StatusRequestedRangeNotSatisfiable {
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", info.Size))
		return c.SendStatus(status)
	}
	rc, _, err := h.svc.blobs.Open(ctx, key, rng)
	if err != nil {
		return err
	}
	ct, ext := servedType(m, v)
	c.Set(fiber.HeaderContentType, ct)
	c.Set("X-Content-Type-Options", "nosniff")
	disp, name := "inline", string(v)
	if v == VariantDownload {
		disp, name = "attachment", string(m.Kind)
	}
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`%s; filename="%s.%s"`, disp, name, ext))
	c.Set(fiber.HeaderCacheControl, fmt.Sprintf("private, max-age=%d", max(0, int(time.Until(exp).Seconds()))))
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	length := info.Size
	if rng != nil {
		length = rng.End - rng.Start + 1
		c.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", rng.Start, rng.End, info.Size))
	}
	c.Status(status)
	c.Context().SetBodyStream(rc, int(length))
	return nil
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

// parseRange understands a single "bytes=a-b", "bytes=a-" or "bytes=-n"
// range; anything else serves the whole object (200).
func parseRange(h string, size int64) (*blob.Range, int) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") || size == 0 {
		return nil, fiber.StatusOK
	}
	a, b, _ := strings.Cut(spec, "-")
	var start, end int64
	var err1, err2 error
	switch {
	case a == "":
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return nil, fiber.StatusOK
		}
		start, end = max(0, size-n), size-1
	default:
		start, err1 = strconv.ParseInt(a, 10, 64)
		end = math.MaxInt64 // "a-": to the end, whatever the size
		if b != "" {
			end, err2 = strconv.ParseInt(b, 10, 64)
		}
		if err1 != nil || err2 != nil || start < 0 || end < start {
			return nil, fiber.StatusOK
		}
		if start >= size {
			return nil, fiber.StatusRequestedRangeNotSatisfiable
		}
		end = min(end, size-1)
	}
	return &blob.Range{Start: start, End: end}, fiber.StatusPartialContent
}
