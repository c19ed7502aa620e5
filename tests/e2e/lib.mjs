// lib.mjs — what the browser test files (tests/e2e/test_*.mjs, one per
// business line) share: the settings, helpers and the runner.  Each file
// declares its tests with test() and ends with `await run()`; tests/e2e/run.sh
// FILE starts a server of its own for it.  The tests drive the web app on a
// running sifasuo server through Debian's chromium and playwright-core
// (web/package.json; no browser download).
//
//   SIFASUO_URL   the server (default http://127.0.0.1:8080)
//   SIFASUO_USER  a demo account without 2FA whose org unit is the city
//   SIFASUO_PASS  bureau, e.g. shiju / Sfs@demo2026; without them the tests
//                 that sign in are skipped
//   SIFASUO_STAFF_USER  司法所 staff for the records pages' tests (default
//   SIFASUO_OTHER_USER  ljz), staff of another office (default njdl) and
//   SIFASUO_DIRECTOR_USER  the staff's director (default ljz_director); all
//                 sign in with SIFASUO_PASS; those tests run only when
//                 the server has the engine's test entities
//                 (SIFASUO_TEST_ENTITY=1, as tests/e2e/run.sh starts it)
//   SCREENSHOTS=1 also save docs/screenshots/{login,org,home,list,detail,
//                 form,mobile,admin-users,admin-roles,admin-codes,
//                 admin-calendar,admin-tokens,admin-audit,
//                 registers-staff,registers-premises,
//                 standards-scorecard,standards-office,cockpit,
//                 persons,person-detail,problems-board,
//                 annual-report-preview,mobile-todo,…}.png at 1440×900
//                 and each again at 390×844 as <name>-phone.png (the list:
//                 docs/web.md "Screenshots at both widths")
//
// The 系统管理 tests sign in the demo's three administrators (sysadmin,
// secadmin, auditor: SIFASUO_PASS, then TOTP enrolment, codes computed here
// by RFC 6238) once each and reuse their session cookies.
//   CHROMIUM      the browser (default /usr/bin/chromium)
//   E2E_ONLY      run only the tests whose name contains this text
//
// Prints one line per test and, last, "N passed, N failed, N skipped"; exits 1
// when a test failed.
import { createHmac } from 'node:crypto'
import { createRequire } from 'node:module'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '../..')
const require = createRequire(resolve(repo, 'web/package.json'))
const { chromium } = require('playwright-core')

export const BASE = (process.env.SIFASUO_URL || 'http://127.0.0.1:8080').replace(/\/$/, '')
export const USER = process.env.SIFASUO_USER || ''
export const PASS = process.env.SIFASUO_PASS || ''
export const SHOTS = process.env.SCREENSHOTS === '1'
export const SHOT_DIR = resolve(repo, 'docs/screenshots')
export const ONLY = process.env.E2E_ONLY || ''
export const STAFF = process.env.SIFASUO_STAFF_USER || 'ljz'
export const OTHER = process.env.SIFASUO_OTHER_USER || 'njdl'
export const DIRECTOR = process.env.SIFASUO_DIRECTOR_USER || 'ljz_director'
export const TEST_TIMEOUT_MS = 60_000
export const VIEWPORT = { width: 1366, height: 800 }
export const PHONE = { width: 375, height: 740 }
export const PHONE_WIDTH = PHONE.width

const tests = []
/** Declares a test; opts.login: needs SIFASUO_USER/SIFASUO_PASS;
 *  opts.records: needs the engine's test entities too; opts.timeout: its
 *  limit in ms when longer than TEST_TIMEOUT_MS. */
export function test(name, fn, opts = {}) {
  tests.push({ name, fn, ...opts })
}

export class Failure extends Error {}
export function expect(cond, message) {
  if (!cond) throw new Failure(message)
}

// The widths the pictures are taken at (issue 16: a desk's 1440×900 and a
// phone's 390×844).  A page at desk width is taken there (the viewport grows
// to it and stays: nothing the test sees shrinks), and its address again at
// phone width in a page of its own in the same session, <name>-phone.png —
// the test's page is not touched.  A page already at phone width (a phone
// context) is taken once.
export const SHOT_DESK = { width: 1440, height: 900 }
export const SHOT_PHONE = { width: 390, height: 844 }

