// Package albums owns group albums: their members and roles, the rules of
// who may do what, invitations, and dissolution. Items are upload.Media
// with an album id; albums decides who sees them inside an album.
package albums

import (
	"net/http"
	"time"

	"github.com/wxalbum/mediad/internal/apperr"
	"github.com/wxalbum/mediad/upload"
)

// Role is a member's role in an album: the one role vocabulary, which
// upload's item rules use too (upload/access.go).
type Role = upload.Role

// Roles, most powerful first.
const (
	Owner       = upload.RoleOwner
	Contributor = upload.RoleContributor
	Viewer      = upload.RoleViewer
	None        = upload.RoleNone // not a member
)

// ParseRole validates a client-supplied role.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case Owner, Contributor, Viewer:
		return r, nil
	}
	return None, ErrBadRole
}

// Status of an album.
type Status string

// Album states: a dissolving album is gone for everyone at once.
const (
	Active     Status = "active"
	Dissolving Status = "dissolving"
)

// Album is a group album.
type Album struct {
	ID                string            `json:"id"`
	OwnerID           string            `json:"owner_id"`
	Title             string            `json:"title"`
	CoverMediaID      *string           `json:"cover_media_id"`
	DefaultVisibility upload.Visibility `json:"default_visibility"`
	Status            Status            `json:"status"`
	CreatedAt         time.Time         `json:"created_at"`
	MyRole            Role              `json:"my_role,omitempty"`
	ItemCount         int               `json:"item_count"`
}

// Member is a user's membership.
type Member struct {
	UserID        string    `json:"user_id"`
	Nickname      string    `json:"nickname"`
	AvatarMediaID *string   `json:"avatar_media_id"`
	Role          Role      `json:"role"`
	JoinedAt      time.Time `json:"joined_at"`
}

// Errors of this package.
var (
	ErrNotFound        = apperr.New(http.StatusNotFound, "not_found", "Album not found.")
	ErrItemNotFound    = apperr.New(http.StatusNotFound, "not_found", "Item not found.")
	ErrMemberNotFound  = apperr.New(http.StatusNotFound, "not_found", "Member not found.")
	ErrForbidden       = apperr.New(http.StatusForbidden, "forbidden", "Your role in this album does not allow that.")
	ErrBadRole         = apperr.New(http.StatusBadRequest, "invalid_role", "role must be owner, contributor or viewer.")
	ErrBadTitle        = apperr.New(http.StatusBadRequest, "invalid_title", "Title must be 1 to 64 characters.")
	ErrOwnerMustStay   = apperr.New(http.StatusConflict, "owner_cannot_leave", "Transfer ownership or dissolve the album before leaving.")
	ErrTooManyMembers  = apperr.New(http.StatusConflict, "album_full", "This album has the maximum number of members.")
	ErrAlreadyMember   = apperr.New(http.StatusConflict, "already_member", "You are already a member of this album.")
	ErrInviteGone      = apperr.New(http.StatusGone, "invite_gone", "This invitation has expired, was used up or was revoked.")
	ErrInviteNotFound  = apperr.New(http.StatusNotFound, "not_found", "Invitation not found.")
	ErrConfirmMismatch = apperr.New(http.StatusBadRequest, "confirm_mismatch", "confirm_title must match the album's title exactly.")
	ErrCoverNotUsable  = apperr.New(http.StatusConflict, "cover_not_usable", "The cover must be a ready item of this album visible to members.")
	ErrBadInvite       = apperr.New(http.StatusBadRequest, "invalid_invite", "The invitation settings are not valid.")
)
