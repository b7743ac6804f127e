// lib/api.js (the example's adapter) against the SDK as it is now in
// clients/miniprogram/src: transpiled into a temporary folder, given a fake
// `wx` that answers like the engine. Checks the requests each adapter call
// makes and the plain objects the pages get back.
const fs = require('fs')
const os = require('os')
const path = require('path')
const { buildSdk, SRC } = require('../scripts/build-sdk')
const { createFakeWx } = require('./fake-wx')
const api = require('../lib/api')

// The SDK is part of this repository: without it the test fails, it is not skipped.
if (!fs.existsSync(path.join(SRC, 'index.ts'))) throw new Error(`SDK not found at ${SRC}`)

const ALBUM = {
  id: 'a1', owner_id: 'u1', title: '春节', cover_media_id: null, default_visibility: 'members',
  status: 'active', created_at: '2024-02-08T12:00:00Z', my_role: 'owner', item_count: 2,
}

const ROUTES = {
  'POST /v1/auth/wechat': { body: { token: 'tok', expires_at: '2030-01-01T00:00:00Z', user: { id: 'u1' } } },
  'GET /v1/me': { body: { user: { id: 'u1', nickname: '王小明' }, policy_update_required: false, policy_version: '' } },
  'GET /v1/albums': { body: { albums: [ALBUM] } },
  'GET /v1/albums/a1': { body: { album: ALBUM } },
  'GET /v1/albums/a1/days': { body: { days: [{ day: '2024-02-12', count: 2, cover_id: 'm1', placeholder: 'YZoCAwAAAA==' }], next_cursor: '' } },
  'GET /v1/albums/a1/items': ({ query }) => ({
    body: {
      items: [{ id: 'm1', kind: 'photo', status: 'ready', visibility: 'members', mine: true, thumb_url: 'https://x/f/m1/thumb', taken_at: '2024-02-12T02:00:00Z' }],
      next_cursor: query.cursor ? '' : 'c2',
    },
  }),
  'GET /v1/albums/a1/members': { body: { members: [{ user_id: 'u1', nickname: '王小明', avatar_media_id: null, role: 'owner', joined_at: '2024-02-08T12:00:00Z' }] } },
  'PATCH /v1/albums/a1/members/u2': { status: 204 },
  'DELETE /v1/albums/a1/members/u2': { status: 204 },
  'DELETE /v1/albums/a1': ({ body }) => (body.confirm_title === '春节'
    ? { status: 202, body: { status: 'dissolving' } }
    : { status: 400, body: { error: { code: 'confirm_mismatch', message: 'no' } } }),
  'POST /v1/shares': ({ body }) => ({
    status: 201,
    body: {
      share: { id: 's1', album_id: body.album_id, has_password: !!body.password, allow_download: !!body.allow_download, show_dates: !!body.show_dates, expires_at: '2024-02-19T02:20:00Z', created_at: '2024-02-12T02:20:00Z', opens: 0, last_opened_day: null },
      token: 't'.repeat(43),
      url: `https://album.example.com/s/${'t'.repeat(43)}`,
    },
  }),
  'POST /v1/me/exports': { status: 202, body: { id: 'e1', export: { id: 'e1', status: 'pending', created_at: '2024-02-12T02:20:00Z', expires_at: '2024-02-13T02:20:00Z' } } },
  'GET /v1/me/exports/e1': { body: { export: { id: 'e1', status: 'ready', size: 1234, created_at: '2024-02-12T02:20:00Z', expires_at: '2024-02-13T02:20:00Z', download_url: 'https://x/x/e1?t=1' } } },
  'DELETE /v1/me': { status: 202, body: { receipt_id: 'r1' } },
  'POST /v1/media': { status: 202, body: { media: { id: 'm9', status: 'processing', kind: 'photo' }, duplicate: false } },
}

