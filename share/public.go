package share

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/upload"
)

// PublicItem is one item as a link recipient sees it: no uploader, no
// dates, no file names, no metadata; only what is needed to show it.
type PublicItem struct {
	ID          string  `json:"id"`
	Type        string  `json:"type"` // photo or video
	Width       *int    `json:"width"`
	Height      *int    `json:"height"`
	Placeholder *string `json:"placeholder"`
	ThumbURL    string  `json:"thumb_url"`
	PreviewURL  string  `json:"preview_url"`
	VideoURL    string  `json:"video_url,omitempty"`
	PosterURL   string  `json:"poster_url,omitempty"`
	DownloadURL string  `json:"download_url,omitempty"`
	// TakenAt is when the item was taken, only on links made with
	// show_dates (and only a real capture time, not an upload time).
	TakenAt *time.Time `json:"taken_at,omitempty"`
}

// PublicView is what GET /v1/public/shares/:token returns.
type PublicView struct {
	Title         string       `json:"title"`
	Kind          string       `json:"kind"` // album or item
	ExpiresAt     time.Time    `json:"expires_at"`
	AllowDownload bool         `json:"allow_download"`
	Items         []PublicItem `json:"items"`
	NextCursor    string       `json:"next_cursor"`
}

// Open returns what a link shows right now, one page at a time. A
// password link shows nothing without a valid unlock token. The first page
// counts one open for today.
func (s *Service) Open(ctx context.Context, base, token, unlock, cursor string, limit int) (*PublicView, error) {
	_, v, err := s.open(ctx, base, token, unlock, cursor, limit)
	return v, err
}

// OpenJSON is Open encoded as the JSON response. While nothing a link shows
// has changed, its pages come from the view cache; the link's expiry and
// the unlock token are still checked on every request, and every first
// page still counts an open.
func (s *Service) OpenJSON(ctx context.Context, base, token, unlock, cursor string, limit int) ([]byte, error) {
	now := s.now()
	limit = min(max(limit, 1), 100)
	k := viewKey{tokenHash: string(ids.Hash(token)), cursor: cursor, limit: limit}
	if e := s.views.get(k, now); e != nil {
		if err := stateErr(e.link.StateAt(now)); err != nil {
			return nil, err
		}
		if !s.unlocked(e.link, unlock) {
			return nil, ErrLocked
		}
		if cursor == "" {
			s.opens.add(e.link.ID, now)
		}
		return e.body, nil
	}
	version, cacheable := s.views.version() // read before the database
	l, v, err := s.open(ctx, base, token, unlock, cursor, limit)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if cacheable {
		s.views.put(k, version, &cachedView{link: l, body: body, built: now})
	}
	return body, nil
}

func (s *Service) open(ctx context.Context, base, token, unlock, cursor string, limit int) (*Link, *PublicView, error) {
	l, err := s.resolve(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if !s.unlocked(l, unlock) {
		return nil, nil, ErrLocked
	}
	after, err := upload.ParseCursor(cursor, upload.OrderUploaded)
	if err != nil {
		return nil, nil, err
	}
	limit = min(max(limit, 1), 100)
	items, next, err := s.items(ctx, l, after, limit)
	if err != nil {
		return nil, nil, err
	}
	if cursor == "" {
		s.opens.add(l.ID, s.now())
	}
	return l, s.view(base, l, items, next), nil
}

// ErrItemNotShown is ErrNotFound for an item a live link does not show.
var ErrItemNotShown = ErrNotFound.WithMessage("This link does not show that item.")

// OpenItem returns a view holding the one item mediaID, re-checking the
// link exactly like Open (unknown, expired, revoked, gone, locked). An
// item the link does not show right now (another album, not ready, not
// visibility link) is ErrItemNotShown, which errors.Is ErrNotFound. It
// counts no open.
func (s *Service) OpenItem(ctx context.Context, base, token, unlock, mediaID string) (*PublicView, error) {
	l, err := s.resolve(ctx, token)
	if err != nil {
		return nil, err
	}
	if !s.unlocked(l, unlock) {
		return nil, ErrLocked
	}
	if !ids.Valid(mediaID) {
		return nil, ErrItemNotShown
	}
	m, err := s.store.Shown(ctx, l, mediaID)
	if errors.Is(err, upload.ErrNotFound) {
		return nil, ErrItemNotShown
	}
	if err != nil {
		return nil, err
	}
	return s.view(base, l, []*upload.Media{m}, ""), nil
}

// view builds what a recipient sees of items, with signed URLs valid for
// MEDIA_URL_TTL at most (never past the link's expiry).
func (s *Service) view(base string, l *Link, items []*upload.Media, next string) *PublicView {
	v := &PublicView{Title: l.title, Kind: "album", ExpiresAt: l.ExpiresAt, AllowDownload: l.AllowDownload,
		Items: make([]PublicItem, len(items)), NextCursor: next}
	if l.MediaID != nil {
		v.Kind = "item"
	}
	exp := s.now().Add(s.uploads.URLTTL()).Truncate(time.Second)
	if l.ExpiresAt.Before(exp) {
		exp = l.ExpiresAt
	}
	for i, m := range items {
		v.Items[i] = s.publicItem(base, l, m, exp)
	}
	return v
}

func (s *Service) items(ctx context.Context, l *Link, after upload.Cursor, limit int) ([]*upload.Media, string, error) {
	if l.MediaID != nil {
		if after.ID != "" {
			return nil, "", nil
		}
		m, err := s.store.Item(ctx, *l.MediaID)
		if errors.Is(err, upload.ErrNotFound) {
			return nil, "", ErrGone
		}
		if err != nil {
			return nil, "", err // a failing database is not "no longer shared"
		}
		return []*upload.Media{m}, "", nil
	}
	items, err := s.store.Items(ctx, *l.AlbumID, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	items, next := upload.Page(items, limit, upload.OrderUploaded)
	return items, next, nil
}

func (s *Service) publicItem(base string, l *Link, m *upload.Media, exp time.Time) PublicItem {
	viewer := "l:" + l.ID
	url := func(v upload.Variant) string { return s.uploads.SignedURL(base, m.ID, v, viewer, exp) }
	it := PublicItem{ID: m.ID, Type: "photo", Width: m.Width, Height: m.Height, Placeholder: m.Placeholder,
		ThumbURL: url(upload.VariantThumb), PreviewURL: url(upload.VariantPreview)}
	if m.Kind == upload.KindVideo {
		it.Type = "video"
		it.VideoURL = url(upload.VariantOriginal)
		if upload.PlayKey(m) != "" { // plays on every phone and browser
			it.VideoURL = url(upload.VariantPlay)
		}
		it.PosterURL = url(upload.VariantPoster)
	}
	if l.AllowDownload {
		it.DownloadURL = url(upload.VariantDownload)
	}
	if l.ShowDates && m.TakenAtSource != upload.TakenFromUpload {
		t := m.TakenAt.In(s.cfg.TimeZone)
		it.TakenAt = &t
	}
	return it
}
