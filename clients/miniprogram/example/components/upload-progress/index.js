// <upload-progress percent="{{45}}" bytes-sent="{{…}}" bytes-total="{{…}}"
//                  state="uploading|done|failed" name="IMG_0001.JPG">
// A bar and a line of text ("已上传 45%", "上传完成", "上传失败…"). percent is
// clamped to 0..100; a failed upload keeps the bar where it stopped, in red.
const { progressView } = require('./view')

Component({
  options: { styleIsolation: 'isolated' },
  properties: {
    percent: { type: Number, value: 0 },
    bytesSent: { type: Number, value: 0 },
    bytesTotal: { type: Number, value: 0 },
    state: { type: String, value: 'uploading' },
    name: { type: String, value: '' },
  },
  data: { view: progressView({ percent: 0 }) },
  observers: {
    'percent, bytesSent, bytesTotal, state': function (percent, bytesSent, bytesTotal, state) {
      this.setData({ view: progressView({ percent, bytesSent, bytesTotal, state }) })
    },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry', {})
    },
  },
})