describe('lib/api.js on the SDK from ../src', () => {
  let wx
  let sdk
  const last = () => wx.calls[wx.calls.length - 1]

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediad-sdk-'))
    sdk = require(buildSdk(path.join(dir, 'sdk')))
  })

  beforeEach(() => {
    wx = createFakeWx(ROUTES)
    api.use(new sdk.MediadClient({ baseURL: 'https://album.example.com', wx }))
  })

  test('signs in with wx.login, then lists albums as plain objects', async () => {
    const albums = await api.listAlbums()
    expect(wx.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /v1/auth/wechat', 'GET /v1/albums'])
    expect(wx.calls[0].body).toEqual({ code: 'wx-code' })
    expect(albums).toEqual([{ id: 'a1', title: '春节', role: 'owner', itemCount: 2, coverUrl: '', createdAt: '2024-02-08T12:00:00Z', defaultVisibility: 'members' }])
  })

  test('days and items (order=taken, paged)', async () => {
    const days = await api.listDays('a1')
    expect(days).toEqual({ days: [{ day: '2024-02-12', count: 2, coverId: 'm1', thumbUrl: '', placeholder: 'YZoCAwAAAA==' }], nextCursor: '' })
    const p1 = await api.listItems('a1', { order: 'taken', limit: 60 })
    expect(last().query).toEqual({ order: 'taken', limit: '60' })
    expect(p1.nextCursor).toBe('c2')
    expect(p1.items[0]).toMatchObject({ id: 'm1', thumbUrl: 'https://x/f/m1/thumb', takenAt: '2024-02-12T02:00:00Z', mine: true })
    const p2 = await api.listItems('a1', { order: 'taken', cursor: 'c2' })
    expect(last().query).toEqual({ order: 'taken', cursor: 'c2' })
    expect(p2.nextCursor).toBe('')
  })

  test('members, setRole and removeMember', async () => {
    expect(await api.members('a1')).toEqual([{ id: 'u1', nickname: '王小明', role: 'owner', joinedAt: '2024-02-08T12:00:00Z' }])
    await api.setRole('a1', 'u2', 'viewer')
    expect(last()).toMatchObject({ method: 'PATCH', path: '/v1/albums/a1/members/u2', body: { role: 'viewer' } })
    await api.removeMember('a1', 'u2')
    expect(last()).toMatchObject({ method: 'DELETE', path: '/v1/albums/a1/members/u2' })
  })

  test('dissolveAlbum sends the exact title; a wrong one is the engine\'s confirm_mismatch', async () => {
    await api.dissolveAlbum('a1', '春节')
    expect(last()).toMatchObject({ method: 'DELETE', path: '/v1/albums/a1', body: { confirm_title: '春节' } })
    await expect(api.dissolveAlbum('a1', '春节 ')).rejects.toMatchObject({ status: 400, code: 'confirm_mismatch' })
  })

  test('createShare sends expiry, password, download and dates', async () => {
    const link = await api.createShare({ albumId: 'a1', expiresIn: 604800, password: 'abcd', allowDownload: false, showDates: true })
    expect(last().body).toEqual({ album_id: 'a1', expires_in: 604800, password: 'abcd', show_dates: true })
    expect(link).toEqual({
      id: 's1', url: `https://album.example.com/s/${'t'.repeat(43)}`, expiresAt: '2024-02-19T02:20:00Z',
      hasPassword: true, allowDownload: false, showDates: true,
    })
  })

  test('uploadMedia: wx.uploadFile with kind and album, progress as {percent, bytesSent, bytesTotal}', async () => {
    const seen = []
    const r = await api.uploadMedia({ albumId: 'a1', filePath: 'wxfile://tmp/a.jpg', kind: 'photo', onProgress: (p) => seen.push(p) })
    expect(last()).toMatchObject({ method: 'POST', path: '/v1/media', body: { file: 'wxfile://tmp/a.jpg', kind: 'photo', album_id: 'a1' } })
    expect(r).toEqual({ id: 'm9', status: 'processing', duplicate: false })
    expect(seen.map((p) => p.percent)).toEqual([25, 50, 99, 100])
    expect(seen[seen.length - 1]).toEqual({ percent: 100, bytesSent: 1000, bytesTotal: 1000 })
  })

  test('export and delete account', async () => {
    expect(await api.startExport()).toMatchObject({ id: 'e1', status: 'pending' })
    expect(await api.getExport('e1')).toMatchObject({ status: 'ready', size: 1234, downloadUrl: 'https://x/x/e1?t=1' })
    expect(await api.deleteAccount()).toEqual({ receiptId: 'r1' })
    expect(last()).toMatchObject({ method: 'DELETE', path: '/v1/me', body: { confirm: 'DELETE' } })
  })
})

