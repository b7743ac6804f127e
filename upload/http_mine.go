package upload

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/httpx"
	"github.com/wxalbum/mediad/internal/ids"
)

// SetVisibility handles PATCH /v1/media/:id {"visibility"}: only the
// uploader may. Anyone else who can see the item gets ErrForbidden; for
// everyone else it does not exist.
func (h *Handler) SetVisibility(c *fiber.Ctx) error {
	var in struct {
		Visibility string `json:"visibility"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	v, err := ParseVisibility(in.Visibility)
	if err != nil || v == "" {
		return ErrBadVisibility
	}
	id := c.Params("id")
	if !ids.Valid(id) {
		return ErrNotFound
	}
	ctx, cancel := bounded(c, 10*time.Second)
	defer cancel()
	m, err := h.svc.store.SetVisibility(ctx, id, h.userID(c), v)
	if errors.Is(err, ErrNotFound) {
		if _, ferr := h.svc.store.FindVisible(ctx, id, h.userID(c)); ferr == nil {
			err = ErrForbidden.WithMessage("Only the uploader changes an item's visibility.")
		}
	}
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"media": h.view(m, h.userID(c))})
}

// Mine handles GET /v1/me/media?order=&cursor=&limit=: everything the
// caller uploaded, in any album, even albums they have left, newest first
// by upload time (order=uploaded, the default) or capture time (taken).
func (h *Handler) Mine(c *fiber.Ctx) error {
	order, err := ParseOrder(c.Query("order"))
	if err != nil {
		return err
	}
	after, err := ParseCursor(c.Query("cursor"), order)
	if err != nil {
		return err
	}
	limit := min(max(c.QueryInt("limit", 50), 1), 100)
	ctx, cancel := bounded(c, 10*time.Second)
	defer cancel()
	uid := h.userID(c)
	items, err := h.svc.store.ListOwned(ctx, uid, after, limit+1)
	if err != nil {
		return err
	}
	items, next := Page(items, limit, order)
	out := make([]View, len(items))
	for i, m := range items {
		out[i] = h.view(m, uid)
	}
	return c.JSON(fiber.Map{"media": out, "next_cursor": next})
}