export async function screenshot(page, name) {
  if (!SHOTS) return
  mkdirSync(SHOT_DIR, { recursive: true })
  const take = async (p, file) => {
    await p.waitForLoadState('networkidle').catch(() => {})
    // toasts come and go: not part of the picture
    await p.screenshot({ path: resolve(SHOT_DIR, file), animations: 'disabled', style: '.el-message { display: none }' })
  }
  const was = page.viewportSize()
  if (was && was.width <= 500) return take(page, name)
  if (was && (was.width < SHOT_DESK.width || was.height < SHOT_DESK.height)) {
    // a taller viewport is a whole-page picture (the cockpit): kept
    await page.setViewportSize({ width: SHOT_DESK.width, height: Math.max(SHOT_DESK.height, was.height) })
    await page.waitForTimeout(400) // the layout and the charts follow the width
  }
  await take(page, name)
  const phone = await page.context().newPage()
  try {
    await phone.setViewportSize(SHOT_PHONE)
    await phone.goto(page.url())
    await phone.waitForTimeout(800) // the charts' entry animation
    await take(phone, name.replace(/\.png$/, '-phone.png'))
  } catch {
    // a page that cannot be opened again by its address: the desk picture only
  } finally {
    await phone.close()
  }
}

// Signs in through the login form of the page already showing it: username,
// password and (an account with a bound authenticator) the code, one step.
export async function signIn(page, username = USER, password = PASS, code = '') {
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await page.locator('input[name="totp"]').fill(code)
  await page.getByRole('button', { name: /登\s*录/ }).click()
}

export async function gotoLoginAndSignIn(page, username = USER, password = PASS) {
  await page.goto(BASE + '/login')
  await signIn(page, username, password)
  await page.waitForURL((url) => url.pathname === '/', { timeout: 15_000 })
}

// Calls the API from the signed-in page (its cookie and CSRF token).
export async function apiCall(page, method, path, body) {
  return page.evaluate(
    async ([method, path, body]) => {
      const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('sifasuo.csrf') || '' }
      const res = await fetch('/api/v1' + path, { method, headers, body: body ? JSON.stringify(body) : undefined })
      return { status: res.status, body: await res.json().catch(() => null) }
    },
    [method, path, body],
  )
}

// Does the server have the engine's test entities?  (signs in from node)
export async function haveTestEntities() {
  try {
    const login = await fetch(BASE + '/api/v1/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: STAFF, password: PASS }),
    })
    const cookie = (login.headers.get('set-cookie') || '').split(';')[0]
    if (!login.ok || !cookie) return false
    const meta = await fetch(BASE + '/api/v1/meta/entities/test-items', { headers: { cookie } })
    return meta.status === 200
  } catch {
    return false
  }
}

// The form item of a field on the records form.
export const formField = (page, name) => page.locator(`.record-form [data-field="${name}"]`)

/* ---- administrators: TOTP (RFC 6238: HMAC-SHA1, 30 s, 6 digits) ---- */

