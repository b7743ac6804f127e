// An in-memory stand-in for the SDK's MediadClient, used while
// lib/config.js has no baseURL (and by the tests and screenshots). It has
// the same methods as the SDK's client for what the example uses, answers
// with the engine's JSON (docs/openapi.yaml), and refuses what the engine
// refuses (a non-owner changing roles, a wrong dissolve title, a short
// password), with errors shaped like the SDK's MediadError.
const { encodeAverage } = require('./thumbhash')
const { dayKey } = require('./format')

const HOUR = 3600 * 1000
const DAY = 24 * HOUR

const PALETTE = [
  [233, 196, 106], [244, 162, 97], [231, 111, 81], [42, 157, 143], [38, 70, 83],
  [142, 202, 230], [33, 158, 188], [255, 183, 3], [251, 133, 0], [131, 56, 236],
  [58, 134, 255], [255, 0, 110], [141, 153, 174], [106, 153, 78], [167, 201, 87],
  [188, 71, 73], [242, 232, 207], [56, 102, 65], [221, 161, 94], [96, 108, 56],
]

function demoError(status, code, message) {
  const e = new Error(message)
  e.name = 'MediadError'
  e.status = status
  e.code = code
  return e
}

// A small deterministic generator, so the demo (and the screenshots) look
// the same every time.
function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 4294967296
  }
}

function hex(n, len = 32) {
  let s = ''
  const r = rng(n)
  while (s.length < len) s += Math.floor(r() * 16).toString(16)
  return s
}

function makeItems(seed, count, newest, spreadDays) {
  const r = rng(seed)
  const items = []
  let t = newest
  for (let i = 0; i < count; i++) {
    const c = PALETTE[Math.floor(r() * PALETTE.length)]
    const video = r() < 0.12
    const processing = i === 1
    items.push({
      id: hex(seed * 1000 + i),
      kind: video ? 'video' : 'photo',
      status: processing ? 'processing' : 'ready',
      visibility: r() < 0.7 ? 'members' : 'link',
      width: 4032,
      height: 3024,
      duration_ms: video ? Math.floor(5000 + r() * 90000) : undefined,
      placeholder: encodeAverage(c[0], c[1], c[2]),
      mine: r() < 0.4,
      thumb_url: processing ? undefined : `https://album.example.com/f/${hex(seed * 1000 + i)}/thumb?t=demo`,
      taken_at: new Date(t).toISOString(),
      taken_at_source: 'exif',
    })
    t -= Math.floor(r() * (spreadDays * DAY) / count) + 7 * 60 * 1000
  }
  return items
}

