/**
 * The package as a third-party app gets it: `npm pack` (its prepack runs `npm run build:lib`),
 * then the tarball installed into temporary projects, used the way each kind of consumer does.
 *
 *   empty  only the tarball: what an install adds (no TypeScript, Vite, vitest, solc, anvil,
 *          React or React Native); plain Node ESM (`.` under Node and `./node`); the `vigil` bin
 *          from the built code (no tsx in this project)
 *   app    the tarball with React 18 (the oldest React the peer range allows): one React;
 *          the hooks render under react-dom/server; TypeScript `NodeNext` and `bundler`
 *          resolution under `strict`; a Vite build and an esbuild bundle of the same page,
 *          each loaded in Chromium: <vigil-widget> registers, a bad config is CONFIG_INVALID,
 *          and a good one starts the light client in its worker
 *   lint   publint and @arethetypeswrong/cli (esm-only profile: the package has no CommonJS)
 *
 * TypeScript, Vite and esbuild are the repo's own (nothing but the package and React is
 * installed into the projects). Installs use --prefer-offline (the npm cache). Takes about
 * 2-3 minutes, most of it the build and the two installs. Servers bind 127.0.0.1 only.
 */
import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { extname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable, CHROMIUM_MISSING, launchBrowser, type LaunchedBrowser } from '../helpers/browser'

const repoRoot = resolve(import.meta.dirname, '../..')
const PKG = '@vigil-lc/client'
const bin = (p: string) => join(repoRoot, 'node_modules', p)

