// Browser tests: 系统管理 (三员分立).
// Run with tests/e2e/run.sh tests/e2e/test_admin.mjs (a server of its own; docs/testing.md).
import {
  BASE,
  LIST,
  PASS,
  STAFF,
  STAMP,
  apiCall,
  confirmBox,
  expect,
  formField,
  gotoLoginAndSignIn,
  menuText,
  newContext,
  openMenu,
  run,
  screenshot,
  signIn,
  signInAdmin,
  test,
} from './lib.mjs'

/* ---- 系统管理 (the three administrators; 三员分立) ---- */

const NEW_USER = { username: `e2e_${STAMP}`, name: `测试员${STAMP.slice(-4)}`, password: 'E2e#First2026x' }

test(
  'sysadmin enrols TOTP, creates a user (no roles: 三员分立) in 用户管理 and resets its password; the user signs in',
  async ({ page, context, browser }) => {
    await signInAdmin(page, context, 'sysadmin')
    const menu = await menuText(page)
    for (const t of ['系统管理', '用户管理', '字典管理', '节假日日历', 'API 令牌'])
      expect(menu.includes(t), `sysadmin's menu lacks ${t}`)
    for (const t of ['审计日志', '角色权限', '安全策略'])
      expect(!menu.includes(t), `sysadmin's menu shows ${t} (三员分立)`)
    await openMenu(page, '系统管理', '用户管理')
    await page.waitForURL((url) => url.pathname === '/admin/users')
    const crumb = await page.locator('.page-breadcrumb').innerText()
    expect(crumb.includes('系统管理') && crumb.includes('用户管理'), `breadcrumb "${crumb}"`)
    await page.locator('.users-table .el-table__row', { hasText: 'ljz_director' }).waitFor()

    // filters: a role narrows the list
    await page.locator('.filter-role').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '人民调解员' }).click()
    await page.locator('.users-table .el-table__row', { hasText: 'tiaojie' }).waitFor()
    await page.waitForFunction(() => document.querySelectorAll('.users-table .el-table__row').length === 1)
    await page.reload() // the filters start empty again
    await page.locator('.users-table .el-table__row', { hasText: 'ljz_director' }).waitFor()

    // 新建账户: the form's own checks, then the org picker; no roles (the security administrator's)
    await page.getByRole('button', { name: '新建账户' }).click()
    const dialog = page.locator('.user-dialog')
    await dialog.getByRole('button', { name: '保存' }).click()
    await dialog.getByText('请填写用户名').waitFor()
    await dialog.locator('input[name="new-username"]').fill(NEW_USER.username)
    await dialog.locator('input[name="new-display-name"]').fill(NEW_USER.name)
    await dialog.locator('.org-picker').click()
    await page.locator('.el-select-dropdown__item:visible', { hasText: '上海市司法局' }).first().click()
    expect((await dialog.locator('.roles-note').innerText()).includes('安全管理员'), 'the form offers roles to the system administrator')
    await dialog.locator('input[name="new-password"]').fill(NEW_USER.password)
    const [created] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST'),
      dialog.getByRole('button', { name: '保存' }).click(),
    ])
    expect(created.status() === 201, `create answered ${created.status()}`)
    const row = page.locator('.users-table .el-table__row', { hasText: NEW_USER.username })
    await row.waitFor()
    expect(!(await row.innerText()).includes('司法所工作人员'), 'the new account came with a role')
    await screenshot(page, 'admin-users.png')

    // 重置密码: the one-time password is shown once
    await row.getByRole('button', { name: '重置密码' }).click()
    await confirmBox(page, '重置')
    const otpBox = page.locator('.one-time-dialog .secret-value')
    await otpBox.waitFor()
    const oneTime = (await otpBox.innerText()).trim()
    expect(oneTime.length >= 16, `one-time password "${oneTime}"`)
    await page.getByRole('button', { name: '我已记下' }).click()

    // the user signs in with it and must choose a password
    const other = await newContext(browser)
    try {
      const userPage = await other.newPage()
      await userPage.goto(BASE + '/login')
      await signIn(userPage, NEW_USER.username, oneTime)
      await userPage.locator('input[name="new_password"]').waitFor()
      await userPage.locator('input[name="new_password"]').fill('E2e#Second2026x')
      await userPage.locator('input[name="confirm"]').fill('E2e#Second2026x')
      await userPage.getByRole('button', { name: '修改密码' }).click()
      await userPage.waitForURL((url) => url.pathname === '/', { timeout: 15_000 })
      await userPage.locator('.app-header', { hasText: NEW_USER.name }).waitFor()
      expect(!(await menuText(userPage)).includes('系统管理'), 'a clerk sees 系统管理')
    } finally {
      await other.close()
    }

    // 停用: the state shows, and the account cannot sign in
    await page.reload()
    await row.getByRole('button', { name: '停用' }).click()
    await confirmBox(page, '确定停用')
    await row.locator('.status-tag', { hasText: '已停用' }).waitFor()
    await row.getByRole('button', { name: '启用' }).waitFor()
  },
  // TOTP enrolment, a user created, reset and signed in: ~60 s when two browser files share 2 cores
  { login: true, timeout: 120_000 },
)

