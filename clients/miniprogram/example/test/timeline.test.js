// The album timeline's grouping (lib/timeline.js) and the Chinese date
// labels (lib/format.js), in the engine's zone (UTC+8).
const timeline = require('../lib/timeline')
const format = require('../lib/format')

const NOW = new Date('2024-02-12T10:00:00+08:00')

test('items go under their day (UTC+8), with 还有 N 项 while pages are missing', () => {
  const days = [
    { day: '2024-02-12', count: 2, placeholder: '' },
    { day: '2024-02-10', count: 3, placeholder: '' },
  ]
  const items = [
    { id: 'a', kind: 'photo', status: 'ready', takenAt: '2024-02-12T01:00:00Z', thumbUrl: 'u' },
    { id: 'b', kind: 'video', status: 'ready', takenAt: '2024-02-11T16:30:00Z', durationMs: 65000 }, // 00:30 on the 12th in UTC+8
    { id: 'c', kind: 'photo', status: 'processing', takenAt: '2024-02-10T03:00:00Z', thumbUrl: 'ignored' },
    { id: 'd', kind: 'photo', status: 'ready', takenAt: '2023-12-01T03:00:00Z' },
  ]
  const s = timeline.sections(days, items, { now: NOW })
  expect(s.map((x) => [x.label, x.items.map((i) => i.id), x.more])).toEqual([
    ['今天 周一', ['a', 'b'], 0],
    ['2月10日 周六', ['c'], 2],
    ['更早', ['d'], 0],
  ])
  expect(s[0].items[1]).toMatchObject({ video: true, duration: '1:05' })
  expect(s[1].items[0]).toMatchObject({ processing: true, thumbUrl: '' })
})

test('day labels', () => {
  expect(format.dayLabel('2024-02-11', NOW)).toBe('昨天 周日')
  expect(format.dayLabel('2023-05-03', NOW)).toBe('2023年5月3日 周三')
  expect(format.dayLabel('bad', NOW)).toBe('未知日期')
  expect(format.dateTime('2024-02-19T02:20:00Z')).toBe('2024年2月19日 10:20')
  expect(format.dayKey('2024-02-11T16:00:00Z')).toBe('2024-02-12')
})
