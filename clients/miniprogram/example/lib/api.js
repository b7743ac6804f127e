// The one place the example uses the SDK (@wxalbum/mediad-sdk, built from
// clients/miniprogram/src). Pages call these functions and get plain,
// camelCase objects back, so they do not depend on the SDK's shapes or on
// the engine's JSON.
//
// Where the calls go:
//   - config.baseURL set: a MediadClient of the SDK, with the global `wx`
//     (npm run sdk copies the SDK's build into miniprogram_npm/);
//   - config.baseURL empty: lib/demo.js, an in-memory stand-in with the same
//     methods as the SDK's client and the engine's JSON, so the example opens
//     in WeChat DevTools without a server;
//   - use(client): anything with the SDK client's methods (tests, screenshots).
//
// Errors are the SDK's MediadError ({status, code, message}); pages turn
// them into Chinese text with format.errorText.
const config = require('./config')

let client = null

function sdkClient() {
  // eslint-disable-next-line global-require
  const { MediadClient } = require('@wxalbum/mediad-sdk')
  return new MediadClient({ baseURL: config.baseURL, wx })
}

function demoClient() {
  // eslint-disable-next-line global-require
  const { createDemoClient } = require('./demo')
  return createDemoClient()
}

// init picks the client once (App.onLaunch); the first call does it too.
function init() {
  if (!client) client = config.baseURL ? sdkClient() : demoClient()
  return client
}

// use replaces the client (tests, screenshots); returns the previous one.
function use(c) {
  const prev = client
  client = c
  return prev
}

function isDemo() {
  return !config.baseURL
}

function c() {
  return client || init()
}

// ---- views of the engine's JSON ----

function albumView(a) {
  return {
    id: a.id,
    title: a.title,
    role: a.my_role,
    itemCount: a.item_count,
    coverUrl: a.cover_thumb_url || '',
    createdAt: a.created_at,
    defaultVisibility: a.default_visibility,
  }
}

function itemView(it) {
  return {
    id: it.id,
    kind: it.kind,
    status: it.status,
    visibility: it.visibility,
    mine: !!it.mine,
    thumbUrl: it.thumb_url || '',
    placeholder: it.placeholder || '',
    takenAt: it.taken_at || '',
    durationMs: it.duration_ms || 0,
    width: it.width || 0,
    height: it.height || 0,
  }
}

function dayView(d) {
  return { day: d.day, count: d.count, coverId: d.cover_id || '', thumbUrl: d.thumb_url || '', placeholder: d.placeholder || '' }
}

function memberView(m) {
  return { id: m.user_id, nickname: m.nickname, role: m.role, joinedAt: m.joined_at }
}

function exportView(e) {
  return {
    id: e.id,
    status: e.status,
    size: e.size || 0,
    createdAt: e.created_at,
    expiresAt: e.expires_at,
    downloadUrl: e.download_url || '',
  }
}

// ---- account ----

async function me() {
  const r = await c().account.me()
  return { id: r.user.id, nickname: r.user.nickname, policyUpdateRequired: !!r.policy_update_required }
}

// startExport queues an export of the caller's data (POST /v1/me/exports).
async function startExport() {
  return exportView(await c().account.requestExport())
}

// getExport: its state; download_url once ready (signed, 10 minutes).
async function getExport(id) {
  return exportView(await c().account.getExport(id))
}

// deleteAccount: DELETE /v1/me {"confirm":"DELETE"}. The SDK signs in again
// when the engine wants a fresh sign-in (reauth_required) and forgets the
// session afterwards.
async function deleteAccount() {
  const r = await c().account.deleteAccount()
  return { receiptId: r.receipt_id }
}

// Notifications: the engine keeps in-app notices (GET /v1/me/notifications)
// but has no push setting yet; this switch is a placeholder kept on the
// phone (wx storage) until there is one.
const NOTIFY_KEY = 'example:notifications'

function getNotificationSettings() {
  const v = wx.getStorageSync(NOTIFY_KEY)
  return { enabled: v === '' || v === undefined || v === null ? true : !!v.enabled }
}

function setNotificationSettings(settings) {
  wx.setStorageSync(NOTIFY_KEY, { enabled: !!settings.enabled })
  return getNotificationSettings()
}

async function listNotifications(limit = 20) {
  return (await c().account.notifications(limit)).map((n) => ({ id: n.id, kind: n.kind, createdAt: n.created_at }))
}

// ---- albums ----

async function listAlbums() {
  return (await c().albums.list()).map(albumView)
}

async function getAlbum(id) {
  return albumView(await c().albums.get(id))
}

async function createAlbum(title) {
  return albumView(await c().albums.create(title))
}

// listDays: GET /v1/albums/:id/days (newest day first).
async function listDays(albumId, opts = {}) {
  const r = await c().albums.days(albumId, { cursor: opts.cursor, limit: opts.limit })
  return { days: r.days.map(dayView), nextCursor: r.next_cursor }
}

// listItems: GET /v1/albums/:id/items?order=taken (or uploaded), one page.
async function listItems(albumId, opts = {}) {
  const r = await c().albums.items(albumId, { order: opts.order || 'taken', cursor: opts.cursor, limit: opts.limit })
  return { items: r.items.map(itemView), nextCursor: r.next_cursor }
}

// dissolveAlbum: DELETE /v1/albums/:id with the exact title.
async function dissolveAlbum(albumId, title) {
  await c().albums.dissolve(albumId, title)
}

// ---- uploads ----

// uploadMedia sends one file into the album: photos (and small videos) in
// one wx.uploadFile, large videos in resumable parts (the SDK decides).
// onProgress gets {percent 0..100, bytesSent, bytesTotal}; 100 only once the
// engine holds the file. Resolves with {id, status, duplicate}.
async function uploadMedia({ albumId, filePath, kind = 'photo', visibility, onProgress }) {
  const handle = c().uploads.upload({
    filePath,
    kind,
    albumId,
    visibility,
    onProgress: onProgress
      ? (p) => onProgress({ percent: p.percent, bytesSent: p.bytesSent, bytesTotal: p.totalBytes })
      : undefined,
  })
  const r = await handle.result
  return { id: r.media.id, status: r.media.status, duplicate: !!r.duplicate }
}

function uploadPhoto(opts) {
  return uploadMedia({ ...opts, kind: 'photo' })
}

// ---- members ----

async function members(albumId) {
  return (await c().members.list(albumId)).map(memberView)
}

async function setRole(albumId, userId, role) {
  await c().members.setRole(albumId, userId, role)
}

async function removeMember(albumId, userId) {
  await c().members.remove(albumId, userId)
}

// ---- share links ----

// createShare: POST /v1/shares for an album. The URL (with its token) is
// returned only now.
async function createShare({ albumId, expiresIn, password, allowDownload, showDates }) {
  const r = await c().shares.create({ albumId, expiresIn, password, allowDownload, showDates })
  return {
    id: r.share.id,
    url: r.url,
    expiresAt: r.share.expires_at,
    hasPassword: !!r.share.has_password,
    allowDownload: !!r.share.allow_download,
    showDates: !!r.share.show_dates,
  }
}

module.exports = {
  init,
  use,
  isDemo,
  me,
  startExport,
  getExport,
  deleteAccount,
  getNotificationSettings,
  setNotificationSettings,
  listNotifications,
  listAlbums,
  getAlbum,
  createAlbum,
  listDays,
  listItems,
  dissolveAlbum,
  uploadMedia,
  uploadPhoto,
  members,
  setRole,
  removeMember,
  createShare,
}
