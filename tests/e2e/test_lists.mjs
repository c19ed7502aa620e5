// Browser tests: a list past 10 000 matches (issue 27; docs/engine.md "Plan").
// Run with tests/e2e/run.sh tests/e2e/test_lists.mjs (a server of its own; docs/testing.md).
// 36 000 generated mediation cases; the city asks for the cases accepted since
// January by creation time, which the server cannot walk in bounded time: it
// answers in the range's own order and the page says so, at desktop and phone width.
import { execFileSync } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BASE, PASS, PHONE, expect, gotoLoginAndSignIn, run, screenshot, test } from './lib.mjs'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const LIST = '/records/mediation-cases'

test(
  'lists: past 10 000 matches a sort by 创建时间 becomes 受理日期 with a note, and the URL follows',
  async ({ page }) => {
    execFileSync(resolve(repo, 'build/sifasuo'), ['generate', 'mediation-cases', '--count', '36000', '--db', process.env.SIFASUO_E2E_DB], {
      cwd: repo,
    })
    await gotoLoginAndSignIn(page, 'shiju', PASS)
    for (const size of [null, PHONE]) {
      if (size) await page.setViewportSize(size)
      await page.goto(BASE + LIST + '?accepted_on.from=2025-01-01&sort=created_at')
      const note = page.locator('.sort-note')
      await note.waitFor({ timeout: 20_000 })
      const text = await note.innerText()
      expect(text.includes('超过 1 万条') && text.includes('「创建时间」升序') && text.includes('已改按「受理日期」升序'), `the note: ${text}`)
      await page.waitForURL((u) => new URL(u).searchParams.get('sort') === 'accepted_on')
      expect(new URL(page.url()).searchParams.get('accepted_on.from') === '2025-01-01', `the filter kept: ${page.url()}`)
      // the rows are there, in the order the note names
      const rows = page.locator(size ? '.record-cards .record-card' : '.record-table .el-table__row')
      await rows.first().waitFor()
      expect((await rows.count()) > 0, 'rows shown')
      await screenshot(page, size ? 'list-sorted-by-phone.png' : 'list-sorted-by.png')
      // another sort clears the note
      if (!size) {
        await page.goto(BASE + LIST + '?accepted_on.from=2025-01-01&sort=-accepted_on')
        await page.locator('.record-table .el-table__row').first().waitFor()
        expect((await page.locator('.sort-note').count()) === 0, 'no note for the order asked')
      }
    }
  },
  { timeout: 120_000 },
)

test(
  'lists: a search past 10 000 matches that cannot keep its order says it is in 录入顺序, and how to narrow it',
  async ({ page }) => {
    // 22 000 cases carry a word of their own and the largest amounts: by amount they come
    // last, beyond the walk's budget (the sqlite3 shell keeps the search index through its tokenizer)
    const db = process.env.SIFASUO_E2E_DB.replace(/^sqlite:/, '')
    const shell = (sql) =>
      execFileSync('sqlite3', ['-cmd', `.load ${resolve(repo, 'build/sifasuo_fts')}`, '-cmd', '.timeout 10000', db, sql], { encoding: 'utf8' })
    const top = Number(shell('SELECT MAX(id) FROM mediation_case').trim())
    shell(`UPDATE mediation_case SET title = '专用词' || title, amount = 900000000 + id WHERE id > ${top - 22000}`)
    await gotoLoginAndSignIn(page, 'shiju', PASS)
    for (const size of [null, PHONE]) {
      if (size) await page.setViewportSize(size)
      await page.goto(BASE + LIST + '?q=' + encodeURIComponent('专用词') + '&sort=amount')
      const note = page.locator('.sort-note')
      await note.waitFor({ timeout: 20_000 })
      const text = await note.innerText()
      expect(text.includes('已改按「录入顺序」升序') && text.includes('更长的检索词') && !/\bid\b/.test(text), `the note: ${text}`)
      await page.waitForURL((u) => new URL(u).searchParams.get('sort') === 'id')
      const rows = page.locator(size ? '.record-cards .record-card' : '.record-table .el-table__row')
      await rows.first().waitFor()
      expect((await rows.first().innerText()).includes('专用词'), 'the matches shown')
    }
    // one character over the city's 36 000 cases, in none of them: refused, saying what to do (a
    // refusal without per-field messages showed nothing: every 422 was read as per-field);
    // a field's refusal under its label, not its key
    await page.goto(BASE + LIST + '?q=' + encodeURIComponent('砼'))
    const err = page.locator('.list-error')
    await err.first().waitFor({ timeout: 20_000 })
    const said = await err.first().innerText()
    expect(said.includes('「砼」') && said.includes('两个字以上'), `the refusal: ${said}`)
    await page.goto(BASE + LIST + '?amount.from=abc')
    await err.first().waitFor({ timeout: 20_000 })
    const field = await err.first().innerText()
    expect(field.includes('(起)') && !field.includes('amount'), `a field's refusal: ${field}`)
  },
  { timeout: 120_000 },
)

run()
