// Who may do what to an album member. The server is the authority (it
// answers 403 forbidden otherwise, see PATCH/DELETE
// /v1/albums/{id}/members/{user_id}); these rules only decide which buttons
// the page shows, and they mirror the server's:
//   - only the owner changes roles or removes members;
//   - nobody changes their own role or removes themselves (the owner uses
//     dissolve or transfer, the others "leave");
//   - nobody can remove the owner or change the owner's role;
//   - a role can only be set to contributor or viewer (ownership moves only
//     with POST /v1/albums/{id}/transfer).

const ROLES = ['owner', 'contributor', 'viewer']
const ASSIGNABLE = ['contributor', 'viewer']

const ROLE_LABELS = {
  owner: '所有者',
  contributor: '贡献者',
  viewer: '查看者',
}

function roleLabel(role) {
  return ROLE_LABELS[role] || '成员'
}

// canManage(viewerRole, target, viewerId?) → may the viewer change target's
// role or remove them. target is {id, role}.
function canManage(viewerRole, target, viewerId) {
  if (viewerRole !== 'owner') return false
  if (!target || !ROLES.includes(target.role)) return false
  if (target.role === 'owner') return false
  if (viewerId !== undefined && viewerId !== null && viewerId !== '' && target.id === viewerId) return false
  return true
}

// canSetRole(viewerRole, target, role, viewerId?) → may the viewer give
// target this role (a change, to an assignable role).
function canSetRole(viewerRole, target, role, viewerId) {
  return canManage(viewerRole, target, viewerId) && ASSIGNABLE.includes(role) && target.role !== role
}

// canRemove(viewerRole, target, viewerId?) → may the viewer remove target.
function canRemove(viewerRole, target, viewerId) {
  return canManage(viewerRole, target, viewerId)
}

// The role the one "设为…" button offers: the other assignable role.
function otherRole(role) {
  return role === 'contributor' ? 'viewer' : 'contributor'
}

module.exports = { ROLES, ASSIGNABLE, ROLE_LABELS, roleLabel, canManage, canSetRole, canRemove, otherRole }
