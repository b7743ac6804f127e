package upload

import (
	"time"

	"github.com/wxalbum/mediad/internal/signer"
)

// View is the API form of a media item.
type View struct {
	ID          string     `json:"id"`
	Kind        Kind       `json:"kind"`
	Status      Status     `json:"status"`
	FailReason  *string    `json:"fail_reason,omitempty"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	AlbumID     *string    `json:"album_id"`
	Visibility  Visibility `json:"visibility"`
	Width       *int       `json:"width,omitempty"`
	Height      *int       `json:"height,omitempty"`
	DurationMS  *int64     `json:"duration_ms,omitempty"`
	Placeholder *string    `json:"placeholder,omitempty"`
	Mine        bool       `json:"mine"`
	CreatedAt   time.Time  `json:"created_at"`
	// TakenAt is when it was taken, else when it was uploaded
	// (TakenAtSource: exif, video or upload); only in views of an item the
	// viewer may see, like everything here.
	TakenAt       time.Time `json:"taken_at"`
	TakenAtSource string    `json:"taken_at_source"`
	// PlayStatus (videos): pending until urls has "play", then ready,
	// original (play is the stripped original) or failed (PlayFailReason
	// to the uploader; the original still plays where HEVC does).
	PlayStatus     string             `json:"play_status,omitempty"`
	PlayFailReason *string            `json:"play_fail_reason,omitempty"`
	URLs           map[Variant]string `json:"urls,omitempty"`
	URLsExpireAt   *time.Time         `json:"urls_expire_at,omitempty"`

	// Review is the content check's state (Review*), to the uploader
	// only; absent when no check was required.
	Review string `json:"review,omitempty"`
	// ReportHold is why reports hide the item from others (Hold*), to
	// the uploader only; absent when none does. GET /v1/media/:id/reports
	// says what was reported, never by whom.
	ReportHold string `json:"report_hold,omitempty"`
}

func (h *Handler) view(m *Media, viewerID string) View {
	v := View{ID: m.ID, Kind: m.Kind, Status: m.Status, ContentType: m.ContentType, Size: m.Size, AlbumID: m.AlbumID,
		Visibility: m.Visibility, Width: m.Width, Height: m.Height, DurationMS: m.DurationMS,
		Placeholder: m.Placeholder, Mine: m.OwnerID == viewerID, CreatedAt: m.CreatedAt,
		TakenAt: m.TakenAt, TakenAtSource: m.TakenAtSource, PlayStatus: m.PlayStatus}
	if v.Mine {
		v.FailReason, v.PlayFailReason, v.Review, v.ReportHold = m.FailReason, m.PlayFailReason, m.Review, m.ReportHold
	}
	if m.Status == StatusReady {
		exp := time.Now().Add(h.svc.cfg.URLTTL).Truncate(time.Second)
		v.URLs = h.svc.SignedURLs(h.baseURL, m, "u:"+viewerID, exp)
		v.URLsExpireAt = &exp
	}
	return v
}

// URLTTL is the lifetime of the signed media URLs (MEDIA_URL_TTL), for
// every feature that hands them out.
func (s *Service) URLTTL() time.Duration { return s.cfg.URLTTL }

// SignedURLs returns self-authorising URLs for every variant of a ready
// item, issued to viewer ("u:<user id>" or "l:<link id>"). Nothing is
// signed for an item that is not ready.
func (s *Service) SignedURLs(base string, m *Media, viewer string, exp time.Time) map[Variant]string {
	if m.Status != StatusReady {
		return nil
	}
	urls := map[Variant]string{}
	for _, v := range Variants(m.Kind) {
		urls[v] = s.SignedURL(base, m.ID, v, viewer, exp)
	}
	if PlayKey(m) != "" {
		urls[VariantPlay] = s.SignedURL(base, m.ID, VariantPlay, viewer, exp)
	}
	return urls
}

// SignedURL returns one variant's URL.
func (s *Service) SignedURL(base, mediaID string, v Variant, viewer string, exp time.Time) string {
	return string(s.AppendSignedURL(make([]byte, 0, len(base)+160), base, mediaID, v, viewer, exp))
}

// AppendSignedURL appends SignedURL's URL to dst (a page of signed URLs
// written straight into its response).
func (s *Service) AppendSignedURL(dst []byte, base, mediaID string, v Variant, viewer string, exp time.Time) []byte {
	dst = append(append(append(append(append(dst, base...), "/f/"...), mediaID...), '/'), v...)
	return s.signer.AppendSign(append(dst, "?t="...), signer.Grant{MediaID: mediaID, Variant: string(v), Viewer: viewer, Expires: exp})
}
