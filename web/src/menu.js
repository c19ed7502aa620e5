// menu.js — the one definition of the left menu, and so of the app's pages.
//
// A top-level entry is either a page (path) or a business line with pages
// (children).  Each page declares the permission it needs (perm: null = any
// signed-in user); the menu shows it, and the router lets the user in, only
// when that permission is in the session's permission list.  A page without
// a component shows "建设中" until its module is built.
//
// Modules the server does not have yet ask for org.read (any business user)
// for now; when a module lands it declares its own permission (e.g.
// mediation.case.read) and its entries here take that instead.
//
// The entities of the resource engine (GET /meta/entities, only those the
// user may read) join the menu as generic records pages /records/:entity:
// a known one under its business line (in place of that line's 建设中
// placeholder), any other under 业务记录.
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

const BUSINESS = 'org.read'

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
      { key: 'standards-problems', title: '问题清单', path: '/standards/problems', perm: BUSINESS },
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
      { key: 'staff', title: '队伍人员', path: '/staff', perm: BUSINESS },
      { key: 'facilities', title: '场所装备', path: '/facilities', perm: BUSINESS },
    ],
  },
  {
    key: 'rule-of-law',
    title: '基层法治',
    icon: Flag,
    children: [
      { key: 'rol-tasks', title: '督察考核', path: '/rule-of-law/tasks', perm: BUSINESS },
      { key: 'rol-points', title: '法治观察点', path: '/rule-of-law/observation-points', perm: BUSINESS },
    ],
  },
  {
    key: 'administration',
    title: '依法行政',
    icon: Stamp,
    children: [
      { key: 'adm-reviews', title: '合法性审查', path: '/administration/reviews', perm: BUSINESS },
      { key: 'adm-litigation', title: '复议应诉', path: '/administration/litigation', perm: BUSINESS },
    ],
  },
  {
    key: 'legal-education',
    title: '普法依法治理',
    icon: Reading,
    children: [
      { key: 'edu-activities', title: '普法活动', path: '/legal-education/activities', perm: BUSINESS },
      { key: 'edu-villages', title: '民主法治示范村', path: '/legal-education/model-villages', perm: BUSINESS },
    ],
  },
  {
    key: 'mediation',
    title: '人民调解',
    icon: ChatDotRound,
    children: [
      { key: 'med-cases', title: '调解案件', path: '/mediation/cases', perm: BUSINESS },
      { key: 'med-committees', title: '调解组织', path: '/mediation/committees', perm: BUSINESS },
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
    children: [{ key: 'cor-subjects', title: '矫正对象', path: '/corrections/subjects', perm: BUSINESS }],
  },
  {
    key: 'resettlement',
    title: '安置帮教',
    icon: Promotion,
    children: [{ key: 'res-persons', title: '帮教对象', path: '/resettlement/persons', perm: BUSINESS }],
  },
  {
    key: 'legal-services',
    title: '公共法律服务',
    icon: Service,
    children: [
      { key: 'pls-consultations', title: '法律咨询', path: '/legal-services/consultations', perm: BUSINESS },
      { key: 'pls-advisors', title: '村居法律顾问', path: '/legal-services/advisors', perm: BUSINESS },
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

/** Entities with a home in a business line: name → [line key, placeholder page key it replaces]. */
const ENTITY_LINES = {
  'mediation-cases': ['mediation', 'med-cases'],
  'mediation-orgs': ['mediation', 'med-committees'],
  mediators: ['mediation'],
  'mediation-parties': ['mediation'],
  'correction-subjects': ['corrections', 'cor-subjects'],
  'resettlement-persons': ['resettlement', 'res-persons'],
  'legal-consultations': ['legal-services', 'pls-consultations'],
  'village-advisors': ['legal-services', 'pls-advisors'],
  'legal-education-activities': ['legal-education', 'edu-activities'],
  'model-villages': ['legal-education', 'edu-villages'],
  'legality-reviews': ['administration', 'adm-reviews'],
  'observation-points': ['rule-of-law', 'rol-points'],
  problems: ['standards', 'standards-problems'],
  experiences: ['standards'],
  'annual-reports': ['standards'],
  // 组织队伍 (issue 5): the registers; staff and premises take the placeholders
  staff: ['organisation', 'staff'],
  'staff-trainings': ['organisation'],
  'staff-rotations': ['organisation'],
  commendations: ['organisation'],
  'party-branches': ['organisation'],
  'office-profiles': ['organisation'],
  'office-changes': ['organisation'],
  'village-extensions': ['organisation'],
  // 规范化建设: the facts clauses 18–20 check
  premises: ['organisation', 'facilities'],
  equipment: ['standards'],
  funding: ['standards'],
  'office-rules': ['standards'],
}

/** The group of the entities without a business line. */
const RECORDS_GROUP = { key: 'records', title: '业务记录', icon: Files }

/** The business line an entity belongs to in the menu ({ key, title }). */
export function entityLine(name) {
  const line = ENTITY_LINES[name] && menu.find((e) => e.key === ENTITY_LINES[name][0])
  return line || RECORDS_GROUP
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
      for (const child of entry.children) pages.push({ ...child, trail: [entry.title, child.title] })
    } else {
      pages.push({ ...entry, trail: [entry.title] })
    }
  }
  return pages
}

/** The menu as the user may see it: pages they hold the permission for,
 *  business lines with at least one such page, and the records pages of
 *  the entities they may read (GET /meta/entities). */
export function visibleMenu(can, readable = []) {
  const allowed = (page) => page.perm === null || can(page.perm)
  const byLine = new Map() // line key → entity pages
  const replaced = new Map() // placeholder key → entity page
  for (const entity of readable) {
    const home = ENTITY_LINES[entity.name]
    const line = home ? home[0] : RECORDS_GROUP.key
    if (home && home[1]) replaced.set(home[1], entityPage(entity))
    else byLine.set(line, [...(byLine.get(line) || []), entityPage(entity)])
  }
  const out = []
  for (const entry of menu) {
    if (entry.key === 'admin' && byLine.has(RECORDS_GROUP.key))
      out.push({ ...RECORDS_GROUP, children: byLine.get(RECORDS_GROUP.key) })
    if (!entry.children) {
      if (allowed(entry)) out.push(entry)
      continue
    }
    const children = [
      ...entry.children.map((c) => replaced.get(c.key) || c).filter(allowed),
      ...(byLine.get(entry.key) || []),
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
