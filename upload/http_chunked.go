package upload

import (
	"encoding/hex"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/internal/blob"
	"github.com/wxalbum/mediad/internal/httpx"
)

type startRequest struct {
	Kind       string  `json:"kind"`
	Size       int64   `json:"size"`
	SHA256     string  `json:"sha256"`
	AlbumID    *string `json:"album_id"`
	Visibility string  `json:"visibility"`
}

type uploadView struct {
	UploadID  string      `json:"upload_id"`
	PartSize  int64       `json:"part_size"`
	PartCount int         `json:"part_count"`
	Size      int64       `json:"size"`
	ExpiresAt time.Time   `json:"expires_at"`
	Parts     []blob.Part `json:"parts"`
}

func chunkedView(ch *Chunked, parts []blob.Part) uploadView {
	if parts == nil {
		parts = []blob.Part{}
	}
	return uploadView{UploadID: ch.ID, PartSize: ch.PartSize, PartCount: ch.Parts(), Size: ch.Size, ExpiresAt: ch.ExpiresAt, Parts: parts}
}

// StartChunked handles POST /v1/uploads.
func (h *Handler) StartChunked(c *fiber.Ctx) error {
	var req startRequest
	if err := httpx.DecodeJSON(c, &req); err != nil {
		return err
	}
	k, err := ParseKind(req.Kind)
	if err != nil {
		return err
	}
	v, err := ParseVisibility(req.Visibility)
	if err != nil {
		return err
	}
	key, err := ParseIdempotencyKey(c.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	in := StartInput{Input: Input{OwnerID: h.userID(c), Kind: k, AlbumID: req.AlbumID, Visibility: v, IdempotencyKey: key},
		Size: req.Size}
	if req.SHA256 != "" {
		sum, err := hex.DecodeString(strings.ToLower(req.SHA256))
		if err != nil || len(sum) != 32 {
			return ErrMismatch.WithMessage("sha256 must be 64 hex characters.")
		}
		in.SHA256 = sum
	}
	ctx, cancel := bounded(c, 30*time.Second)
	defer cancel()
	ch, err := h.svc.StartChunked(ctx, in)
	if err != nil {
		return err
	}
	if ch.Replayed { // a retried start: the same upload, with the parts it has
		_, parts, err := h.svc.Parts(ctx, ch.ID, ch.OwnerID)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusOK).JSON(chunkedView(ch, parts))
	}
	return c.Status(fiber.StatusCreated).JSON(chunkedView(ch, nil))
}

// PutPart handles PUT /v1/uploads/:id/parts/:n with the raw part as body.
// Content-Length is required so a wrong-sized part is refused before any
// byte is stored.
func (h *Handler) PutPart(c *fiber.Ctx) error {
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return ErrEncoded
	}
	n, err := partNumber(c)
	if err != nil {
		return err
	}
	ctx, cancel := bounded(c, 10*time.Minute)
	defer cancel()
	p, err := h.svc.PutPart(ctx, c.Params("id"), h.userID(c), httpx.TruncateIP(c.IP()), n,
		int64(c.Request().Header.ContentLength()), h.body(c))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// GetChunked handles GET /v1/uploads/:id: the parts received so far.
func (h *Handler) GetChunked(c *fiber.Ctx) error {
	ctx, cancel := bounded(c, 30*time.Second)
	defer cancel()
	ch, parts, err := h.svc.Parts(ctx, c.Params("id"), h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(chunkedView(ch, parts))
}

// CompleteChunked handles POST /v1/uploads/:id/complete.
func (h *Handler) CompleteChunked(c *fiber.Ctx) error {
	ctx, cancel := bounded(c, 15*time.Minute)
	defer cancel()
	m, dup, err := h.svc.Complete(ctx, c.Params("id"), h.userID(c))
	if err != nil {
		return err
	}
	return h.created(c, m, dup)
}

// AbortChunked handles DELETE /v1/uploads/:id.
func (h *Handler) AbortChunked(c *fiber.Ctx) error {
	ctx, cancel := bounded(c, 30*time.Second)
	defer cancel()
	if err := h.svc.Abort(ctx, c.Params("id"), h.userID(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
