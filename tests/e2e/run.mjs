#!/usr/bin/env node
// Browser tests of the web app against a running sifasuo server, driving
// Debian's chromium through playwright-core (web/package.json; no browser
// download).
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
//                 form,mobile,registers-staff,registers-premises,
//                 standards-scorecard,standards-office}.png
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
const STAFF = process.env.SIFASUO_STAFF_USER || 'ljz'
const OTHER = process.env.SIFASUO_OTHER_USER || 'njdl'
const DIRECTOR = process.env.SIFASUO_DIRECTOR_USER || 'ljz_director'
const TEST_TIMEOUT_MS = 60_000
const VIEWPORT = { width: 1366, height: 800 }
const PHONE = { width: 375, height: 740 }

const tests = []
/** Declares a test; opts.login: needs SIFASUO_USER/SIFASUO_PASS;
 *  opts.records: needs the engine's test entities too. */
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
  // toasts come and go: not part of the picture
  await page.screenshot({ path: resolve(SHOT_DIR, name), animations: 'disabled', style: '.el-message { display: none }' })
}

// Signs in through the login form of the page already showing it.
async function signIn(page, username = USER, password = PASS) {
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await page.getByRole('button', { name: /登\s*录/ }).click()
}

async function gotoLoginAndSignIn(page, username = USER, password = PASS) {
  await page.goto(BASE + '/login')
  await signIn(page, username, password)
  await page.waitForURL((url) => url.pathname === '/', { timeout: 15_000 })
}

