// Browser tests: 规范化建设: 达标评估、驾驶舱、整改看板、年度自评报告.
// Run with tests/e2e/run.sh tests/e2e/test_standards.mjs (a server of its own; docs/testing.md).
import {
  canvasInk,
  BASE,
  DIRECTOR,
  PASS,
  SHOTS,
  STAMP,
  USER,
  VIEWPORT,
  expect,
  formField,
  gotoLoginAndSignIn,
  newContext,
  openMenu,
  run,
  screenshot,
  test,
} from './lib.mjs'

test(
  'the scorecard shows each rule with its evidence and drills down from the city to an office',
  async ({ page }) => {
    await gotoLoginAndSignIn(page)
    await page.locator('.layout-aside .app-menu').getByText('规范化建设').click()
    await page.locator('.layout-aside .app-menu').getByText('达标评估').click()
    await page.waitForURL((url) => url.pathname === '/standards/check', { timeout: 15_000 })
    const units = page.locator('[data-test="units"] .el-table__body tr')
    await units.first().waitFor({ timeout: 15_000 })
    expect((await units.count()) === 16, `the city lists ${await units.count()} districts`)
    const cityRules = await page.locator('[data-test="results"]').innerText()
    expect(cityRules.includes('基层联系点'), 'the city rule 四(一) is missing')
    await page.locator('.el-statistic').first().getByText('%').waitFor()
    // a district: its two rules, its offices
    const district = (await units.first().locator('td').first().innerText()).trim()
    await units.first().click()
    await page.waitForURL((url) => url.searchParams.has('org'))
    await page.locator('.el-statistic__head', { hasText: district }).waitFor({ timeout: 15_000 })
    const dres = await page.locator('[data-test="results"]').innerText()
    expect(dres.includes('自查自评报告') && dres.includes('交流任职'), `district results: ${dres.slice(0, 200)}`)
    await page.locator('[data-test="heatmap"] canvas').first().waitFor({ timeout: 15_000 })
    await screenshot(page, 'standards-scorecard.png')
    // an office: the plan's ten rules, the 普法 line's two (pufa.c) and the 公共法律服务 line's two (pls_advisors.c),
    // each with its evidence; a record behind it links to its page
    await page.locator('[data-test="units"] .el-table__body tr').first().click()
    const rows = page.locator('[data-test="results"] .el-table__body tr')
    await page.waitForFunction(() => document.querySelectorAll('[data-test="results"] .el-table__body tr').length === 14,
      null, { timeout: 15_000 })
    const text = await page.locator('[data-test="results"]').innerText()
    expect(/政法专项编制在岗 \d+ 名/.test(text), 'clause 15 evidence missing')
    expect((await rows.count()) === 14, `office results: ${await rows.count()}`)
    // (the first link to a record: a rule may link a filtered list instead)
    const hrefs = await page.locator('[data-test="results"] .records a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
    const href = hrefs.find((h) => /^\/records\/[a-z-]+\/\d+$/.test(h)) || hrefs[0]
    expect(/^\/records\/[a-z-]+\/\d+$/.test(href), `evidence link ${href}`)
    await screenshot(page, 'standards-office.png')
  },
  { login: true },
)

// The page position of the first pixel (leftmost column, top down) of the
// canvases under `selector` (ECharts may draw a series on a layer of its own)
// whose colour is one of `colors` ([r,g,b]): where to click to hit a bar or a
// heat map cell of that colour. Null when none.
async function canvasPixel(page, selector, colors) {
  await page.locator(`${selector} canvas`).first().waitFor({ timeout: 15_000 })
  for (const canvas of await page.locator(`${selector} canvas`).all()) {
    const box = await canvas.boundingBox()
    const at = await canvas.evaluate((c, colors) => {
      const { width, height } = c
      const d = c.getContext('2d').getImageData(0, 0, width, height).data
      for (let x = 0; x < width; x += 2)
        for (let y = 0; y < height; y += 2) {
          const i = (y * width + x) * 4
          const near = ([r, g, b]) => Math.abs(d[i] - r) < 6 && Math.abs(d[i + 1] - g) < 6 && Math.abs(d[i + 2] - b) < 6
          if (d[i + 3] === 255 && colors.some(near)) return { x: x / width, y: y / height }
        }
      return null
    }, colors)
    if (at) return { x: box.x + at.x * box.width + 3, y: box.y + at.y * box.height + 3 }
  }
  return null
}


test(
  'the cockpit draws its charts and drills down from the city to a district and an office',
  async ({ page }) => {
    await gotoLoginAndSignIn(page)
    await page.locator('.layout-aside .app-menu').getByText('驾驶舱').click()
    await page.waitForURL((url) => url.pathname === '/cockpit', { timeout: 15_000 })
    // business volumes: mediation by month, every line's records, the annual reports by state
    for (const chart of ['rates', 'trend', 'problems', 'mediation', 'volumes', 'reports']) {
      const ink = await canvasInk(page, `[data-test="${chart}"]`)
      expect(ink > 500, `the ${chart} chart is blank (${ink} pixels drawn)`)
    }
    const crumbs = page.locator('[data-test="trail"] .el-breadcrumb__item')
    expect((await crumbs.count()) === 1, `the city's breadcrumb has ${await crumbs.count()} items`)
    if (SHOTS) {
      // the whole dashboard in one picture
      await page.setViewportSize({ width: VIEWPORT.width, height: 2150 })
      await page.waitForTimeout(1200) // the charts' resize and entry animation
      await screenshot(page, 'cockpit.png')
      await page.setViewportSize(VIEWPORT)
    }
    // a district's bar → the district, with its offices × rules heat map
    await page.locator('[data-test="rates"]').scrollIntoViewIfNeeded()
    // the bars grow in for a moment after drawing: a pixel found mid-animation
    // may be empty when clicked, so find and click again until the view moves
    for (let tries = 0; ; tries++) {
      const bar = await canvasPixel(page, '[data-test="rates"]', [[47, 125, 50]])
      expect(bar, 'no district bar to click')
      await page.mouse.click(bar.x, bar.y)
      try {
        await page.waitForURL((url) => url.searchParams.has('org'), { timeout: 3_000 })
        break
      } catch (err) {
        if (tries === 4) throw err
      }
    }
    const districtId = new URL(page.url()).searchParams.get('org')
    await page.waitForFunction(() => document.querySelectorAll('[data-test="trail"] .el-breadcrumb__item').length === 2,
      null, { timeout: 15_000 })
    expect((await canvasInk(page, '[data-test="heatmap"]')) > 500, 'the district heat map is blank')
    await page.waitForTimeout(1200)
    // a heat map cell → its office
    await page.locator('[data-test="heatmap"]').scrollIntoViewIfNeeded()
    const cell = await canvasPixel(page, '[data-test="heatmap"]', [[47, 125, 50], [198, 40, 40], [189, 189, 189]])
    expect(cell, 'no heat map cell to click')
    await page.mouse.click(cell.x, cell.y)
    await page.waitForURL((url) => url.searchParams.get('org') && url.searchParams.get('org') !== districtId,
      { timeout: 15_000 })
    await page.waitForFunction(() => document.querySelectorAll('[data-test="trail"] .el-breadcrumb__item').length === 3,
      null, { timeout: 15_000 })
    expect((await canvasInk(page, '[data-test="trend"]')) > 500, 'the office trend is blank')
    // the breadcrumb goes back up to the district
    await crumbs.nth(1).locator('a').click()
    await page.waitForURL((url) => url.searchParams.get('org') === districtId, { timeout: 15_000 })
    await page.locator('[data-test="heatmap"] canvas').first().waitFor({ timeout: 15_000 })
  },
  { login: true },
)

test(
  'the cockpit starts at the user\'s own unit: a district with its heat map, an office with its trend',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, 'pudong', PASS)
    await page.goto(BASE + '/cockpit')
    const crumbs = page.locator('[data-test="trail"] .el-breadcrumb__item')
    await crumbs.first().waitFor({ timeout: 15_000 })
    const trail = await page.locator('[data-test="trail"]').innerText()
    expect((await crumbs.count()) === 1 && trail.includes('浦东新区司法局'), `pudong's breadcrumb: ${trail}`)
    expect((await canvasInk(page, '[data-test="heatmap"]')) > 500, 'the district heat map is blank')
    expect((await canvasInk(page, '[data-test="rates"]')) > 500, 'the offices\' rates are blank')
    await page.context().clearCookies()
    await gotoLoginAndSignIn(page, DIRECTOR, PASS)
    await page.goto(BASE + '/cockpit')
    await page.locator('[data-test="trail"]').getByText('陆家嘴').waitFor({ timeout: 15_000 })
    expect((await canvasInk(page, '[data-test="trend"]')) > 500, 'the office trend is blank')
    expect((await page.locator('[data-test="heatmap"]').count()) === 0, 'an office shows a heat map')
  },
  { login: true },
)


