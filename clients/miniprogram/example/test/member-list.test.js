const { mount, recorder } = require('./helpers')
const rules = require('../components/member-list/rules')

const TAG = 'member-list'
const COMP = 'components/member-list/index'

const OWNER = { id: 'u-owner', nickname: '王芳', role: 'owner' }
const CONTRIB = { id: 'u-contrib', nickname: '李雷', role: 'contributor' }
const VIEWER = { id: 'u-viewer', nickname: '韩梅梅', role: 'viewer' }
const MEMBERS = [OWNER, CONTRIB, VIEWER]

describe('member-list rules (pure)', () => {
  // viewerRole, viewerId, target → canManage
  test.each([
    ['owner', OWNER.id, CONTRIB, true],
    ['owner', OWNER.id, VIEWER, true],
    ['owner', OWNER.id, OWNER, false], // nobody manages the owner (not even the owner)
    ['owner', undefined, OWNER, false],
    ['contributor', CONTRIB.id, VIEWER, false],
    ['contributor', CONTRIB.id, OWNER, false],
    ['contributor', CONTRIB.id, CONTRIB, false],
    ['viewer', VIEWER.id, CONTRIB, false],
    ['viewer', VIEWER.id, OWNER, false],
    ['viewer', VIEWER.id, VIEWER, false],
    ['', undefined, CONTRIB, false],
    [undefined, undefined, VIEWER, false],
    ['owner', OWNER.id, { id: 'x', role: 'admin' }, false], // unknown role
    ['owner', OWNER.id, null, false],
  ])('canManage(%p, viewerId=%p, %o) → %p', (viewerRole, viewerId, target, want) => {
    expect(rules.canManage(viewerRole, target, viewerId)).toBe(want)
    expect(rules.canRemove(viewerRole, target, viewerId)).toBe(want)
  })

  test.each([
    ['owner', CONTRIB, 'viewer', true],
    ['owner', VIEWER, 'contributor', true],
    ['owner', CONTRIB, 'contributor', false], // no change
    ['owner', CONTRIB, 'owner', false], // ownership moves only by transfer
    ['owner', OWNER, 'viewer', false],
    ['contributor', VIEWER, 'contributor', false],
    ['viewer', CONTRIB, 'viewer', false],
  ])('canSetRole(%p, %o, %p) → %p', (viewerRole, target, role, want) => {
    expect(rules.canSetRole(viewerRole, target, role, 'u-owner')).toBe(want)
  })

  test('labels and the offered role', () => {
    expect(['owner', 'contributor', 'viewer'].map(rules.roleLabel)).toEqual(['所有者', '贡献者', '查看者'])
    expect(rules.otherRole('contributor')).toBe('viewer')
    expect(rules.otherRole('viewer')).toBe('contributor')
  })
})

describe('member-list rendered', () => {
  function render(viewerRole, viewerId) {
    return mount(COMP, TAG, { members: MEMBERS, viewerRole, viewerId })
  }

  function rowOf(v, id) {
    return v.all('ml-row').find((row) => row.getAttribute('data-id') === id)
  }

  test('every member is listed with nickname and role label', () => {
    const v = render('viewer', VIEWER.id)
    const rows = v.all('ml-row')
    expect(rows).toHaveLength(3)
    const seen = rows.map((row) => [
      v.dom('ml-nickname', row).textContent,
      v.dom('ml-role', row).textContent,
    ])
    expect(seen).toEqual([['王芳', '所有者'], ['李雷', '贡献者'], ['韩梅梅', '查看者']])
    expect(v.dom('ml-me', rowOf(v, VIEWER.id)).textContent).toBe('（我）')
    expect(v.dom('ml-me', rowOf(v, OWNER.id))).toBeNull()
    v.detach()
  })

  test('as owner: manage buttons on non-owner members only', () => {
    const v = render('owner', OWNER.id)
    expect(v.dom('ml-actions', rowOf(v, OWNER.id))).toBeNull()
    expect(v.dom('ml-remove', rowOf(v, OWNER.id))).toBeNull()
    expect(v.dom('ml-setrole', rowOf(v, CONTRIB.id)).textContent).toBe('设为查看者')
    expect(v.dom('ml-remove', rowOf(v, CONTRIB.id)).textContent).toBe('移除')
    expect(v.dom('ml-setrole', rowOf(v, VIEWER.id)).textContent).toBe('设为贡献者')
    expect(v.dom('ml-remove', rowOf(v, VIEWER.id)).textContent).toBe('移除')
    expect(v.all('ml-remove')).toHaveLength(2)
    expect(v.all('ml-setrole')).toHaveLength(2)
    v.detach()
  })

  test.each([
    ['contributor', CONTRIB.id],
    ['viewer', VIEWER.id],
  ])('as %s: no manage buttons at all', (role, id) => {
    const v = render(role, id)
    expect(v.all('ml-row')).toHaveLength(3)
    expect(v.all('ml-actions')).toHaveLength(0)
    expect(v.all('ml-remove')).toHaveLength(0)
    expect(v.all('ml-setrole')).toHaveLength(0)
    v.detach()
  })

  test('tapping 移除 emits remove with the member id', async () => {
    const v = render('owner', OWNER.id)
    const removed = recorder(v.comp, 'remove')
    const setRole = recorder(v.comp, 'setrole')
    const buttons = v.nodes('ml-remove')
    expect(buttons.map((b) => b.dom.getAttribute('data-id'))).toEqual([CONTRIB.id, VIEWER.id])
    buttons[1].dispatchEvent('tap')
    await v.settle()
    expect(removed).toEqual([{ id: VIEWER.id, nickname: '韩梅梅' }])
    expect(setRole).toEqual([])
    v.detach()
  })

  test('tapping 设为查看者 emits setrole with the member id and the new role', async () => {
    const v = render('owner', OWNER.id)
    const setRole = recorder(v.comp, 'setrole')
    v.nodes('ml-setrole')[0].dispatchEvent('tap')
    await v.settle()
    expect(setRole).toEqual([{ id: CONTRIB.id, role: 'viewer', nickname: '李雷' }])
    v.detach()
  })

  test('buttons follow a change of the viewer role (owner → contributor)', async () => {
    const v = render('owner', OWNER.id)
    expect(v.all('ml-remove')).toHaveLength(2)
    v.comp.setData({ viewerRole: 'contributor' })
    await v.settle()
    expect(v.all('ml-remove')).toHaveLength(0)
    v.detach()
  })

  test('empty list says so', () => {
    const v = mount(COMP, TAG, { members: [], viewerRole: 'owner', viewerId: 'x' })
    expect(v.all('ml-row')).toHaveLength(0)
    expect(v.text('ml-empty')).toBe('还没有成员')
    v.detach()
  })
})
