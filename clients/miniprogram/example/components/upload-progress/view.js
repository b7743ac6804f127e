// Pure view model of <upload-progress>: what the bar and its text show for
// a percent, a byte count and a state. Kept apart from the component so the
// album page (several uploads at once) and the tests use the same rules.

const STATES = ['uploading', 'done', 'failed']

function clampPercent(value) {
  const n = Number(value)
  if (!Number.isFinite(n)) return 0
  if (n <= 0) return 0
  if (n >= 100) return 100
  return Math.round(n)
}

function formatBytes(bytes) {
  const n = Number(bytes)
  if (!Number.isFinite(n) || n <= 0) return '0 B'
  if (n < 1024) return `${Math.round(n)} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`
}

// progressView({percent, bytesSent, bytesTotal, state}) → {percent, state,
// text, bytesText}. A missing percent is worked out from the bytes; a done
// upload is always 100%.
function progressView({ percent, bytesSent, bytesTotal, state } = {}) {
  const st = STATES.includes(state) ? state : 'uploading'
  let p
  if (percent === undefined || percent === null || percent === '') {
    p = bytesTotal > 0 ? clampPercent((bytesSent / bytesTotal) * 100) : 0
  } else {
    p = clampPercent(percent)
  }
  if (st === 'done') p = 100

  let text
  if (st === 'done') text = '上传完成'
  else if (st === 'failed') text = `上传失败（已上传 ${p}%）`
  else text = `已上传 ${p}%`

  let bytesText = ''
  if (bytesTotal > 0) {
    const sent = st === 'done' ? bytesTotal : Math.min(Math.max(Number(bytesSent) || 0, 0), bytesTotal)
    bytesText = `${formatBytes(sent)} / ${formatBytes(bytesTotal)}`
  }
  return { percent: p, state: st, text, bytesText }
}

module.exports = { clampPercent, formatBytes, progressView }