test(
  'secadmin edits a role\'s permissions, grouped by module; adding 查看完整个人信息 waits for a second approver; administrator roles are fixed',
  async ({ page, context }) => {
    await signInAdmin(page, context, 'secadmin')
    const menu = await menuText(page)
    expect(menu.includes('角色权限') && menu.includes('安全策略'), `secadmin's menu: ${menu}`)
    expect(!menu.includes('用户管理') && !menu.includes('审计日志'), `secadmin's menu shows another administrator's page`)
    await openMenu(page, '系统管理', '角色权限')
    await page.waitForURL((url) => url.pathname === '/admin/roles')
    await page.locator('.role-editor').first().waitFor() // loaded: the first role is open

    // the administrator roles are shown read-only
    await page.locator('.roles-table .role-name[data-role="auditadmin"]').click()
    const fixed = page.locator('.role-editor[data-role="auditadmin"]')
    await fixed.locator('.fixed-note', { hasText: '任何人' }).waitFor()
    expect(await fixed.locator('[data-perm="audit.read"] input').isDisabled(), 'an administrator role is editable')
    expect((await fixed.getByRole('button', { name: '保存' }).count()) === 0, 'an administrator role has 保存')

    await page.locator('.roles-table .role-name[data-role="office_staff"]').click()
    const editor = page.locator('.role-editor[data-role="office_staff"]')
    await editor.waitFor()
    expect((await editor.locator('.perm-group').count()) >= 3, 'the permissions are not grouped')
    // a business role cannot hold an administrator's permission
    expect(await editor.locator('[data-perm="audit.read"] input').isDisabled(), 'audit.read offered to a business role')
    const unmask = editor.locator('label[data-perm="pi.unmask"]')
    expect(!(await unmask.locator('input').isChecked()), 'office_staff already holds pi.unmask')
    await unmask.click()
    const [put] = await Promise.all([
      page.waitForResponse((r) => /\/api\/v1\/roles\/\d+\/permissions$/.test(r.url())),
      editor.getByRole('button', { name: '保存' }).click(),
    ])
    // adding 查看完整个人信息 waits for a second security administrator
    expect(put.status() === 202, `PUT permissions answered ${put.status()}`)
    const pending = await put.json()
    const sent = JSON.parse(put.request().postData()).permissions
    expect(sent.includes('pi.unmask') && sent.includes('org.read'), `sent ${sent}`)
    await page.locator('.el-message', { hasText: '另一名安全管理员' }).waitFor()
    await screenshot(page, 'admin-roles.png')
    const roles = await apiCall(page, 'GET', '/roles')
    const staff = roles.body.items.find((r) => r.key === 'office_staff')
    expect(!roles.body.permissions[String(staff.id)].includes('pi.unmask'), 'granted without a second approver')

    // withdrawn by the asker (the next test has secadmin2 decide one)
    const withdrawn = await apiCall(page, 'POST', `/grants/${pending.id}/reject`, {})
    expect(withdrawn.status === 200, `withdraw answered ${withdrawn.status}`)

    // 安全策略: each setting with its bounds; a value is sent only when changed
    await openMenu(page, '系统管理', '安全策略')
    const lockout = page.locator('.settings-table .el-table__row', { hasText: '连续失败几次锁定账户' })
    await lockout.waitFor()
    expect((await lockout.innerText()).includes('3 – 10'), `lockout row "${await lockout.innerText()}"`)
    expect(await page.locator('.policy-page').getByRole('button', { name: '保存' }).isDisabled(), '保存 enabled with nothing changed')
  },
  { login: true },
)

