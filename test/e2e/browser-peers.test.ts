/**
 * Issue 3 item 8, browsers serve too: two Chromium pages (separate contexts, so separate
 * IndexedDB stores), each with the tab's libp2p node on the page (`pageP2P`). The first
 * syncs from the devnet; then the devnet's full nodes refuse every range (`refuse-ranges`)
 * and the second page, which is told no address of the first: the two find each other on the
 * chain's browser-peers gossip topic through the devnet's hub (src/p2p/discovery.ts) and
 * connect over WebRTC through the devnet's circuit relay; the second syncs the range from the
 * first. docs/decisions/browser-peers.md.
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

describe.skipIf(!chromiumAvailable())('browsers serve browsers over WebRTC', () => {
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

  beforeAll(async () => {
    ;[devnet, vite, browser] = await Promise.all([
      startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16']),
      // a production build: the dev server would re-optimise libp2p on first use and reload the page mid-test
      startVite({ mode: 'preview', root: join(repoRoot, 'test/e2e/fixtures'), input: { main: join(repoRoot, 'test/e2e/fixtures/browser-peers.html') } }),
      // host candidates as plain IPs (headless Chromium otherwise hides them behind mDNS names nobody resolves here)
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

  it('a second page finds the first without being told its address and syncs a range from it over WebRTC while the full nodes refuse it', async () => {
    // only peers can deliver the range: no backup RPC, file store, snapshots or beacon blobs
    const { l2RpcUrl: _r, fileStoreUrl: _f, snapshotUrl: _s, beaconUrl: _b, ...rest } = devnet.info as unknown as ClientConfig & Record<string, unknown>
    const config = rest as unknown as ClientConfig
    try {
      const a = await openPage('A')
      const aId = await a.evaluate((c) => (globalThis as unknown as PeerFixtureView).vigilPeer.start(c), config)
      // A holds (and announces) a signed range of at least 6 headers
      const announced = await until('A announces a range', async () => {
        const s = await a.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.status())
        return s.latest - s.earliestHeader >= 5 ? s : null
      }, 40_000, a)
      // A can be reached: a WebRTC address through the relay (signalling over the relay's WebSocket listener)
      let aAddrs: string[] = []
      await until('A has a /p2p-circuit/webrtc address', async () => (aAddrs = await a.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.addrs())).find((x) => /\/p2p\/[^/]+\/p2p-circuit\/webrtc\/p2p\//.test(x)), 30_000, a).catch((e: unknown) => {
        console.log(`A's addresses: ${JSON.stringify(aAddrs)}`)
        throw e
      })

      const admin = devnet.info.devnet.adminUrl!
      expect((await fetch(`${admin}/admin/faults/refuse-ranges`, { method: 'POST' })).status).toBe(200)

      const b = await openPage('B')
      // B without gossip: provisional blocks above its mined tip (L1) can then only come by req/resp,
      // so the headers it syncs from A are new to it (accepted), not echoes of gossip
      const bId = await b.evaluate((c) => (globalThis as unknown as PeerFixtureView).vigilPeer.start(c, false), config)
      // no dial: B and A learn of each other on the browser-peers topic and one of them dials the other
      const learnt = await until('B learns A on the browser-peers topic', async () => (await b.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.discovered())).find((p) => p.id === aId), 30_000, b)
      expect(learnt.id).toBe(aId)
      await until('A and B connected over WebRTC', async () => (await b.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.discovered())).find((p) => p.id === aId && p.connected), 30_000, b)

      let lastB: ClientSnapshot | null = null
      const fromA = await until('B syncs headers from A', async () => {
        const s = await b.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.snapshot())
        lastB = s
        const peer = s.peers.find((p) => p.id === aId)
        // (the page pushes its connections to the worker as they change: wait for the WebRTC one to be listed)
        return peer?.reqresp && peer.reqresp.items > 0 && (s.sources.reqresp?.accepted ?? 0) > 0 && peer.transport === 'webrtc' ? { s, peer } : null
      }, 45_000, b).catch((e: unknown) => {
        const s = lastB as ClientSnapshot | null
        console.log(`A=${aId}`, JSON.stringify({ sync: s?.sync, reqresp: s?.sources.reqresp, tips: s?.tips, peers: s?.peers.map((p) => ({ id: p.id, t: p.transport, rr: p.reqresp })) }, null, 1))
        throw e
      })

      const peer: PeerSummary = fromA.peer
      expect(peer.transport).toBe('webrtc')
      expect(peer.reqresp!.announced!.earliestHeader).toBeLessThanOrEqual(announced.earliestHeader)
      // the headers verified in B's engine (same checks as gossip) and nothing was rejected
      expect(fromA.s.sync!.headersAccepted).toBeGreaterThan(0)
      expect(fromA.s.sources.reqresp!.rejected).toBe(0)
      expect(fromA.s.failures.filter((f) => f.severity === 'hard')).toEqual([])
      // the full nodes served B nothing (they refuse every range since before B started)
      const full = new Set((devnet.info.fullNodes ?? []).map((n) => n.peerId))
      expect(full.size).toBeGreaterThan(0)
      for (const p of fromA.s.peers.filter((x) => full.has(x.id))) expect(p.reqresp?.items ?? 0).toBe(0)
      // and A's page answered them from its worker's store
      // A's peers view shows B as a WebRTC peer too (each side's stats list the discovered peer)
      const aPeers = await until('A lists B over WebRTC', async () => (await a.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.snapshot())).peers.find((p) => p.id === bId && p.transport === 'webrtc'), 10_000, a)
      expect(aPeers.transport).toBe('webrtc')
      // B's announcement on the browser-peers topic may reach A after B's dial did
      await until('A discovered B on the browser-peers topic', async () => (await a.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.discovered())).some((p) => p.id === bId) || null, 15_000, a)
      const served = await a.evaluate(() => (globalThis as unknown as PeerFixtureView).vigilPeer.served())
      expect(served.byProtocol.headers_by_range).toBeGreaterThan(0)
      expect(served.items).toBeGreaterThan(0)
    } catch (e) {
      console.log(logs.slice(-60).join('\n'))
      throw e
    }
  }, 150_000)
})
