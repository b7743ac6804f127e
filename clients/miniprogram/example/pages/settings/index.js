// 我的 / 设置: export my data (POST /v1/me/exports, then poll until ready),
// delete my account (DELETE /v1/me, after a confirmation), and a
// notifications switch (a placeholder kept on the phone: the engine has no
// notification setting yet).
const api = require('../../lib/api')
const format = require('../../lib/format')

const POLL_MS = 3000

Component({
  data: {
    nickname: '',
    initial: '我',
    demo: false,
    notifications: true,
    exportState: 'idle', // idle | pending | ready | failed
    exportText: '',
    exportUrl: '',
    deleting: false,
    deleted: false,
    receiptId: '',
    error: '',
  },
  lifetimes: {
    detached() {
      clearTimeout(this.pollTimer)
    },
  },
  methods: {
    async onLoad() {
      this.setData({ demo: api.isDemo(), notifications: api.getNotificationSettings().enabled })
      try {
        const me = await api.me()
        const nickname = me.nickname || '微信用户'
        this.setData({ nickname, initial: nickname.slice(0, 1) })
      } catch (e) {
        this.setData({ error: format.errorText(e) })
      }
    },
    onUnload() {
      clearTimeout(this.pollTimer)
    },

    onNotifications(e) {
      const s = api.setNotificationSettings({ enabled: e.detail.value })
      this.setData({ notifications: s.enabled })
    },

    // ---- export ----
    async onExport() {
      if (this.data.exportState === 'pending') return
      this.setData({ exportState: 'pending', exportText: '正在打包你的数据…', exportUrl: '' })
      try {
        const ex = await api.startExport()
        this.poll(ex.id)
      } catch (e) {
        this.setData({ exportState: 'failed', exportText: format.errorText(e) })
      }
    },
    poll(id) {
      this.pollTimer = setTimeout(async () => {
        try {
          const ex = await api.getExport(id)
          if (ex.status === 'pending') {
            this.poll(id)
          } else if (ex.status === 'ready') {
            this.setData({
              exportState: 'ready',
              exportText: `文件大小 ${format.bytes(ex.size)}。下载链接 10 分钟内有效，${format.dateTime(ex.expiresAt)} 前可随时重新获取。`,
              exportUrl: ex.downloadUrl,
            })
          } else {
            this.setData({ exportState: 'failed', exportText: '导出失败，请重新导出' })
          }
        } catch (e) {
          this.setData({ exportState: 'failed', exportText: format.errorText(e) })
        }
      }, POLL_MS)
    },
    onCopyExport() {
      // A ZIP cannot be opened inside WeChat: copy the link for a browser.
      wx.setClipboardData({ data: this.data.exportUrl })
    },

    // ---- delete account ----
    onDelete() {
      if (this.data.deleting || this.data.deleted) return
      wx.showModal({
        title: '注销账号',
        content: '注销后，你上传的所有照片和视频、你创建的相册（将被解散）、分享链接和邀请都会被删除，且无法恢复。确定注销？',
        confirmText: '注销',
        confirmColor: '#fa5151',
        success: (res) => {
          if (res.confirm) this.deleteNow()
        },
      })
    },
    async deleteNow() {
      this.setData({ deleting: true })
      try {
        const r = await api.deleteAccount()
        this.setData({ deleting: false, deleted: true, receiptId: r.receiptId })
      } catch (e) {
        this.setData({ deleting: false })
        wx.showToast({ title: format.errorText(e), icon: 'none' })
      }
    },
  },
})
