/**
 * Snapshot verification as a pure judgement (src/verify/snapshot.ts): a snapshot built here
 * against facts crafted here — what L1 would say about it — and each rule failing on the one
 * fact that breaks it. `verifySnapshot` (src/sources/snapshot.ts) reads the same facts from an
 * L1 port and comes to the same verdict.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { ChainBuilder, validatorKeys, type Validator } from '../../src/devnet/builder'
import { checkpointDigest, encodeAttestationSignatures } from '../../src/protocol/checkpoint'
import { SNAPSHOT_VERSION, type Snapshot } from '../../src/protocol/snapshot'
import { initCrypto } from '../../src/verify/secp256k1'
import { MAX_WINDOW_L1_BLOCKS, judgeSnapshot, type SnapshotFacts } from '../../src/verify/snapshot'
import { verifySnapshot } from '../../src/sources/snapshot'
import type { L1Port } from '../../src/ports/l1'
import { MemoryL1 } from '../helpers/memory-l1'

const DOMAIN = { l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address }
const L2 = 7771
const OPTS = { domain: DOMAIN, l2ChainId: L2 }
const NOW = 1_800_000_000_000
const SCHEDULE = { genesisTime: 1_700_000_000, slotDuration: 12, epochDuration: 32 }
const hex32 = (b: number) => `0x${b.toString(16).padStart(2, '0').repeat(32)}` as Hex

let vals: Validator[]
let builder: ChainBuilder
let genuine: Snapshot

const fresh = (): Snapshot => structuredClone(genuine)

/** What L1 says about `s` when everything in it is true. */
function factsFor(s: Snapshot): SnapshotFacts {
  const anchor = s.checkpoints.at(-1)!
  return {
    now: NOW,
    anchorBlock: { number: anchor.l1.blockNumber, hash: anchor.l1.blockHash, timestamp: NOW / 1000 - 60 },
    events: s.checkpoints.map((c, i) => {
      const digest = checkpointDigest(c.checkpoint)
      return {
        checkpointNumber: c.checkpoint.checkpointNumber,
        digest,
        attestationsBytes: encodeAttestationSignatures(builder.attest(digest, vals)),
        txBlobVersionedHashes: [...c.checkpoint.blobVersionedHashes],
        txHash: c.l1.txHash,
        l1BlockNumber: c.l1.blockNumber,
        l1BlockHash: c.l1.blockHash,
        logIndex: i,
      }
    }),
    schedule: SCHEDULE,
    committees: new Map([[0, vals.map((v) => v.address.toLowerCase() as Address)]]),
    finalized: anchor.l1.blockNumber - 1,
    head: anchor.l1.blockNumber + 2,
  }
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn()
    return 'ok'
  } catch (e) {
    return e instanceof VigilError ? e.code : `not a VigilError: ${String(e)}`
  }
}

beforeAll(async () => {
  await initCrypto()
  vals = validatorKeys(4)
  builder = new ChainBuilder(DOMAIN, L2, { blobToCommitment: () => new Uint8Array(48) })
  const checkpoints = [1, 2, 3].map((slot) => {
    const blocks = [0, 1].map((i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer: vals[slot % 4]! }))
    const cp = builder.buildCheckpoint(blocks, vals[slot % 4]!)
    return { checkpoint: cp.checkpoint, headerSignatures: blocks.map((x) => x.proposal.signature), l1: { blockNumber: 100 + slot, blockHash: hex32(slot), txHash: hex32(0x10 + slot) } }
  })
  const anchorDigest = checkpointDigest(checkpoints[2]!.checkpoint)
  genuine = {
    version: SNAPSHOT_VERSION,
    l2ChainId: L2,
    rollup: DOMAIN.rollup,
    createdAt: NOW - 30_000,
    checkpoints,
    attestations: builder.attest(anchorDigest, vals),
    committee: { epoch: 0, members: vals.map((v) => v.address.toLowerCase() as Address) },
  }
})

