// 群相册示例小程序。All engine calls go through lib/api.js (the one place
// that uses the SDK); with lib/config.js's baseURL empty it runs on demo
// data, so it opens in WeChat DevTools without a server.
const api = require('./lib/api')

App({
  onLaunch() {
    api.init()
  },
})
