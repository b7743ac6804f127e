package albums

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/httpx"
)

// Members handles GET /v1/albums/:id/members.
func (h *Handler) Members(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	ms, err := h.svc.Members(ctx, c.Params("id"), h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"members": ms})
}

// SetRole handles PATCH /v1/albums/:id/members/:user_id {"role"}.
func (h *Handler) SetRole(c *fiber.Ctx) error {
	var in struct {
		Role string `json:"role"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	r, err := ParseRole(in.Role)
	if err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	if err := h.svc.SetRole(ctx, c.Params("id"), h.userID(c), c.Params("user_id"), r); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// RemoveMember handles DELETE /v1/albums/:id/members/:user_id.
func (h *Handler) RemoveMember(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	if err := h.svc.RemoveMember(ctx, c.Params("id"), h.userID(c), c.Params("user_id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Leave handles POST /v1/albums/:id/leave {"delete_my_items"?}.
func (h *Handler) Leave(c *fiber.Ctx) error {
	var in struct {
		DeleteMyItems bool `json:"delete_my_items"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	if err := h.svc.Leave(ctx, c.Params("id"), h.userID(c), in.DeleteMyItems); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Transfer handles POST /v1/albums/:id/transfer {"user_id"}.
func (h *Handler) Transfer(c *fiber.Ctx) error {
	var in struct {
		UserID string `json:"user_id"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	if err := h.svc.Transfer(ctx, c.Params("id"), h.userID(c), in.UserID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// CreateInvite handles POST /v1/albums/:id/invites {"role","expires_in","max_uses"}.
func (h *Handler) CreateInvite(c *fiber.Ctx) error {
	var in struct {
		Role      string `json:"role"`
		ExpiresIn int    `json:"expires_in"` // seconds
		MaxUses   int    `json:"max_uses"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	r, err := ParseRole(in.Role)
	if err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	inv, err := h.svc.CreateInvite(ctx, c.Params("id"), h.userID(c), r, time.Duration(in.ExpiresIn)*time.Second, in.MaxUses)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"invite": inv, "token": inv.Token})
}

// PreviewInvite handles GET /v1/invites/:token.
func (h *Handler) PreviewInvite(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	p, err := h.svc.PreviewInvite(ctx, c.Params("token"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"invite": p})
}

// AcceptInvite handles POST /v1/invites/:token/accept.
func (h *Handler) AcceptInvite(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	a, err := h.svc.AcceptInvite(ctx, c.Params("token"), h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"album": h.albumView(a, h.userID(c))})
}

// RevokeInvite handles DELETE /v1/albums/:id/invites/:invite_id.
func (h *Handler) RevokeInvite(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	if err := h.svc.RevokeInvite(ctx, c.Params("id"), h.userID(c), c.Params("invite_id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Dissolve handles DELETE /v1/albums/:id {"confirm_title"}.
func (h *Handler) Dissolve(c *fiber.Ctx) error {
	var in struct {
		ConfirmTitle string `json:"confirm_title"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	if err := h.svc.Dissolve(ctx, c.Params("id"), h.userID(c), in.ConfirmTitle); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": Dissolving})
}

// Dissolution handles GET /v1/albums/:id/dissolution.
func (h *Handler) Dissolution(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	d, err := h.svc.Dissolution(ctx, c.Params("id"), h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"dissolution": d})
}
