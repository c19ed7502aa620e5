// session.js — who is signed in: the answer of GET/POST /api/v1/session,
// shared by the router guard, the layout and the pages.
import { reactive } from 'vue'
import { api, setCsrfToken } from './api.js'

export const session = reactive({
  user: null, // { id, username, display_name, org:{id,name,level}, roles, permissions, must_change_password, totp_setup_required }
  loaded: false,
  securityNotice: null, // a lockout since the last sign-in, told once (POST /session security_notice)
})

function accept(answer) {
  session.user = answer && answer.user ? answer.user : null
  session.loaded = true
  if (answer && answer.csrf_token) setCsrfToken(answer.csrf_token)
  return session.user
}

/** Loads the current session, once unless force (a 401 sends the browser to /login). */
export async function loadSession(force = false) {
  if (!force && session.loaded && session.user) return session.user
  return accept(await api.get('/session'))
}

/** Signs in; credentials = { username, password[, totp] }. */
export async function login(credentials) {
  const answer = await api.post('/session', credentials)
  session.securityNotice = (answer && answer.security_notice) || null
  return accept(answer)
}

export async function logout() {
  try {
    await api.del('/session')
  } finally {
    session.user = null
    session.loaded = false
    setCsrfToken('')
  }
}

/** True when the user holds the permission. */
export function can(perm) {
  return !!session.user && (session.user.permissions || []).includes(perm)
}

/** True while the account must do something before using the platform. */
export function hasPendingDuty(user = session.user) {
  return !!user && (user.must_change_password || user.totp_setup_required)
}
