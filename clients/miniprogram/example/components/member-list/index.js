// <member-list members="{{[{id, nickname, role}]}}" viewer-role="owner"
//              viewer-id="u1" bind:setrole="…" bind:remove="…">
// Lists members with their role. Manage buttons ("设为查看者"/"设为贡献者",
// "移除") appear only on rows the viewer may manage (see rules.js). Tapping
// them emits setrole {id, role, nickname} or remove {id, nickname}; the page
// asks for confirmation and calls the API.
const rules = require('./rules')

function rowsOf(members, viewerRole, viewerId) {
  return (members || []).map((m) => {
    const manage = rules.canManage(viewerRole, m, viewerId)
    const next = rules.otherRole(m.role)
    const nickname = m.nickname || '微信用户'
    return {
      id: m.id,
      nickname,
      initial: nickname.slice(0, 1),
      role: m.role,
      roleLabel: rules.roleLabel(m.role),
      isMe: !!viewerId && m.id === viewerId,
      manage,
      nextRole: next,
      nextRoleLabel: `设为${rules.roleLabel(next)}`,
    }
  })
}

Component({
  options: { styleIsolation: 'isolated' },
  properties: {
    members: { type: Array, value: [] },
    viewerRole: { type: String, value: '' },
    viewerId: { type: String, value: '' },
  },
  data: { rows: [] },
  observers: {
    'members, viewerRole, viewerId': function (members, viewerRole, viewerId) {
      this.setData({ rows: rowsOf(members, viewerRole, viewerId) })
    },
  },
  methods: {
    row(id) {
      return this.data.rows.find((r) => r.id === id)
    },
    onSetRole(e) {
      const { id, role } = e.currentTarget.dataset
      const r = this.row(id)
      if (!r || !rules.canSetRole(this.data.viewerRole, r, role, this.data.viewerId)) return
      this.triggerEvent('setrole', { id, role, nickname: r.nickname })
    },
    onRemove(e) {
      const { id } = e.currentTarget.dataset
      const r = this.row(id)
      if (!r || !rules.canRemove(this.data.viewerRole, r, this.data.viewerId)) return
      this.triggerEvent('remove', { id, nickname: r.nickname })
    },
  },
})
