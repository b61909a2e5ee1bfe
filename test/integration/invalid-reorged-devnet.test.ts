/**
 * `short-quorum` together with `l1-reorg` on a live devnet (docs/faults.md): the proposer posts
 * a checkpoint with quorum − 1 attestations, the client marks it invalid, L1 reorgs it away and
 * the proposer re-posts it with every attestation. The client must drop the invalid verdict with
 * the L1 block (a CHECKPOINT_REORGED_OUT failure), take the blocks back to their provisional
 * status, mine them at the new L1 block, and keep following the chain after them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { Hex } from '../../src/core/types'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { adminGet, adminSet, cachedAdmin, until } from './faults-admin'
import { l1Totals } from '../helpers/l1-stats'

interface Reposted {
  checkpointNumber: number
  headerHashes: Hex[]
  dropped: { l1BlockNumber: number; l1BlockHash: Hex }
  reposted: { l1BlockNumber: number; l1BlockHash: Hex }
  restoredQuorum?: number
}

describe('short-quorum + l1-reorg: an invalid checkpoint reorged out of L1', () => {
  let devnet: DevnetProcess
  let client: LightClient

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16', '--fault', 'l1-reorg'])
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await devnet?.stop()
  }, 60_000)

  it('drops the invalid verdict with its L1 block, mines the re-posted checkpoint and follows the chain on', async () => {
    client = await openNodeClient(devnet.info, { storeName: `invalid-reorged-${devnet.pid}` })
    await client.start()
    await until(client, (s) => ((s.tips.mined?.height ?? 0) >= 4 ? true : null), 60_000, 'mined tip ≥ 4')

    expect((await adminSet(devnet.info, 'short-quorum', true)).status).toBe(200)
    const sq = await until(client, async () => (await adminGet(devnet.info, '?fault=short-quorum')).actions[0] ?? null, 30_000, 'a short-quorum action')
    const n = (sq.detail as { checkpointNumber: number }).checkpointNumber
    expect(sq.detail).toMatchObject({ attestations: 10, quorum: 11 })

    // the devnet dropped the short checkpoint's L1 block and re-posted it whole
    const reorgs = cachedAdmin(devnet.info, '?fault=l1-reorg')
    const d = await until(
      client,
      async () => ((await reorgs()).actions.map((a) => a.detail as unknown as Reposted).find((x) => x.checkpointNumber === n && x.restoredQuorum) ?? null),
      30_000,
      `checkpoint ${n} re-posted with its quorum`,
    )
    expect(d.restoredQuorum).toBeGreaterThanOrEqual(11)

    // the client saw it invalid, lost the verdict with the L1 block, and mined it at the new one
    await until(
      client,
      async (s) => {
        const rows = await Promise.all(d.headerHashes.map((h) => client.store.getBlock(h)))
        return s.counts.invalid === 0 && rows.every((r) => r?.status === 'mined' || r?.status === 'finalized') ? true : null
      },
      30_000,
      `checkpoint ${n}'s blocks mined again`,
    )
    for (const h of d.headerHashes) {
      const row = (await client.store.getBlock(h))!
      expect(row.error).toBeNull()
      const statuses = row.history.map(([st]) => st)
      const invalid = statuses.indexOf('invalid')
      expect(invalid, `history of ${h}: ${statuses.join(' → ')}`).toBeGreaterThan(0)
      // back to what it was before (a provisional status), then mined
      expect(['proposed', 'attested']).toContain(statuses[invalid + 1])
      expect(statuses[invalid + 1]).toBe(statuses[invalid - 1])
      expect(statuses.indexOf('mined', invalid)).toBeGreaterThan(invalid)
    }
    const failure = client.engine.getFailures().find((f) => f.code === 'CHECKPOINT_REORGED_OUT')
    expect(failure).toMatchObject({ severity: 'soft', details: { checkpoint: n, wasCode: 'QUORUM_NOT_REACHED', l1BlockNumber: d.dropped.l1BlockNumber, l1BlockHash: d.dropped.l1BlockHash } })
    const cps = await client.store.checkpointsWithBlock(n, d.headerHashes[0]!)
    const live = cps.filter((c) => c.status === 'mined' || c.status === 'finalized')
    expect(live).toHaveLength(1)
    expect(live[0]!.l1).toMatchObject({ blockNumber: d.reposted.l1BlockNumber, blockHash: d.reposted.l1BlockHash })
    expect(await client.store.checkpointsWithStatus('invalid', 10)).toEqual([])

    // not poisoned: the next checkpoints, built on it, are mined too
    const top = (await client.store.getBlock(d.headerHashes.at(-1)!))!.height
    await until(client, (s) => ((s.tips.mined?.height ?? 0) >= top + 8 ? true : null), 30_000, `mined tip ≥ ${top + 8}`)
    const s = client.snapshot()
    expect(s.counts.invalid).toBe(0)
    expect(l1Totals(s.sources).rejected).toBe(1) // the short checkpoint, once
    expect(await client.store.checkConsistency()).toEqual([])
  }, 150_000)
})
