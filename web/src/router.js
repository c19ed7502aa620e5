// router.js — routes generated from menu.js, plus the login page; the guard
// loads the session and checks each page's permission.
import { createRouter, createWebHistory } from 'vue-router'
import { ElMessage } from 'element-plus'
import { menuPages, entityLine, routeTitle } from './menu.js'
import { loadSession, can, hasPendingDuty } from './session.js'
import { entityLabel } from './entities.js'
import AppLayout from './components/AppLayout.vue'


// The generic records pages of the resource engine's entities: one list,
// detail and form for every entity, drawn from GET /meta/entities/:entity.
// The page itself asks the server, which answers 404 for an entity the user
// may not read, so the routes need no permission of their own.
const recordsTrail = (last) => (route) => {
  const name = route.params.entity
  const list = { title: entityLabel(name) || '业务记录', to: last ? '/records/' + name : undefined }
  return [entityLine(name).title, list, ...(last ? [last] : [])]
}
const recordRoutes = [
  {
    path: 'records/:entity',
    name: 'records-list',
    component: () => import('./pages/RecordList.vue'),
    meta: { title: '业务记录', trail: recordsTrail(), perm: null },
  },
  {
    path: 'records/:entity/new',
    name: 'records-new',
    component: () => import('./pages/RecordForm.vue'),
    meta: { title: '新建', trail: recordsTrail('新建'), perm: null },
  },
  {
    path: 'records/:entity/:id(\\d+)',
    name: 'records-detail',
    component: () => import('./pages/RecordDetail.vue'),
    meta: { title: '详情', trail: recordsTrail('详情'), perm: null },
  },
  {
    path: 'records/:entity/:id(\\d+)/edit',
    name: 'records-edit',
    component: () => import('./pages/RecordForm.vue'),
    meta: { title: '编辑', trail: recordsTrail('编辑'), perm: null },
  },
]

const pageRoutes = menuPages().map((page) => ({
  path: page.path === '/' ? '' : page.path.slice(1),
  name: page.key,
  component: page.component,
  meta: { title: page.title, trail: page.trail, perm: page.perm },
}))

const routes = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./pages/LoginPage.vue'),
    meta: { public: true, title: '登录' },
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      ...pageRoutes,
      ...recordRoutes,
      {
        path: 'persons/:id(\\d+)',
        name: 'person-detail',
        component: () => import('./pages/PersonDetail.vue'),
        meta: { title: '人员详情', trail: [{ title: '人员库', to: '/persons' }, '人员详情'], perm: 'person.read' },
      },
      {
        path: 'notifications',
        name: 'notifications',
        component: () => import('./pages/NotificationsPage.vue'),
        meta: { title: '消息提醒', trail: ['消息提醒'], perm: null },
      },
      {
        path: 'account',
        name: 'account',
        component: () => import('./pages/AccountPage.vue'),
        meta: { title: '账户与安全', trail: ['账户与安全'], perm: null },
      },
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('./pages/ForbiddenPage.vue'),
        meta: { title: '无权访问', trail: ['无权访问'], perm: null },
      },
      {
        path: ':rest(.*)*',
        name: 'not-found',
        component: () => import('./pages/NotFoundPage.vue'),
        meta: { title: '页面不存在', trail: ['页面不存在'], perm: null },
      },
    ],
  },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  let user
  try {
    user = await loadSession()
  } catch (err) {
    // 401: api.js is already taking the browser to /login?redirect=…
    if (err.status !== 401) ElMessage.error(err.message)
    return false
  }
  if (!user || hasPendingDuty(user)) {
    // the password change / 2FA enrolment happens on the login page
    return { path: '/login', query: { redirect: to.fullPath } }
  }
  if (to.meta.perm && !can(to.meta.perm)) return { name: 'forbidden', query: { page: to.meta.title } }
  return true
})

router.afterEach((to) => {
  document.title = routeTitle(to)
})
