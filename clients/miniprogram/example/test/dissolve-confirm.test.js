const { mount, recorder } = require('./helpers')

const TAG = 'dissolve-confirm'
const COMP = 'components/dissolve-confirm/index'
const TITLE = 'Family Trip 2024'

function render(props = {}) {
  return mount(COMP, TAG, { show: true, title: TITLE, ...props })
}

function confirmEnabled(v) {
  const btn = v.dom('dc-confirm')
  const disabledClass = btn.classList.contains(`${TAG}--dc-confirm--disabled`)
  const flag = btn.getAttribute('data-enabled')
  // the class (what the user sees) and the button's own state agree
  expect(flag === 'true').toBe(!disabledClass)
  return !disabledClass
}

async function type(v, text) {
  v.node('dc-input').dispatchEvent('input', { detail: { value: text } })
  await v.settle()
}

async function tapConfirm(v) {
  v.node('dc-confirm').dispatchEvent('tap')
  await v.settle()
}

describe('dissolve-confirm', () => {
  test('hidden when show is false', () => {
    const v = render({ show: false })
    expect(v.dom('dc-dialog')).toBeNull()
    v.detach()
  })

  test('shows the title to type and starts disabled', () => {
    const v = render()
    expect(v.text('dc-title')).toBe('解散相册')
    expect(v.text('dc-name')).toBe(TITLE)
    expect(v.text('dc-confirm')).toBe('解散')
    expect(confirmEnabled(v)).toBe(false)
    v.detach()
  })

  test.each([
    ['wrong case', 'family trip 2024'],
    ['trailing space', `${TITLE} `],
    ['leading space', ` ${TITLE}`],
    ['a prefix', 'Family Trip'],
    ['empty', ''],
  ])('%s stays disabled and tapping emits nothing', async (_label, text) => {
    const v = render()
    const confirmed = recorder(v.comp, 'confirm')
    await type(v, text)
    expect(confirmEnabled(v)).toBe(false)
    await tapConfirm(v)
    expect(confirmed).toEqual([])
    v.detach()
  })

  test('the exact title enables the button; tapping emits confirm with the title', async () => {
    const v = render()
    const confirmed = recorder(v.comp, 'confirm')
    await type(v, 'Family')
    expect(confirmEnabled(v)).toBe(false)
    await type(v, TITLE)
    expect(confirmEnabled(v)).toBe(true)
    await tapConfirm(v)
    expect(confirmed).toEqual([{ title: TITLE }])
    v.detach()
  })

  test('editing away from the title disables it again', async () => {
    const v = render()
    await type(v, TITLE)
    expect(confirmEnabled(v)).toBe(true)
    await type(v, `${TITLE}!`)
    expect(confirmEnabled(v)).toBe(false)
    v.detach()
  })

  test('a Chinese title must match exactly too', async () => {
    const v = render({ title: '2024 家庭旅行' })
    const confirmed = recorder(v.comp, 'confirm')
    await type(v, '2024 家庭旅行 ')
    expect(confirmEnabled(v)).toBe(false)
    await type(v, '2024 家庭旅行')
    expect(confirmEnabled(v)).toBe(true)
    await tapConfirm(v)
    expect(confirmed).toEqual([{ title: '2024 家庭旅行' }])
    v.detach()
  })

  test('取消 emits cancel; reopening clears what was typed', async () => {
    const v = render()
    const cancelled = recorder(v.comp, 'cancel')
    await type(v, TITLE)
    v.node('dc-cancel').dispatchEvent('tap')
    await v.settle()
    expect(cancelled).toHaveLength(1)
    v.comp.setData({ show: false })
    await v.settle()
    v.comp.setData({ show: true })
    await v.settle()
    expect(confirmEnabled(v)).toBe(false)
    v.detach()
  })

  test('while busy the button is disabled even with the right title', async () => {
    const v = render({ busy: true })
    await type(v, TITLE)
    expect(confirmEnabled(v)).toBe(false)
    v.detach()
  })
})
