// Browser tests: 统计报表 (issue 25 point 5) — a district's quarterly
// mediation return for 2026 Q3 generated from the records, reviewed and
// submitted, its .xlsx opened in LibreOffice (headless: to PDF and to CSV,
// the title and the numbers read back), and received by the city bureau.
// Run with tests/e2e/run.sh tests/e2e/test_returns.mjs (a server of its own; docs/testing.md).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BASE, PASS, USER, chooseIn, expect, gotoLoginAndSignIn, newContext, openMenu, run, test } from './lib.mjs'

// LibreOffice with a profile of its own (several files may convert at once)
function soffice(dir, target, file) {
  execFileSync(
    'soffice',
    [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', target, '--outdir', dir, file],
    { timeout: 120_000, stdio: 'pipe' },
  )
}

test(
  '统计报表: a district generates its 2026 Q3 mediation return, reviews and submits it, opens the .xlsx in LibreOffice; the city receives it',
  async ({ page, browser }) => {
    await gotoLoginAndSignIn(page, 'pudong', PASS)
    await openMenu(page, '统计报表', '报表管理')
    await page.waitForURL((url) => url.pathname === '/records/stat-returns')

    // 生成报表: the unit is the user's own (picked, never typed), the period chosen from the list
    await page.locator('[data-test="generate"]').click()
    const dialog = page.locator('.generate-dialog')
    await dialog.waitFor()
    await dialog.locator('.el-form-item', { hasText: '填报单位' }).getByText('浦东新区司法局').waitFor()
    const year = dialog.locator('.el-form-item', { hasText: '年度' }).locator('input')
    await year.fill('2026')
    await year.press('Tab')
    await chooseIn(page, dialog, '期别', '第三季度')
    const [generated] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/stat-returns/generate')),
      dialog.locator('[data-test="generate-ok"]').click(),
    ])
    expect(generated.status() === 201, `generate answered ${generated.status()}: ${await generated.text()}`)
    const rec = await generated.json()
    const fig = JSON.parse(rec.figures)
    const byType = fig.tables.find((t) => t.key === 'by_type')
    const accepted = byType.rows.reduce((n, r) => n + r.values[0], 0)
    expect(accepted > 0, 'the district registered no case in Q3')
    await page.waitForURL((url) => url.pathname === `/records/stat-returns/${rec.id}`)
    const head = page.locator('.detail-head')
    await head.locator('.state-tag', { hasText: '编制中' }).waitFor()
    await page.locator('.detail-head', { hasText: '浦东新区司法局 2026年第三季度 人民调解工作统计表' }).waitFor()

    // the form's tables with their merged headings and 合计, the checks passed
    const panel = page.locator('[data-test="stat-return"]')
    await panel.locator('[data-test="checks-ok"]').waitFor()
    const t4 = panel.locator('[data-test="table-by_type"]')
    await t4.locator('th[colspan="3"]', { hasText: '调解结果' }).waitFor()
    const total = t4.locator('tr.total td').first()
    expect((await total.textContent()).trim() === String(accepted), `合计 受理 shows ${await total.textContent()}, not ${accepted}`)

    // 审核 → 报送 through the workflow dialogs
    const wf = page.locator('.workflow-dialog')
    for (const [action, label, state] of [['review', '审核', '已审核'], ['submit', '报送', '已报送']]) {
      await head.locator(`button[data-action="${action}"]`).click()
      await wf.waitFor()
      await wf.getByRole('button', { name: '确定' + label }).click()
      await head.locator('.state-tag', { hasText: state }).waitFor()
      await wf.waitFor({ state: 'hidden' })
    }
    await expectNoRegenerate(panel)

    // 下载 Excel, opened in LibreOffice: the title, unit, period and the numbers
    const [download] = await Promise.all([page.waitForEvent('download'), panel.locator('[data-test="xlsx"]').click()])
    expect(/\.xlsx$/.test(download.suggestedFilename()), `saved as ${download.suggestedFilename()}`)
    const dir = mkdtempSync(join(tmpdir(), 'sfs-return-'))
    try {
      const file = join(dir, 'return.xlsx')
      await download.saveAs(file)
      soffice(dir, 'pdf', file)
      execFileSync('pdftotext', ['-layout', join(dir, 'return.pdf'), join(dir, 'return.txt')])
      const text = readFileSync(join(dir, 'return.txt'), 'utf8')
      for (const words of ['人民调解工作统计表', '浦东新区司法局', '2026年第三季度', '调解结果', '填报人: 陈科长', '审核人: 陈科长'])
        expect(text.includes(words), `the PDF lacks ${words}`)
      // every sheet as CSV (LibreOffice 7.2+: the last token -1), 表四's 合计 row read back
      soffice(dir, 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1', file)
      const sheet = readdirSync(dir).find((n) => n.endsWith('.csv') && n.includes('表四'))
      expect(sheet, `no CSV of 表四 among ${readdirSync(dir).join(', ')}`)
      const rows = readFileSync(join(dir, sheet), 'utf8').split('\n').map((l) => l.split(','))
      const sum = rows.find((r) => r[0] === '合计')
      expect(sum && Number(sum[1]) === accepted, `表四 合计 受理 in the sheet: ${sum}, expected ${accepted}`)
      const outcome = sum.slice(2, 5).reduce((n, v) => n + Number(v), 0)
      expect(outcome === accepted, `调解成功 + 不成功 + 调解中 = ${outcome} ≠ 受理 ${accepted}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }

    // the city bureau receives it
    const city = await newContext(browser)
    try {
      const p = await city.newPage()
      await gotoLoginAndSignIn(p, USER, PASS)
      // the returns' list shows it 已报送; its page has 接收
      await p.goto(`${BASE}/records/stat-returns`)
      const row = p.locator('.record-list .el-table__row', { hasText: '浦东新区司法局 2026年第三季度' })
      await row.filter({ hasText: '已报送' }).waitFor()
      await p.goto(`${BASE}/records/stat-returns/${rec.id}`)
      const h = p.locator('.detail-head')
      await h.locator('button[data-action="receive"]').click()
      await p.locator('.workflow-dialog').getByRole('button', { name: '确定接收' }).click()
      await h.locator('.state-tag', { hasText: '已接收' }).waitFor()
    } finally {
      await city.close()
    }
  },
  { login: true },
)

async function expectNoRegenerate(panel) {
  expect((await panel.locator('[data-test="regenerate"]').count()) === 0, '重新生成 offered after 审核')
}

await run()
