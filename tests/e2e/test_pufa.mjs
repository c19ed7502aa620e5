// Browser tests: 普法依法治理, 立法意见征集, 人民陪审员 (issue 23; docs/pufa.md).
// Run with tests/e2e/run.sh tests/e2e/test_pufa.mjs (a server of its own; docs/testing.md).
// The pages are the engine's generic ones, drawn from /meta: these tests
// check that the lines declared in src/modules/pufa.c, legislation.c and
// assessors.c are usable from the menu to the end of their workflows.
import { PASS, STAFF, STAMP, apiCall, expect, formField, gotoLoginAndSignIn, newContext, pickOption, run, test } from './lib.mjs'

// a 1×1 PNG
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082',
  'hex',
)

// A valid resident ID number (GB 11643 check digit) from 17 digits.
function residentId(id17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...id17].reduce((a, c, i) => a + Number(c) * w[i], 0)
  return id17 + '10X98765432'[sum % 11]
}
// A resident ID number's sequence for a person the test registers: 100-799, never
// the 8xx and 9xx of the lines' demo residents (31011519800101800X is one); the
// birth dates used here are no other demo resident's, so no draw meets the demo.
const seq = () => String(Math.floor(Math.random() * 700) + 100)

// Fires a workflow action from the detail page's head with the dialog's
// fields filled by fill(dialog); returns the action's response.
async function action(page, name, label, fill) {
  const dialog = page.locator('.workflow-dialog')
  await page.locator(`.detail-head button[data-action="${name}"]`).click()
  await dialog.waitFor()
  if (fill) await fill(dialog)
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes(`/actions/${name}`)),
    dialog.getByRole('button', { name: '确定' + label }).click(),
  ])
  return res
}
// 新建 on a list page: the first records page of a run loads its chunks,
// which on a busy machine takes a while
async function openNew(page) {
  await page.locator('.record-list').getByRole('button', { name: '新建' }).click({ timeout: 30_000 })
}
const item = (dialog, label) => dialog.locator('.el-form-item', { hasText: label })
async function choose(page, scope, label, option) {
  await item(scope, label).locator('.el-select').first().click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click()
}
async function pickIn(page, dialog, field, option) {
  await dialog.locator(`[data-field="${field}"] .el-select`).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click()
}
async function date(scope, label, value) {
  const input = item(scope, label).locator('input').first()
  await input.fill(value)
  await input.press('Enter')
}

test(
  '普法: a clerk records an activity in a village from the menu and adds two photos to it',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('普法依法治理', { exact: true }).click()
    for (const t of ['普法活动', '民主法治示范村(社区)', '法治带头人/法律明白人', '村规民约'])
      await menu.getByText(t, { exact: true }).waitFor()
    await menu.getByText('普法活动', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/records/pufa-activities')
    await openNew(page)
    await formField(page, 'theme').waitFor()
    const theme = `民法典进楼组${STAMP}`
    await formField(page, 'theme').locator('input').fill(theme)
    await formField(page, 'held_on').locator('input').fill('2026-12-04') // in the demo's 2026 plan
    await formField(page, 'held_on').locator('input').press('Enter')
    await pickOption(page, 'setting', '社区')
    await formField(page, 'place').locator('input').fill('楼组活动室')
    await formField(page, 'audience').locator('input').fill('35')
    // the village from the org tree: the office, then one of its 居委会
    await formField(page, 'village_id').locator('.org-picker').click()
    const tree = page.locator('.el-tree-select__popper:visible')
    await tree.locator('.el-tree-node', { hasText: '陆家嘴街道司法所' }).first().locator('.el-tree-node__expand-icon').first().click()
    const village = tree.locator('.el-tree-node .el-tree-node', { hasText: '居委会' }).first()
    await village.waitFor()
    const villageName = (await village.locator('.el-select-dropdown__item').first().innerText()).trim()
    await village.locator('.el-select-dropdown__item').first().click()
    await formField(page, 'materials').locator('input[type="file"]').setInputFiles({ name: '宣传册.png', mimeType: 'image/png', buffer: PNG })
    await formField(page, 'materials').getByText('已上传').waitFor()
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/pufa-activities') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(created.status() === 201, `create answered ${created.status()}: ${await created.text()}`)
    const id = (await created.json()).id
    await page.waitForURL((url) => url.pathname === `/records/pufa-activities/${id}`)
    await page.locator('.record-detail .fields', { hasText: villageName }).waitFor()

    // two photos, each through the children table's dialog
    const photos = page.locator('[data-children="photos"]')
    for (const caption of ['主讲人讲解', '居民提问']) {
      await photos.getByRole('button', { name: /新增/ }).click()
      const dialog = page.locator('.el-dialog', { hasText: '新增活动照片' })
      await dialog.waitFor()
      await dialog.locator('[data-field="photo"] input[type="file"]').setInputFiles({ name: caption + '.png', mimeType: 'image/png', buffer: PNG })
      await dialog.locator('[data-field="photo"]').getByText('已上传').waitFor()
      await dialog.locator('[data-field="caption"] input').fill(caption)
      const [saved] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/pufa-activity-photos') && r.request().method() === 'POST'),
        dialog.getByRole('button', { name: '保存' }).click(),
      ])
      expect(saved.status() === 201, `photo answered ${saved.status()}: ${await saved.text()}`)
      await photos.locator('.el-table__row', { hasText: caption }).waitFor()
    }
    expect((await photos.locator('.el-table__row').count()) === 2, 'two photos in the table')
    const link = photos.locator('.el-table__row', { hasText: '居民提问' }).getByText('查看文件')
    const href = await link.getAttribute('href')
    const got = await page.evaluate(async (u) => {
      const r = await fetch(u)
      return { status: r.status, type: r.headers.get('content-type') }
    }, href)
    expect(got.status === 200 && got.type === 'image/png', `photo download ${JSON.stringify(got)}`)

  },
  { login: true },
)

