// Browser tests: a day's work (issue 16) — the to-do that opens exactly the
// waiting items, the office column above the office, batch review with a
// report per row, a send-back that must say why and shows it, 审核销号 with
// the measures and evidence, an archived case that offers no edit.
// Run with tests/e2e/run.sh tests/e2e/test_workday.mjs (a server of its own; docs/testing.md).
import {
  DIRECTOR,
  canvasInk,
  PASS,
  PHONE,
  STAFF,
  VIEWPORT,
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
import zlib from 'node:zlib'

const DISTRICT = 'pudong' // 浦东新区司法局, above 陆家嘴街道司法所 (STAFF's office)

// Another user signed in, in a context of their own (the desktop width).
async function signedIn(browser, username) {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  context.setDefaultTimeout(10_000)
  const page = await context.newPage()
  await gotoLoginAndSignIn(page, username, PASS)
  return { context, page }
}

// A minimal .xlsx of rows of text (inline strings, a stored zip) — as a clerk's
// spreadsheet would arrive, made here without a library.
function makeXlsx(rows) {
  const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const col = (i) => String.fromCharCode(65 + i)
  const sheet =
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
    rows
      .map((r, y) => `<row r="${y + 1}">` + r.map((v, x) => (v === '' ? '' : `<c r="${col(x)}${y + 1}" t="inlineStr"><is><t>${esc(v)}</t></is></c>`)).join('') + '</row>')
      .join('') +
    '</sheetData></worksheet>'
  const files = {
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    'xl/workbook.xml':
      '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    'xl/_rels/workbook.xml.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    'xl/worksheets/sheet1.xml': sheet,
  }
  const locals = []
  const centrals = []
  let offset = 0
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text)
    const nameBuf = Buffer.from(name)
    const crc = zlib.crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBuf.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBuf.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, nameBuf, data)
    centrals.push(central, nameBuf)
    offset += 30 + nameBuf.length + data.length
  }
  const dir = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(Object.keys(files).length, 8)
  end.writeUInt16LE(Object.keys(files).length, 10)
  end.writeUInt32LE(dir.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, dir, end])
}

// Chooses an .xlsx of these rows in the import dialog.
async function chooseXlsx(dialog, rows) {
  await dialog.locator('input[type="file"]').setInputFiles({
    name: '人员.xlsx',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    buffer: makeXlsx(rows),
  })
}

// n staff records of STAFF's office, entered through the API (待所长校核)
async function enterStaff(page, n, tag) {
  const ids = []
  for (let i = 0; i < n; i++) {
    const res = await apiCall(page, 'POST', '/staff', {
      name: `批量${tag}${i}`,
      post_type: 'political_legal',
      joined_on: '2026-01-05',
      status: 'on_duty',
    })
    expect(res.status === 201, `creating staff answered ${res.status} ${JSON.stringify(res.body)}`)
    ids.push(res.body.id)
  }
  return ids
}

// Selects the list rows whose text has `text` and fires the batch action `label`.
async function batch(page, text, label, n, shot) {
  const rows = page.locator('.record-table .el-table__body-wrapper .el-table__row', { hasText: text })
  await rows.first().waitFor()
  expect((await rows.count()) === n, `${await rows.count()} rows with "${text}", not ${n}`)
  for (let i = 0; i < n; i++) await rows.nth(i).locator('.el-checkbox').click()
  await page.locator('.list-bar').getByText(`已选 ${n} 条`).waitFor()
  await page.locator('.list-bar').getByRole('button', { name: new RegExp(`批量${label} \\(${n}\\)`) }).click()
  const box = page.locator('.el-message-box')
  await box.waitFor()
  await box.getByRole('button', { name: label }).click()
  const dialog = page.locator('.batch-dialog')
  await dialog.getByText(`成功 ${n} 条`).waitFor({ timeout: 30_000 })
  const results = await dialog.locator('.batch-results .el-table__row').allInnerTexts()
  expect(results.length === n && results.every((r) => r.includes(`已${label}`)), `batch results: ${results.join(' | ')}`)
  await screenshot(page, `workday-batch-${shot}.png`)
  await dialog.locator('.el-dialog__footer').getByRole('button', { name: '关闭' }).click()
}

