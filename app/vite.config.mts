import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'

import type { Plugin } from 'vite'
import { defineConfig } from 'vitest/config'

// Emit sw.js with the list of files the app shell needs offline, named after the build.
function serviceWorker(): Plugin {
  return {
    name: 'ossa-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((name) => !name.endsWith('.map'))
      const shell = ['/app/', ...files.filter((f) => f !== 'index.html').map((f) => `/app/${f}`)]
      const staticFiles = ['idb-warm.js', 'manifest.webmanifest', 'icons/icon-192.png', 'icons/icon-512.png', 'icons/icon-maskable-512.png']
      shell.push(...staticFiles.map((f) => `/app/${f}`))
      const version = createHash('sha256').update(files.sort().join('\n')).digest('hex').slice(0, 12)
      const source = readFileSync(fileURLToPath(new URL('./sw/sw.js', import.meta.url)), 'utf8')
        .replace('__OSSA_VERSION__', JSON.stringify(version))
        .replace('__OSSA_SHELL__', JSON.stringify(shell))
      this.emitFile({ type: 'asset', fileName: 'sw.js', source })
    },
  }
}

// Write .gz and .br next to every text file: whitenoise serves them to browsers that accept
// them, so the first load is ~115 KB instead of ~450 KB (bench/app.py).
const COMPRESSIBLE = /\.(js|css|html|webmanifest|svg|json)$/

function precompress(): Plugin {
  let outDir = 'dist'
  return {
    name: 'ossa-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir
    },
    closeBundle() {
      for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue
        const path = join(entry.parentPath, entry.name)
        const raw = readFileSync(path)
        writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }))
        writeFileSync(`${path}.br`, brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }))
      }
    },
  }
}

// WatermelonDB's RxJS shim, wherever it is required from (its utils/rx and their neighbours).
const WATERMELON_RX_SHIM = /^(\.{1,2}\/)+(utils\/rx\/)?__wmelonRxShim$/

export default defineConfig({
  base: '/app/',
  plugins: [serviceWorker(), precompress()],
  // One copy of RxJS: WatermelonDB's shim would bundle RxJS's CommonJS build as well.
  resolve: { alias: [{ find: WATERMELON_RX_SHIM, replacement: fileURLToPath(new URL('./src/data/rxShim.ts', import.meta.url)) }] },
  // `npm run dev` talks to the Django server that `make run` starts.
  server: { proxy: { '/api': process.env.OSSA_API ?? 'http://127.0.0.1:8000' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
})
