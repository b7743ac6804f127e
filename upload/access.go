package upload

import (
	"strings"

	"github.com/wxalbum/mediad/process"
)

// Who may see and change an item is stated here once, for every feature:
// upload (its own endpoints and signed URLs), albums (album pages,
// moderation) and share (what a link shows). Each rule is a pure function,
// table-tested, and its SQL form is generated from it or checked against
// it on a real database (access_test.go), so a query cannot drift from
// the rule.

// Role is a user's role in an album. Membership rows belong to the albums
// package, which names this type albums.Role; the vocabulary lives here,
// beside the item rules that depend on it.
type Role string

// Roles, most powerful first. RoleNone is "not a member".
const (
	RoleOwner       Role = "owner"
	RoleContributor Role = "contributor"
	RoleViewer      Role = "viewer"
	RoleNone        Role = ""
)

// Roles lists every role a member can have.
var Roles = []Role{RoleOwner, RoleContributor, RoleViewer}

// CanContribute reports whether a member with role r may add items
// (photos, videos) to an album.
func CanContribute(r Role) bool { return r == RoleOwner || r == RoleContributor }

// CanUploadInto reports whether role r may add an item of kind k to an
// album: covers are the owner's, other items need a contributor.
func CanUploadInto(r Role, k Kind) bool {
	if k == KindCover {
		return r == RoleOwner
	}
	return CanContribute(r)
}

// MembersSee reports whether album members (other than the uploader) see
// items of visibility v.
func MembersSee(v Visibility) bool { return v == Members || v == Link }

// LinksShow reports whether share links may show a ready item of visibility v.
func LinksShow(v Visibility) bool { return v == Link }

// CanView reports whether viewer may see m, given viewer's role in m's
// album (RoleNone when not a member, or m is in no album) and whether that
// album is active (true for an item outside any album). The uploader sees
// their items in every state but deleting; a member sees the ready items
// members may see. From the moment an album starts dissolving its items are
// gone for everyone, their uploader included. SQL: VisibleSQL.
func CanView(viewerID string, m *Media, r Role, albumActive bool) bool {
	if m.Status == StatusDeleting || (m.AlbumID != nil && !albumActive) {
		return false
	}
	if viewerID == m.OwnerID {
		return true
	}
	return !HiddenFromOthers(m) && m.Status == StatusReady && m.AlbumID != nil && r != RoleNone && MembersSee(m.Visibility)
}

// ReviewHides reports whether an item whose content check is in state
// review is hidden from all but its uploader: until a pass, unless the
// deployment chose to fail open on checks that never answered.
func ReviewHides(review string) bool {
	return review == ReviewPending || review == ReviewRisky || review == ReviewUnchecked
}

// HiddenFromOthers reports whether m is hidden from everyone but its
// uploader: its owner's account is being deleted, its content check has not
// passed, or reports hold it back. SQL: hiddenFromOthersSQL.
func HiddenFromOthers(m *Media) bool {
	return m.Hidden != "" || ReviewHides(m.Review) || m.ReportHold != ""
}

// CanDelete reports whether viewer may delete m: its uploader, or the owner
// of its album (moderation, even of items the owner cannot see).
func CanDelete(viewerID string, m *Media, r Role) bool {
	return m.Status != StatusDeleting && (viewerID == m.OwnerID || (m.AlbumID != nil && r == RoleOwner))
}

// CanShowOnLink reports whether a share link may show m right now (the
// link's own state and its creator's rights are share's to check).
func CanShowOnLink(m *Media) bool {
	return !HiddenFromOthers(m) && m.Status == StatusReady && LinksShow(m.Visibility)
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

// RolesIn is the SQL list of the roles allowed: RolesIn(CanContribute) is
// ('owner','contributor'). Queries state a role rule through it, so the SQL
// is the pure function's own answer.
func RolesIn(allowed func(Role) bool) string {
	var out []string
	for _, r := range Roles {
		if allowed(r) {
			out = append(out, "'"+string(r)+"'")
		}
	}
	return "(" + strings.Join(out, ",") + ")"
}

// visibilitiesIn is the SQL list of the visibilities allowed.
func visibilitiesIn(allowed func(Visibility) bool) string {
	var out []string
	for _, v := range []Visibility{OnlyMe, Members, Link} {
		if allowed(v) {
			out = append(out, "'"+string(v)+"'")
		}
	}
	return "(" + strings.Join(out, ",") + ")"
}

// MemberRoleSQL is the one membership query: the role (text) the user with
// id expression user has in the active album with id expression album, or
// NULL when none.
func MemberRoleSQL(album, user string) string {
	return `(SELECT am.role FROM album_members am JOIN albums a ON a.id = am.album_id
		WHERE am.album_id = ` + album + ` AND am.user_id = ` + user + ` AND a.status = 'active')`
}

// AlbumActiveSQL holds when the media row m is outside any album or in an
// active one.
const AlbumActiveSQL = `(m.album_id IS NULL OR EXISTS (
	SELECT 1 FROM albums la WHERE la.id = m.album_id AND la.status = 'active'))`

// shownToOthersSQL is !HiddenFromOthers in SQL for the media row aliased m.
var shownToOthersSQL = `m.hidden_reason IS NULL AND m.report_hold IS NULL AND coalesce(m.review, '') NOT IN ` + reviewsIn(ReviewHides)

// reviewsIn is the SQL list of the review states allowed.
func reviewsIn(allowed func(string) bool) string {
	var out []string
	for _, r := range []string{ReviewPending, ReviewPass, ReviewRisky, ReviewUnchecked, ReviewUncheckedOpen} {
		if allowed(r) {
			out = append(out, "'"+r+"'")
		}
	}
	return "(" + strings.Join(out, ",") + ")"
}

// VisibleSQL is CanView in SQL for the media row aliased m: viewer is the
// SQL expression of the viewer's id, role that of their role in m's album
// (NULL when none), albumActive whether m's album is active.
func VisibleSQL(viewer, role, albumActive string) string {
	return `(m.status <> 'deleting' AND ` + albumActive + ` AND (m.owner_id = ` + viewer + ` OR (
		` + shownToOthersSQL + ` AND m.status = 'ready' AND m.album_id IS NOT NULL AND ` + role + ` IS NOT NULL
		AND m.visibility IN ` + visibilitiesIn(MembersSee) + `)))`
}

// VisibleToSQL is VisibleSQL for the user with id expression viewer,
// finding their role with the membership query.
func VisibleToSQL(viewer string) string {
	return VisibleSQL(viewer, MemberRoleSQL("m.album_id", viewer), AlbumActiveSQL)
}

// LinkShowsSQL is CanShowOnLink in SQL for the media row aliased m.
var LinkShowsSQL = `(` + shownToOthersSQL + ` AND m.status = 'ready' AND m.visibility IN ` + visibilitiesIn(LinksShow) + `)`