interface Run {
  code: number
  stdout: string
  stderr: string
}
function run(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<Run> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0
      res({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}
const ok = (r: Run, what: string): Run => {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`)
  return r
}
const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], cwd)
const node = (args: string[], cwd: string, timeoutMs = 60_000) => run(process.execPath, args, cwd, timeoutMs)

async function dirBytes(dir: string): Promise<number> {
  let n = 0
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) n += await dirBytes(p)
    else if (e.isFile()) n += (await stat(p)).size
  }
  return n
}

/** Installed package paths from a project's package-lock ("node_modules/a", "node_modules/a/node_modules/b"). */
async function installed(project: string): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }
  return Object.keys(lock.packages).filter((k) => k !== '')
}
const nameOf = (path: string) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)

// ---- what the consumers run -------------------------------------------------------------------

const BAD_CONFIG = `{ l2ChainId: 7771, l1: { chainId: 1, rpcUrls: ['ftp://nope'], rollup: '0x00', deployBlock: 0 }, bootstrap: [], mode: 'light' }`
/** Well-formed, pointing at a closed port: the client starts (store opened in its worker), then cannot sync. */
const DEAD_L1_CONFIG = `{ l2ChainId: 7771, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:9'], rollup: '0x${'11'.repeat(20)}', deployBlock: 0 }, bootstrap: [], mode: 'light' }`

const NODE_ESM = `
import { createLightClient, VigilError } from '${PKG}'
import * as nodeEntry from '${PKG}/node'
const out = { sameModule: nodeEntry.createLightClient === createLightClient }
try {
  await createLightClient(${BAD_CONFIG})
  out.error = 'resolved'
} catch (e) {
  out.error = { code: e.code, severity: e.severity, isVigilError: e instanceof VigilError }
}
console.log(JSON.stringify(out))
`

const SSR = `
import { createElement as h } from 'react'
import { renderToString } from 'react-dom/server'
import { VigilProvider, useTips } from '${PKG}/react'
// a stand-in client: the last snapshot it has, subscriptions that never fire
const tips = { proposed: { height: 7, hash: '0x${'ab'.repeat(32)}' } }
const base = { config: {}, snapshot: () => ({ tips }), getSnapshot: () => ({ tips }) }
const client = new Proxy(base, {
  get: (t, k) => (k in t ? t[k] : typeof k === 'string' && (k === 'subscribe' || /^on[A-Z]/.test(k)) ? () => () => {} : undefined),
})
function Head() {
  const t = useTips()
  const tip = t && typeof t === 'object' && 'data' in t ? t.data : t
  return h('p', { id: 'tip' }, 'proposed ' + (tip?.proposed?.height ?? 'none'))
}
console.log(renderToString(h(VigilProvider, { client }, h(Head))))
`

/** The page both bundlers build: the widget entry and createLightClient, results on window.__vigil. */
const PAGE_JS = `
import { createLightClient, VigilError } from '${PKG}'
import { WIDGET_TAG } from '${PKG}/widget'
window.__vigil = (async () => {
  const out = { widget: customElements.get(WIDGET_TAG) !== undefined && WIDGET_TAG === 'vigil-widget' }
  try {
    await createLightClient(${BAD_CONFIG})
    out.bad = 'resolved'
  } catch (e) {
    out.bad = { code: e.code, isVigilError: e instanceof VigilError }
  }
  try {
    const client = await createLightClient(${DEAD_L1_CONFIG}, { startTimeoutMs: 30000 })
    out.good = { started: true, hasSnapshot: typeof client.snapshot() === 'object' }
    await client.close()
  } catch (e) {
    out.good = { code: e.code, message: String(e.message) }
  }
  return out
})()
`
const PAGE_HTML = (src: string) => `<!doctype html><html><head><meta charset="utf-8"><title>consumer</title></head><body><script type="module" src="${src}"></script></body></html>\n`

const TS_NODENEXT = `
import { createLightClient, VigilError, type VigilClient, type Tips } from '${PKG}'
import { createLightClient as createNodeClient, type CreateNodeOptions } from '${PKG}/node'
import { VigilProvider, useTips } from '${PKG}/react'
import { VigilWidget, defineWidget, WIDGET_TAG } from '${PKG}/widget'

// under Node, '.' is the in-process client: its options (noP2P) type-check, the browser's would not
const opts: CreateNodeOptions = { noP2P: true }
export const started: Promise<VigilClient> = createLightClient('./devnet.json', opts)
export const same: typeof createLightClient = createNodeClient
export function height(t: Tips | null): number | undefined {
  return t?.mined?.height
}
export function isConfigError(e: unknown): boolean {
  return e instanceof VigilError && e.code === 'CONFIG_INVALID'
}
export const hooks = [VigilProvider, useTips] as const
export const widget: [typeof VigilWidget, () => void, string] = [VigilWidget, defineWidget, WIDGET_TAG]
`
const TS_BUNDLER = `
import { createLightClient, VigilError, type CreateOptions, type VigilClient } from '${PKG}'
import { useTips, VigilProvider } from '${PKG}/react'
import { WIDGET_TAG } from '${PKG}/widget'

// in a bundler, '.' is the browser client (a worker): createWorker is one of its options
const opts: CreateOptions = { createWorker: () => new Worker(new URL('./w.js', import.meta.url), { type: 'module' }), startTimeoutMs: 1000 }
export const started: Promise<VigilClient> = createLightClient('/devnet.json', opts)
export const code = (e: unknown) => (e instanceof VigilError ? e.code : null)
export const parts = [useTips, VigilProvider, WIDGET_TAG] as const
`
const tsconfig = (compilerOptions: Record<string, unknown>, files: string[]) =>
  JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: ['node'], ...compilerOptions }, files }, null, 2)

// ---- a static server for the built pages ------------------------------------------------------

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' }
async function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
    const file = join(dir, path === '/' ? 'index.html' : path)
    if (!file.startsWith(dir)) return res.writeHead(403).end()
    readFile(file).then(
      (body) => res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end('not found'),
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server }
}