test(
  'on a phone the cockpit\'s rates lie down, one district a row: sixteen names never overlap',
  async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 })
    await gotoLoginAndSignIn(page)
    await page.goto(BASE + '/cockpit')
    await page.locator('[data-test="rates"]').waitFor()
    // the chart grows to one row a unit (40 + 16 × 24 px) instead of slanting 16 names under 350 px
    await page.waitForFunction(() => parseInt(document.querySelector('[data-test="rates"]').style.height || '0') >= 40 + 16 * 24,
      null, { timeout: 15_000 })
    await page.waitForTimeout(1200) // the bars grow in
    expect((await canvasInk(page, '[data-test="rates"]')) > 500, 'the districts\' rates are blank')
  },
  { login: true },
)

/* ---- 规范化建设: the problem board and the annual report ---- */

test(
  '整改看板: the problem list by stage; a card\'s 开始整改 moves it to 整改中 and its title opens the problem',
  async ({ page }) => {
    await gotoLoginAndSignIn(page, 'pudong', PASS)
    await openMenu(page, '规范化建设', '整改看板')
    await page.waitForURL((url) => url.pathname === '/standards/board')
    const column = (key) => page.locator(`.column[data-column="${key}"]`)
    const total = async (key) => Number((await column(key).locator('.col-total').innerText()).replace('+', ''))
    const card = column('open').locator('.board-card').first()
    await card.waitFor()
    const id = await card.getAttribute('data-id')
    const before = await total('rectifying')
    await card.locator('button[data-action="start"]').click()
    const dialog = page.locator('.workflow-dialog')
    await dialog.waitFor()
    const [moved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/problems/${id}/actions/start`)),
      dialog.getByRole('button', { name: '确定开始整改' }).click(),
    ])
    expect(moved.status() === 200, `开始整改 answered ${moved.status()}`)
    await page.waitForFunction(
      ([id, n]) =>
        !document.querySelector(`.column[data-column="open"] .board-card[data-id="${id}"]`) &&
        Number(document.querySelector('.column[data-column="rectifying"] .col-total').textContent.replace('+', '')) === n,
      [id, before + 1],
    )
    await column('rectifying').locator(`.board-card[data-id="${id}"]`).waitFor()
    await screenshot(page, 'problems-board.png')
    await column('rectifying').locator(`.board-card[data-id="${id}"] .card-title`).click()
    await page.waitForURL((url) => url.pathname === `/records/problems/${id}`)
    await page.locator('.detail-head .state-tag', { hasText: '整改中' }).waitFor()
  },
  { login: true },
)

test(
  '年度自评报告: a district generates its draft, edits a section, previews, 审定 and 报送市局, downloads Word; the city receives it',
  async ({ page, browser }) => {
    await gotoLoginAndSignIn(page, 'pudong', PASS)
    await openMenu(page, '规范化建设', '年度自评报告')
    await page.waitForURL((url) => url.pathname === '/standards/reports')
    const row = page.locator('[data-test="reports"] .el-table__row', { hasText: '浦东新区司法局' })
    await row.waitFor()
    const [generated] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/annual-reports/generate')),
      row.getByRole('button', { name: '生成草稿' }).click(),
    ])
    expect(generated.status() === 201, `generate answered ${generated.status()}`)
    const id = (await generated.json()).id
    await page.waitForURL((url) => url.pathname === `/records/annual-reports/${id}`)
    const head = page.locator('.detail-head')
    await head.locator('.state-tag', { hasText: '草稿' }).waitFor()

    // the editor: the generic form of the entity, section four rewritten
    const text = `推行"枫桥式司法所"创建, 浏览器测试 ${STAMP}`
    await head.getByRole('button', { name: '编辑' }).click()
    await formField(page, 's4_experience').locator('textarea').fill(text)
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/annual-reports/${id}`) && r.request().method() === 'PATCH'),
      page.getByRole('button', { name: '保存' }).click(),
    ])
    expect(saved.status() === 200, `save answered ${saved.status()}`)
    await page.waitForURL((url) => url.pathname === `/records/annual-reports/${id}`)

    // the preview: the sections as they read, the offices × rules snapshot
    await head.getByRole('button', { name: '预览报告' }).click()
    const preview = page.locator('.report-preview')
    await preview.locator('.sec-s4_experience', { hasText: text }).waitFor()
    await preview.locator('h1', { hasText: '浦东新区司法局' }).waitFor()
    expect((await preview.locator('table.compliance tbody tr').count()) > 10, 'the preview lacks the offices × rules table')
    await preview.locator('table.compliance td.fail').first().waitFor()
    await screenshot(page, 'annual-report-preview.png')
    await preview.getByRole('button', { name: '关闭', exact: true }).click()
    await preview.waitFor({ state: 'hidden' })

    // 区局审定 → 报送市局 through the workflow dialogs
    const dialog = page.locator('.workflow-dialog')
    for (const [action, label, state] of [['approve', '区局审定', '区局已审定'], ['submit', '报送市局', '已报市局']]) {
      await head.locator(`button[data-action="${action}"]`).click()
      await dialog.waitFor()
      await dialog.getByRole('button', { name: '确定' + label }).click()
      await head.locator('.state-tag', { hasText: state }).waitFor()
      await dialog.waitFor({ state: 'hidden' })
    }
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      head.getByRole('button', { name: '下载 Word' }).click(),
    ])
    expect(/\.docx$/.test(download.suggestedFilename()), `the report saved as ${download.suggestedFilename()}`)

    // the city sees it 已报市局 in the overview and receives it
    const city = await newContext(browser)
    try {
      const p = await city.newPage()
      await gotoLoginAndSignIn(p, USER, PASS)
      await p.goto(BASE + '/standards/reports')
      const r = p.locator('[data-test="reports"] .el-table__row', { hasText: '浦东新区司法局' })
      await r.locator('.el-tag', { hasText: '已报市局' }).waitFor()
      await r.getByRole('button', { name: '查看 / 编辑' }).click()
      await p.waitForURL((url) => url.pathname === `/records/annual-reports/${id}`)
      const h = p.locator('.detail-head')
      await h.locator('button[data-action="receive"]').click()
      const d = p.locator('.workflow-dialog')
      await d.getByRole('button', { name: '确定市局接收' }).click()
      await h.locator('.state-tag', { hasText: '市局已接收' }).waitFor()
    } finally {
      await city.close()
    }
  },
  { login: true },
)