test(
  'the to-do opens exactly the waiting items; the district list has the office column',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, DISTRICT, PASS)
    const todo = await apiCall(page, 'GET', '/todo')
    const waiting = todo.body.counts.staff
    expect(waiting > 0, `the district has ${waiting} staff to-dos`)
    // an archived case is no one's to-do (its reopen is not waiting work)
    const meta = await apiCall(page, 'GET', '/meta/entities/mediation-cases')
    const live = meta.body.workflow.states.filter((st) => !st.final).map((st) => st.key)
    const archived = await apiCall(page, 'GET', '/mediation-cases?wf_state=archived&limit=1')
    const open = await apiCall(page, 'GET', `/mediation-cases?wf_state=${live.join(',')}&limit=1`)
    expect(archived.body.total > 0, 'the demo has archived cases in the district')
    const cases = todo.body.counts['mediation-cases']
    expect(cases <= open.body.total, `${cases} mediation to-dos, more than the ${open.body.total} open cases`)

    await page.locator('.todo-card .todo-count', { hasText: '司法所工作人员' }).click()
    await page.waitForURL((url) => url.pathname === '/records/staff' && url.searchParams.get('todo') === '1')
    await page.locator('.list-bar .todo-filter').waitFor()
    await page.locator('.list-total', { hasText: `共 ${waiting} 条` }).waitFor()
    const head = await page.locator('.record-table .el-table__header').innerText()
    expect(head.includes('所属机构'), `the district's staff list has no office column: ${head}`)
    const first = await page.locator('.record-table .el-table__body-wrapper .el-table__row').first().innerText()
    expect(/司法所/.test(first), `the first row shows no office: ${first}`)
    await screenshot(page, 'workday-todo-list.png')
    // closing the tag shows every record again
    await page.locator('.list-bar .todo-filter .el-tag__close').click()
    await page.waitForURL((url) => url.pathname === '/records/staff' && !url.searchParams.has('todo'))
    await page.waitForFunction((n) => {
      const t = document.querySelector('.list-total')
      return t && !t.textContent.includes(`共 ${n} 条`)
    }, waiting)
  },
  { login: true },
)

test(
  'the to-do list pages past 200: numbered pages, a jump, filters folded, the page in the URL and the back button',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, DISTRICT, PASS)
    const todo = await apiCall(page, 'GET', '/todo')
    // the longest of the district's lists to do (the demo's lines decide which)
    const [entity, waiting] = Object.entries(todo.body.counts).sort((a, b) => b[1] - a[1])[0]
    expect(waiting > 200, `the district's longest to-do list, ${entity}, holds ${waiting}`)
    const origin = new URL(page.url()).origin
    await page.goto(`${origin}/records/${entity}?todo=1`)
    await page.locator('.list-total', { hasText: `共 ${waiting} 条` }).waitFor()
    // the filters are folded: the search box and 更多筛选 only
    expect(!(await page.locator('.filters-more').isVisible()), 'the filters start open')
    await page.getByRole('button', { name: '更多筛选' }).click()
    await page.locator('.filters-more').waitFor()
    const last = Math.ceil(waiting / 20)
    await page.locator('.pager .el-pagination').getByText(String(last), { exact: true }).waitFor()
    // jump to page 11: rows 201-220, walked to without OFFSET
    const jumper = page.locator('.pager .el-pagination__jump input')
    await jumper.fill('11')
    await jumper.press('Enter')
    await page.waitForURL((url) => url.searchParams.get('page') === '11' && url.searchParams.get('todo') === '1')
    await page.locator('.pager-info', { hasText: '第 11 页' }).waitFor()
    await page.locator('.record-table .el-table__body-wrapper .el-table__row').first().waitFor()
    const rows11 = await page.locator('.record-table .el-table__body-wrapper .el-table__row').allInnerTexts()
    expect(rows11.length === Math.min(20, waiting - 200), `page 11 shows ${rows11.length} rows`)
    await page.locator('.pager .el-pagination').getByText(String(last), { exact: true }).click()
    await page.waitForURL((url) => url.searchParams.get('page') === String(last))
    await page.locator('.pager-info', { hasText: `第 ${last} 页` }).waitFor()
    await screenshot(page, 'workday-list-pages.png')
    await page.goBack()
    await page.waitForURL((url) => url.searchParams.get('page') === '11')
    await page.locator('.pager-info', { hasText: '第 11 页' }).waitFor()
    // (the same rows unless the server's daily standards pass changed the problems meanwhile)
    await page.locator('.pager .el-pager li.is-active', { hasText: '11' }).waitFor()
    // the pager moves before the rows arrive: wait for page 11's rows, not the last page's
    const n = rows11.length
    const arrived = await page
      .waitForFunction(
        (want) => document.querySelectorAll('.record-table .el-table__body-wrapper .el-table__row').length === want,
        n,
        { timeout: 15_000 },
      )
      .then(() => true, () => false)
    const again = await page.locator('.record-table .el-table__body-wrapper .el-table__row').count()
    expect(arrived && again === n, `the back button brought ${again} rows, not page 11's ${n}`)
    // the last page's answer arriving after the back button's: page 11 keeps its own rows (a late
    // answer used to replace them, and its cursor was kept as page 11's)
    let held = null
    await page.route(`**/api/v1/${entity}?**`, async (route) => {
      if (!held && route.request().url().includes('after=')) {
        held = new Promise((resolve) => setTimeout(resolve, 2500))
        await held
      }
      await route.continue()
    })
    await page.locator('.pager .el-pagination').getByText(String(last), { exact: true }).click()
    await page.waitForURL((url) => url.searchParams.get('page') === String(last))
    await page.goBack()
    await page.waitForURL((url) => url.searchParams.get('page') === '11')
    expect(held, 'the last page asked for no rows')
    await held
    await page.waitForLoadState('networkidle')
    const late = await page.locator('.record-table .el-table__body-wrapper .el-table__row').allInnerTexts()
    expect(late.length === n && late.join() === rows11.join(), `after the last page's late answer page 11 shows ${late.length} rows`)
    await page.unroute(`**/api/v1/${entity}?**`)
  },
  { login: true, timeout: 90_000 },
)

