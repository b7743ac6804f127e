// 相册时间线: the album's days (GET /v1/albums/:id/days) with its items in
// capture order (GET /v1/albums/:id/items?order=taken) under them, paged as
// the user scrolls. 上传 picks photos/videos with wx.chooseMedia and uploads
// them one after another, each with an <upload-progress>. The owner can
// dissolve the album through <dissolve-confirm>.
const api = require('../../lib/api')
const config = require('../../lib/config')
const format = require('../../lib/format')
const roles = require('../../lib/roles')
const timeline = require('../../lib/timeline')

let uploadSeq = 0

Component({
  data: {
    albumId: '',
    album: null,
    roleLabel: '',
    canUpload: false,
    canShare: false,
    canDissolve: false,
    loading: true,
    error: '',
    sections: [],
    nextCursor: '',
    loadingMore: false,
    uploads: [],
    showDissolve: false,
    dissolving: false,
  },
  methods: {
    onLoad(query) {
      this.days = []
      this.daysCursor = ''
      this.items = []
      this.setData({ albumId: (query && query.id) || '' })
      return this.reload()
    },
    onPullDownRefresh() {
      this.reload().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.loadMore()
    },

    async reload() {
      const id = this.data.albumId
      try {
        const [album, days, page] = await Promise.all([
          api.getAlbum(id),
          api.listDays(id),
          api.listItems(id, { order: 'taken', limit: config.pageSize }),
        ])
        this.days = days.days
        this.daysCursor = days.nextCursor
        this.items = page.items
        await this.moreDays()
        wx.setNavigationBarTitle({ title: album.title })
        this.setData({
          album,
          roleLabel: format.role(album.role),
          canUpload: roles.canUpload(album.role),
          canShare: roles.canShare(album.role),
          canDissolve: roles.canDissolve(album.role),
          loading: false,
          error: '',
          nextCursor: page.nextCursor,
          sections: timeline.sections(this.days, this.items),
        })
      } catch (e) {
        this.setData({ loading: false, error: format.errorText(e) })
      }
    },

    async loadMore() {
      if (!this.data.nextCursor || this.data.loadingMore) return
      this.setData({ loadingMore: true })
      try {
        const page = await api.listItems(this.data.albumId, {
          order: 'taken',
          cursor: this.data.nextCursor,
          limit: config.pageSize,
        })
        this.items = this.items.concat(page.items)
        await this.moreDays()
        this.setData({
          loadingMore: false,
          nextCursor: page.nextCursor,
          sections: timeline.sections(this.days, this.items),
        })
      } catch (e) {
        this.setData({ loadingMore: false })
        wx.showToast({ title: format.errorText(e), icon: 'none' })
      }
    },

    // The days come in pages too (60 by default): fetch more while the
    // loaded items reach past the last loaded day.
    async moreDays() {
      const oldest = this.items.length ? this.items[this.items.length - 1].takenAt : ''
      while (this.daysCursor && oldest && this.days.length) {
        const lastDay = this.days[this.days.length - 1].day
        if (format.dayKey(oldest) >= lastDay) return
        const more = await api.listDays(this.data.albumId, { cursor: this.daysCursor })
        this.days = this.days.concat(more.days)
        this.daysCursor = more.nextCursor
      }
    },

    onPreview(e) {
      const id = e.currentTarget.dataset.id
      const urls = this.items.filter((it) => it.status === 'ready' && it.kind === 'photo' && it.thumbUrl)
      const current = urls.find((it) => it.id === id)
      if (!current) return
      // Thumbs here; a full-size viewer would fetch GET /v1/media/:id (urls.preview).
      wx.previewImage({ current: current.thumbUrl, urls: urls.map((it) => it.thumbUrl) })
    },

    // ---- upload ----
    onUpload() {
      if (!this.data.canUpload) return
      wx.chooseMedia({
        count: 9,
        mediaType: ['image', 'video'],
        sourceType: ['album', 'camera'],
        sizeType: ['original'],
        success: (res) => {
          const files = (res.tempFiles || []).map((f) => ({
            key: `u${++uploadSeq}`,
            filePath: f.tempFilePath,
            kind: f.fileType === 'video' ? 'video' : 'photo',
            name: f.tempFilePath.split('/').pop(),
            percent: 0,
            bytesSent: 0,
            bytesTotal: f.size || 0,
            state: 'uploading',
          }))
          if (!files.length) return
          this.setData({ uploads: this.data.uploads.filter((u) => u.state !== 'done').concat(files) })
          this.runUploads(files)
        },
      })
    },

    async runUploads(files) {
      let any = false
      // One at a time: the engine allows a few per user, and a phone's
      // uplink is better used by one.
      for (const f of files) {
        if (await this.uploadOne(f)) any = true
      }
      if (any) this.reload()
    },

    async uploadOne(f) {
      this.patchUpload(f.key, { state: 'uploading', percent: 0, bytesSent: 0 })
      try {
        await api.uploadMedia({
          albumId: this.data.albumId,
          filePath: f.filePath,
          kind: f.kind,
          onProgress: (p) => this.patchUpload(f.key, { percent: p.percent, bytesSent: p.bytesSent, bytesTotal: p.bytesTotal }),
        })
        this.patchUpload(f.key, { state: 'done', percent: 100 })
        return true
      } catch (e) {
        this.patchUpload(f.key, { state: 'failed' })
        wx.showToast({ title: format.errorText(e), icon: 'none' })
        return false
      }
    },

    patchUpload(key, patch) {
      const i = this.data.uploads.findIndex((u) => u.key === key)
      if (i < 0) return
      const changes = {}
      for (const k of Object.keys(patch)) changes[`uploads[${i}].${k}`] = patch[k]
      this.setData(changes)
    },

    onRetry(e) {
      const key = e.currentTarget.dataset.key
      const f = this.data.uploads.find((u) => u.key === key)
      if (f && f.state === 'failed') this.runUploads([f])
    },

    onClearUploads() {
      this.setData({ uploads: this.data.uploads.filter((u) => u.state === 'uploading') })
    },

    // ---- navigation ----
    onMembers() {
      wx.navigateTo({ url: `/pages/members/index?id=${this.data.albumId}` })
    },
    onShare() {
      wx.navigateTo({ url: `/pages/share/index?id=${this.data.albumId}` })
    },

    // ---- dissolve ----
    onDissolve() {
      if (this.data.canDissolve) this.setData({ showDissolve: true })
    },
    onDissolveCancel() {
      this.setData({ showDissolve: false })
    },
    async onDissolveConfirm(e) {
      this.setData({ dissolving: true })
      try {
        await api.dissolveAlbum(this.data.albumId, e.detail.title)
        this.setData({ dissolving: false, showDissolve: false })
        wx.showToast({ title: '相册已解散', icon: 'success' })
        setTimeout(() => wx.navigateBack(), 800)
      } catch (err) {
        this.setData({ dissolving: false })
        wx.showToast({ title: format.errorText(err), icon: 'none' })
      }
    },
  },
})
