package albums

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/upload"
)

// Config holds album limits.
type Config struct {
	MaxMembers    int           // per album; default 500
	InviteTTL     time.Duration // default invitation lifetime; default 7 days
	MaxInviteTTL  time.Duration // default 30 days
	DissolveBatch int           // items per round; default 250 (x 4 objects = one 1000-key RemoveObjects call)
	// TimeZone draws the timeline's days (GET /v1/albums/:id/days); set
	// from MEDIA_TIMEZONE; default UTC.
	TimeZone *time.Location
}

// Defaults fills zero values.
func (c Config) Defaults() Config {
	if c.MaxMembers == 0 {
		c.MaxMembers = 500
	}
	if c.InviteTTL == 0 {
		c.InviteTTL = 7 * 24 * time.Hour
	}
	if c.MaxInviteTTL == 0 {
		c.MaxInviteTTL = 30 * 24 * time.Hour
	}
	if c.DissolveBatch == 0 {
		c.DissolveBatch = 250
	}
	if c.TimeZone == nil {
		c.TimeZone = time.UTC
	}
	return c
}

// Dissolver queues an album's dissolution; the worker implements it.
type Dissolver interface {
	EnqueueDissolve(ctx context.Context, albumID string) error
}

// Service applies the album rules. Every method documents who may call it;
// a caller who is not a member of the album gets ErrNotFound, never
// ErrForbidden: an album you cannot see does not exist for you.
type Service struct {
	cfg     Config
	conn    db.Conn // for changes that span owners (a dissolution and its notices)
	store   *Store
	uploads *upload.Service
	queue   Dissolver
	blobs   Blobs
}

// NewService returns a Service on conn.
func NewService(cfg Config, conn db.Conn, uploads *upload.Service, queue Dissolver, blobs Blobs) *Service {
	return &Service{cfg: cfg.Defaults(), conn: conn, store: NewStore(conn), uploads: uploads, queue: queue, blobs: blobs}
}

// ValidTitle trims a title and checks it has 1 to 64 characters.
func ValidTitle(t string) (string, error) {
	t = strings.TrimSpace(t)
	if n := utf8.RuneCountInString(t); n < 1 || n > 64 || !utf8.ValidString(t) {
		return "", ErrBadTitle
	}
	for _, r := range t {
		if unicode.IsControl(r) { // NUL (which PostgreSQL refuses), newlines, escapes
			return "", ErrBadTitle.WithMessage("Title must not contain control characters.")
		}
	}
	return t, nil
}

// Create makes an album owned by the caller.
func (s *Service) Create(ctx context.Context, userID, title string, vis upload.Visibility) (*Album, error) {
	t, err := ValidTitle(title)
	if err != nil {
		return nil, err
	}
	if vis == "" {
		vis = upload.Members
	}
	return s.store.Create(ctx, userID, t, vis)
}

// role returns the caller's role, or ErrNotFound when not a member.
func (s *Service) role(ctx context.Context, albumID, userID string) (Role, error) {
	if !ids.Valid(albumID) {
		return None, ErrNotFound
	}
	r, err := s.store.Role(ctx, albumID, userID)
	if err == nil && r == None {
		err = ErrNotFound
	}
	return r, err
}

// require returns ErrNotFound for non-members and ErrForbidden for members
// whose role does not allow the action.
func (s *Service) require(ctx context.Context, albumID, userID string, allowed func(Role) bool) (Role, error) {
	r, err := s.role(ctx, albumID, userID)
	if err != nil {
		return r, err
	}
	if !allowed(r) {
		return r, ErrForbidden
	}
	return r, nil
}

// Get returns an album for a member.
func (s *Service) Get(ctx context.Context, albumID, userID string) (*Album, error) {
	if !ids.Valid(albumID) {
		return nil, ErrNotFound
	}
	return s.store.Find(ctx, albumID, userID)
}

// List returns the caller's albums with role and visible item count.
func (s *Service) List(ctx context.Context, userID string) ([]*Album, error) {
	return s.store.ListForUser(ctx, userID)
}

// Update renames or changes the default visibility (owner).
func (s *Service) Update(ctx context.Context, albumID, userID string, title *string, vis *upload.Visibility) (*Album, error) {
	if _, err := s.require(ctx, albumID, userID, CanEdit); err != nil {
		return nil, err
	}
	if title != nil {
		t, err := ValidTitle(*title)
		if err != nil {
			return nil, err
		}
		title = &t
	}
	if vis != nil && *vis == "" {
		return nil, upload.ErrBadVisibility
	}
	if err := s.store.Update(ctx, albumID, title, vis); err != nil {
		return nil, err
	}
	return s.store.Find(ctx, albumID, userID)
}

