// main.js — the app: Element Plus (zh-CN via ElConfigProvider in App.vue),
// the router, dayjs in Chinese.
import { createApp } from 'vue'
import dayjs from 'dayjs'
import 'dayjs/locale/zh-cn'
import App from './App.vue'
import { router } from './router.js'
import { installElement } from './element.js'
import './styles.css'

dayjs.locale('zh-cn')

const app = createApp(App)
installElement(app)
app.use(router)
app.mount('#app')
