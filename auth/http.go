package auth

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/httpx"
)

const (
	userKey   = "auth_user"
	issuedKey = "auth_issued"
)

// Limiter counts events per key (Redis-backed); a refusal says how long
// until the next would be allowed.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Handler exposes the auth endpoints.
type Handler struct {
	svc *Service
	// WeChat sign-ins spend the app's WeChat quota: bounded per client
	// network and for the whole service.
	perNetwork, overall Limiter
}

// NewHandler returns the HTTP handlers for svc; perNetwork and overall
// bound WeChat sign-ins.
func NewHandler(svc *Service, perNetwork, overall Limiter) *Handler {
	return &Handler{svc: svc, perNetwork: perNetwork, overall: overall}
}

func timeout(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), 10*time.Second)
}

// RequireUser rejects requests without a live session with 401.
func (h *Handler) RequireUser(c *fiber.Ctx) error {
	tok, ok := bearer(c.Get(fiber.HeaderAuthorization))
	if !ok {
		return apperr.Unauthorized
	}
	ctx, cancel := timeout(c)
	defer cancel()
	u, issued, err := h.svc.Authenticate(ctx, tok)
	if err != nil {
		return err
	}
	c.Locals(userKey, u)
	c.Locals(issuedKey, issued)
	// What a signed-in user is shown is theirs alone: no cache keeps it.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Next()
}

// RequireConsent answers 428 on writes until the user has accepted the
// current privacy policy. It runs after RequireUser.
func (h *Handler) RequireConsent(c *fiber.Ctx) error {
	if u := CurrentUser(c); u != nil && h.svc.ConsentRequired(u) {
		return ErrConsentRequired
	}
	return c.Next()
}

// RequireFreshLogin refuses sessions issued longer ago than the
// re-authentication window (for account deletion).
func (h *Handler) RequireFreshLogin(c *fiber.Ctx) error {
	issued, _ := c.Locals(issuedKey).(time.Time)
	if w := h.svc.cfg.ReauthWindow; time.Since(issued) > w {
		return ErrReauthRequired.WithMessage("Sign in again (within the last %s) to do this.", w)
	}
	return c.Next()
}

func bearer(h string) (string, bool) {
	const p = "Bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(h[len(p):]), true
}

// CurrentUser returns the user RequireUser resolved.
func CurrentUser(c *fiber.Ctx) *User {
	u, _ := c.Locals(userKey).(*User)
	return u
}

// UserID returns the signed-in user's id ("" when anonymous).
func UserID(c *fiber.Ctx) string {
	if u := CurrentUser(c); u != nil {
		return u.ID
	}
	return ""
}

// WeChatLogin handles POST /v1/auth/wechat {"code"}. Sign-ins are limited
// per client network and overall (429 with Retry-After) before WeChat is
// asked, so nobody can spend the app's WeChat quota and block sign-in.
func (h *Handler) WeChatLogin(c *fiber.Ctx) error {
	if err := h.limit(c); err != nil {
		return err
	}
	var in struct {
		Code          string `json:"code"`
		PolicyVersion string `json:"policy_version"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := timeout(c)
	defer cancel()
	s, err := h.svc.LoginWeChat(ctx, in.Code, in.PolicyVersion)
	if err != nil {
		return err
	}
	return c.JSON(s)
}

// DevLogin handles POST /v1/auth/dev {"name"}.
func (h *Handler) DevLogin(c *fiber.Ctx) error {
	var in struct {
		Name          string `json:"name"`
		PolicyVersion string `json:"policy_version"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := timeout(c)
	defer cancel()
	s, err := h.svc.LoginDev(ctx, in.Name, in.PolicyVersion)
	if err != nil {
		return err
	}
	return c.JSON(s)
}

// Logout handles POST /v1/auth/logout.
func (h *Handler) Logout(c *fiber.Ctx) error {
	tok, _ := bearer(c.Get(fiber.HeaderAuthorization))
	ctx, cancel := timeout(c)
	defer cancel()
	if err := h.svc.Logout(ctx, tok); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Me handles GET /v1/me.
func (h *Handler) Me(c *fiber.Ctx) error {
	u := CurrentUser(c)
	return c.JSON(fiber.Map{"user": u, "policy_update_required": h.svc.ConsentRequired(u),
		"policy_version": h.svc.cfg.PolicyVersion})
}

// Consent handles POST /v1/me/consent {"version"}.
func (h *Handler) Consent(c *fiber.Ctx) error {
	var in struct {
		Version string `json:"version"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	ctx, cancel := timeout(c)
	defer cancel()
	u, err := h.svc.Consent(ctx, UserID(c), in.Version)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": u, "policy_update_required": false})
}

// UpdateMe handles PATCH /v1/me {"nickname"}.
func (h *Handler) UpdateMe(c *fiber.Ctx) error {
	var in struct {
		Nickname *string `json:"nickname"`
	}
	if err := httpx.DecodeJSON(c, &in); err != nil {
		return err
	}
	if in.Nickname == nil {
		return apperr.Invalidf("nickname is required.")
	}
	ctx, cancel := timeout(c)
	defer cancel()
	u, err := h.svc.SetNickname(ctx, UserID(c), *in.Nickname)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": u})
}

func (h *Handler) limit(c *fiber.Ctx) error {
	ctx, cancel := timeout(c)
	defer cancel()
	for _, l := range []struct {
		lim Limiter
		key string
	}{{h.perNetwork, "net:" + httpx.TruncateIP(c.IP())}, {h.overall, "all"}} {
		ok, retry, err := l.lim.Allow(ctx, l.key)
		if err != nil {
			return err
		}
		if !ok {
			return ErrTooManySignIns.WithRetryAfter(retry)
		}
	}
	return nil
}
