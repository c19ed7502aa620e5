// menu.js — the one definition of the left menu, and so of the app's pages.
//
// A top-level entry is either a page (path) or a business line with pages
// (children).  Each page declares the permission it needs (perm: null = any
// signed-in user); the menu shows it, and the router lets the user in, only
// when that permission is in the session's permission list.  A page without
// a component is a module not built yet: it is left out of the menu and has
// no route (never announced as 建设中); a line's group with nothing built
// and no entity declaring it is left out too.
//
// Modules the server does not have yet ask for org.read (any business user)
// for now; when a module lands it declares its own permission (e.g.
// mediation.case.read) and its entries here take that instead.
//
// The entities of the resource engine (GET /meta/entities, only those the
// user may read) join the menu as generic records pages /records/:entity,
// under the business line each declares (its line and line_label: a line
// below, where the ENTITIES marker stands, or a group of its own before
// 系统管理), or under 业务记录 when it declares none.  A page that shows
// an entity's records its own way names it (entity:), and the entity gets
// no second menu item.  A new line appears without an edit of this file.
import {
  HomeFilled,
  DataAnalysis,
  Medal,
  OfficeBuilding,
  Flag,
  Stamp,
  Reading,
  ChatDotRound,
  Guide,
  Promotion,
  Service,
  Setting,
  Files,
  UserFilled,
} from '@element-plus/icons-vue'
import { entities } from './entities.js'

const BUSINESS = 'org.read'
/** Where a line's declared entity pages go among its children (else at the end). */
export const ENTITIES = { entities: true }

