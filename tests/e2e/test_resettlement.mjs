// Browser tests: 安置帮教 (issue 20 points 8–10; docs/resettlement.md).
// Run with tests/e2e/run.sh tests/e2e/test_resettlement.mjs (a server of its own; docs/testing.md).
// A clerk imports a prison's pre-release list from the menu, hands the new
// person over from the record's page, and reads the month's statistics; the
// district reads the statistics by office but no record without a grant.
import { PASS, STAFF, STAMP, apiCall, expect, gotoLoginAndSignIn, openMenu, run, screenshot, test } from './lib.mjs'

// A valid resident ID number (GB 11643 check digit) from 17 digits.
function residentId(id17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...id17].reduce((a, c, i) => a + Number(c) * w[i], 0)
  return id17 + '10X98765432'[sum % 11]
}
// a day in Shanghai's calendar (UTC+8), as the server counts
const day = (offset) => new Date(Date.now() + 8 * 3600_000 + offset * 86400_000).toISOString().slice(0, 10)

test(
  '安置帮教: a clerk imports a prison list, hands a released person over and sees the month counted',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, STAFF, PASS)
    await openMenu(page, '安置帮教', '导入预释放名单')
    await page.waitForURL((url) => url.pathname === '/resettlement/import')
    const seq = String(Math.floor(Math.random() * 700) + 100) // 100-799: never a demo resident's 8xx or 9xx
    const name = `帮教${STAMP.slice(-4)}`
    const id = residentId(`31011519820304${seq}`)
    const csv = `姓名,公民身份号码,罪名,刑满日期,释放后居住地\r\n${name},${id},盗窃罪,${day(-1)},浦东新区陆家嘴街道\r\n`
    await page.locator('.prerelease-import .prison input').fill('上海市提篮桥监狱')
    await page.locator('input[data-test="file"]').setInputFiles({ name: '提篮桥.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await page.locator('[data-test="import"]').click()
    const result = page.locator('[data-test="result"]')
    await result.waitFor({ timeout: 20_000 })
    const text = await result.innerText()
    expect(text.includes('已导入') && text.includes('新增 1 人'), `import result: ${text}`)
    await page.locator('.prerelease-import').getByText('陆家嘴街道司法所').waitFor()
    await screenshot(page, 'resettlement-import.png')

    // the person is in the office's list, waiting for 衔接; hand them over
    await openMenu(page, '安置帮教', '安置帮教对象')
    const list = page.locator('.record-list')
    await list.locator('tbody tr', { hasText: '待衔接' }).first().waitFor({ timeout: 30_000 })
    const found = await apiCall(page, 'GET', `/released-persons?release_date=${day(-1)}&wf_state=pending&limit=50`)
    const rec = found.body.items.find((i) => i.source === 'prison' && i.person_id_name && i.person_id_name.startsWith('帮'))
    expect(rec, 'the imported person is not listed')
    await page.goto(`${page.url().split('/records')[0]}/records/released-persons/${rec.id}`)
    await page.locator('.detail-head').getByText('待衔接').waitFor()
    await page.locator('.detail-head button[data-action="handover"]').click()
    const dialog = page.locator('.workflow-dialog')
    await dialog.waitFor()
    await dialog.locator('.el-form-item', { hasText: '衔接方式' }).locator('.el-select').first().click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '本人到所报到' }).first().click()
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/actions/handover')),
      dialog.getByRole('button', { name: '确定衔接' }).click(),
    ])
    expect(res.status() === 200, `handover answered ${res.status()}`)
    await page.locator('.detail-head').getByText('帮教中').waitFor()
    await screenshot(page, 'resettlement-person.png')

    // the month's statistics count the hand-over
    await openMenu(page, '安置帮教', '安置帮教统计')
    await page.waitForURL((url) => url.pathname === '/resettlement/stats')
    const ind = page.locator('[data-test="indicators"]')
    await ind.getByText('衔接率').waitFor()
    const stats = await apiCall(page, 'GET', `/resettlement/stats?month=${day(-1).slice(0, 7)}`)
    expect(stats.body.total.handed >= 1, `handed: ${JSON.stringify(stats.body.total)}`)
    await page.locator('.resettle-stats').getByText('未衔接名单').waitFor()
  },
  { login: true, timeout: 120_000 },
)

test(
  '安置帮教: the district reads the statistics office by office and drills in, but no record without a grant',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, 'pudong', PASS)
    await openMenu(page, '安置帮教', '安置帮教统计')
    const units = page.locator('[data-test="units"]')
    const ljz = units.getByText('陆家嘴街道司法所', { exact: true })
    await ljz.waitFor({ timeout: 20_000 })
    await screenshot(page, 'resettlement-stats.png')
    await ljz.click()
    await page.waitForURL((url) => url.searchParams.get('org') !== null)
    await page.locator('.resettle-stats h4', { hasText: '陆家嘴街道司法所' }).waitFor()
    // the records themselves are protected
    const r = await apiCall(page, 'GET', '/released-persons')
    expect(r.status === 403 && r.body.error.message.includes('紧急调阅'), `district list: ${r.status}`)
    // the cockpit's card, drilled from the district
    await page.goto(page.url().split('/resettlement')[0] + '/cockpit')
    await page.locator('[data-test="resettlement"]').getByText('安置帮教').first().waitFor({ timeout: 30_000 })
  },
  { login: true, timeout: 120_000 },
)

await run()
