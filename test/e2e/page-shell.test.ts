/**
 * The page shell in real Chromium, with NO devnet: the page must load and say clearly that the
 * devnet is not running (and what to do). Also: a bad config and a cross-origin ?config= become
 * coded error states, the production build loads the same shell, and the live view's layout
 * (server-rendered from a generated snapshot, real CSS) holds from 360 px to desktop, light and dark.
 *
 * Screenshots go to test-results/ (page-shell*.png, live-view*.png).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockSummary, ClientSnapshot, ReorgRecord, SourceStats } from '../../src/client/shared/types'
import type { BlockStatus } from '../../src/core/types'
import { AppView } from '../../src/ui/AppView'
import { NowProvider } from '../../src/ui/useNow'
import { launchBrowser, repoRoot, startVite, type LaunchedBrowser, type ViteHandle } from '../helpers/browser'

const results = join(repoRoot, 'test-results')
/** Console noise that is the point of these tests (the 404 of /devnet.json), not a failure. */
const expectedNoise = (l: string) => /Failed to load resource: the server responded with a status of (404|400)/.test(l)

let tmp: string
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'vigil-page-shell-'))
  await mkdir(results, { recursive: true })
})
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true })
})

describe('page shell, no devnet (vite dev)', () => {
  let vite: ViteHandle
  let browser: LaunchedBrowser
  beforeAll(async () => {
    // a path that does not exist, even if a real devnet is running and wrote .vigil/devnet.json
    vite = await startVite({ mode: 'dev', devnetConfigPath: join(tmpdir(), 'vigil-no-devnet', 'devnet.json') })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await vite?.close()
  })

  it('GET /devnet.json answers 404 with a JSON error', async () => {
    const res = await fetch(new URL('devnet.json', vite.url))
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(await res.json()).toMatchObject({ error: 'DEVNET_NOT_RUNNING' })
  })

  it('shows the "devnet not running" error state with its code and the command to run', async () => {
    const { page, logs } = browser
    await page.goto(vite.url)
    const err = page.getByTestId('error-state')
    await err.waitFor({ timeout: 20_000 })
    expect(await err.getAttribute('data-code')).toBe('NOT_FOUND')
    expect(await err.getAttribute('data-stage')).toBe('config')
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('The local devnet is not running')
    expect(await page.getByTestId('error-hint').textContent()).toContain('npm run devnet')
    expect(await page.title()).toContain('Vigil')
    await page.screenshot({ path: join(results, 'page-shell.png'), fullPage: true })
    expect(logs.filter((l) => !expectedNoise(l) && /error/i.test(l))).toEqual([])
  })

  it('"Try again" re-runs the connection (still no devnet: same state)', async () => {
    const { page } = browser
    await page.getByRole('button', { name: 'Try again' }).click()
    await page.getByTestId('error-state').waitFor()
    expect(await page.getByTestId('error-code').textContent()).toBe('NOT_FOUND')
  })

  it('is usable at 360 px in dark mode, keyboard focus visible', async () => {
    const { page } = browser
    await page.setViewportSize({ width: 360, height: 740 })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.reload()
    await page.getByTestId('error-state').waitFor()
    await page.keyboard.press('Tab') // brand link
    await page.keyboard.press('Tab') // "Try again"
    const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle')
    expect(outline).toBe('solid')
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360)
    await page.screenshot({ path: join(results, 'page-shell-360-dark.png'), fullPage: true })
  })

  it('an invalid config is a CONFIG_INVALID error state naming the problems', async () => {
    const { page } = browser
    await page.setViewportSize({ width: 1280, height: 800 })
    await page.emulateMedia({ colorScheme: 'light' })
    // match the path only: a glob would also match the page URL, whose query names the file
    await page.route((u) => u.pathname === '/bad-config.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ l2ChainId: 'x', l1: {} }) }))
    await page.goto(`${vite.url}?config=/bad-config.json`)
    const err = page.getByTestId('error-state')
    await err.waitFor()
    expect(await err.getAttribute('data-code')).toBe('CONFIG_INVALID')
    const msg = await page.getByTestId('error-message').textContent()
    expect(msg).toContain('l2ChainId must be a non-negative integer')
    expect(msg).toContain('l1.rollup must be a 20-byte 0x address')
  })

  it('a worker that crashes while loading is an error state (its "error" event), not an endless spinner', async () => {
    const { page } = browser
    const config = { l2ChainId: 7771, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:9/'], rollup: `0x${'11'.repeat(20)}`, deployBlock: 0 }, bootstrap: [], mode: 'light' }
    await page.route((u) => u.pathname === '/ok-config.json', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(config) }))
    await page.route((u) => u.pathname.endsWith('/workers/client.worker.ts'), (r) =>
      r.fulfill({ status: 200, contentType: 'text/javascript', body: "throw new Error('worker boom (test)')" }),
    )
    await page.goto(`${vite.url}?config=/ok-config.json`)
    const err = page.getByTestId('error-state')
    await err.waitFor({ timeout: 20_000 })
    expect(await err.getAttribute('data-stage')).toBe('worker')
    expect(await err.getAttribute('data-code')).toBe('INTERNAL')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('The light client worker crashed')
    expect(await page.getByTestId('error-message').textContent()).toContain('worker boom (test)')
    await page.unrouteAll()
  })

  it('refuses a cross-origin ?config= (the config names the chain the client trusts)', async () => {
    const { page } = browser
    await page.goto(`${vite.url}?config=${encodeURIComponent('https://evil.example/devnet.json')}`)
    const err = page.getByTestId('error-state')
    await err.waitFor()
    expect(await err.getAttribute('data-code')).toBe('CONFIG_INVALID')
    expect(await page.getByTestId('error-message').textContent()).toContain('same-origin')
  })
})

