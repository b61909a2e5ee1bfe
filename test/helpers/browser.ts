/**
 * Real Chromium through playwright-core, with a fresh profile per launch, and a programmatic Vite
 * server (dev or preview) on 127.0.0.1 with a free port. Chromium is found by `findChromium()`:
 * `VIGIL_CHROMIUM`, Debian's /usr/bin/chromium, or the one `npx playwright-core install chromium`
 * downloads.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { build, createServer, preview, type InlineConfig } from 'vite'
import { vigilViteConfig } from '../../vite.config'

export const repoRoot = resolve(import.meta.dirname, '../..')

/** The one line a browser test fails with when no Chromium is found, naming the one command to run. */
export const CHROMIUM_MISSING = process.env.VIGIL_CHROMIUM
  ? `VIGIL_CHROMIUM=${process.env.VIGIL_CHROMIUM} does not exist: point it at a Chromium binary, or unset it and run \`npx playwright-core install chromium\``
  : 'no Chromium found (VIGIL_CHROMIUM, /usr/bin/chromium, playwright-core\'s own): run `npx playwright-core install chromium` (or set VIGIL_CHROMIUM to a Chromium binary)'

/**
 * The Chromium the browser tests drive: `VIGIL_CHROMIUM` when set (and only it), else the
 * system's (/usr/bin/chromium, /usr/bin/chromium-browser), else playwright-core's own download
 * (`npx playwright-core install chromium`, under ~/.cache/ms-playwright). Null when none exists.
 */
export function findChromium(): string | null {
  const env = process.env.VIGIL_CHROMIUM
  if (env) return existsSync(env) ? env : null
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p
  try {
    const own = chromium.executablePath()
    if (own && existsSync(own)) return own
  } catch {
    // playwright-core knows no download for this platform
  }
  return null
}

/** Where Chromium is (see findChromium); when none is, the path a launch fails on with CHROMIUM_MISSING. */
export const CHROMIUM_PATH = findChromium() ?? process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface LaunchedBrowser {
  context: BrowserContext
  page: Page
  /** Console messages and uncaught page errors, as "type: text" lines (for assertions and failure output). */
  logs: string[]
  /** Closes the browser and removes its temporary profile. */
  close(): Promise<void>
}

export interface LaunchOptions {
  viewport?: { width: number; height: number }
  colorScheme?: 'light' | 'dark'
}

export function chromiumAvailable(): boolean {
  return findChromium() !== null
}

/** Launches headless Chromium with a fresh profile (Playwright refuses --user-data-dir in launch()). */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<LaunchedBrowser> {
  if (!chromiumAvailable()) throw new Error(CHROMIUM_MISSING)
  const profile = await mkdtemp(join(tmpdir(), 'vigil-chromium-'))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: opts.viewport ?? { width: 1280, height: 800 },
      colorScheme: opts.colorScheme ?? 'light',
    })
  } catch (e) {
    await rm(profile, { recursive: true, force: true })
    throw e
  }
  const page = context.pages()[0] ?? (await context.newPage())
  const logs: string[] = []
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`))
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`))
  let closed = false
  return {
    context,
    page,
    logs,
    async close() {
      if (closed) return
      closed = true
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    },
  }
}

export interface StartViteOptions {
  /** Vite root; default the repo root (index.html). Test fixtures may use their own folder. */
  root?: string
  /** Port to bind on 127.0.0.1; default a free one. */
  port?: number
  /** dev: transform on request (fast start). preview: `vite build` into a temp dir, then serve it. Default dev. */
  mode?: 'dev' | 'preview'
  /** What GET /devnet.json serves; default `.vigil/devnet.json`. Point it at a missing file to test "devnet not running". */
  devnetConfigPath?: string
  /** HTML entries for a preview build of a non-default root, e.g. { main: '<root>/index.html' }. */
  input?: Record<string, string>
}

export interface ViteHandle {
  /** Base URL, with a trailing slash: http://127.0.0.1:PORT/ */
  url: string
  close(): Promise<void>
}

/** Starts a Vite dev or preview server programmatically on 127.0.0.1 (the repo's vite config, with overrides). */
export async function startVite(opts: StartViteOptions = {}): Promise<ViteHandle> {
  const base = vigilViteConfig(opts.devnetConfigPath ? { devnetConfigPath: opts.devnetConfigPath } : {})
  const root = opts.root ?? repoRoot
  const port = opts.port ?? 0
  const common: InlineConfig = {
    ...base,
    configFile: false,
    root,
    logLevel: 'warn',
    clearScreen: false,
  }
  const urlOf = (addr: AddressInfo | string | null): string => {
    if (!addr || typeof addr === 'string') throw new Error(`vite is not listening (address ${String(addr)})`)
    return `http://127.0.0.1:${addr.port}/`
  }

  if ((opts.mode ?? 'dev') === 'dev') {
    const server = await createServer({ ...common, server: { ...base.server, host: '127.0.0.1', port, strictPort: port !== 0 } })
    await server.listen()
    const url = urlOf(server.httpServer?.address() ?? null)
    return { url, close: () => server.close() }
  }

  const outDir = await mkdtemp(join(tmpdir(), 'vigil-vite-build-'))
  try {
    await build({
      ...common,
      build: {
        ...base.build,
        outDir,
        emptyOutDir: true,
        ...(opts.input ? { rolldownOptions: { ...base.build?.rolldownOptions, input: opts.input } } : {}),
      },
    })
    const server = await preview({ ...common, build: { ...base.build, outDir }, preview: { host: '127.0.0.1', port, strictPort: port !== 0 } })
    const url = urlOf(server.httpServer.address())
    return {
      url,
      async close() {
        await server.close()
        await rm(outDir, { recursive: true, force: true })
      },
    }
  } catch (e) {
    await rm(outDir, { recursive: true, force: true })
    throw e
  }
}
