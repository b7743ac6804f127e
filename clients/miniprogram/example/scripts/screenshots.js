#!/usr/bin/env node
// Screenshots of the sample pages for the README, taken by hand (not part
// of npm test):
//
//   node scripts/screenshots.js [--out DIR] [--keep-html]
//
// Each page is rendered with miniprogram-simulate (WeChat's wcc compiles the
// WXML; the component tree is built by j-component in jsdom) on the demo
// client (lib/demo.js), after its onLoad. The resulting DOM is written to a
// static HTML file with every stylesheet it uses (app.wxss, the page's and
// its components', class names prefixed the way the simulator prefixes
// them, rpx turned into px for a 375 px wide screen), inside a drawn
// navigation bar and tab bar, and headless Chromium screenshots it at
// 375x812 (device scale 2). PNGs go to the repository's docs/screenshots/
// (--out DIR to put them elsewhere).
//
// What is not WeChat's own rendering: built-in components (<switch>,
// <input>, <button>) are drawn by small stand-ins defined below, and
// <image> shows nothing (the demo has no picture files), so thumbnails
// show their ThumbHash placeholder colour.
const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')
const { JSDOM } = require('jsdom')

const ROOT = path.resolve(__dirname, '..')
const WIDTH = 375
const HEIGHT = 812
const RPX = WIDTH / 750

function arg(name, dflt) {
  const i = process.argv.indexOf(name)
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt
}
const OUT = path.resolve(arg('--out', path.join(ROOT, '..', '..', '..', 'docs', 'screenshots')))
const KEEP_HTML = process.argv.includes('--keep-html')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'

// ---- a DOM for miniprogram-simulate (what jest's jsdom environment does) ----
const jsdom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
  pretendToBeVisual: true,
  url: 'https://example.test/',
})
const win = jsdom.window
const FORCE = [
  'window', 'document', 'navigator', 'Node', 'Element', 'HTMLElement', 'Text', 'Comment', 'DocumentFragment',
  'Event', 'CustomEvent', 'EventTarget', 'MouseEvent', 'KeyboardEvent', 'TouchEvent', 'MutationObserver',
  'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame', 'HTMLStyleElement',
]
for (const key of Object.getOwnPropertyNames(win)) {
  if (FORCE.includes(key) || !(key in global)) {
    try {
      Object.defineProperty(global, key, { value: key === 'window' ? win : win[key], configurable: true, writable: true })
    } catch (e) {
      // a few window properties cannot be copied; simulate does not need them
    }
  }
}

const simulate = require('miniprogram-simulate')
const jComponent = require('j-component')
const wxss = require('miniprogram-simulate/src/wxss')
const api = require('../lib/api')
const { createDemoClient } = require('../lib/demo')

// Stand-ins for built-in components, drawn like WeChat's (its webview
// renders <wx-switch><div class="wx-switch-input …">).
jComponent.register({
  id: 'switch',
  tagName: 'wx-switch',
  properties: { checked: { type: Boolean, value: false }, color: { type: String, value: '#04BE02' } },
  template: '<div class="wx-switch-input {{checked ? \'wx-switch-input-checked\' : \'\'}}" style="{{checked ? \'background-color:\' + color + \';border-color:\' + color : \'\'}}"></div>',
})
jComponent.register({
  id: 'input',
  tagName: 'wx-input',
  properties: {
    value: { type: String, value: '' },
    placeholder: { type: String, value: '' },
    password: { type: Boolean, value: false },
  },
  template: '<div class="wx-input-placeholder" wx:if="{{!value}}">{{placeholder}}</div><div class="wx-input-value" wx:else>{{value}}</div>',
})

