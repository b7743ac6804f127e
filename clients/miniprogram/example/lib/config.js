// Where the example talks to. Fill in baseURL (the engine's MEDIA_PUBLIC_URL,
// which must also be a "request/uploadFile 合法域名" of the mini-program) to
// use a real mediad; while it is empty the example runs on the in-memory demo
// data of lib/demo.js, so it opens in WeChat DevTools with no server.
module.exports = {
  baseURL: '',

  // The engine groups the timeline by day in MEDIA_TIMEZONE (default
  // Asia/Shanghai, UTC+8, no daylight saving). Items are put under the same
  // days with this offset, in minutes east of UTC.
  timeZoneOffsetMinutes: 8 * 60,

  // Items per page of GET /v1/albums/:id/items.
  pageSize: 60,
}
