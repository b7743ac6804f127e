package albums

import "github.com/wxalbum/mediad/upload"

// The rules below are pure functions of roles and items, so they can be
// table-tested without a database. Store queries apply the same rules in
// SQL (see store.go); these are the statement of record.

// CanView reports whether a member with role may see the album at all.
func CanView(r Role) bool { return r != None }

// CanListMembers: the member list (nicknames, avatars, roles) is for members only.
func CanListMembers(r Role) bool { return r != None }

// CanUpload reports whether r may add items.
func CanUpload(r Role) bool { return r == Owner || r == Contributor }

// CanEdit reports whether r may rename, set the cover or the default visibility.
func CanEdit(r Role) bool { return r == Owner }

// CanInvite reports whether r may create or revoke invitations.
func CanInvite(r Role) bool { return r == Owner }

// CanShare reports whether r may create share links to the album.
func CanShare(r Role) bool { return r == Owner || r == Contributor }

// CanDissolve reports whether r may dissolve the album.
func CanDissolve(r Role) bool { return r == Owner }

// CanLeave: everyone but the owner, who must transfer or dissolve first.
func CanLeave(r Role) bool { return r == Contributor || r == Viewer }

// CanRemoveMember reports whether actor may remove target (another member).
func CanRemoveMember(actor, target Role, self bool) bool {
	return actor == Owner && !self && target != Owner && target != None
}

// CanChangeRole reports whether actor may set target's role to to.
// Nobody raises their own role, and ownership moves only by transfer.
func CanChangeRole(actor, target, to Role, self bool) bool {
	return actor == Owner && !self && target != Owner && target != None && (to == Contributor || to == Viewer)
}

// CanTransfer reports whether actor may hand ownership to target, an
// existing member other than themselves.
func CanTransfer(actor, target Role, self bool) bool {
	return actor == Owner && !self && (target == Contributor || target == Viewer)
}

// CanSeeItem reports whether viewer, with role in the item's album, may
// see item: only_me items only their uploader (not even the owner);
// members and link items every current member.
func CanSeeItem(viewerID string, r Role, item *upload.Media) bool {
	if item.Status == upload.StatusDeleting {
		return false
	}
	if item.OwnerID == viewerID {
		return true
	}
	return r != None && item.Status == upload.StatusReady &&
		(item.Visibility == upload.Members || item.Visibility == upload.Link)
}

// CanSetVisibility: only the uploader changes an item's visibility.
func CanSetVisibility(viewerID string, item *upload.Media) bool {
	return item.OwnerID == viewerID && item.Status != upload.StatusDeleting
}

// CanRemoveItem: the uploader, or the owner (moderation, even of items
// the owner cannot see).
func CanRemoveItem(viewerID string, r Role, item *upload.Media) bool {
	return item.Status != upload.StatusDeleting && (item.OwnerID == viewerID || r == Owner)
}
