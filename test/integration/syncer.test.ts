/**
 * Req/resp sync against a real devnet: archival + pruned full nodes serving status, headers by
 * range and bodies by hash; a Node light client that starts late fills the gap from them
 * (every header verified like gossip), asks only peers that announced a range, and holds
 * headers it cannot verify while its L1 RPC is down, retrying them with backoff.
 *
 * The client reaches L1 through a test proxy (test/helpers/l1-proxy.ts) that can be down or
 * pinned behind the head: with L1 pinned, nothing can arrive as a mined checkpoint, so every
 * block before the client joined must come through req/resp — the test fails if that path breaks.
 */
import { beforeFirstCheckpoint } from './faults-admin'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { Hex } from '../../src/core/types'
import { fullNodes, gatewayJson, startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { pollUntil } from '../helpers/wait'
import { startL1Proxy, type L1Proxy } from '../helpers/l1-proxy'
import { waitForSnapshot } from '../helpers/client'
import { l1Totals } from '../helpers/l1-stats'

describe('req/resp sync from devnet full nodes', () => {
  let devnet: DevnetProcess
  let proxy: L1Proxy
  let client: LightClient | null = null
  const devnetHeight = async () => (await gatewayJson<{ height: number }>(devnet, '/status')).height
  const nodes = () => fullNodes(devnet)
  /** The devnet's own progress has no push channel: poll its status endpoint. */
  const untilDevnetHeight = async (h: number, timeoutMs: number) => {
    let now = -1
    return pollUntil(async () => ((now = await devnetHeight()) >= h ? now : null), { timeoutMs, what: `devnet height ${h}`, context: () => `devnet at height ${now}` })
  }
  // req/resp is the path under test: no backup L2 RPC (it would fill gaps first)
  const config = () => {
    const { l2RpcUrl: _rpc, ...info } = devnet.info
    return { ...info, l1: { ...devnet.info.l1, rpcUrls: [proxy.url], quorum: 1 } }
  }

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '8', '--committee', '16'])
    proxy = await startL1Proxy(devnet.info.devnet.rpcUrl)
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await proxy?.close()
    await devnet?.stop()
  }, 60_000)

  it('a client that starts late fills the gap over req/resp, from peers that announced it, verified like gossip', async () => {
    expect(devnet.info.fullNodes?.map((n) => n.kind)).toEqual(['archival', 'pruned'])
    for (const n of devnet.info.fullNodes!) expect(devnet.info.bootstrap).toContain(n.addrs[0])
    // well past the pruned node's 32-block window
    const h0 = await untilDevnetHeight(44, 60_000)
    proxy.pin(await beforeFirstCheckpoint(devnet.info)) // an L1 RPC that is behind: no mined checkpoint is visible
    const before = await nodes()
    const t0 = performance.now()
    client = await openNodeClient(config(), { storeName: 'syncer-late', reqresp: { statusIntervalMs: 1_000 } })
    // timeline: first status answer, first header fetched, gap filled
    const marks: Record<string, number> = {}
    const unsubMarks = client.subscribe((x) => {
      const at = Math.round(performance.now() - t0)
      if (marks.status === undefined && x.peers.some((p) => p.reqresp?.announced)) marks.status = at
      if (marks.firstHeader === undefined && (x.sync?.headersFetched ?? 0) > 0) marks.firstHeader = at
    })
    await client.start()
    const s = await waitForSnapshot(client, (x) => (x.sync?.base ?? 0) >= h0 && (x.sources.reqresp?.accepted ?? 0) > 0, 40_000, `sync base ≥ ${h0}`)
    unsubMarks()
    const fillMs = Math.round(performance.now() - t0)
    console.log(
      `[syncer] late client joined at height ${h0}: first status ${marks.status} ms, first headers ${marks.firstHeader} ms, ` +
        `base ≥ ${h0} at ${fillMs} ms after client start (${s.sources.reqresp!.accepted} headers accepted from req/resp)`,
    )

    // every block up to where the client joined came over req/resp, verified, and links up
    const rr = s.sources.reqresp!
    expect(rr.accepted).toBeGreaterThanOrEqual(h0 - 8)
    expect(rr.rejected).toBe(0)
    expect(s.failures).toEqual([])
    expect(s.tips.mined).toBeNull()
    // (gossip may be a block ahead of the syncer at the tip: only heights up to h0 are settled)
    expect(client.engine.unlinkedBlocks().filter((b) => b.height <= h0)).toEqual([])
    for (let h = 1; h <= h0; h++) {
      const b = client.engine.canonicalBlock(h)
      expect(b, `block ${h}`).toBeDefined()
      // signed by its proposer (req/resp, gossip), or — for the last slot before the client joined —
      // first learnt from the gossiped checkpoint proposal with its committee's quorum
      expect(b!.checks.linkage, `block ${h} linked`).toBe(true)
      expect(b!.checks.proposerSignature === true || b!.checks.quorum === true, `block ${h} verified: ${JSON.stringify(b!.checks)}`).toBe(true)
    }
    // (read together, now: the syncer keeps following the tip after the snapshot above)
    // (it may accept one more between two reads: bracket the count)
    const acceptedBefore = client.snapshot().sources.reqresp!.accepted
    const fromReqResp = client.engine.latest(1000).filter((b) => b.source === 'reqresp').length
    const acceptedAfter = client.snapshot().sources.reqresp!.accepted
    expect(fromReqResp).toBeGreaterThanOrEqual(acceptedBefore)
    expect(fromReqResp).toBeLessThanOrEqual(acceptedAfter)

    // asked only peers that announced the range: the pruned node was never asked below its earliest height
    const after = await nodes()
    const [archival, pruned] = [after.find((n) => n.kind === 'archival')!, after.find((n) => n.kind === 'pruned')!]
    expect(pruned.status.earliestHeader).toBeGreaterThan(1)
    expect(pruned.counters.rangesBelowEarliest).toBe(0)
    expect(archival.counters.headersServed - before.find((n) => n.kind === 'archival')!.counters.headersServed).toBeGreaterThanOrEqual(pruned.status.earliestHeader - 1)
    const peers = client.peers()
    const archivalPeer = peers.find((p) => p.id === archival.peerId)!
    expect(archivalPeer.reqresp?.announced?.earliestHeader).toBe(1)
    expect(archivalPeer.reqresp!.items).toBeGreaterThan(0)
    const prunedAnnounced = peers.find((p) => p.id === pruned.peerId)!.reqresp?.announced
    expect(prunedAnnounced?.earliestBody).toBeGreaterThan(1)
    expect(prunedAnnounced?.earliestBody).toBeLessThanOrEqual(pruned.status.earliestBody)

    // bodies the pruned node dropped come from the archival node only, and verify against their headers
    const old = Array.from({ length: 10 }, (_, i) => client!.engine.canonicalBlock(i + 1)!).map((b) => ({ hash: b.hash as Hex, height: b.height }))
    const bodies = await client.reqresp.bodies(old)
    expect(bodies.size).toBe(10)
    for (const r of old) expect(await client.engine.onBody(r.hash, bodies.get(r.hash)!, 'reqresp')).toBe(true)
    const afterBodies = await nodes()
    expect(afterBodies.find((n) => n.kind === 'pruned')!.counters.bodiesRequests).toBe(0)
    expect(afterBodies.find((n) => n.kind === 'pruned')!.counters.bodiesMissing).toBe(0)
    expect(afterBodies.find((n) => n.kind === 'archival')!.counters.bodiesServed).toBeGreaterThanOrEqual(10)
    expect(client.engine.canonicalBlock(1)!.checks.body).toBe(true)

    // the L1 catches up: the mined chain is exactly what req/resp delivered (no reorg, nothing invalid)
    proxy.up()
    const m = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= h0, 40_000, `mined tip ≥ ${h0}`)
    expect(m.reorgs).toEqual([])
    expect(m.counts.invalid).toBe(0)
    expect(m.failures).toEqual([])
    expect(client.engine.canonicalBlock(h0)!.status).toMatch(/mined|finalized/)
    await client.stop()
    client = null
  }, 90_000)

  it('holds headers while the L1 RPC is down and verifies them, with backoff, once it answers', async () => {
    proxy.down()
    client = await openNodeClient(config(), { storeName: 'syncer-pending', reqresp: { statusIntervalMs: 1_000 } })
    await client.start()
    const held = await waitForSnapshot(client, (x) => (x.sync?.pending ?? 0) > 0 && (x.sync?.pendingRetries ?? 0) >= 2, 30_000, 'headers held and retried')
    expect(held.sources.reqresp!.accepted).toBe(0)
    expect(held.sources.reqresp!.rejected).toBe(0)
    expect(held.tips.proposed).toBeNull()
    expect(l1Totals(held.sources).failures).toBeGreaterThan(0)
    const heldCount = held.sync!.pending
    // reachable again, but behind: only the retries (not mined checkpoints) can verify them
    const t0 = performance.now()
    proxy.pin(await beforeFirstCheckpoint(devnet.info))
    const done = await waitForSnapshot(client, (x) => x.sync?.pending === 0 && (x.sync?.pendingResolved ?? 0) >= heldCount, 30_000, 'pending resolved')
    console.log(`[syncer] ${heldCount} held headers verified ${Math.round(performance.now() - t0)} ms after the L1 came back (${done.sync!.pendingRetries} retries)`)
    // resolved by the retries: verified and accepted (or, for a few, delivered meanwhile by gossip)
    expect(done.sources.reqresp!.accepted).toBeGreaterThan(0)
    expect(done.sync!.headersAccepted).toBe(done.sources.reqresp!.accepted)
    expect(done.sync!.pendingExpired).toBe(0)
    expect(done.sources.reqresp!.rejected).toBe(0)
    expect(done.failures.filter((f) => f.severity === 'hard')).toEqual([])
    // retried headers can land child-before-parent: each is linked as soon as its parent is accepted,
    // and the archival node serves everything, so nothing is left unavailable or unlinked
    await waitForSnapshot(client, () => client!.engine.unlinkedBlocks().filter((b) => b.height <= done.sync!.base).length === 0, 15_000, 'every retried header linked')
    expect(client.snapshot().sync!.unavailableBelow).toBeNull()
    expect(client.engine.canonicalBlock(1)).toBeDefined()
    proxy.up()
  }, 90_000)

  it('refuse-ranges (switched at run time): full nodes still announce but answer empty; the client records it and moves on', async () => {
    const admin = devnet.info.devnet.adminUrl!
    const c = client!
    const b1 = c.engine.canonicalBlock(1)!
    expect((await fetch(`${admin}/admin/faults/refuse-ranges`, { method: 'POST' })).status).toBe(200)
    try {
      const failuresBefore = c.snapshot().sources.reqresp!.failures
      await expect(c.reqresp.headersByRange(1, 8)).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' })
      expect((await c.reqresp.bodies([{ hash: b1.hash as Hex, height: b1.height }])).size).toBe(0)
      expect(c.snapshot().sources.reqresp!.failures).toBeGreaterThan(failuresBefore)
      const archival = (await nodes()).find((n) => n.kind === 'archival')!
      expect(archival.counters.refused).toBeGreaterThanOrEqual(2)
      const log = (await (await fetch(`${admin}/admin/faults?fault=refuse-ranges`)).json()) as { actions: unknown[] }
      expect(log.actions.length).toBeGreaterThanOrEqual(2)
    } finally {
      await fetch(`${admin}/admin/faults/refuse-ranges`, { method: 'DELETE' })
    }
    // served again (a fresh peer pick: the refusals benched nobody for long)
    const again = await c.reqresp.headersByRange(1, 8)
    expect(again.headers.map((h) => h.header.height)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  }, 30_000)
})