// Issue 18: an office name went into the heat map's tooltip as HTML.  ECharts
// escapes its own tooltips and valueFormatter output, but not what a
// formatter function returns: that must pass each piece of data through
// escapeHtml (web/src/standardsCharts.js).  Node-level, no server needed.
test('no chart formatter returns unescaped data', async () => {
  const charts = await import(new URL('../../web/src/standardsCharts.js', import.meta.url))
  const hostile = '<img src=x onerror=alert(1)>'
  const option = charts.heatmapOption({
    rules: [{ id: 'r1', clause: '15', title: '<b>编制</b>' }],
    offices: [{ name: hostile, results: { r1: 'fail' } }],
  })
  const shown = option.tooltip.formatter({ value: [0, 0, 0] })
  expect(!shown.includes('<img') && !shown.includes('<b>'), `the tooltip holds markup: ${shown}`)
  expect(shown.includes('&lt;img src=x onerror=alert(1)&gt;'), `the name is not shown as text: ${shown}`)
  expect(charts.escapeHtml(`"'&<>`) === '&quot;&#39;&amp;&lt;&gt;', 'escapeHtml escapes the five characters')
  // every formatter function in the web app: each ${…} it returns is escaped
  const { readdirSync, readFileSync, statSync } = await import('node:fs')
  const { join } = await import('node:path')
  const root = new URL('../../web/src/', import.meta.url).pathname
  const files = []
  const walk = (d) =>
    readdirSync(d).forEach((n) => {
      const f = join(d, n)
      if (statSync(f).isDirectory()) walk(f)
      else if (/\.(js|vue)$/.test(n)) files.push(f)
    })
  walk(root)
  const bad = []
  let seen = 0
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
    for (const m of text.matchAll(/(?<![A-Za-z])formatter\s*:\s*/g)) {
      const start = m.index + m[0].length
      if (!/^(\(|function\b|[A-Za-z_$][\w$]*\s*=>)/.test(text.slice(start))) continue // a string template
      // the function: up to the ',' or '}' that closes it at depth 0
      let depth = 0
      let i = start
      let inTpl = false
      for (; i < text.length; i++) {
        const c = text[i]
        if (c === '`') inTpl = !inTpl
        if (inTpl) continue
        if ('([{'.includes(c)) depth++
        else if (')]}'.includes(c)) {
          if (depth === 0) break
          depth--
        } else if (c === ',' && depth === 0) break
      }
      const body = text.slice(start, i)
      seen++
      const holes = [...body.matchAll(/\$\{/g)].length
      const escaped = [...body.matchAll(/\$\{escapeHtml\(/g)].length
      if (holes !== escaped || (holes === 0 && !body.includes('escapeHtml('))) bad.push(`${f}: ${body.slice(0, 120)}`)
    }
  }
  expect(seen > 0, 'found no formatter function to check (the scan is broken)')
  expect(bad.length === 0, `formatters returning unescaped data:\n${bad.join('\n')}`)
})

await run()
