/**
 * "Killing the worker in the middle of a write and reloading leaves a consistent store":
 * a worker writes big atomic sync steps into the real ChainStore (IndexedDB in Chromium);
 * the page terminates it while a write is in flight, reloads, and checks the invariants.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { launchBrowser, startVite, repoRoot, type LaunchedBrowser, type ViteHandle } from '../helpers/browser'

interface KillWindow {
  killMidWrite(round: number, delayMs: number): Promise<{ writesStarted: number; problems: string[]; tipHeight: number | null; blocks: number }>
}

describe('store survives a worker killed mid-write (Chromium, IndexedDB)', () => {
  let vite: ViteHandle
  let browser: LaunchedBrowser

  beforeAll(async () => {
    vite = await startVite({ mode: 'dev', root: join(repoRoot, 'test/e2e/fixtures') })
    browser = await launchBrowser()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await vite?.close()
  })

  it('every kill leaves the store at a step boundary, with all invariants holding', async () => {
    const { page } = browser
    let lastHeight = 0
    for (let round = 0; round < 6; round++) {
      // on a fresh clone Vite's dev server may re-optimise dependencies and reload the page once:
      // wait for a settled page, and run again if a reload destroyed the context mid-run
      const run = async () => {
        await page.goto(`${vite.url}store-kill.html`, { waitUntil: 'networkidle' })
        // kill at varying points inside the next write
        return page.evaluate(([r, d]) => (globalThis as unknown as KillWindow).killMidWrite(r, d), [round, [0, 2, 5, 9, 14, 20][round]!] as [number, number])
      }
      const res = await run().catch((e: Error) => {
        if (!/Execution context was destroyed/.test(e.message)) throw e
        return run()
      })
      expect(res.writesStarted).toBeGreaterThanOrEqual(3)
      expect(res.problems).toEqual([])
      // state only ever moves forward by whole 400-block steps
      expect(res.tipHeight).not.toBeNull()
      expect(res.tipHeight! % 400).toBe(0)
      expect(res.tipHeight!).toBeGreaterThan(lastHeight)
      // no half-written step: exactly the blocks of the committed steps are stored
      expect(res.blocks).toBe(res.tipHeight!)
      lastHeight = res.tipHeight!
    }
  }, 120_000)
})