describe('judgeSnapshot', () => {
  it('a true snapshot: every checkpoint quorum-verified, the L1 cursor at the anchor', () => {
    const seg = judgeSnapshot(fresh(), factsFor(genuine), OPTS)
    expect(seg.source).toBe('snapshot')
    expect(seg.checkpoints.map((c) => c.checkpoint.checkpointNumber)).toEqual(genuine.checkpoints.map((c) => c.checkpoint.checkpointNumber))
    expect(seg.checkpoints.every((c) => c.signers.length === 4 && c.committeeSize === 4)).toBe(true)
    expect(seg.l1Cursor).toEqual({ blockNumber: 103, blockHash: hex32(3) })
    expect(seg.l1Finalized).toBe(102)
    expect(seg.l1Head).toBe(105)
  })

  it("a digest L1 does not hold: CHECKPOINT_MISMATCH", () => {
    const f = factsFor(genuine)
    f.events[1]!.digest = hex32(0x77)
    expect(codeOf(() => judgeSnapshot(fresh(), f, OPTS))).toBe('CHECKPOINT_MISMATCH')
  })

  it('a checkpoint with no event in the window: SNAPSHOT_NOT_ON_L1', () => {
    const f = factsFor(genuine)
    f.events.splice(1, 1)
    expect(codeOf(() => judgeSnapshot(fresh(), f, OPTS))).toBe('SNAPSHOT_NOT_ON_L1')
  })

  it("a short quorum — in an earlier checkpoint's L1 calldata, or the anchor's attestations — is QUORUM_NOT_REACHED", () => {
    const f = factsFor(genuine)
    const d = f.events[0]!.digest
    f.events[0]!.attestationsBytes = encodeAttestationSignatures(builder.attest(d, vals.slice(0, 2)))
    expect(codeOf(() => judgeSnapshot(fresh(), f, OPTS))).toBe('QUORUM_NOT_REACHED')
    const s = fresh()
    s.attestations = s.attestations.slice(0, 2)
    expect(codeOf(() => judgeSnapshot(s, factsFor(genuine), OPTS))).toBe('QUORUM_NOT_REACHED')
  })

  it("the anchor's L1 block not on L1, or too old", () => {
    const f = factsFor(genuine)
    f.anchorBlock = { ...f.anchorBlock!, hash: hex32(0x99) }
    expect(codeOf(() => judgeSnapshot(fresh(), f, OPTS))).toBe('SNAPSHOT_NOT_ON_L1')
    expect(codeOf(() => judgeSnapshot(fresh(), { ...factsFor(genuine), anchorBlock: null }, OPTS))).toBe('SNAPSHOT_NOT_ON_L1')
    expect(codeOf(() => judgeSnapshot(fresh(), factsFor(genuine), { ...OPTS, maxAgeMs: 1_000 }))).toBe('SNAPSHOT_STALE')
  })

  it("another checkpoint after the anchor in its L1 block, other blob hashes, other L1 coordinates, a committee that is not L1's", () => {
    const later = factsFor(genuine)
    later.events.push({ ...later.events.at(-1)!, checkpointNumber: 99, logIndex: 7 })
    expect(codeOf(() => judgeSnapshot(fresh(), later, OPTS))).toBe('SNAPSHOT_INVALID')
    const blobs = factsFor(genuine)
    blobs.events[2]!.txBlobVersionedHashes = [hex32(0x01)]
    expect(codeOf(() => judgeSnapshot(fresh(), blobs, OPTS))).toBe('BLOB_HASH_MISMATCH')
    const tx = factsFor(genuine)
    tx.events[0]!.txHash = hex32(0x42)
    expect(codeOf(() => judgeSnapshot(fresh(), tx, OPTS))).toBe('SNAPSHOT_INVALID')
    const s = fresh()
    s.committee.members = [...s.committee.members].reverse()
    expect(codeOf(() => judgeSnapshot(s, factsFor(genuine), OPTS))).toBe('SNAPSHOT_INVALID')
  })

  it("a committee read that failed is thrown only where the judgement needs it", () => {
    const down = new VigilError('SOURCE_UNAVAILABLE', 'L1 down', { severity: 'soft' })
    const f = factsFor(genuine)
    f.committees = new Map([[0, { error: down }]])
    expect(codeOf(() => judgeSnapshot(fresh(), f, OPTS))).toBe('SOURCE_UNAVAILABLE')
    // a checkpoint missing on L1 is found first, as when L1 was read along the way
    f.events.splice(0, 1)
    expect(codeOf(() => judgeSnapshot(fresh(), f, OPTS))).toBe('SNAPSHOT_NOT_ON_L1')
  })

  it('the shape is judged before any fact: another chain, a gap, a window too wide to scan', () => {
    const chain = fresh()
    chain.l2ChainId += 1
    expect(codeOf(() => judgeSnapshot(chain, factsFor(genuine), OPTS))).toBe('WRONG_CHAIN')
    const gap = fresh()
    gap.checkpoints.splice(1, 1)
    expect(codeOf(() => judgeSnapshot(gap, factsFor(genuine), OPTS))).toBe('SNAPSHOT_INVALID')
    const wide = fresh()
    wide.checkpoints[0]!.l1.blockNumber = wide.checkpoints.at(-1)!.l1.blockNumber - MAX_WINDOW_L1_BLOCKS - 1
    expect(codeOf(() => judgeSnapshot(wide, factsFor(genuine), OPTS))).toBe('SNAPSHOT_INVALID')
  })
})