// SetCover sets the album cover to a ready, members-visible item (owner).
func (s *Service) SetCover(ctx context.Context, albumID, userID, mediaID string) (*Album, error) {
	if _, err := s.require(ctx, albumID, userID, CanEdit); err != nil {
		return nil, err
	}
	if !ids.Valid(mediaID) {
		return nil, ErrCoverNotUsable
	}
	if err := s.store.SetCover(ctx, albumID, mediaID); err != nil {
		return nil, err
	}
	return s.store.Find(ctx, albumID, userID)
}

// Items lists the items the caller may see (members), newest first in
// order (upload or capture time).
func (s *Service) Items(ctx context.Context, albumID, userID string, order upload.Order, cursor string, limit int) ([]*upload.Media, string, error) {
	r, err := s.role(ctx, albumID, userID)
	if err != nil {
		return nil, "", err
	}
	after, err := upload.ParseCursor(cursor, order)
	if err != nil {
		return nil, "", err
	}
	limit = min(max(limit, 1), 100)
	items, err := s.store.Items(ctx, albumID, userID, r, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	items, next := upload.Page(items, limit, order)
	return items, next, nil
}

// RemoveItem deletes an item of the album: its uploader, or the owner
// (moderation); upload.CanDelete decides. Other members get ErrForbidden
// for an item they can see and ErrItemNotFound for one they cannot, as
// does anyone for an item of another album.
func (s *Service) RemoveItem(ctx context.Context, albumID, userID, mediaID string) error {
	if _, err := s.role(ctx, albumID, userID); err != nil {
		return err
	}
	err := s.uploads.DeleteInAlbum(ctx, albumID, mediaID, userID)
	if errors.Is(err, upload.ErrNotFound) {
		return ErrItemNotFound
	}
	return err
}

// Members lists the members (members only).
func (s *Service) Members(ctx context.Context, albumID, userID string) ([]Member, error) {
	if _, err := s.require(ctx, albumID, userID, CanListMembers); err != nil {
		return nil, err
	}
	return s.store.Members(ctx, albumID)
}

// Ranking ranks members by items the caller can see (members only).
func (s *Service) Ranking(ctx context.Context, albumID, userID string) ([]RankEntry, error) {
	r, err := s.require(ctx, albumID, userID, CanView)
	if err != nil {
		return nil, err
	}
	return s.store.Ranking(ctx, albumID, userID, r)
}

// roles returns the caller's and the target's roles: a caller who is not a
// member gets ErrNotFound, a target who is not a member ErrMemberNotFound.
func (s *Service) roles(ctx context.Context, albumID, userID, targetID string) (actor, target Role, err error) {
	if actor, err = s.role(ctx, albumID, userID); err != nil {
		return
	}
	if target, err = s.store.Role(ctx, albumID, targetID); err == nil && target == None {
		err = ErrMemberNotFound
	}
	return
}

// SetRole changes another member's role (owner; never to owner).
func (s *Service) SetRole(ctx context.Context, albumID, userID, targetID string, to Role) error {
	actor, target, err := s.roles(ctx, albumID, userID, targetID)
	if err != nil {
		return err
	}
	if !CanChangeRole(actor, target, to, userID == targetID) {
		return ErrForbidden
	}
	return s.store.SetRole(ctx, albumID, targetID, to)
}

// RemoveMember removes another member (owner). Their access ends at once;
// their uploads stay theirs.
func (s *Service) RemoveMember(ctx context.Context, albumID, userID, targetID string) error {
	actor, target, err := s.roles(ctx, albumID, userID, targetID)
	if err != nil {
		return err
	}
	if !CanRemoveMember(actor, target, userID == targetID) {
		return ErrForbidden
	}
	return s.store.RemoveMember(ctx, albumID, targetID)
}

// Leave removes the caller from the album (not the owner), optionally
// deleting their items in it first.
func (s *Service) Leave(ctx context.Context, albumID, userID string, deleteMine bool) error {
	r, err := s.role(ctx, albumID, userID)
	if err != nil {
		return err
	}
	if !CanLeave(r) {
		return ErrOwnerMustStay
	}
	if deleteMine {
		mine, err := s.store.ItemsOf(ctx, albumID, userID)
		if err != nil {
			return err
		}
		for _, id := range mine {
			if err := s.uploads.Delete(ctx, id, userID); err != nil && !errors.Is(err, upload.ErrNotFound) {
				return err
			}
		}
	}
	return s.store.RemoveMember(ctx, albumID, userID)
}

// Transfer hands ownership to another member (owner).
func (s *Service) Transfer(ctx context.Context, albumID, userID, targetID string) error {
	actor, target, err := s.roles(ctx, albumID, userID, targetID)
	if err != nil {
		return err
	}
	if !CanTransfer(actor, target, userID == targetID) {
		return ErrForbidden
	}
	return s.store.Transfer(ctx, albumID, userID, targetID)
}
