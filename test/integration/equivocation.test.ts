/**
 * Equivocation (issue 3 item 9) against a real devnet with `--fault equivocate`: per slot the
 * proposer gossips two different last blocks (same slot and index) and two checkpoint
 * proposals, the validators attest both, and the second is posted. The client must store
 * evidence of all three kinds (double proposal, double checkpoint proposal, conflicting
 * attestations) that anyone can re-check from the record alone, keep the first-seen block
 * until L1 decides, then reorg onto the mined one with cause 'equivocation' — without
 * penalising the peers that relayed the equivocations (verdict ignore, not reject).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { EvidenceRecord } from '../../src/client/shared/types'
import type { Address, Hex } from '../../src/core/types'
import { hexToBytes } from '../../src/protocol/bytes'
import { decodeHeader, headerHash } from '../../src/protocol/header'
import { checkpointDigest, decodeCheckpoint } from '../../src/protocol/checkpoint'
import { signingDigest, type SigningDomain } from '../../src/protocol/domain'
import { initCrypto, recoverAddress } from '../../src/verify/secp256k1'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { cachedAdmin, rollupTip, until } from './faults-admin'

/** Re-checks a record from its own contents: both signatures by the offender, two different items for one position. */
function verifyEvidence(domain: SigningDomain, e: EvidenceRecord): void {
  expect(e.hashes[0]).not.toBe(e.hashes[1])
  for (const i of [0, 1] as const) {
    const item = hexToBytes(e.items[i])
    if (e.kind === 'double-proposal') {
      const h = decodeHeader(item)
      expect(headerHash(h)).toBe(e.hashes[i])
      expect([h.slot, h.indexInCheckpoint, h.proposer.toLowerCase()]).toEqual([e.slot, e.index, e.offender])
      expect(recoverAddress(signingDigest(domain, 'BlockProposal', e.hashes[i]), hexToBytes(e.signatures[i]))).toBe(e.offender)
    } else {
      const cp = decodeCheckpoint(item)
      expect(checkpointDigest(cp)).toBe(e.hashes[i])
      expect(cp.slot).toBe(e.slot)
      const kind = e.kind === 'double-checkpoint-proposal' ? 'CheckpointProposal' : 'CheckpointAttestation'
      expect(recoverAddress(signingDigest(domain, kind, e.hashes[i]), hexToBytes(e.signatures[i]))).toBe(e.offender)
    }
  }
}

describe('equivocate: evidence, first-seen, and the mined chain deciding', () => {
  let devnet: DevnetProcess
  let client: LightClient

  beforeAll(async () => {
    await initCrypto()
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16', '--fault', 'equivocate'])
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await devnet?.stop()
  }, 60_000)

  it('stores verifiable evidence of double proposals, double checkpoint proposals and conflicting attestations', async () => {
    client = await openNodeClient(devnet.info, { storeName: `equivocation-${devnet.pid}` })
    await client.start()
    const domain: SigningDomain = { l1ChainId: devnet.info.l1.chainId, rollup: devnet.info.l1.rollup.toLowerCase() as Address }
    const actionsNow = cachedAdmin(devnet.info, '?fault=equivocate')

    // double proposals whose first block the client held (it saw both), now decided by L1
    type Twin = { slot: number; index: number; height: number; proposer: Address; first: Hex; second: Hex }
    const decided = await until(
      client,
      async (s) => {
        if ((s.evidence?.count ?? 0) === 0) return null
        const twins: Twin[] = []
        for (const a of (await actionsNow()).actions) {
          if (a.detail.kind !== 'double-proposal') continue
          const t = a.detail as unknown as Twin
          const first = await client.store.getBlock(t.first)
          const second = await client.store.getBlock(t.second)
          if (first && (second?.status === 'mined' || second?.status === 'finalized')) twins.push(t)
        }
        return twins.length >= 2 ? twins : null
      },
      75_000,
      'two double proposals seen by the client and decided by L1',
    )

    const evidence = await client.evidence({ limit: 1000 })
    const kinds = new Set(evidence.map((e) => e.kind))
    expect(kinds).toEqual(new Set(['double-proposal', 'double-checkpoint-proposal', 'conflicting-attestation']))
    for (const e of evidence) verifyEvidence(domain, e)

    const reorgs = client.engine.getReorgs()
    for (const t of decided) {
      // evidence of exactly this pair
      const ev = evidence.find((e) => e.kind === 'double-proposal' && e.slot === t.slot && e.index === t.index)
      expect(ev?.hashes).toEqual([t.first, t.second])
      expect(ev?.offender).toBe(t.proposer.toLowerCase())
      // the proposer double-signed the slot's checkpoint, and every committee member attested both
      expect(evidence.some((e) => e.kind === 'double-checkpoint-proposal' && e.slot === t.slot && e.offender === t.proposer.toLowerCase())).toBe(true)
      expect(evidence.filter((e) => e.kind === 'conflicting-attestation' && e.slot === t.slot).length).toBe(16)
      // first seen was kept until L1 mined the second: then a reorg of depth 1 caused by the equivocation
      expect((await client.store.getBlock(t.first))?.status).toBe('orphaned')
      expect(client.engine.canonicalBlock(t.height)?.hash).toBe(t.second)
      const r = reorgs.find((x) => x.fromHeight === t.height)
      expect(r).toMatchObject({ cause: 'equivocation', depth: 1, oldHashes: [t.first], newHashes: [t.second] })
    }

    const s = client.snapshot()
    expect(s.evidence!.count).toBe(evidence.length)
    expect(s.evidence!.recent.length).toBeGreaterThan(0)
    // equivocations are valid signed data: ignored (not forwarded), never rejected, so no relay is penalised
    expect(s.sources.gossip!.rejected).toBe(0)
    for (const p of s.peers) expect(p.score ?? 0).toBeGreaterThanOrEqual(0)
    expect(s.counts.invalid).toBe(0)
    // ends on the mined chain
    const tip = await rollupTip(devnet.info)
    await until(client, (x) => ((x.tips.mined?.height ?? 0) >= tip.height ? true : null), 30_000, `mined tip ≥ ${tip.height}`)
    expect(client.engine.canonicalBlock(tip.height)?.hash).toBe(tip.blockHash)
    expect(await client.store.checkConsistency()).toEqual([])
  }, 170_000)
})
