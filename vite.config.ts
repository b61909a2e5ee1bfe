/**
 * Vite config for the page (and, later, the widget). Workers are ES modules
 * (`new Worker(new URL(...), { type: 'module' })`); dev and preview bind to 127.0.0.1 only.
 *
 * `GET /devnet.json` is served from `.vigil/devnet.json` (written by `npm run devnet`) so the
 * page finds the local devnet's endpoints; `vigilViteConfig({ devnetConfigPath })` points it
 * elsewhere (tests start devnets with their config in a temp dir).
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin, type UserConfig } from 'vite'

export const repoRoot = import.meta.dirname
export const DEFAULT_DEVNET_CONFIG = resolve(repoRoot, '.vigil/devnet.json')

/**
 * Entry points of the multi-page build: the explorer page, the widget script (`widget.js`, a
 * stable name for a `<script src>`, docs/widget.md) and the widget's iframe page.
 */
export const PAGE_INPUTS: Record<string, string> = {
  main: resolve(repoRoot, 'index.html'),
  // a tiny unhashed loader importing the hashed widget chunk: a cached widget.js never names a deleted chunk
  widget: resolve(repoRoot, 'src/widget/loader.ts'),
  'widget-frame': resolve(repoRoot, 'widget.html'),
}

/** Built file names: the widget script keeps its name (embedders hard-code it); everything else is content-hashed. */
export function entryFileNames(chunk: { name: string }): string {
  return chunk.name === 'widget' ? 'widget.js' : 'assets/[name]-[hash].js'
}

/** In dev, `/widget.js` is the widget's source entry, so the same embed snippet works in dev and production. */
export function widgetDevAlias(): Plugin {
  return {
    name: 'vigil:widget-dev-alias',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        if ((req.url ?? '').split('?')[0] === '/widget.js') req.url = '/src/widget/main.ts'
        next()
      })
    },
  }
}

/**
 * Cache headers for `vite preview` as docs/widget.md recommends for any host: the stable-named
 * entry points revalidate on every use (`no-cache`), content-hashed `assets/*` are immutable.
 */
export function cacheHeaders(): Plugin {
  return {
    name: 'vigil:cache-headers',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0] ?? ''
        if (path.startsWith('/assets/')) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable')
        else if (path === '/widget.js' || path === '/widget.html' || path === '/' || path.endsWith('.html')) res.setHeader('Cache-Control', 'no-cache')
        next()
      })
    },
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  // the devnet restarts with new endpoints: never let the browser cache them
  res.setHeader('Cache-Control', 'no-store')
  res.end(JSON.stringify(body))
}

/**
 * Serves `GET /devnet.json` from `file` in dev and preview. Read on every request (the devnet
 * rewrites it on each start). 404 with a JSON error when the devnet is not running.
 */
export function devnetConfigPlugin(file: string = DEFAULT_DEVNET_CONFIG): Plugin {
  const handler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== '/devnet.json') return next()
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'METHOD_NOT_ALLOWED', message: 'use GET' })
    readFile(file, 'utf8').then(
      (text) => {
        res.statusCode = 200
        res.setHeader('Content-Type', 'application/json; charset=utf-8')
        res.setHeader('Cache-Control', 'no-store')
        res.end(text)
      },
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT')
          return sendJson(res, 404, {
            error: 'DEVNET_NOT_RUNNING',
            message: `no devnet config at ${file}: the local devnet is not running`,
            hint: 'start the devnet with `npm run devnet` (or everything with `npm start`), then reload',
          })
        sendJson(res, 500, { error: 'DEVNET_CONFIG_UNREADABLE', message: `cannot read ${file}: ${e.message}` })
      },
    )
  }
  return {
    name: 'vigil:devnet-config',
    // middlewares added directly (not in a returned function) run before Vite's own
    configureServer(server) {
      server.middlewares.use(handler)
    },
    configurePreviewServer(server) {
      server.middlewares.use(handler)
    },
  }
}

/**
 * npm could not hoist protons-runtime 7 (the root slot holds 5.x for @chainsafe/libp2p-noise), so
 * every @libp2p/* package carries its own identical copy: nine copies in the worker. Resolve them
 * all to one (same version; the 5.x user keeps its own). ~35 kB gzip less in the worker.
 */
export function dedupeNestedProtons(): Plugin {
  const canonicalImporter = resolve(repoRoot, 'node_modules/@libp2p/utils/package.json')
  return {
    name: 'vigil:dedupe-protons-runtime',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source !== 'protons-runtime' || !importer || !/[\\/]node_modules[\\/]@libp2p[\\/]/.test(importer)) return null
      return this.resolve(source, canonicalImporter, { ...options, skipSelf: true })
    },
  }
}

export interface VigilViteOptions {
  /** Where `/devnet.json` is read from; default `.vigil/devnet.json` in the repo. */
  devnetConfigPath?: string
}

export function vigilViteConfig(opts: VigilViteOptions = {}): UserConfig {
  return {
    root: repoRoot,
    publicDir: resolve(repoRoot, 'public'),
    plugins: [react(), devnetConfigPlugin(opts.devnetConfigPath), widgetDevAlias(), dedupeNestedProtons(), cacheHeaders()],
    appType: 'mpa',
    worker: { format: 'es', plugins: () => [dedupeNestedProtons()] },
    build: {
      target: 'es2022',
      outDir: resolve(repoRoot, 'dist-app'),
      emptyOutDir: true,
      // gzip sizes are printed by scripts/build.js against the budget
      reportCompressedSize: false,
      chunkSizeWarningLimit: 1024,
      rolldownOptions: { input: PAGE_INPUTS, output: { entryFileNames } },
    },
    // scan the worker too, so dev does not discover its deps late and reload the page
    optimizeDeps: { entries: ['index.html', 'widget.html', 'workers/*.worker.ts'] },
    server: {
      host: '127.0.0.1',
      port: 5173,
      watch: { ignored: ['**/.vigil/**', '**/test-results/**', '**/dist/**', '**/dist-app/**'] },
    },
    // the widget is embedded by other sites: its script, chunks and the public config must be readable cross-origin
    preview: { host: '127.0.0.1', port: 4173, cors: true },
  }
}

export default defineConfig(vigilViteConfig())