// Calls the API from the signed-in page (its cookie and CSRF token).
async function apiCall(page, method, path, body) {
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
async function haveTestEntities() {
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
const formField = (page, name) => page.locator(`.record-form [data-field="${name}"]`)

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
  'the scorecard shows each rule with its evidence and drills down from the city to an office',
  async ({ page }) => {
    await gotoLoginAndSignIn(page)
    await page.locator('.layout-aside .app-menu').getByText('规范化建设').click()
    await page.locator('.layout-aside .app-menu').getByText('达标评估').click()
    await page.waitForURL((url) => url.pathname === '/standards/check', { timeout: 15_000 })
    const units = page.locator('[data-test="units"] .el-table__body tr')
    await units.first().waitFor({ timeout: 15_000 })
    expect((await units.count()) === 16, `the city lists ${await units.count()} districts`)
    const cityRules = await page.locator('[data-test="results"]').innerText()
    expect(cityRules.includes('基层联系点'), 'the city rule 四(一) is missing')
    await page.locator('.el-statistic').first().getByText('%').waitFor()
    // a district: its two rules, its offices
    const district = (await units.first().locator('td').first().innerText()).trim()
    await units.first().click()
    await page.waitForURL((url) => url.searchParams.has('org'))
    await page.locator('.el-statistic__head', { hasText: district }).waitFor({ timeout: 15_000 })
    const dres = await page.locator('[data-test="results"]').innerText()
    expect(dres.includes('自查自评报告') && dres.includes('交流任职'), `district results: ${dres.slice(0, 200)}`)
    await page.locator('[data-test="heatmap"] canvas').first().waitFor({ timeout: 15_000 })
    await screenshot(page, 'standards-scorecard.png')
    // an office: ten rules, each with its evidence; a record behind it links to its page
    await page.locator('[data-test="units"] .el-table__body tr').first().click()
    const rows = page.locator('[data-test="results"] .el-table__body tr')
    await page.waitForFunction(() => document.querySelectorAll('[data-test="results"] .el-table__body tr').length === 10,
      null, { timeout: 15_000 })
    const text = await page.locator('[data-test="results"]').innerText()
    expect(/政法专项编制在岗 \d+ 名/.test(text), 'clause 15 evidence missing')
    expect((await rows.count()) === 10, `office results: ${await rows.count()}`)
    const link = page.locator('[data-test="results"] .records a').first()
    const href = await link.getAttribute('href')
    expect(/^\/records\/[a-z-]+\/\d+$/.test(href), `evidence link ${href}`)
    await screenshot(page, 'standards-office.png')
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
    await page.setViewportSize(PHONE)
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

/* ---- the generic records pages (the engine's 测试记录, test-items) ---- */

// One record goes through the pages across the tests below, in order.
const STAMP = Date.now().toString(36)
const RECORD = { title: `E2E调解测试-${STAMP}`, id: null }
const LIST = '/records/test-items'

// A few records of the office, so the list has pages and the screenshots rows.
async function seedRecords(page, n) {
  const categories = ['marriage_family', 'neighborhood', 'contract', 'labor', 'property_management']
  const titles = ['楼上漏水引发邻里纠纷', '婚姻家庭财产分割', '装修合同款项争议', '拖欠劳务报酬', '物业费收取争议']
  for (let i = 0; i < n; i++) {
    const res = await apiCall(page, 'POST', '/test-items', {
      title: `${titles[i % titles.length]} (${STAMP}-${i + 1})`,
      category: categories[i % categories.length],
      amount: String(1000 + i * 250) + '.50',
      headcount: 2 + (i % 4),
      happened_on: `2026-0${1 + (i % 9)}-1${i % 10}`,
    })
    expect(res.status === 201, `seeding a record answered ${res.status}: ${JSON.stringify(res.body)}`)
  }
}

async function pickOption(page, field, label) {
  await formField(page, field).locator('.el-select').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click()
}

test(
  'records: the form shows checks at their fields, creates a 测试记录, the list pages and finds it by q',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    // the menu: 业务记录 → 测试记录 (from GET /meta/entities)
    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('业务记录').click()
    await menu.getByText('测试记录', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === LIST)
    await page.locator('.record-list .list-title', { hasText: '测试记录' }).waitFor()
    const crumb = await page.locator('.page-breadcrumb').innerText()
    expect(crumb.includes('业务记录') && crumb.includes('测试记录'), `breadcrumb "${crumb}"`)

    await seedRecords(page, 22)
    await page.reload()
    await page.locator('.record-table .el-table__row').first().waitFor()
    const rows = await page.locator('.record-table .el-table__row').count()
    expect(rows === 20, `first page shows ${rows} rows, not 20`)
    // keyset paging: 下一页 with the cursor, 上一页 back from the stack
    await page.getByRole('button', { name: '下一页' }).click()
    await page.locator('.pager-info', { hasText: '第 2 页' }).waitFor()
    await page.getByRole('button', { name: '上一页' }).click()
    await page.locator('.pager-info', { hasText: '第 1 页' }).waitFor()
    // the list fields are the default columns, labelled from the metadata
    const head = await page.locator('.record-table .el-table__header').innerText()
    for (const label of ['标题', '类别', '发生日期', '状态'])
      expect(head.includes(label), `list header "${head}" lacks ${label}`)

    await page.locator('.record-list').getByRole('button', { name: '新建' }).click()
    await page.waitForURL((url) => url.pathname === LIST + '/new')
    await formField(page, 'title').waitFor()
    // read-only fields (set by workflow actions) are not on the create form
    expect((await formField(page, 'result').count()) === 0, '办理结果 (read-only) is on the create form')

    // the form's own rule: 标题 is required
    await page.getByRole('button', { name: '保存' }).click()
    await formField(page, 'title').locator('.el-form-item__error', { hasText: '请填写标题' }).waitFor()

    // a check only the server makes: the phone number → 422, shown at its field
    await formField(page, 'title').locator('input').fill(RECORD.title)
    await formField(page, 'summary').locator('textarea').fill('双方因楼上漏水发生争执, 申请调解。')
    await pickOption(page, 'category', '邻里')
    await formField(page, 'amount').locator('input').fill('1200.5')
    await formField(page, 'headcount').locator('input').fill('3')
    await formField(page, 'happened_on').locator('input').fill('2026-03-02')
    await formField(page, 'happened_on').locator('input').press('Enter')
    await formField(page, 'phone').locator('input').fill('12345')
    const [bad] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/test-items') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(bad.status() === 422, `a bad phone number answered ${bad.status()}`)
    const said = (await bad.json()).error.fields.phone
    const shown = formField(page, 'phone').locator('.el-form-item__error')
    await shown.waitFor()
    expect((await shown.innerText()).includes(said), `phone shows "${await shown.innerText()}", server said "${said}"`)
    await screenshot(page, 'form.png')
    // a decimal with too many places is caught before sending
    await formField(page, 'amount').locator('input').fill('12.345')
    await page.getByRole('button', { name: '保存' }).click()
    await formField(page, 'amount').locator('.el-form-item__error', { hasText: '最多 2 位小数' }).waitFor()
    await formField(page, 'amount').locator('input').fill('1200.5')
    // the server's message stays until the field is edited: saving again does not resend
    expect(await shown.isVisible(), "the phone's server message went away")

    await formField(page, 'phone').locator('input').fill('13800001111')
    const [ok] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/test-items') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(ok.status() === 201, `create answered ${ok.status()}`)
    const created = await ok.json()
    expect(created.amount === '1200.50', `amount saved as ${created.amount}`)
    expect(created.happened_on === '2026-03-02', `date saved as ${created.happened_on}`)
    RECORD.id = created.id
    await page.waitForURL((url) => url.pathname === `${LIST}/${created.id}`)
    await page.locator('.record-detail .head-title', { hasText: RECORD.title }).waitFor()

    // the list has it; q finds it alone
    await page.goto(BASE + LIST)
    await page.locator('.record-table .el-table__row', { hasText: RECORD.title }).waitFor()
    await screenshot(page, 'list.png')
    await page.locator('.record-filters .filter-q input').fill(RECORD.title)
    await page.locator('.record-filters .filter-q input').press('Enter')
    await page.waitForURL((url) => url.searchParams.get('q') === RECORD.title)
    await page.locator('.list-total', { hasText: '共 1 条' }).waitFor()
    const found = await page.locator('.record-table .el-table__row').allInnerTexts()
    expect(found.length === 1 && found[0].includes(RECORD.title), `q found ${JSON.stringify(found)}`)
    expect(found[0].includes('邻里') && found[0].includes('登记'), `row "${found[0]}" lacks the code label or state`)
  },
  { login: true, records: true },
)

test(
  'records: open, edit, 受理 and 提交审核 through the dialogs; the history lists the steps',
  async ({ page }) => {
    expect(RECORD.id, 'no record from the test before')
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await page.goto(BASE + LIST + '?q=' + encodeURIComponent(RECORD.title))
    await page.locator('.record-table .title-link', { hasText: RECORD.title }).click()
    await page.waitForURL((url) => url.pathname === `${LIST}/${RECORD.id}`)
    const head = page.locator('.detail-head')
    await head.locator('.state-tag', { hasText: '登记' }).waitFor()
    const fields = page.locator('.record-detail .fields')
    expect((await fields.innerText()).includes('邻里'), 'detail lacks the code label 邻里')
    expect((await fields.innerText()).includes('1200.50'), 'detail lacks the amount 1200.50')
    expect((await fields.innerText()).includes('138****1111'), 'the phone is not masked')
    expect((await page.getByRole('button', { name: '查看完整信息' }).count()) === 0, 'unmask offered without pi.unmask')

    // 编辑: the form opens with the record, PATCH with its version
    await head.getByRole('button', { name: '编辑' }).click()
    await page.waitForURL((url) => url.pathname === `${LIST}/${RECORD.id}/edit`)
    const title = formField(page, 'title').locator('input')
    await title.waitFor()
    expect((await title.inputValue()) === RECORD.title, 'the edit form lacks the title')
    await formField(page, 'summary').locator('textarea').fill('双方因楼上漏水发生争执, 已电话约定调解时间。')
    const [patch] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/v1/test-items/${RECORD.id}`) && r.request().method() === 'PATCH'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(patch.status() === 200, `PATCH answered ${patch.status()}`)
    const sent = JSON.parse(patch.request().postData())
    expect(sent.version === 1 && Object.keys(sent).sort().join() === 'summary,version', `PATCH sent ${JSON.stringify(sent)}`)
    await page.waitForURL((url) => url.pathname === `${LIST}/${RECORD.id}`)
    await page.locator('.record-detail .fields', { hasText: '已电话约定调解时间' }).waitFor()

    // 受理: no fields required, a comment
    await head.locator('button[data-action="accept"]').click()
    const dialog = page.locator('.workflow-dialog')
    await dialog.waitFor()
    await dialog.locator('textarea').last().fill('材料齐全, 予以受理')
    await dialog.getByRole('button', { name: '确定受理' }).click()
    await head.locator('.state-tag', { hasText: '受理' }).waitFor()
    await dialog.waitFor({ state: 'hidden' })

    // 提交审核 requires 办理结果
    await head.locator('button[data-action="submit"]').click()
    await dialog.waitFor()
    await dialog.getByRole('button', { name: '确定提交审核' }).click()
    await dialog.locator('.el-form-item__error', { hasText: '请填写办理结果' }).waitFor()
    await dialog.locator('textarea').first().fill('经调解双方达成协议, 楼上住户承担维修费用。')
    const [step] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/test-items/${RECORD.id}/actions/submit`)),
      dialog.getByRole('button', { name: '确定提交审核' }).click(),
    ])
    expect(step.status() === 200, `submit answered ${step.status()}`)
    await head.locator('.state-tag', { hasText: '所长审核' }).waitFor()
    await page.locator('.record-detail .fields', { hasText: '楼上住户承担维修费用' }).waitFor()
    await dialog.waitFor({ state: 'hidden' })
    // staff may not approve (审核通过 is the director's)
    expect((await head.locator('button[data-action="approve"]').count()) === 0, '审核通过 offered to staff')
    await screenshot(page, 'detail.png')

    await page.getByRole('tab', { name: '历史记录' }).click()
    const items = page.locator('.record-history .history-item')
    await items.nth(3).waitFor()
    const actions = await items.evaluateAll((els) => els.map((e) => e.dataset.action))
    expect(
      actions.join() === 'record.create,record.update,workflow.accept,workflow.submit',
      `history actions ${actions.join()}`,
    )
    const text = await page.locator('.record-history').innerText()
    for (const words of ['创建', '修改', '概要', '受理', '提交审核', '受理 → 所长审核', '材料齐全', STAFF])
      expect(text.includes(words), `history lacks "${words}"`)
  },
  { login: true, records: true },
)