describe('page shell, no devnet (production build, vite preview)', () => {
  it('the built page loads and shows the same error state', async () => {
    const vite = await startVite({ mode: 'preview', devnetConfigPath: join(tmp, 'missing', 'devnet.json') })
    const browser = await launchBrowser()
    try {
      await browser.page.goto(vite.url)
      const err = browser.page.getByTestId('error-state')
      await err.waitFor({ timeout: 20_000 })
      expect(await err.getAttribute('data-code')).toBe('NOT_FOUND')
      expect(browser.logs.filter((l) => l.startsWith('pageerror'))).toEqual([])
    } finally {
      await browser.close()
      await vite.close()
    }
  }, 120_000)
})

// ---- live view layout: a generated snapshot, server-rendered, with the real stylesheet ----

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0)
const hex = (seed: number, bytes = 32) => {
  let s = ''
  let x = seed * 2654435761
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    s += (x >>> 16).toString(16).padStart(4, '0').slice(0, 2)
  }
  return `0x${s}` as `0x${string}`
}

function generatedSnapshot(): ClientSnapshot {
  const statusAt = (height: number): BlockStatus => (height > 96 ? 'proposed' : height > 92 ? 'attested' : height > 84 ? 'mined' : 'finalized')
  const latest: BlockSummary[] = []
  for (let height = 100; height > 75; height--) {
    let status = statusAt(height)
    if (height === 90) status = 'orphaned'
    if (height === 89) status = 'invalid'
    latest.push({
      hash: hex(height),
      height,
      slot: Math.floor(height / 4),
      checkpointNumber: Math.floor(height / 4) - 1,
      indexInCheckpoint: height % 4,
      timestamp: NOW - (100 - height) * 1000,
      proposer: hex(7, 20),
      parentHash: hex(height - 1),
      txCount: (height * 7) % 13,
      status,
      checks: {
        proposerSignature: status !== 'invalid',
        linkage: true,
        ...(status === 'proposed' ? {} : { quorum: true }),
        body: true,
        ...(status === 'mined' || status === 'finalized' ? { l1Inclusion: true } : {}),
      },
      error: status === 'invalid' ? { code: 'BAD_SIGNATURE', severity: 'hard', message: 'signature does not recover to the slot proposer' } : null,
      source: status === 'mined' || status === 'finalized' ? 'l1' : 'gossip',
      receivedAt: NOW - (100 - height) * 1000 + 300,
    })
  }
  const src = (name: string, kind: SourceStats['kind'], requests: number, bytes: number, extra: Partial<SourceStats> = {}): SourceStats => ({
    name, kind, requests, bytes, failures: 0, rejected: 0, accepted: requests, latencyMs: { last: 4, avg: 6.5, max: 41 }, lastError: null, lastAt: NOW - 800, ...extra,
  })
  const reorgs: ReorgRecord[] = [
    { id: 'a', at: NOW - 42_000, depth: 2, fromHeight: 90, oldHashes: [hex(900), hex(901)], newHashes: [hex(90), hex(91)], cause: 'checkpoint-mismatch' },
    { id: 'b', at: NOW - 3_700_000, depth: 1, fromHeight: 41, oldHashes: [hex(410)], newHashes: [hex(41)], cause: 'l1-reorg' },
  ]
  return {
    chain: { l2ChainId: 31_337_001, l1ChainId: 31337, rollup: hex(1, 20) },
    tips: {
      proposed: { height: 100, hash: hex(100), timestamp: NOW - 1_000 },
      attested: { height: 96, hash: hex(96), timestamp: NOW - 5_000 },
      mined: { height: 92, hash: hex(92), timestamp: NOW - 9_000 },
      finalized: { height: 84, hash: hex(84), timestamp: NOW - 17_000 },
    },
    latest,
    reorgs,
    sources: {
      gossip: src('gossip', 'gossip', 412, 3_407_872, { rejected: 3, accepted: 409 }),
      l1: src('l1', 'l1', 1_873, 9_961_472, { failures: 2, lastError: { code: 'SOURCE_TIMEOUT', severity: 'soft', message: 'eth_getLogs timed out after 5000 ms' }, latencyMs: { last: 11, avg: 14.2, max: 1_250 } }),
      beacon: src('beacon', 'beacon', 23, 6_029_312),
      reqresp: src('reqresp', 'reqresp', 4, 18_432),
    },
    peers: [
      { id: '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', addrs: ['/ip4/127.0.0.1/tcp/40001/ws/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo', '/ip4/127.0.0.1/udp/40002/webrtc-direct'], transport: 'websockets', direction: 'outbound' },
      { id: '12D3KooWLrUnu6oKc8yXxRxTqH2hKXnqdHoW8jG4eKfNhAHb2BmZ', addrs: ['/p2p-circuit/webrtc'], transport: 'webrtc', direction: 'inbound' },
    ],
    counts: { proposed: 4, attested: 4, mined: 7, finalized: 84, orphaned: 1, invalid: 1 },
    failures: [
      { code: 'BAD_SIGNATURE', severity: 'hard', message: 'block 89: signature does not recover to the slot proposer 0x7a…', details: { height: 89 } },
      { code: 'SOURCE_TIMEOUT', severity: 'soft', message: 'l1: eth_getLogs timed out after 5000 ms' },
    ],
    l1: { head: 212, finalized: 210 },
    restoredFromStore: true,
    startedAt: NOW - 120_000,
    updatedAt: NOW - 400,
  }
}

