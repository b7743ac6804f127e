package albums

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/upload"
)

// Day is one day of an album's timeline: how many items the caller may see
// were taken that day (in the configured zone), and the latest ready one
// as its cover.
type Day struct {
	Day              string // 2006-01-02
	Count            int
	CoverID          *string // nil while none of the day's items is ready
	CoverPlaceholder *string
}

// ErrBadDayCursor is a days cursor that is not a date.
var ErrBadDayCursor = apperr.New(400, "invalid_cursor", "The cursor is not valid.")

// Days returns up to limit days of the album's timeline before the day
// before ("" from the latest), newest first, counting only the items
// viewer (a member with role) may see: the visibility rule is in the
// WHERE clause. before is turned into the instant its day starts in tz, so
// the scan runs on the (album_id, taken_at) index.
func (s *Store) Days(ctx context.Context, albumID, viewerID string, role Role, tz *time.Location, before *time.Time, limit int) ([]Day, error) {
	rows, err := s.q.Query(ctx, `SELECT to_char(d, 'YYYY-MM-DD'), n, cover_id, cover_ph FROM (
		SELECT (m.taken_at AT TIME ZONE $3)::date AS d, count(*) AS n,
			(array_agg(m.id ORDER BY m.taken_at DESC, m.id DESC) FILTER (WHERE m.status = 'ready'))[1] AS cover_id,
			(array_agg(m.placeholder ORDER BY m.taken_at DESC, m.id DESC) FILTER (WHERE m.status = 'ready'))[1] AS cover_ph
		FROM media m WHERE `+itemsVisible("$1", "$2", "$6::text")+`
			AND ($4::timestamptz IS NULL OR m.taken_at < $4)
		GROUP BY 1 ORDER BY 1 DESC LIMIT $5) days`,
		albumID, viewerID, tz.String(), before, limit, role)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Day, error) {
		var d Day
		err := r.Scan(&d.Day, &d.Count, &d.CoverID, &d.CoverPlaceholder)
		return d, err
	})
}

// Days lists the album's timeline for a member: days newest first, before
// the day in cursor ("" from the latest); the next cursor is the last
// day returned when there may be more.
func (s *Service) Days(ctx context.Context, albumID, userID, cursor string, limit int) ([]Day, string, error) {
	r, err := s.role(ctx, albumID, userID)
	if err != nil {
		return nil, "", err
	}
	var before *time.Time
	if cursor != "" {
		d, err := time.ParseInLocation(time.DateOnly, cursor, s.cfg.TimeZone)
		if err != nil {
			return nil, "", ErrBadDayCursor
		}
		before = &d
	}
	limit = min(max(limit, 1), 366)
	days, err := s.store.Days(ctx, albumID, userID, r, s.cfg.TimeZone, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	if len(days) <= limit {
		return days, "", nil
	}
	return days[:limit], days[limit-1].Day, nil
}

// dayView is a timeline day in the API.
type dayView struct {
	Day         string  `json:"day"`
	Count       int     `json:"count"`
	CoverID     *string `json:"cover_id,omitempty"`
	ThumbURL    string  `json:"thumb_url,omitempty"`
	Placeholder *string `json:"placeholder,omitempty"`
}

func (h *Handler) dayViews(days []Day, viewerID string) []dayView {
	exp := h.expiry()
	out := make([]dayView, len(days))
	for i, d := range days {
		out[i] = dayView{Day: d.Day, Count: d.Count, CoverID: d.CoverID, Placeholder: d.CoverPlaceholder}
		if d.CoverID != nil {
			out[i].ThumbURL = h.uploads.SignedURL(h.baseURL, *d.CoverID, upload.VariantThumb, "u:"+viewerID, exp)
		}
	}
	return out
}