test(
  'a grant of 查看完整个人信息 is in secadmin2\'s to-do, one click from the 工作台, and rejected there',
  async ({ page, context, browser }) => {
    await signInAdmin(page, context, 'secadmin')
    const roles = await apiCall(page, 'GET', '/roles')
    const staff = roles.body.items.find((r) => r.key === 'office_staff')
    const before = roles.body.permissions[String(staff.id)]
    const asked = await apiCall(page, 'PUT', `/roles/${staff.id}/permissions`, { permissions: [...before, 'pi.unmask'] })
    expect(asked.status === 202, `the grant answered ${asked.status}`)
    const other = await newContext(browser)
    try {
      const p2 = await other.newPage()
      await signInAdmin(p2, other, 'secadmin2')
      const item = p2.locator('.todo-list .todo-item', { hasText: '司法所工作人员' })
      await item.waitFor()
      await item.click()
      await p2.waitForURL((url) => url.pathname === '/admin/grants')
      const row = p2.locator('.pending-table .el-table__row', { hasText: '司法所工作人员' })
      await row.waitFor()
      expect((await row.innerText()).includes('查看完整个人信息'), 'the pending row does not name the sensitive permission')
      await screenshot(p2, 'admin-grants.png')
      await row.getByRole('button', { name: '驳回' }).click()
      await confirmBox(p2, '驳回')
      await p2.locator('.el-message', { hasText: '已驳回' }).waitFor()
    } finally {
      await other.close()
    }
    const after = await apiCall(page, 'GET', '/roles')
    expect(!after.body.permissions[String(staff.id)].includes('pi.unmask'), 'a rejected grant took effect')
  },
  { login: true },
)