describe('live view layout in Chromium (server-rendered, real CSS)', () => {
  let browser: LaunchedBrowser
  let html: string
  beforeAll(async () => {
    const css = await readFile(join(repoRoot, 'src/ui/styles.css'), 'utf8')
    const body = renderToString(createElement(NowProvider, { value: NOW }, createElement(AppView, { state: { kind: 'live', snapshot: generatedSnapshot(), problem: null } })))
    html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><style>${css}</style></head><body><div id="root">${body}</div></body></html>`
    await writeFile(join(results, 'live-view.html'), html)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })

  for (const { width, scheme } of [
    { width: 1280, scheme: 'light' },
    { width: 1280, scheme: 'dark' },
    { width: 360, scheme: 'dark' },
    { width: 360, scheme: 'light' },
  ] as const) {
    it(`${width} px, ${scheme}: no page-level horizontal overflow; tips and rows visible`, async () => {
      const { page } = browser
      await page.setViewportSize({ width, height: 900 })
      await page.emulateMedia({ colorScheme: scheme })
      await page.setContent(html)
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width)
      for (const s of ['proposed', 'attested', 'mined', 'finalized']) expect(await page.getByTestId(`tip-${s}`).isVisible()).toBe(true)
      expect(await page.getByTestId('block-row').count()).toBe(25)
      expect(await page.locator('[data-testid="block-row"][data-status="invalid"] .pill').getAttribute('title')).toContain('BAD_SIGNATURE')
      await page.screenshot({ path: join(results, `live-view-${width}-${scheme}.png`), fullPage: true })
    })
  }
})
