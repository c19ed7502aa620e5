// Browser tests: 公众门户 (issue 24; docs/portal.md) — the resident on a
// phone (390×844) and at a self-service terminal (?kiosk=1), the office's
// clerk in the staff app.  Run with tests/e2e/run.sh tests/e2e/test_portal.mjs:
// the server has its public listener (SIFASUO_PUBLIC_URL) beside the staff one.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { BASE, PASS, STAFF, STAMP, expect, gotoLoginAndSignIn, residentId, run, test } from './lib.mjs'

const PUBLIC = (process.env.SIFASUO_PUBLIC_URL || '').replace(/\/$/, '')
const PHONE_390 = { width: 390, height: 844 }
// A resident ID number's sequence for a person the test registers: 100-799, never
// the 8xx and 9xx of the lines' demo residents (31011519800101800X is one); the
// birth dates used here are no other demo resident's, so no draw meets the demo.
const seq = () => String(Math.floor(Math.random() * 700) + 100)

// What the tests share: the code and phone of the resident's request.
const REQ = { title: `楼上漏水纠纷${STAMP}`, phone: `139${Math.floor(10000000 + Math.random() * 89999999)}` }

async function phonePage(browser, kiosk = false) {
  const context = await browser.newContext({
    locale: 'zh-CN',
    viewport: kiosk ? { width: 1080, height: 1920 } : PHONE_390,
    hasTouch: true,
    isMobile: !kiosk,
  })
  context.setDefaultTimeout(15_000)
  return { context, page: await context.newPage() }
}

// 区 → 街道 → 村(居), the village found by typing part of its name
async function choosePlace(page, district, town, villagePart) {
  await page.locator('select[name="district"]').selectOption({ label: district })
  await page.locator('select[name="town"] option', { hasText: town }).waitFor({ state: 'attached' })
  await page.locator('select[name="town"]').selectOption({ label: town })
  await page.locator('input[name="village_filter"]').fill(villagePart)
  const option = page.locator('select[name="village"] option', { hasText: villagePart }).first()
  await option.waitFor({ state: 'attached' })
  await page.locator('select[name="village"]').selectOption({ label: (await option.innerText()).trim() })
}

async function fillApplicant(page, name, id, phone) {
  await page.locator('input[name="applicant.name"]').fill(name)
  await page.locator('input[name="applicant.id_number"]').fill(id)
  await page.locator('input[name="applicant.phone"]').fill(phone)
}

// A request from a chosen loopback address (the portal counts per address).
function post(path, body, localAddress) {
  const url = new URL(PUBLIC + path)
  const data = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: data ? 'POST' : 'GET', localAddress,
        headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }))
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

async function solve(localAddress) {
  const { body } = await post('/public/api/v1/challenge', undefined, localAddress)
  for (let n = 0; ; n++) {
    const d = createHash('sha256').update(`${body.challenge}:${n}`).digest()
    let zeros = 0
    for (const b of d) {
      if (b === 0) { zeros += 8; continue }
      zeros += Math.clz32(b) - 24
      break
    }
    if (zeros >= body.bits) return { challenge: body.challenge, nonce: String(n) }
  }
}