test(
  '普法: an item of the year\'s plan is ticked off by an activity picked by its theme',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const theme = `宪法宣传周进校园${STAMP}`
    const act = await apiCall(page, 'POST', '/pufa-activities', {
      theme, held_on: '2026-12-04', setting: 'schools', place: '中学礼堂', audience: 300,
    })
    expect(act.status === 201, `activity answered ${act.status}: ${JSON.stringify(act.body)}`)
    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('普法依法治理', { exact: true }).click()
    await menu.getByText('普法年度计划', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/records/pufa-plans')
    await page.locator('.el-table__row', { hasText: '2026 年度普法依法治理工作计划' }).first().click()
    const items = page.locator('[data-children="items"]')
    await items.locator('.el-table__row', { hasText: '宪法宣传周进学校' }).getByRole('button', { name: '编辑' }).click()
    const edit = page.locator('.el-dialog', { hasText: '编辑普法计划事项' })
    await edit.waitFor()
    await edit.locator('[data-field="activity_id"] .el-select').click()
    await edit.locator('[data-field="activity_id"] input').fill(theme)
    await page.locator('.el-select-dropdown__item:visible', { hasText: theme }).first().click()
    const [ticked] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/pufa-plan-items/') && r.request().method() === 'PATCH'),
      edit.getByRole('button', { name: '保存' }).click(),
    ])
    expect(ticked.status() === 200, `tick answered ${ticked.status()}: ${await ticked.text()}`)
    await items.locator('.el-table__row', { hasText: theme }).waitFor()
  },
  { login: true },
)

