/**
 * The gossip rules (src/verify/gossip-rules.ts, docs/verification.md § Gossip validation), one
 * crafted input per rule: first each rule on its own, then through the real SyncEngine (Dexie over
 * fake-indexeddb, an in-memory L1, an injected clock) with proposals signed by the slot's REAL
 * proposer key — what a byzantine proposer can publish. None may become a block; each gets its
 * code, its verdict (reject = hard, ignore = soft), its source and its peer.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { VigilError, type ErrorRecord } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { ChainBuilder, validatorKeys, type BuiltBlock, type Validator } from '../../src/devnet/builder'
import { MAX_BODY_BYTES, decodeBody } from '../../src/protocol/body'
import { signingDigest } from '../../src/protocol/domain'
import { headerHash, type BlockHeader } from '../../src/protocol/header'
import { MAX_TX_HASHES, PROPOSAL_VERSION, encodeProposal } from '../../src/protocol/proposal'
import { MAX_TX_PAYLOAD } from '../../src/protocol/tx'
import { slotProposer, type Schedule } from '../../src/protocol/schedule'
import { TOPIC_MAX_BYTES } from '../../src/protocol/topics'
import { DexieChainStore } from '../../src/store/chain-store'
import { StatsRecorder } from '../../src/sources/stats'
import { SyncEngine } from '../../src/sync/engine'
import { SeenCache } from '../../src/sync/seen-cache'
import {
  CLOCK_TOLERANCE_MS,
  checkHeaderConsistency,
  checkMessageSize,
  checkProposalHeader,
  checkProposalTxHashes,
  checkSlotNotInFuture,
  checkTimestampInSlot,
  slotStartMs,
} from '../../src/verify/gossip-rules'
import { initCrypto, signDigest } from '../../src/verify/secp256k1'
import { MemoryL1 } from '../helpers/memory-l1'

const L2 = 7771
const EPOCH = 8
const schedule: Schedule = { genesisTime: 1_000_000, slotDuration: 2, epochDuration: EPOCH }
const rollup = '0x00000000000000000000000000000000000000aa' as Address
const domain = { l1ChainId: 31337, rollup }
const validators = validatorKeys(4)
const committee = validators.map((v) => v.address.toLowerCase() as Address)
const PEER = '12D3KooWKtWiymgXZqw1vNvSk7gzj9YobXkWEz5N4p12b9HPDiBD'

const keyOf = (slot: number): Validator => {
  const a = slotProposer(rollup, L2, Math.floor(slot / EPOCH), slot, committee)
  return validators.find((v) => v.address.toLowerCase() === a)!
}
const inSlot = (slot: number, i = 0) => slotStartMs(schedule, slot) + 100 + i

function codeOf(fn: () => unknown): string | null {
  try {
    fn()
    return null
  } catch (e) {
    return e instanceof VigilError ? `${e.code}/${e.severity}` : `non-vigil ${String(e)}`
  }
}

/** Signs `h` with the slot's real proposer key (what the byzantine proposer can do) and encodes the proposal. */
function proposal(h: BlockHeader, opts: { bodyBytes?: Uint8Array; txHashes?: Hex[] } = {}): Uint8Array {
  const signature = signDigest(keyOf(h.slot).privateKey, signingDigest(domain, 'BlockProposal', headerHash(h)))
  return encodeProposal({ version: PROPOSAL_VERSION, header: h, bodyBytes: opts.bodyBytes ?? new Uint8Array(0), txHashes: opts.txHashes ?? [], signature })
}

/** Two honest slots (5 and 6), 2 blocks each, from genesis. */
function honestChain(seed = 'honest'): BuiltBlock[] {
  const b = new ChainBuilder(domain, L2, { seed })
  const out: BuiltBlock[] = []
  for (const slot of [5, 6]) {
    for (const i of [0, 1]) out.push(b.buildBlock({ slot, indexInCheckpoint: i, proposer: keyOf(slot), timestamp: inSlot(slot, i) }))
    b.tip = { ...b.tip, checkpointNumber: b.tip.checkpointNumber + 1 }
  }
  return out
}

