// <dissolve-confirm show="{{true}}" title="{{album.title}}" busy="{{false}}"
//                   bind:confirm="…" bind:cancel="…">
// A dialog for dissolving an album. The confirm button stays disabled until
// the typed text equals the album title exactly: the same rule as the server
// (DELETE /v1/albums/{id} with confirm_title: no trimming, case-sensitive).
// Tapping it emits confirm {title}.

function matches(typed, title) {
  return typeof title === 'string' && title.length > 0 && typed === title
}

Component({
  options: { styleIsolation: 'isolated' },
  properties: {
    show: { type: Boolean, value: false },
    title: { type: String, value: '' },
    busy: { type: Boolean, value: false },
  },
  data: { typed: '', canConfirm: false },
  observers: {
    show(show) {
      // Every opening starts empty.
      if (show) this.setData({ typed: '', canConfirm: false })
    },
    'typed, title, busy': function (typed, title, busy) {
      this.setData({ canConfirm: matches(typed, title) && !busy })
    },
  },
  methods: {
    onInput(e) {
      this.setData({ typed: e.detail.value })
    },
    onCancel() {
      this.triggerEvent('cancel', {})
    },
    onConfirm() {
      // A disabled <button> sends no tap in WeChat; check again anyway.
      if (!matches(this.data.typed, this.data.title) || this.data.busy) return
      this.triggerEvent('confirm', { title: this.data.typed })
    },
    noop() {},
  },
})