test(
  'the director and the district approve 10 staff records in one batch each, reported per row',
  async ({ page, browser }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const tag = 'B' + STAMP
    await enterStaff(page, 10, tag)

    const { context: director, page: dp } = await signedIn(browser, DIRECTOR)
    await dp.goto(`${new URL(dp.url()).origin}/records/staff?todo=1&q=${encodeURIComponent('批量' + tag)}`)
    await batch(dp, '批量' + tag, '校核无误', 10, 'check')
    await director.close()

    const { context: district, page: zp } = await signedIn(browser, DISTRICT)
    await zp.goto(`${new URL(zp.url()).origin}/records/staff?todo=1&q=${encodeURIComponent('批量' + tag)}`)
    await batch(zp, '批量' + tag, '审核通过', 10, 'approve')
    const left = await apiCall(zp, 'GET', `/staff?q=${encodeURIComponent('批量' + tag)}&wf_state=approved`)
    expect(left.body.total === 10, `${left.body.total} of the 10 approved`)
    await district.close()
  },
  { login: true, timeout: 120_000 },
)

test(
  '退回修改 requires a reason, which heads the record for the clerk',
  async ({ page, browser }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const [id] = await enterStaff(page, 1, 'R' + STAMP)
    const { context: director, page: dp } = await signedIn(browser, DIRECTOR)
    const rec = await apiCall(dp, 'GET', `/staff/${id}`)
    const checked = await apiCall(dp, 'POST', `/staff/${id}/actions/check`, { version: rec.body.version })
    expect(checked.status === 200, `校核 answered ${checked.status}`)
    await director.close()

    const { context: district, page: zp } = await signedIn(browser, DISTRICT)
    // the server refuses a send-back without a reason
    const bare = await apiCall(zp, 'POST', `/staff/${id}/actions/send_back`, {})
    expect(bare.status === 422 && /理由/.test(bare.body.error.fields.comment), `a bare send-back answered ${bare.status}`)
    await zp.goto(`${new URL(zp.url()).origin}/records/staff/${id}`)
    await zp.locator('.detail-head [data-action="send_back"]').click()
    const dialog = zp.locator('.workflow-dialog')
    await dialog.waitFor()
    expect((await dialog.locator('.el-form-item__error').count()) === 0, 'the dialog opens showing errors')
    await dialog.getByRole('button', { name: /确定退回修改/ }).click()
    await dialog.getByText('请填写理由').waitFor()
    await dialog.locator('[data-field="comment"] textarea, textarea[data-field="comment"]').first().fill('到所日期与任命文件不符')
    await dialog.getByRole('button', { name: /确定退回修改/ }).click()
    await zp.locator('.detail-head .sent-back', { hasText: '到所日期与任命文件不符' }).waitFor()
    await district.close()

    await page.goto(`${new URL(page.url()).origin}/records/staff/${id}`)
    const note = page.locator('.detail-head .sent-back')
    await note.waitFor()
    const text = await note.innerText()
    expect(text.includes('退回修改') && text.includes('到所日期与任命文件不符') && text.includes('陈科长'), `the header says "${text}"`)
    await screenshot(page, 'workday-sent-back.png')

    // the send-back reached the clerk's bell; opening the notice marks it read and opens the record
    const bell = page.locator('.app-header .bell .el-badge__content')
    await bell.waitFor()
    const before = Number(await bell.innerText())
    expect(before >= 1, `the bell shows ${before}`)
    await page.locator('.app-header .bell').click()
    await page.waitForURL((url) => url.pathname === '/notifications')
    const notice = page.locator('.notice.unread', { hasText: '到所日期与任命文件不符' })
    await notice.waitFor()
    expect((await notice.innerText()).includes('退回修改'), 'the notice does not say 退回修改')
    await screenshot(page, 'notifications.png')
    await notice.click()
    await page.waitForURL((url) => url.pathname === `/records/staff/${id}`)
    const after = await apiCall(page, 'GET', '/notifications?unread=1&limit=1')
    expect(after.body.unread === before - 1, `unread ${after.body.unread} after opening one of ${before}`)
  },
  { login: true, timeout: 90_000 },
)