test(
  '工作台 shows the to-do, with counts, and opens the record',
  async ({ page }) => {
    expect(RECORD.id, 'no record from the tests before')
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const item = page.locator('.todo-list li', { hasText: RECORD.title })
    await item.waitFor()
    expect((await item.innerText()).includes('所长审核'), 'the to-do lacks the state')
    const stats = await page.locator('.todo-stats').innerText()
    for (const words of ['我的待办', '已逾期', '本周到期']) expect(stats.includes(words), `statistics lack ${words}`)
    await page.locator('.todo-counts', { hasText: '测试记录' }).waitFor()
    await page.locator('.recent-card .recent-row').first().waitFor()
    await screenshot(page, 'home.png')
    await item.locator('a').click()
    await page.waitForURL((url) => url.pathname === `${LIST}/${RECORD.id}`)
    await page.locator('.detail-head .head-title', { hasText: RECORD.title }).waitFor()
  },
  { login: true, records: true },
)

test(
  'records: the director sees personal information in full (audited) and approves',
  async ({ page }) => {
    expect(RECORD.id, 'no record from the tests before')
    await gotoLoginAndSignIn(page, DIRECTOR, PASS)
    await page.goto(BASE + `${LIST}/${RECORD.id}`)
    const fields = page.locator('.record-detail .fields')
    await fields.locator('.field-phone', { hasText: '138****1111' }).waitFor()
    const [unmask] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/test-items/${RECORD.id}/unmask`)),
      page.getByRole('button', { name: '查看完整信息' }).click(),
    ])
    expect(unmask.status() === 200, `unmask answered ${unmask.status()}`)
    await fields.locator('.field-phone', { hasText: '13800001111' }).waitFor()
    await page.locator('.unmask-note', { hasText: '审计' }).waitFor()

    const head = page.locator('.detail-head')
    await head.locator('button[data-action="approve"]').click()
    const dialog = page.locator('.workflow-dialog')
    await dialog.getByRole('button', { name: '确定审核通过' }).click()
    await head.locator('.state-tag', { hasText: '办结' }).waitFor()
    // a final state: nothing more to do
    expect((await head.locator('.workflow-actions button').count()) === 0, 'actions offered in a final state')
    await page.getByRole('tab', { name: '历史记录' }).click()
    await page.locator('.record-history .history-item[data-action="pi.unmask"]', { hasText: '查看完整个人信息' }).waitFor()
    await page.locator('.record-history .history-item[data-action="workflow.approve"]', { hasText: '所长审核 → 办结' }).waitFor()
  },
  { login: true, records: true },
)

test(
  'staff of another office do not see the record',
  async ({ page }) => {
    expect(RECORD.id, 'no record from the tests before')
    await gotoLoginAndSignIn(page, OTHER, PASS)
    await page.goto(BASE + LIST + '?q=' + encodeURIComponent(RECORD.title))
    await page.locator('.list-total', { hasText: '共 0 条' }).waitFor()
    await page.locator('.record-table', { hasText: '没有符合条件的记录' }).waitFor()
    await page.goto(BASE + `${LIST}/${RECORD.id}`)
    await page.getByText('记录不存在').waitFor()
  },
  { login: true, records: true },
)

test(
  'records: the column choice is remembered; import a CSV with a rejected row; export to Excel',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await page.goto(BASE + LIST)
    await page.locator('.record-table .el-table__row').first().waitFor()
    await page.getByRole('button', { name: '列设置' }).click()
    await page.locator('.column-chooser').getByText('金额 (元)').click()
    await page.locator('.record-table thead', { hasText: '金额 (元)' }).waitFor()
    await page.reload()
    await page.locator('.record-table thead', { hasText: '金额 (元)' }).waitFor()

    const tag = `导入-${STAMP}`
    const csv = `标题,类别,金额 (元)\n${tag}-甲,邻里,12.5\n,合同,3\n${tag}-乙,合同,100\n`
    await page.getByRole('button', { name: '导入' }).click()
    const dialog = page.locator('.el-dialog', { hasText: '导入测试记录' })
    await dialog.waitFor()
    await dialog.locator('input[type="file"]').setInputFiles({ name: 'e2e.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await dialog.getByText('只导入正确的行').click()
    await dialog.getByRole('button', { name: '开始导入' }).click()
    await dialog.locator('.import-summary', { hasText: '已导入 2 行, 有误 1 行' }).waitFor({ timeout: 20_000 })
    const rejected = await dialog.locator('.import-rejected .el-table__row').allInnerTexts()
    expect(rejected.length === 1 && /^3\s+标题\s+必填/.test(rejected[0]), `rejected rows ${JSON.stringify(rejected)}`)
    await dialog.getByRole('button', { name: '关闭', exact: true }).click()
    await page.locator('.record-table .el-table__row', { hasText: `${tag}-乙` }).waitFor()

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出' }).click(),
    ])
    expect(/\.xlsx$/.test(download.suggestedFilename()), `export saved as ${download.suggestedFilename()}`)
  },
  { login: true, records: true },
)

test(
  'records: saving over someone else\'s change (409) offers to reload',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const made = await apiCall(page, 'POST', '/test-items', { title: `并发修改-${STAMP}` })
    expect(made.status === 201, `create answered ${made.status}`)
    await page.goto(BASE + `${LIST}/${made.body.id}/edit`)
    await formField(page, 'title').locator('input').waitFor()
    // meanwhile, someone else saves
    const other = await apiCall(page, 'PATCH', `/test-items/${made.body.id}`, { version: 1, summary: '他人的修改' })
    expect(other.status === 200, `the other PATCH answered ${other.status}`)
    await formField(page, 'title').locator('input').fill(`并发修改-${STAMP}-我的`)
    await page.getByRole('button', { name: '保存' }).click()
    const box = page.locator('.el-message-box', { hasText: '已被他人修改' })
    await box.waitFor()
    await box.getByRole('button', { name: '重新加载' }).click()
    await page.waitForFunction(
      () => (document.querySelector('.record-form [data-field="summary"] textarea') || {}).value === '他人的修改',
    )
    expect((await formField(page, 'title').locator('input').inputValue()) === `并发修改-${STAMP}`, 'the form kept the stale title')
    await page.getByRole('button', { name: '保存' }).click() // nothing changed: back to the record
    await page.waitForURL((url) => url.pathname === `${LIST}/${made.body.id}`)
  },
  { login: true, records: true },
)

test(
  'phone width: records as cards, the form stacked',
  async ({ page }) => {
    await page.setViewportSize(PHONE)
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await page.goto(BASE + LIST)
    await page.locator('.record-cards .record-card').first().waitFor()
    expect((await page.locator('.record-table').count()) === 0, 'a table on a phone')
    await screenshot(page, 'mobile.png')
    await page.locator('.record-cards .record-card').first().click()
    await page.waitForURL((url) => /^\/records\/test-items\/\d+$/.test(url.pathname))
    await page.locator('.detail-head .head-title').waitFor()
    await page.goto(BASE + LIST + '/new')
    await formField(page, 'title').waitFor()
    expect((await page.locator('.record-form .el-form--label-top').count()) === 1, 'the form labels are not on top')
    const a = await formField(page, 'title').boundingBox()
    const b = await formField(page, 'category').boundingBox()
    expect(b.y > a.y && Math.abs(b.x - a.x) < 2, 'form fields are not stacked')
  },
  { login: true, records: true },
)

/* ---- the organisation and staff registers (issue 5) ---- */

// A tiny valid PNG (1×1, grey): the server keeps files by their content.
const PNG_1PX = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55' +
    '0000000a49444154789c636800000082008177cd72b60000000049454e44ae426082',
  'hex',
)

test(
  'registers: staff and premises under 组织队伍, ID numbers masked, a photo uploaded in the form and opened',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('组织队伍').click()
    await menu.getByText('司法所工作人员', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/records/staff')
    await page.locator('.record-table .el-table__row').first().waitFor()
    const head = await page.locator('.record-table .el-table__header').innerText()
    for (const label of ['姓名', '编制 (用工) 类型', '职务', '人员状态', '状态'])
      expect(head.includes(label), `staff list header "${head}" lacks ${label}`)
    const rows = await page.locator('.record-table .el-table__row').allInnerTexts()
    expect(rows.some((r) => r.includes('政法专项编制')), 'no 政法专项编制 label in the staff list')
    await screenshot(page, 'registers-staff.png')
    await page.locator('.record-table .title-link').first().click()
    await page.waitForURL((url) => /^\/records\/staff\/\d+$/.test(url.pathname))
    const fields = await page.locator('.record-detail .fields').innerText()
    expect(/\d{3}\*{11}[\dX]{4}/.test(fields), 'the ID number is not masked on the detail page')
    expect(/1\d{2}\*{4}\d{4}/.test(fields), 'the phone is not masked on the detail page')

    // premises: the form uploads a photo (POST /files) and saves its hash
    await menu.getByText('业务用房', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/records/premises')
    await page.locator('.record-table .title-link').first().click()
    await page.waitForURL((url) => /^\/records\/premises\/\d+$/.test(url.pathname))
    const id = page.url().match(/premises\/(\d+)/)[1]
    await page.locator('.detail-head').getByRole('button', { name: '编辑' }).click()
    await page.waitForURL((url) => url.pathname === `/records/premises/${id}/edit`)
    const photo = formField(page, 'photo_exterior')
    await photo.getByRole('button', { name: '上传文件' }).waitFor()
    const [up] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/files') && r.request().method() === 'POST'),
      photo.locator('input[type="file"]').setInputFiles({ name: '外观.png', mimeType: 'image/png', buffer: PNG_1PX }),
    ])
    expect(up.status() === 201, `the upload answered ${up.status()}`)
    await photo.getByText('已上传').waitFor()
    const [patch] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/v1/premises/${id}`) && r.request().method() === 'PATCH'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(patch.status() === 200, `PATCH answered ${patch.status()}`)
    const saved = await patch.json()
    expect(saved.wf_state === 'entered', `an edited register entry is "${saved.wf_state}", not back to 待所长校核`)
    await page.waitForURL((url) => url.pathname === `/records/premises/${id}`)
    const link = page.locator('.record-detail .fields .field-photo_exterior a', { hasText: '查看文件' })
    await link.waitFor()
    const href = await link.getAttribute('href')
    const got = await page.evaluate(async (u) => {
      const r = await fetch(u)
      return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength }
    }, href)
    expect(got.status === 200 && got.type === 'image/png' && got.size === PNG_1PX.length, `the photo came back as ${JSON.stringify(got)}`)
    await screenshot(page, 'registers-premises.png')
  },
  { login: true },
)

/* ---- the runner ---- */

async function runOne(browser, t) {
  // a new context per test: no cookies or storage carried over
  const context = await browser.newContext({ locale: 'zh-CN', viewport: VIEWPORT })
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