test('公众门户 (390×844): a resident applies for mediation for a village of 陆家嘴; the clerk finds the 登记 case, replies; the resident reads the reply', async ({ browser }) => {
  expect(PUBLIC, 'SIFASUO_PUBLIC_URL is not set (tests/e2e/run.sh starts the public listener)')
  const { context, page } = await phonePage(browser)
  try {
    await page.goto(PUBLIC + '/public/')
    await page.getByRole('button', { name: '人民调解申请' }).click()
    await choosePlace(page, '浦东新区', '陆家嘴街道', '居委会')
    const id = residentId(`31011519820303${seq()}`)
    await fillApplicant(page, '陈居民', id, REQ.phone)
    await page.locator('select[name="category"]').selectOption({ label: '邻里' })
    await page.locator('input[name="title"]').fill(REQ.title)
    await page.locator('textarea[name="summary"]').fill('楼上卫生间漏水两个月, 多次协商未果, 请求调解。')
    await page.locator('input[name="respondent_name"]').fill('赵邻居')
    // nothing scrolls sideways on a phone
    const wide = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(wide <= 390, `the form is ${wide} px wide at 390`)
    await page.setViewportSize({ width: 360, height: 740 }) // the narrowest phones still in use
    const narrow = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(narrow <= 360, `the form is ${narrow} px wide at 360`)
    await page.setViewportSize(PHONE_390)
    // the consent is required: the page says so and sends nothing
    await page.getByRole('button', { name: '提交' }).click()
    await page.getByText('请阅读并同意个人信息使用说明').waitFor()
    await page.locator('input[name="consent"]').check()
    await page.getByRole('button', { name: '提交' }).click()
    await page.getByText('提交成功').waitFor({ timeout: 30_000 })
    REQ.code = (await page.getByTestId('code').innerText()).trim()
    expect(/^[2-9A-HJ-NP-Z]{10}$/.test(REQ.code), `tracking code ${REQ.code}`)
    expect((await page.locator('.receipt').innerText()).includes('陆家嘴街道司法所'), 'the receipt names the office')
  } finally {
    await context.close()
  }

  // the clerk of 陆家嘴: the to-do holds it as a 登记 case, the applicant from the registry
  const staff = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 800 } })
  staff.setDefaultTimeout(15_000)
  const clerk = await staff.newPage()
  try {
    await clerk.goto(BASE + '/login')
    await gotoLoginAndSignIn(clerk, STAFF, PASS)
    await clerk.locator('.todo-list li').first().waitFor()
    const all = clerk.getByRole('button', { name: /查看全部/ })
    if (await all.count()) await all.click()
    const item = clerk.locator('.todo-list li', { hasText: REQ.title })
    await item.waitFor()
    expect((await item.innerText()).includes('登记'), `the to-do item: ${await item.innerText()}`)
    await item.locator('a').first().click()
    await clerk.waitForURL(/\/records\/mediation-cases\/\d+/)
    await clerk.locator('.portal-channel', { hasText: '公众门户' }).waitFor()
    const detail = await clerk.locator('main').innerText()
    expect(detail.includes('陈**') || detail.includes('陈*'), 'the applicant (masked) is on the case')
    const caseId = Number(clerk.url().match(/mediation-cases\/(\d+)/)[1])
    const persons = await clerk.evaluate(async () => (await fetch('/api/v1/persons?name=%E9%99%88%E5%B1%85%E6%B0%91')).json())
    expect(persons.items && persons.items.length === 1, `the registry holds the applicant once: ${JSON.stringify(persons)}`)
    const parties = await clerk.evaluate(async (id) => (await fetch(`/api/v1/mediation-parties?case_id=${id}`)).json(), caseId)
    expect(parties.items.some((p) => p.role === 'applicant' && p.person_id === persons.items[0].id), 'the applicant party is the registry person')
    await clerk.locator('.portal-reply textarea').fill('已收到您的申请, 请于本周三上午九时到陆家嘴街道司法所调解室。')
    await clerk.getByRole('button', { name: '答复' }).click()
    await clerk.locator('.portal-replies li', { hasText: '本周三上午九时' }).waitFor()
  } finally {
    await staff.close()
  }

  // the resident: code + the phone's last four digits
  const again = await phonePage(browser)
  try {
    await again.page.goto(PUBLIC + '/public/')
    await again.page.getByRole('button', { name: '查询办理进度' }).click()
    await again.page.locator('input[name="code"]').fill(REQ.code.toLowerCase())
    await again.page.locator('input[name="phone_last4"]').fill('0000')
    await again.page.getByRole('button', { name: '查询' }).click()
    await again.page.getByText('查询码或手机号码后四位不正确').waitFor()
    await again.page.locator('input[name="phone_last4"]').fill(REQ.phone.slice(-4))
    await again.page.getByRole('button', { name: '查询' }).click()
    await again.page.locator('.status', { hasText: '登记' }).waitFor()
    await again.page.locator('.replies li', { hasText: '本周三上午九时' }).waitFor()
    const shown = await again.page.locator('.result').innerText()
    expect(!shown.includes('陈居民') && !shown.includes(REQ.phone), 'no personal data on the tracking page')
  } finally {
    await again.context.close()
  }
  if (process.env.SIFASUO_SMS_LOG) {
    const sms = readFileSync(process.env.SIFASUO_SMS_LOG, 'utf8')
    expect(sms.includes(REQ.code) && sms.includes('新的答复'), 'the SMS log holds the code and the reply notice')
  }
}, { login: true, timeout: 120_000 })

