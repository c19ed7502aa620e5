// Browser tests: 公共法律服务 (issue 22; docs/public-legal-services.md).
// Run with tests/e2e/run.sh tests/e2e/test_pls.mjs (a server of its own; docs/testing.md).
// The records pages are the engine's generic ones, drawn from /meta; the map
// and the returns are the line's own pages (web/src/pages/PlsMap.vue,
// PlsReturns.vue).
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
  openMenu,
  pickOption,
  residentId,
  run,
  test,
} from './lib.mjs'

// A resident ID number's sequence for a person the test registers: 100-799, never
// the 8xx and 9xx of the lines' demo residents (31011519800101800X is one); the
// birth dates used here are no other demo resident's, so no draw meets the demo.
const seq = () => String(Math.floor(Math.random() * 700) + 100)

// Registers (or finds) a person through the form's person picker of field.
async function person(page, field, name, idNumber) {
  await formField(page, field).getByRole('button', { name: '登记/查找人员' }).click()
  const pd = page.locator('.person-dialog:visible')
  await pd.waitFor()
  await pd.locator('.el-form-item', { hasText: '姓名' }).locator('input').fill(name)
  await pd.locator('.el-form-item', { hasText: '证件号码' }).locator('input').fill(idNumber)
  await pd.getByRole('button', { name: '确定' }).click()
  await formField(page, field).locator('.person-chosen').waitFor()
}

test(
  '公共法律服务: a walk-in consultation is answered and referred to mediation; the case has both parties, nobody typed again',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await openMenu(page, '公共法律服务', '法律咨询')
    await page.waitForURL((url) => url.pathname === '/records/legal-consultations')
    for (const t of ['公共法律服务站点', '代收行政复议申请', '村(居)法律顾问', '基层法律服务所', '服务站点地图', '公共法律服务统计'])
      await page.locator('.layout-aside .app-menu').getByText(t, { exact: true }).waitFor()
    await page.goto(BASE + '/records/legal-consultations/new')
    await formField(page, 'title').waitFor({ timeout: 20_000 })
    const title = `楼上漏水协商未果${STAMP}`
    await pickOption(page, 'channel', '来访')
    await pickOption(page, 'category', '相邻关系')
    await formField(page, 'title').locator('input').fill(title)
    await formField(page, 'question').locator('textarea').fill('楼上卫生间漏水至我家天花板, 多次协商未果。')
    await formField(page, 'answer').locator('textarea').fill('告知可申请人民调解, 调解不成可向法院起诉; 注意保留照片等证据。')
    const n = seq()
    await person(page, 'person_id', '林咨询', residentId(`31011519800101${n}`))
    await person(page, 'counterpart_person_id', '蔡对方', residentId(`31011519750202${n}`))
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/legal-consultations') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(created.status() === 201, `create answered ${created.status()}: ${await created.text()}`)
    const con = await created.json()
    expect(/^\(\d{4}\)法咨字第\d+-\d{4}号$/.test(con.consult_no), `numbered ${con.consult_no}`)
    await page.waitForURL((url) => url.pathname === `/records/legal-consultations/${con.id}`)

    // 转人民调解: the dispute's type and the committee, picked by name
    const orgs = await apiCall(page, 'GET', '/mediation-orgs?limit=1')
    const committee = orgs.body.items[0]
    const referred = await act(page, 'refer_mediation', '转人民调解', '已转介', async (dialog) => {
      await choose(page, dialog, '纠纷类型', '邻里')
      await choose(page, dialog, '承接调解组织', committee.name)
    })
    expect(referred.mediation_case_id && referred.referral === 'mediation', JSON.stringify(referred))
    // the consultation shows the case by its 案由; the case page has both parties from the registry
    await page.locator('.record-detail', { hasText: title }).first().waitFor()
    await page.goto(BASE + `/records/mediation-cases/${referred.mediation_case_id}`)
    await page.locator('.detail-head .state-tag', { hasText: '登记' }).waitFor()
    const parties = page.locator('[data-children="parties"]')
    await parties.locator('.el-table__row', { hasText: '林*' }).filter({ hasText: '申请人' }).waitFor()
    await parties.locator('.el-table__row', { hasText: '蔡*' }).filter({ hasText: '被申请人' }).waitFor()
    const c = await apiCall(page, 'GET', `/mediation-cases/${referred.mediation_case_id}`)
    const ids = c.body.parties.items.map((p) => p.person_id).sort()
    expect(JSON.stringify(ids) === JSON.stringify([con.person_id, con.counterpart_person_id].sort()), `parties ${ids}`)
    expect(c.body.title === title && c.body.summary.includes(con.consult_no), 'the case carries the matter and the number')
  },
  { login: true },
)