test(
  'secadmin grants a new account its role in 授权管理; secadmin2 approves it from the to-do; the account gets its menu',
  async ({ page, context, browser }) => {
    const username = `e2e_grant_${STAMP}`
    await signInAdmin(page, context, 'sysadmin')
    const made = await apiCall(page, 'POST', '/users', {
      username,
      display_name: '授权测试员',
      org_id: (await apiCall(page, 'GET', '/session')).body.user.org.id,
      password: 'E2e#Grant2026x',
    })
    expect(made.status === 201, `create answered ${made.status}`)
    const sec = await newContext(browser)
    try {
      const p1 = await sec.newPage()
      await signInAdmin(p1, sec, 'secadmin')
      await openMenu(p1, '系统管理', '授权管理')
      await p1.getByRole('tab', { name: '账户角色' }).click()
      await p1.locator('.grant-accounts').waitFor()
      await p1.locator('.filter-q input').fill(username)
      await p1.locator('.filter-q input').press('Enter')
      const row = p1.locator('.grant-accounts .el-table__row', { hasText: username })
      await row.locator('.admin-note', { hasText: '未授权' }).waitFor()
      await row.getByRole('button', { name: '授予角色' }).click()
      const gd = p1.locator('.grant-dialog')
      await gd.locator('.grant-roles').click()
      await p1.locator('.el-select-dropdown__item:visible', { hasText: '司法所工作人员' }).click()
      await gd.locator('.el-dialog__title').click()
      const [put] = await Promise.all([
        p1.waitForResponse((r) => /\/api\/v1\/users\/\d+\/roles$/.test(r.url())),
        gd.getByRole('button', { name: '保存' }).click(),
      ])
      // the clerk's role exports records: a second security administrator must approve
      expect(put.status() === 202, `the grant answered ${put.status()}`)
      await p1.locator('.el-message', { hasText: '另一名安全管理员' }).waitFor()
      await p1.getByRole('tab', { name: /待复核/ }).click()
      await p1.locator('.pending-table .el-table__row', { hasText: '待他人复核' }).waitFor()
    } finally {
      await sec.close()
    }
    const sec2 = await newContext(browser)
    try {
      const p2 = await sec2.newPage()
      await signInAdmin(p2, sec2, 'secadmin2')
      const item = p2.locator('.todo-list .todo-item', { hasText: '授权测试员' })
      await item.waitFor()
      await item.click()
      const row = p2.locator('.pending-table .el-table__row', { hasText: '授权测试员' })
      await row.getByRole('button', { name: '批准' }).click()
      await confirmBox(p2, '批准')
      await p2.locator('.el-message', { hasText: '授权已生效' }).waitFor()
    } finally {
      await sec2.close()
    }
    const user = await newContext(browser)
    try {
      const p3 = await user.newPage()
      await p3.goto(BASE + '/login')
      await signIn(p3, username, 'E2e#Grant2026x')
      await p3.locator('input[name="new_password"]').fill('E2e#Grant2027y')
      await p3.locator('input[name="confirm"]').fill('E2e#Grant2027y')
      await p3.getByRole('button', { name: '修改密码' }).click()
      await p3.waitForURL((url) => url.pathname === '/', { timeout: 15_000 })
      const me = await apiCall(p3, 'GET', '/session')
      expect(me.body.user.roles.some((r) => r.key === 'office_staff'), `roles ${JSON.stringify(me.body.user.roles)}`)
    } finally {
      await user.close()
    }
  },
  { login: true },
)

test(
  'a lockout reaches the security administrator\'s to-do and is acknowledged in 安全策略 (the login page says nothing of it)',
  async ({ page, context }) => {
    // pudong: a demo account no other test of this file signs in with
    await page.goto(BASE + '/login')
    await page.evaluate(async () => {
      for (let i = 0; i < 5; i++)
        await fetch('/api/v1/session', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'pudong', password: 'wrong-password-' + i }),
        })
    })
    await signInAdmin(page, context, 'secadmin')
    const item = page.locator('.todo-list .todo-item', { hasText: '陈科长 (pudong)' })
    await item.waitFor()
    await item.click()
    await page.waitForURL((url) => url.pathname === '/admin/policy')
    const row = page.locator('.lockouts-table .el-table__row', { hasText: 'pudong' })
    await row.getByText('尚未登录').waitFor() // the owner has not been told yet
    await row.getByRole('button', { name: '知悉' }).click()
    await row.getByText('已知悉').waitFor()
  },
  { login: true },
)

