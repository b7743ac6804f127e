// 相册列表: the caller's albums (GET /v1/albums), newest first, and 新建相册.
// Built with Component() like every page here, so miniprogram-simulate can
// render it (the tests and scripts/screenshots.js do).
const api = require('../../lib/api')
const format = require('../../lib/format')

function albumRow(a) {
  return {
    id: a.id,
    title: a.title,
    coverUrl: a.coverUrl || '',
    initial: (a.title || '相').slice(0, 1),
    roleLabel: format.role(a.role),
    role: a.role,
    countText: `${a.itemCount} 项`,
    createdText: `创建于 ${format.dateTime(a.createdAt).split(' ')[0]}`,
  }
}

Component({
  data: {
    loading: true,
    error: '',
    albums: [],
    creating: false,
  },
  methods: {
    onLoad() {
      return this.load()
    },
    onShow() {
      // Back from an album (dissolved, renamed): refresh quietly.
      if (!this.data.loading) this.load()
    },
    onPullDownRefresh() {
      this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      try {
        const albums = await api.listAlbums()
        this.setData({ loading: false, error: '', albums: albums.map(albumRow) })
      } catch (e) {
        this.setData({ loading: false, error: format.errorText(e) })
      }
    },
    onOpen(e) {
      wx.navigateTo({ url: `/pages/album/index?id=${e.currentTarget.dataset.id}` })
    },
    onCreate() {
      if (this.data.creating) return
      wx.showModal({
        title: '新建相册',
        editable: true,
        placeholderText: '相册名称（1-64 个字）',
        confirmText: '创建',
        success: async (res) => {
          if (!res.confirm) return
          const title = (res.content || '').trim()
          if (!title || title.length > 64) {
            wx.showToast({ title: '相册名称需为 1 到 64 个字', icon: 'none' })
            return
          }
          this.setData({ creating: true })
          try {
            const album = await api.createAlbum(title)
            this.setData({ creating: false })
            wx.navigateTo({ url: `/pages/album/index?id=${album.id}` })
            this.load()
          } catch (err) {
            this.setData({ creating: false })
            wx.showToast({ title: format.errorText(err), icon: 'none' })
          }
        },
      })
    },
  },
})
