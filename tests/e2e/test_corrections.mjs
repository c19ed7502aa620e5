// Browser tests: 社区矫正 (issue 20; docs/corrections.md).
// Run with tests/e2e/run.sh tests/e2e/test_corrections.mjs (a server of its own; docs/testing.md).
// The district institution entrusts a subject to 陆家嘴, the office records the
// 报到 and the 宣告 with the class, the clock moves past the weekly report and
// the scheduler raises the 脱管 alert, the office asks for leave and its
// director approves it, the director releases the subject; the institution's
// board and monthly return; an office elsewhere sees none of it.
import { execFileSync } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BASE, DIRECTOR, OTHER, PASS, STAFF, STAMP, apiCall, expect, formField, gotoLoginAndSignIn, newContext, openMenu, pickOption, run, signInAdmin, test } from './lib.mjs'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const INSTITUTION = 'pudong_sqjz' // 区社区矫正机构 (浦东新区)

// the dialogs' helpers, shared with the other lines' tests
import { chooseIn as choose, dateIn as date, formItem as item, residentId, workflowAction as action } from './lib.mjs'

// Shanghai's date `days` from today
function day(days = 0) {
  return new Date(Date.now() + 8 * 3600_000 + days * 86400_000).toISOString().slice(0, 10)
}
async function signedIn(browser, user) {
  const context = await newContext(browser)
  const page = await context.newPage()
  await gotoLoginAndSignIn(page, user, PASS)
  return { context, page }
}

