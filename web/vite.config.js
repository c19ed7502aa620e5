import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { gzipSync, constants } from 'node:zlib'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// The server sends foo.js.gz in place of foo.js when the client accepts gzip
// (src/http/static.c), so compress once at build time, at the highest level.
// It runs in writeBundle, on the files as written: earlier hooks still see
// code that Vite rewrites later (its preload helper), which would make the
// .gz differ from the file.  Small files are not worth a second copy.
export function precompress({ minSize = 1024, test = /\.(js|mjs|css|html|svg|json)$/ } = {}) {
  return {
    name: 'sifasuo-precompress',
    apply: 'build',
    writeBundle(options) {
      const walk = (dir) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name)
          if (entry.isDirectory()) walk(path)
          else if (test.test(entry.name)) compress(path)
        }
      }
      const compress = (path) => {
        const bytes = readFileSync(path)
        if (bytes.length < minSize) return
        const gz = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION })
        if (gz.length < bytes.length) writeFileSync(path + '.gz', gz)
      }
      walk(options.dir)
    },
  }
}

export default defineConfig({
  plugins: [vue(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline module-preload polyfill: the server's CSP is script-src 'self'.
    modulePreload: { polyfill: false },
    // echarts (~170 kB gz) is only in the 驾驶舱 page's chunk
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` against a server started with `make run`
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
})
