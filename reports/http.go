package reports

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/httpx"
)

// UnlockHeader carries a password link's unlock token (share.UnlockHeader).
const UnlockHeader = "X-Share-Unlock"

// Handler exposes reports over HTTP.
type Handler struct {
	svc    *Service
	userID func(*fiber.Ctx) string
}

// NewHandler returns the report handlers.
func NewHandler(svc *Service, userID func(*fiber.Ctx) string) *Handler {
	return &Handler{svc: svc, userID: userID}
}

func bounded(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 15*time.Second)
}

// sent is what a reporter gets back: their report's id, reason and time.
type sent struct {
	ID        string    `json:"id"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

func sentOf(r *Report) fiber.Map {
	return fiber.Map{"report": sent{ID: r.ID, Reason: r.Reason, CreatedAt: r.CreatedAt}}
}

type reportRequest struct {
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

// Create handles POST /v1/media/:id/reports {"reason","text"}: 201 with
// the new report, 200 with the one the caller already sent for that reason.
func (h *Handler) Create(c *fiber.Ctx) error {
	var in reportRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	r, created, err := h.svc.Report(ctx, h.userID(c), c.Params("id"), Input{Reason: in.Reason, Text: in.Text})
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(sentOf(r))
}

// CreateOnLink handles POST /v1/public/shares/:token/items/:media_id/reports
// (the unlock token of a password link in X-Share-Unlock): 201.
func (h *Handler) CreateOnLink(c *fiber.Ctx) error {
	var in reportRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	r, err := h.svc.ReportOnLink(ctx, c.Params("token"), c.Get(UnlockHeader), httpx.TruncateIP(c.IP()),
		c.Params("media_id"), Input{Reason: in.Reason, Text: in.Text})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Referrer-Policy", "no-referrer")
	return c.Status(fiber.StatusCreated).JSON(sentOf(r))
}

// List handles GET /v1/media/:id/reports (uploader and album owner).
func (h *Handler) List(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	rs, err := h.svc.List(ctx, h.userID(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reports": rs})
}

// Reply handles POST /v1/media/:id/reports/:report_id/reply {"reply"}.
func (h *Handler) Reply(c *fiber.Ctx) error {
	var in struct {
		Reply string `json:"reply"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	r, err := h.svc.Reply(ctx, h.userID(c), c.Params("id"), c.Params("report_id"), in.Reply)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"report": r})
}
