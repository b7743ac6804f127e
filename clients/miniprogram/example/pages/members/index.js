// 成员管理: the album's members (GET /v1/albums/:id/members) in a
// <member-list>. Only the owner sees the buttons (rules.js); each change is
// confirmed first, then PATCH or DELETE /v1/albums/:id/members/:user_id.
const api = require('../../lib/api')
const format = require('../../lib/format')

Component({
  data: {
    albumId: '',
    albumTitle: '',
    loading: true,
    error: '',
    members: [],
    viewerRole: '',
    viewerId: '',
    isOwner: false,
    busy: false,
  },
  methods: {
    onLoad(query) {
      this.setData({ albumId: (query && query.id) || '' })
      return this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      const id = this.data.albumId
      try {
        const [me, album, members] = await Promise.all([api.me(), api.getAlbum(id), api.members(id)])
        this.setData({
          loading: false,
          error: '',
          albumTitle: album.title,
          viewerRole: album.role,
          viewerId: me.id,
          isOwner: album.role === 'owner',
          members,
        })
      } catch (e) {
        this.setData({ loading: false, error: format.errorText(e) })
      }
    },
    confirm(title, content, confirmText, confirmColor) {
      return new Promise((resolve) => {
        wx.showModal({
          title,
          content,
          confirmText,
          confirmColor,
          success: (res) => resolve(!!res.confirm),
          fail: () => resolve(false),
        })
      })
    },
    async onSetRole(e) {
      const { id, role, nickname } = e.detail
      const what = role === 'viewer' ? '查看者只能浏览，不能上传或分享。' : '贡献者可以上传照片和创建分享链接。'
      if (!(await this.confirm(`将“${nickname}”设为${format.role(role)}？`, what, '确定'))) return
      await this.run(() => api.setRole(this.data.albumId, id, role), '已修改')
    },
    async onRemove(e) {
      const { id, nickname } = e.detail
      const ok = await this.confirm(`移除“${nickname}”？`, 'TA 将立即无法访问本相册；TA 上传的照片仍归 TA 所有。', '移除', '#fa5151')
      if (!ok) return
      await this.run(() => api.removeMember(this.data.albumId, id), '已移除')
    },
    async run(call, done) {
      if (this.data.busy) return
      this.setData({ busy: true })
      try {
        await call()
        wx.showToast({ title: done, icon: 'success' })
      } catch (err) {
        wx.showToast({ title: format.errorText(err), icon: 'none' })
      }
      this.setData({ busy: false })
      await this.load()
    },
  },
})