test(
  '立法意见征集: a campaign from publication through a suggestion and its consolidation to forwarding',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('立法意见征集', { exact: true }).click()
    await menu.getByText('立法征求意见', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/records/legislation-campaigns')
    await openNew(page)
    await formField(page, 'title').waitFor()
    const title = `上海市某条例 (草案) ${STAMP}`
    await formField(page, 'title').locator('input').fill(title)
    await pickOption(page, 'kind', '地方性法规')
    await formField(page, 'issuer').locator('input').fill('市人大常委会法工委')
    await formField(page, 'published_on').locator('input').fill('2026-12-01')
    await formField(page, 'published_on').locator('input').press('Enter')
    await formField(page, 'deadline').locator('input').fill('2026-12-31')
    await formField(page, 'deadline').locator('input').press('Enter')
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/legislation-campaigns') && r.request().method() === 'POST'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(created.status() === 201, `create answered ${created.status()}: ${await created.text()}`)
    const id = (await created.json()).id
    await page.waitForURL((url) => url.pathname === `/records/legislation-campaigns/${id}`)
    const head = page.locator('.detail-head')
    await head.locator('.state-tag', { hasText: '征集中' }).waitFor()

    // a suggestion from an enterprise, on the campaign's page
    const box = page.locator('[data-children="suggestions"]')
    await box.getByRole('button', { name: /新增/ }).click()
    const dialog = page.locator('.el-dialog', { hasText: '新增立法意见建议' })
    await dialog.waitFor()
    await pickIn(page, dialog, 'source', '企业')
    await dialog.locator('[data-field="suggester"] input').fill('某科技有限公司')
    await dialog.locator('[data-field="content"] textarea').fill('建议明确数据共享的范围')
    await dialog.locator('[data-field="received_on"] input').fill('2026-12-05')
    await dialog.locator('[data-field="received_on"] input').press('Enter')
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/legislation-suggestions') && r.request().method() === 'POST'),
      dialog.getByRole('button', { name: '保存' }).click(),
    ])
    expect(saved.status() === 201, `suggestion answered ${saved.status()}: ${await saved.text()}`)
    await box.locator('.el-table__row', { hasText: '某科技有限公司' }).waitFor()

    let res = await action(page, 'consolidate', '汇总意见', (d) => item(d, '汇总意见').locator('textarea').fill('收集企业意见 1 条'))
    expect(res.status() === 200, `consolidate answered ${res.status()}`)
    await head.locator('.state-tag', { hasText: '已汇总' }).waitFor()
    res = await action(page, 'forward', '报送', async (d) => {
      await date(d, '报送日期', '2026-12-07')
      await item(d, '报送单位').locator('input').fill('区司法局')
    })
    expect(res.status() === 200, `forward answered ${res.status()}`)
    await head.locator('.state-tag', { hasText: '已报送' }).waitFor()
  },
  { login: true },
)

test(
  '立法意见征集: feedback closes a forwarded campaign only once every suggester has been told',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const c = await apiCall(page, 'POST', '/legislation-campaigns', {
      title: `上海市某规定 (草案) ${STAMP}`, kind: 'rule', issuer: '市司法局', published_on: '2026-12-01', deadline: '2026-12-31',
    })
    expect(c.status === 201, `campaign answered ${c.status}`)
    const sg = await apiCall(page, 'POST', '/legislation-suggestions', {
      campaign_id: c.body.id, source: 'enterprise', suggester: '某科技有限公司', content: '建议明确数据共享的范围', received_on: '2026-12-05',
    })
    expect(sg.status === 201, `suggestion answered ${sg.status}`)
    let rec = c.body
    for (const [a, body] of [['consolidate', { consolidated: '收集企业意见 1 条' }], ['forward', { forwarded_on: '2026-12-07', forwarded_to: '区司法局' }]]) {
      const r = await apiCall(page, 'POST', `/legislation-campaigns/${rec.id}/actions/${a}`, { ...body, version: rec.version })
      expect(r.status === 200, `${a} answered ${r.status}`)
      rec = r.body
    }
    await page.goto(page.url().replace(/\/$/, '') + `/records/legislation-campaigns/${rec.id}`)
    const head = page.locator('.detail-head')
    await head.locator('.state-tag', { hasText: '已报送' }).waitFor({ timeout: 30_000 })
    const box = page.locator('[data-children="suggestions"]')
    // feedback is refused until the suggester has been told
    const fb = async (d) => {
      await item(d, '采纳情况反馈').locator('textarea').fill('采纳 1 条')
      await date(d, '反馈日期', '2026-12-07')
    }
    let res = await action(page, 'close', '反馈采纳情况', fb)
    expect(res.status() === 422, `close answered ${res.status()}`)
    const wd = page.locator('.workflow-dialog')
    await wd.getByText('尚有 1 条意见未登记采纳情况或未告知建议人').waitFor()
    await wd.getByRole('button', { name: '取消' }).click()
    await wd.waitFor({ state: 'hidden' })
    await box.locator('.el-table__row', { hasText: '某科技有限公司' }).getByRole('button', { name: '编辑' }).click()
    const edit = page.locator('.el-dialog', { hasText: '编辑立法意见建议' })
    await edit.waitFor()
    await pickIn(page, edit, 'adoption', '采纳')
    await edit.locator('[data-field="notified_on"] input').fill('2026-12-07')
    await edit.locator('[data-field="notified_on"] input').press('Enter')
    const [patched] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/legislation-suggestions/') && r.request().method() === 'PATCH'),
      edit.getByRole('button', { name: '保存' }).click(),
    ])
    expect(patched.status() === 200, `suggestion edit answered ${patched.status()}: ${await patched.text()}`)
    await box.locator('.el-table__row', { hasText: '2026-12-07' }).waitFor()
    res = await action(page, 'close', '反馈采纳情况', fb)
    expect(res.status() === 200, `close answered ${res.status()}: ${await res.text()}`)
    await head.locator('.state-tag', { hasText: '已反馈' }).waitFor()
  },
  { login: true },
)

