// What a role may do in an album, as the engine decides it (POST /v1/media,
// POST /v1/shares, DELETE /v1/albums/:id). Member management is in
// components/member-list/rules.js.
function canUpload(role) {
  return role === 'owner' || role === 'contributor'
}

function canShare(role) {
  return role === 'owner' || role === 'contributor'
}

function canDissolve(role) {
  return role === 'owner'
}

module.exports = { canUpload, canShare, canDissolve }
