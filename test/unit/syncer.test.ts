/**
 * The syncer against the real SyncEngine (Dexie over fake-indexeddb) and an in-memory header
 * exchange serving ChainDbs (the devnet full node's store): range sync from genesis in
 * parallel ≤ 64-header requests, gossip gaps, walking back by parent hash to a fork point,
 * pruned peers, bad peers, and headers held pending (with backoff) while the L1 is down.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest'
import type { ChainDb } from '../../src/devnet/chain-db'
import type { SignedHeader } from '../../src/protocol/signed-header'
import type { Hex } from '../../src/core/types'
import { initCrypto } from '../../src/verify/secp256k1'
import { MemoryExchange, buildChain, dbOf, l1Control, setupSyncer, stopAllSyncers, tipOf } from '../helpers/syncer-fixture'

beforeAll(async () => {
  await initCrypto()
})

afterEach(stopAllSyncers)

describe('Syncer', () => {
  it('syncs from genesis to the announced head in parallel ≤ 64-header ranges, each header verified as gossip is', async () => {
    const chain = buildChain(150, 'main')
    const ex = new MemoryExchange(new Map([['archival', { db: dbOf(chain) }]]))
    const { engine, syncer, stats, until } = await setupSyncer(ex)
    syncer.start()
    await until(() => syncer.progress().lastFill?.to === 150, 'filled to 150')
    expect(stats.snapshot().accepted).toBe(150)
    expect(stats.snapshot().rejected).toBe(0)
    expect(engine.getTips().proposed?.hash).toBe(chain[149]!.hash)
    for (let h = 1; h <= 150; h++) expect(engine.canonicalBlock(h)?.hash).toBe(chain[h - 1]!.hash)
    expect(engine.unlinkedBlocks()).toEqual([])
    expect(engine.canonicalBlock(150)!.checks).toMatchObject({ proposerSignature: true, linkage: true })
    expect(ex.requests.every((r) => r.count <= 64)).toBe(true)
    expect(ex.requests.map((r) => r.from)).toEqual([1, 65, 129])
    expect(ex.maxInflight).toBeGreaterThan(1)
    expect(syncer.progress()).toMatchObject({ headersAccepted: 150, pending: 0, walkBacks: 0 })
    expect(syncer.progress().lastFill).toMatchObject({ from: 1, to: 150, headers: 150 })
  })

  it('fills a gap gossip left (blocks whose parent is unknown) and links the blocks above it', async () => {
    const chain = buildChain(25, 'gap')
    const ex = new MemoryExchange(new Map([['archival', { db: dbOf(chain) }]]))
    const { engine, syncer, stats, until } = await setupSyncer(ex)
    for (const b of [...chain.slice(0, 10), ...chain.slice(19)]) expect(await engine.onBlockProposal(b.proposalBytes)).toBe('accept')
    expect(engine.unlinkedBlocks().map((b) => b.height)).toEqual([20])
    syncer.start()
    await until(() => engine.unlinkedBlocks().length === 0 && syncer.progress().base === 25, 'gap filled')
    expect(ex.requests).toEqual([{ peer: 'archival', from: 11, count: 15 }])
    expect(stats.snapshot().accepted).toBe(9)
    expect(engine.canonicalBlock(20)!.checks.linkage).toBe(true)
    for (let h = 1; h <= 25; h++) expect(engine.canonicalBlock(h)?.hash).toBe(chain[h - 1]!.hash)
  })

  it('walks back by parent hash to where the peers’ chain meets ours, then follows it (a reorg)', async () => {
    const common = buildChain(7, 'fork')
    const a = [...common, ...buildChain(5, 'fork-a', tipOf(common[6]!), 3)]
    // b continues in later slots (as the devnet does after a checkpoint failed): no slot is proposed twice
    const b = [...common, ...buildChain(23, 'fork-b', tipOf(common[6]!), 5)]
    expect(a[7]!.hash).not.toBe(b[7]!.hash)
    const ex = new MemoryExchange(new Map([['archival', { db: dbOf(b) }]]))
    const { engine, syncer, until } = await setupSyncer(ex)
    for (const x of a) expect(await engine.onBlockProposal(x.proposalBytes)).toBe('accept')
    syncer.start()
    await until(() => engine.getTips().proposed?.hash === b[29]!.hash && syncer.progress().base === 30, 'on chain b')
    expect(syncer.progress().walkBacks).toBe(1)
    // one walk-back request below the first range, ending at height 12
    expect(ex.requests[0]).toMatchObject({ from: 13 })
    expect(ex.requests[1]).toMatchObject({ from: 1, count: 12 })
    for (let h = 1; h <= 30; h++) expect(engine.canonicalBlock(h)?.hash).toBe(b[h - 1]!.hash)
    const reorg = engine.getReorgs()[0]!
    expect(reorg).toMatchObject({ cause: 'gossip-fork', depth: 5, fromHeight: 8 })
    expect(reorg.oldHashes).toEqual(a.slice(7).map((x) => x.hash))
  })

  it('does not hold a header the engine refuses for good (a second proposal for one slot position)', async () => {
    const common = buildChain(4, 'equivocation')
    const a = [...common, ...buildChain(4, 'eq-a', tipOf(common[3]!), 2)]
    const b = [...common, ...buildChain(8, 'eq-b', tipOf(common[3]!), 2)] // same slots as a: equivocation
    const ex = new MemoryExchange(new Map([['archival', { db: dbOf(b) }]]))
    const { engine, syncer, until } = await setupSyncer(ex)
    for (const x of a) expect(await engine.onBlockProposal(x.proposalBytes)).toBe('accept')
    syncer.start()
    await until(() => syncer.progress().headersIgnored >= 4 && syncer.progress().state === 'idle', 'idle after the double proposals')
    expect(syncer.progress().pending).toBe(0)
    expect(engine.getEvidence().count).toBeGreaterThanOrEqual(4)
  })

  it('with only pruned peers, syncs what they serve and says what is unavailable', async () => {
    const chain = buildChain(60, 'pruned')
    const ex = new MemoryExchange(new Map([['pruned', { db: dbOf(chain, 20) }]]))
    const { engine, syncer, stats, until } = await setupSyncer(ex)
    syncer.start()
    await until(() => syncer.progress().base === 60, 'base 60')
    // the peer serves 41..60; the syncer starts PRUNED_EDGE_MARGIN (2) above its moving lower edge
    expect(syncer.progress().unavailableBelow).toBe(43)
    expect(ex.requests.every((r) => r.from >= 43)).toBe(true)
    expect(stats.snapshot().accepted).toBe(18)
    expect(engine.canonicalBlock(42)).toBeUndefined()
    expect(engine.unlinkedBlocks().map((x) => x.height)).toEqual([43])
  })

  it('comes back for the heights under the pruned edge when an archival peer announces them later', async () => {
    const chain = buildChain(60, 'late-archival')
    const peers = new Map<string, { db: ChainDb }>([['pruned', { db: dbOf(chain, 20) }]])
    const ex = new MemoryExchange(peers)
    const { engine, syncer, until } = await setupSyncer(ex)
    syncer.start()
    await until(() => syncer.progress().base === 60, 'base 60 from the pruned peer')
    expect(syncer.progress().unavailableBelow).toBe(43)
    expect(engine.unlinkedBlocks().map((x) => x.height)).toEqual([43])
    // the archival peer's status arrives: the syncer fills 1..42 and the held segment links up
    peers.set('archival', { db: dbOf(chain) })
    ex.announce()
    await until(() => engine.unlinkedBlocks().length === 0 && syncer.progress().state === 'idle', 'every block linked')
    expect(syncer.progress().unavailableBelow).toBeNull()
    expect(syncer.progress().base).toBe(60)
    for (let h = 1; h <= 60; h++) expect(engine.canonicalBlock(h)?.hash, `block ${h}`).toBe(chain[h - 1]!.hash)
    // only the gap was fetched again, not the segment already held
    const below = ex.requests.filter((r) => r.peer === 'archival')
    expect(below.every((r) => r.from + r.count - 1 <= 42)).toBe(true)
  })

  it('does not detach when the archival status arrives while the syncer refreshes before doing so', async () => {
    const chain = buildChain(40, 'refresh-archival')
    const peers = new Map<string, { db: ChainDb }>([['pruned', { db: dbOf(chain, 20) }]])
    class RefreshingExchange extends MemoryExchange {
      async refreshAll(): Promise<void> {
        peers.set('archival', { db: dbOf(chain) })
      }
    }
    const ex = new RefreshingExchange(peers)
    const { engine, syncer, until } = await setupSyncer(ex)
    syncer.start()
    await until(() => syncer.progress().base === 40, 'base 40')
    expect(syncer.progress().unavailableBelow).toBeNull()
    expect(engine.unlinkedBlocks()).toEqual([])
    expect(ex.requests[0]!.from).toBe(1)
  })

  it('penalises a peer whose header fails verification and takes the range from another', async () => {
    const chain = buildChain(40, 'bad-peer')
    const forged = (s: SignedHeader): SignedHeader => (s.header.height === 10 ? { ...s, signature: chain[0]!.proposal.signature } : s)
    const ex = new MemoryExchange(
      new Map([
        ['liar', { db: dbOf(chain), tamper: forged }],
        ['honest', { db: dbOf(chain) }],
      ]),
    )
    const { engine, syncer, stats, until } = await setupSyncer(ex)
    syncer.start()
    await until(() => syncer.progress().base === 40, 'base 40')
    expect(ex.penalized.map((p) => p.peer)).toEqual(['liar'])
    expect(stats.snapshot().rejected).toBe(1)
    expect(stats.snapshot().lastError?.code).toBe('BAD_SIGNATURE')
    expect(ex.requests.at(-1)).toMatchObject({ peer: 'honest', from: 10 })
    for (let h = 1; h <= 40; h++) expect(engine.canonicalBlock(h)?.hash).toBe(chain[h - 1]!.hash)
  })

  it('claims only verified heights: a peer announcing a huge head is followed one window at a time and never shown as the target', async () => {
    const chain = buildChain(40, 'announce')
    const HUGE = 1_000_000_000
    // a peer whose status claims a head (and a range) far beyond what it can serve signed
    class Boaster extends MemoryExchange {
      override networkHead() {
        return { height: HUGE, hash: `0x${'ab'.repeat(32)}` as Hex }
      }
      override earliestAvailable(from: number): number | null {
        return from
      }
    }
    const ex = new Boaster(new Map([['boaster', { db: dbOf(chain) }]]))
    const { engine, syncer, until } = await setupSyncer(ex, { windowBlocks: 16 })
    syncer.start()
    await until(() => syncer.progress().base === 40 && syncer.progress().announced === HUGE, 'the 40 real headers synced')
    // the target (and so "behind by") is what verified, the announcement is kept apart
    expect(syncer.progress().target).toBe(40)
    expect(engine.getTips().proposed?.height).toBe(40)
    // asked one window at a time, each starting right above what verified
    expect(ex.requests.every((r) => r.count <= 16)).toBe(true)
    expect(ex.requests.map((r) => r.from)).toEqual([1, 17, 33])
  })

  it('holds headers it cannot verify yet (L1 down) and retries them with backoff until the L1 answers', async () => {
    const chain = buildChain(20, 'pending')
    const ex = new MemoryExchange(new Map([['archival', { db: dbOf(chain) }]]))
    const { engine, syncer, stats, until } = await setupSyncer(ex)
    l1Control.down = true
    syncer.start()
    await until(() => syncer.progress().pending === 20 && syncer.progress().pendingRetries >= 2, 'all held and retried')
    // held, not refetched: one range request for all 20
    expect(ex.requests.length).toBe(1)
    expect(stats.snapshot().accepted).toBe(0)
    expect(stats.snapshot().rejected).toBe(0)
    expect(engine.getTips().proposed).toBeNull()
    l1Control.down = false
    await until(() => syncer.progress().pending === 0, 'pending resolved')
    expect(syncer.progress()).toMatchObject({ pendingResolved: 20, pendingExpired: 0, headersAccepted: 20 })
    expect(stats.snapshot().accepted).toBe(20)
    expect(ex.requests.length).toBe(1)
    for (let h = 1; h <= 20; h++) expect(engine.canonicalBlock(h)?.checks).toMatchObject({ proposerSignature: true, linkage: true })
  })

  it('drops held headers after the pending timeout and fetches them again later', async () => {
    const chain = buildChain(8, 'expire')
    const ex = new MemoryExchange(new Map([['archival', { db: dbOf(chain) }]]))
    const { syncer, until } = await setupSyncer(ex, { pendingTimeoutMs: 300 })
    l1Control.down = true
    syncer.start()
    await until(() => syncer.progress().pendingExpired > 0, 'expired')
    l1Control.down = false
    await until(() => syncer.progress().base === 8 && syncer.progress().pending === 0 && syncer.progress().headersAccepted === 8, 'synced after expiry')
    expect(ex.requests.length).toBeGreaterThan(1)
  })
})
