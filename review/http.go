package review

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/internal/wechat"
)

// Handler serves WeChat's message push (the mini-program admin console's
// 消息推送, plaintext mode, JSON): GET verifies the URL, POST carries events.
type Handler struct {
	svc   *Service
	token string // the push token every push is signed with
}

// NewHandler returns the push handler for results signed with token.
func NewHandler(svc *Service, token string) *Handler { return &Handler{svc: svc, token: token} }

// errBadSignature: the push was not signed with our token; nothing is read.
var errBadSignature = apperr.Unauthorized.WithMessage("The signature does not match.")

// signed checks the query's signature, timestamp and nonce.
func (h *Handler) signed(c *fiber.Ctx) bool {
	return wechat.VerifySignature(h.token, c.Query("timestamp"), c.Query("nonce"), c.Query("signature"))
}

// Verify handles GET /v1/wechat/events: WeChat checks the URL by sending
// echostr, which is echoed when the signature is ours; 401 otherwise.
func (h *Handler) Verify(c *fiber.Ctx) error {
	if !h.signed(c) {
		return errBadSignature
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString(c.Query("echostr"))
}

// push is the part of a pushed event we read.
type push struct {
	Event   string `json:"Event"`
	TraceID string `json:"trace_id"`
	Result  struct {
		Suggest string `json:"suggest"`
	} `json:"result"`
}

// EventWxaMediaCheck is the event carrying a content check result.
const EventWxaMediaCheck = "wxa_media_check"

// Events handles POST /v1/wechat/events. A wrong or missing signature is
// 401 and changes nothing. A content check result is recorded; every other
// event, an unknown trace id and a repeated push are answered 200 and
// change nothing, so WeChat does not push them again.
func (h *Handler) Events(c *fiber.Ctx) error {
	if !h.signed(c) {
		return errBadSignature
	}
	var p push
	if err := json.Unmarshal(c.Body(), &p); err != nil {
		return apperr.Invalidf("The body is not a JSON event.")
	}
	if p.Event == EventWxaMediaCheck {
		ctx, cancel := context.WithTimeout(c.UserContext(), 5*time.Second)
		defer cancel()
		if err := h.svc.Result(ctx, p.TraceID, p.Result.Suggest); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.SendString("success")
}