test(
  '审核销号 shows the measures, the evidence and whether the rule passes; the opinion is kept',
  async ({ page, browser }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const made = await apiCall(page, 'POST', '/problems', {
      title: '销号测试' + STAMP,
      rule: 'c15_posts',
      measures: '已增配专职人员两名, 并报区局备案',
    })
    expect(made.status === 201, `creating a problem answered ${made.status} ${JSON.stringify(made.body)}`)
    const sub = await apiCall(page, 'POST', `/problems/${made.body.id}/actions/submit`, { version: made.body.version })
    expect(sub.status === 200, `申请销号 answered ${sub.status} ${JSON.stringify(sub.body)}`)

    const { context: district, page: zp } = await signedIn(browser, DISTRICT)
    await zp.goto(`${new URL(zp.url()).origin}/records/problems/${made.body.id}`)
    await zp.locator('.detail-head [data-action="close"]').click()
    const dialog = zp.locator('.workflow-dialog')
    await dialog.locator('.shown-measures', { hasText: '已增配专职人员两名' }).waitFor()
    for (const label of ['整改措施', '整改佐证材料', '指标已恢复达标'])
      expect((await dialog.innerText()).includes(label), `the 审核销号 dialog lacks ${label}`)
    await screenshot(zp, 'workday-close-problem.png')
    await dialog.locator('textarea').first().fill('佐证材料齐全, 同意销号')
    await dialog.getByRole('button', { name: /确定审核销号/ }).click()
    await dialog.waitFor({ state: 'hidden' })
    await zp.locator('.record-detail .fields .field-review_note', { hasText: '佐证材料齐全, 同意销号' }).waitFor()
    await district.close()
  },
  { login: true, timeout: 90_000 },
)

test(
  'an archived case offers no edit, no delete and no new party',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const list = await apiCall(page, 'GET', '/mediation-cases?wf_state=archived&limit=1')
    const id = list.body.items[0].id
    await page.goto(`${new URL(page.url()).origin}/records/mediation-cases/${id}`)
    await page.locator('.detail-head [data-test="locked"]').waitFor()
    const buttons = await page.locator('.detail-head .head-actions .el-button').allInnerTexts()
    expect(!buttons.some((b) => /编辑|删除/.test(b)), `an archived case offers: ${buttons.join(', ')}`)
    const children = await page.locator('.detail-children .el-button').allInnerTexts()
    expect(!children.some((b) => /新增|编辑|删除/.test(b)), `its parties offer: ${children.join(', ')}`)
    await page.goto(`${new URL(page.url()).origin}/records/mediation-cases/${id}/edit`)
    await page.locator('.record-form .el-result', { hasText: '已归档' }).waitFor()
  },
  { login: true },
)