test(
  '公共法律服务: an application for reconsideration is received at the counter, the 回执 printed, then forwarded',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await openMenu(page, '公共法律服务', '代收行政复议申请')
    await page.waitForURL((url) => url.pathname === '/records/reconsideration-intakes')
    await page.goto(BASE + '/records/reconsideration-intakes/new')
    await formField(page, 'respondent').waitFor({ timeout: 20_000 })
    await person(page, 'applicant_id', '韦申请', residentId(`31011519700303${seq()}`))
    await formField(page, 'respondent').locator('input').fill('上海市浦东新区市场监督管理局')
    await formField(page, 'act').locator('textarea').fill('对申请人作出的罚款 2000 元的行政处罚决定')
    await formField(page, 'requests').locator('textarea').fill('请求撤销该行政处罚决定')
    await pickOption(page, 'mode', '书面申请')
    await formField(page, 'materials').locator('textarea').fill('行政复议申请书 1 份, 处罚决定书复印件 1 份')
    await formField(page, 'pages').locator('input').fill('4')
    await formField(page, 'body').locator('input').fill('上海市浦东新区人民政府')
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/reconsideration-intakes') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(created.status() === 201, `create answered ${created.status()}: ${await created.text()}`)
    const rec = await created.json()
    await page.waitForURL((url) => url.pathname === `/records/reconsideration-intakes/${rec.id}`)
    // the receipt from the documents panel: the number, the body and the forwarding deadline
    const link = page.locator('.record-docs a.doc-html', { hasText: '代收行政复议申请回执' })
    await link.waitFor()
    // the clerk opens it to print: a page of its own in a new tab
    const [popup] = await Promise.all([page.waitForEvent('popup'), link.click()])
    await popup.waitForLoadState()
    const printed = await popup.locator('body').textContent()
    expect(printed.includes('代收行政复议申请回执') && printed.includes(rec.receipt_no) && printed.includes('上海市浦东新区人民政府'),
      'the printable receipt names itself, its number and the body')
    await popup.close()
    const doc = await page.evaluate(async (u) => {
      const html = await (await fetch(u)).text()
      const r = await fetch(u + '?format=docx')
      return { html, status: r.status, type: r.headers.get('content-type') }
    }, `/api/v1/reconsideration-intakes/${rec.id}/documents/receipt`)
    // the deadline as a document writes a date: 2026年12月10日
    const [y, m, d] = rec.due_at.slice(0, 10).split('-').map(Number)
    expect(doc.html.includes('代收行政复议申请回执') && doc.html.includes(rec.receipt_no) && doc.html.includes(`将于${y}年${m}月${d}日前转送`),
      'the receipt carries its number and the forwarding deadline')
    expect(doc.status === 200 && doc.type.includes('wordprocessingml'), `docx ${doc.status} ${doc.type}`)
    const forwarded = await act(page, 'forward', '转送复议机关', '已转送', async (dialog) => {
      await choose(page, dialog, '转送方式', '专人送达')
    })
    expect(forwarded.forwarded_on && forwarded.forward_late === false, JSON.stringify(forwarded))
  },
  { login: true },
)

