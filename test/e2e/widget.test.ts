/**
 * The embeddable widget in real Chromium, on a page served from ANOTHER origin than Vigil's
 * (a second HTTP server on another port): one script tag, `<vigil-widget>` elements following
 * the latest block and a given one (one shared client), the iframe mode, styles isolated from
 * the host page, and the demo page of public/. Screenshots: test-results/widget-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser, startVite, repoRoot, type LaunchedBrowser, type ViteHandle } from '../helpers/browser'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'

/* page.evaluate callbacks run in Chromium; this file is type-checked without DOM types */
declare const document: any // eslint-disable-line @typescript-eslint/no-explicit-any
declare const window: any // eslint-disable-line @typescript-eslint/no-explicit-any
declare const localStorage: any // eslint-disable-line @typescript-eslint/no-explicit-any
declare function getComputedStyle(e: unknown): any // eslint-disable-line @typescript-eslint/no-explicit-any

const shots = join(repoRoot, 'test-results')

let devnet: DevnetProcess
let vite: ViteHandle
let host: Server
let hostUrl: string
let browser: LaunchedBrowser

function hostPage(vigil: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A site that embeds Vigil</title>
<script type="module" src="${vigil}widget.js"></script>
<style>
  body { font: 18px/1.6 Georgia, serif; margin: 24px; background: #fffbe8; }
  /* hostile host styles: none of this may reach the widget */
  * { color: rgb(255, 0, 170) !important; letter-spacing: 3px; }
  div, span, dd, dt, section { font-family: 'Comic Sans MS', cursive; border-color: red; }
</style></head><body>
<h1>Someone else's page</h1>
<vigil-widget id="latest" config="${vigil}devnet.json"></vigil-widget>
<vigil-widget id="given" config="${vigil}devnet.json" block="2" theme="dark"></vigil-widget>
<vigil-widget id="framed" mode="iframe" tip="mined"></vigil-widget>
${EVENT_LOG}
</body></html>`
}

/** Records every widget event the host page sees (bubbling out of the element), with the element's id. */
const EVENT_LOG = `<script>
  window.__events = []
  for (const type of ['vigil-verified', 'vigil-error'])
    document.addEventListener(type, (e) => window.__events.push({ type, id: e.target.id, height: e.detail && e.detail.height, code: e.detail && e.detail.code }))
</script>`

/** iframe mode with another origin's config (this host's): one served with CORS, one without. */
function foreignPage(vigil: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another network's config</title>
<script type="module" src="${vigil}widget.js"></script></head><body>
<vigil-widget id="foreign" mode="iframe" tip="mined" config-url="chain.json"></vigil-widget>
<vigil-widget id="nocors" mode="iframe" config-url="nocors.json"></vigil-widget>
${EVENT_LOG}
</body></html>`
}

/** The `config` property given an object, set before widget.js defines the element (the upgrade path). */
function objectPage(vigil: string, config: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>config as a property</title>
<script type="module" src="${vigil}widget.js"></script></head><body>
<vigil-widget id="object" tip="mined"></vigil-widget>
${EVENT_LOG}
<script>document.getElementById('object').config = ${config}</script>
</body></html>`
}

const state = (page: Page, id: string) => page.evaluate((i) => document.getElementById(i)?.dataset.state ?? null, id)

async function waitState(page: Page, id: string, want: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: string | null = null
  while (Date.now() < deadline) {
    last = await state(page, id)
    if (last === want) return
    await page.waitForTimeout(200)
  }
  const text = await page.evaluate((i) => document.getElementById(i)?.shadowRoot?.querySelector('.badge')?.textContent ?? '', id)
  throw new Error(`widget #${id} never reached ${want} (last ${last}: ${text})`)
}

beforeAll(async () => {
  await mkdir(shots, { recursive: true })
  await mkdir(join(repoRoot, '.vigil'), { recursive: true }) // absent on a fresh clone
  ;[devnet, vite] = await Promise.all([startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '48']), startVite({ mode: 'preview', devnetConfigPath: join(repoRoot, '.vigil', 'widget-e2e-devnet.json') })])
  const { copyFile } = await import('node:fs/promises')
  await copyFile(devnet.configPath, join(repoRoot, '.vigil', 'widget-e2e-devnet.json'))
  const configJson = await readFile(devnet.configPath, 'utf8')
  host = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/chain.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
      return res.end(configJson)
    }
    if (path === '/nocors.json') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(configJson)
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(path === '/foreign' ? foreignPage(vite.url) : path === '/object' ? objectPage(vite.url, configJson) : hostPage(vite.url))
  })
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', () => r()))
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`
  browser = await launchBrowser({ viewport: { width: 1000, height: 900 } })
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((r) => (host ? host.close(() => r()) : r()))
  await vite?.close()
  await devnet?.stop()
}, 60_000)

describe('the widget on a page from another origin', () => {
  it('one script tag: the latest block and a given block verified in the visitor’s browser, styles isolated', async () => {
    const { page, logs } = browser
    expect(new URL(hostUrl).origin).not.toBe(new URL(vite.url).origin)
    await page.goto(hostUrl)
    await waitState(page, 'latest', 'verified', 60_000)
    await waitState(page, 'given', 'verified', 30_000)
    // block 2 may first arrive provisional (peers, backup RPC) and is re-verified when L1 mines it
    await page.waitForFunction(() => /Verified · block 2 \((mined|finalized)\)/.test(document.getElementById('given')?.shadowRoot?.querySelector('.badge')?.textContent ?? ''), null, { timeout: 30_000 })
    expect(await page.evaluate(() => document.getElementById('given')!.dataset.height)).toBe('2')
    // the footer says what was checked, L1 included only because it was proven (docs/trust.md)
    await page.waitForFunction(() => document.getElementById('given')?.dataset.l1 === 'proven', null, { timeout: 30_000 })
    expect(await page.evaluate(() => document.getElementById('given')!.shadowRoot!.querySelector('.claim')!.textContent)).toMatch(/committee quorum \+ \d+ L1 proofs against L1 block \d+ \(\d of 3 RPCs agree/)
    const latest = await page.evaluate(() => {
      const el = document.getElementById('latest')!
      const tips = [...el.shadowRoot!.querySelectorAll('[data-tip]')].map((d) => d.textContent)
      return { tips, height: Number(el.dataset.height) }
    })
    expect(latest.height).toBeGreaterThan(0)
    expect(latest.tips[0]).toMatch(/\d/)
    // the host's `* { color: … !important }` does not cross the shadow boundary
    const colors = await page.evaluate(() => {
      const el = document.getElementById('latest')!
      const title = el.shadowRoot!.querySelector('.badge-title')!
      return { title: getComputedStyle(title).color, font: getComputedStyle(title).fontFamily, spacing: getComputedStyle(title).letterSpacing, host: getComputedStyle(document.querySelector('h1')!).color }
    })
    expect(colors.host).toBe('rgb(255, 0, 170)')
    expect(colors.title).not.toBe('rgb(255, 0, 170)')
    expect(colors.font).not.toContain('Comic')
    expect(colors.spacing).toBe('normal')
    // both inline widgets share one client (one worker): the same config URL
    expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([])
    await page.screenshot({ path: join(shots, 'widget-other-origin.png'), fullPage: true })
  }, 120_000)

  it('iframe mode: the widget page from Vigil’s origin, sized to its content, verified', async () => {
    const { page } = browser
    await waitState(page, 'framed', 'verified', 60_000)
    const frame = page.frames().find((f) => f.url().startsWith(`${vite.url}widget.html`))!
    expect(frame).toBeTruthy()
    expect(new URL(frame.url()).searchParams.get('tip')).toBe('mined')
    const badge = await frame.evaluate(() => document.querySelector('vigil-widget')!.shadowRoot!.querySelector('.badge')!.textContent)
    expect(badge).toMatch(/Verified · block \d+ \((mined|finalized)\)/)
    const height = await page.evaluate(() => document.getElementById('framed')!.shadowRoot!.querySelector('iframe')!.getBoundingClientRect().height)
    expect(height).toBeGreaterThan(100)
    // the frame's vigil-verified reaches the host page, re-dispatched on the element (bubbling), with its report
    await page.waitForFunction(() => window.__events.some((e: { id: string; type: string }) => e.id === 'framed' && e.type === 'vigil-verified'), null, { timeout: 20_000 })
    const ev = await page.evaluate(() => window.__events.find((e: { id: string; type: string }) => e.id === 'framed' && e.type === 'vigil-verified'))
    expect(ev.height).toBeGreaterThan(0)
    // the mined tip moves on while the test reads, so the element's height is compared with the
    // latest forwarded event, both read in one evaluation
    const both = await page.evaluate(() => {
      const evs = window.__events.filter((e: { id: string; type: string }) => e.id === 'framed' && e.type === 'vigil-verified')
      return { last: evs[evs.length - 1].height, shown: document.getElementById('framed')!.dataset.height }
    })
    expect(both.shown).toBe(String(both.last))
    // a message from anyone but the frame (here: the host page itself) is not re-dispatched
    const before = await page.evaluate(() => window.__events.length)
    await page.evaluate(() => window.postMessage({ type: 'vigil-widget-event', event: 'vigil-error', detail: { code: 'FORGED' } }, '*'))
    await page.waitForTimeout(300)
    expect(await page.evaluate(() => window.__events.filter((e: { code?: string }) => e.code === 'FORGED').length)).toBe(0)
    expect(await page.evaluate(() => window.__events.length)).toBeGreaterThanOrEqual(before)
  }, 90_000)

  it('changing the block attribute re-verifies; a block that does not exist yet waits', async () => {
    const { page } = browser
    await page.evaluate(() => document.getElementById('given')!.setAttribute('block', '1'))
    await page.waitForFunction(() => document.getElementById('given')?.dataset.height === '1', null, { timeout: 30_000 })
    await page.evaluate(() => document.getElementById('given')!.setAttribute('block', '99999999'))
    await waitState(page, 'given', 'waiting', 15_000)
  }, 60_000)

  it('iframe mode takes another origin’s config where that origin allows it (CORS); without CORS a coded vigil-error comes out of the frame', async () => {
    const { page } = browser
    await page.goto(`${hostUrl}foreign`)
    await waitState(page, 'nocors', 'error', 30_000)
    await page.waitForFunction(() => window.__events.some((e: { id: string; type: string }) => e.id === 'nocors' && e.type === 'vigil-error'), null, { timeout: 10_000 })
    expect(await page.evaluate(() => window.__events.find((e: { id: string; type: string }) => e.id === 'nocors' && e.type === 'vigil-error').code)).toBe('SOURCE_UNAVAILABLE')
    await waitState(page, 'foreign', 'verified', 60_000)
    const frame = page.frames().find((f) => f.url().startsWith(`${vite.url}widget.html`) && f.url().includes('chain.json'))!
    // the frame says whose config it runs (not Vigil's own)
    expect(await frame.evaluate(() => document.querySelector('vigil-widget')!.shadowRoot!.querySelector('.chain')!.textContent)).toContain(`config from ${new URL(hostUrl).origin}`)
    await page.screenshot({ path: join(shots, 'widget-foreign-config.png'), fullPage: true })
  }, 90_000)

  it('the config property takes a ClientConfig object, even when set before widget.js defined the element', async () => {
    const { page } = browser
    await page.goto(`${hostUrl}object`)
    await waitState(page, 'object', 'verified', 60_000)
    expect(await page.evaluate(() => typeof document.getElementById('object')!.config)).toBe('object')
    expect(await page.evaluate(() => document.getElementById('object')!.hasAttribute('config'))).toBe(false)
    expect(await page.evaluate(() => window.__events.some((e: { id: string; type: string }) => e.id === 'object' && e.type === 'vigil-verified'))).toBe(true)
  }, 90_000)

  it('the demo page in public/ embeds every variant', async () => {
    const { page } = browser
    await page.goto(`${vite.url}widget-demo.html`)
    await waitState(page, 'latest', 'verified', 60_000)
    await page.waitForFunction(() => (document.getElementById('log')?.textContent ?? '').startsWith('vigil-verified: block'), null, { timeout: 20_000 })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.setViewportSize({ width: 360, height: 800 })
    await page.waitForTimeout(500)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await page.screenshot({ path: join(shots, 'widget-demo-360-dark.png'), fullPage: true })
  }, 90_000)
})