test(
  'sysadmin\'s reset of a director\'s password waits for secadmin, who alone receives the one-time password',
  async ({ page, context, browser }) => {
    await signInAdmin(page, context, 'sysadmin')
    await page.goto(BASE + '/admin/users')
    const row = page.locator('.users-table .el-table__row', { hasText: 'ljz_director' })
    await row.getByRole('button', { name: '重置密码' }).click()
    const [reset] = await Promise.all([
      page.waitForResponse((r) => /\/api\/v1\/users\/\d+\/password$/.test(r.url())),
      confirmBox(page, '重置'),
    ])
    expect(reset.status() === 202, `the reset answered ${reset.status()}`)
    await page.locator('.el-message', { hasText: '安全管理员复核' }).waitFor()
    expect((await page.locator('.one-time-dialog .secret-value').count()) === 0, 'the system administrator saw a password')
    const sec = await newContext(browser)
    try {
      const p2 = await sec.newPage()
      await signInAdmin(p2, sec, 'secadmin')
      await p2.goto(BASE + '/admin/grants')
      const pending = p2.locator('.pending-table .el-table__row', { hasText: 'ljz_director' })
      await pending.getByText('生成一次性密码').waitFor()
      await pending.getByRole('button', { name: '批准' }).click()
      await confirmBox(p2, '批准')
      const secret = p2.locator('.one-time-dialog .secret-value')
      await secret.waitFor()
      expect((await secret.innerText()).trim().length >= 16, 'no one-time password for the approver')
    } finally {
      await sec.close()
    }
  },
  { login: true },
)

test(
  'auditor reads the audit log with the chain verified; a clerk gets no menu and a 403 page',
  async ({ page, context, browser }) => {
    await signInAdmin(page, context, 'auditor')
    await openMenu(page, '系统管理', '审计日志')
    await page.waitForURL((url) => url.pathname === '/admin/audit')
    // the chain's status: the last check (none yet), then a check now
    await page.locator('.audit-table .el-table__row').first().waitFor()
    await page.locator('.audit-page').getByRole('button', { name: '校验完整性' }).click()
    await page.locator('.chain-status[data-intact="true"][data-fresh="true"]', { hasText: '哈希链校验通过' }).waitFor()
    await page.reload()
    await page.locator('.chain-status[data-intact="true"][data-fresh="false"]', { hasText: '上次校验' }).waitFor()
    await page.locator('.audit-table .el-table__row').first().waitFor()
    // by user: only the auditor's own rows (its sign-in, its queries), with Chinese action names
    await page.locator('.filter-user input').fill('auditor')
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/audit?') && r.url().includes('user=auditor')),
      page.getByRole('button', { name: '查询' }).click(),
    ])
    await page.locator('.audit-table .audit-action[data-action="login.success"]', { hasText: '登录成功' }).first().waitFor()
    const users = await page.locator('.audit-table .el-table__row td:nth-child(2)').allInnerTexts()
    expect(users.length > 0 && users.every((u) => u.trim() === 'auditor'), `rows of ${JSON.stringify(users)}`)
    await page.locator('.audit-table .audit-action[data-action="audit.verify"]', { hasText: '校验审计日志' }).first().waitFor()
    await screenshot(page, 'admin-audit.png')
    await page.locator('.audit-table .el-table__row').first().click()
    const detail = page.locator('.audit-detail')
    await detail.waitFor()
    expect(/[0-9a-f]{64}/.test(await detail.innerText()), 'the detail lacks the chain hash')
    await detail.locator('.el-dialog__headerbtn').click()
    await openMenu(page, '系统管理', '紧急调阅记录')
    await page.locator('.breakglass-page .admin-title', { hasText: '紧急调阅记录' }).waitFor()

    const clerk = await newContext(browser)
    try {
      const p = await clerk.newPage()
      await gotoLoginAndSignIn(p, STAFF, PASS)
      expect(!(await menuText(p)).includes('系统管理'), 'a clerk sees 系统管理')
      await p.goto(BASE + '/admin/audit')
      await p.waitForURL((url) => url.pathname === '/forbidden')
      await p.locator('.forbidden-page', { hasText: '您没有访问「审计日志」的权限' }).waitFor()
      const api = await apiCall(p, 'GET', '/audit')
      expect(api.status === 403 && /权限/.test(api.body.error.message), `GET /audit as a clerk: ${JSON.stringify(api)}`)
    } finally {
      await clerk.close()
    }
  },
  { login: true },
)

