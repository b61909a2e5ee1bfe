/**
 * L1 reorgs and finality (issue 3 item 6) against a real devnet with `--fault l1-reorg`: after
 * each checkpoint lands, anvil_reorg drops its L1 block and the proposer re-posts it, so the
 * same checkpoint ends up in another L1 block. The client must roll the mined status of those
 * blocks back (a reorg record with cause 'l1-reorg'), mine them again at the new L1 block, and
 * never call anything finalized that L1's `finalized` block does not cover.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { ClientSnapshot } from '../../src/client/shared/types'
import type { Hex } from '../../src/core/types'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { cachedAdmin, l1Client, rollupTip, until } from './faults-admin'
import { l1Totals } from '../helpers/l1-stats'

interface L1Reorg {
  checkpointNumber: number
  headerHashes: Hex[]
  depth: number
  dropped: { l1BlockNumber: number; l1BlockHash: Hex }
  reposted: { l1BlockNumber: number; l1BlockHash: Hex }
}

describe('l1-reorg: mined status follows the L1 chain, finalized follows L1 finality', () => {
  let devnet: DevnetProcess
  let client: LightClient

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16', '--fault', 'l1-reorg'])
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await devnet?.stop()
  }, 60_000)

  it('rolls mined back on an L1 reorg, re-mines at the new L1 block, and never finalizes past L1 finality', async () => {
    client = await openNodeClient(devnet.info, { storeName: `reorg-l1-${devnet.pid}` })
    await client.start()
    const l1 = l1Client(devnet.info)
    const actionsNow = cachedAdmin(devnet.info, '?fault=l1-reorg')

    // the finality invariant, checked on every snapshot: the checkpoint of the finalized tip sits in
    // an L1 block at or below L1's finalized block (read after the snapshot: it only grows), and
    // that block is in L1's chain
    const violations: string[] = []
    let finalityChecks = 0
    const checkFinality = async (s: ClientSnapshot) => {
      const tip = s.tips.finalized
      if (!tip) return
      const row = await client.store.getBlock(tip.hash)
      const cps = row ? await client.store.checkpointsWithBlock(row.checkpointNumber, tip.hash) : []
      const cp = cps.find((c) => c.status === 'finalized')
      if (!cp?.l1) return void violations.push(`finalized tip ${tip.height} has no finalized checkpoint with an L1 block`)
      const fin = await l1.getBlock({ blockTag: 'finalized' })
      if (cp.l1.blockNumber > Number(fin.number)) violations.push(`finalized tip ${tip.height} is in L1 block ${cp.l1.blockNumber} > L1 finalized ${fin.number}`)
      const atL1 = await l1.getBlock({ blockNumber: BigInt(cp.l1.blockNumber) })
      if (atL1.hash !== cp.l1.blockHash) violations.push(`finalized checkpoint ${cp.checkpointNumber} names L1 block ${cp.l1.blockHash}, L1 has ${atL1.hash}`)
      finalityChecks++
    }

    // L1 reorgs the client saw: it had the checkpoint mined in the dropped block, rolled it back, and mined it again
    const seen = await until(
      client,
      async (s) => {
        await checkFinality(s)
        const out: L1Reorg[] = []
        const reorgs = client.engine.getReorgs().filter((r) => r.cause === 'l1-reorg')
        for (const a of (await actionsNow()).actions) {
          if (a.detail.skipped) continue
          const d = a.detail as unknown as L1Reorg
          if (!reorgs.some((r) => d.headerHashes.every((h) => r.oldHashes.includes(h)))) continue
          const rows = await Promise.all(d.headerHashes.map((h) => client.store.getBlock(h)))
          if (rows.every((r) => r?.status === 'mined' || r?.status === 'finalized')) out.push(d)
        }
        return out.length >= 2 && finalityChecks >= 3 ? out : null
      },
      80_000,
      'two L1 reorgs rolled back and re-mined by the client, and a finalized tip',
    )

    for (const d of seen) {
      expect(d.reposted.l1BlockHash).not.toBe(d.dropped.l1BlockHash)
      const r = client.engine.getReorgs().find((x) => x.cause === 'l1-reorg' && d.headerHashes.every((h) => x.oldHashes.includes(h)))!
      // only mined status was lost: nothing was replaced, so no new hashes
      expect(r.newHashes).toEqual([])
      expect(r.depth).toBeGreaterThanOrEqual(d.headerHashes.length)
      // mined again, at the re-posted L1 block
      const cps = await client.store.checkpointsWithBlock(d.checkpointNumber, d.headerHashes[0]!)
      const live = cps.filter((c) => c.status === 'mined' || c.status === 'finalized')
      expect(live).toHaveLength(1)
      expect(live[0]!.l1).toMatchObject({ blockNumber: d.reposted.l1BlockNumber, blockHash: d.reposted.l1BlockHash })
      for (const h of d.headerHashes) {
        const row = await client.store.getBlock(h)
        expect(row?.checks.l1Inclusion).toBe(true)
        // the history shows the round trip: mined → attested (rolled back) → mined
        const statuses = row!.history.map(([st]) => st)
        const mined = statuses.indexOf('mined')
        const rolledBack = statuses.indexOf('attested', mined + 1)
        expect(mined).toBeGreaterThanOrEqual(0)
        expect(rolledBack).toBeGreaterThan(mined)
        expect(statuses.indexOf('mined', rolledBack + 1)).toBeGreaterThan(rolledBack)
      }
    }
    expect(violations).toEqual([])

    // ends on the mined chain, with every block still valid
    const tip = await rollupTip(devnet.info)
    await until(client, (x) => ((x.tips.mined?.height ?? 0) >= tip.height ? true : null), 30_000, `mined tip ≥ ${tip.height}`)
    expect(client.engine.canonicalBlock(tip.height)?.hash).toBe(tip.blockHash)
    const s = client.snapshot()
    expect(s.counts.invalid).toBe(0)
    expect(l1Totals(s.sources).rejected).toBe(0)
    await checkFinality(s)
    expect(violations).toEqual([])
    expect(await client.store.checkConsistency()).toEqual([])
  }, 170_000)
})