describe('verifySnapshot (reads the facts, then judges)', () => {
  /** The tests' one in-memory L1 port (test/helpers/memory-l1.ts) holding `f`, with what is asked recorded. */
  const portOf = (f: SnapshotFacts) => {
    const mem = new MemoryL1({ ...f.schedule, l2ChainId: L2, targetCommitteeSize: 4 }, (epoch) => {
      const c = f.committees.get(epoch)
      if (!c || !Array.isArray(c)) throw new VigilError('SOURCE_UNAVAILABLE', 'no committee', { severity: 'soft' })
      return c
    }, f.head! - f.finalized!)
    for (let n = f.finalized!; n <= f.head!; n++) mem.blocks.push(n === f.anchorBlock?.number ? f.anchorBlock : { number: n, hash: hex32(0xf0 + n - f.finalized!), timestamp: 0 })
    mem.mined.push(...f.events.map((e) => ({ ...e, slot: 0, checkpointBytes: new Uint8Array(), txFrom: vals[0]!.address })))
    const asked: string[] = []
    const l1: L1Port = {
      rollupParams: () => (asked.push('params'), mem.rollupParams()),
      committee: (epoch) => (asked.push(`committee ${epoch}`), mem.committee(epoch)),
      block: (tag) => (asked.push(`block ${tag}`), mem.block(tag)),
      minedCheckpoints: (from, to, o) => (asked.push(`events ${from}-${to}`), mem.minedCheckpoints(from, to, o)),
    }
    return { l1, asked }
  }

  it('comes to the verdict the pure judgement comes to, reading each fact once', async () => {
    const f = factsFor(genuine)
    const { l1, asked } = portOf(f)
    const seg = await verifySnapshot(fresh(), l1, { ...OPTS, now: () => NOW })
    expect(seg).toEqual(judgeSnapshot(fresh(), f, OPTS))
    expect(asked).toEqual(['block 103', 'events 101-103', 'params', 'committee 0', 'block finalized', 'block latest'])
  })

  it('asks L1 nothing for a snapshot whose shape is wrong', async () => {
    const { l1, asked } = portOf(factsFor(genuine))
    const s = fresh()
    s.checkpoints.at(-1)!.checkpoint.headers.at(-1)!.txCount += 1 // not re-signed
    await expect(verifySnapshot(s, l1, { ...OPTS, now: () => NOW })).rejects.toMatchObject({ code: 'BAD_SIGNATURE' })
    expect(asked).toEqual([])
  })
})