test(
  'a clerk registers a case with two parties from its own page, the village found by name, no id typed',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const persons = await apiCall(page, 'GET', '/persons?limit=1')
    const person = persons.body.items[0]
    const title = '相邻通行纠纷' + STAMP
    await page.goto(`${new URL(page.url()).origin}/records/mediation-cases/new`)
    await formField(page, 'title').locator('input').fill(title)
    await pickOption(page, 'source', '当事人申请')
    await pickOption(page, 'category', '邻里')
    // the village by part of its name, without opening the tree
    await formField(page, 'village_id').locator('.el-select').click()
    await formField(page, 'village_id').locator('input').fill('竹坊')
    await page.locator('.el-select-dropdown:visible .el-tree-node', { hasText: '竹坊花园居委会' }).first().click()
    await formField(page, 'mediation_org_id').locator('.el-select').click()
    await page.locator('.el-select-dropdown__item:visible').first().click()
    expect((await page.locator('.record-form input[placeholder*="编号"]').count()) === 0, 'the form has an id box')
    // the parties are added before the first save, in the form's own table
    const kids = page.locator('.record-form [data-children="parties"]')
    await kids.waitFor()
    const posts = []
    page.on('request', (req) => req.method() === 'POST' && posts.push(new URL(req.url()).pathname))

    const dialog = page.locator('.el-dialog:visible', { hasText: '新增调解案件当事人' })
    const field = (name) => dialog.locator(`[data-field="${name}"]`)
    const choose = async (name, label) => {
      await field(name).locator('.el-select').click()
      await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click()
    }
    // a person of the registry, found by name
    await kids.getByRole('button', { name: '新增调解案件当事人' }).click()
    await choose('role', '申请人')
    await field('person_id').locator('.el-select').click()
    await field('person_id').locator('input').first().fill(person.name)
    await page.locator('.el-select-dropdown__item:visible', { hasText: person.name }).first().click()
    await dialog.getByRole('button', { name: '保存' }).click()
    await kids.locator('.el-table__row', { hasText: '申请人' }).waitFor()
    // a unit
    await kids.getByRole('button', { name: '新增调解案件当事人' }).click()
    await choose('role', '被申请人')
    await field('unit_name').locator('input').fill('某物业服务有限公司')
    await dialog.getByRole('button', { name: '保存' }).click()
    await kids.locator('.el-table__row', { hasText: '某物业服务有限公司' }).waitFor()
    await screenshot(page, 'workday-case-parties.png')
    await page.locator('.record-form .form-actions').getByRole('button', { name: '保存', exact: true }).click()
    await page.waitForURL((url) => /^\/records\/mediation-cases\/\d+$/.test(url.pathname))
    const id = page.url().match(/mediation-cases\/(\d+)/)[1]
    const writes = posts.filter((p) => /mediation-(cases|parties)/.test(p))
    expect(writes.length === 1 && writes[0] === '/api/v1/mediation-cases', `the case and its parties took ${writes.join(', ')}`)
    // the case page loads after the navigation: wait for its parties before counting them
    const partyRows = page.locator('.detail-children [data-children="parties"] .el-table__row')
    await partyRows.nth(1).waitFor()
    const rows = await partyRows.allInnerTexts()
    expect(rows.length === 2, `the case page shows ${rows.length} parties: ${rows.join(' | ')}`)
    const rec = await apiCall(page, 'GET', `/mediation-cases/${id}`)
    expect(rec.body.village_id_name === '竹坊花园居委会' && rec.body.parties.items.length === 2, JSON.stringify(rec.body).slice(0, 300))
  },
  { login: true, timeout: 90_000 },
)

test(
  'on a phone the village is found by name and the registration date is filled in',
  async ({ browser }) => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: PHONE, isMobile: true, hasTouch: true })
    const page = await context.newPage()
    try {
      await gotoLoginAndSignIn(page, STAFF, PASS)
      await page.goto(`${new URL(page.url()).origin}/records/mediation-cases/new`)
      const date = await formField(page, 'received_on').locator('input').inputValue()
      expect(/^\d{4}-\d{2}-\d{2}$/.test(date), `登记日期 on the phone: "${date}"`)
      await formField(page, 'village_id').locator('.el-select').click()
      await formField(page, 'village_id').locator('input').fill('竹坊')
      await page.locator('.el-select-dropdown:visible .el-tree-node', { hasText: '竹坊花园居委会' }).first().tap()
      await formField(page, 'village_id').getByText('竹坊花园居委会').waitFor()
      expect(!(await page.locator('.record-form').innerText()).includes('请填写登记日期'), 'the phone asks for 登记日期')
      await screenshot(page, 'workday-mobile-case.png')
    } finally {
      await context.close()
    }
  },
  { login: true },
)

test(
  '打印: a record, a list page and the scorecard print on A4 headed by the unit, without menu or buttons',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const origin = new URL(page.url()).origin
    const list = await apiCall(page, 'GET', '/mediation-cases?limit=1')
    const checks = [
      [`/records/mediation-cases/${list.body.items[0].id}`, '.record-detail .fields', 'print-record.pdf'],
      ['/records/mediation-cases', '.record-table .el-table__row', 'print-list.pdf'],
      ['/standards/check', '[data-test="results"] .el-table__row', 'print-scorecard.pdf'],
    ]
    for (const [path, ready] of checks) {
      await page.goto(origin + path)
      await page.locator(ready).first().waitFor()
      expect((await page.locator('[data-test="print"]').count()) === 1, `${path} has no 打印 button`)
      await page.emulateMedia({ media: 'print' })
      const header = page.locator('.print-header')
      await header.waitFor()
      expect((await header.innerText()).includes('陆家嘴街道司法所'), `${path}: the printout is not headed by the unit`)
      expect(!(await page.locator('.layout-aside').isVisible()), `${path}: the menu prints`)
      expect((await page.locator('.layout-main .el-button:visible').count()) === 0, `${path}: buttons print`)
      const pdf = await page.pdf({ preferCSSPageSize: true })
      expect(pdf.length > 10_000 && pdf.subarray(0, 5).toString() === '%PDF-', `${path}: no PDF (${pdf.length} bytes)`)
      await page.emulateMedia({ media: 'screen' })
      expect(!(await page.locator('.print-header').isVisible()), `${path}: the print header shows on screen`)
    }
  },
  { login: true, timeout: 90_000 },
)

