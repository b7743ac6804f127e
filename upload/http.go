package upload

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/httpx"
)

// Handler exposes uploads and media over HTTP. Handlers parse and copy what
// they need from the request, then call the Service with plain values.
type Handler struct {
	svc     *Service
	userID  func(*fiber.Ctx) string
	baseURL string
}

// NewHandler returns the HTTP handlers; userID reads the signed-in user
// set by the auth middleware, baseURL prefixes signed media URLs.
func NewHandler(svc *Service, userID func(*fiber.Ctx) string, baseURL string) *Handler {
	return &Handler{svc: svc, userID: userID, baseURL: strings.TrimRight(baseURL, "/")}
}

// Fasthttp has no request cancellation, so every handler bounds its own work.
func bounded(c *fiber.Ctx, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), d)
}

// body is an upload's body, stopped when it arrives slower than the
// minimum rate (httpx.MinRateBody).
func (h *Handler) body(c *fiber.Ctx) io.Reader {
	cfg := h.svc.cfg
	return httpx.MinRateBody(c, cfg.MinRate*int64(cfg.RateWindow/time.Second), cfg.RateWindow)
}

// Create handles POST /v1/media (multipart/form-data, wx.uploadFile). The
// fields kind, album_id and visibility may come as form fields before the
// file part, or in the query string; the file part is streamed straight to
// storage as it is read.
// A refused upload's connection is closed by the error handler, so an
// unread rest of the body is never parsed as another request.
func (h *Handler) Create(c *fiber.Ctx) error {
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return ErrEncoded
	}
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return apperr.Invalidf("The body must be multipart/form-data with a file field.")
	}
	fields := map[string]string{"kind": c.Query("kind"), "album_id": c.Query("album_id"), "visibility": c.Query("visibility")}
	mr := multipart.NewReader(h.body(c), params["boundary"])
	ctx, cancel := bounded(c, 15*time.Minute)
	defer cancel()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return ErrNoFile
		}
		if err != nil {
			return ErrTruncated
		}
		if part.FormName() != "file" {
			if err := readField(part, fields); err != nil {
				return err
			}
			continue
		}
		in, err := h.input(c, fields)
		if err != nil {
			return err
		}
		m, dup, err := h.svc.Upload(ctx, in, part)
		if err != nil {
			return err
		}
		return h.created(c, m, dup)
	}
}

func readField(p *multipart.Part, fields map[string]string) error {
	name := p.FormName()
	if _, known := fields[name]; !known {
		_, err := io.Copy(io.Discard, io.LimitReader(p, 1<<10))
		return err
	}
	b, err := io.ReadAll(io.LimitReader(p, 256))
	if err != nil {
		return ErrTruncated
	}
	fields[name] = strings.TrimSpace(string(b))
	return nil
}

func (h *Handler) input(c *fiber.Ctx, f map[string]string) (Input, error) {
	if f["kind"] == "" {
		return Input{}, ErrBadKind.WithMessage("kind is required and must come before the file part (or in the query).")
	}
	k, err := ParseKind(f["kind"])
	if err != nil {
		return Input{}, err
	}
	v, err := ParseVisibility(f["visibility"])
	if err != nil {
		return Input{}, err
	}
	key, err := ParseIdempotencyKey(c.Get("Idempotency-Key"))
	if err != nil {
		return Input{}, err
	}
	in := Input{OwnerID: h.userID(c), Kind: k, Visibility: v, SizeHint: int64(max(c.Request().Header.ContentLength(), 0)),
		Network: httpx.TruncateIP(c.IP()), IdempotencyKey: key}
	if a := f["album_id"]; a != "" {
		in.AlbumID = &a
	}
	return in, nil
}

func (h *Handler) created(c *fiber.Ctx, m *Media, dup bool) error {
	status := fiber.StatusAccepted
	if dup {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(fiber.Map{"media": h.view(m, h.userID(c)), "duplicate": dup})
}

// Get handles GET /v1/media/:id.
func (h *Handler) Get(c *fiber.Ctx) error {
	ctx, cancel := bounded(c, 10*time.Second)
	defer cancel()
	m, err := h.svc.Get(ctx, c.Params("id"), h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"media": h.view(m, h.userID(c))})
}

// Delete handles DELETE /v1/media/:id.
func (h *Handler) Delete(c *fiber.Ctx) error {
	ctx, cancel := bounded(c, 10*time.Second)
	defer cancel()
	if err := h.svc.Delete(ctx, c.Params("id"), h.userID(c)); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": StatusDeleting})
}

func partNumber(c *fiber.Ctx) (int, error) {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return 0, ErrBadPart
	}
	return n, nil
}