export const menu = [
  {
    key: 'home',
    title: '工作台',
    icon: HomeFilled,
    path: '/',
    perm: null,
    component: () => import('./pages/HomePage.vue'),
  },
  {
    key: 'cockpit',
    title: '驾驶舱',
    icon: DataAnalysis,
    path: '/cockpit',
    perm: 'org.read',
    component: () => import('./pages/CockpitPage.vue'),
  },
  {
    key: 'standards',
    title: '规范化建设',
    icon: Medal,
    children: [
      {
        key: 'standards-check',
        title: '达标评估',
        path: '/standards/check',
        perm: 'standards.read',
        component: () => import('./pages/ScorecardPage.vue'),
      },
      ENTITIES,
      {
        key: 'standards-board',
        title: '整改看板',
        path: '/standards/board',
        perm: 'problem.read',
        component: () => import('./pages/ProblemsBoard.vue'),
      },
      {
        key: 'standards-reports',
        title: '年度自评报告',
        path: '/standards/reports',
        perm: 'annual_report.read',
        entity: 'annual-reports', // the entity's own list would be a second menu item for the same reports
        component: () => import('./pages/AnnualReportsPage.vue'),
      },
    ],
  },
  {
    key: 'organisation',
    title: '组织队伍',
    icon: OfficeBuilding,
    children: [
      {
        key: 'org',
        title: '组织机构',
        path: '/org',
        perm: 'org.read',
        component: () => import('./pages/OrgPage.vue'),
      },
      ENTITIES,
    ],
  },
  {
    key: 'rule-of-law',
    title: '基层法治',
    icon: Flag,
    // the line's records (src/modules/rule_of_law.c) come from /meta
    children: [ENTITIES],
  },
  {
    key: 'administration',
    title: '依法行政',
    icon: Stamp,
    // the line's records (src/modules/lawful_admin.c) come from /meta
    children: [
      ENTITIES,
      {
        key: 'adm-returns',
        title: '依法行政统计',
        path: '/administration/returns',
        perm: 'lawful.review.read',
        component: () => import('./pages/LawfulReturns.vue'),
      },
    ],
  },
  {
    key: 'legal-education',
    title: '普法依法治理',
    icon: Reading,
    children: [ENTITIES], // 普法活动, 示范村, 带头人/明白人, 村规民约: src/modules/pufa.c
  },
  {
    key: 'mediation',
    title: '人民调解',
    icon: ChatDotRound,
    children: [
      ENTITIES,
      {
        key: 'med-stats',
        title: '调解统计',
        path: '/mediation/stats',
        perm: 'mediation.case.read',
        component: () => import('./pages/MediationStats.vue'),
      },
    ],
  },
  {
    key: 'corrections',
    title: '社区矫正',
    icon: Guide,
    // the line's records (src/modules/corrections.c) come from /meta
    children: [
      ENTITIES,
      {
        key: 'cor-board',
        title: '监管看板',
        path: '/corrections/board',
        perm: 'corrections.subject.read',
        component: () => import('./pages/CorrectionsBoard.vue'),
      },
      {
        key: 'cor-returns',
        title: '矫正统计',
        path: '/corrections/returns',
        perm: 'corrections.subject.read',
        component: () => import('./pages/CorrectionsReturns.vue'),
      },
    ],
  },
  {
    key: 'resettlement',
    title: '安置帮教',
    icon: Promotion,
    // the line's records (src/modules/resettlement.c) come from /meta
    children: [
      ENTITIES,
      {
        key: 'res-import',
        title: '导入预释放名单',
        path: '/resettlement/import',
        perm: 'resettle.prerelease.import',
        component: () => import('./pages/ResettlementImport.vue'),
      },
      {
        key: 'res-stats',
        title: '安置帮教统计',
        path: '/resettlement/stats',
        perm: 'resettle.stats',
        component: () => import('./pages/ResettlementStats.vue'),
      },
    ],
  },
  {
    key: 'legal-services',
    title: '公共法律服务',
    icon: Service,
    // the line's records (src/modules/pls.c, pls_advisors.c) come from /meta
    children: [
      ENTITIES,
      {
        key: 'pls-map',
        title: '服务站点地图',
        path: '/legal-services/map',
        perm: 'pls.point.read',
        component: () => import('./pages/PlsMap.vue'),
      },
      {
        key: 'pls-returns',
        title: '公共法律服务统计',
        path: '/legal-services/returns',
        perm: 'pls.consultation.read',
        component: () => import('./pages/PlsReturns.vue'),
      },
    ],
  },
  {
    // 一次录入、多方共享: the people every business line links (mediation
    // parties now; corrections subjects, released persons, clients later)
    key: 'persons',
    title: '人员库',
    icon: UserFilled,
    path: '/persons',
    perm: 'person.read',
    component: () => import('./pages/PersonsPage.vue'),
  },
  {
    key: 'admin',
    title: '系统管理',
    icon: Setting,
    children: [
      {
        key: 'admin-users',
        title: '用户管理',
        path: '/admin/users',
        perm: 'user.manage',
        component: () => import('./pages/admin/UsersPage.vue'),
      },
      {
        key: 'admin-roles',
        title: '角色权限',
        path: '/admin/roles',
        perm: 'role.manage',
        component: () => import('./pages/admin/RolesPage.vue'),
      },
      {
        key: 'admin-grants',
        title: '授权管理',
        path: '/admin/grants',
        perm: 'role.manage',
        component: () => import('./pages/admin/GrantsPage.vue'),
      },
      {
        key: 'admin-codes',
        title: '字典管理',
        path: '/admin/codes',
        perm: 'codes.manage',
        component: () => import('./pages/admin/CodesPage.vue'),
      },
      {
        key: 'admin-calendar',
        title: '节假日日历',
        path: '/admin/calendar',
        perm: 'calendar.manage',
        component: () => import('./pages/admin/CalendarPage.vue'),
      },
      {
        key: 'admin-tokens',
        title: 'API 令牌',
        path: '/admin/tokens',
        perm: 'token.manage',
        component: () => import('./pages/admin/TokensPage.vue'),
      },
      {
        key: 'admin-policy',
        title: '安全策略',
        path: '/admin/policy',
        perm: 'policy.manage',
        component: () => import('./pages/admin/PolicyPage.vue'),
      },
      {
        key: 'admin-audit',
        title: '审计日志',
        path: '/admin/audit',
        perm: 'audit.read',
        component: () => import('./pages/admin/AuditPage.vue'),
      },
      {
        key: 'admin-breakglass',
        title: '紧急调阅记录',
        path: '/admin/breakglass',
        perm: 'breakglass.list',
        component: () => import('./pages/admin/BreakglassPage.vue'),
      },
    ],
  },
]

