// Formatting for the Chinese UI: dates in the engine's time zone, sizes,
// durations, role names.
const config = require('./config')

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`
}

// The wall-clock fields of an instant in the engine's zone.
function zoned(date, offsetMinutes = config.timeZoneOffsetMinutes) {
  const t = date instanceof Date ? date.getTime() : Date.parse(date)
  if (!Number.isFinite(t)) return null
  const d = new Date(t + offsetMinutes * 60000)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay(),
  }
}

// dayKey(iso) → "YYYY-MM-DD" of that instant in the engine's zone (the key
// GET /v1/albums/:id/days uses).
function dayKey(iso, offsetMinutes) {
  const z = zoned(iso, offsetMinutes)
  return z ? `${z.year}-${pad(z.month)}-${pad(z.day)}` : ''
}

// dayLabel("2024-05-03", now) → "今天" / "昨天" / "5月3日 周五" / "2023年5月3日 周三".
function dayLabel(day, now = new Date(), offsetMinutes) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '')
  if (!m) return '未知日期'
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  const weekday = WEEKDAYS[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()]
  const today = dayKey(now, offsetMinutes)
  const yesterday = dayKey(new Date(now.getTime() - 86400000), offsetMinutes)
  if (day === today) return `今天 ${weekday}`
  if (day === yesterday) return `昨天 ${weekday}`
  const nowZ = zoned(now, offsetMinutes)
  if (nowZ && nowZ.year === y) return `${mo}月${d}日 ${weekday}`
  return `${y}年${mo}月${d}日 ${weekday}`
}

// dateTime(iso) → "2024年6月1日 12:00" in the engine's zone.
function dateTime(iso, offsetMinutes) {
  const z = zoned(iso, offsetMinutes)
  if (!z) return ''
  return `${z.year}年${z.month}月${z.day}日 ${pad(z.hour)}:${pad(z.minute)}`
}

function bytes(n) {
  const v = Number(n)
  if (!Number.isFinite(v) || v <= 0) return '0 B'
  if (v < 1024) return `${Math.round(v)} B`
  if (v < 1024 * 1024) return `${(v / 1024).toFixed(1)} KB`
  if (v < 1024 * 1024 * 1024) return `${(v / 1024 / 1024).toFixed(1)} MB`
  return `${(v / 1024 / 1024 / 1024).toFixed(2)} GB`
}

// duration(65000) → "1:05"
function duration(ms) {
  const s = Math.max(0, Math.round((Number(ms) || 0) / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`
}

const ROLE_NAMES = { owner: '所有者', contributor: '贡献者', viewer: '查看者' }

function role(r) {
  return ROLE_NAMES[r] || '成员'
}

// What a failed call says to the user: the engine's message codes in
// Chinese, else a generic line.
const ERRORS = {
  network_error: '网络不可用，请稍后重试',
  timeout: '请求超时，请稍后重试',
  cancelled: '已取消',
  not_found: '内容不存在或已被删除',
  forbidden: '没有权限进行此操作',
  confirm_mismatch: '输入的相册名称不一致',
  invalid_title: '相册名称需为 1 到 64 个字符',
  invalid_password: '密码需为 4 到 64 个字符',
  invalid_expiry: '有效期不合法',
  quota_exceeded: '存储空间不足',
  too_large: '文件过大',
  unsupported_type: '不支持的文件类型',
  too_many_uploads: '同时上传的文件过多，请稍后再试',
  too_slow: '网络太慢，上传已中断',
  album_full: '相册成员已满',
  not_shareable: '只有处理完成且设为“链接可见”的内容才能分享',
  unavailable: '服务暂时不可用，请稍后重试',
  storage_unavailable: '存储暂时不可用，请稍后重试',
  rate_limited: '操作太频繁，请稍后再试',
  policy_consent_required: '请先同意最新的隐私政策',
  reauth_required: '请重新登录后再试',
}

function errorText(e) {
  const code = e && e.code
  return ERRORS[code] || (e && e.status >= 500 ? '服务暂时不可用，请稍后重试' : '操作失败，请重试')
}

module.exports = { zoned, dayKey, dayLabel, dateTime, bytes, duration, role, errorText, WEEKDAYS }