test(
  'the scorecard lists rules by clause, labels every heat-map column apart, explains 实际 / 要求',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, DISTRICT, PASS)
    const origin = new URL(page.url()).origin
    await page.goto(origin + '/standards/check')
    const rows = page.locator('[data-test="results"] .el-table__body-wrapper .el-table__row')
    await rows.first().waitFor()
    const clauses = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td').innerText.trim()))
    const key = (c) => (Number.isNaN(parseFloat(c)) ? Infinity : parseFloat(c)) // 四(三) after the numbered clauses
    expect(clauses.every((c, i) => i === 0 || key(clauses[i - 1]) <= key(c)), `rules out of clause order: ${clauses.join(', ')}`)
    await page.locator('[data-test="legend"]', { hasText: '实际 / 要求' }).waitFor()
    // the heat map's column labels (the page's own function, on the server's matrix)
    const org = (await apiCall(page, 'GET', '/session')).body.user.org.id
    const matrix = await apiCall(page, 'GET', `/standards/matrix?org=${org}`)
    const { byClause, ruleLabels } = await import('../../web/src/standardsCharts.js')
    const labels = ruleLabels(byClause(matrix.body.rules))
    expect(new Set(labels).size === labels.length, `heat-map columns read the same: ${labels.join(', ')}`)
    const card = await apiCall(page, 'GET', `/standards/scorecard?org=${org}`)
    for (const r of card.body.rules.filter((x) => x.rate !== null && x.passed + x.failed > 0)) {
      const exact = (100 * r.passed) / (r.passed + r.failed)
      expect(Math.abs(r.rate - exact) <= 0.05 + 1e-9, `rule ${r.clause}: rate ${r.rate} for ${r.passed}/${r.passed + r.failed}`)
    }
    await screenshot(page, 'workday-scorecard.png')
  },
  { login: true },
)

test(
  '附件: a clerk adds two files to a case, opens one, removes one; a file of another type is refused',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const made = await apiCall(page, 'POST', '/mediation-cases', {
      title: '附件纠纷' + STAMP,
      source: 'party_application',
      category: 'neighborhood',
    })
    expect(made.status === 201, `creating a case answered ${made.status}`)
    await page.goto(`${new URL(page.url()).origin}/records/mediation-cases/${made.body.id}`)
    const box = page.locator('.record-attachments')
    await box.locator('.att-head').waitFor()
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
    const png = Buffer.from(
      '89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b55' +
        '0000000a49444154789c636800000082008177cd72b60000000049454e44ae426082',
      'hex',
    )
    await box.locator('[data-test="attachment-input"]').setInputFiles([
      { name: '调解申请书.pdf', mimeType: 'application/pdf', buffer: pdf },
      { name: '现场照片.png', mimeType: 'image/png', buffer: png },
    ])
    await box.locator('.att-table .el-table__row', { hasText: '现场照片.png' }).waitFor()
    expect((await box.locator('.att-table .el-table__body-wrapper .el-table__row').count()) === 2, 'not two attachments')
    const href = await box.locator('a.att-link', { hasText: '调解申请书.pdf' }).getAttribute('href')
    const got = await page.evaluate(async (u) => {
      const r = await fetch(u)
      return { status: r.status, type: r.headers.get('content-type'), size: (await r.arrayBuffer()).byteLength }
    }, href)
    expect(got.status === 200 && got.type.startsWith('application/pdf') && got.size === pdf.length, JSON.stringify(got))
    await screenshot(page, 'attachments.png')
    // an executable named .pdf is refused by its content
    await box.locator('[data-test="attachment-input"]').setInputFiles([
      { name: '伪装.pdf', mimeType: 'application/pdf', buffer: Buffer.from('MZ\x90\x00 not a pdf') },
    ])
    await page.locator('.el-message--error', { hasText: '伪装.pdf' }).waitFor()
    await box.locator('.att-table .el-table__row', { hasText: '现场照片.png' }).getByRole('button', { name: '删除' }).click()
    await page.locator('.el-message-box').getByRole('button', { name: '删除' }).click()
    await page.getByText('已删除附件').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('.record-attachments .att-table .el-table__body-wrapper .el-table__row').length === 1)
  },
  { login: true },
)

