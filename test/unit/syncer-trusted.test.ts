/**
 * Start from a trusted hash (weak subjectivity, docs/sync.md § Trusted hash): the syncer
 * against the real SyncEngine (Dexie over fake-indexeddb) and an in-memory header exchange
 * over ChainDbs. It fetches the header at the trusted height, checks its hash and proposer
 * signature, syncs up from it and never asks for anything below it; a peer serving another
 * header at that height (or the right one with a bad signature) is penalised and another asked;
 * a trusted header nobody serves is a soft TRUSTED_HEADER_UNAVAILABLE, and the search goes on.
 */
import { describe, it, expect, beforeAll, afterEach } from 'vitest'
import type { ChainDb } from '../../src/devnet/chain-db'
import type { SignedHeader } from '../../src/protocol/signed-header'
import { initCrypto } from '../../src/verify/secp256k1'
import { MemoryExchange, buildChain, dbOf, setupSyncer, stopAllSyncers, tipOf, trustOf } from '../helpers/syncer-fixture'

beforeAll(async () => {
  await initCrypto()
})

afterEach(stopAllSyncers)

describe('Syncer from a trusted hash', () => {
  it('fetches the trusted header, verifies it, and syncs up from it; nothing below it is requested', async () => {
    const chain = buildChain(120, 'trusted')
    const ex = new MemoryExchange(new Map([['archival', { db: dbOf(chain) }]]))
    const { engine, syncer, stats, until } = await setupSyncer(ex, { trusted: trustOf(chain[49]!) })
    expect(syncer.progress().trusted).toMatchObject({ height: 50, state: 'searching' })
    syncer.start()
    await until(() => syncer.progress().base === 120, 'base 120')
    // one header at the trusted height, then ranges strictly above it
    expect(ex.requests[0]).toEqual({ peer: 'archival', from: 50, count: 1 })
    expect(ex.requests.slice(1).every((r) => r.from > 50)).toBe(true)
    expect(Math.min(...ex.requests.map((r) => r.from))).toBe(50)
    expect(syncer.progress().trusted).toEqual({ height: 50, hash: chain[49]!.hash, state: 'anchored', peer: 'archival' })
    expect(stats.snapshot()).toMatchObject({ accepted: 71, rejected: 0 })
    // history starts at the trusted header: nothing below it is known
    for (let h = 1; h < 50; h++) expect(engine.canonicalBlock(h), `block ${h}`).toBeUndefined()
    expect(engine.canonicalBlock(50)).toMatchObject({ hash: chain[49]!.hash, checks: { proposerSignature: true } })
    for (let h = 51; h <= 120; h++) expect(engine.canonicalBlock(h)).toMatchObject({ hash: chain[h - 1]!.hash, checks: { proposerSignature: true, linkage: true } })
    expect(engine.getTips().proposed?.hash).toBe(chain[119]!.hash)
    expect(engine.getFailures()).toEqual([])
  })

  it('penalises a peer serving another header at the trusted height (TRUSTED_HASH_MISMATCH) and takes it from another', async () => {
    const common = buildChain(40, 'lying')
    const honest = [...common, ...buildChain(60, 'lying-honest', tipOf(common[39]!), 11)]
    // a validly signed chain that forks below the trusted height: its header at 60 has another hash
    const other = [...common, ...buildChain(60, 'lying-other', tipOf(common[39]!), 31)]
    expect(other[59]!.hash).not.toBe(honest[59]!.hash)
    const ex = new MemoryExchange(
      new Map([
        ['liar', { db: dbOf(other) }],
        ['honest', { db: dbOf(honest) }],
      ]),
    )
    const { engine, syncer, stats, until } = await setupSyncer(ex, { trusted: trustOf(honest[59]!) })
    syncer.start()
    await until(() => syncer.progress().base === 100, 'base 100')
    expect(ex.penalized).toEqual([{ peer: 'liar', code: 'TRUSTED_HASH_MISMATCH' }])
    expect(ex.requests.slice(0, 2)).toEqual([
      { peer: 'liar', from: 60, count: 1 },
      { peer: 'honest', from: 60, count: 1 },
    ])
    expect(ex.requests.every((r) => r.from >= 60)).toBe(true)
    expect(ex.requests.slice(2).every((r) => r.peer === 'honest' && r.from > 60)).toBe(true)
    const failure = engine.getFailures().find((f) => f.code === 'TRUSTED_HASH_MISMATCH')!
    expect(failure).toMatchObject({ severity: 'hard', details: { peer: 'liar', height: 60, trusted: honest[59]!.hash, got: other[59]!.hash } })
    expect(stats.snapshot().rejected).toBe(1)
    expect(syncer.progress().trusted).toMatchObject({ state: 'anchored', peer: 'honest' })
    for (let h = 60; h <= 100; h++) expect(engine.canonicalBlock(h)?.hash).toBe(honest[h - 1]!.hash)
    // the liar's header never reached the engine
    expect(await engine.knows(other[59]!.hash)).toBe(false)
  })

  it('rejects the trusted header with a bad proposer signature from one peer and verifies it from another', async () => {
    const chain = buildChain(40, 'forged')
    const forged = (s: SignedHeader): SignedHeader => (s.header.height === 20 ? { ...s, signature: chain[0]!.proposal.signature } : s)
    const ex = new MemoryExchange(
      new Map([
        ['forger', { db: dbOf(chain), tamper: forged }],
        ['honest', { db: dbOf(chain) }],
      ]),
    )
    const { engine, syncer, stats, until } = await setupSyncer(ex, { trusted: trustOf(chain[19]!) })
    syncer.start()
    await until(() => syncer.progress().base === 40, 'base 40')
    expect(ex.penalized).toEqual([{ peer: 'forger', code: 'SOURCE_BAD_RESPONSE' }])
    expect(stats.snapshot().lastError?.code).toBe('BAD_SIGNATURE')
    expect(syncer.progress().trusted).toMatchObject({ state: 'anchored', peer: 'honest' })
    expect(engine.canonicalBlock(20)).toMatchObject({ hash: chain[19]!.hash, checks: { proposerSignature: true } })
    expect(ex.requests.every((r) => r.from >= 20)).toBe(true)
  })

  it('says so (soft) when no peer serves the trusted header in time, keeps looking, and syncs once one does', async () => {
    const chain = buildChain(60, 'unavailable')
    const peers = new Map<string, { db: ChainDb }>([['short', { db: dbOf(chain.slice(0, 20)) }]])
    const ex = new MemoryExchange(peers)
    const { engine, syncer, until } = await setupSyncer(ex, { trusted: trustOf(chain[29]!), trustedTimeoutMs: 300 })
    syncer.start()
    await until(() => syncer.progress().trusted?.state === 'unavailable', 'unavailable')
    const f = engine.getFailures().find((x) => x.code === 'TRUSTED_HEADER_UNAVAILABLE')!
    expect(f).toMatchObject({ severity: 'soft', details: { height: 30, hash: chain[29]!.hash } })
    expect(f.message).toMatch(/no peer served the trusted header/)
    // nothing was fetched meanwhile: no peer announced height 30, and nothing below it is asked
    expect(ex.requests).toEqual([])
    expect(engine.getTips().proposed).toBeNull()
    // a peer that has it connects
    peers.set('archival', { db: dbOf(chain) })
    ex.announce()
    await until(() => syncer.progress().base === 60, 'base 60')
    expect(syncer.progress().trusted).toMatchObject({ state: 'anchored', peer: 'archival' })
    expect(ex.requests.every((r) => r.from >= 30)).toBe(true)
    expect(engine.canonicalBlock(29)).toBeUndefined()
  })

  it('uses a trusted header the client already holds (gossip, store) without fetching it', async () => {
    const chain = buildChain(50, 'held')
    const ex = new MemoryExchange(new Map([['archival', { db: dbOf(chain) }]]))
    const { engine, syncer, until } = await setupSyncer(ex, { trusted: trustOf(chain[24]!) })
    for (const b of chain.slice(24, 28)) expect(await engine.onBlockProposal(b.proposalBytes)).toBe('accept')
    syncer.start()
    await until(() => syncer.progress().base === 50, 'base 50')
    expect(syncer.progress().trusted).toMatchObject({ state: 'anchored', peer: null })
    expect(ex.requests[0]).toMatchObject({ from: 29 })
    expect(ex.requests.every((r) => r.from >= 29)).toBe(true)
  })

  it('does not walk back below the trusted header: a chain that does not descend from it is refused', async () => {
    const common = buildChain(20, 'walk')
    const a = [...common, ...buildChain(10, 'walk-a', tipOf(common[19]!), 6)]
    // b forks below the trusted height (20) and reaches higher: its chain cannot descend from the trusted header
    const b = [...common.slice(0, 12), ...buildChain(40, 'walk-b', tipOf(common[11]!), 21)]
    const ex = new MemoryExchange(new Map([['other-fork', { db: dbOf(b) }]]))
    const { engine, syncer, until } = await setupSyncer(ex, { trusted: trustOf(common[19]!) })
    for (const x of a.slice(19)) expect(await engine.onBlockProposal(x.proposalBytes)).toBe('accept')
    syncer.start()
    await until(() => ex.penalized.length > 0 && syncer.progress().state === 'idle', 'walked back, penalised, idle')
    expect(syncer.progress().walkBacks).toBe(1)
    expect(ex.penalized).toEqual([{ peer: 'other-fork', code: 'TRUSTED_HASH_MISMATCH' }])
    expect(engine.getFailures()[0]).toMatchObject({ code: 'TRUSTED_HASH_MISMATCH', details: { height: 20, got: b[19]!.hash, trusted: common[19]!.hash } })
    // the walk went down to the trusted header, never below it
    expect(ex.requests.some((r) => r.from === 21)).toBe(true)
    expect(ex.requests.every((r) => r.from > 20)).toBe(true)
    expect(engine.canonicalBlock(20)?.hash).toBe(common[19]!.hash)
    expect(engine.getReorgs()).toEqual([])
  })
})
