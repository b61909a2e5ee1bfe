/**
 * The walking skeleton in real Chromium: the production build of the page, its Web Worker
 * syncing from a real devnet (libp2p over WebSockets + anvil), IndexedDB persistence. The
 * devnet's first L1 RPC lies (`lying-l1-rpc`): the page follows the true chain through the
 * quorum of the three, never shows a forged block as mined, and its trust panel names the liar.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser, startVite, repoRoot, type LaunchedBrowser, type ViteHandle } from '../helpers/browser'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { adminGet } from '../integration/faults-admin'
import { rpcName } from '../../src/sources/l1-rpc'
import type { Hex } from '../../src/core/types'

const shots = join(repoRoot, 'test-results')

/* page callbacks run in Chromium; this file is type-checked without DOM types */
declare const localStorage: { setItem(k: string, v: string): void }

async function tipHeight(page: Page, status: string): Promise<number | null> {
  const text = (await page.getByTestId(`tip-${status}-height`).textContent())?.replace(/[^0-9]/g, '') ?? ''
  return text === '' ? null : Number(text)
}

async function waitForTip(page: Page, status: string, pred: (h: number) => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let last: number | null = null
  // the page re-renders on every pushed snapshot: poll the DOM, which is what a person sees
  while (Date.now() < deadline) {
    last = await tipHeight(page, status)
    if (last !== null && pred(last)) return last
    await page.waitForTimeout(100)
  }
  throw new Error(`tip ${status} never satisfied the condition (last ${last})`)
}

