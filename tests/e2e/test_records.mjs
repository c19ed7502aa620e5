// Browser tests: 由元数据生成的业务记录页面 (引擎的测试记录 test-items).
// Run with tests/e2e/run.sh tests/e2e/test_records.mjs (a server of its own; docs/testing.md).
import {
  BASE,
  DIRECTOR,
  LIST,
  OTHER,
  PASS,
  PHONE,
  PHONE_WIDTH,
  STAFF,
  STAMP,
  apiCall,
  expect,
  formField,
  gotoLoginAndSignIn,
  pickOption,
  run,
  screenshot,
  test,
} from './lib.mjs'

/* ---- the generic records pages (the engine's 测试记录, test-items) ---- */

// One record goes through the pages across the tests below, in order.
const RECORD = { title: `E2E调解测试-${STAMP}`, id: null }

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
    // people by name, not username (issue 15 point 7): the name the header shows
    const me = (await page.locator('.user-name').first().innerText()).trim()
    for (const words of ['创建', '修改', '概要', '受理', '提交审核', '受理 → 所长审核', '材料齐全', me])
      expect(text.includes(words), `history lacks "${words}"`)
    expect(!text.includes(STAFF), `history shows the username ${STAFF}`)
    expect(!/workflow\.|record\./.test(text), 'history shows an action key')
  },
  { login: true, records: true },
)

test(
  'records: a ref shows the referenced record by name, linking to it, never #<id>',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const title = `被引用记录-${STAMP}`
    const item = await apiCall(page, 'POST', '/test-items', { title })
    expect(item.status === 201, `item: ${item.status}`)
    const note = await apiCall(page, 'POST', '/test-notes', { item_id: item.body.id, note: '已电话回访' })
    expect(note.status === 201, `note: ${note.status} ${JSON.stringify(note.body)}`)
    await page.goto(BASE + `/records/test-notes/${note.body.id}`)
    const fields = page.locator('.record-detail .fields')
    const link = fields.locator('a.field-link', { hasText: title })
    await link.waitFor()
    const text = await fields.innerText()
    expect(!/#\d+/.test(text), `the detail shows an id: ${text}`)
    await link.click()
    await page.waitForURL((url) => url.pathname === `${LIST}/${item.body.id}`)
    await page.locator('.detail-head .head-title', { hasText: title }).waitFor()
    // the list of notes names the record too
    await page.goto(BASE + `/records/test-notes?item_id=${item.body.id}`)
    await page.locator('.record-table a.field-link, .record-cards a.field-link', { hasText: title }).first().waitFor()
  },
  { login: true, records: true },
)

test(
  '工作台 shows the to-do, with counts, and opens the record',
  async ({ page }) => {
    expect(RECORD.id, 'no record from the tests before')
    await gotoLoginAndSignIn(page, STAFF, PASS)
    // the first eight are shown, overdue and soonest first: the demo's other
    // lines may fill them, so open the whole list when it is longer
    await page.locator('.todo-list li').first().waitFor()
    const all = page.getByRole('button', { name: /查看全部/ })
    if (await all.count()) await all.click()
    const item = page.locator('.todo-list li', { hasText: RECORD.title })
    await item.waitFor()
    expect((await item.innerText()).includes('所长审核'), 'the to-do lacks the state')
    // overdue first: no overdue to-do below one that is not
    const overdue = await page.locator('.todo-list li').evaluateAll((els) => els.map((e) => e.classList.contains('todo-overdue')))
    const firstOnTime = overdue.indexOf(false)
    expect(overdue.includes(true) && (firstOnTime < 0 || !overdue.slice(firstOnTime).includes(true)), `to-do order by overdue: ${overdue}`)
    const stats = await page.locator('.todo-stats').innerText()
    for (const words of ['我的待办', '已逾期', '本周到期']) expect(stats.includes(words), `statistics lack ${words}`)
    await page.locator('.todo-counts', { hasText: '测试记录' }).waitFor()
    // the menu carries the count on the entity's page
    await page.locator('.layout-aside .app-menu').getByText('业务记录').click()
    await page.locator('.layout-aside .todo-badge[data-entity="test-items"]').waitFor()
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
    // a final state: nothing more to do, and the record is locked (no 编辑 / 删除)
    expect((await head.locator('.workflow-actions button').count()) === 0, 'actions offered in a final state')
    await head.locator('[data-test="locked"]', { hasText: '已锁定' }).waitFor()
    await head.locator('.locked-note', { hasText: '「办结」' }).waitFor()
    expect((await head.getByRole('button', { name: '编辑' }).count()) === 0, '编辑 offered on a final record')
    expect((await head.getByRole('button', { name: '删除' }).count()) === 0, '删除 offered on a final record')
    await page.getByRole('tab', { name: '历史记录' }).click()
    await page.locator('.record-history .history-item[data-action="pi.unmask"]', { hasText: '查看完整个人信息' }).waitFor()
    await page.locator('.record-history .history-item[data-action="workflow.approve"]', { hasText: '所长审核 → 办结' }).waitFor()
  },
  { login: true, records: true },
)