// ---- styles ----
const BASE_CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; width: ${WIDTH}px; height: ${HEIGHT}px; overflow: hidden; background: #f5f5f5; }
body { font-family: -apple-system, "PingFang SC", "Noto Sans CJK SC", "Noto Sans SC", sans-serif; -webkit-font-smoothing: antialiased; }
wx-view, wx-scroll-view, wx-picker, wx-navigator { display: block; }
wx-text { display: inline; }
wx-image { display: inline-block; overflow: hidden; width: 320px; height: 240px; }
wx-button { position: relative; display: block; margin: 0 auto; padding: 0 14px; font-size: 18px; text-align: center; line-height: 2.55555556; border-radius: 5px; color: #000; background-color: #f8f8f8; overflow: hidden; }
wx-button::after { content: " "; position: absolute; top: 0; left: 0; width: 200%; height: 200%; border: 1px solid rgba(0,0,0,.2); transform: scale(.5); transform-origin: 0 0; box-sizing: border-box; border-radius: 10px; }
wx-input { display: block; height: 1.4rem; min-height: 1.4rem; overflow: hidden; text-overflow: clip; white-space: nowrap; }
wx-input .wx-input-placeholder { color: #b2b2b2; }
wx-input > div { display: flex; align-items: center; height: 100%; }
wx-switch { display: inline-block; }
.wx-switch-input { position: relative; width: 52px; height: 32px; border: 1px solid #dfdfdf; border-radius: 16px; background: #dfdfdf; transition: none; }
.wx-switch-input::before { content: " "; position: absolute; top: 0; left: 0; width: 50px; height: 30px; border-radius: 15px; background: #fdfdfd; }
.wx-switch-input::after { content: " "; position: absolute; top: 0; left: 0; width: 30px; height: 30px; border-radius: 15px; background: #fff; box-shadow: 0 1px 3px rgba(0,0,0,.4); }
.wx-switch-input-checked::before { transform: scale(0); }
.wx-switch-input-checked::after { transform: translateX(20px); }

.phone { position: relative; width: ${WIDTH}px; height: ${HEIGHT}px; background: #f5f5f5; overflow: hidden; }
.status { position: absolute; top: 0; left: 0; right: 0; height: 44px; display: flex; align-items: center; justify-content: space-between; padding: 0 28px 0 32px; font-size: 15px; font-weight: 600; background: #fff; }
.status-icons { letter-spacing: 3px; font-size: 12px; }
.nav { position: absolute; top: 44px; left: 0; right: 0; height: 44px; display: flex; align-items: center; justify-content: center; background: #fff; font-size: 17px; font-weight: 600; }
.nav-back { position: absolute; left: 12px; font-size: 30px; font-weight: 300; line-height: 44px; }
.capsule { position: absolute; right: 7px; top: 6px; width: 87px; height: 32px; border-radius: 16px; border: 0.5px solid rgba(0,0,0,.12); background: rgba(255,255,255,.6); display: flex; align-items: center; justify-content: space-around; font-size: 14px; }
.capsule i { width: 0.5px; height: 18px; background: rgba(0,0,0,.15); }
.viewport { position: absolute; top: 88px; left: 0; right: 0; overflow: hidden; transform: translateZ(0); }
.tabbar { position: absolute; left: 0; right: 0; bottom: 0; height: 84px; padding-bottom: 34px; display: flex; background: #fff; border-top: 0.5px solid rgba(0,0,0,.2); }
.tab { flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; font-size: 10px; color: #7a7e83; }
.tab b { width: 24px; height: 24px; border-radius: 6px; margin-bottom: 2px; background: #c8c8c8; }
.tab-on { color: #07c160; }
.tab-on b { background: #07c160; }
.home { position: absolute; left: 50%; bottom: 8px; width: 134px; height: 5px; margin-left: -67px; border-radius: 3px; background: #111; }
`

function rpxToPx(css) {
  return css.replace(/(-?\d*\.?\d+)rpx/g, (_, n) => `${+(Number(n) * RPX).toFixed(2)}px`)
}

function readJSON(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'))
}

// Every stylesheet a page uses, prefixed as the simulator prefixes classes:
// the page's own (and app.wxss) with the page's tag, each component's with
// the tag it is used under.
function pageCSS(pageName) {
  const sheets = []
  const add = (file, prefix) => {
    if (!fs.existsSync(file)) return
    sheets.push(wxss.compile(wxss.getContent(file), { prefix }))
  }
  add(path.join(ROOT, 'app.wxss'), pageName)
  const pageBase = path.join(ROOT, 'pages', pageName, 'index')
  add(`${pageBase}.wxss`, pageName)
  const seen = new Set()
  const walk = (base) => {
    const using = (readJSON(`${base}.json`).usingComponents) || {}
    for (const [tag, p] of Object.entries(using)) {
      const compBase = p.startsWith('/') ? path.join(ROOT, p) : path.join(path.dirname(base), p)
      const key = `${tag}:${compBase}`
      if (seen.has(key)) continue
      seen.add(key)
      add(`${compBase}.wxss`, tag)
      walk(compBase)
    }
  }
  walk(pageBase)
  // WXSS's `page` selector is the page's root.
  return rpxToPx(sheets.join('\n')).replace(/(^|[}\s,])page(?=[\s{,.:])/g, '$1.wx-page')
}

// ---- rendering ----
const loaded = new Map()
function mountPage(name) {
  if (!loaded.has(name)) loaded.set(name, simulate.load(path.join(ROOT, 'pages', name, 'index'), name, { rootPath: ROOT }))
  const comp = simulate.render(loaded.get(name), {})
  const parent = document.createElement('div')
  document.body.appendChild(parent)
  comp.attach(parent)
  return comp
}

let navTitle = ''
wx.setNavigationBarTitle = ({ title }) => {
  navTitle = title
}

function escapeHTML(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])
}

function html({ page, title, tab, back, body, css }) {
  const tabs = [
    ['albums', '相册'],
    ['settings', '我的'],
  ]
  const bottom = tab ? 84 : 34
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHTML(title)}</title>
<style>${BASE_CSS}</style>
<style>${css}</style>
</head><body>
<div class="phone">
  <div class="status"><span>9:41</span><span class="status-icons">▂▄▆ ◉ ▭</span></div>
  <div class="nav">${back ? '<span class="nav-back">‹</span>' : ''}<span>${escapeHTML(title)}</span><span class="capsule">···<i></i>◉</span></div>
  <div class="viewport" style="bottom:${bottom}px"><div class="wx-page page-${page}">${body}</div></div>
  ${tab ? `<div class="tabbar">${tabs.map(([k, t]) => `<div class="tab ${k === tab ? 'tab-on' : ''}"><b></b>${t}</div>`).join('')}</div>` : ''}
  <div class="home"></div>
</div>
</body></html>
`
}

function shoot(htmlFile, pngFile) {
  execFileSync(CHROMIUM, [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    '--force-device-scale-factor=2',
    `--window-size=${WIDTH},${HEIGHT}`,
    `--screenshot=${pngFile}`,
    `file://${htmlFile}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60000 })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// The shots: page, query, what to do after onLoad.
const SHOTS = [
  { name: 'albums', page: 'albums', tab: 'albums' },
  {
    name: 'album',
    page: 'album',
    query: { id: 'a-family' },
    back: true,
    async setup(comp) {
      comp.setData({
        uploads: [
          { key: 'u1', name: 'IMG_2041.HEIC', percent: 45, bytesSent: 1887437, bytesTotal: 4194304, state: 'uploading' },
          { key: 'u2', name: 'IMG_2040.HEIC', percent: 100, bytesSent: 3250586, bytesTotal: 3250586, state: 'done' },
        ],
      })
    },
  },
  { name: 'members', page: 'members', query: { id: 'a-family' }, back: true },
  {
    name: 'members-contributor',
    page: 'members',
    query: { id: 'a-class' },
    back: true,
  },
  {
    name: 'share',
    page: 'share',
    query: { id: 'a-family' },
    back: true,
    async setup(comp) {
      comp.setData({ usePassword: true, password: 'chunjie2024', allowDownload: true, expiryIndex: 2 })
    },
  },
  {
    name: 'share-link',
    page: 'share',
    query: { id: 'a-family' },
    back: true,
    async setup(comp) {
      comp.setData({ usePassword: true, password: 'chunjie2024', expiryIndex: 1 })
      await comp.instance.onCreate()
    },
  },
  {
    name: 'dissolve',
    page: 'album',
    query: { id: 'a-family' },
    back: true,
    async setup(comp) {
      comp.setData({ showDissolve: true })
      await sleep(0)
      // type part of the title: the button stays disabled
      comp.querySelector('#dissolve').querySelector('.dc-input').dispatchEvent('input', { detail: { value: '2024 春节' } })
    },
  },
  {
    name: 'settings',
    page: 'settings',
    tab: 'settings',
    async setup(comp) {
      // the real flow: queue the export, poll until the demo has it ready
      await comp.instance.onExport()
      const until = Date.now() + 15000
      while (comp.data.exportState === 'pending' && Date.now() < until) await sleep(100)
    },
  },
]

async function main() {
  fs.mkdirSync(OUT, { recursive: true })
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mp-shots-'))
  for (const shot of SHOTS) {
    api.use(createDemoClient({ delayMs: 0, now: () => Date.parse('2024-02-12T10:20:00+08:00') }))
    navTitle = readJSON(path.join(ROOT, 'pages', shot.page, 'index.json')).navigationBarTitleText || ''
    const comp = mountPage(shot.page)
    await comp.instance.onLoad(shot.query || {})
    await sleep(0)
    if (shot.setup) await shot.setup(comp)
    await sleep(10)
    const file = path.join(tmp, `${shot.name}.html`)
    fs.writeFileSync(file, html({
      page: shot.page,
      title: navTitle,
      tab: shot.tab,
      back: shot.back,
      body: comp.dom.outerHTML,
      css: pageCSS(shot.page),
    }))
    const png = path.join(OUT, `miniprogram-${shot.name}.png`)
    shoot(file, png)
    comp.detach()
    console.log(`${path.relative(process.cwd(), png)}${KEEP_HTML ? `  (${file})` : ''}`)
  }
  if (!KEEP_HTML) fs.rmSync(tmp, { recursive: true, force: true })
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