/** The group of the entities without a business line. */
const RECORDS_GROUP = { key: 'records', title: '业务记录', icon: Files }

/** The business line an entity declares, as a menu group ({ key, title }):
 *  one of the menu's lines, a group of its own, or 业务记录. */
function lineOf(entity) {
  if (!entity || !entity.line) return RECORDS_GROUP
  return menu.find((e) => e.key === entity.line) || { key: entity.line, title: entity.line_label, icon: Files }
}

/** The business line of an entity named in a URL, once the list is loaded. */
export function entityLine(name) {
  return lineOf(entities.items.find((e) => e.name === name))
}

/** The records page of an entity of GET /meta/entities. */
function entityPage(entity) {
  return { key: 'records-' + entity.name, title: entity.label, path: '/records/' + entity.name, perm: null }
}

/** Every page of the menu with its trail of titles, for the router. */
export function menuPages() {
  const pages = []
  for (const entry of menu) {
    if (entry.children) {
      for (const child of entry.children)
        if (child !== ENTITIES && child.component) pages.push({ ...child, trail: [entry.title, child.title] })
    } else if (entry.component) {
      pages.push({ ...entry, trail: [entry.title] })
    }
  }
  return pages
}

/** The menu as the user may see it: pages they hold the permission for,
 *  business lines with at least one such page, and the records pages of
 *  the entities they may read (GET /meta/entities). */
export function visibleMenu(can, readable = []) {
  const allowed = (page) => page.component && (page.perm === null || can(page.perm))
  const byLine = new Map() // line key → entity pages, in declaration order
  const ownLines = [] // declared lines the menu does not hold, in order of first entity
  // an entity a page of the menu already shows (page.entity) gets no list page of its own there
  const shown = new Set(menuPages().filter((p) => p.entity && allowed(p)).map((p) => p.entity))
  for (const entity of readable) {
    if (shown.has(entity.name)) continue
    const line = lineOf(entity)
    if (!byLine.has(line.key)) {
      byLine.set(line.key, [])
      if (line !== RECORDS_GROUP && !menu.some((e) => e.key === line.key)) ownLines.push(line)
    }
    byLine.get(line.key).push(entityPage(entity))
  }
  const out = []
  for (const entry of menu) {
    if (entry.key === 'admin') {
      for (const line of ownLines) out.push({ ...line, children: byLine.get(line.key) })
      if (byLine.has(RECORDS_GROUP.key)) out.push({ ...RECORDS_GROUP, children: byLine.get(RECORDS_GROUP.key) })
    }
    if (!entry.children) {
      if (allowed(entry)) out.push(entry)
      continue
    }
    const pages = byLine.get(entry.key) || []
    const marked = entry.children.includes(ENTITIES)
    const children = [
      ...entry.children.flatMap((c) => (c === ENTITIES ? pages : allowed(c) ? [c] : [])),
      ...(marked ? [] : pages),
    ]
    if (children.length) out.push({ ...entry, children })
  }
  return out
}

/** The breadcrumb of a route: [{ title, to? }]; meta.trail is a list of
 *  titles or a function of the route (the records pages). */
export function routeTrail(route) {
  const t = route.meta.trail
  const items = typeof t === 'function' ? t(route) : t || []
  return items.map((x) => (typeof x === 'string' ? { title: x } : x))
}

/** The document title of a route: its last breadcrumb. */
export function routeTitle(route) {
  const trail = routeTrail(route)
  const last = trail.length ? trail[trail.length - 1].title : route.meta.title
  return (last ? last + ' - ' : '') + '司法所综合管理平台'
}