test(
  'an .xlsx import with one bad row reports that row as the spreadsheet numbers it; the template has drop-downs',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await page.goto(`${new URL(page.url()).origin}/records/staff`)
    await page.getByRole('button', { name: '导入' }).click()
    const dialog = page.locator('.el-dialog', { hasText: '导入司法所工作人员' })
    await dialog.waitFor()
    // 导入模板: an .xlsx whose code columns are drop-downs from a hidden 代码表
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.locator('[data-test="import-template"]').click()])
    expect(/\.xlsx$/.test(download.suggestedFilename()), `template saved as ${download.suggestedFilename()}`)
    const tpl = await page.evaluate(async () => {
      const r = await fetch('/api/v1/staff/import/template?format=xlsx')
      return { status: r.status, size: (await r.arrayBuffer()).byteLength }
    })
    expect(tpl.status === 200 && tpl.size > 3000, `template ${JSON.stringify(tpl)}`)
    const tag = 'X' + STAMP
    await chooseXlsx(dialog, [
      ['陆家嘴街道司法所 · 司法所工作人员'],
      ['姓名', '编制 (用工) 类型', '到所日期', '人员状态'],
      [`表格甲${tag}`, '政法专项编制', '2026-03-01', '在岗'],
      ['', '政法专项编制', '2026-03-01', '在岗'],
      [`表格乙${tag}`, '政法专项编制', '2026-03-02', '在岗'],
    ])
    await dialog.getByText('只导入正确的行').click()
    await dialog.getByRole('button', { name: '开始导入' }).click()
    await dialog.locator('.import-summary', { hasText: '已导入 2 行, 有误 1 行' }).waitFor({ timeout: 30_000 })
    const rejected = await dialog.locator('.import-rejected .el-table__row').allInnerTexts()
    expect(rejected.length === 1 && /^4\s+姓名/.test(rejected[0]), `rejected rows ${JSON.stringify(rejected)}`)
    await screenshot(page, 'import-xlsx.png')
    const got = await apiCall(page, 'GET', `/staff?q=${encodeURIComponent(tag)}`)
    expect(got.body.total === 2, `${got.body.total} imported`)
  },
  { login: true, timeout: 90_000 },
)

test(
  'an import may start records in a declared state: the director imports staff already checked (待区局审核)',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, DIRECTOR, PASS)
    await page.goto(`${new URL(page.url()).origin}/records/staff`)
    await page.getByRole('button', { name: '导入' }).click()
    const dialog = page.locator('.el-dialog', { hasText: '导入司法所工作人员' })
    const states = dialog.locator('[data-test="import-state"]')
    await states.waitFor()
    const offered = await states.locator('.el-radio').allInnerTexts()
    expect(offered.join(',') === '待所长校核,待区局审核', `states offered: ${offered.join(',')}`)
    const tag = 'S' + STAMP
    await chooseXlsx(dialog, [
      ['姓名', '编制 (用工) 类型', '到所日期', '人员状态'],
      [`已校核${tag}`, '政法专项编制', '2026-03-01', '在岗'],
    ])
    await states.getByText('待区局审核').click()
    await dialog.getByRole('button', { name: '开始导入' }).click()
    await dialog.locator('.import-summary', { hasText: '已导入 1 行' }).waitFor({ timeout: 30_000 })
    const got = await apiCall(page, 'GET', `/staff?q=${encodeURIComponent(tag)}`)
    expect(got.body.items.length === 1 && got.body.items[0].wf_state === 'checked', JSON.stringify(got.body.items))
  },
  { login: true, timeout: 90_000 },
)

test(
  "the city leader's cockpit shows the city's mediation figures; 调解案件 opens read-only",
  async ({ page }) => {
    await gotoLoginAndSignIn(page, 'lingdao', PASS)
    await page.goto(`${new URL(page.url()).origin}/cockpit`)
    await page.locator('[data-test="mediation"]').waitFor({ timeout: 15_000 })
    const ink = await canvasInk(page, '[data-test="mediation"]')
    expect(ink > 500, `the mediation chart is blank (${ink} pixels drawn)`)
    const stat = await page.locator('.el-statistic', { hasText: '年调解案件' }).innerText()
    expect(/\d/.test(stat) && !/\b0$/.test(stat.trim()), `the year's cases: ${stat}`)
    await screenshot(page, 'workday-leader-cockpit.png')
    await page.goto(`${new URL(page.url()).origin}/records/mediation-cases`)
    // the whole city's cases, counted: the heaviest list of the suite (took over 10 s under load once)
    await page.locator('.el-table__row').first().waitFor({ timeout: 30_000 })
    const buttons = await page.locator('.list-head .el-button').allInnerTexts()
    expect(buttons.includes('导出') && !buttons.some((b) => /新建|导入/.test(b)), `the leader is offered: ${buttons.join(', ')}`)
  },
  { login: true },
)