describe('the gossip rules, one crafted input each', () => {
  const good: BlockHeader = honestChain()[2]!.header // slot 6, checkpoint 2, index 0, height 3
  const with_ = (o: Partial<BlockHeader>): BlockHeader => ({ ...good, ...o })

  it('size: a message over its topic cap is refused before decoding (MESSAGE_TOO_LARGE, hard); the caps are the protocol caps', () => {
    expect(TOPIC_MAX_BYTES.blockProposal).toBe(1 + 162 + 4 + MAX_BODY_BYTES + 4 + 32 * MAX_TX_HASHES + 65)
    expect(TOPIC_MAX_BYTES.checkpointAttestation).toBe(106)
    expect(TOPIC_MAX_BYTES.tx).toBe(39 + MAX_TX_PAYLOAD)
    for (const k of ['blockProposal', 'checkpointProposal', 'checkpointAttestation', 'tx'] as const) {
      expect(codeOf(() => checkMessageSize(k, TOPIC_MAX_BYTES[k]))).toBeNull()
      expect(codeOf(() => checkMessageSize(k, TOPIC_MAX_BYTES[k] + 1))).toBe('MESSAGE_TOO_LARGE/hard')
    }
  })

  it('future-slot: a slot starting more than the tolerance after the local clock is ignored (SLOT_IN_FUTURE, soft)', () => {
    const start = slotStartMs(schedule, good.slot)
    expect(codeOf(() => checkSlotNotInFuture(good, schedule, start))).toBeNull()
    expect(codeOf(() => checkSlotNotInFuture(good, schedule, start - CLOCK_TOLERANCE_MS))).toBeNull()
    expect(codeOf(() => checkSlotNotInFuture(good, schedule, start - CLOCK_TOLERANCE_MS - 1))).toBe('SLOT_IN_FUTURE/soft')
    expect(codeOf(() => checkSlotNotInFuture(with_({ slot: good.slot + 1000 }), schedule, start))).toBe('SLOT_IN_FUTURE/soft')
  })

  it('timestamp-in-slot: a timestamp outside [slot start, next slot start) is rejected (TIMESTAMP_OUT_OF_SLOT, hard)', () => {
    const start = slotStartMs(schedule, good.slot)
    expect(codeOf(() => checkTimestampInSlot(with_({ timestamp: start }), schedule))).toBeNull()
    expect(codeOf(() => checkTimestampInSlot(with_({ timestamp: start + 1999 }), schedule))).toBeNull()
    expect(codeOf(() => checkTimestampInSlot(with_({ timestamp: start + 2000 }), schedule))).toBe('TIMESTAMP_OUT_OF_SLOT/hard')
    expect(codeOf(() => checkTimestampInSlot(with_({ timestamp: start - 1 }), schedule))).toBe('TIMESTAMP_OUT_OF_SLOT/hard')
    expect(codeOf(() => checkTimestampInSlot(with_({ timestamp: start + 3_600_000 }), schedule))).toBe('TIMESTAMP_OUT_OF_SLOT/hard')
  })

  it('header fields: version, chain id, height 0, checkpoint 0, index ≥ 32, txCount > 4096, zero proposer (hard)', () => {
    const opts = { l2ChainId: L2, schedule, nowMs: inSlot(good.slot) }
    expect(codeOf(() => checkProposalHeader(good, opts))).toBeNull()
    expect(codeOf(() => checkProposalHeader(with_({ version: 2 }), opts))).toBe('DECODE_UNKNOWN_VERSION/hard')
    expect(codeOf(() => checkProposalHeader(with_({ chainId: L2 + 1 }), opts))).toBe('WRONG_CHAIN/hard')
    expect(codeOf(() => checkProposalHeader(with_({ height: 0 }), opts))).toBe('DECODE_INVALID_FIELD/hard')
    expect(codeOf(() => checkProposalHeader(with_({ checkpointNumber: 0 }), opts))).toBe('DECODE_INVALID_FIELD/hard')
    expect(codeOf(() => checkProposalHeader(with_({ indexInCheckpoint: 32, height: 40 }), opts))).toBe('DECODE_INVALID_FIELD/hard')
    expect(codeOf(() => checkProposalHeader(with_({ txCount: 4097 }), opts))).toBe('DECODE_TOO_LARGE/hard')
    expect(codeOf(() => checkProposalHeader(with_({ proposer: `0x${'00'.repeat(20)}` }), opts))).toBe('WRONG_PROPOSER/hard')
  })

  it('header-consistency: height, checkpoint, index and slot that cannot belong together (CHECKPOINT_MISMATCH, hard)', () => {
    expect(codeOf(() => checkHeaderConsistency(good))).toBeNull()
    expect(codeOf(() => checkHeaderConsistency(with_({ indexInCheckpoint: 3, height: 3 })))).toBe('CHECKPOINT_MISMATCH/hard') // index ≥ height
    expect(codeOf(() => checkHeaderConsistency(with_({ checkpointNumber: 4, height: 3 })))).toBe('CHECKPOINT_MISMATCH/hard') // an empty checkpoint below
    expect(codeOf(() => checkHeaderConsistency(with_({ checkpointNumber: 1, height: 33 })))).toBe('CHECKPOINT_MISMATCH/hard') // > 32 blocks in one
    expect(codeOf(() => checkHeaderConsistency(with_({ checkpointNumber: 8, height: 8, slot: 6 })))).toBe('CHECKPOINT_MISMATCH/hard') // 8 checkpoints in 7 slots
  })

  it('tx-hashes: the list is the body’s, in order; header-only, it has txCount entries (TX_HASHES_MISMATCH, hard)', () => {
    const b = honestChain()[0]!
    const hashes = b.body.txEffects.map((e) => e.txHash)
    expect(codeOf(() => checkProposalTxHashes(b.header, b.body, hashes))).toBeNull()
    expect(codeOf(() => checkProposalTxHashes(b.header, b.body, [...hashes, hashes[0]!]))).toBe('TX_HASHES_MISMATCH/hard')
    expect(codeOf(() => checkProposalTxHashes(b.header, b.body, hashes.map((h, i) => (i === 0 ? (`0x${'ee'.repeat(32)}` as Hex) : h))))).toBe('TX_HASHES_MISMATCH/hard')
    expect(codeOf(() => checkProposalTxHashes(b.header, null, hashes))).toBeNull()
    expect(codeOf(() => checkProposalTxHashes(b.header, null, hashes.slice(1)))).toBe('TX_HASHES_MISMATCH/hard')
  })

  it('seen-cache: a replay gets the first verdict back (accept → ignore), bounded', () => {
    const c = new SeenCache(2)
    const id = (s: string) => SeenCache.idOf('blockProposal', new TextEncoder().encode(s))
    expect(c.replay(id('a'))).toBeUndefined()
    c.remember(id('a'), 'accept')
    c.remember(id('b'), 'reject')
    expect(c.replay(id('a'))).toBe('ignore')
    expect(c.replay(id('b'))).toBe('reject')
    c.remember(id('c'), 'reject')
    expect(c.size).toBe(2)
    expect(c.replay(id('a'))).toBeUndefined() // the oldest went first
    expect(c.hits).toBe(2)
  })
})

