package notify

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Handler serves a user's notifications.
type Handler struct {
	store  *Store
	userID func(*fiber.Ctx) string
}

// NewHandler returns the notification handlers.
func NewHandler(store *Store, userID func(*fiber.Ctx) string) *Handler {
	return &Handler{store: store, userID: userID}
}

// List handles GET /v1/me/notifications?limit=: the caller's
// notifications, newest first (limit 1..100, default 50).
func (h *Handler) List(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 10*time.Second)
	defer cancel()
	ns, err := h.store.List(ctx, h.userID(c), min(max(c.QueryInt("limit", 50), 1), 100))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"notifications": ns})
}
