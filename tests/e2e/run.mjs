#!/usr/bin/env node
// Browser tests of the web app against a running sifasuo server, driving
// Debian's chromium through playwright-core (web/package.json; no browser
// download).
//
//   SIFASUO_URL   the server (default http://127.0.0.1:8080)
//   SIFASUO_USER  a demo account without 2FA whose org unit is the city
//   SIFASUO_PASS  bureau, e.g. shiju / Sfs@demo2026; without them the tests
//                 that sign in are skipped
//   SCREENSHOTS=1 also save docs/screenshots/{login,home,org}.png
//   CHROMIUM      the browser (default /usr/bin/chromium)
//   E2E_ONLY      run only the tests whose name contains this text
//
// Prints one line per test and, last, exactly "N passed, N failed"; exits 1
// when a test failed.
import { createRequire } from 'node:module'
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '../..')
const require = createRequire(resolve(repo, 'web/package.json'))
const { chromium } = require('playwright-core')

const BASE = (process.env.SIFASUO_URL || 'http://127.0.0.1:8080').replace(/\/$/, '')
const USER = process.env.SIFASUO_USER || ''
const PASS = process.env.SIFASUO_PASS || ''
const SHOTS = process.env.SCREENSHOTS === '1'
const SHOT_DIR = resolve(repo, 'docs/screenshots')
const ONLY = process.env.E2E_ONLY || ''
const TEST_TIMEOUT_MS = 60_000

const tests = []
/** Declares a test; opts.login: needs SIFASUO_USER/SIFASUO_PASS. */
function test(name, fn, opts = {}) {
  tests.push({ name, fn, ...opts })
}

class Failure extends Error {}
function expect(cond, message) {
  if (!cond) throw new Failure(message)
}

async function screenshot(page, name) {
  if (!SHOTS) return
  mkdirSync(SHOT_DIR, { recursive: true })
  await page.waitForLoadState('networkidle').catch(() => {})
  await page.screenshot({ path: resolve(SHOT_DIR, name) })
}

// Signs in through the login form of the page already showing it.
async function signIn(page, username = USER, password = PASS) {
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await page.getByRole('button', { name: /登\s*录/ }).click()
}

async function gotoLoginAndSignIn(page) {
  await page.goto(BASE + '/login')
  await signIn(page)
  await page.waitForURL((url) => url.pathname === '/', { timeout: 15_000 })
}

/* ---- the tests ---- */

test('login page renders in Chinese', async ({ page }) => {
  await page.goto(BASE + '/login')
  await page.getByRole('heading', { name: '用户登录' }).waitFor()
  expect((await page.getAttribute('html', 'lang')) === 'zh-CN', 'html lang is not zh-CN')
  expect((await page.title()).includes('司法所综合管理平台'), 'title lacks 司法所综合管理平台')
  const text = await page.locator('body').innerText()
  for (const words of ['司法所综合管理平台', '用户名', '密码'])
    expect(text.includes(words), `login page lacks "${words}"`)
  expect(await page.getByRole('button', { name: /登\s*录/ }).isVisible(), 'no 登录 button')
  await screenshot(page, 'login.png')
  // the form's own checks speak Chinese too
  await page.getByRole('button', { name: /登\s*录/ }).click()
  await page.getByText('请输入用户名').first().waitFor()
})

test('wrong password shows the server message', async ({ page }) => {
  await page.goto(BASE + '/login')
  // an account that does not exist: no real account is pushed toward lockout
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST'),
    signIn(page, 'e2e-no-such-user', 'wrong-password-1'),
  ])
  expect(res.status() >= 400, `login with a wrong password answered ${res.status()}`)
  const body = await res.json()
  const message = body && body.error && body.error.message
  expect(message, 'the error answer has no error.message')
  const alert = page.locator('.login-error')
  await alert.waitFor()
  const shown = await alert.innerText()
  expect(shown.includes(message), `page shows "${shown}", server said "${message}"`)
  expect(new URL(page.url()).pathname === '/login', 'left the login page after a failed login')
})

test('a page without a session goes to login with a redirect', async ({ page }) => {
  await page.goto(BASE + '/org')
  await page.waitForURL((url) => url.pathname === '/login')
  const url = new URL(page.url())
  expect(url.searchParams.get('redirect') === '/org', `redirect is "${url.searchParams.get('redirect')}"`)
  await page.getByRole('heading', { name: '用户登录' }).waitFor()
})

test(
  'login returns to the page asked for and the org tree expands',
  async ({ page }) => {
    await page.goto(BASE + '/org')
    await page.waitForURL((url) => url.pathname === '/login')
    await signIn(page)
    await page.waitForURL((url) => url.pathname === '/org', { timeout: 15_000 })

    const me = await page.evaluate(() => fetch('/api/v1/session').then((r) => r.json()))
    const root = page.locator('.org-tree .el-tree-node').first()
    await root.locator('.org-node-name').first().waitFor()
    const rootName = await root.locator('.org-node-name').first().innerText()
    expect(rootName === me.user.org.name, `tree root is "${rootName}", user's unit is "${me.user.org.name}"`)
    if (me.user.org.level === 'city') expect(rootName === '上海市司法局', `city root is "${rootName}"`)

    // the root opens by itself; the detail panel shows it with its counts
    const district = page.locator('.org-node[data-level="district"]').first()
    await district.waitFor({ timeout: 15_000 })
    await page.locator('.org-detail .detail-title', { hasText: rootName }).waitFor()
    await page.locator('.org-detail .count[data-level="office"]').waitFor()

    // a district: its offices load, the panel shows its ancestors
    const districtName = await district.locator('.org-node-name').innerText()
    expect(/区司法局$/.test(districtName), `"${districtName}" is not a district bureau`)
    await district.click()
    await page.locator('.org-node[data-level="office"]').first().waitFor({ timeout: 15_000 })
    await page.locator('.org-detail .detail-title', { hasText: districtName }).waitFor()
    const crumbs = await page.locator('.org-detail .ancestors').innerText()
    expect(crumbs.includes(rootName), `ancestors "${crumbs}" lack ${rootName}`)
    await screenshot(page, 'org.png')
  },
  { login: true },
)

