package albums

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/upload"
)

// Handler exposes albums over HTTP.
type Handler struct {
	svc     *Service
	uploads *upload.Service
	userID  func(*fiber.Ctx) string
	baseURL string
	urlTTL  time.Duration
}

// NewHandler returns the album handlers; userID reads the signed-in user.
func NewHandler(svc *Service, uploads *upload.Service, userID func(*fiber.Ctx) string, baseURL string, urlTTL time.Duration) *Handler {
	return &Handler{svc: svc, uploads: uploads, userID: userID, baseURL: baseURL, urlTTL: urlTTL}
}

func bounded(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 15*time.Second)
}

type albumRequest struct {
	Title             *string `json:"title"`
	DefaultVisibility *string `json:"default_visibility"`
}

func parseVis(s *string) (*upload.Visibility, error) {
	if s == nil {
		return nil, nil
	}
	v, err := upload.ParseVisibility(*s)
	if err != nil || v == "" {
		return nil, upload.ErrBadVisibility
	}
	return &v, nil
}

// Create handles POST /v1/albums {"title","default_visibility"?}.
func (h *Handler) Create(c *fiber.Ctx) error {
	var in albumRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	vis, err := parseVis(in.DefaultVisibility)
	if err != nil {
		return err
	}
	if in.Title == nil {
		return ErrBadTitle
	}
	ctx, cancel := bounded(c)
	defer cancel()
	v := upload.Members
	if vis != nil {
		v = *vis
	}
	a, err := h.svc.Create(ctx, h.userID(c), *in.Title, v)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"album": h.albumView(a, h.userID(c))})
}

// List handles GET /v1/albums.
func (h *Handler) List(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	as, err := h.svc.List(ctx, h.userID(c))
	if err != nil {
		return err
	}
	out := make([]fiber.Map, len(as))
	for i, a := range as {
		out[i] = h.albumView(a, h.userID(c))
	}
	return c.JSON(fiber.Map{"albums": out})
}

// Get handles GET /v1/albums/:id.
func (h *Handler) Get(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	a, err := h.svc.Get(ctx, c.Params("id"), h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"album": h.albumView(a, h.userID(c))})
}

// Update handles PATCH /v1/albums/:id.
func (h *Handler) Update(c *fiber.Ctx) error {
	var in albumRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	vis, err := parseVis(in.DefaultVisibility)
	if err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	a, err := h.svc.Update(ctx, c.Params("id"), h.userID(c), in.Title, vis)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"album": h.albumView(a, h.userID(c))})
}

// SetCover handles PUT /v1/albums/:id/cover {"media_id"}.
func (h *Handler) SetCover(c *fiber.Ctx) error {
	var in struct {
		MediaID string `json:"media_id"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	a, err := h.svc.SetCover(ctx, c.Params("id"), h.userID(c), in.MediaID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"album": h.albumView(a, h.userID(c))})
}

// albumView adds a signed cover thumbnail URL for the caller.
func (h *Handler) albumView(a *Album, viewerID string) fiber.Map {
	m := fiber.Map{"id": a.ID, "title": a.Title, "default_visibility": a.DefaultVisibility, "status": a.Status,
		"created_at": a.CreatedAt, "my_role": a.MyRole, "item_count": a.ItemCount, "owner_id": a.OwnerID,
		"cover_media_id": a.CoverMediaID}
	if a.CoverMediaID != nil {
		m["cover_thumb_url"] = h.uploads.SignedURL(h.baseURL, *a.CoverMediaID, upload.VariantThumb, "u:"+viewerID, h.expiry())
	}
	return m
}

func (h *Handler) expiry() time.Time { return time.Now().Add(h.urlTTL).Truncate(time.Second) }