test(
  '社区矫正: entrusted, reports, is classified, misses a check-in (clock moved), alert, leave approved by the office, released',
  async ({ page, browser }) => {
    const name = `矫${STAMP.slice(-2)}测`.replace(/[0-9a-z]/g, (c) => '甲乙丙丁戊己庚辛壬癸'[c.charCodeAt(0) % 10])
    // 1. the institution entrusts the subject to 陆家嘴 from the form
    await gotoLoginAndSignIn(page, INSTITUTION, PASS)
    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('社区矫正', { exact: true }).click()
    for (const t of ['社区矫正对象', '监管预警', '监管看板', '矫正统计']) await menu.getByText(t, { exact: true }).waitFor()
    await menu.getByText('社区矫正对象', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/records/corrections-subjects')
    await page.locator('.record-list').getByRole('button', { name: '新建' }).click({ timeout: 30_000 })
    await formField(page, 'person_id').getByRole('button', { name: '登记/查找人员' }).click()
    const pd = page.locator('.person-dialog')
    await pd.waitFor()
    await pd.locator('.el-form-item', { hasText: '姓名' }).locator('input').fill(name)
    const seq = String(100 + Math.floor(Math.random() * 700)) // 100-799: never a demo resident's 8xx or 9xx
    await pd.locator('.el-form-item', { hasText: '证件号码' }).locator('input').fill(residentId(`31011519850607${seq}`))
    await pd.getByRole('button', { name: '确定' }).click()
    await formField(page, 'person_id').locator('.person-chosen').waitFor()
    await pickOption(page, 'corr_type', '缓刑')
    await formField(page, 'decision_organ').locator('input').fill('上海市浦东新区人民法院')
    await formField(page, 'decision_doc').locator('input').fill(`(2026)沪0115刑初${seq}号`)
    for (const [f, v] of [['effective_on', day(-2)], ['start_on', day(-2)], ['end_on', day(363)]]) {
      await formField(page, f).locator('input').fill(v)
      await formField(page, f).locator('input').press('Enter')
    }
    await formField(page, 'org_id').locator('.org-picker').click()
    const tree = page.locator('.el-tree-select__popper:visible')
    await tree.locator('.el-tree-node', { hasText: '浦东新区司法局' }).first().locator('.el-tree-node__expand-icon').first().click()
    await tree.locator('.el-select-dropdown__item', { hasText: '陆家嘴街道司法所' }).first().click()
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/corrections-subjects') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(created.status() === 201, `entrust answered ${created.status()}: ${await created.text()}`)
    const subject = await created.json()
    expect(subject.wf_state === 'entrusted' && subject.due_at, `entrusted with a 报到 deadline: ${JSON.stringify(subject)}`)
    await page.waitForURL((url) => url.pathname === `/records/corrections-subjects/${subject.id}`)
    await page.locator('.record-detail').getByText('已委托待报到').first().waitFor()
    // the period's remaining days beside its end, computed by the server at each read
    await page.locator('.record-detail [data-test="countdown"]', { hasText: '剩余天数 363 天' }).waitFor()

    // 2. the office: 报到, then 宣告 with the class 严管
    const office = await signedIn(browser, STAFF)
    const op = office.page
    await op.goto(BASE + `/records/corrections-subjects/${subject.id}`)
    await action(op, 'report', '报到')
    const announced = await action(op, 'announce', '宣告并分类', async (d) => {
      await date(d, '宣告日期', day(0))
      await choose(op, d, '管理等级', '严管')
      await item(d, '分类 (调整) 理由').locator('textarea, input').first().fill('初次入矫, 风险评估为较高')
    })
    expect(announced.wf_state === 'supervised' && announced.next_report_due, `supervised: ${JSON.stringify(announced)}`)
    await op.locator('.record-detail .fields', { hasText: '严管' }).waitFor()

    // 3. the clock moves past the weekly report: the scheduler raises the 脱管 alert
    const out = execFileSync(resolve(repo, 'build/sifasuo'), ['scheduler', '--db', process.env.SIFASUO_E2E_DB], {
      cwd: repo,
      env: { ...process.env, SIFASUO_NOW: day(12) + 'T02:00:00Z' },
    }).toString()
    expect(out !== null, 'scheduler ran')
    await op.goto(BASE + '/records/corrections-alerts')
    const row = op.locator('.el-table__row', { hasText: '未按期报告' }).filter({ hasText: subject.person_id_name })
    await row.first().waitFor({ timeout: 20_000 })
    // the office's to-do carries it
    const todo = await apiCall(op, 'GET', '/todo')
    expect(todo.body.items.some((i) => i.entity === 'corrections-alerts' && i.title.includes('未按期报告')), 'the alert is in the to-do')

    // 4. leave of five days: the office asks, its director approves
    await op.goto(BASE + `/records/corrections-subjects/${subject.id}`)
    const leaves = op.locator('[data-children="leaves"]')
    await leaves.getByRole('button', { name: /新增/ }).click()
    const dlg = op.locator('.el-dialog', { hasText: '新增外出及进入特定区域审批' })
    await dlg.waitFor()
    await dlg.locator('[data-field="kind"] .el-select').click()
    await op.locator('.el-select-dropdown__item:visible', { hasText: '外出' }).first().click()
    await dlg.locator('[data-field="destination"] input').fill('江苏省南京市')
    await dlg.locator('[data-field="reason"] textarea, [data-field="reason"] input').first().fill('探望病重的父亲')
    for (const [f, v] of [['leave_from', day(2)], ['leave_to', day(6)]]) {
      await dlg.locator(`[data-field="${f}"] input`).fill(v)
      await dlg.locator(`[data-field="${f}"] input`).press('Enter')
    }
    const [asked] = await Promise.all([
      op.waitForResponse((r) => r.url().endsWith('/api/v1/corrections-leaves') && r.request().method() === 'POST'),
      dlg.getByRole('button', { name: '保存' }).click(),
    ])
    expect(asked.status() === 201, `leave answered ${asked.status()}: ${await asked.text()}`)
    const leave = await asked.json()
    const director = await signedIn(browser, DIRECTOR)
    const dp = director.page
    await dp.goto(BASE + `/records/corrections-leaves/${leave.id}`)
    const approved = await action(dp, 'approve', '司法所批准', async (d) => {
      await item(d, '审批意见').locator('textarea, input').first().fill('同意, 返回后及时销假')
    })
    expect(approved.wf_state === 'approved', `approved: ${approved.wf_state}`)

    // 5. released by the director, handed on (corrections_release_handoff)
    await dp.goto(BASE + `/records/corrections-subjects/${subject.id}`)
    const released = await action(dp, 'release', '期满解除', async (d) => {
      await date(d, '解除日期', day(0))
      await item(d, '解除社区矫正证明书编号').locator('input').fill(`沪浦矫解字 (2026) 第 ${seq} 号`)
      await item(d, '需衔接安置帮教').locator('.el-switch').click()
    })
    expect(released.wf_state === 'released' && released.locked, `released: ${JSON.stringify(released.wf_state)}`)
    await dp.locator('.record-detail').getByText('期满解除').first().waitFor()
    expect((await dp.locator('.record-detail [data-test="countdown"]').count()) === 0, 'no countdown once released')

    // 6. and appears in resettlement (安置帮教) at the same office, nothing typed again
    await openMenu(op, '安置帮教', '安置帮教对象')
    await op.locator('.record-list tbody tr').first().waitFor({ timeout: 30_000 })
    const handed = await apiCall(op, 'GET', `/released-persons?corrections_id=${subject.id}`)
    expect(handed.status === 200 && handed.body.items.length === 1, `in resettlement: ${JSON.stringify(handed.body)}`)
    const person = handed.body.items[0]
    expect(person.person_id === subject.person_id && person.wf_state === 'aiding', `handed on: ${JSON.stringify(person)}`)
    await op.goto(BASE + `/records/released-persons/${person.id}`)
    await op.locator('.detail-head').getByText('帮教中').waitFor()
    await op.locator('.record-detail').getByText('社区矫正期满移交').first().waitFor()

    // an office elsewhere sees none of it
    const other = await signedIn(browser, OTHER)
    const got = await apiCall(other.page, 'GET', `/corrections-subjects/${subject.id}`)
    expect(got.status === 404, `another office read it: ${got.status}`)
    // the released subject's certificate and the hours panel on its page
    await dp.locator('.record-docs a.doc-html', { hasText: '解除社区矫正证明书' }).waitFor()
    await dp.locator('[data-panel="corrections-hours"]').getByText('教育学习和公益活动时长').waitFor()
    for (const c of [office, director, other]) await c.context.close()
  },
  { login: true, timeout: 180_000 },
)

test(
  '社区矫正: the institution\'s board of who is overdue and its monthly return with the drill-down',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, INSTITUTION, PASS)
    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('社区矫正', { exact: true }).click()
    await menu.getByText('监管看板', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/corrections/board')
    const table = page.locator('[data-test="overdue"]')
    await table.locator('.el-table__row', { hasText: '未按期报告' }).first().waitFor()
    await table.locator('.el-table__row', { hasText: '已升级至区社区矫正机构' }).first().waitFor()
    await menu.getByText('矫正统计', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/corrections/returns')
    const ret = page.locator('[data-test="returns"]')
    await ret.locator('.el-table__row', { hasText: '陆家嘴街道司法所' }).waitFor()
    await ret.locator('.el-table__row', { hasText: '合计' }).waitFor()
    const href = await page.locator('a.xlsx').getAttribute('href')
    const x = await page.evaluate(async (u) => {
      const r = await fetch(u)
      return { status: r.status, type: r.headers.get('content-type') }
    }, href)
    expect(x.status === 200 && x.type.includes('spreadsheetml'), `xlsx ${JSON.stringify(x)}`)
    // the cockpit: the district's offices, one click to the office
    await page.goto(BASE + '/cockpit')
    const figures = page.locator('[data-test="corrections-figures"]')
    await figures.waitFor({ state: 'attached' })
    expect((await figures.textContent()).includes('陆家嘴街道司法所'), 'the cockpit lists the offices')
    // the city bureau's staff see the line only through break-the-glass
    const city = await apiCall(page, 'GET', '/corrections/overdue')
    expect(city.status === 200, 'the institution reads its board')
  },
  { login: true, timeout: 120_000 },
)

test(
  '社区矫正: the city corrections bureau reads the return district by district and drills into 浦东\'s offices',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, 'shi_sqjz', PASS) // 市社区矫正管理局
    await openMenu(page, '社区矫正', '矫正统计')
    await page.waitForURL((url) => url.pathname === '/corrections/returns')
    const ret = page.locator('[data-test="returns"]')
    const district = ret.locator('.el-table__row', { hasText: '浦东新区司法局' })
    await district.waitFor()
    expect((await ret.locator('.el-table__row', { hasText: '陆家嘴街道司法所' }).count()) === 0, 'districts first')
    await district.getByRole('link', { name: '浦东新区司法局' }).click()
    await ret.locator('.el-table__row', { hasText: '陆家嘴街道司法所' }).waitFor()
    await page.locator('.stats-note', { hasText: '浦东新区司法局' }).waitFor()
    // the cockpit's card lists the districts
    await page.goto(BASE + '/cockpit')
    const figures = page.locator('[data-test="corrections-figures"]')
    await figures.waitFor({ state: 'attached' })
    for (let i = 0; i < 150 && !(await figures.textContent()).includes('浦东新区司法局'); i++) await page.waitForTimeout(200) // up to 30 s: the cockpit asks for many figures at once
    expect((await figures.textContent()).includes('浦东新区司法局'), 'the cockpit lists the districts')
  },
  { login: true, timeout: 120_000 },
)