test('自助办 (kiosk): large targets, a printable receipt, and the screen resets after 2 minutes idle', async ({ browser }) => {
  const { context, page } = await phonePage(browser, true)
  try {
    await page.clock.install()
    await page.goto(PUBLIC + '/public/?kiosk=1')
    const tile = page.getByRole('button', { name: '法律咨询' })
    await tile.waitFor()
    const box = await tile.boundingBox()
    expect(box.height >= 100, `kiosk tiles are large (${box.height} px)`)
    await tile.click()
    await choosePlace(page, '浦东新区', '陆家嘴街道', '居委会')
    await fillApplicant(page, '周自助', residentId(`31011519900909${seq()}`), `137${Math.floor(10000000 + Math.random() * 89999999)}`)
    await page.locator('select[name="category"]').selectOption({ index: 1 })
    await page.locator('input[name="title"]').fill(`劳动合同咨询${STAMP}`)
    await page.locator('textarea[name="question"]').fill('公司未签劳动合同, 能否要求双倍工资?')
    const input = await page.locator('input[name="applicant.phone"]').evaluate((e) => e.getAttribute('inputmode'))
    expect(input === 'numeric', 'the phone field asks for the numeric on-screen keyboard')
    await page.locator('input[name="consent"]').check()
    await page.getByRole('button', { name: '提交' }).click()
    await page.getByText('提交成功').waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: '打印回执' }).waitFor()
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('.top').isHidden(), 'the header is not printed')
    expect(await page.getByTestId('code').isVisible(), 'the code is printed')
    await page.emulateMedia({ media: 'screen' })
    // the resident's last touch; then nobody: after two minutes the next resident sees the start
    await page.locator('.receipt h2').click()
    await page.clock.fastForward('01:50')
    expect(await page.getByText('提交成功').isVisible(), 'still there before two minutes')
    await page.clock.fastForward('00:15')
    await page.getByRole('button', { name: '查询办理进度' }).waitFor()
    expect(!(await page.getByText('提交成功').isVisible()), 'the receipt is gone after two minutes idle')
  } finally {
    await context.close()
  }
}, { timeout: 120_000 })

test('行政复议申请代收 on a phone: the applicant\'s particulars, the decision contested and a PDF attachment', async ({ browser }) => {
  const { context, page } = await phonePage(browser)
  try {
    await page.goto(PUBLIC + '/public/')
    await page.getByRole('button', { name: '行政复议申请代收' }).click()
    await page.locator('details.by-address summary').click()
    await page.locator('input[name="address"]').fill('浦东新区陆家嘴环路1000号')
    await page.getByRole('button', { name: '查找' }).click()
    await page.getByText('已匹配: 浦东新区 陆家嘴街道').waitFor()
    await fillApplicant(page, '吴复议', residentId(`31011519850505${seq()}`), `135${Math.floor(10000000 + Math.random() * 89999999)}`)
    await page.locator('input[name="respondent"]').fill('浦东新区市场监督管理局')
    await page.locator('textarea[name="act"]').fill(`行政处罚决定书 (浦市监罚〔2026〕${STAMP}号)`)
    await page.locator('textarea[name="requests"]').fill('撤销该行政处罚决定')
    // a text file is refused in the page, a PDF taken
    await page.locator('input[name="attachments"]').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('x') })
    await page.getByText('附件应为 PDF、JPEG 或 PNG 文件').waitFor()
    await page.locator('input[name="attachments"]').setInputFiles({
      name: '处罚决定书.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n'),
    })
    await page.locator('input[name="consent"]').check()
    await page.getByRole('button', { name: '提交' }).click()
    await page.getByText('提交成功').waitFor({ timeout: 30_000 })
    expect((await page.locator('.receipt').innerText()).includes('5 个工作日内转送'), 'the receipt states the forwarding time')
  } finally {
    await context.close()
  }
}, { timeout: 90_000 })

test('a flood of submissions from one address gets 429 while another address is served', async () => {
  expect(PUBLIC, 'SIFASUO_PUBLIC_URL is not set')
  const { body: kinds } = await post('/public/api/v1/kinds')
  expect(kinds.kinds.length === 5, 'five kinds')
  const { body: places } = await post('/public/api/v1/places/match', { address: '浦东新区陆家嘴环路1000号' })
  const submit = async (i, from) =>
    post('/public/api/v1/submissions', {
      kind: 'consultation', office_id: places.office_id,
      applicant: { name: '洪水', id_number: residentId(`31011519700101${100 + (i % 900)}`),
        phone: `136${String(10000000 + i * 7919).slice(0, 8)}` },
      fields: { title: `咨询${STAMP}${i}`, category: 'labor', question: `第 ${i} 个问题` },
      pow: await solve(from),
    }, from)
  let limited = null
  for (let i = 0; i < 40 && !limited; i++) {
    const r = await submit(i, '127.0.0.1')
    if (r.status === 429) limited = r
    else expect(r.status === 201, `submission ${i}: ${r.status} ${JSON.stringify(r.body)}`)
  }
  expect(limited && limited.body.error.code === 'rate_limited', 'no 429 after 40 submissions from one address')
  const other = await submit(999, '127.0.0.2')
  expect(other.status === 201, `another address: ${other.status} ${JSON.stringify(other.body)}`)
}, { timeout: 120_000 })

await run()
