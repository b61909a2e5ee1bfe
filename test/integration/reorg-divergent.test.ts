/**
 * Provisional vs mined (issue 3 item 6) against a real devnet with `--fault divergent-checkpoint`:
 * the proposer gossips a slot's blocks, then posts to L1 a checkpoint whose last r blocks
 * (r = 1..4, varying) are different ones it never gossiped. The client must record one reorg per
 * such checkpoint whose depth is exactly r (the devnet reports what it replaced on its admin
 * endpoint), orphan exactly the gossiped blocks, keep the next slot's blocks (built on the
 * replacements before the client saw them), end on the mined chain, and fetch the replacements'
 * bodies through the historical path (full mode: not from gossip).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { FaultAction } from '../../src/devnet/faults'
import type { Hex } from '../../src/core/types'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { cachedAdmin, rollupTip, until } from './faults-admin'
import { l1Totals } from '../helpers/l1-stats'

interface Divergence {
  slot: number
  checkpointNumber: number
  replaced: number
  fromHeight: number
  gossiped: Hex[]
  posted: Hex[]
}

describe('divergent-checkpoint: the mined chain replaces provisional blocks', () => {
  let devnet: DevnetProcess
  let client: LightClient

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16', '--fault', 'divergent-checkpoint'])
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await devnet?.stop()
  }, 60_000)

  it('records a reorg of exactly the replaced depth per divergent checkpoint and ends on the mined chain', async () => {
    client = await openNodeClient({ ...devnet.info, mode: 'full' }, { storeName: `reorg-divergent-${devnet.pid}` })
    await client.start()
    const store = client.store

    // divergent checkpoints whose gossiped blocks all reached the client and whose posted blocks it holds as mined
    const actionsNow = cachedAdmin(devnet.info, '?fault=divergent-checkpoint')
    const observed = async (): Promise<Divergence[]> => {
      const { actions } = await actionsNow()
      const out: Divergence[] = []
      for (const a of actions as FaultAction[]) {
        const d = a.detail as unknown as Divergence
        const gossiped = await Promise.all(d.gossiped.map((h) => store.getBlock(h)))
        const posted = await Promise.all(d.posted.map((h) => store.getBlock(h)))
        if (gossiped.every((r) => r !== undefined) && posted.every((r) => r?.status === 'mined' || r?.status === 'finalized')) out.push(d)
      }
      return out
    }
    const divergences = await until(client, async () => {
      const ds = await observed()
      return ds.length >= 3 ? ds : null
    }, 75_000, '3 divergent checkpoints seen provisionally by the client, then mined')

    const reorgs = client.engine.getReorgs()
    const evidence = await client.evidence({ limit: 1000 })
    const depths = new Set<number>()
    for (const d of divergences) {
      expect(d.replaced).toBe(d.gossiped.length)
      const r = reorgs.find((x) => x.fromHeight === d.fromHeight)
      expect(r, `a reorg from height ${d.fromHeight} (checkpoint ${d.checkpointNumber})`).toBeDefined()
      // 'equivocation' when the client also saw the proposer's signed replacements (req/resp from
      // full nodes) before L1 mined them: then it holds the evidence for that position
      expect(['checkpoint-mismatch', 'equivocation']).toContain(r!.cause)
      if (r!.cause === 'equivocation') expect(evidence.some((e) => e.kind === 'double-proposal' && e.slot === d.slot && e.hashes.includes(d.gossiped[0]!))).toBe(true)
      // exact: the replaced provisional blocks, nothing more (the next slot's blocks descend from the replacements)
      expect(r!.depth).toBe(d.replaced)
      expect(r!.oldHashes).toEqual(d.gossiped)
      expect(r!.newHashes).toEqual(d.posted)
      depths.add(d.replaced)
      for (const h of d.gossiped) expect((await store.getBlock(h))?.status).toBe('orphaned')
      for (const h of d.posted) {
        const row = await store.getBlock(h)
        expect(['mined', 'finalized']).toContain(row?.status)
        expect(row?.checks.l1Inclusion).toBe(true)
        expect(client.engine.canonicalBlock(row!.height)?.hash).toBe(h)
      }
      // the next block (first of the next slot) stays canonical: it was built on the replacement
      const next = client.engine.canonicalBlock(d.fromHeight + d.replaced)
      if (next) expect(next.parentHash).toBe(d.posted.at(-1))
    }
    expect(depths.size).toBeGreaterThan(1) // the devnet varies r, so depth is really measured

    // the replacements' bodies were never gossiped: full mode fetches them through the historical path
    const posted = divergences.flatMap((d) => d.posted)
    await until(
      client,
      async () => {
        const rows = await Promise.all(posted.map((h) => store.getBlock(h)))
        return rows.every((r) => r?.checks.body === true) ? rows : null
      },
      45_000,
      'bodies of every replacement block',
    ).then((rows) => {
      for (const r of rows) expect(r!.bodySource).not.toBe('gossip')
    })

    // ends on the mined chain: the client's canonical block at L1's tip height is L1's tip
    const tip = await rollupTip(devnet.info)
    await until(client, (s) => ((s.tips.mined?.height ?? 0) >= tip.height ? true : null), 30_000, `mined tip ≥ ${tip.height}`)
    expect(client.engine.canonicalBlock(tip.height)?.hash).toBe(tip.blockHash)
    const s = client.snapshot()
    expect(s.counts.invalid).toBe(0)
    expect(s.failures.filter((f) => f.severity === 'hard')).toEqual([])
    expect(l1Totals(s.sources).rejected).toBe(0)
    expect(await store.checkConsistency()).toEqual([])
  }, 170_000)
})
