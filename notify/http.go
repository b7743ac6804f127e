package notify

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/httpx"
)

// Handler serves a user's notifications and notification settings.
type Handler struct {
	store    *Store
	settings *Settings
	userID   func(*fiber.Ctx) string
}

// NewHandler returns the notification handlers.
func NewHandler(store *Store, settings *Settings, userID func(*fiber.Ctx) string) *Handler {
	return &Handler{store: store, settings: settings, userID: userID}
}

func timeout(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 10*time.Second)
}

// List handles GET /v1/me/notifications?limit=: the caller's
// notifications, newest first (limit 1..100, default 50), and how many
// are unread.
func (h *Handler) List(c *fiber.Ctx) error {
	ctx, cancel := timeout(c)
	defer cancel()
	ns, unread, err := h.store.List(ctx, h.userID(c), min(max(c.QueryInt("limit", 50), 1), 100))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"notifications": ns, "unread": unread})
}

// MarkRead handles POST /v1/me/notifications/read with {"ids": [...]}
// or {"all": true}; it answers how many notices changed.
func (h *Handler) MarkRead(c *fiber.Ctx) error {
	var in struct {
		IDs []string `json:"ids"`
		All bool     `json:"all"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.All == (len(in.IDs) > 0) || len(in.IDs) > 100 {
		return apperr.Invalidf("Give either ids (1 to 100) or all: true.")
	}
	if in.All {
		in.IDs = nil
	}
	ctx, cancel := timeout(c)
	defer cancel()
	n, err := h.store.MarkRead(ctx, h.userID(c), in.IDs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"marked": n})
}

// Settings handles GET /v1/me/notification-settings.
func (h *Handler) Settings(c *fiber.Ctx) error {
	ctx, cancel := timeout(c)
	defer cancel()
	s, err := h.settings.Get(ctx, h.userID(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"settings": s})
}

// UpdateSettings handles PUT /v1/me/notification-settings (SettingsUpdate)
// and answers the settings after it.
func (h *Handler) UpdateSettings(c *fiber.Ctx) error {
	var in SettingsUpdate
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := timeout(c)
	defer cancel()
	s, err := h.settings.Update(ctx, h.userID(c), in)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"settings": s})
}