describe('the gossip rules in the engine, with the slot’s real proposer key', () => {
  let engine: SyncEngine
  let store: DexieChainStore
  let nowMs: number
  let gossipStats: StatsRecorder
  let n = 0
  const chain = honestChain()

  beforeEach(async () => {
    await initCrypto()
    nowMs = inSlot(6, 900)
    store = await DexieChainStore.open(`gossip-rules-${n++}`, { indexedDB: new IDBFactory(), IDBKeyRange })
    const l1 = new MemoryL1({ l2ChainId: L2, ...schedule, targetCommitteeSize: 4 }, committee)
    gossipStats = new StatsRecorder('gossip', 'gossip')
    engine = new SyncEngine({ store, l1, gossipStats, domain, l2ChainId: L2, deployBlock: 0, mode: 'full', now: () => nowMs })
    await engine.restore()
    for (const b of chain) expect(await engine.onBlockProposal(b.proposalBytes, 'gossip', PEER)).toBe('accept')
  })

  const lastFailure = (): ErrorRecord => engine.getFailures()[0]!
  const expectTurnedAway = async (data: Uint8Array, verdict: 'reject' | 'ignore', code: string) => {
    const before = engine.verdictsByCode()[code]?.[verdict] ?? 0
    expect(await engine.onBlockProposal(data, 'gossip', PEER)).toBe(verdict)
    expect(lastFailure()).toMatchObject({ code, source: 'gossip', peer: PEER })
    expect(engine.verdictsByCode()[code]![verdict]).toBe(before + 1)
  }
  const shown = async (h: BlockHeader) => (await store.getBlock(headerHash(h))) !== undefined || engine.latest(100).some((b) => b.hash === headerHash(h))

  it('size: an oversized proposal is rejected before decoding, with the peer named', async () => {
    await expectTurnedAway(new Uint8Array(TOPIC_MAX_BYTES.blockProposal + 1), 'reject', 'MESSAGE_TOO_LARGE')
  })

  it('future-slot: 1,000 slots ahead is ignored (not penalised, not remembered); the same block is accepted once its slot starts', async () => {
    const b = new ChainBuilder(domain, L2, { seed: 'future', tip: { hash: chain[3]!.hash, height: 4, stateRoot: chain[3]!.header.stateRoot, checkpointNumber: 2 } })
    const far = b.buildBlock({ slot: 1006, indexInCheckpoint: 0, proposer: keyOf(1006), timestamp: inSlot(1006) })
    await expectTurnedAway(far.proposalBytes, 'ignore', 'SLOT_IN_FUTURE')
    expect(await shown(far.header)).toBe(false)
    // not in the seen-cache, not an occupied position: valid once its time has come
    nowMs = inSlot(1006, 50)
    expect(await engine.onBlockProposal(far.proposalBytes, 'gossip', PEER)).toBe('accept')
  })

  it('timestamp-in-slot: a started slot with a timestamp outside it is rejected', async () => {
    const h = { ...chain[3]!.header, slot: 7, checkpointNumber: 3, indexInCheckpoint: 0, height: 5, parentHash: chain[3]!.hash, timestamp: inSlot(7) + 60_000 }
    nowMs = inSlot(7, 10)
    await expectTurnedAway(proposal(h), 'reject', 'TIMESTAMP_OUT_OF_SLOT')
    expect(await shown(h)).toBe(false)
  })

  it('header fields, header-only: height 0, checkpoint 0, index ≥ 32, txCount > 4096 are rejected with their codes', async () => {
    const base = { ...chain[3]!.header, slot: 6, timestamp: inSlot(6, 5) }
    const cases: [Partial<BlockHeader>, string][] = [
      [{ height: 0 }, 'DECODE_INVALID_FIELD'],
      [{ checkpointNumber: 0 }, 'DECODE_INVALID_FIELD'],
      [{ indexInCheckpoint: 32, height: 40, checkpointNumber: 2 }, 'DECODE_INVALID_FIELD'],
      [{ txCount: 5000 }, 'DECODE_TOO_LARGE'],
      [{ checkpointNumber: 9, height: 9 }, 'CHECKPOINT_MISMATCH'],
    ]
    for (const [o, code] of cases) {
      const h = { ...base, ...o }
      await expectTurnedAway(proposal(h), 'reject', code)
      expect(await shown(h)).toBe(false)
    }
  })

  it('tx-hashes: a proposal whose list is not its body’s is rejected, with a body and header-only', async () => {
    const b = new ChainBuilder(domain, L2, { seed: 'lying-list', tip: { hash: chain[3]!.hash, height: 4, stateRoot: chain[3]!.header.stateRoot, checkpointNumber: 2 } })
    nowMs = inSlot(7, 10)
    const x = b.buildBlock({ slot: 7, indexInCheckpoint: 0, proposer: keyOf(7), timestamp: inSlot(7) })
    const lying = [...x.proposal.txHashes].reverse().concat([`0x${'ab'.repeat(32)}` as Hex])
    await expectTurnedAway(proposal(x.header, { bodyBytes: x.bodyBytes, txHashes: lying }), 'reject', 'TX_HASHES_MISMATCH')
    await expectTurnedAway(proposal(x.header, { txHashes: lying }), 'reject', 'TX_HASHES_MISMATCH')
    expect(await shown(x.header)).toBe(false)
    // the honest proposal of the same block is still accepted (nothing about it was remembered)
    expect(await engine.onBlockProposal(x.proposalBytes, 'gossip', PEER)).toBe('accept')
  })

  it('first-seen: a twin for a taken (slot, index) is evidence, never a block; so is a third', async () => {
    const parent = chain[2]!
    const tip = { hash: parent.hash, height: 3, stateRoot: parent.header.stateRoot, checkpointNumber: 1 }
    const twins = ['twin-a', 'twin-b'].map((seed) => new ChainBuilder(domain, L2, { seed, tip }).buildBlock({ slot: 6, indexInCheckpoint: 1, proposer: keyOf(6), timestamp: chain[3]!.header.timestamp }))
    await expectTurnedAway(twins[0]!.proposalBytes, 'ignore', 'DOUBLE_PROPOSAL')
    expect(await engine.onBlockProposal(twins[1]!.proposalBytes, 'gossip', PEER)).toBe('ignore')
    for (const t of twins) expect(await shown(t.header)).toBe(false)
    const ev = engine.getEvidence()
    expect(ev.count).toBe(1)
    expect(ev.recent[0]).toMatchObject({ kind: 'double-proposal', slot: 6, index: 1, hashes: [chain[3]!.hash, twins[0]!.hash] })
    expect(engine.canonicalBlock(4)?.hash).toBe(chain[3]!.hash)
    // validly signed: ignored, not counted against the relaying source
    expect(gossipStats.snapshot().rejected).toBe(0)
  })

  it('seen-cache: a replayed reject costs nothing (no failure recorded again) and still rejects', async () => {
    const h = { ...chain[3]!.header, height: 0 }
    const data = proposal(h)
    expect(await engine.onBlockProposal(data, 'gossip', PEER)).toBe('reject')
    const failures = engine.getFailures().length
    const hits = engine.seenHits()
    for (let i = 0; i < 5; i++) expect(await engine.onBlockProposal(data, 'gossip', PEER)).toBe('reject')
    expect(engine.getFailures().length).toBe(failures)
    expect(engine.seenHits()).toBe(hits + 5)
    // an accepted proposal replayed: ignore (nothing new)
    expect(await engine.onBlockProposal(chain[0]!.proposalBytes, 'gossip', PEER)).toBe('ignore')
  })

  it('req/resp and other sources go through the same rules, and their failures name the source and peer', async () => {
    const h = { ...chain[3]!.header, txCount: 9999 }
    const sig = signDigest(keyOf(h.slot).privateKey, signingDigest(domain, 'BlockProposal', headerHash(h)))
    expect(await engine.onSignedHeader(h, sig, 'reqresp', PEER)).toBe('reject')
    expect(lastFailure()).toMatchObject({ code: 'DECODE_TOO_LARGE', source: 'reqresp', peer: PEER })
    expect(await engine.onSignedHeader({ ...h, txCount: 1, slot: 5000, timestamp: inSlot(5000) }, sig, 'l2rpc')).toBe('ignore')
    expect(lastFailure()).toMatchObject({ code: 'SLOT_IN_FUTURE', source: 'l2rpc' })
    expect(lastFailure().peer).toBeUndefined()
    // stored with the source (and restored with it)
    const rows = await store.recentFailures(10)
    expect(rows[0]).toMatchObject({ source: 'l2rpc', error: { code: 'SLOT_IN_FUTURE', source: 'l2rpc' } })
    expect(rows[1]).toMatchObject({ source: 'reqresp', peer: PEER, error: { code: 'DECODE_TOO_LARGE', source: 'reqresp', peer: PEER } })
    expect(decodeBody(chain[0]!.bodyBytes).txEffects.length).toBe(chain[0]!.header.txCount)
  })
})