test(
  '立法意见征集: the city publishes a draft to every office; a suggestion there is forwarded and its adoption reaches the suggester',
  async ({ page, browser }) => {
    // the city (市局) registers the draft and publishes it from its page
    await gotoLoginAndSignIn(page, 'shiju', PASS)
    const c = await apiCall(page, 'POST', '/legislation-campaigns', {
      title: `上海市某条例 (征求意见稿) ${STAMP}`, kind: 'local_regulation', issuer: '市人大常委会法工委',
      published_on: '2026-12-01', deadline: '2026-12-31', link: 'https://example.org/draft',
    })
    expect(c.status === 201, `campaign answered ${c.status}`)
    await page.goto(page.url().replace(/\/$/, '') + `/records/legislation-campaigns/${c.body.id}`)
    const head = page.locator('.detail-head')
    await head.locator('.state-tag', { hasText: '征集中' }).waitFor({ timeout: 30_000 })
    let res = await action(page, 'publish', '发布至各司法所')
    expect(res.status() === 200, `publish answered ${res.status()}: ${await res.text()}`)
    const tally = page.locator('.call-tally')
    await tally.getByText(/下发 \d+ 个单位/).waitFor()

    // 陆家嘴 finds its copy in its list and takes a suggestion on its page
    const office = await newContext(browser)
    const op = await office.newPage()
    await gotoLoginAndSignIn(op, STAFF, PASS)
    const mine = await apiCall(op, 'GET', `/legislation-campaigns?call_id=${c.body.id}`)
    expect(mine.status === 200 && mine.body.items.length === 1, `the office's copies: ${JSON.stringify(mine.body)}`)
    expect(mine.body.items[0].published_by === '上海市司法局', 'the copy names its publisher')
    await op.goto(op.url().replace(/\/$/, '') + `/records/legislation-campaigns/${mine.body.items[0].id}`)
    await op.locator('.detail-head .state-tag', { hasText: '征集中' }).waitFor({ timeout: 30_000 })
    const box = op.locator('[data-children="suggestions"]')
    await box.getByRole('button', { name: /新增/ }).click()
    const dialog = op.locator('.el-dialog', { hasText: '新增立法意见建议' })
    await dialog.waitFor()
    await pickIn(op, dialog, 'source', '企业')
    await dialog.locator('[data-field="suggester"] input').fill(`某环保科技公司 ${STAMP}`)
    await dialog.locator('[data-field="content"] textarea').fill('建议明确企业自行监测数据的公开范围')
    await dialog.locator('[data-field="received_on"] input').fill('2026-12-05')
    await dialog.locator('[data-field="received_on"] input').press('Enter')
    const [saved] = await Promise.all([
      op.waitForResponse((r) => r.url().endsWith('/api/v1/legislation-suggestions') && r.request().method() === 'POST'),
      dialog.getByRole('button', { name: '保存' }).click(),
    ])
    expect(saved.status() === 201, `suggestion answered ${saved.status()}: ${await saved.text()}`)
    const sid = (await saved.json()).id
    let rec = mine.body.items[0]
    for (const [a, body] of [['consolidate', { consolidated: '收集企业意见 1 条' }], ['forward', { forwarded_on: '2026-12-07', forwarded_to: '浦东新区司法局' }]]) {
      const r = await apiCall(op, 'POST', `/legislation-campaigns/${rec.id}/actions/${a}`, { ...body, version: rec.version })
      expect(r.status === 200, `${a} answered ${r.status}`)
      rec = r.body
    }

    // the city sees it in its tally, opens it and records the adoption
    await page.reload()
    await tally.locator('.tally-suggestions .el-table__row', { hasText: '企业自行监测' }).waitFor({ timeout: 30_000 })
    await tally.getByRole('link', { name: '建议明确企业自行监测数据的公开范围' }).click()
    await page.waitForURL((url) => url.pathname === `/records/legislation-suggestions/${sid}`)
    await page.locator('.detail-head').getByRole('button', { name: '编辑' }).click()
    await formField(page, 'adoption').waitFor({ timeout: 30_000 })
    await pickOption(page, 'adoption', '部分采纳')
    await formField(page, 'feedback_note').locator('textarea').fill('第十二条已按意见修改')
    const [patched] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/api/v1/legislation-suggestions/${sid}`) && r.request().method() === 'PATCH'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(patched.status() === 200, `adoption answered ${patched.status()}: ${await patched.text()}`)

    // the office sees the adoption on the suggestion and tells the suggester with the notice
    await op.goto(op.url().replace(/\/records.*$/, '') + `/records/legislation-suggestions/${sid}`)
    await op.locator('.field-adoption', { hasText: '部分采纳' }).waitFor({ timeout: 30_000 })
    await op.locator('.field-feedback_note', { hasText: '第十二条已按意见修改' }).waitFor()
    const notice = op.locator('.record-docs a.doc-html', { hasText: '意见采纳情况告知书' })
    await notice.waitFor()
    const doc = await apiCall(op, 'GET', `/legislation-suggestions/${sid}`)
    const told = await apiCall(op, 'PATCH', `/legislation-suggestions/${sid}`, { version: doc.body.version, notified_on: '2026-12-21' })
    expect(told.status === 200, `notified answered ${told.status}`)
    await office.close()
    // counted at the city
    await page.goto(page.url().replace(/\/records.*$/, '') + `/records/legislation-campaigns/${c.body.id}`)
    await tally.getByText(/已告知建议人 1 条/).waitFor({ timeout: 30_000 })
  },
  { login: true, timeout: 120_000 },
)

test(
  '立法意见征集: a resident suggests on the portal (390×844); the office records the adoption; the resident reads it on the tracking page',
  async ({ page, browser }) => {
    const PUBLIC = (process.env.SIFASUO_PUBLIC_URL || '').replace(/\/$/, '')
    expect(PUBLIC, 'SIFASUO_PUBLIC_URL is not set (tests/e2e/run.sh starts the public listener)')
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const title = `上海市养犬管理条例 (修订草案) ${STAMP}`
    const c = await apiCall(page, 'POST', '/legislation-campaigns', {
      title, kind: 'local_regulation', issuer: '市人大常委会法工委', published_on: '2026-12-01', deadline: '2099-12-31',
    })
    expect(c.status === 201, `campaign answered ${c.status}`)

    // the resident, on a phone: 立法建议 → the place → the draft picked by its title → the suggestion
    const phone = `139${Math.floor(10000000 + Math.random() * 89999999)}`
    const resident = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true })
    resident.setDefaultTimeout(15_000)
    const rp = await resident.newPage()
    let code
    try {
      await rp.goto(PUBLIC + '/public/')
      await rp.getByRole('button', { name: '立法建议' }).click()
      await rp.locator('select[name="district"]').selectOption({ label: '浦东新区' })
      await rp.locator('select[name="town"] option', { hasText: '陆家嘴街道' }).waitFor({ state: 'attached' })
      await rp.locator('select[name="town"]').selectOption({ label: '陆家嘴街道' })
      const draft = rp.locator('select[name="campaign_id"] option', { hasText: title })
      await draft.waitFor({ state: 'attached' })
      await rp.locator('select[name="campaign_id"]').selectOption({ label: (await draft.innerText()).trim() })
      await rp.locator('input[name="applicant.name"]').fill('韩居民')
      await rp.locator('input[name="applicant.id_number"]').fill(residentId(`31011519790505${seq()}`))
      await rp.locator('input[name="applicant.phone"]').fill(phone)
      await rp.locator('input[name="article"]').fill('第十二条')
      await rp.locator('textarea[name="content"]').fill('建议明确小区内遛狗的时段和牵绳长度')
      await rp.locator('input[name="consent"]').check()
      await rp.getByRole('button', { name: '提交' }).click()
      await rp.getByText('提交成功').waitFor({ timeout: 60_000 })
      code = (await rp.getByTestId('code').innerText()).trim()
    } finally {
      await resident.close()
    }

    // the office: the suggestion is on the campaign's page (source 网上门户); the adoption recorded on its page
    await page.goto(page.url().replace(/\/$/, '') + `/records/legislation-campaigns/${c.body.id}`)
    const row = page.locator('[data-children="suggestions"] .el-table__row', { hasText: '网上门户' })
    await row.waitFor({ timeout: 30_000 })
    const lst = await apiCall(page, 'GET', `/legislation-suggestions?campaign_id=${c.body.id}`)
    const sid = lst.body.items[0].id
    await page.goto(page.url().replace(/\/records.*$/, '') + `/records/legislation-suggestions/${sid}`)
    await page.locator('.detail-head').getByRole('button', { name: '编辑' }).click()
    await formField(page, 'adoption').waitFor({ timeout: 30_000 })
    await pickOption(page, 'adoption', '部分采纳')
    await formField(page, 'feedback_note').locator('textarea').fill('遛狗时段由各区规定, 牵绳长度已写入第十二条')
    const [patched] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/api/v1/legislation-suggestions/${sid}`) && r.request().method() === 'PATCH'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(patched.status() === 200, `adoption answered ${patched.status()}: ${await patched.text()}`)

    // the resident: code + the phone's last four digits → the adoption and its explanation
    const again = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true })
    again.setDefaultTimeout(15_000)
    try {
      const tp = await again.newPage()
      await tp.goto(PUBLIC + '/public/')
      await tp.getByRole('button', { name: '查询办理进度' }).click()
      await tp.locator('input[name="code"]').fill(code)
      await tp.locator('input[name="phone_last4"]').fill(phone.slice(-4))
      await tp.getByRole('button', { name: '查询' }).click()
      await tp.locator('.status', { hasText: '已反馈采纳情况' }).waitFor()
      const shown = await tp.locator('.result').innerText()
      expect(shown.includes(title) && shown.includes('部分采纳') && shown.includes('牵绳长度已写入第十二条'),
        `the tracking page: ${shown}`)
      expect(!shown.includes('韩居民') && !shown.includes(phone), 'no personal data on the tracking page')
    } finally {
      await again.close()
    }
  },
  { login: true, timeout: 120_000 },
)

