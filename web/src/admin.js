// admin.js — what the 系统管理 pages share: times, account states, the
// permission registry grouped by module, the audit actions' Chinese names
// (docs/security.md: 三员分立 — each page belongs to one administrator).
import { reactive } from 'vue'
import dayjs from 'dayjs'
import { api } from './api.js'
import { AUDIT_ACTIONS } from './entities.js'

/** An instant of the API ("2026-03-02T08:00:00Z") in local time, or "—". */
export function when(at, withSeconds = false) {
  return at ? dayjs(at).format(withSeconds ? 'YYYY-MM-DD HH:mm:ss' : 'YYYY-MM-DD HH:mm') : '—'
}

/** Account states of GET /users (locked is computed by the server). */
export const USER_STATUS = {
  active: { label: '正常', type: 'success' },
  disabled: { label: '已停用', type: 'info' },
  locked: { label: '已锁定', type: 'danger' },
}

const ADMIN_KIND_GROUPS = {
  sys: '系统管理员专属',
  sec: '安全管理员专属',
  audit: '审计管理员专属',
}

/**
 * The permissions of GET /permissions grouped by module, for the role
 * editor: an administrative permission under its administrator (三员分立),
 * an entity's permissions ("test.item.read", "test.item.create", …) under
 * the entity, named from its read permission ("查看测试记录" → 测试记录),
 * the rest under 通用权限.  Returns [{ key, title, admin_kind, items }].
 */
export function groupPermissions(perms) {
  const labels = new Map(perms.map((p) => [p.key, p.label]))
  const groups = new Map()
  const add = (key, title, p) => {
    if (!groups.has(key)) groups.set(key, { key, title, admin_kind: p.admin_kind || null, items: [] })
    groups.get(key).items.push(p)
  }
  for (const p of perms) {
    if (p.admin_kind) {
      add('admin-' + p.admin_kind, ADMIN_KIND_GROUPS[p.admin_kind] || '管理权限', p)
      continue
    }
    const prefix = p.key.includes('.') ? p.key.slice(0, p.key.lastIndexOf('.')) : p.key
    const read = labels.get(prefix + '.read')
    if (read && read.startsWith('查看') && perms.filter((x) => x.key.startsWith(prefix + '.')).length > 1)
      add(prefix, read.slice(2), p)
    else add('common', '通用权限', p)
  }
  // 通用 first, the modules in registry order, the administrators' last
  const all = [...groups.values()]
  const rank = (g) => (g.key === 'common' ? 0 : g.admin_kind ? 2 : 1)
  return all.sort((a, b) => rank(a) - rank(b))
}

/** May a role of this administrator kind (null: a business role) hold the
 *  permission?  The server's rule (roles.c role_perm_allowed), so the editor
 *  offers only what the server would accept. */
export function permAllowed(roleKind, perm) {
  if (perm.admin_kind) return roleKind === perm.admin_kind
  if (roleKind) return perm.key === 'org.read'
  return true
}

/** The Chinese names of the audit log's actions (the audit viewer's filter
 *  and rows); a record's own actions come from entities.js. */
export const ACTION_LABELS = {
  'login.success': '登录成功',
  'login.failure': '登录失败',
  'login.ip_limit': '登录过于频繁',
  'portal.submit': '公众门户提交',
  'portal.refused': '公众门户拒绝 (限额、重复或验证失败)',
  'portal.reply': '答复群众',
  logout: '退出登录',
  'logout.session': '结束其他登录',
  'account.locked': '账户锁定',
  'access.denied': '越权访问被拒',
  'password.change': '修改密码',
  'password.reset': '重置密码',
  'totp.setup': '动态验证码设置',
  'totp.enable': '启用动态验证码',
  'user.create': '新建账户',
  'user.update': '修改账户',
  'user.roles': '修改账户角色',
  'user.disable': '停用账户',
  'user.enable': '启用账户',
  'role.create': '新建角色',
  'role.permissions': '修改角色权限',
  'setting.change': '修改安全策略',
  'token.create': '新建接口令牌',
  'token.revoke': '撤销接口令牌',
  'token.permissions': '授予接口令牌权限',
  'token.expiry': '缩短个人信息令牌有效期',
  'grant.request': '提出授权 (待复核)',
  'grant.reject': '驳回授权',
  'lockout.ack': '知悉账户锁定',
  'breakglass.grant': '紧急调阅授权',
  'code.create': '新增代码',
  'code.update': '修改代码',
  'calendar.set': '设置节假日',
  'calendar.delete': '取消节假日',
  'audit.query': '查询审计日志',
  'audit.verify': '校验审计日志',
  'audit.purge': '清除过期审计日志',
  'record.export': '导出记录',
  'record.import': '导入记录',
  'record.read_protected': '查看受保护记录',
  'job.cancel': '取消后台任务',
  ...AUDIT_ACTIONS,
}

/** An audit action's Chinese name (workflow steps by their key). */
export function actionLabel(action) {
  if (ACTION_LABELS[action]) return ACTION_LABELS[action]
  if (action && action.startsWith('workflow.')) return '流程: ' + action.slice('workflow.'.length)
  return action
}

/**
 * Runs a form's save: state.busy while it runs, state.error / state.fields
 * cleared before and set from the ApiError after (the server's Chinese
 * message, and per-field reasons shown at their fields).  Resolves to true
 * when fn succeeded.
 */
export async function submit(state, fn) {
  state.busy = true
  state.error = ''
  state.fields = {}
  try {
    await fn()
    return true
  } catch (err) {
    state.error = err.message
    state.fields = err.fields || {}
    return false
  } finally {
    state.busy = false
  }
}

/**
 * A list the server pages by keyset ({items, next}): pathFor(after) is the
 * request path; load() starts over, load(true) appends the next page.
 */
export function useKeysetList(pathFor) {
  const list = reactive({ items: [], next: null, loading: false, error: '' })
  async function load(more = false) {
    list.loading = true
    list.error = ''
    try {
      const answer = await api.get(pathFor(more ? list.next : ''))
      list.items = more ? [...list.items, ...answer.items] : answer.items
      list.next = answer.next
    } catch (err) {
      list.error = err.message
      if (!more) list.items = []
    } finally {
      list.loading = false
    }
  }
  return { list, load }
}
