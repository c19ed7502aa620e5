// todo.js — the signed-in user's to-do counts (GET /todo), shared by the
// 工作台 (which shows the items) and the left menu (a badge on each entity's
// page, the sum on its business line and on 工作台).
import { reactive } from 'vue'
import { api } from './api.js'
import { session } from './session.js'

// To-do kinds that are not records of a declared entity, and the page where
// they are handled (the server's to-do sources, engine/workflow.h).
const PAGES = {
  'person-merges': '/persons?tab=merges',
  'grant-approvals': '/admin/grants', // 三员分立: a grant waiting for a second security administrator
  'account-lockouts': '/admin/policy', // a lockout the security administrator has not acknowledged
}

/** The page listing a to-do kind's open items. */
// (a records list with ?todo=1: the records in the states the user may act
// from, as the server counts them — RecordList turns it into ?wf_state=)
export const todoListPath = (name) => PAGES[name] || `/records/${name}?todo=1`

/** The states of meta's workflow the user may act from (not final: a
 *  reopen waits for nobody), as GET /todo counts them; [] without one. */
export function todoStates(meta) {
  const wf = meta && meta.workflow
  if (!wf) return []
  const final = new Set(wf.states.filter((s) => s.final).map((s) => s.key))
  const out = []
  for (const t of wf.transitions)
    if (t.allowed)
      for (const f of t.from === '*' || (t.from.length === 1 && t.from[0] === '*') ? wf.states.map((s) => s.key) : t.from)
        if (!final.has(f) && !out.includes(f)) out.push(f)
  return wf.states.map((s) => s.key).filter((k) => out.includes(k))
}
/** The page of one to-do item. */
export const todoItemPath = (item) => PAGES[item.entity] || `/records/${item.entity}/${item.id}`
/** The to-do kind whose open items a menu page handles, or null. */
export function todoKindOf(path) {
  if (path.startsWith('/records/')) return path.slice(9)
  const kind = Object.keys(PAGES).find((k) => PAGES[k].split('?')[0] === path)
  return kind || null
}

/** counts: entity name → open items; total; overdue; at: when loaded (ms). */
export const todo = reactive({ counts: {}, total: 0, overdue: 0, at: 0, user: null })

const STALE_MS = 15_000

/** Loads GET /todo and keeps its counts; resolves to the whole answer. */
let inflight = null

export function refreshTodo() {
  // the layout and the 工作台 ask at the same moment: one call serves both
  if (inflight) return inflight
  const uid = session.user ? session.user.id : null
  inflight = api
    .get('/todo')
    .then((answer) => {
      if ((session.user ? session.user.id : null) !== uid) return answer // signed out meanwhile
      todo.counts = answer.counts || {}
      todo.total = Object.values(todo.counts).reduce((a, n) => a + n, 0)
      todo.overdue = answer.overdue || 0
      todo.at = Date.now()
      todo.user = uid
      return answer
    })
    .finally(() => (inflight = null))
  return inflight
}

/** Refreshes the counts when they are older than a few seconds or another user's. */
export function refreshTodoIfStale() {
  const uid = session.user ? session.user.id : null
  if (!uid) return Promise.resolve(null)
  if (todo.user === uid && Date.now() - todo.at < STALE_MS) return Promise.resolve(null)
  if (todo.user !== uid) Object.assign(todo, { counts: {}, total: 0, overdue: 0, user: uid })
  return refreshTodo().catch(() => null) // the badges are a hint: the 工作台 shows errors
}
