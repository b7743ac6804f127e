package account

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/signer"
)

// Handler serves the data-rights endpoints.
type Handler struct {
	svc     *Service
	signer  *signer.Signer
	userID  func(*fiber.Ctx) string
	baseURL string
	urlTTL  time.Duration // lifetime of a signed download URL
}

// NewHandler returns the handlers; urlTTL is the lifetime of the signed
// download URLs (MEDIA_URL_TTL).
func NewHandler(svc *Service, sg *signer.Signer, userID func(*fiber.Ctx) string, baseURL string, urlTTL time.Duration) *Handler {
	return &Handler{svc: svc, signer: sg, userID: userID, baseURL: baseURL, urlTTL: urlTTL}
}

func bounded(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 15*time.Second)
}

// CreateExport handles POST /v1/me/exports: 202 with a new export, or 200
// with the one already pending or downloadable (one at a time per user);
// 429 past the daily limit.
func (h *Handler) CreateExport(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	e, existing, err := h.svc.RequestExport(ctx, h.userID(c))
	if err != nil {
		return err
	}
	status := fiber.StatusAccepted
	if existing {
		status = fiber.StatusOK // the export already pending or downloadable
	}
	return c.Status(status).JSON(fiber.Map{"id": e.ID, "export": e, "existing": existing})
}

// GetExport handles GET /v1/me/exports/:id: the status and, when ready, a
// signed download URL.
func (h *Handler) GetExport(c *fiber.Ctx) error {
	id := c.Params("id")
	if !ids.Valid(id) {
		return ErrExportNotFound
	}
	ctx, cancel := bounded(c)
	defer cancel()
	uid := h.userID(c)
	e, err := h.svc.store.FindExport(ctx, id, uid)
	if err != nil {
		return err
	}
	if e.Status == "ready" {
		exp := time.Now().Add(h.urlTTL).Truncate(time.Second)
		e.URL = h.baseURL + "/x/" + e.ID + "?t=" + h.signer.Sign(signer.Grant{MediaID: e.ID, Variant: "export", Viewer: "u:" + uid, Expires: exp})
	}
	return c.JSON(fiber.Map{"export": e})
}

// Download handles GET /x/:id?t=: the export ZIP for the user it was
// signed for, while the export exists.
func (h *Handler) Download(c *fiber.Ctx) error {
	id := c.Params("id")
	g, err := h.signer.Verify(id, "export", c.Query("t"), time.Now())
	if err != nil || !ids.Valid(id) {
		return apperr.New(403, "invalid_signature", "This download link is invalid or has expired.")
	}
	ctx, cancel := bounded(c)
	e, err := h.svc.store.FindExport(ctx, id, strings.TrimPrefix(g.Viewer, "u:"))
	cancel()
	if err != nil {
		return err // not found stays 404; a failing database stays 500
	}
	if e.Status != "ready" {
		return ErrExportNotFound
	}
	rc, info, err := h.svc.blobs.Open(context.WithoutCancel(c.UserContext()), ExportKey(id), nil)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="my-data.zip"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Context().SetBodyStream(rc, int(info.Size))
	return nil
}

// DeleteAccount handles DELETE /v1/me {"confirm":"DELETE"}. It runs after
// RequireFreshLogin: the session must be less than 5 minutes old. At once
// every session, share link and invitation dies; the rest goes in a task.
func (h *Handler) DeleteAccount(c *fiber.Ctx) error {
	var in struct {
		Confirm string `json:"confirm"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Confirm != "DELETE" {
		return ErrConfirm
	}
	ctx, cancel := bounded(c)
	defer cancel()
	rid, err := h.svc.BeginDeletion(ctx, h.userID(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"receipt_id": rid})
}

// Receipt handles GET /v1/deletion-receipts/:id (no sign-in: the id is a
// 128-bit capability and the receipt holds no personal data).
func (h *Handler) Receipt(c *fiber.Ctx) error {
	id := c.Params("id")
	if !ids.Valid(id) {
		return ErrReceiptNotFound
	}
	ctx, cancel := bounded(c)
	defer cancel()
	r, err := h.svc.store.FindReceipt(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"receipt": r})
}
