// notifications.js — the signed-in user's notices (消息提醒, GET
// /notifications, made by the server): the unread count for the header's
// bell, refreshed on page changes when a few seconds old, and marking read.
import { reactive } from 'vue'
import { api } from './api.js'
import { session } from './session.js'

/** The kinds of notice the server makes, in Chinese. */
export const NOTICE_KINDS = {
  sent_back: '退回',
  assigned: '交办给我',
  closed: '已办结',
  report_sent_back: '报告退回',
  due_soon: '即将到期',
  overdue: '已逾期',
}

export const notices = reactive({ unread: 0, at: 0, user: null })
const STALE_MS = 15_000

/** Loads the unread count (one item: the answer carries the count). */
export async function refreshNotices(force = false) {
  const uid = session.user ? session.user.id : null
  if (!uid) return
  if (!force && notices.user === uid && Date.now() - notices.at < STALE_MS) return
  try {
    const answer = await api.get('/notifications?unread=1&limit=1')
    Object.assign(notices, { unread: answer.unread || 0, at: Date.now(), user: uid })
  } catch {
    // the bell is a hint: the page shows errors
  }
}

/** Marks notices read (ids, or all of them when ids is null). */
export async function markRead(ids) {
  await api.post('/notifications/read', ids ? { ids } : { all: true })
  await refreshNotices(true)
}

/** The page of a notice's record. */
export const noticePath = (n) => (n.entity && n.record_id ? `/records/${n.entity}/${n.record_id}` : null)