function createDemoClient(opts = {}) {
  const meId = 'u-wang'
  const users = {
    'u-wang': '王小明',
    'u-li': '李雷',
    'u-han': '韩梅梅',
    'u-zhang': '张伟',
    'u-liu': '刘洋',
    'u-chen': '陈静',
  }
  const albums = [
    {
      id: 'a-family',
      owner_id: meId,
      title: '2024 春节·家庭相册',
      default_visibility: 'members',
      created_at: '2024-02-08T12:00:00Z',
      members: [
        { user_id: meId, role: 'owner', joined_at: '2024-02-08T12:00:00Z' },
        { user_id: 'u-li', role: 'contributor', joined_at: '2024-02-08T13:10:00Z' },
        { user_id: 'u-han', role: 'contributor', joined_at: '2024-02-09T02:00:00Z' },
        { user_id: 'u-zhang', role: 'viewer', joined_at: '2024-02-10T08:30:00Z' },
        { user_id: 'u-chen', role: 'viewer', joined_at: '2024-02-11T01:00:00Z' },
      ],
      items: makeItems(7, 34, Date.parse('2024-02-12T10:20:00+08:00'), 5),
    },
    {
      id: 'a-class',
      owner_id: 'u-li',
      title: '大学同学十周年聚会',
      default_visibility: 'members',
      created_at: '2023-10-02T09:00:00Z',
      members: [
        { user_id: 'u-li', role: 'owner', joined_at: '2023-10-02T09:00:00Z' },
        { user_id: meId, role: 'contributor', joined_at: '2023-10-02T10:00:00Z' },
        { user_id: 'u-liu', role: 'contributor', joined_at: '2023-10-03T10:00:00Z' },
        { user_id: 'u-han', role: 'viewer', joined_at: '2023-10-04T10:00:00Z' },
      ],
      items: makeItems(11, 26, Date.parse('2023-10-05T21:00:00+08:00'), 4),
    },
    {
      id: 'a-baby',
      owner_id: 'u-chen',
      title: '宝宝成长记',
      default_visibility: 'members',
      created_at: '2023-05-20T09:00:00Z',
      members: [
        { user_id: 'u-chen', role: 'owner', joined_at: '2023-05-20T09:00:00Z' },
        { user_id: meId, role: 'viewer', joined_at: '2023-05-21T09:00:00Z' },
      ],
      items: makeItems(23, 18, Date.parse('2023-12-24T16:00:00+08:00'), 90),
    },
  ]
  const exports = new Map()
  let seq = 0
  const now = opts.now || Date.now
  const delay = opts.delayMs === undefined ? 150 : opts.delayMs
  const stepMs = opts.uploadStepMs === undefined ? 120 : opts.uploadStepMs
  const wait = (v) => new Promise((resolve) => setTimeout(() => resolve(v), delay))
  const fail = (status, code, message) =>
    new Promise((_, reject) => setTimeout(() => reject(demoError(status, code, message)), delay))

  function find(id) {
    return albums.find((a) => a.id === id && !a.dissolved)
  }
  function membership(a) {
    return a.members.find((m) => m.user_id === meId)
  }
  function visible(a) {
    // as GET /v1/albums/:id/items: own items, others' ready ones
    return a.items.filter((it) => it.mine || it.status === 'ready').sort((x, y) => (x.taken_at < y.taken_at ? 1 : -1))
  }
  function albumJSON(a) {
    const items = visible(a)
    const cover = items.find((it) => it.status === 'ready')
    return {
      id: a.id,
      owner_id: a.owner_id,
      title: a.title,
      cover_media_id: cover ? cover.id : null,
      cover_thumb_url: cover ? cover.thumb_url : undefined,
      default_visibility: a.default_visibility,
      status: 'active',
      created_at: a.created_at,
      my_role: membership(a).role,
      item_count: items.length,
    }
  }
  function member(albumId) {
    const a = find(albumId)
    if (!a || !membership(a)) throw demoError(404, 'not_found', 'Album not found.')
    return a
  }
  function owner(albumId) {
    const a = member(albumId)
    if (membership(a).role !== 'owner') throw demoError(403, 'forbidden', 'Only the owner may do this.')
    return a
  }
  function guard(fn) {
    try {
      return wait(fn())
    } catch (e) {
      return fail(e.status, e.code, e.message)
    }
  }

  const account = {
    me: () => guard(() => ({
      user: { id: meId, nickname: users[meId], avatar_media_id: null, created_at: '2023-05-01T00:00:00Z', policy_version: '2024-01' },
      policy_update_required: false,
      policy_version: '2024-01',
    })),
    notifications: () => guard(() => []),
    requestExport: () => guard(() => {
      const e = { id: hex(900 + (++seq)), status: 'pending', created_at: new Date(now()).toISOString(), expires_at: new Date(now() + DAY).toISOString(), readyAt: Date.now() + 2500 }
      exports.set(e.id, e)
      return { ...e, readyAt: undefined }
    }),
    getExport: (id) => guard(() => {
      const e = exports.get(id)
      if (!e) throw demoError(404, 'not_found', 'Export not found.')
      if (e.status === 'pending' && Date.now() >= e.readyAt) {
        e.status = 'ready'
        e.size = 48 * 1024 * 1024 + 123456
        e.finished_at = new Date(now()).toISOString()
      }
      const out = { id: e.id, status: e.status, size: e.size, created_at: e.created_at, finished_at: e.finished_at, expires_at: e.expires_at }
      if (e.status === 'ready') out.download_url = `https://album.example.com/x/${e.id}?t=demo`
      return out
    }),
    deleteAccount: () => guard(() => ({ receipt_id: hex(4242) })),
  }

  const albumsApi = {
    list: () => guard(() => albums.filter((a) => !a.dissolved && membership(a)).map(albumJSON)),
    get: (id) => guard(() => albumJSON(member(id))),
    create: (title) => guard(() => {
      const t = String(title || '').trim()
      if (!t || t.length > 64) throw demoError(400, 'invalid_title', 'Title must be 1 to 64 characters.')
      const a = {
        id: `a-${hex(100 + (++seq), 8)}`,
        owner_id: meId,
        title: t,
        default_visibility: 'members',
        created_at: new Date(now()).toISOString(),
        members: [{ user_id: meId, role: 'owner', joined_at: new Date(now()).toISOString() }],
        items: [],
      }
      albums.unshift(a)
      return albumJSON(a)
    }),
    days: (id) => guard(() => {
      const byDay = new Map()
      for (const it of visible(member(id))) {
        const d = dayKey(it.taken_at)
        if (!byDay.has(d)) byDay.set(d, { day: d, count: 0 })
        const e = byDay.get(d)
        e.count += 1
        if (!e.cover_id && it.status === 'ready') {
          e.cover_id = it.id
          e.thumb_url = it.thumb_url
          e.placeholder = it.placeholder
        }
      }
      return { days: Array.from(byDay.values()), next_cursor: '' }
    }),
    items: (id, o = {}) => guard(() => {
      const all = visible(member(id))
      if (o.order && o.order !== 'taken' && o.order !== 'uploaded') throw demoError(400, 'invalid_order', 'Bad order.')
      const start = o.cursor ? Number(o.cursor) : 0
      const limit = o.limit || 60
      const page = all.slice(start, start + limit)
      return { items: page, next_cursor: start + limit < all.length ? String(start + limit) : '' }
    }),
    dissolve: (id, confirmTitle) => guard(() => {
      const a = owner(id)
      if (confirmTitle !== a.title) throw demoError(400, 'confirm_mismatch', 'confirm_title does not match.')
      a.dissolved = true
      return undefined
    }),
  }

  const membersApi = {
    list: (albumId) => guard(() => member(albumId).members.map((m) => ({ ...m, nickname: users[m.user_id] || '微信用户', avatar_media_id: null }))),
    setRole: (albumId, userId, role) => guard(() => {
      const a = owner(albumId)
      const m = a.members.find((x) => x.user_id === userId)
      if (!m) throw demoError(404, 'not_found', 'Member not found.')
      if (m.role === 'owner' || role === 'owner' || userId === meId) throw demoError(403, 'forbidden', 'Not allowed.')
      m.role = role
      return undefined
    }),
    remove: (albumId, userId) => guard(() => {
      const a = owner(albumId)
      const i = a.members.findIndex((x) => x.user_id === userId)
      if (i < 0) throw demoError(404, 'not_found', 'Member not found.')
      if (a.members[i].role === 'owner') throw demoError(403, 'forbidden', 'Not allowed.')
      a.members.splice(i, 1)
      return undefined
    }),
  }

  const shares = {
    create: (o) => guard(() => {
      const a = member(o.albumId)
      if (membership(a).role === 'viewer') throw demoError(403, 'forbidden', 'Viewers may not share.')
      if (o.password !== undefined && (o.password.length < 4 || o.password.length > 64)) {
        throw demoError(400, 'invalid_password', 'Password must be 4 to 64 characters.')
      }
      const token = 'q3Vx8mRk2Lw9TbN5sYc0HjF7pDe4GzKa1UoXiWv6BnE' // 43 URL-safe base64 characters, as the engine's
      return {
        share: {
          id: hex(500 + (++seq)),
          album_id: a.id,
          has_password: !!o.password,
          allow_download: !!o.allowDownload,
          show_dates: !!o.showDates,
          expires_at: new Date(now() + (o.expiresIn || 7 * 86400) * 1000).toISOString(),
          created_at: new Date(now()).toISOString(),
          opens: 0,
          last_opened_day: null,
        },
        token,
        url: `https://album.example.com/s/${token}`,
      }
    }),
  }

  const uploads = {
    // Like the SDK's Uploads.upload: a handle with result and cancel().
    upload(o) {
      let timer = null
      let stop = null
      const total = 3 * 1024 * 1024 + Math.floor(Math.random() * 2 * 1024 * 1024)
      const result = new Promise((resolve, reject) => {
        stop = () => {
          clearTimeout(timer)
          reject(demoError(0, 'cancelled', 'upload cancelled'))
        }
        let a
        try {
          a = member(o.albumId)
          if (membership(a).role === 'viewer') throw demoError(403, 'forbidden', 'Viewers may not upload.')
        } catch (e) {
          reject(e)
          return
        }
        let sent = 0
        const step = () => {
          sent = Math.min(total, sent + total / 12)
          if (o.onProgress) o.onProgress({ bytesSent: Math.round(sent), totalBytes: total, percent: sent >= total ? 99 : Math.floor((sent * 100) / total) })
          if (sent < total) {
            timer = setTimeout(step, stepMs)
            return
          }
          const c = PALETTE[(++seq) % PALETTE.length]
          const it = {
            id: hex(700 + seq),
            kind: o.kind === 'video' ? 'video' : 'photo',
            status: 'processing',
            visibility: o.visibility || a.default_visibility,
            placeholder: encodeAverage(c[0], c[1], c[2]),
            mine: true,
            taken_at: new Date(now()).toISOString(),
            taken_at_source: 'upload',
          }
          a.items.push(it)
          if (o.onProgress) o.onProgress({ bytesSent: total, totalBytes: total, percent: 100 })
          resolve({ media: { ...it, album_id: a.id, size: total, content_type: 'image/jpeg', created_at: it.taken_at }, duplicate: false })
        }
        timer = setTimeout(step, stepMs)
      })
      return {
        result,
        async cancel() {
          stop()
          await result.catch(() => undefined)
        },
      }
    },
  }

  return { account, albums: albumsApi, members: membersApi, shares, uploads, demo: true }
}

module.exports = { createDemoClient, demoError }