export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const out = []
  let bits = 0
  let value = 0
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c)
    if (v < 0) throw new Error('not base32: ' + text)
    value = ((value << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

export function totpStep(ms = Date.now()) {
  return Math.floor(ms / 1000 / 30)
}

export function totp(secret, step = totpStep()) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest()
  const off = mac[mac.length - 1] & 15
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

// The server takes each code once: a second sign-in waits for the next step.
export async function freshTotp(admin) {
  while (totpStep() <= admin.lastStep) await new Promise((r) => setTimeout(r, 500))
  admin.lastStep = totpStep()
  return totp(admin.secret, admin.lastStep)
}

export const admins = {} // username → { secret, lastStep, cookies }

/** Signs in one of the demo's administrators: the first time through the
 *  login page's TOTP enrolment, afterwards with its session's cookies (or,
 *  when that session is gone, with a fresh code). */
export async function signInAdmin(page, context, username) {
  const known = admins[username]
  if (known) {
    await context.addCookies(known.cookies)
    await page.goto(BASE + '/')
    await page.waitForURL((url) => url.pathname === '/' || url.pathname === '/login')
    if (new URL(page.url()).pathname === '/') {
      await page.locator('.app-header').waitFor()
      return
    }
    await signIn(page, username, PASS, await freshTotp(known))
  } else {
    await page.goto(BASE + '/login')
    await signIn(page, username, PASS)
    const secretInput = page.locator('.secret input')
    await page.waitForFunction(() => (document.querySelector('.secret input') || {}).value)
    const admin = { secret: (await secretInput.inputValue()).replace(/\s/g, ''), lastStep: 0 }
    expect(/^[A-Z2-7]{16,}$/.test(admin.secret), `TOTP secret "${admin.secret}"`)
    await page.locator('input[name="code"]').fill(await freshTotp(admin))
    await page.getByRole('button', { name: /绑\s*定/ }).click()
    await page.locator('.recovery-codes li').first().waitFor()
    await page.getByRole('button', { name: '我已保存, 进入平台' }).click()
    admins[username] = admin
  }
  await page.waitForURL((url) => url.pathname === '/', { timeout: 15_000 })
  admins[username].cookies = await context.cookies()
}

// The menu's entries as text, and a page reached through it.
export async function menuText(page) {
  // textContent: the entries of closed groups too
  return page.locator('.layout-aside .app-menu').textContent()
}
// The item is clicked again when it did not become the active one: a click
// that lands while the group is still unfolding, or while the navigation
// after signing in is still settling, is lost (seen once in CI under load).
export async function openMenu(page, group, title) {
  const menu = page.locator('.layout-aside .app-menu')
  const item = menu.getByText(title, { exact: true })
  const active = menu.locator('li.el-menu-item.is-active').filter({ has: page.getByText(title, { exact: true }) })
  for (let attempt = 1; ; attempt++) {
    if (!(await item.isVisible())) await menu.getByText(group, { exact: true }).click() // the group is closed
    await item.click()
    try {
      await active.waitFor({ timeout: 4_000 })
      return
    } catch (e) {
      if (attempt === 3) throw e
    }
  }
}
// Confirms the Element Plus message box with its button.
export async function confirmBox(page, button) {
  const box = page.locator('.el-message-box')
  await box.waitFor()
  await box.getByRole('button', { name: button }).click()
  await box.waitFor({ state: 'hidden' })
}

// The engine's 测试记录 (test-items): its list page.
export const LIST = '/records/test-items'

// Picks the option with this label in a form field's select.
export async function pickOption(page, field, label) {
  await formField(page, field).locator('.el-select').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click()
}

// A valid resident ID number (GB 11643 check digit) from 17 digits.
export function residentId(id17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...id17].reduce((a, c, i) => a + Number(c) * w[i], 0)
  return id17 + '10X98765432'[sum % 11]
}
// In a dialog or form (scope): the form item labelled label, a select's
// option picked in it, a date typed into it.
export const formItem = (scope, label) => scope.locator('.el-form-item', { hasText: label })
export async function chooseIn(page, scope, label, option) {
  await formItem(scope, label).locator('.el-select').first().click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click()
}
export async function dateIn(scope, label, value) {
  const input = formItem(scope, label).locator('input').first()
  await input.fill(value)
  await input.press('Enter')
}
// Fires a workflow action from the detail page's head, its dialog filled by
// fill(dialog); expects 200 and returns the record as answered.
export async function workflowAction(page, name, label, fill) {
  const dialog = page.locator('.workflow-dialog')
  await page.locator(`.detail-head button[data-action="${name}"]`).click()
  await dialog.waitFor()
  if (fill) await fill(dialog)
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes(`/actions/${name}`)),
    dialog.getByRole('button', { name: '确定' + label }).click(),
  ])
  expect(res.status() === 200, `${label} answered ${res.status()}: ${await res.text()}`)
  await dialog.waitFor({ state: 'hidden' })
  return res.json()
}

// Tells this run's records and users from earlier ones.
export const STAMP = Date.now().toString(36)

