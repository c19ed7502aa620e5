// router.js — routes generated from menu.js, plus the login page; the guard
// loads the session and checks each page's permission.
import { createRouter, createWebHistory } from 'vue-router'
import { ElMessage } from 'element-plus'
import { menuPages } from './menu.js'
import { loadSession, can, hasPendingDuty } from './session.js'
import AppLayout from './components/AppLayout.vue'

const BuildingPage = () => import('./pages/BuildingPage.vue')

const pageRoutes = menuPages().map((page) => ({
  path: page.path === '/' ? '' : page.path.slice(1),
  name: page.key,
  component: page.component || BuildingPage,
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
  if (to.meta.perm && !can(to.meta.perm)) return { name: 'home', query: { denied: to.meta.title } }
  return true
})

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' - ' : '') + '司法所综合管理平台'
})
