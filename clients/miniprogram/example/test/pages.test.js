// The sample pages, rendered with miniprogram-simulate on the demo client
// (lib/demo.js: the SDK client's methods with the engine's JSON), to check
// they load their data and show what the viewer's role allows.
const { mount, simulate } = require('./helpers')
const api = require('../lib/api')
const { createDemoClient } = require('../lib/demo')

async function page(name, query) {
  const v = mount(`pages/${name}/index`, name, {})
  await v.comp.instance.onLoad(query || {})
  await simulate.sleep(0)
  return v
}

beforeEach(() => {
  api.use(createDemoClient({ delayMs: 0, uploadStepMs: 5 }))
})

afterEach(() => {
  jest.restoreAllMocks()
})

async function waitFor(check, ms = 3000) {
  const until = Date.now() + ms
  while (!check() && Date.now() < until) await simulate.sleep(10)
  return check()
}

describe('pages', () => {
  test('albums: one card per album with role and count', async () => {
    const v = await page('albums')
    const titles = v.all('album-title').map((el) => el.textContent)
    expect(titles).toEqual(['2024 春节·家庭相册', '大学同学十周年聚会', '宝宝成长记'])
    expect(v.all('album-role').map((el) => el.textContent)).toEqual(['所有者', '贡献者', '查看者'])
    expect(v.text('album-count')).toMatch(/^\d+ 项$/)
    v.detach()
  })

  test('album: days from /days with items under them; owner sees upload and dissolve', async () => {
    const v = await page('album', { id: 'a-family' })
    const labels = v.all('day-label').map((el) => el.textContent)
    expect(labels.length).toBeGreaterThan(2)
    expect(labels[0]).toBe('2024年2月12日 周一')
    const counts = v.all('day-count').map((el) => Number(el.textContent.replace(' 项', '')))
    const cells = v.all('day').map((d) => v.all('cell-item', d).length)
    expect(cells).toEqual(counts) // one page holds the whole demo album
    expect(v.all('action').map((el) => el.textContent)).toEqual(['上传', '成员', '分享', '解散'])
    v.detach()
  })

  test('album: a viewer sees neither upload, share nor dissolve', async () => {
    const v = await page('album', { id: 'a-baby' })
    expect(v.all('action').map((el) => el.textContent)).toEqual(['成员'])
    v.detach()
  })

  test('album: an upload shows its progress and ends done', async () => {
    const v = await page('album', { id: 'a-family' })
    jest.spyOn(wx, 'chooseMedia').mockImplementation(({ success }) => success({ tempFiles: [{ tempFilePath: 'wxfile://tmp/IMG_0001.JPG', size: 1000, fileType: 'image' }] }))
    v.comp.instance.onUpload()
    await simulate.sleep(0)
    // the page's upload-progress child, prefixed with its tag in the page
    const bar = () => v.comp.dom.querySelector('.upload-progress--up-bar')
    const text = () => v.comp.dom.querySelector('.upload-progress--up-text').textContent
    expect(bar()).not.toBeNull()
    expect(text()).toMatch(/^已上传 \d+%$/)
    expect(await waitFor(() => /^已上传 [1-9]\d*%$/.test(text()))).toBe(true)
    expect(await waitFor(() => text() === '上传完成')).toBe(true)
    expect(bar().style.width).toBe('100%')
    v.detach()
  })

  test('members: owner gets buttons for others, contributor none', async () => {
    const owner = await page('members', { id: 'a-family' })
    expect(owner.comp.dom.querySelectorAll('.member-list--ml-row')).toHaveLength(5)
    expect(owner.comp.dom.querySelectorAll('.member-list--ml-remove')).toHaveLength(4)
    owner.detach()
    const contrib = await page('members', { id: 'a-class' })
    expect(contrib.comp.dom.querySelectorAll('.member-list--ml-row')).toHaveLength(4)
    expect(contrib.comp.dom.querySelectorAll('.member-list--ml-remove')).toHaveLength(0)
    expect(contrib.text('hint')).toBe('只有相册所有者可以修改成员角色或移除成员。')
    contrib.detach()
  })

  test('share: a short password is refused; then a link with its expiry', async () => {
    const v = await page('share', { id: 'a-family' })
    v.comp.setData({ usePassword: true, password: 'abc' })
    await v.comp.instance.onCreate()
    await simulate.sleep(0)
    expect(v.text('form-error')).toBe('密码需为 4 到 64 个字符')
    v.comp.setData({ password: 'abcd' })
    await v.comp.instance.onCreate()
    await simulate.sleep(0)
    expect(v.text('url')).toMatch(/^https:\/\/album\.example\.com\/s\//)
    const facts = v.all('fact').map((el) => el.textContent)
    expect(facts[0]).toMatch(/^有效期至 \d{4}年\d+月\d+日 \d\d:\d\d$/)
    expect(facts.slice(1)).toEqual(['需要密码', '不可下载', '显示拍摄日期'])
    v.detach()
  })

  test('settings: nickname, notifications switch, delete account', async () => {
    const store = new Map()
    jest.spyOn(wx, 'setStorageSync').mockImplementation((k, val) => store.set(k, val))
    jest.spyOn(wx, 'getStorageSync').mockImplementation((k) => (store.has(k) ? store.get(k) : ''))
    const v = await page('settings')
    expect(v.text('nickname')).toBe('王小明')
    expect(v.comp.data.notifications).toBe(true)
    v.node('sw-notify').dispatchEvent('change', { detail: { value: false } })
    await v.settle()
    expect(v.comp.data.notifications).toBe(false)
    expect(api.getNotificationSettings()).toEqual({ enabled: false })
    const modal = jest.spyOn(wx, 'showModal').mockImplementation(({ success }) => success({ confirm: true, cancel: false }))
    v.comp.instance.onDelete()
    expect(modal.mock.calls[0][0].title).toBe('注销账号')
    expect(await waitFor(() => v.text('done-title') === '账号已注销')).toBe(true)
    v.detach()
  })
})
