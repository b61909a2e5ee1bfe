/**
 * Issue 12 item 4, browsers in full mode serve the bodies they hold: two Chromium pages
 * (separate contexts, separate IndexedDB stores), both `mode: 'full'`, with the tab's libp2p
 * node on the page. The first syncs headers and bodies from the devnet; then the devnet's full
 * nodes refuse every range and every body (`refuse-ranges`), and the second page (no file
 * store, beacon, backup RPC or snapshots; no gossip, so no bodies in proposals and no
 * transactions to re-execute) can get bodies only from the first: it finds it on the
 * browser-peers topic and fetches them over WebRTC. docs/bodies.md § Serving bodies.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable, repoRoot, startVite, type ViteHandle } from '../helpers/browser'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import type { ClientConfig } from '../../src/client/shared/config'
import type { ClientSnapshot, PeerSummary } from '../../src/client/shared/types'
import type { ChainStatus } from '../../src/p2p/protocols/common'

// the fixture's window.vigilPeer (test/e2e/fixtures/browser-peers.ts), seen from Node
interface PeerFixtureView {
  vigilPeer: {
    start(config: ClientConfig, gossip?: boolean): Promise<string>
    addrs(): string[]
    dial(addr: string): Promise<void>
    discovered(): { id: string; connected: boolean; failures: number }[]
    snapshot(): Promise<ClientSnapshot>
    status(): Promise<ChainStatus>
    served(): { requests: number; items: number; byProtocol: Record<string, number> }
  }
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, page?: Page): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown = null
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v) return v
      last = v
    } catch (e) {
      last = e
    }
    await (page ? page.waitForTimeout(250) : new Promise((r) => setTimeout(r, 250)))
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`)
}

describe.skipIf(!chromiumAvailable())('full-mode browsers serve bodies to browsers', () => {
  let devnet: DevnetProcess
  let vite: ViteHandle
  let browser: Browser
  const contexts: BrowserContext[] = []
  const logs: string[] = []

  const openPage = async (name: string): Promise<Page> => {
    const ctx = await browser.newContext()
    contexts.push(ctx)
    const page = await ctx.newPage()
    page.on('console', (m) => logs.push(`${name} ${m.type()}: ${m.text()}`))
    page.on('pageerror', (e) => logs.push(`${name} pageerror: ${e.message}`))
    await page.goto(`${vite.url}browser-peers.html`)
    await page.waitForFunction(() => 'vigilPeer' in globalThis)
    return page
  }
  const view = (p: Page) => ({
    status: () => p.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.status()),
    snapshot: () => p.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.snapshot()),
    served: () => p.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.served()),
  })

  beforeAll(async () => {
    ;[devnet, vite, browser] = await Promise.all([
      startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16']),
      startVite({ mode: 'preview', root: join(repoRoot, 'test/e2e/fixtures'), input: { main: join(repoRoot, 'test/e2e/fixtures/browser-peers.html') } }),
      chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, '--disable-features=WebRtcHideLocalIpsWithMdns'] }),
    ])
  }, 120_000)

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {})
    await browser?.close().catch(() => {})
    await vite?.close()
    if (devnet?.info.devnet.adminUrl) await fetch(`${devnet.info.devnet.adminUrl}/admin/faults/refuse-ranges`, { method: 'DELETE' }).catch(() => {})
    await devnet?.stop()
  }, 60_000)

  it('the second full-mode page gets bodies from the first while the full nodes refuse them', async () => {
    // only peers can deliver bodies: no backup RPC, file store, snapshots or beacon blobs
    const { l2RpcUrl: _r, fileStoreUrl: _f, snapshotUrl: _s, beaconUrl: _b, ...rest } = devnet.info as unknown as ClientConfig & Record<string, unknown>
    const config = { ...(rest as unknown as ClientConfig), mode: 'full' as const }
    try {
      const a = await openPage('A')
      const aId = await a.evaluate((c) => (globalThis as unknown as PeerFixtureView).vigilPeer.start(c), config)
      // A announces a run of at least 6 bodies it holds
      const announced = await until('A announces bodies', async () => {
        const s = await view(a).status()
        return s.latest - s.earliestBody >= 5 ? s : null
      }, 60_000, a)
      expect(announced.earliestBody).toBeGreaterThanOrEqual(announced.earliestHeader)

      const admin = devnet.info.devnet.adminUrl!
      expect((await fetch(`${admin}/admin/faults/refuse-ranges`, { method: 'POST' })).status).toBe(200)

      const b = await openPage('B')
      await b.evaluate((c) => (globalThis as unknown as PeerFixtureView).vigilPeer.start(c, false), config)
      let lastB: ClientSnapshot | null = null
      const got = await until('B verifies bodies fetched from A', async () => {
        const s = await view(b).snapshot()
        lastB = s
        const peer = s.peers.find((p) => p.id === aId)
        return (s.bodies?.verifiedBySource.reqresp ?? 0) >= 4 && peer?.transport === 'webrtc' ? { s, peer } : null
      }, 60_000, b).catch((e: unknown) => {
        const s = lastB as ClientSnapshot | null
        console.log(`A=${aId}`, JSON.stringify({ bodies: s?.bodies, reqresp: s?.sources.reqresp, tips: s?.tips, peers: s?.peers.map((p) => ({ id: p.id, t: p.transport, rr: p.reqresp })) }, null, 1))
        throw e
      })
      const peer: PeerSummary = got.peer
      // A announced bodies to B
      expect(peer.reqresp!.announced!.earliestBody).toBeLessThanOrEqual(peer.reqresp!.announced!.latest)
      // every body B took verified against its header; nothing hard failed
      expect(got.s.sources.reqresp!.rejected).toBe(0)
      expect(got.s.failures.filter((f) => f.severity === 'hard')).toEqual([])
      // the full nodes served B no items (they refuse every range and body since before B started)
      const full = new Set((devnet.info.fullNodes ?? []).map((n) => n.peerId))
      expect(full.size).toBeGreaterThan(0)
      for (const p of got.s.peers.filter((x) => full.has(x.id))) expect(p.reqresp?.items ?? 0).toBe(0)
      // and A's page answered bodies by hash from its store
      const served = await view(a).served()
      expect(served.byProtocol.bodies_by_hash).toBeGreaterThan(0)
    } catch (e) {
      console.log(logs.slice(-60).join('\n'))
      throw e
    }
  }, 180_000)
})
