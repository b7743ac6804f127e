package albums

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wxalbum/mediad/upload"
)

// itemView is an album item as members see it: no uploader identity
// beyond "mine", a placeholder and a signed thumbnail URL.
type itemView struct {
	ID          string            `json:"id"`
	Kind        upload.Kind       `json:"kind"`
	Status      upload.Status     `json:"status"`
	Visibility  upload.Visibility `json:"visibility"`
	Width       *int              `json:"width,omitempty"`
	Height      *int              `json:"height,omitempty"`
	DurationMS  *int64            `json:"duration_ms,omitempty"`
	Placeholder *string           `json:"placeholder,omitempty"`
	Mine        bool              `json:"mine"`
	ThumbURL    string            `json:"thumb_url,omitempty"`
	// TakenAt is when it was taken (else uploaded: TakenAtSource "upload").
	TakenAt       time.Time `json:"taken_at"`
	TakenAtSource string    `json:"taken_at_source"`
}

// Items handles GET /v1/albums/:id/items?order=&cursor=&limit=, newest
// first by upload time (order=uploaded, the default) or capture time
// (order=taken: the timeline).
func (h *Handler) Items(c *fiber.Ctx) error {
	order, err := upload.ParseOrder(c.Query("order"))
	if err != nil {
		return err
	}
	ctx, cancel := bounded(c)
	defer cancel()
	uid := h.userID(c)
	items, next, err := h.svc.Items(ctx, c.Params("id"), uid, order, c.Query("cursor"), c.QueryInt("limit", 50))
	if err != nil {
		return err
	}
	exp := h.expiry()
	out := make([]itemView, len(items))
	for i, m := range items {
		out[i] = itemView{ID: m.ID, Kind: m.Kind, Status: m.Status, Visibility: m.Visibility, Width: m.Width,
			Height: m.Height, DurationMS: m.DurationMS, Placeholder: m.Placeholder, Mine: m.OwnerID == uid,
			TakenAt: m.TakenAt, TakenAtSource: m.TakenAtSource}
		if m.Status == upload.StatusReady {
			out[i].ThumbURL = h.uploads.SignedURL(h.baseURL, m.ID, upload.VariantThumb, "u:"+uid, exp)
		}
	}
	return c.JSON(fiber.Map{"items": out, "next_cursor": next})
}

// Days handles GET /v1/albums/:id/days?cursor=&limit=: the album's
// timeline, one entry per day with items the caller may see (count and
// cover thumb), newest first; cursor is the last day of the previous page.
func (h *Handler) Days(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	uid := h.userID(c)
	days, next, err := h.svc.Days(ctx, c.Params("id"), uid, c.Query("cursor"), c.QueryInt("limit", 60))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"days": h.dayViews(days, uid), "next_cursor": next})
}

// RemoveItem handles DELETE /v1/albums/:id/items/:media_id.
func (h *Handler) RemoveItem(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	if err := h.svc.RemoveItem(ctx, c.Params("id"), h.userID(c), c.Params("media_id")); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"status": upload.StatusDeleting})
}

// Ranking handles GET /v1/albums/:id/ranking.
func (h *Handler) Ranking(c *fiber.Ctx) error {
	ctx, cancel := bounded(c)
	defer cancel()
	r, err := h.svc.Ranking(ctx, c.Params("id"), h.userID(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ranking": r})
}