test(
  'a code added in 字典管理 is offered by the records form',
  async ({ page, context, browser }) => {
    const label = `E2E纠纷${STAMP.slice(-4)}`
    await signInAdmin(page, context, 'sysadmin')
    await page.goto(BASE + '/admin/codes')
    await page.locator('.code-lists .list-name[data-list="dispute_category"]').click()
    const items = page.locator('.code-items[data-list="dispute_category"]')
    await items.locator('.items-table .el-table__row', { hasText: '邻里' }).waitFor()
    await items.getByRole('button', { name: '新增代码' }).click()
    const dialog = page.locator('.el-dialog', { hasText: '新增代码' })
    await dialog.locator('input[name="code"]').fill('bad code')
    await dialog.getByRole('button', { name: '保存' }).click()
    await dialog.getByText('代码只能由字母、数字和下划线组成').waitFor()
    await dialog.locator('input[name="code"]').fill(`e2e_${STAMP}`)
    await dialog.locator('input[name="label"]').fill(label)
    await dialog.getByRole('button', { name: '保存' }).click()
    await items.locator('.items-table .el-table__row', { hasText: label }).waitFor()
    await screenshot(page, 'admin-codes.png')

    const clerk = await newContext(browser)
    try {
      const p = await clerk.newPage()
      await gotoLoginAndSignIn(p, STAFF, PASS)
      await p.goto(BASE + LIST + '/new')
      await formField(p, 'category').locator('.el-select').click()
      await p.locator('.el-select-dropdown__item:visible', { hasText: label }).waitFor()
    } finally {
      await clerk.close()
    }
    // 停用: it stays listed, struck through
    await items.locator('.items-table .el-table__row', { hasText: label }).locator('.el-switch').click()
    await items.locator('.items-table .retired', { hasText: label }).waitFor()
  },
  { login: true, records: true },
)

test(
  'a holiday set in 节假日日历 lowers the year\'s working days and moves the working-day calculation',
  async ({ page, context }) => {
    await signInAdmin(page, context, 'sysadmin')
    await page.goto(BASE + '/admin/calendar')
    await page.getByRole('button', { name: '下一年' }).click()
    const year = new Date().getFullYear() + 1
    await page.locator('.year-label', { hasText: String(year) }).waitFor()
    const count = page.locator(`.workday-count[data-year="${year}"]`)
    await page.waitForFunction(
      (y) => /^\d+$/.test(document.querySelector(`.workday-count[data-year="${y}"]`)?.textContent.trim() ?? ''),
      year,
    )
    const before = Number(await count.innerText())
    // a Wednesday in June with nothing set (June has no statutory holiday midweek but 端午)
    const day = await page.evaluate(() => {
      const cells = [...document.querySelectorAll('.day[data-date]')]
      const c = cells.find((el) => {
        const d = new Date(el.dataset.date + 'T00:00:00')
        return d.getMonth() === 5 && d.getDay() === 3 && !el.classList.contains('holiday') && !el.classList.contains('makeup')
      })
      return c.dataset.date
    })
    await page.locator(`.day[data-date="${day}"]`).click()
    const dialog = page.locator('.day-dialog')
    await dialog.locator('input[name="day-name"]').fill('E2E假日')
    await dialog.getByRole('button', { name: '保存' }).click()
    await page.locator(`.day.holiday[data-date="${day}"]`).waitFor()
    await page.locator('.workday-count', { hasText: String(before - 1) }).waitFor()
    await screenshot(page, 'admin-calendar.png')

    // 工作日推算: one working day after the Tuesday before skips the holiday to Thursday
    const tuesday = new Date(day + 'T00:00:00Z')
    tuesday.setUTCDate(tuesday.getUTCDate() - 1)
    const thursday = new Date(day + 'T00:00:00Z')
    thursday.setUTCDate(thursday.getUTCDate() + 1)
    const from = page.locator('.calc-from input')
    await from.fill(tuesday.toISOString().slice(0, 10))
    await from.press('Enter')
    await page.locator('.calc-days input').fill('1')
    await page.locator('.calc').getByRole('button', { name: '计算' }).click()
    await page.locator('.calc-result', { hasText: thursday.toISOString().slice(0, 10) }).waitFor()

    // 取消设置: the day is a working day again
    await page.locator(`.day[data-date="${day}"]`).click()
    await dialog.getByRole('button', { name: '取消设置' }).click()
    await page.locator('.workday-count', { hasText: String(before) }).waitFor()
    expect((await page.locator(`.day.holiday[data-date="${day}"]`).count()) === 0, 'the holiday is still marked')
  },
  { login: true },
)