test(
  '人民陪审员: a candidate under 28 cannot pass the qualification review and is refused for age with the reason shown',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const n = seq()
    const person = await apiCall(page, 'POST', '/persons', { name: `冯青${n}`, id_number: residentId(`310115${new Date().getFullYear() - 25}0612${n}`) })
    expect(person.status === 201, `person answered ${person.status}: ${JSON.stringify(person.body)}`)
    const sel = await apiCall(page, 'POST', '/assessor-selections', { title: `选任${STAMP}`, year: 2026, court: '浦东新区人民法院', quota: 1 })
    expect(sel.status === 201, `selection answered ${sel.status}`)
    const cand = await apiCall(page, 'POST', '/assessor-candidates', {
      selection_id: sel.body.id, person_id: person.body.id, source: 'application', education: 'bachelor',
    })
    expect(cand.status === 201, `candidate answered ${cand.status}: ${JSON.stringify(cand.body)}`)

    const menu = page.locator('.layout-aside .app-menu')
    await menu.getByText('人民陪审员', { exact: true }).click()
    await menu.getByText('人民陪审员候选人', { exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/records/assessor-candidates')
    await page.locator('.el-table__row', { hasText: `冯*` }).first().waitFor()
    await page.goto(page.url() + `/${cand.body.id}`)
    const head = page.locator('.detail-head')
    await head.locator('.state-tag', { hasText: '待资格审查' }).waitFor()
    let res = await action(page, 'qualify', '资格审查通过', async (d) => {
      await item(d, '审查人已核实').locator('.el-switch').click()
      await item(d, '资格审查意见').locator('textarea').fill('符合条件')
    })
    expect(res.status() === 422, `qualify answered ${res.status()}`)
    const wd = page.locator('.workflow-dialog')
    await wd.getByText('候选人未满二十八周岁 (人民陪审员法第五条)').waitFor()
    await wd.getByRole('button', { name: '取消' }).click()
    await wd.waitFor({ state: 'hidden' })
    res = await action(page, 'refuse', '资格审查不通过', async (d) => {
      await choose(page, d, '不通过理由', '未满二十八周岁')
      await item(d, '不通过说明').locator('textarea').fill('经核对居民身份证, 未满二十八周岁')
    })
    expect(res.status() === 200, `refuse answered ${res.status()}: ${await res.text()}`)
    await head.locator('.state-tag', { hasText: '资格审查不通过' }).waitFor()
    await page.locator('.record-detail .fields', { hasText: '未满二十八周岁 (第五条)' }).waitFor()
    await page.locator('.record-detail .fields', { hasText: '经核对居民身份证' }).waitFor()
  },
  { login: true },
)

test(
  '人民陪审员: the candidates list filters by the selection and by the person, each picked by its name, never an id box',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    const n = seq()
    const person = await apiCall(page, 'POST', '/persons', { name: `褚筛选${n}`, id_number: residentId(`31011519700312${n}`) })
    expect(person.status === 201, `person answered ${person.status}`)
    const title = `筛选测试选任${STAMP}`
    const sel = await apiCall(page, 'POST', '/assessor-selections', { title, year: 2026, court: '浦东新区人民法院', quota: 1 })
    const cand = await apiCall(page, 'POST', '/assessor-candidates', {
      selection_id: sel.body.id, person_id: person.body.id, source: 'random', education: 'senior',
    })
    expect(cand.status === 201, `candidate answered ${cand.status}`)
    await page.goto(page.url().replace(/\/$/, '') + '/records/assessor-candidates')
    await page.locator('.record-list .el-table__row').first().waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: '更多筛选' }).click()
    const filters = page.locator('.record-filters')
    expect(!(await filters.innerText()).includes('编号'), 'no filter asks for a number')
    // 选任工作: typed part of its title, picked from the list
    const bySel = filters.locator('[data-filter="selection_id"]')
    await bySel.locator('.el-select').click()
    await bySel.locator('input').fill('筛选测试')
    const [listed] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/api/v1/assessor-candidates?`) && r.url().includes(`selection_id=${sel.body.id}`)),
      page.locator('.el-select-dropdown__item:visible', { hasText: title }).first().click(),
    ])
    expect(listed.status() === 200, `list answered ${listed.status()}`)
    const rows = page.locator('.record-list .el-table__row')
    await page.waitForFunction(() => document.querySelectorAll('.record-list .el-table__row').length === 1)
    expect((await rows.first().innerText()).includes('褚*'), `the row: ${await rows.first().innerText()}`)
    // 候选人: a person of the registry found by name; the filter registers no one
    const byPerson = filters.locator('[data-filter="person_id"]')
    expect(await byPerson.isVisible(), '更多筛选 stays open while filters are applied one after another')
    expect((await byPerson.getByRole('button', { name: '登记/查找人员' }).count()) === 0, 'a filter does not register people')
    await byPerson.locator('.el-select').click()
    await byPerson.locator('input').fill(`褚筛选${n}`)
    const [byName] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/api/v1/assessor-candidates?`) && r.url().includes(`person_id=${person.body.id}`)),
      page.locator('.el-select-dropdown__item:visible', { hasText: `褚` }).first().click(),
    ])
    expect(byName.status() === 200 && (await byName.json()).items.length === 1, 'one candidate of that person')
    await page.goto(page.url().replace(/\/records.*$/, '') + '/records/legislation-campaigns')
    await page.locator('.record-list .el-table__row').first().waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: '更多筛选' }).click()
    const text = await page.locator('.record-filters').innerText()
    expect(!text.includes('编号') && text.includes('报送日期'), `the campaigns' filters: ${text}`)
  },
  { login: true },
)

test(
  '达标评估: the coverage rule names the villages below it, each linking to its 法治带头人/法律明白人',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await page.goto(page.url().replace(/\/$/, '') + '/standards/check')
    const row = page.locator('[data-test="results"] .el-table__body tr', { hasText: '法治带头人、法律明白人全覆盖' })
    await row.waitFor({ timeout: 15_000 })
    const text = await row.innerText()
    expect(/未达标 \d+ 个/.test(text) && text.includes('法律明白人'), `coverage evidence: ${text.slice(0, 200)}`)
    const link = row.locator('.records a').first()
    const village = (await link.innerText()).split(' (')[0]
    await link.click()
    await page.waitForURL((url) => url.pathname === '/records/rol-people' && url.searchParams.has('village_id'))
    await page.locator('.record-list').waitFor()
    await page.locator('.page-breadcrumb', { hasText: '法治带头人/法律明白人' }).waitFor()
    expect(village.includes('居委会') || village.includes('村'), `village "${village}"`)
  },
  { login: true },
)

await run()