test(
  'records: a district administrator reopens a closed record, giving a reason',
  async ({ page }) => {
    expect(RECORD.id, 'no record from the tests before')
    await gotoLoginAndSignIn(page, 'pudong', PASS)
    await page.goto(BASE + `${LIST}/${RECORD.id}`)
    const head = page.locator('.detail-head')
    await head.locator('.state-tag', { hasText: '办结' }).waitFor()
    expect((await head.getByRole('button', { name: '编辑' }).count()) === 0, '编辑 offered on a final record')
    await head.locator('button[data-action="reopen"]').click()
    const dialog = page.locator('.workflow-dialog')
    await dialog.getByRole('button', { name: '确定重新办理' }).click()
    await dialog.locator('.el-form-item__error', { hasText: '请说明原因' }).waitFor()
    await dialog.locator('textarea[data-field="reason"]').fill('当事人反映协议未履行')
    await dialog.getByRole('button', { name: '确定重新办理' }).click()
    await head.locator('.state-tag', { hasText: '受理' }).waitFor()
    await head.getByRole('button', { name: '编辑' }).waitFor()
    // the 已锁定 tag leaves with el-tag's transition
    await head.locator('[data-test="locked"]').waitFor({ state: 'detached' })
    await head.getByRole('button', { name: '删除' }).waitFor()
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
    const mine = await apiCall(page, 'POST', '/test-items', { title: `选列-${STAMP}`, amount: '4321.50' })
    expect(mine.status === 201, `create answered ${mine.status}`)
    await page.goto(BASE + LIST)
    const row = page.locator('.record-table .el-table__row', { hasText: `选列-${STAMP}` })
    await row.waitFor()
    // the list asks only for the columns shown (?fields=): a column added
    // brings its values with it
    expect(!(await row.innerText()).includes('4321.50'), 'the amount is not a default column')
    await page.getByRole('button', { name: '列设置' }).click()
    await page.locator('.column-chooser').getByText('金额 (元)').click()
    await page.locator('.record-table thead', { hasText: '金额 (元)' }).waitFor()
    await row.filter({ hasText: '4321.50' }).waitFor()
    await page.reload()
    await page.locator('.record-table thead', { hasText: '金额 (元)' }).waitFor()
    await row.filter({ hasText: '4321.50' }).waitFor()

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

test(
  '掌上办: on a phone the to-do inbox shows each title whole and opens the record; a record entered on the phone is saved',
  async ({ page }) => {
    await page.setViewportSize(PHONE)
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const first = page.locator('.todo-list li').first()
    await first.waitFor()
    // the title has the row's width, not what the entity, state and date leave of it
    const row = await first.boundingBox()
    const title = await first.locator('.todo-title').boundingBox()
    expect(title.width > row.width * 0.8, `the to-do title is ${Math.round(title.width)} of ${Math.round(row.width)} px`)
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(wide <= PHONE_WIDTH, `the home page is ${wide}px wide on a ${PHONE_WIDTH}px phone`)
    await screenshot(page, 'mobile-todo.png')
    const href = await first.locator('a').getAttribute('href')
    await first.locator('a').click()
    await page.waitForURL((url) => url.pathname === href)
    await page.locator('.detail-head .head-title').waitFor()

    // record entry: the form stacked, filled with the thumb, saved
    await page.goto(BASE + LIST + '/new')
    await formField(page, 'title').waitFor()
    const entered = `掌上办录入-${STAMP}`
    await formField(page, 'title').locator('input').fill(entered)
    await pickOption(page, 'category', '邻里')
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/test-items') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(saved.status() === 201, `create on the phone answered ${saved.status()}: ${await saved.text()}`)
    const savedId = (await saved.json()).id
    await page.waitForURL((url) => url.pathname === `${LIST}/${savedId}`)
    await page.locator('.detail-head .head-title', { hasText: entered }).waitFor()
    const wideDetail = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(wideDetail <= PHONE_WIDTH, `the record page is ${wideDetail}px wide on a phone`)
  },
  { login: true, records: true },
)

test(
  'a business line declared in one C file (src/modules/test_line.c) has its menu group, list, detail, to-do and cockpit figures',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const subject = `探针走访-${STAMP}`
    const res = await apiCall(page, 'POST', '/line-probes', { subject, kind: 'visit', held_on: '2026-11-20' })
    expect(res.status === 201, `creating a probe answered ${res.status}: ${JSON.stringify(res.body)}`)
    // the menu: its own group, named by the declaration (nothing in web/src names it)
    await page.reload()
    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('探针条线').click()
    await menu.getByText('条线探针', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/records/line-probes')
    const crumb = await page.locator('.page-breadcrumb').innerText()
    expect(crumb.includes('探针条线') && crumb.includes('条线探针'), `breadcrumb "${crumb}"`)
    // the list, then the detail page titled by the declared title field
    await page.locator('.record-table .el-table__row', { hasText: subject }).first().click()
    await page.waitForURL((url) => url.pathname === `/records/line-probes/${res.body.id}`)
    await page.locator('.detail-head .head-title', { hasText: subject }).waitFor()
    // the to-do inbox counts it under its label
    await page.goto(BASE + '/')
    await page.locator('.todo-count', { hasText: '条线探针' }).first().waitFor()
    // the cockpit: its figures, by state, under its group
    await page.goto(BASE + '/cockpit')
    const fig = page.locator('[data-test="volume-figures"] li', { hasText: '条线探针 · 办理中' })
    await fig.first().waitFor({ state: 'attached' })
    const text = await fig.first().textContent()
    expect(/^探针条线: 条线探针 · 办理中 [1-9]/.test(text.trim()), `cockpit figure "${text}"`)
  },
  { login: true },
)

test(
  'records: a date column sorts its empty dates last, after the first click (newest first) and after the second',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    // three records of their own: two dates and one without (issue 16, 27)
    const mark = `空日期排序-${STAMP}`
    for (const [n, on] of [['甲', '2026-05-01'], ['乙', null], ['丙', '2026-02-01']]) {
      const body = { title: `${mark}-${n}` }
      if (on) body.happened_on = on
      const res = await apiCall(page, 'POST', '/test-items', body)
      expect(res.status === 201, `creating ${n} answered ${res.status}: ${JSON.stringify(res.body)}`)
    }
    await page.goto(BASE + `${LIST}?q=${encodeURIComponent(mark)}`)
    const rows = page.locator('.record-table .el-table__row')
    await rows.nth(2).waitFor()
    const order = async () => (await rows.allInnerTexts()).map((t) => t.match(new RegExp(`${mark}-(.)`))[1]).join('')
    const header = page.locator('.record-table .el-table__header th', { hasText: '发生日期' })
    for (const [sort, want] of [['-happened_on', '甲丙乙'], ['happened_on', '丙甲乙']]) {
      await Promise.all([
        page.waitForResponse((r) => r.url().includes('/api/v1/test-items?') && r.url().includes(`sort=${sort}`)),
        header.click(),
      ])
      await page.waitForURL((url) => url.searchParams.get('sort') === sort)
      await rows.first().locator('td', { hasText: `${mark}-${want[0]}` }).waitFor()
      const got = await order()
      expect(got === want, `sort=${sort}: rows ${got}, not ${want} (the empty date last)`)
    }
  },
  { login: true },
)

await run()
