package share

import (
	"context"
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
	p, err := s.open(ctx, token, unlock, cursor, limit)
	if err != nil {
		return nil, err
	}
	return s.view(base, p.link, p.items, p.next), nil
}

// linkPage is one page of what a link shows: read, checked and cut.
type linkPage struct {
	link  *Link
	items []*upload.Media
	next  string
}

// open reads a link's page (read) and answers as resolve would: unknown,
// expired, revoked, gone, locked; a bad cursor only after that, so the
// link's state is never hidden by it. A first page counts an open.
func (s *Service) open(ctx context.Context, token, unlock, cursor string, limit int) (*linkPage, error) {
	p, err := s.read(ctx, token, cursor, limit)
	if p == nil {
		return nil, err
	}
	if err := s.admit(p.link, unlock, s.now()); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if cursor == "" {
		s.opens.add(p.link.ID, s.now())
	}
	return p, nil
}

// read reads a link and a page of what it shows in one round trip
// (Store.Page). An unknown token is ErrNotFound and no page; otherwise the
// page holds the link even when the error says why it holds nothing else
// (a bad cursor, an item no longer shown), for the caller to admit first.
func (s *Service) read(ctx context.Context, token, cursor string, limit int) (*linkPage, error) {
	if !tokenShaped(token) {
		return nil, ErrNotFound
	}
	after, cursorErr := upload.ParseCursor(cursor, upload.OrderUploaded)
	limit = min(max(limit, 1), 100)
	l, items, err := s.store.Page(ctx, token, after, limit+1)
	if err != nil {
		return nil, err
	}
	p := &linkPage{link: l}
	if cursorErr != nil {
		return p, cursorErr
	}
	p.items, p.next, err = pageOf(l, after, items, limit)
	return p, err
}

// admit is what every request checks, whatever its page comes from: the
// link's state (expired, revoked, gone), then its password unlock.
func (s *Service) admit(l *Link, unlock string, now time.Time) error {
	if err := stateErr(l.StateAt(now)); err != nil {
		return err
	}
	if !s.unlocked(l, unlock) {
		return ErrLocked
	}
	return nil
}

// pageOf cuts what Store.Page read (limit+1 items) into the page shown and
// the next cursor. An item link whose item is no longer shown is gone.
func pageOf(l *Link, after upload.Cursor, items []*upload.Media, limit int) ([]*upload.Media, string, error) {
	if l.MediaID != nil {
		if after.ID == "" && len(items) == 0 {
			return nil, "", ErrGone
		}
		return items, "", nil
	}
	items, next := upload.Page(items, limit, upload.OrderUploaded)
	return items, next, nil
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
// MEDIA_URL_TTL at most (never past the link's expiry). appendView writes
// the same as JSON.
func (s *Service) view(base string, l *Link, items []*upload.Media, next string) *PublicView {
	v := &PublicView{Title: l.title, Kind: linkKind(l), ExpiresAt: l.ExpiresAt, AllowDownload: l.AllowDownload,
		Items: make([]PublicItem, len(items)), NextCursor: next}
	exp, viewer := s.urlExpiry(l), "l:"+l.ID
	for i, m := range items {
		it := PublicItem{ID: m.ID, Type: itemType(m), Width: m.Width, Height: m.Height, Placeholder: m.Placeholder,
			TakenAt: s.takenAt(l, m)}
		urls, n := itemURLs(l, m)
		for _, u := range urls[:n] {
			*it.url(u.field) = s.uploads.SignedURL(base, m.ID, u.variant, viewer, exp)
		}
		v.Items[i] = it
	}
	return v
}

// urlExpiry is when the URLs of a page of l expire: MEDIA_URL_TTL from
// now, never past the link's expiry.
func (s *Service) urlExpiry(l *Link) time.Time {
	exp := s.now().Add(s.uploads.URLTTL()).Truncate(time.Second)
	if l.ExpiresAt.Before(exp) {
		exp = l.ExpiresAt
	}
	return exp
}
