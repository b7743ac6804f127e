// The album timeline: the days of GET /v1/albums/:id/days (day, count,
// cover) with the items of GET /v1/albums/:id/items?order=taken put under
// them. Both are newest first; items are paged, so a day may show fewer
// items than its count until more pages arrive ("还有 N 项").
const format = require('./format')
const { averageColor } = require('./thumbhash')

function itemView(item, offsetMinutes) {
  return {
    id: item.id,
    kind: item.kind,
    status: item.status,
    thumbUrl: item.status === 'ready' ? item.thumbUrl || '' : '',
    color: averageColor(item.placeholder),
    video: item.kind === 'video',
    duration: item.kind === 'video' && item.durationMs ? format.duration(item.durationMs) : '',
    processing: item.status === 'processing',
    failed: item.status === 'failed',
    mine: !!item.mine,
    day: item.takenAt ? format.dayKey(item.takenAt, offsetMinutes) : '',
  }
}

// sections(days, items, {now, offsetMinutes}) → [{day, label, count,
// items, more}] in the order of days. Items whose day is not (yet) among
// the days (a day on a later page of /days, or an item with no time) go in
// a section of their own at the end, so nothing loaded is hidden.
function sections(days, items, opts = {}) {
  const now = opts.now || new Date()
  const offset = opts.offsetMinutes
  const byDay = new Map()
  const out = []
  for (const d of days || []) {
    const s = {
      day: d.day,
      label: format.dayLabel(d.day, now, offset),
      count: d.count,
      coverColor: averageColor(d.placeholder),
      items: [],
      more: 0,
    }
    byDay.set(d.day, s)
    out.push(s)
  }
  let rest = null
  for (const it of items || []) {
    const v = itemView(it, offset)
    const s = byDay.get(v.day)
    if (s) {
      s.items.push(v)
    } else {
      if (!rest) rest = { day: '', label: '更早', count: 0, items: [], more: 0 }
      rest.items.push(v)
      rest.count += 1
    }
  }
  for (const s of out) s.more = Math.max(0, s.count - s.items.length)
  if (rest) out.push(rest)
  return out
}

module.exports = { sections, itemView }
