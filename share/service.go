package share

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"

	"github.com/wxalbum/mediad/albums"
	"github.com/wxalbum/mediad/internal/db"
	"github.com/wxalbum/mediad/internal/ids"
	"github.com/wxalbum/mediad/internal/signer"
	"github.com/wxalbum/mediad/upload"
)

// Config holds link limits.
type Config struct {
	DefaultTTL time.Duration // default 7 days
	MaxTTL     time.Duration // default 90 days
	UnlockTTL  time.Duration // how long an unlock lasts; default 1h
	// Password tries per link: from one network, and from everywhere
	// together, within UnlockWindow. Defaults 5 and 30 per 15 minutes.
	UnlockTriesPerNetwork int
	UnlockTriesPerLink    int
	UnlockWindow          time.Duration
	// ViewCacheBytes bounds the cache of encoded link pages (viewcache.go);
	// default 32 MiB, negative turns the cache off.
	ViewCacheBytes int
	ViewCacheTTL   time.Duration // default 1 minute, capped at half of MEDIA_URL_TTL (pages hold signed URLs)
	// TimeZone is the zone of the dates on link pages (expiry, and capture
	// dates on show_dates links); set from MEDIA_TIMEZONE; default UTC.
	TimeZone *time.Location
}

// Defaults fills zero values.
func (c Config) Defaults() Config {
	if c.DefaultTTL == 0 {
		c.DefaultTTL = 7 * 24 * time.Hour
	}
	if c.MaxTTL == 0 {
		c.MaxTTL = 90 * 24 * time.Hour
	}
	if c.UnlockTTL == 0 {
		c.UnlockTTL = time.Hour
	}
	if c.TimeZone == nil {
		c.TimeZone = time.UTC
	}
	if c.UnlockTriesPerNetwork == 0 {
		c.UnlockTriesPerNetwork = 5
	}
	if c.UnlockTriesPerLink == 0 {
		c.UnlockTriesPerLink = 30
	}
	if c.UnlockWindow == 0 {
		c.UnlockWindow = 15 * time.Minute
	}
	if c.ViewCacheBytes == 0 {
		c.ViewCacheBytes = 32 << 20
	}
	if c.ViewCacheTTL == 0 {
		c.ViewCacheTTL = time.Minute
	}
	return c
}

// Limiter counts events per key (Redis-backed in production); a refusal
// says how long until the next would be allowed.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Roles tells a user's role in an active album (albums.None when not a
// member); the albums store implements it.
type Roles interface {
	Role(ctx context.Context, albumID, userID string) (albums.Role, error)
}

// Service creates, lists, revokes and resolves links.
type Service struct {
	cfg       Config
	store     *Store
	roles     Roles
	uploads   *upload.Service
	signer    *signer.Signer
	tries     Limiter // password tries per link and network
	linkTries Limiter // password tries per link, from anywhere
	opens     openCounter
	views     *viewCache // nil: off
	building  singleflight.Group
	now       func() time.Time
}

// NewService returns a Service. changes (may be nil) lets it cache link
// pages while nothing they show has changed.
func NewService(cfg Config, store *Store, roles Roles, uploads *upload.Service, sg *signer.Signer, tries, linkTries Limiter, changes db.Versioner) *Service {
	s := &Service{cfg: cfg.Defaults(), store: store, roles: roles, uploads: uploads, signer: sg, tries: tries, linkTries: linkTries, now: time.Now}
	if changes != nil && s.cfg.ViewCacheBytes > 0 {
		// A cached page holds signed URLs: it must expire well before they do.
		s.views = newViewCache(changes, min(s.cfg.ViewCacheTTL, uploads.URLTTL()/2), s.cfg.ViewCacheBytes)
	}
	return s
}

// CreateInput describes a new link: exactly one of AlbumID and MediaID.
type CreateInput struct {
	AlbumID       *string
	MediaID       *string
	ExpiresIn     time.Duration
	Password      *string
	AllowDownload bool
	// ShowDates lets recipients see when each item was taken; off by
	// default (a date can say more about people than the creator means to).
	ShowDates bool
}

// Create makes a link. Album links: owner or contributor of the album
// (non-members: ErrNotFound from albums; viewers: forbidden). Item links:
// the uploader only (anyone else: upload.ErrNotFound), and the item must be
// ready with visibility link (else ErrNotShareable).
func (s *Service) Create(ctx context.Context, userID string, in CreateInput) (*Link, string, error) {
	if (in.AlbumID == nil) == (in.MediaID == nil) {
		return nil, "", ErrBadTarget
	}
	ttl := in.ExpiresIn
	if ttl == 0 {
		ttl = s.cfg.DefaultTTL
	}
	if ttl < time.Minute || ttl > s.cfg.MaxTTL {
		return nil, "", s.badExpiry()
	}
	if err := s.checkTarget(ctx, userID, in); err != nil {
		return nil, "", err
	}
	var pw []byte
	if in.Password != nil {
		if n := utf8.RuneCountInString(*in.Password); n < 4 || n > 64 {
			return nil, "", ErrBadPassword
		}
		h, err := bcrypt.GenerateFromPassword([]byte(*in.Password), bcrypt.DefaultCost)
		if err != nil {
			return nil, "", err
		}
		pw = h
	}
	l := &Link{AlbumID: in.AlbumID, MediaID: in.MediaID, CreatedBy: userID, AllowDownload: in.AllowDownload, ShowDates: in.ShowDates,
		ExpiresAt: s.now().Add(ttl).UTC().Truncate(time.Second)}
	tok, err := s.store.Create(ctx, l, pw)
	return l, tok, err
}

