const { mount } = require('./helpers')
const { clampPercent, progressView } = require('../components/upload-progress/view')

const TAG = 'upload-progress'
const COMP = 'components/upload-progress/index'

function render(props) {
  return mount(COMP, TAG, props)
}

function barWidth(v) {
  return v.dom('up-bar').style.width
}

describe('upload-progress', () => {
  test('percent 0: empty bar, "已上传 0%", bytes 0 B / total', () => {
    const v = render({ percent: 0, bytesSent: 0, bytesTotal: 2 * 1024 * 1024, state: 'uploading' })
    expect(barWidth(v)).toBe('0%')
    expect(v.text('up-text')).toBe('已上传 0%')
    expect(v.text('up-bytes')).toBe('0 B / 2.0 MB')
    expect(v.dom('up').classList.contains(`${TAG}--up--uploading`)).toBe(true)
    expect(v.dom('up-retry')).toBeNull()
    v.detach()
  })

  test('percent 45: bar at 45%, "已上传 45%", bytes sent / total', () => {
    const v = render({ percent: 45, bytesSent: 921600, bytesTotal: 2048000, state: 'uploading', name: 'IMG_0042.JPG' })
    expect(barWidth(v)).toBe('45%')
    expect(v.text('up-text')).toBe('已上传 45%')
    expect(v.text('up-bytes')).toBe('900.0 KB / 2.0 MB')
    expect(v.text('up-name')).toBe('IMG_0042.JPG')
    v.detach()
  })

  test('percent 100 then done: full bar, "已上传 100%" then "上传完成"', async () => {
    const v = render({ percent: 100, bytesSent: 2048000, bytesTotal: 2048000, state: 'uploading' })
    expect(barWidth(v)).toBe('100%')
    expect(v.text('up-text')).toBe('已上传 100%')
    v.comp.setData({ state: 'done' })
    await v.settle()
    expect(barWidth(v)).toBe('100%')
    expect(v.text('up-text')).toBe('上传完成')
    expect(v.dom('up').classList.contains(`${TAG}--up--done`)).toBe(true)
    v.detach()
  })

  test('failed: bar stays where it stopped, red state class, retry link emits retry', async () => {
    const v = render({ percent: 62, bytesSent: 620, bytesTotal: 1000, state: 'failed' })
    expect(barWidth(v)).toBe('62%')
    expect(v.text('up-text')).toBe('上传失败（已上传 62%）')
    expect(v.dom('up').classList.contains(`${TAG}--up--failed`)).toBe(true)
    expect(v.text('up-retry')).toBe('重试')
    let retried = 0
    v.comp.addEventListener('retry', () => { retried += 1 })
    v.node('up-retry').dispatchEvent('tap')
    await v.settle()
    expect(retried).toBe(1)
    v.detach()
  })

  test('the bar follows percent updates', async () => {
    const v = render({ percent: 10 })
    for (const p of [20, 45, 80]) {
      v.comp.setData({ percent: p })
      await v.settle()
      expect(barWidth(v)).toBe(`${p}%`)
      expect(v.text('up-text')).toBe(`已上传 ${p}%`)
    }
    v.detach()
  })

  test.each([
    [-20, '0%', '已上传 0%'],
    [150, '100%', '已上传 100%'],
    [44.6, '45%', '已上传 45%'],
    [NaN, '0%', '已上传 0%'],
  ])('percent %p is clamped: bar %s, %s', (percent, width, text) => {
    const v = render({ percent, state: 'uploading' })
    expect(barWidth(v)).toBe(width)
    expect(v.text('up-text')).toBe(text)
    v.detach()
  })

  test('view model: clampPercent and bytes-derived percent', () => {
    expect([-1, 0, 45, 100, 101, Infinity, 'x'].map(clampPercent)).toEqual([0, 0, 45, 100, 100, 0, 0])
    expect(progressView({ bytesSent: 250, bytesTotal: 1000 }).percent).toBe(25)
    expect(progressView({ bytesSent: 5000, bytesTotal: 1000 }).percent).toBe(100)
  })
})