test(
  'sysadmin creates an API token shown once without permissions; secadmin grants it one; revoking it ends it',
  async ({ page, context, browser }) => {
    const name = `E2E对接系统-${STAMP}`
    await signInAdmin(page, context, 'sysadmin')
    await page.goto(BASE + '/admin/tokens')
    await page.getByRole('button', { name: '新建令牌' }).click()
    const dialog = page.locator('.token-dialog')
    await dialog.locator('input[name="token-name"]').fill(name)
    expect((await dialog.innerText()).includes('由安全管理员'), 'the token form offers permissions to the system administrator')
    await dialog.getByRole('button', { name: '创建' }).click()
    const secret = page.locator('.token-shown .secret-value')
    await secret.waitFor()
    const token = (await secret.innerText()).trim()
    expect(/^sfs_[0-9a-f]{64}$/.test(token), `token "${token}"`)
    await page.getByRole('button', { name: '我已保存' }).click()
    await page.locator('.token-shown').waitFor({ state: 'hidden' })
    const row = page.locator('.tokens-table .el-table__row', { hasText: name })
    await row.waitFor()
    expect((await row.innerText()).includes('待安全管理员授权'), 'the row does not say it awaits a grant')
    await screenshot(page, 'admin-tokens.png')

    const call = () => fetch(BASE + '/api/v1/org-units', { headers: { Authorization: 'Bearer ' + token } }).then((r) => r.status)
    expect((await call()) === 403, 'a token with no grant works')

    // 授权管理 → 接口令牌: the security administrator grants 查看组织机构 (applies at once)
    const sec = await newContext(browser)
    try {
      const p2 = await sec.newPage()
      await signInAdmin(p2, sec, 'secadmin')
      await openMenu(p2, '系统管理', '授权管理')
      await p2.waitForURL((url) => url.pathname === '/admin/grants')
      await p2.getByRole('tab', { name: '接口令牌' }).click()
      const trow = p2.locator('.grant-tokens .el-table__row', { hasText: name })
      await trow.getByRole('button', { name: '授予权限' }).click()
      const gd = p2.locator('.grant-dialog')
      await gd.locator('.grant-perms').click()
      await p2.locator('.el-select-dropdown__item:visible', { hasText: '查看组织机构' }).click()
      await gd.locator('.el-dialog__title').click()
      const [put] = await Promise.all([
        p2.waitForResponse((r) => /\/api\/v1\/api-tokens\/\d+\/permissions$/.test(r.url())),
        gd.getByRole('button', { name: '保存' }).click(),
      ])
      expect(put.status() === 200, `the grant answered ${put.status()}`)
      await trow.locator('.el-tag', { hasText: '查看组织机构' }).waitFor()
    } finally {
      await sec.close()
    }
    expect((await call()) === 200, 'the granted token does not work')
    await page.reload()
    await row.getByRole('button', { name: '撤销' }).click()
    await confirmBox(page, '撤销')
    await row.locator('.el-tag', { hasText: '已撤销' }).waitFor()
    expect((await call()) === 401, 'a revoked token still works')
  },
  { login: true },
)

await run()
