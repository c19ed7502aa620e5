// api.js — the portal's one client of /public/api/v1 (no cookies, no
// account).  Errors are thrown as { status, code, message, fields }.

const BASE = '/public/api/v1'

export class PortalError extends Error {
  constructor(status, code, message, fields) {
    super(message)
    this.status = status
    this.code = code
    this.fields = fields || {}
  }
}

export async function call(method, path, body) {
  let res
  try {
    res = await fetch(BASE + path, {
      method,
      credentials: 'omit',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    })
  } catch {
    throw new PortalError(0, 'network', '网络连接失败, 请检查网络后重试')
  }
  const data = await res.json().catch(() => null)
  if (!res.ok) {
    const e = (data && data.error) || {}
    const msg = e.message || (res.status === 429 ? '操作过于频繁, 请稍后再试' : '服务暂时不可用, 请稍后再试')
    throw new PortalError(res.status, e.code || 'error', msg, e.fields)
  }
  return data
}

// The server draws a challenge; the browser finds a nonce whose SHA-256 of
// "challenge:nonce" starts with `bits` zero bits (docs/portal.md).  A few
// hundred digests at a time keep the page responsive.
function leadingZeroBits(buf) {
  const b = new Uint8Array(buf)
  let n = 0
  for (const x of b) {
    if (x === 0) { n += 8; continue }
    return n + Math.clz32(x) - 24
  }
  return n
}

export async function solveChallenge() {
  const { challenge, bits } = await call('GET', '/challenge')
  if (!globalThis.crypto || !crypto.subtle) throw new PortalError(0, 'insecure', '请通过 HTTPS 访问本网站')
  const enc = new TextEncoder()
  for (let base = 0; ; base += 256) {
    const batch = []
    for (let i = base; i < base + 256; i++) batch.push(crypto.subtle.digest('SHA-256', enc.encode(`${challenge}:${i}`)))
    const digests = await Promise.all(batch)
    const hit = digests.findIndex((d) => leadingZeroBits(d) >= bits)
    if (hit >= 0) return { challenge, nonce: String(base + hit) }
  }
}

// GB 11643: 17 digits, a check character; the server checks it again.
export function idNumberProblem(s) {
  const v = (s || '').trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(v)) return '请填写 18 位居民身份证号码'
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = w.reduce((a, x, i) => a + x * Number(v[i]), 0)
  return '10X98765432'[sum % 11] === v[17] ? '' : '身份证号码校验位不对, 请核对'
}

export function phoneProblem(s) {
  return /^1\d{10}$/.test((s || '').trim()) ? '' : '手机号码应为 11 位, 以 1 开头'
}
