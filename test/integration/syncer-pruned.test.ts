/**
 * `--fault pruned-only`: the devnet starts no archival node, only the pruned full node (newest
 * 32 heights). A late client whose L1 RPC is behind syncs what the pruned node holds over
 * req/resp (verified, linked among themselves), says which heights are unavailable, never asks
 * the pruned node for bodies it dropped, and links the rest once L1 delivers the mined chain.
 */
import { beforeFirstCheckpoint } from './faults-admin'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { Hex } from '../../src/core/types'
import { fullNodes, startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { pollUntil } from '../helpers/wait'
import { startL1Proxy, type L1Proxy } from '../helpers/l1-proxy'
import { waitForSnapshot } from '../helpers/client'

describe('--fault pruned-only', () => {
  let devnet: DevnetProcess
  let proxy: L1Proxy
  let client: LightClient | null = null
  const prunedNode = async () => (await fullNodes(devnet))[0]!
  /** The devnet's progress has no push channel: poll its status endpoint. */
  const untilPrunedEarliest = async (min: number, timeoutMs: number) => {
    let from = -1
    return pollUntil(
      async () => {
        const n = await prunedNode()
        from = n.status.earliestHeader
        return from >= min ? n : null
      },
      { timeoutMs, what: `the pruned node to drop heights below ${min}`, context: () => `pruned node still holds from ${from}` },
    )
  }

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '8', '--committee', '16', '--fault', 'pruned-only'])
    proxy = await startL1Proxy(devnet.info.devnet.rpcUrl)
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await proxy?.close()
    await devnet?.stop()
  }, 60_000)

  it('syncs what the pruned node holds, and asks it for nothing it dropped', async () => {
    expect(devnet.info.fullNodes?.map((n) => n.kind)).toEqual(['pruned'])
    // the pruned node has dropped the first blocks
    const start = await untilPrunedEarliest(9, 60_000)
    const h0 = start.status.latest
    proxy.pin(await beforeFirstCheckpoint(devnet.info)) // L1 behind: nothing mined is visible, only req/resp can deliver history
    const t0 = performance.now()
    // req/resp alone: no backup L2 RPC, which would fill what the pruned node dropped
    const { l2RpcUrl: _rpc, ...config } = devnet.info
    client = await openNodeClient({ ...config, l1: { ...devnet.info.l1, rpcUrls: [proxy.url], quorum: 1 } }, { storeName: 'syncer-pruned-only', reqresp: { statusIntervalMs: 1_000 } })
    await client.start()
    const s = await waitForSnapshot(client, (x) => (x.sync?.base ?? 0) >= h0 && x.sync?.unavailableBelow != null, 40_000, `base ≥ ${h0} with a pruned lower edge`)
    const lowest = s.sync!.unavailableBelow!
    console.log(`[syncer] pruned-only: synced ${lowest}..${s.sync!.base} in ${Math.round(performance.now() - t0)} ms; heights below ${lowest} unavailable from any peer`)
    expect(lowest).toBeGreaterThan(start.status.earliestHeader)
    expect(s.sources.reqresp!.accepted).toBeGreaterThanOrEqual(h0 - lowest + 1 - 8)
    expect(s.sources.reqresp!.rejected).toBe(0)
    expect(s.failures).toEqual([])
    // held: lowest..base, each verified; nothing below; the segment's bottom waits for its parent
    expect(client.engine.canonicalBlock(lowest - 1)).toBeUndefined()
    for (let h = lowest; h <= h0; h++) expect(client.engine.canonicalBlock(h)?.checks.proposerSignature, `block ${h}`).toBe(true)
    // (gossip may be a block ahead of the syncer at the tip: only heights up to h0 are settled)
    expect(client.engine.unlinkedBlocks().filter((b) => b.height <= h0).map((b) => b.height)).toEqual([lowest])
    const n1 = await prunedNode()
    expect(n1.counters.rangesBelowEarliest).toBe(0)
    expect(n1.counters.headersServed).toBeGreaterThan(0)

    // once the node has pruned the bottom of what we synced, its bodies are not asked of it at all
    const bottom = Array.from({ length: 4 }, (_, i) => client!.engine.canonicalBlock(lowest + i)!).map((b) => ({ hash: b.hash as Hex, height: b.height }))
    await waitForSnapshot(client, (x) => x.peers.some((p) => (p.reqresp?.announced?.earliestBody ?? 0) > lowest + 4), 30_000, 'the pruned node announcing a higher edge')
    const got = await client.reqresp.bodies(bottom)
    expect(got.size).toBe(0)
    const n2 = await prunedNode()
    expect(n2.counters.bodiesRequests).toBe(0)
    expect(n2.counters.bodiesMissing).toBe(0)
    // while bodies it still holds are asked of it, and verify
    const top = client.engine.canonicalBlock(h0)!
    const recent = await client.reqresp.bodies([{ hash: top.hash as Hex, height: top.height }])
    expect(await client.engine.onBody(top.hash as Hex, recent.get(top.hash as Hex)!, 'reqresp')).toBe(true)
    expect((await prunedNode()).counters.bodiesServed).toBe(1)

    // L1 catches up: mined checkpoints bring the history the pruned node no longer has, and it links up
    proxy.up()
    const m = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= h0, 40_000, `mined ≥ ${h0}`)
    expect(m.reorgs).toEqual([])
    expect(m.counts.invalid).toBe(0)
    expect(client.engine.canonicalBlock(lowest)!.checks.linkage).toBe(true)
    expect(client.engine.unlinkedBlocks().filter((b) => b.height <= h0)).toEqual([])
  }, 90_000)
})
