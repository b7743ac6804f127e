package upload

import "github.com/wxalbum/mediad/process"

// Album roles as upload sees them (the albums package owns membership).
const (
	RoleOwner       = "owner"
	RoleContributor = "contributor"
	RoleViewer      = "viewer"
)

// CanUploadInto reports whether a member with role may add items of kind
// to an album: covers are the owner's, other items need contributor or owner.
func CanUploadInto(role string, k Kind) bool {
	if k == KindCover {
		return role == RoleOwner
	}
	return role == RoleOwner || role == RoleContributor
}

// CanView reports whether viewer may see m, given viewer's role in m's
// album ("" when not a member) and whether the album is active (true for
// an item outside any album). The SQL in Store.FindVisible is the same
// rule; this is its table-tested statement.
func CanView(viewerID string, m *Media, role string, albumActive bool) bool {
	if m.Status == StatusDeleting {
		return false
	}
	if m.AlbumID != nil && !albumActive {
		return false // a dissolving album's items are gone for everyone, uploader included
	}
	if viewerID == m.OwnerID {
		return true
	}
	return m.Status == StatusReady && m.AlbumID != nil && role != "" &&
		(m.Visibility == Members || m.Visibility == Link)
}

// CanDelete reports whether viewer may delete m: its uploader, or the
// owner of its album (moderation, even of items they cannot see).
func CanDelete(viewerID string, m *Media, role string) bool {
	return m.Status != StatusDeleting && (viewerID == m.OwnerID || (m.AlbumID != nil && role == RoleOwner))
}

// FormatAllowed reports whether a detected format fits kind: images for
// photos, avatars and covers; ISO-BMFF video for videos. Everything else,
// SVG, HTML, TIFF and BMP included, is refused.
func FormatAllowed(k Kind, f process.Format) bool {
	if k == KindVideo {
		return f.IsVideo()
	}
	return f.IsImage()
}