test(
  'home shows the user, the org unit and the permitted menu',
  async ({ page }) => {
    await gotoLoginAndSignIn(page)
    const me = await page.evaluate(() => fetch('/api/v1/session').then((r) => r.json()))
    const header = page.locator('.app-header')
    await header.getByText(me.user.display_name).waitFor()
    expect((await header.innerText()).includes(me.user.org.name), 'header lacks the org unit')
    await page.locator('.welcome').getByText(me.user.org.name).first().waitFor()
    const menu = await page.locator('.layout-aside .app-menu').innerText()
    expect(menu.includes('工作台'), 'menu lacks 工作台')
    const perms = me.user.permissions
    expect(menu.includes('组织队伍') === perms.includes('org.read'), '组织队伍 shown against org.read')
    expect(menu.includes('系统管理') === perms.some((p) => /\.manage$|^audit\.read$|^breakglass\.list$/.test(p)),
      '系统管理 shown against the admin permissions')
    await page.locator('.home .count').first().waitFor()
    const crumb = await page.locator('.page-breadcrumb').innerText()
    expect(crumb.includes('工作台'), `breadcrumb "${crumb}" lacks 工作台`)
    await screenshot(page, 'home.png')
  },
  { login: true },
)

test(
  'session expiry returns to login and back',
  async ({ page, context }) => {
    await gotoLoginAndSignIn(page)
    await page.locator('.home .count').first().waitFor() // home has made its calls
    await context.clearCookies() // the session is gone, the app does not know yet
    await page.locator('.layout-aside .app-menu').getByText('组织队伍').click()
    await page.locator('.layout-aside .app-menu').getByText('组织机构').click()
    await page.waitForURL((url) => url.pathname === '/login', { timeout: 15_000 })
    const url = new URL(page.url())
    expect(url.searchParams.get('redirect') === '/org', `redirect is "${url.searchParams.get('redirect')}"`)
    await signIn(page)
    await page.waitForURL((u) => u.pathname === '/org', { timeout: 15_000 })
    await page.locator('.org-tree .org-node-name').first().waitFor()
  },
  { login: true },
)

test(
  'logout ends the session',
  async ({ page }) => {
    await gotoLoginAndSignIn(page)
    await page.locator('.user-chip').click()
    await page.getByText('退出登录').click()
    await page.waitForURL((url) => url.pathname === '/login')
    const status = await page.evaluate(() => fetch('/api/v1/session').then((r) => r.status))
    expect(status === 401, `GET /session after logout answered ${status}`)
  },
  { login: true },
)

test(
  'phone width puts the menu in a drawer',
  async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 740 })
    await gotoLoginAndSignIn(page)
    expect((await page.locator('.layout-aside').count()) === 0, 'the side menu is shown on a phone')
    await page.getByRole('button', { name: '打开菜单' }).click()
    const drawer = page.locator('.menu-drawer')
    await drawer.getByText('工作台').waitFor()
    await drawer.getByText('组织队伍').click()
    await drawer.getByText('组织机构').click()
    await page.waitForURL((url) => url.pathname === '/org')
    await page.locator('.org-tree .org-node-name').first().waitFor()
    await drawer.waitFor({ state: 'hidden' })
  },
  { login: true },
)

/* ---- the runner ---- */

async function runOne(browser, t) {
  // a new context per test: no cookies or storage carried over
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 820 } })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  const problems = []
  page.on('pageerror', (err) => problems.push('page error: ' + err.message))
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) problems.push('CSP: ' + msg.text())
  })
  let timer
  try {
    await Promise.race([
      t.fn({ page, context }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Failure(`timed out after ${TEST_TIMEOUT_MS / 1000}s`)), TEST_TIMEOUT_MS)
      }),
    ])
    expect(problems.length === 0, problems.join('; '))
  } finally {
    clearTimeout(timer)
    await context.close().catch(() => {})
  }
}

async function main() {
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
  try {
    for (const t of tests) {
      if (ONLY && !t.name.includes(ONLY)) continue
      if (t.login && !(USER && PASS)) {
        skipped++
        console.log(`skip  ${t.name} (set SIFASUO_USER and SIFASUO_PASS)`)
        continue
      }
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
  if (skipped) console.log(`(${skipped} skipped)`)
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed ? 1 : 0
}

main().catch((err) => {
  console.log(String(err && err.stack ? err.stack : err))
  console.log('0 passed, 1 failed')
  process.exitCode = 1
})
