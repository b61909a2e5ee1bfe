/**
 * A full-mode client serves the bodies it holds (issue 12 item 4, src/client/worker/chain-server.ts):
 * status announces `earliestBody` = the lowest height from which every canonical body up to
 * `latest` is held and verified, `latest` stops at the highest block near the tip whose body is
 * held, and bodies by hash answers only stored, verified bodies that still hash to their header.
 * A real Dexie store (fake-indexeddb).
 */
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { lightChainServer, type ServedEngine } from '../../src/client/worker/chain-server'
import { DexieChainStore } from '../../src/store/chain-store'
import type { BlockRow, BodyRow } from '../../src/store/db'
import type { Hex } from '../../src/core/types'
import type { BlockSummary } from '../../src/client/shared/types'
import { decodeHeader, encodeHeader, headerHash, type BlockHeader } from '../../src/protocol/header'
import { ZERO_HASH } from '../../src/protocol/bytes'
import { keccak256Hex } from '../../src/protocol/hash'

const TOP = 100
const WINDOW = 16
const SIG = new Uint8Array(65).fill(7)
/** Heights whose verified body is held at the start: 10, and 21..95 (96..100: headers only, bodies still on their way). */
const HELD = (h: number) => h === 10 || (h >= 21 && h <= 95)
/** A body stored next to a header it never verified against (checks.body false): never served. */
const UNVERIFIED = 15
/** A body marked verified whose stored bytes no longer hash to the header's bodyHash: never served. */
const CORRUPT = 5

const bodyOf = (height: number): Uint8Array => new TextEncoder().encode(`body of block ${height}`)

function makeRow(height: number, parentHash: Hex, withBody: boolean): BlockRow {
  const header: BlockHeader = {
    version: 1,
    chainId: 42,
    height,
    slot: height,
    checkpointNumber: Math.floor(height / 4),
    indexInCheckpoint: height % 4,
    timestamp: 1_700_000_000_000 + height * 500,
    parentHash,
    bodyHash: keccak256Hex(bodyOf(height)),
    stateRoot: `0x${'cd'.repeat(32)}`,
    proposer: `0x${'11'.repeat(20)}`,
    txCount: 0,
  }
  return {
    hash: headerHash(header),
    height,
    slot: header.slot,
    checkpointNumber: header.checkpointNumber,
    indexInCheckpoint: header.indexInCheckpoint,
    timestamp: header.timestamp,
    parentHash,
    proposer: header.proposer,
    txCount: 0,
    headerBytes: encodeHeader(header),
    proposalSignature: SIG,
    status: 'mined',
    checks: { linkage: true, proposerSignature: true, ...(withBody ? { body: true } : {}) },
    ...(withBody ? { bodySource: 'filestore', bodyAt: 0 } : {}),
    error: null,
    source: 'test',
    receivedAt: 0,
    history: [['mined', 0]],
  }
}

describe('a full-mode client serves the bodies it holds', () => {
  let store: DexieChainStore
  let canonical: BlockRow[] // index = height
  let engine: ServedEngine
  let now = 1_000_000
  const signal = new AbortController().signal

  beforeEach(async () => {
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    store = await DexieChainStore.open(`chain-server-bodies-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange })
    canonical = []
    const rows: BlockRow[] = []
    const bodies: BodyRow[] = []
    let parent: Hex = ZERO_HASH
    for (let h = 1; h <= TOP; h++) {
      const r = makeRow(h, parent, HELD(h) || h === CORRUPT)
      canonical[h] = r
      rows.push(r)
      parent = r.hash
      if (HELD(h) || h === UNVERIFIED) bodies.push({ hash: r.hash, bytes: bodyOf(h), source: 'filestore' })
      if (h === CORRUPT) bodies.push({ hash: r.hash, bytes: bodyOf(h + 1), source: 'filestore' })
    }
    await store.apply({ blocks: rows, bodies })
    const summary = (r: BlockRow): BlockSummary => ({ ...r, l1: null }) as unknown as BlockSummary
    engine = {
      getTips: () => ({ proposed: { height: TOP, hash: canonical[TOP]!.hash, timestamp: 0 }, attested: null, mined: null, finalized: null }),
      canonicalBlock: (h: number) => (h > TOP - WINDOW && h <= TOP ? summary(canonical[h]!) : undefined),
    }
  })
  afterEach(() => {
    vi.restoreAllMocks()
    store.close()
  })

  it('announces earliestBody = the lowest height from which every body up to latest is held, and grows it as history bodies land', async () => {
    const server = lightChainServer(engine, store, { mode: 'full' })
    const status = await server.status()
    // latest: the highest signed block near the tip whose body is held (96..100 are headers only)
    expect(status).toEqual({ earliestHeader: 1, earliestBody: 21, latest: 95, headHash: canonical[95]!.hash })

    // history bodies arrive (oldest first would be 11.., any order works): the run reaches 10, whose body was held already
    const more = [] as BlockRow[]
    const bodies = [] as BodyRow[]
    for (let h = 11; h <= 20; h++) {
      const r = { ...canonical[h]!, checks: { ...canonical[h]!.checks, body: true }, bodySource: 'reqresp' }
      more.push(r)
      if (h !== UNVERIFIED) bodies.push({ hash: r.hash, bytes: bodyOf(h), source: 'reqresp' })
    }
    await store.apply({ blocks: more, bodies })
    now += 1_500
    expect(await server.status()).toMatchObject({ earliestHeader: 1, earliestBody: 10, latest: 95 })

    // the tip's bodies land: latest moves up to the proposed tip
    await store.apply({ blocks: [96, 97, 98, 99, 100].map((h) => ({ ...canonical[h]!, checks: { ...canonical[h]!.checks, body: true }, bodySource: 'gossip' })), bodies: [96, 97, 98, 99, 100].map((h) => ({ hash: canonical[h]!.hash, bytes: bodyOf(h), source: 'gossip' })) })
    now += 1_500
    expect(await server.status()).toMatchObject({ earliestBody: 10, latest: TOP, headHash: canonical[TOP]!.hash })
  })

  it('serves a held, verified body by hash and refuses what it does not hold or never verified', async () => {
    const server = lightChainServer(engine, store, { mode: 'full' })
    const unknown = `0x${'ee'.repeat(32)}` as Hex
    const asked = [canonical[50]!.hash, canonical[98]!.hash, canonical[UNVERIFIED]!.hash, canonical[CORRUPT]!.hash, unknown, canonical[10]!.hash]
    const got = await server.bodiesByHash(asked, signal)
    expect(got).toEqual([
      { hash: canonical[50]!.hash, bytes: bodyOf(50) },
      { hash: canonical[10]!.hash, bytes: bodyOf(10) },
    ])
    // each served body is the one its header commits to
    for (const b of got) expect(keccak256Hex(b.bytes)).toBe(decodeHeader(canonical.find((r) => r?.hash === b.hash)!.headerBytes).bodyHash)
    // capped at 16 per request
    const many = Array.from({ length: 40 }, (_, i) => canonical[30 + i]!.hash)
    expect((await server.bodiesByHash(many, signal)).length).toBe(16)
  })

  it('a light client announces no bodies over the same store', async () => {
    const status = await lightChainServer(engine, store).status()
    expect(status).toMatchObject({ earliestHeader: 1, latest: TOP })
    expect(status.earliestBody).toBeGreaterThan(status.latest)
  })
})