// badExpiry is ErrBadExpiry saying the configured bounds.
func (s *Service) badExpiry() error {
	return ErrBadExpiry.WithMessage("expires_in must be between 60 and %d seconds (%s).", int64(s.cfg.MaxTTL.Seconds()), s.cfg.MaxTTL)
}

func (s *Service) checkTarget(ctx context.Context, userID string, in CreateInput) error {
	if in.AlbumID != nil {
		if !ids.Valid(*in.AlbumID) {
			return albums.ErrNotFound
		}
		r, err := s.roles.Role(ctx, *in.AlbumID, userID)
		switch {
		case err != nil:
			return err
		case r == albums.None:
			return albums.ErrNotFound
		case !albums.CanShare(r):
			return albums.ErrForbidden
		}
		return nil
	}
	m, err := s.uploads.Get(ctx, *in.MediaID, userID)
	if err != nil {
		return err
	}
	if m.OwnerID != userID {
		return upload.ErrNotFound
	}
	if m.Status != upload.StatusReady || m.Visibility != upload.Link {
		return ErrNotShareable
	}
	return nil
}

// List returns the caller's links with their open counts (this process's
// pending counts are written first; other processes' within seconds).
func (s *Service) List(ctx context.Context, userID string) ([]*Link, error) {
	if err := s.FlushOpens(ctx); err != nil {
		return nil, err
	}
	return s.store.ListByCreator(ctx, userID)
}

// Revoke ends a link: its creator, or the owner of its album (for an item
// link, the album the item is in). Anyone else gets ErrNotFound.
func (s *Service) Revoke(ctx context.Context, userID, id string) error {
	if !ids.Valid(id) {
		return ErrNotFound
	}
	l, err := s.store.ByID(ctx, id)
	if err != nil {
		return err
	}
	if l.CreatedBy != userID {
		albumID, err := s.store.albumOf(ctx, l)
		if err != nil {
			return err
		}
		if albumID == "" {
			return ErrNotFound
		}
		r, err := s.roles.Role(ctx, albumID, userID)
		if err != nil {
			return err
		}
		if r != albums.Owner {
			return ErrNotFound
		}
	}
	return s.store.Revoke(ctx, id)
}

// resolve finds a usable link by token: unknown is ErrNotFound; expired,
// revoked or with its target gone is a 410 error.
func (s *Service) resolve(ctx context.Context, token string) (*Link, error) {
	if !tokenShaped(token) {
		return nil, ErrNotFound
	}
	l, err := s.store.ByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := stateErr(l.StateAt(s.now())); err != nil {
		return nil, err
	}
	return l, nil
}

// tokenShaped is whether token may be a link token at all: anything else
// is unknown without asking the database.
func tokenShaped(token string) bool { return len(token) >= 20 && len(token) <= 128 }

// Unlock checks a link's password and returns an unlock token bound to
// that link. Every try counts before the password is compared (atomically
// in Redis, so concurrent guesses cannot slip past the count), against two
// limits: tries from one network, and tries on the link from everywhere
// (so many networks together guess no faster). A try over either limit is
// refused with ErrTooManyTries and the time to wait.
func (s *Service) Unlock(ctx context.Context, token, password, addr string) (string, error) {
	l, err := s.resolve(ctx, token)
	if err != nil {
		return "", err
	}
	if !l.HasPassword {
		return s.unlockToken(l), nil
	}
	for _, c := range []struct {
		lim Limiter
		key string
	}{{s.tries, l.ID + ":" + addr}, {s.linkTries, l.ID}} {
		ok, retry, err := c.lim.Allow(ctx, c.key)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", ErrTooManyTries.WithRetryAfter(retry)
		}
	}
	if bcrypt.CompareHashAndPassword(l.passwordHash, []byte(password)) != nil {
		return "", ErrWrongPassword
	}
	return s.unlockToken(l), nil
}

func (s *Service) unlockToken(l *Link) string {
	return s.signer.Sign(signer.Grant{MediaID: l.ID, Variant: "unlock", Viewer: "l:" + l.ID, Expires: s.now().Add(s.cfg.UnlockTTL)})
}

// unlocked reports whether a password link was unlocked with unlock.
func (s *Service) unlocked(l *Link, unlock string) bool {
	if !l.HasPassword {
		return true
	}
	_, err := s.signer.Verify(l.ID, "unlock", unlock, s.now())
	return err == nil
}

// Shows is upload's link check for signed media URLs issued to a link: the
// link is still usable and still shows the item (download: only when the
// link allows downloads).
func (s *Service) Shows(ctx context.Context, linkID, mediaID, variant string) (bool, error) {
	ok, err := s.store.Shows(ctx, linkID, mediaID)
	if err != nil || !ok || variant != string(upload.VariantDownload) {
		return ok, err
	}
	l, err := s.store.ByID(ctx, linkID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil && l.AllowDownload, err
}
