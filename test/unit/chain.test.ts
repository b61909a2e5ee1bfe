/**
 * The canonical chain (src/sync/chain.ts) in memory: no store, no L1. Headers are built with
 * the real codecs (encode → decode: hashes, parent hashes and state roots are the real ones),
 * so the linkage the chain checks is the protocol's.
 */
import { describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { ZERO_HASH } from '../../src/protocol/bytes'
import { keccak256Hex, utf8 } from '../../src/protocol/hash'
import { HEADER_VERSION, decodeHeader, encodeHeader, headerHash, toDecodedHeader, type BlockHeader, type DecodedHeader } from '../../src/protocol/header'
import { nextStateRoot } from '../../src/verify/rules'
import { CanonicalChain, type ChainDeps } from '../../src/sync/chain'
import type { BlockRow, StoreUpdate } from '../../src/ports/store'

const L2 = 4242
const PROPOSER = '0x00000000000000000000000000000000000000b1' as Address

/** Block `height` on top of `parent` (null: block 1 on the genesis), one block per checkpoint and slot. */
function header(parent: DecodedHeader | null, seed: string, over: Partial<BlockHeader> = {}): DecodedHeader {
  const height = parent ? parent.height + 1 : 1
  const bodyHash = keccak256Hex(utf8(`${seed}-${height}`))
  const h: BlockHeader = {
    version: HEADER_VERSION,
    chainId: L2,
    height,
    slot: 10 + height,
    checkpointNumber: height,
    indexInCheckpoint: 0,
    timestamp: 1_700_000_000_000 + height,
    parentHash: parent ? parent.hash : ZERO_HASH,
    bodyHash,
    stateRoot: nextStateRoot(parent ? parent.stateRoot : ZERO_HASH, bodyHash),
    proposer: PROPOSER,
    txCount: 0,
    ...over,
  }
  return decodeHeader(encodeHeader(h))
}

/** `n` headers continuing `from` (or from the genesis). */
function headers(n: number, seed: string, from: DecodedHeader | null = null): DecodedHeader[] {
  const out: DecodedHeader[] = []
  let parent = from
  for (let i = 0; i < n; i++) out.push((parent = header(parent, seed)))
  return out
}

const upd = (): StoreUpdate => ({ blocks: [], checkpoints: [] })

function setup(deps: Partial<ChainDeps> = {}) {
  let t = 1000
  const linkFailures: { child: BlockRow; error: unknown }[] = []
  const chain = new CanonicalChain({ now: () => ++t, onLinkFailure: (child, error) => linkFailures.push({ child, error }), ...deps })
  /** Rows for `hs` with `status`, adopted as one step; returns the rows and the step's update. */
  const adopt = (hs: DecodedHeader[], status: 'proposed' | 'attested' | 'mined', cause: 'gossip-fork' | 'checkpoint-mismatch' = 'gossip-fork') => {
    const update = upd()
    const rows = hs.map((h) => chain.newRow(h, status, status === 'mined' ? { quorum: true, linkage: true, l1Inclusion: true } : { proposerSignature: true, linkage: true }, 'gossip', null))
    chain.adopt(rows, update, cause)
    return { rows, update }
  }
  return { chain, adopt, linkFailures }
}

describe('CanonicalChain', () => {
  it('adopts a chain on an empty store, then blocks on top: canonical, tips and counts follow, no reorg', () => {
    const { chain, adopt } = setup()
    const a = headers(4, 'a')
    const first = adopt(a.slice(0, 3), 'proposed')
    expect(first.update.blocks!.map((r) => r.hash)).toEqual(a.slice(0, 3).map((h) => h.hash))
    expect([1, 2, 3].map((h) => chain.canonicalBlock(h)?.hash)).toEqual(a.slice(0, 3).map((h) => h.hash))
    expect(chain.getTips().proposed).toMatchObject({ height: 3, hash: a[2]!.hash })
    expect(chain.getTips().attested).toBeNull()
    adopt([a[3]!], 'proposed')
    expect(chain.getTips().proposed).toMatchObject({ height: 4, hash: a[3]!.hash })
    expect(chain.getCounts()).toMatchObject({ proposed: 4, orphaned: 0 })
    expect(chain.getReorgs()).toEqual([])
    expect(chain.latest(2).map((b) => b.height)).toEqual([4, 3])
    expect(chain.canonicalGaps(1, 6, 10)).toEqual([5, 6])
  })

  it('a fork replaces a provisional suffix: the old blocks are orphaned and one reorg records depth, old and new hashes', () => {
    const { chain, adopt } = setup()
    const a = headers(5, 'a')
    adopt(a, 'proposed')
    const b = headers(3, 'b', a[2]!) // heights 4, 5, 6 on a3
    const { update } = adopt(b, 'proposed')
    expect(chain.getCounts()).toMatchObject({ proposed: 6, orphaned: 2 })
    for (const h of [a[3]!, a[4]!]) expect(chain.peek(h.hash)?.status).toBe('orphaned')
    expect([4, 5, 6].map((h) => chain.canonicalBlock(h)?.hash)).toEqual(b.map((h) => h.hash))
    expect(chain.canonicalBlock(3)?.hash).toBe(a[2]!.hash)
    const [reorg] = chain.getReorgs()
    expect(reorg).toMatchObject({ depth: 2, fromHeight: 4, oldHashes: [a[3]!.hash, a[4]!.hash], newHashes: b.map((h) => h.hash), cause: 'gossip-fork' })
    expect(update.reorgs).toEqual([reorg])
    expect(update.blocks!.map((r) => r.hash).sort()).toEqual([a[3]!.hash, a[4]!.hash, ...b.map((h) => h.hash)].sort())
    expect(chain.getTips().proposed).toMatchObject({ height: 6, hash: b[2]!.hash })
  })

  it('a replaced block whose slot position was proposed twice makes the reorg the equivocation’s', () => {
    const asked: [Address, number, number][] = []
    const { chain, adopt } = setup({ hasDoubleProposal: (p, slot, index) => (asked.push([p, slot, index]), true) })
    const a = headers(2, 'a')
    adopt(a, 'proposed')
    adopt([header(a[0]!, 'b')], 'proposed')
    expect(chain.getReorgs()[0]).toMatchObject({ depth: 1, cause: 'equivocation' })
    expect(asked).toEqual([[PROPOSER, a[1]!.slot, 0]])
  })

  it('a mined block replaces provisional ones; a provisional block conflicting with the mined chain is refused (orphaned)', () => {
    const { chain, adopt } = setup()
    const a = headers(3, 'a')
    adopt(a, 'proposed')
    const m = header(a[1]!, 'mined')
    adopt([m], 'mined', 'checkpoint-mismatch')
    expect(chain.peek(a[2]!.hash)?.status).toBe('orphaned')
    expect(chain.canonicalBlock(3)?.hash).toBe(m.hash)
    expect(chain.getReorgs()[0]).toMatchObject({ depth: 1, fromHeight: 3, oldHashes: [a[2]!.hash], newHashes: [m.hash], cause: 'checkpoint-mismatch' })
    expect(chain.getTips()).toMatchObject({ proposed: { hash: m.hash }, attested: { hash: m.hash }, mined: { hash: m.hash }, finalized: null })
    // a provisional rival of the mined block: never wins, no new reorg
    const rival = header(a[1]!, 'rival')
    const { rows, update } = adopt([rival], 'proposed')
    expect(rows[0]!.status).toBe('orphaned')
    expect(update.blocks).toEqual([rows[0]])
    expect(chain.canonicalBlock(3)?.hash).toBe(m.hash)
    expect(chain.getReorgs()).toHaveLength(1)
    expect(chain.getCounts()).toMatchObject({ proposed: 2, mined: 1, orphaned: 2 })
  })

  it('promote raises a status (never lowers it) and the tips with it; rowsForHeaders revives an orphaned block', async () => {
    const { chain, adopt } = setup()
    const a = headers(2, 'a')
    const { rows } = adopt(a, 'proposed')
    const update = upd()
    chain.promote(rows[1]!, 'attested', { quorum: true }, update)
    expect(rows[1]!.status).toBe('attested')
    expect(chain.getTips().attested).toMatchObject({ hash: a[1]!.hash })
    chain.promote(rows[1]!, 'proposed', {})
    expect(rows[1]!.status).toBe('attested')
    expect(update.blocks).toEqual([rows[1]])
    // orphan a2 with a fork, then a checkpoint names it again: it comes back as attested
    adopt([header(a[0]!, 'b')], 'proposed')
    expect(rows[1]!.status).toBe('orphaned')
    const back = await chain.rowsForHeaders([a[1]!], 'attested', { quorum: true }, 'gossip')
    expect(back).toEqual([rows[1]])
    expect(rows[1]!.status).toBe('attested')
    chain.adopt(back, upd(), 'checkpoint-mismatch')
    expect(chain.canonicalBlock(2)?.hash).toBe(a[1]!.hash)
  })

  it('an L1 rollback turns mined blocks back to attested, records an l1-reorg and recomputes the tips', async () => {
    const { chain, adopt } = setup()
    const a = headers(3, 'a')
    adopt(a.slice(0, 1), 'mined', 'checkpoint-mismatch')
    adopt(a.slice(1), 'mined', 'checkpoint-mismatch')
    expect(chain.getTips().mined).toMatchObject({ height: 3 })
    const update = upd()
    const rolled = await chain.unmine([a[2]!.hash, a[1]!.hash], update)
    expect(rolled).toEqual([a[2]!.hash, a[1]!.hash])
    for (const h of a.slice(1)) expect(chain.peek(h.hash)).toMatchObject({ status: 'attested', checks: { l1Inclusion: false } })
    expect(chain.getTips()).toMatchObject({ mined: { height: 1 }, attested: { height: 3 }, proposed: { height: 3 } })
    expect(chain.getReorgs()[0]).toMatchObject({ depth: 2, fromHeight: 2, oldHashes: [a[2]!.hash, a[1]!.hash], newHashes: [], cause: 'l1-reorg' })
    expect(chain.getCounts()).toMatchObject({ mined: 1, attested: 2 })
    // a second rollback of what is no longer mined changes nothing
    expect(await chain.unmine([a[2]!.hash], upd())).toEqual([])
  })

  it('marking a canonical block invalid takes it off the canonical chain and recomputes the tips', () => {
    const { chain, adopt } = setup()
    const a = headers(3, 'a')
    adopt(a, 'proposed')
    const update = upd()
    const row = chain.peek(a[2]!.hash)!
    chain.markInvalid(row, new VigilError('QUORUM_NOT_REACHED', 'x').toRecord(), update)
    expect(row).toMatchObject({ status: 'invalid', error: { code: 'QUORUM_NOT_REACHED' } })
    expect(chain.canonicalBlock(3)).toBeUndefined()
    expect(chain.getTips().proposed).toMatchObject({ height: 2, hash: a[1]!.hash })
    expect(chain.getCounts()).toMatchObject({ proposed: 2, invalid: 1 })
    expect(update.blocks).toEqual([row])
  })

  it('what builds on an invalid block is not linked to it; an invalid block L1 took back is reinstated or forgotten', async () => {
    const { chain, adopt } = setup()
    const a = headers(2, 'a')
    adopt(a, 'proposed')
    // a checkpoint with a2 and a new block a3 was invalid: a2 was proposed before, a3 created invalid
    const a3 = header(a[1]!, 'a')
    const created = chain.newRow(a3, 'invalid', {}, 'l1', null)
    const update = upd()
    const err = new VigilError('WRONG_PROPOSER', 'x').toRecord()
    chain.markInvalid(chain.peek(a[1]!.hash)!, err, update)
    chain.markInvalid(created, err, update)
    expect(chain.getTips().proposed).toMatchObject({ height: 1 })
    // a child of the invalid a3 arrives unlinked: nothing links it to an invalid parent, it waits
    const child = chain.newRow(header(a3, 'a'), 'proposed', { proposerSignature: true }, 'gossip', null)
    chain.adopt([child], upd(), 'gossip-fork')
    expect(chain.unlinkedBlocks().map((b) => b.hash)).toEqual([child.hash])
    // L1 drops the invalid checkpoint: a2 goes back to proposed and rejoins; a3 stays (a block builds on it) as orphaned
    const back = upd()
    const reinstated = await chain.reinstate([a[1]!.hash, a3.hash], back)
    chain.rejoin(reinstated, back)
    expect(chain.peek(a[1]!.hash)).toMatchObject({ status: 'proposed', error: null })
    expect(chain.canonicalBlock(2)?.hash).toBe(a[1]!.hash)
    expect(chain.peek(a3.hash)?.status).toBe('orphaned')
    expect(back.forgetBlocks).toBeUndefined()
  })

  it('an invalid block created by its checkpoint and built on by nothing is forgotten when L1 takes the checkpoint back', async () => {
    const { chain, adopt } = setup()
    const a = headers(1, 'a')
    adopt(a, 'proposed')
    const lone = header(a[0]!, 'lone')
    const row = chain.newRow(lone, 'invalid', {}, 'l1', null)
    const update = upd()
    chain.markInvalid(row, new VigilError('BLOB_HASH_MISMATCH', 'x').toRecord(), update)
    expect(chain.getCounts().invalid).toBe(1)
    const back = await chain.reinstate([lone.hash], update)
    expect(back).toEqual([])
    expect(update.forgetBlocks).toEqual([lone.hash])
    expect(update.blocks).toEqual([])
    expect(chain.peek(lone.hash)).toBeUndefined()
    expect(chain.getCounts().invalid).toBe(0)
  })

  it('children that arrived before their parent are linked once it comes', async () => {
    const { chain, adopt, linkFailures } = setup()
    const a = headers(4, 'a')
    adopt(a.slice(0, 2), 'proposed')
    // a4 arrives before a3: accepted unlinked (parent unknown)
    expect(await chain.linkParent(a[3]!)).toBe('unknown')
    const early = chain.newRow(a[3]!, 'proposed', { proposerSignature: true }, 'gossip', null)
    chain.adopt([early], upd(), 'gossip-fork')
    expect(chain.unlinkedBlocks().map((b) => b.hash)).toEqual([a[3]!.hash])
    expect(await chain.linkParent(a[2]!)).toBe('linked')
    const { update } = adopt([a[2]!], 'proposed')
    expect(early.checks.linkage).toBe(true)
    expect(update.blocks).toContain(early)
    expect(chain.unlinkedBlocks()).toEqual([])
    expect(chain.getReorgs()).toEqual([])
    expect(linkFailures).toEqual([])
    expect(chain.getTips().proposed).toMatchObject({ height: 4 })
  })

  it('a fork keeps the canonical blocks above it that descend from it (they came before their parent) and links them', () => {
    const { chain, adopt } = setup()
    const a = headers(3, 'a')
    adopt(a, 'proposed')
    const b = headers(2, 'b', a[1]!) // b3, b4 on a2
    const b4 = chain.newRow(b[1]!, 'proposed', { proposerSignature: true }, 'gossip', null)
    chain.adopt([b4], upd(), 'gossip-fork') // height 4 was free: canonical, unlinked
    expect(chain.unlinkedBlocks().map((x) => x.hash)).toEqual([b4.hash])
    adopt([b[0]!], 'proposed')
    expect(chain.getReorgs()[0]).toMatchObject({ depth: 1, fromHeight: 3, oldHashes: [a[2]!.hash], newHashes: [b[0]!.hash] })
    expect(chain.canonicalBlock(4)?.hash).toBe(b4.hash)
    expect(b4.status).toBe('proposed')
    expect(b4.checks.linkage).toBe(true)
    expect(chain.getTips().proposed).toMatchObject({ height: 4, hash: b4.hash })
  })

  it('a child that does not link once its parent comes gets linkage: false and a link failure', async () => {
    const { chain, adopt, linkFailures } = setup()
    const a = headers(3, 'a')
    adopt(a.slice(0, 1), 'proposed')
    const bad = header(a[1]!, 'a', { stateRoot: keccak256Hex(utf8('not the state root')) })
    const row = chain.newRow(bad, 'proposed', { proposerSignature: true }, 'peer-x', null)
    chain.adopt([row], upd(), 'gossip-fork')
    const { update } = adopt([a[1]!], 'proposed')
    expect(row.checks.linkage).toBe(false)
    expect(update.blocks).toContain(row)
    expect(linkFailures).toHaveLength(1)
    expect(linkFailures[0]!.child).toBe(row)
    expect((linkFailures[0]!.error as VigilError).code).toBe('PARENT_MISMATCH')
    // linkParent says the same for a header whose parent is held
    expect(((await chain.linkParent(bad)) as VigilError).code).toBe('PARENT_MISMATCH')
  })

  it('reads rows outside memory through storedRow and decodes a row’s header once', async () => {
    const a = headers(2, 'a')
    const other = setup()
    const stored = other.chain.newRow(a[0]!, 'mined', {}, 'l1', null)
    const asked: Hex[] = []
    const { chain } = setup({ storedRow: async (h) => (asked.push(h), h === stored.hash ? stored : undefined) })
    expect(await chain.linkParent(a[1]!)).toBe('linked')
    expect(asked).toEqual([a[0]!.hash])
    expect(chain.peek(a[0]!.hash)).toBe(stored)
    expect(chain.headerOf(stored)).toBe(chain.headerOf(stored))
    expect(chain.headerOf(stored).hash).toBe(a[0]!.hash)
  })
})

describe('decoded headers carry their bytes and hash', () => {
  it('decodeHeader computes bytes and hash once; a spread is a plain header again and re-encodes', () => {
    const h = header(null, 'x')
    const plain: BlockHeader = { ...h }
    expect(Object.keys(h)).toEqual(Object.keys(plain)) // not enumerable: equality and clones see the fields only
    expect(h.hash).toBe(headerHash(plain))
    expect(h.bytes).toEqual(encodeHeader(plain))
    expect(encodeHeader(h)).not.toBe(h.bytes) // callers get a copy
    const changed = { ...h, txCount: 9 }
    expect(headerHash(changed)).not.toBe(h.hash)
    expect(decodeHeader(encodeHeader(changed)).txCount).toBe(9)
    expect(toDecodedHeader(plain).hash).toBe(h.hash)
    expect(toDecodedHeader(h)).toBe(h)
  })
})
