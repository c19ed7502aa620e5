// Browser tests: 组织队伍台账.
// Run with tests/e2e/run.sh tests/e2e/test_registers.mjs (a server of its own; docs/testing.md).
import {
  PASS,
  STAFF,
  expect,
  formField,
  gotoLoginAndSignIn,
  run,
  screenshot,
  test,
} from './lib.mjs'

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

await run()