// workflowAction, then the record's new state shown in the page's head.
export async function act(page, action, label, state, fill) {
  const rec = await workflowAction(page, action, label, fill)
  await page.locator('.detail-head .state-tag', { hasText: state }).waitFor()
  return rec
}

/* ---- the runner ---- */

// A browser context as the tests use it (a test may open a second one for another user).
export async function newContext(browser) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: VIEWPORT })
  context.setDefaultTimeout(10_000)
  return context
}

// Waits, when Shanghai's midnight (16:00 UTC, the server's calendar) or
// UTC's is under margin ms away, until it has passed: a test that takes
// "today" and meets the server's dates after a midnight fails on it
// (harness.clear_of_midnight does the same for the API tests).
export async function clearOfMidnight(margin = 180_000) {
  for (;;) {
    const now = Date.now()
    const day = 86_400_000
    const left = Math.min(day - ((now + 8 * 3_600_000) % day), day - (now % day))
    if (left >= margin) return
    console.log(`(midnight in ${Math.round(left / 1000)} s: the next test waits until it has passed)`)
    await new Promise((r) => setTimeout(r, left + 1000))
  }
}

export async function runOne(browser, t) {
  // a new context per test: no cookies or storage carried over
  const context = await newContext(browser)
  const page = await context.newPage()
  const problems = []
  page.on('pageerror', (err) => problems.push('page error: ' + err.message))
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) problems.push('CSP: ' + msg.text())
  })
  let timer
  try {
    await Promise.race([
      t.fn({ page, context, browser }),
      new Promise((_, reject) => {
        const ms = t.timeout || TEST_TIMEOUT_MS // opts.timeout: a long walk through several pages
        timer = setTimeout(() => reject(new Failure(`timed out after ${ms / 1000}s`)), ms)
      }),
    ])
    expect(problems.length === 0, problems.join('; '))
  } finally {
    clearTimeout(timer)
    await context.close().catch(() => {})
  }
}

export async function runTests() {
  // launch() gives chromium a fresh --user-data-dir (a temp dir it removes
  // at close); it refuses one in args.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  let passed = 0
  let failed = 0
  let skipped = 0
  const wanted = tests.filter((t) => !ONLY || t.name.includes(ONLY))
  const records = PASS && wanted.some((t) => t.records) && (await haveTestEntities())
  try {
    for (const t of wanted) {
      if (t.login && !(USER && PASS)) {
        skipped++
        console.log(`skip  ${t.name} (set SIFASUO_USER and SIFASUO_PASS)`)
        continue
      }
      if (t.records && !records) {
        skipped++
        console.log(`skip  ${t.name} (needs the test entities: SIFASUO_TEST_ENTITY=1 on the server)`)
        continue
      }
      await clearOfMidnight()
      const started = Date.now()
      try {
        await runOne(browser, t)
        passed++
        console.log(`ok    ${t.name} (${Date.now() - started} ms)`)
      } catch (err) {
        failed++
        console.log(`FAIL  ${t.name}: ${err instanceof Failure ? err.message : err.stack || err}`)
      }
    }
  } finally {
    await browser.close()
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
  process.exitCode = failed ? 1 : 0
}



/** Runs the tests the file declared; the last line printed is
 *  "N passed, N failed, N skipped". */
export async function run() {
  await runTests().catch((err) => {
    console.log(String(err && err.stack ? err.stack : err))
    console.log('0 passed, 1 failed, 0 skipped')
    process.exitCode = 1
  })
}

// How many pixels of the canvases under `selector` are drawn (not
// transparent), once more than `atLeast` are or `timeout` ms have passed:
// the canvas is there before its data come and the bars grow in, so one
// look right after it appears may find it blank on a loaded machine.
export async function canvasInk(page, selector, atLeast = 500, timeout = 15_000) {
  await page.locator(`${selector} canvas`).first().waitFor({ timeout })
  const end = Date.now() + timeout
  for (;;) {
    let n = 0
    for (const canvas of await page.locator(`${selector} canvas`).all())
      n += await canvas.evaluate((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
        let k = 0
        for (let i = 3; i < d.length; i += 4) if (d[i]) k++
        return k
      })
    if (n > atLeast || Date.now() > end) return n
    await page.waitForTimeout(200)
  }
}
