// Loads a component of the example with miniprogram-simulate (WeChat's own
// WXML compiler, wcc, from miniprogram-compiler), renders it into the jsdom
// document and gives DOM helpers. miniprogram-simulate prefixes each class
// with the component's tag name ("upload-progress--up-bar"), the way WeChat
// isolates component styles; dom()/all() add that prefix.
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '..')

// A component file runs (and calls Component()) once per test file: jest
// keeps required modules, so each path is loaded once and rendered often.
const loaded = new Map()
function load(rel, tagName) {
  const key = `${rel}#${tagName}`
  if (!loaded.has(key)) loaded.set(key, simulate.load(path.join(ROOT, rel), tagName, { rootPath: ROOT }))
  return loaded.get(key)
}

function mount(rel, tagName, props) {
  const id = load(rel, tagName)
  const comp = simulate.render(id, props)
  const parent = document.createElement('parent-wrapper')
  document.body.appendChild(parent)
  comp.attach(parent)
  const prefix = (cls) => cls.split('.').filter(Boolean).map((c) => `.${tagName}--${c}`).join('')
  return {
    comp,
    // the first / every DOM element with this class (no prefix, no dot)
    dom: (cls, root = comp.dom) => root.querySelector(prefix(cls)),
    all: (cls, root = comp.dom) => Array.from(root.querySelectorAll(prefix(cls))),
    // the j-component node of the first element with this class (for events)
    node: (cls) => comp.querySelector(`.${cls}`),
    nodes: (cls) => comp.querySelectorAll(`.${cls}`),
    text: (cls) => {
      const el = comp.dom.querySelector(prefix(cls))
      return el ? el.textContent.trim() : null
    },
    // events are delivered on a microtask; then setData re-renders
    settle: () => simulate.sleep(0),
    detach: () => {
      comp.detach()
      parent.remove()
    },
  }
}

// Collects what a component emits with triggerEvent.
function recorder(comp, name) {
  const got = []
  comp.addEventListener(name, (evt) => got.push(evt.detail))
  return got
}

module.exports = { ROOT, simulate, load, mount, recorder }