describe('live page in Chromium against the devnet', () => {
  let devnet: DevnetProcess
  let vite: ViteHandle
  let browser: LaunchedBrowser

  beforeAll(async () => {
    await mkdir(shots, { recursive: true })
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '48', '--fault', 'lying-l1-rpc'])
    vite = await startVite({ mode: 'preview', devnetConfigPath: devnet.configPath })
    browser = await launchBrowser()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await vite?.close()
    await devnet?.stop()
  }, 60_000)

  it('shows a verified provisional tip that advances, and a mined tip read from L1', async () => {
    const { page } = browser
    await page.goto(vite.url)
    await page.getByTestId('live-state').waitFor({ timeout: 30_000 })
    const first = await waitForTip(page, 'proposed', () => true, 30_000)
    const later = await waitForTip(page, 'proposed', (h) => h > first, 30_000)
    expect(later).toBeGreaterThan(first)
    await waitForTip(page, 'mined', (h) => h > 0, 30_000)
    // the newest blocks carry a verified proposer signature
    const checked = page.locator('[data-testid="block-row"] [data-check="proposerSignature"][data-state="pass"]')
    await checked.first().waitFor({ timeout: 10_000 })
    expect(await page.locator('[data-testid="block-row"][data-status="invalid"]').count()).toBe(0)
    await expect.poll(async () => page.getByTestId('source-row-gossip').count()).toBe(1)
    // each of the devnet's three L1 RPCs is its own source
    await expect.poll(async () => page.locator('[data-testid^="source-row-l1:"]').count()).toBe(3)
    await page.screenshot({ path: join(shots, 'e2e-live.png'), fullPage: true })
  }, 120_000)

  it('the trust panel names the lying L1 RPC, and no block it forged is ever shown mined', async () => {
    const { page } = browser
    const liar = rpcName(devnet.info.l1.rpcUrls[0]!)
    const panel = page.getByTestId('trust-panel')
    await expect.poll(async () => (await panel.getAttribute('data-liars'))?.split(' ') ?? [], { timeout: 60_000 }).toContain(liar)
    expect(await panel.getAttribute('data-active')).toBe('rpc-quorum')
    expect(await page.locator(`[data-testid="trust-rpc-${liar}"]`).getAttribute('data-disagrees')).toBe('true')
    await waitForTip(page, 'mined', (h) => h >= 8, 60_000)
    const forged = (await adminGet(devnet.info, '?fault=lying-l1-rpc')).actions.filter((a) => a.detail.action === 'forged-checkpoint')
    expect(forged.length).toBeGreaterThan(0)
    for (const hash of forged.flatMap((a) => a.detail.headerHashes as Hex[])) {
      const row = page.locator(`[data-testid="block-row"][data-hash="${hash}"]`)
      if ((await row.count()) > 0) expect(await row.getAttribute('data-status')).not.toMatch(/^(mined|finalized)$/)
    }
    await panel.screenshot({ path: join(shots, 'e2e-trust-panel.png') })
  }, 120_000)

  it('after a reload shows the stored tips before any new block arrives', async () => {
    const { page } = browser
    await waitForTip(page, 'mined', (h) => h >= 4, 60_000)
    // freeze the whole devnet (proposer, libp2p, anvil): nothing new can arrive
    const pids = [devnet.pid, devnet.info.devnet.anvilPid]
    for (const pid of pids) process.kill(pid, 'SIGSTOP')
    try {
      // let the worker's last writes land, then read what it holds
      await page.waitForTimeout(1500)
      const before = { proposed: await tipHeight(page, 'proposed'), mined: await tipHeight(page, 'mined') }
      await page.reload()
      await page.getByTestId('live-state').waitFor({ timeout: 30_000 })
      await expect.poll(async () => page.getByTestId('tips').getAttribute('data-restored'), { timeout: 10_000 }).toBe('true')
      expect(await tipHeight(page, 'proposed')).toBe(before.proposed)
      expect(await tipHeight(page, 'mined')).toBe(before.mined)
      await page.screenshot({ path: join(shots, 'e2e-restored.png'), fullPage: true })
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT')
    }
    // and once the devnet runs again, new blocks arrive and the tips move on
    const stored = (await tipHeight(page, 'proposed'))!
    await waitForTip(page, 'proposed', (h) => h > stored, 60_000)
    await expect.poll(async () => page.getByTestId('tips').getAttribute('data-restored'), { timeout: 10_000 }).toBe('false')
  }, 150_000)

  it('a fresh browser with "start from snapshot" on begins at a snapshot checked against L1, then follows the chain', async () => {
    // the devnet publishes its first snapshot a few checkpoints in
    const index = (devnet.info as unknown as { snapshotUrl: string }).snapshotUrl
    await expect.poll(async () => (await fetch(index).catch(() => null))?.status, { timeout: 60_000, interval: 500 }).toBe(200)
    // a second browser: its own profile, so an empty IndexedDB
    const fresh = await launchBrowser()
    try {
      const { page } = fresh
      await page.addInitScript(() => localStorage.setItem('vigil.settings.v1', JSON.stringify({ fromSnapshot: true })))
      await page.goto(vite.url)
      const start = page.getByTestId('snapshot-start')
      await start.waitFor({ timeout: 60_000 }).catch(async (e: unknown) => {
        await page.screenshot({ path: join(shots, 'e2e-snapshot-start-failed.png'), fullPage: true })
        throw new Error(`no snapshot start shown: ${String(e)}\npage log:\n${fresh.logs.slice(-20).join('\n')}`)
      })
      const height = Number(await start.getAttribute('data-height'))
      expect(height).toBeGreaterThan(0)
      expect(await start.textContent()).toMatch(/Started from snapshot .+ blocks in .+ checkpoints up to height/)
      // the imported chain is mined (L1 said so), and the client goes on from there
      await waitForTip(page, 'mined', (h) => h >= height, 10_000)
      await waitForTip(page, 'proposed', (h) => h > height, 60_000)
      expect(await page.locator('[data-testid="block-row"][data-status="invalid"]').count()).toBe(0)
      await page.screenshot({ path: join(shots, 'e2e-snapshot-start.png'), fullPage: true })
    } finally {
      await fresh.close()
    }
  }, 120_000)
})