interface PageResult {
  widget: boolean
  bad: { code?: string; isVigilError?: boolean } | string
  good: { started?: boolean; hasSnapshot?: boolean; code?: string; message?: string }
}
async function openPage(browser: LaunchedBrowser, dir: string): Promise<PageResult & { failed: string[] }> {
  const { url, server } = await serve(dir)
  const failed: string[] = []
  const onResponse = (r: { status(): number; url(): string }) => void (r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`))
  browser.page.on('response', onResponse)
  try {
    await browser.page.goto(url)
    const result = await browser.page.evaluate(() => (globalThis as unknown as { __vigil: Promise<PageResult> }).__vigil)
    return { ...result, failed }
  } finally {
    browser.page.off('response', onResponse)
    await new Promise((r) => server.close(r))
  }
}

// ---- the test ---------------------------------------------------------------------------------

describe('the npm package, installed by a consumer', () => {
  let tmp: string
  let tarball: string
  let packed: string[]
  const empty = () => join(tmp, 'empty')
  const app = () => join(tmp, 'app')

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'vigil-consumer-'))
    // npm pack runs prepack (npm run build:lib): the tarball is built from these sources
    const pack = ok(await npm(['pack', '--json', '--pack-destination', tmp], repoRoot), 'npm pack')
    const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
    tarball = join(tmp, info[0]!.filename)
    packed = info[0]!.files.map((f) => f.path)

    await mkdir(empty())
    await writeFile(join(empty(), 'package.json'), JSON.stringify({ name: 'consumer-empty', version: '1.0.0', private: true, type: 'module' }))
    await mkdir(app())
    await writeFile(join(app(), 'package.json'), JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, type: 'module' }))
    // one after the other: two npm installs at once fight over the cache on two cores
    ok(await npm(['install', '--prefer-offline', tarball], empty()), 'npm install (empty project)')
    ok(await npm(['install', '--prefer-offline', tarball, 'react@18', 'react-dom@18', '@types/react@18', '@types/react-dom@18', '@types/node@20'], app()), 'npm install (app project)')
  }, 600_000)

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  it('packs only dist/, bin/, README, the licence and package.json', () => {
    const outside = packed.filter((p) => !/^(dist\/|bin\/|README\.md$|LICENSE$|package\.json$)/.test(p))
    expect(outside).toEqual([])
    for (const f of ['dist/index.js', 'dist/node.js', 'dist/react.js', 'dist/widget.js', 'dist/client.worker.js', 'dist/cli.js', 'bin/vigil.js', 'LICENSE', 'README.md'])
      expect(packed).toContain(f)
    expect(packed.some((p) => p.startsWith('dist/types/') && p.endsWith('.d.ts'))).toBe(true)
  })

  it('an install adds no build tooling, no React and no React Native', async () => {
    const paths = await installed(empty())
    const names = paths.map(nameOf)
    const forbidden = names.filter((n) =>
      /^(typescript|vite|vitest|solc|tsx|esbuild|rolldown|playwright-core|c-kzg|react|react-dom|react-native|react-native-webrtc|@vitejs\/.*|@foundry-rs\/.*|@react-native\/.*|@types\/.*)$/.test(n),
    )
    expect(forbidden).toEqual([])
    const mb = (await dirBytes(join(empty(), 'node_modules'))) / 1e6
    console.log(`consumer install: ${paths.length} packages, ${mb.toFixed(0)} MB in node_modules`)
    expect(paths.length).toBeLessThan(250)
  })

  it('plain Node ESM: `.` is the in-process client under Node, and a bad config is CONFIG_INVALID', async () => {
    await writeFile(join(empty(), 'main.js'), NODE_ESM)
    const r = ok(await node(['main.js'], empty()), 'node main.js')
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ sameModule: true, error: { code: 'CONFIG_INVALID', severity: 'hard', isVigilError: true } })
  })

  it('the vigil bin runs from the built code (no tsx in the project)', async () => {
    const started = Date.now()
    const r = await node(['node_modules/.bin/vigil', '--help'], empty())
    const ms = Date.now() - started
    expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)|tsx/)
    expect(`${r.stdout}${r.stderr}`).toMatch(/usage/i)
    expect(r.code).toBe(0)
    const v = await node(['node_modules/.bin/vigil', '--version'], empty())
    expect(v.code).toBe(0)
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
    console.log(`vigil --help from the package: exit ${r.code} in ${ms} ms`)
  })

  it('one React (the app\'s 18), and the hooks render under react-dom/server', async () => {
    const reacts = (await installed(app())).filter((p) => nameOf(p) === 'react')
    expect(reacts).toEqual(['node_modules/react'])
    await writeFile(join(app(), 'ssr.js'), SSR)
    const r = ok(await node(['ssr.js'], app()), 'node ssr.js')
    expect(r.stdout.trim()).toMatch(/^<p id="tip">proposed (7|none)<\/p>$/)
  })

  it('TypeScript strict, NodeNext and bundler resolution, against the shipped .d.ts', async () => {
    await writeFile(join(app(), 'node-usage.ts'), TS_NODENEXT)
    await writeFile(join(app(), 'browser-usage.ts'), TS_BUNDLER)
    await writeFile(join(app(), 'tsconfig.nodenext.json'), tsconfig({ module: 'NodeNext', moduleResolution: 'NodeNext' }, ['node-usage.ts']))
    await writeFile(join(app(), 'tsconfig.bundler.json'), tsconfig({ module: 'ESNext', moduleResolution: 'Bundler' }, ['browser-usage.ts']))
    const tsc = bin('typescript/bin/tsc')
    // skipLibCheck false: the shipped .d.ts (and what they import) are checked too; both at once (two cores)
    const [nodeNext, bundler] = await Promise.all([node([tsc, '-p', 'tsconfig.nodenext.json'], app(), 180_000), node([tsc, '-p', 'tsconfig.bundler.json'], app(), 180_000)])
    ok(nodeNext, 'tsc -p tsconfig.nodenext.json')
    ok(bundler, 'tsc -p tsconfig.bundler.json')
  }, 200_000)

  describe('bundled pages in Chromium', () => {
    let browser: LaunchedBrowser | null = null
    const viteOut = () => join(app(), 'out-vite')
    const esbuildOut = () => join(app(), 'out-esbuild')

    beforeAll(async () => {
      if (!chromiumAvailable()) throw new Error(CHROMIUM_MISSING)
      await writeFile(join(app(), 'page.js'), PAGE_JS)
      await writeFile(join(app(), 'index.html'), PAGE_HTML('./page.js'))
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
    })

    it('Vite: builds with its default config, emits the worker as its own asset, and it runs', async () => {
      const { build } = await import('vite')
      await build({ root: app(), configFile: false, logLevel: 'silent', build: { outDir: viteOut(), emptyOutDir: true } })
      const assets = await readdir(join(viteOut(), 'assets'))
      expect(assets.some((f) => /^client\.worker-[\w-]+\.js$/.test(f))).toBe(true)
      const r = await openPage(browser!, viteOut())
      expect(r.failed).toEqual([])
      expect(r.widget).toBe(true)
      expect(r.bad).toEqual({ code: 'CONFIG_INVALID', isVigilError: true })
      expect(r.good).toEqual({ started: true, hasSnapshot: true })
    }, 120_000)

    it('esbuild: bundles, and with dist/client.worker.js copied next to the bundle it runs', async () => {
      const esbuild = await import('esbuild')
      await rm(esbuildOut(), { recursive: true, force: true })
      await esbuild.build({ absWorkingDir: app(), entryPoints: ['page.js'], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: esbuildOut(), logLevel: 'silent' })
      // esbuild leaves new URL('./client.worker.js', import.meta.url) alone: the worker is one file to copy (docs/library.md)
      await cp(join(app(), 'node_modules', PKG, 'dist/client.worker.js'), join(esbuildOut(), 'client.worker.js'))
      await writeFile(join(esbuildOut(), 'index.html'), PAGE_HTML('./page.js'))
      const bundle = await readFile(join(esbuildOut(), 'page.js'), 'utf8')
      expect(bundle).toContain('new URL("./client.worker.js", import.meta.url)')
      const r = await openPage(browser!, esbuildOut())
      expect(r.failed).toEqual([])
      expect(r.widget).toBe(true)
      expect(r.bad).toEqual({ code: 'CONFIG_INVALID', isVigilError: true })
      expect(r.good).toEqual({ started: true, hasSnapshot: true })
    }, 120_000)
  })

  it('publint and arethetypeswrong find nothing wrong', async () => {
    const { publint } = await import('publint')
    const { formatMessage } = await import('publint/utils')
    const pkgDir = join(empty(), 'node_modules', PKG)
    const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as Record<string, unknown>
    const { messages } = await publint({ pkgDir, pack: false, level: 'warning' })
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg) ?? m.code}`)).toEqual([])
    // esm-only: no CommonJS build, so node10/node16-from-require are not expected to resolve; the worker is an asset without types
    const attw = await node([bin('@arethetypeswrong/cli/dist/index.js'), tarball, '--profile', 'esm-only', '--exclude-entrypoints', './client.worker.js', '--format', 'ascii', '--no-emoji', '--no-color'], tmp)
    expect(attw.code, attw.stdout + attw.stderr).toBe(0)
  }, 120_000)
})
