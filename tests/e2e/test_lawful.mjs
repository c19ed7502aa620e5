// Browser tests: 依法行政 and 基层法治 (issue 21).
// Run with tests/e2e/run.sh tests/e2e/test_lawful.mjs (a server of its own; docs/testing.md).
import {
  BASE,
  PASS,
  STAFF,
  STAMP,
  act,
  apiCall,
  chooseIn as choose,
  expect,
  formField,
  gotoLoginAndSignIn,
  menuText,
  openMenu,
  pickOption,
  run,
  test,
} from './lib.mjs'

test(
  '依法行政: a department requests a legality review, a certified reviewer reviews it, the opinion document, its adoption',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    // both lines in the menu, drawn from /meta (the entities load after sign-in)
    for (const line of ['依法行政', '基层法治'])
      await page.locator('.layout-aside .app-menu').getByText(line, { exact: true }).waitFor()
    const menu = await menuText(page)
    expect(menu.includes('法治观察点') && menu.includes('行政复议与应诉'), `the lines' pages in the menu: ${menu}`)
    // the reviewer: a staff member of the office holding the legal qualification (staff register)
    const staff = await apiCall(page, 'GET', '/staff?limit=100')
    const reviewer = staff.body.items.find((s) => s.cert_date && s.status === 'on_duty')
    expect(reviewer, 'the demo office has a certified staff member')

    await openMenu(page, '依法行政', '合法性审查')
    await page.waitForURL((url) => url.pathname === '/records/legality-reviews')
    // the form straight by its address (the list's 新建 leads there; on a loaded
    // machine the list's first paint can outlast a click's patience)
    await page.goto(BASE + '/records/legality-reviews/new')
    await formField(page, 'title').waitFor({ timeout: 20_000 })
    const title = `浏览器测试停车管理办法${STAMP}`
    await formField(page, 'title').locator('input').fill(title)
    await pickOption(page, 'review_type', '行政规范性文件合法性审核')
    await formField(page, 'department').locator('input').fill('社区管理办公室')
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/legality-reviews') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(created.status() === 201, `create answered ${created.status()}`)
    const id = (await created.json()).id
    await page.waitForURL((url) => url.pathname === `/records/legality-reviews/${id}`)
    await page.locator('.record-docs .doc-pending', { hasText: '合法性审查意见书' }).waitFor()

    // acceptance: the reviewer picked from the staff register by name, never an id
    const accepted = await act(page, 'accept', '受理并指定审查人', '审查中', async (dialog) => {
      await choose(page, dialog, '审查人', reviewer.name)
    })
    expect(accepted.reviewer_id === reviewer.id && /^\(\d{4}\)法审字第\d+-\d{3}号$/.test(accepted.review_no), JSON.stringify(accepted))
    const due = await apiCall(page, 'GET', `/calendar/workdays?from=${accepted.accepted_on}&days=5`)
    expect(accepted.due_at === due.body.date, `due ${accepted.due_at}, 5 working days give ${due.body.date}`)
    await page.locator('.record-detail', { hasText: reviewer.name }).first().waitFor()

    await act(page, 'opine', '出具审查意见', '已出具意见', async (dialog) => {
      await choose(page, dialog, '审查结论', '修改后合法')
      await dialog.locator('.el-form-item', { hasText: '审查意见及理由' }).locator('textarea').fill('第八条收费标准缺乏上位法依据, 建议删除。')
    })
    // the opinion document, printable and as Word
    const link = page.locator('.record-docs a.doc-html', { hasText: '合法性审查意见书' })
    await link.waitFor()
    const doc = await page.evaluate(async (u) => {
      const html = await (await fetch(u)).text()
      const r = await fetch(u + '?format=docx')
      return { html, status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength }
    }, `/api/v1/legality-reviews/${id}/documents/opinion`)
    expect(doc.html.includes('合法性审查意见书') && doc.html.includes(accepted.review_no) && doc.html.includes('修改后合法'),
      'the opinion document carries the number and the conclusion')
    expect(doc.status === 200 && doc.type.includes('wordprocessingml') && doc.size > 1000, `docx ${doc.status} ${doc.type}`)

    await act(page, 'feedback', '登记采纳情况', '已办结', async (dialog) => {
      await choose(page, dialog, '采纳情况', '全部采纳')
      await dialog.locator('.el-form-item', { hasText: '采纳情况说明' }).locator('textarea').fill('已删除第八条')
    })
    await page.locator('.record-detail', { hasText: '全部采纳' }).first().waitFor()
  },
  { login: true },
)

test(
  '依法行政: a reconsideration reply due in 10 working days is in the to-do with its deadline',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const today = (await apiCall(page, 'GET', '/meta/entities/admin-disputes')).body
    expect(today && today.name === 'admin-disputes', 'the line is served')
    const now = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10) // Shanghai's date
    const title = `浏览器测试复议答复${STAMP}`
    const rc = await apiCall(page, 'POST', '/admin-disputes', {
      title, kind: 'reconsideration', claimant: '钱国平', authority: '区人民政府', department: '党政办公室', copy_received_on: now,
    })
    expect(rc.status === 201, `create answered ${rc.status}: ${JSON.stringify(rc.body)}`)
    const due = await apiCall(page, 'GET', `/calendar/workdays?from=${now}&days=10`)
    expect(rc.body.due_at === due.body.date, `reply due ${rc.body.due_at}, 10 working days give ${due.body.date}`)
    // the 工作台's to-do: the count per line, then the item with its deadline
    await page.reload()
    await page.locator('.todo-counts a', { hasText: '行政复议与应诉' }).waitFor()
    const more = page.getByRole('button', { name: /查看全部/ })
    if (await more.isVisible()) await more.click()
    const item = page.locator('.todo-list .todo-item', { hasText: title })
    await item.waitFor()
    const text = await item.innerText()
    expect(text.includes('待答复') && text.includes('前'), `to-do item "${text}"`)
    await item.click()
    await page.waitForURL((url) => url.pathname === `/records/admin-disputes/${rc.body.id}`)
    await page.locator('.detail-head .state-tag', { hasText: '待答复' }).waitFor()
  },
  { login: true },
)

test(
  '依法行政统计: the year\'s reviews by type and the counsel coverage, by label',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await page.locator('.layout-aside .app-menu').getByText('依法行政', { exact: true }).waitFor()
    await openMenu(page, '依法行政', '依法行政统计')
    await page.waitForURL((url) => url.pathname === '/administration/returns')
    const card = page.locator('.lawful-returns')
    await card.locator('.returns-table', { hasText: '合法性审查 (按送审类型)' }).waitFor()
    const text = await card.innerText()
    expect(text.includes('行政规范性文件合法性审核') && text.includes('合计'), 'the review types read by label')
    expect(text.includes('法律顾问覆盖') && text.includes('1 / 1'), `counsel coverage of the office: ${text.slice(0, 400)}`)
    expect(!/\blawful_if_changed\b|\bnormative_doc\b/.test(text), 'no code keys on the page')
  },
  { login: true },
)

await run()
