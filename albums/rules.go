package albums

// The album rules below are pure functions of roles, so they can be
// table-tested without a database; queries state them through
// upload.RolesIn. The rules about items (who sees, adds or removes one) are
// upload's (upload/access.go), used here as they are.

// CanView reports whether a member with role may see the album at all.
func CanView(r Role) bool { return r != None }

// CanListMembers: the member list (nicknames, avatars, roles) is for members only.
func CanListMembers(r Role) bool { return r != None }

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