test(
  '公共法律服务: the map of the districts shows the office\'s points, and the returns its figures',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await openMenu(page, '公共法律服务', '服务站点地图')
    await page.waitForURL((url) => url.pathname === '/legal-services/map')
    await page.locator('[data-test="map"] canvas').first().waitFor()
    const station = page.locator('[data-test="points"] .el-table__row', { hasText: '陆家嘴街道公共法律服务工作站' })
    await station.waitFor()
    // what the station offers and who staffs it, in the row
    const row = await station.textContent()
    expect(row.includes('代收行政复议申请') && row.includes('法律援助受理') && /\d+ 名/.test(row), `the station's row: ${row}`)
    // only the points taking reconsideration applications
    const all = await page.locator('[data-test="points"] .el-table__row').count()
    await page.locator('[data-test="service"]').click()
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '代收行政复议申请' }).click()
    await page.waitForFunction((n) => document.querySelectorAll('[data-test="points"] .el-table__row').length < n, all)
    const kept = await page.locator('[data-test="points"] .el-table__row').allTextContents()
    expect(kept.length > 0 && kept.every((t) => t.includes('代收行政复议申请')), `filtered: ${kept.length} of ${all}`)
    await openMenu(page, '公共法律服务', '公共法律服务统计')
    await page.waitForURL((url) => url.pathname === '/legal-services/returns')
    await page.locator('[data-test="indicators"]', { hasText: '法律咨询' }).waitFor()
    await page.locator('.returns-table', { hasText: '来访' }).first().waitFor()
    // the advisors' duties against the city's quotas, each row opening the advisor
    await page.locator('[data-test="duties"] .el-table__row').first().waitFor()
    // the same returns as Excel
    const href = await page.locator('a.xlsx').getAttribute('href')
    const x = await page.evaluate(async (u) => {
      const r = await fetch(u)
      return { status: r.status, type: r.headers.get('content-type') }
    }, href)
    expect(x.status === 200 && x.type.includes('spreadsheetml'), `xlsx ${JSON.stringify(x)}`)
    // a figure opens the records behind it: the 代收 applications of the year
    const fig = page.locator('[data-test="indicators"] a[data-figure="intakes"]')
    const n = Number((await fig.locator('.el-statistic__number').textContent()).replace(/\D/g, ''))
    expect(n > 0, `代收 figure ${n}`)
    await fig.click()
    await page.waitForURL((url) => url.pathname === '/records/reconsideration-intakes' && url.searchParams.has('received_on.from'))
    await page.locator('.el-table__row').first().waitFor()
    const rows = await page.locator('.el-table__body-wrapper .el-table__row').count()
    expect(rows === n, `the list shows ${rows} applications, the figure said ${n}`)
    // a grouped row too: the consultations of one channel
    await page.goBack()
    const walkIn = page.locator('.returns-table', { hasText: '按渠道' }).locator('.el-table__row', { hasText: '来访' })
    const count = Number(await walkIn.locator('a.count-link').textContent())
    await walkIn.locator('a.count-link').click()
    await page.waitForURL((url) => url.pathname === '/records/legal-consultations' && url.searchParams.get('channel') === 'walk_in')
    await page.locator('.el-table__row').first().waitFor()
    const listed = await page.locator('.el-table__body-wrapper .el-table__row').count()
    expect(listed === count, `来访: the list shows ${listed}, the table said ${count}`)
    // the year month by month: a month's row shows that month
    await page.goBack()
    const months = page.locator('[data-test="months"] .el-table__body-wrapper .el-table__row')
    await months.nth(11).waitFor()
    expect((await months.count()) === 12, 'twelve months')
    await months.nth(10).click()
    await page.waitForURL((url) => url.searchParams.get('month') === '11')
    await page.locator('[data-test="months"]').waitFor({ state: 'detached' })
    await page.locator('[data-test="indicators"]', { hasText: '法律咨询' }).waitFor()
  },
  { login: true },
)

test(
  '公共法律服务 in the cockpit: the city leader drills from the districts to a district and an office, and opens the records behind a figure',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, 'lingdao', PASS)
    await page.goto(BASE + '/cockpit')
    const card = page.locator('[data-test="pls"]')
    const units = card.locator('[data-test="pls-units"] .el-table__body-wrapper .el-table__row')
    await units.first().waitFor({ timeout: 30_000 })
    expect((await units.count()) === 16, `the city's card lists ${await units.count()} districts`)
    // 浦东新区 → its offices
    await units.filter({ hasText: '浦东新区司法局' }).click()
    await page.waitForURL((url) => url.searchParams.has('org'))
    const pudong = new URL(page.url()).searchParams.get('org')
    const ljz = card.locator('[data-test="pls-units"] .el-table__row', { hasText: '陆家嘴街道司法所' })
    await ljz.waitFor({ timeout: 30_000 })
    const ljzText = await ljz.textContent()
    // → 陆家嘴: the office's own figures, no units below
    await ljz.click()
    await page.waitForURL((url) => url.searchParams.get('org') && url.searchParams.get('org') !== pudong)
    const office = new URL(page.url()).searchParams.get('org')
    await page.locator('[data-test="trail"] .el-breadcrumb__item', { hasText: '陆家嘴街道司法所' }).waitFor()
    await card.locator('[data-test="pls-units"]').waitFor({ state: 'detached', timeout: 30_000 })
    const consultations = card.locator('a[data-figure="consultations"]')
    const n = Number((await consultations.locator('.el-statistic__number').textContent()).replace(/\D/g, ''))
    expect(ljzText.includes(String(n)), `the district's row (${ljzText}) and the office's card (${n}) agree`)
    // the link to the returns keeps the unit
    const more = await card.locator('a.more').getAttribute('href')
    expect(more.includes(`org=${office}`), `returns link ${more}`)
    // the figure → the office's consultations of the year
    await consultations.click()
    await page.waitForURL((url) => url.pathname === '/records/legal-consultations' && url.searchParams.get('org_id') === office)
    await page.locator('.el-table__row').first().waitFor()
    const rows = await page.locator('.el-table__body-wrapper .el-table__row').count()
    expect(rows === n, `the list shows ${rows} consultations, the card said ${n}`)
  },
  { login: true, timeout: 120_000 },
)

run()
