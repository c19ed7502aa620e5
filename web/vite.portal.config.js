import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { precompress } from './vite.config.js'

// The public portal (docs/portal.md): a second, small bundle served under
// /public/ — by the public listener (serve --public-listen) and the staff
// one alike.  Plain Vue, no Element Plus: a phone on a slow network loads
// ~30 kB gzipped instead of the staff app's ~400 kB.
export default defineConfig({
  root: 'portal',
  base: '/public/',
  plugins: [vue(), precompress()],
  build: {
    outDir: '../dist/public',
    emptyOutDir: true,
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/public/api': 'http://127.0.0.1:8080' } },
})
