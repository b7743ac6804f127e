// A stand-in for the mini-program `wx` with what the SDK calls (login,
// request, uploadFile, storage, FileSystemManager.stat): it records every
// request and answers from a table of routes, as the engine would.
function createFakeWx(routes) {
  const calls = []
  const storage = new Map()
  const answer = (method, url, body) => {
    const u = new URL(url)
    const key = `${method} ${u.pathname}`
    calls.push({ method, path: u.pathname, query: Object.fromEntries(u.searchParams), body })
    const r = routes[key]
    if (!r) return { statusCode: 404, data: { error: { code: 'not_found', message: `no route ${key}` } } }
    const out = typeof r === 'function' ? r({ query: Object.fromEntries(u.searchParams), body }) : r
    return { statusCode: out.status || 200, data: out.body === undefined ? '' : out.body }
  }
  const wx = {
    calls,
    storage,
    login({ success }) {
      setTimeout(() => success({ code: 'wx-code' }), 0)
    },
    request(opt) {
      const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']
      if (!methods.includes(opt.method || 'GET')) throw new Error(`wx.request has no method ${opt.method}`)
      const body = typeof opt.data === 'string' && opt.data ? JSON.parse(opt.data) : opt.data
      // The engine takes PATCH as POST with X-HTTP-Method-Override.
      const override = (opt.header || {})['X-HTTP-Method-Override']
      const method = opt.method === 'POST' && override ? override.toUpperCase() : opt.method || 'GET'
      const res = answer(method, opt.url, body)
      setTimeout(() => opt.success({ statusCode: res.statusCode, data: res.data, header: {} }), 0)
      return { abort() {} }
    },
    uploadFile(opt) {
      const listeners = []
      const res = answer('POST', opt.url, { file: opt.filePath, ...opt.formData })
      setTimeout(() => {
        for (const sent of [250, 500, 1000]) {
          listeners.forEach((l) => l({ progress: sent / 10, totalBytesSent: sent, totalBytesExpectedToSend: 1000 }))
        }
        opt.success({ statusCode: res.statusCode, data: JSON.stringify(res.data) })
      }, 0)
      return {
        abort() {},
        onProgressUpdate(l) {
          listeners.push(l)
        },
      }
    },
    setStorageSync(k, v) {
      storage.set(k, v)
    },
    getStorageSync(k) {
      return storage.has(k) ? storage.get(k) : ''
    },
    removeStorageSync(k) {
      storage.delete(k)
    },
    getFileSystemManager() {
      return {
        stat({ success }) {
          setTimeout(() => success({ stats: { size: 1000, isFile: () => true } }), 0)
        },
        readFile({ fail }) {
          setTimeout(() => fail({ errMsg: 'readFile not faked' }), 0)
        },
      }
    },
  }
  return wx
}

module.exports = { createFakeWx }
