// 分享相册: creates a share link (POST /v1/shares) with an expiry, an
// optional password, whether recipients may download, and whether they see
// capture dates. The link's token is shown only once, so the page shows the
// URL right away with 复制链接.
const api = require('../../lib/api')
const format = require('../../lib/format')
const roles = require('../../lib/roles')
const { EXPIRY_CHOICES, shareRequest } = require('../../lib/share')

Component({
  data: {
    albumId: '',
    albumTitle: '',
    loading: true,
    error: '',
    allowed: true,
    expiryLabels: EXPIRY_CHOICES.map((c) => c.label),
    expiryIndex: 1,
    usePassword: false,
    password: '',
    allowDownload: false,
    showDates: true,
    formError: '',
    creating: false,
    result: null,
  },
  methods: {
    async onLoad(query) {
      const albumId = (query && query.id) || ''
      this.setData({ albumId })
      try {
        const album = await api.getAlbum(albumId)
        this.setData({ loading: false, albumTitle: album.title, allowed: roles.canShare(album.role) })
      } catch (e) {
        this.setData({ loading: false, error: format.errorText(e) })
      }
    },
    onExpiry(e) {
      this.setData({ expiryIndex: Number(e.detail.value) })
    },
    onUsePassword(e) {
      this.setData({ usePassword: e.detail.value, formError: '' })
    },
    onPassword(e) {
      this.setData({ password: e.detail.value, formError: '' })
    },
    onAllowDownload(e) {
      this.setData({ allowDownload: e.detail.value })
    },
    onShowDates(e) {
      this.setData({ showDates: e.detail.value })
    },
    async onCreate() {
      if (this.data.creating || !this.data.allowed) return
      const { error, request } = shareRequest(this.data)
      if (error) {
        this.setData({ formError: error })
        return
      }
      this.setData({ creating: true, formError: '' })
      try {
        const link = await api.createShare(request)
        this.setData({
          creating: false,
          result: {
            url: link.url,
            expiresText: format.dateTime(link.expiresAt),
            hasPassword: link.hasPassword,
            allowDownload: link.allowDownload,
            showDates: link.showDates,
          },
        })
      } catch (e) {
        this.setData({ creating: false, formError: format.errorText(e) })
      }
    },
    onCopy() {
      wx.setClipboardData({ data: this.data.result.url })
    },
    onAgain() {
      this.setData({ result: null, password: '' })
    },
  },
})
