// api.js — the one client of the server's JSON API under /api/v1.
//
// Every request goes through request(): same-origin cookies, JSON in and out,
// the CSRF token on unsafe methods, and errors turned into one thrown shape:
//   { status, code, message, fields }   (from {"error":{code,message,fields}})
// A 401 from anything but the login itself means the session is gone: the
// browser goes to /login?redirect=<where the user was>.

const BASE = '/api/v1'
const CSRF_KEY = 'sifasuo.csrf'
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

// The CSRF token comes with the session (login and GET /session answers);
// sessionStorage keeps it across a page reload in the same tab only.
let csrfToken = readStoredCsrf()

function readStoredCsrf() {
  try {
    return sessionStorage.getItem(CSRF_KEY) || ''
  } catch {
    return ''
  }
}

export function setCsrfToken(token) {
  csrfToken = token || ''
  try {
    if (csrfToken) sessionStorage.setItem(CSRF_KEY, csrfToken)
    else sessionStorage.removeItem(CSRF_KEY)
  } catch {
    /* storage disabled: memory alone still works until a reload */
  }
}

/** The error thrown for every failed call. */
export class ApiError extends Error {
  constructor(status, code, message, fields, extra) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields || {}
    Object.assign(this, extra)
  }
}

const STATUS_MESSAGES = {
  401: '未登录或登录已过期, 请重新登录',
  403: '您没有执行此操作的权限',
  404: '请求的资源不存在',
  413: '提交的内容过大',
  429: '请求过于频繁, 请稍后再试',
  502: '服务器暂时无法访问, 请稍后再试',
  503: '服务暂时不可用, 请稍后再试',
  504: '服务器响应超时, 请稍后再试',
}

function isLoginCall(method, path) {
  return method === 'POST' && path === '/session'
}

// Sends the browser to the login page, remembering where the user was.  A
// full navigation (not a router push) drops every bit of state that belonged
// to the expired session.
function redirectToLogin() {
  const here = window.location.pathname + window.location.search
  if (window.location.pathname === '/login') return
  window.location.assign('/login?redirect=' + encodeURIComponent(here))
}

/**
 * Calls the API.  path is relative to /api/v1 ("/org-units?parent=3");
 * body, when given, is sent as JSON.  Resolves to the parsed JSON answer
 * (null for an empty one); rejects with an ApiError.
 *
 * opts.contentType sends body as it is (a Blob or string: a CSV upload);
 * opts.blob resolves to { blob, filename } instead of JSON (a download).
 */
export async function request(method, path, body, opts = {}) {
  method = method.toUpperCase()
  const headers = { Accept: opts.blob ? '*/*' : 'application/json' }
  const init = { method, headers, credentials: 'same-origin' }
  if (body !== undefined) {
    headers['Content-Type'] = opts.contentType || 'application/json'
    init.body = opts.contentType ? body : JSON.stringify(body)
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken

  let res
  try {
    res = await fetch(BASE + path, init)
  } catch {
    throw new ApiError(0, 'network_error', '无法连接服务器, 请检查网络后重试')
  }
  if (opts.blob && res.ok) return { blob: await res.blob(), filename: dispositionName(res) }

  let data = null
  const text = await res.text()
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = null
    }
  }
  if (res.ok) return data

  const e = data && typeof data.error === 'object' && data.error ? data.error : {}
  const { code, message, fields, ...extra } = e
  const err = new ApiError(
    res.status,
    code || 'http_' + res.status,
    message || STATUS_MESSAGES[res.status] || `请求失败 (HTTP ${res.status})`,
    fields,
    extra,
  )
  if (res.status === 401 && !isLoginCall(method, path)) {
    setCsrfToken('')
    redirectToLogin()
  }
  throw err
}

// The file name of a download (Content-Disposition, RFC 6266 filename*=).
function dispositionName(res) {
  const cd = res.headers.get('Content-Disposition') || ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd)
  if (star) {
    try {
      return decodeURIComponent(star[1])
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename="?([^";]+)"?/i.exec(cd)
  return plain ? plain[1] : ''
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body ?? {}),
  put: (path, body) => request('PUT', path, body ?? {}),
  patch: (path, body) => request('PATCH', path, body ?? {}),
  del: (path) => request('DELETE', path),
  /** GETs a file: resolves to { blob, filename }. */
  download: (path) => request('GET', path, undefined, { blob: true }),
  /** POSTs a file as it is, e.g. upload('/x/import', file, 'text/csv'). */
  upload: (path, body, contentType) => request('POST', path, body, { contentType }),
}

/** Hands a downloaded blob to the browser as a file. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Builds "?a=1&b=2" from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '') q.append(k, String(v))
  const s = q.toString()
  return s ? '?' + s : ''
}
