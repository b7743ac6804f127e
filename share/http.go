package share

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/httpx"
)

// UnlockHeader carries the unlock token of a password link (JSON API).
const UnlockHeader = "X-Share-Unlock"

// Handler exposes links over HTTP.
type Handler struct {
	svc     *Service
	userID  func(*fiber.Ctx) string
	baseURL string
	perAddr Limiter // requests per client address on public routes
}

// NewHandler returns the link handlers.
func NewHandler(svc *Service, userID func(*fiber.Ctx) string, baseURL string, perAddr Limiter) *Handler {
	return &Handler{svc: svc, userID: userID, baseURL: baseURL, perAddr: perAddr}
}

func bounded(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 15*time.Second)
}

// addr is the client address truncated like the access log, so limits
// work per network and nothing finer is kept.
func addr(c *fiber.Ctx) string { return httpx.TruncateIP(c.IP()) }

// RateLimit guards the public routes against token guessing: each address
// gets a bounded number of requests per minute. Under /s/ the refusal is
// an HTML page, elsewhere the JSON error.
func (h *Handler) RateLimit(c *fiber.Ctx) error {
	ok, retry, err := h.perAddr.Allow(c.UserContext(), "public:"+addr(c))
	if err != nil {
		return err
	}
	if !ok {
		if isWeb(c) {
			return h.tooMany(c, retry)
		}
		return apperr.RateLimited.WithRetryAfter(retry)
	}
	return c.Next()
}

type createRequest struct {
	AlbumID       *string `json:"album_id"`
	MediaID       *string `json:"media_id"`
	ExpiresIn     int64   `json:"expires_in"` // seconds
	Password      *string `json:"password"`
	AllowDownload bool    `json:"allow_download"`
	ShowDates     bool    `json:"show_dates"`
}

// Create handles POST /v1/shares.
func (h *Handler) Create(c *fiber.Ctx) error {
	var in createRequest
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.ExpiresIn < 0 || in.ExpiresIn > 1<<32 {
		return h.svc.badExpiry()
	}
	ctx, cancel := bounded(c)
	defer cancel()
	l, tok, err := h.svc.Create(ctx, h.userID(c), CreateInput{AlbumID: in.AlbumID, MediaID: in.MediaID,
		ExpiresIn: time.Duration(in.ExpiresIn) * time.Second, Password: in.Password, AllowDownload: in.AllowDownload,
		ShowDates: in.ShowDates})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"share": l, "token": tok, "url": h.baseURL + "/s/" + tok})
}

// List handles GET /v1/shares.
func (h *Handler) List(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	ls, err := h.svc.List(ctx, h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"shares": ls})
}

// Revoke handles DELETE /v1/shares/:id.
func (h *Handler) Revoke(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	if err := h.svc.Revoke(ctx, h.userID(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Open handles GET /v1/public/shares/:token?cursor=&limit=.
func (h *Handler) Open(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	body, err := h.svc.OpenJSON(ctx, h.baseURL, c.Params("token"), c.Get(UnlockHeader), c.Query("cursor"), c.QueryInt("limit", 50))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body) // copied into the response: the cached bytes stay shared
}

// Unlock handles POST /v1/public/shares/:token/unlock {"password"}.
func (h *Handler) Unlock(c *fiber.Ctx) error {
	var in struct {
		Password string `json:"password"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	tok, err := h.svc.Unlock(ctx, c.Params("token"), in.Password, addr(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"unlock_token": tok, "expires_in": int(h.svc.cfg.UnlockTTL.Seconds())})
}
