// Package share serves recipients through expiring, revocable links to an
// album or one item, as JSON for the mini-program and as a web page for
// browsers. A link is a capability: its token is shown once and stored
// hashed; what it shows is re-checked against the album rules on every
// request, so revocation, expiry, dissolution and visibility changes take
// effect at once.
package share

import (
	"net/http"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
)

// Link is a share link as its creator sees it.
type Link struct {
	ID            string     `json:"id"`
	AlbumID       *string    `json:"album_id,omitempty"`
	MediaID       *string    `json:"media_id,omitempty"`
	CreatedBy     string     `json:"-"`
	HasPassword   bool       `json:"has_password"`
	AllowDownload bool       `json:"allow_download"`
	ShowDates     bool       `json:"show_dates"` // recipients see when items were taken
	ExpiresAt     time.Time  `json:"expires_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	Opens         int        `json:"opens"`
	LastOpenedDay *string    `json:"last_opened_day"`
	passwordHash  []byte
	// targetLive is whether the target still exists and may be shown:
	// album active and creator still owner/contributor there; item ready,
	// visibility link, and (in an album) creator still a member.
	targetLive bool
	title      string
	itemAlbum  *string // an item link's item's album, if any
}

// State is why a link can or cannot be used.
type State int

// Link states.
const (
	Usable State = iota
	Expired
	Revoked
	TargetGone
)

// StateAt tells whether the link may be used at now. Every link expires.
func (l *Link) StateAt(now time.Time) State {
	switch {
	case l.RevokedAt != nil:
		return Revoked
	case !now.Before(l.ExpiresAt):
		return Expired
	case !l.targetLive:
		return TargetGone
	}
	return Usable
}

// Errors of this package.
var (
	ErrNotFound      = apperr.New(http.StatusNotFound, "not_found", "This link does not exist.")
	ErrExpired       = apperr.New(http.StatusGone, "link_expired", "This link has expired.")
	ErrRevoked       = apperr.New(http.StatusGone, "link_revoked", "This link was revoked by its creator.")
	ErrGone          = apperr.New(http.StatusGone, "link_gone", "What this link pointed to is no longer shared.")
	ErrNotShareable  = apperr.New(http.StatusConflict, "not_shareable", "Only ready items with visibility \"link\" can be shared.")
	ErrLocked        = apperr.New(http.StatusUnauthorized, "password_required", "This link is protected by a password.")
	ErrWrongPassword = apperr.New(http.StatusUnauthorized, "wrong_password", "The password is not correct.")
	ErrTooManyTries  = apperr.New(http.StatusTooManyRequests, "rate_limited", "Too many attempts; try again later.")
	ErrBadExpiry     = apperr.New(http.StatusBadRequest, "invalid_expiry", "expires_in is out of range.")
	ErrBadTarget     = apperr.New(http.StatusBadRequest, "invalid_target", "Give exactly one of album_id or media_id.")
	ErrBadPassword   = apperr.New(http.StatusBadRequest, "invalid_password", "The password must be 4 to 64 characters.")
)

// stateErr maps a dead link's state to its error.
func stateErr(s State) error {
	switch s {
	case Expired:
		return ErrExpired
	case Revoked:
		return ErrRevoked
	case TargetGone:
		return ErrGone
	}
	return nil
}