test(
  '社区矫正: the district administrator sees why the list is closed, asks for 紧急调阅 of 陆家嘴 with a reason, and reads its subjects; the auditor sees the grant',
  async ({ page, browser }) => {
    await gotoLoginAndSignIn(page, 'pudong', PASS)
    await openMenu(page, '社区矫正', '社区矫正对象')
    const box = page.locator('[data-test="breakglass-request"]')
    await box.getByText('社区矫正对象是受保护的业务数据').waitFor()
    expect((await page.locator('.list-error').count()) === 0, 'no bare 403 message')
    // a reason is asked for before anything is sent
    await box.getByRole('button', { name: '申请紧急调阅' }).click()
    await box.getByText('请选择调阅的机构').waitFor()
    await box.locator('.org-picker').click()
    const tree = page.locator('.el-tree-select__popper:visible')
    await tree.locator('.el-tree-node', { hasText: '浦东新区司法局' }).first().locator('.el-tree-node__expand-icon').first().click()
    await tree.locator('.el-select-dropdown__item', { hasText: '陆家嘴街道司法所' }).first().click()
    await box.locator('textarea').fill('核查区社区矫正机构转来的脱管预警')
    const [granted] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/breakglass') && r.request().method() === 'POST'),
      box.getByRole('button', { name: '申请紧急调阅' }).click(),
    ])
    expect(granted.status() === 201, `the grant answered ${granted.status()}: ${await granted.text()}`)
    await box.waitFor({ state: 'detached' })
    await page.locator('.record-list .el-table__row, .record-cards .record-card').first().waitFor()
    const rows = await apiCall(page, 'GET', '/corrections-subjects?limit=100')
    expect(rows.status === 200 && rows.body.items.length > 0 && rows.body.items.every((x) => x.org_name === '陆家嘴街道司法所'),
      'the grant opens 陆家嘴 only')
    // the auditor finds the grant, who asked, for which office and why, in 紧急调阅记录
    const audit = await newContext(browser)
    try {
      const ap = await audit.newPage()
      await signInAdmin(ap, audit, 'auditor')
      await openMenu(ap, '系统管理', '紧急调阅记录')
      const row = ap.locator('.breakglass-page .el-table__row', { hasText: '核查区社区矫正机构转来的脱管预警' })
      await row.waitFor()
      const text = await row.innerText()
      expect(text.includes('陈科长') && text.includes('陆家嘴街道司法所') && text.includes('生效中'), `the grant's row: ${text}`)
    } finally {
      await audit.close()
    }
  },
  { login: true, timeout: 120_000 },
)

await run()