test(
  "the city leader reads every line and is offered no write: 普法活动 and 工作人员 open with 导出 only, on the desk and the phone",
  async ({ page }) => {
    await gotoLoginAndSignIn(page, 'lingdao', PASS)
    for (const [entity, size] of [['pufa-activities', VIEWPORT], ['staff', PHONE]]) {
      await page.setViewportSize(size)
      await page.goto(`${new URL(page.url()).origin}/records/${entity}`)
      const row = page.locator(size === PHONE ? '.record-card' : '.record-table .el-table__row').first()
      await row.waitFor({ timeout: 30_000 })
      const buttons = await page.locator('.list-head .el-button').allInnerTexts()
      expect(!buttons.some((b) => /新建|导入/.test(b)), `${entity}: the leader is offered ${buttons.join(', ')}`)
      await row.click()
      await page.waitForURL((url) => new RegExp(`/records/${entity}/\\d+`).test(url.pathname))
      await page.locator('.record-detail, .el-descriptions').first().waitFor({ timeout: 15_000 })
      const actions = await page.locator('.el-button').allInnerTexts()
      expect(!actions.some((b) => /^(编辑|删除|提交|审核)$/.test(b.trim())), `${entity} detail: ${actions.join(', ')}`)
    }
  },
  { login: true },
)

test(
  '导出 follows the list: sorted by a column header, the export asks that order and its rows come in it',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await page.goto(`${new URL(page.url()).origin}/records/mediation-cases`)
    await page.locator('.record-table .el-table__row').first().waitFor()
    // 案件编号 clicked: the list sorts by it (the URL keeps it)
    await page.locator('.record-table th', { hasText: '案件编号' }).locator('.caret-wrapper').click()
    await page.waitForURL((url) => /sort=-?case_no/.test(url.search))
    const sort = new URL(page.url()).searchParams.get('sort')
    await page.waitForLoadState('networkidle')
    const firstShown = (await page.locator('.record-table .el-table__row').first().innerText()).split('\t')
    const [request] = await Promise.all([
      page.waitForRequest((req) => req.url().includes('/mediation-cases/export')),
      page.waitForEvent('download'),
      page.getByRole('button', { name: '导出' }).click(),
    ])
    const asked = new URL(request.url()).searchParams
    expect(asked.get('sort') === sort && asked.get('columns'), `the export asked ${request.url()}`)
    // the same export as CSV: its first row is the list's first
    const first = await page.evaluate(async (q) => {
      const r = await fetch(`/api/v1/mediation-cases/export?format=csv&sort=${encodeURIComponent(q)}`)
      return (await r.text()).replace(/^\uFEFF/, '').split('\r\n')[1]
    }, sort)
    const list = await apiCall(page, 'GET', `/mediation-cases?limit=1&sort=${encodeURIComponent(sort)}`)
    expect(first.startsWith(`${list.body.items[0].id},`), `export's first row ${first} vs the list's ${list.body.items[0].id}`)
    expect(firstShown.some((cell) => list.body.items[0].title && cell.includes(list.body.items[0].title)),
      `the page shows first ${firstShown.join(' | ')}`)
  },
  { login: true },
)

test(
  '账户与安全: my sessions, another one ended; 修改密码 under the policy ends the others',
  async ({ page, browser }) => {
    const who = 'tiaojie' // no other test signs in as 吴调解
    await gotoLoginAndSignIn(page, who, PASS)
    const { context: other, page: op } = await signedIn(browser, who)
    await page.locator('.user-chip').click()
    await page.getByText('修改密码 / 登录设备').click()
    await page.waitForURL((url) => url.pathname === '/account')
    const rows = page.locator('.sessions-table .el-table__body-wrapper .el-table__row')
    await rows.nth(1).waitFor()
    expect((await rows.filter({ hasText: '本机' }).count()) === 1, 'the current session is not marked 本机')
    await screenshot(page, 'account.png')
    await rows.filter({ hasNotText: '本机' }).first().getByRole('button', { name: '结束' }).click()
    await page.getByText('已结束该登录').waitFor()
    expect((await apiCall(op, 'GET', '/session')).status === 401, 'the ended session still works')
    await gotoLoginAndSignIn(op, who, PASS)

    // the policy: a weak password is refused at its field
    await page.locator('input[name="old-password"]').fill(PASS)
    await page.locator('input[name="new-password"]').fill('123')
    await page.locator('input[name="new-password-again"]').fill('123')
    await page.getByRole('button', { name: '修改密码' }).click()
    await page.locator('.pw-form .el-form-item__error').first().waitFor()
    const fresh = 'Tj@' + STAMP + 'x9Q'
    await page.locator('input[name="new-password"]').fill(fresh)
    await page.locator('input[name="new-password-again"]').fill(fresh)
    await page.getByRole('button', { name: '修改密码' }).click()
    await page.getByText('其他设备上的登录已全部退出').first().waitFor()
    expect((await apiCall(op, 'GET', '/session')).status === 401, 'the other session outlived the password change')
    expect((await apiCall(page, 'GET', '/session')).status === 200, 'the changing session ended')
    await other.close()
  },
  { login: true, timeout: 90_000 },
)

await run()
