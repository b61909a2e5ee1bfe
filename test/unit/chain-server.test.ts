/**
 * A browser serves every signed header its store holds, not only the engine's in-memory window
 * (issue 3 item 8, src/client/worker/chain-server.ts): a real Dexie store (fake-indexeddb) holding
 * 600 blocks while the engine's window holds only the top 16.
 */
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { lightChainServer, type ServedEngine } from '../../src/client/worker/chain-server'
import { DexieChainStore } from '../../src/store/chain-store'
import type { BlockRow } from '../../src/store/db'
import type { Hex } from '../../src/core/types'
import type { BlockSummary } from '../../src/client/shared/types'
import { encodeHeader, headerHash, type BlockHeader } from '../../src/protocol/header'
import { ZERO_HASH } from '../../src/protocol/bytes'

const TOP = 600
const WINDOW = 16
const UNSIGNED = 50 // learnt from L1 only: nothing at or below it can be served
const SIG = new Uint8Array(65).fill(7)

function makeRow(height: number, parentHash: Hex, opts: { signed?: boolean; status?: BlockRow['status']; salt?: number } = {}): BlockRow {
  const header: BlockHeader = {
    version: 1,
    chainId: 42,
    height,
    slot: height,
    checkpointNumber: Math.floor(height / 4),
    indexInCheckpoint: height % 4,
    timestamp: 1_700_000_000_000 + height * 500 + (opts.salt ?? 0),
    parentHash,
    bodyHash: `0x${'ab'.repeat(32)}`,
    stateRoot: `0x${'cd'.repeat(32)}`,
    proposer: `0x${'11'.repeat(20)}`,
    txCount: 0,
  }
  const status = opts.status ?? 'mined'
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
    proposalSignature: opts.signed === false ? null : SIG,
    status,
    checks: { linkage: true },
    error: null,
    source: 'test',
    receivedAt: 0,
    history: [[status, 0]],
  }
}

describe('lightChainServer over a real store (fake-indexeddb)', () => {
  let store: DexieChainStore
  let canonical: BlockRow[] // index = height
  let engine: ServedEngine
  const signal = new AbortController().signal

  beforeEach(async () => {
    store = await DexieChainStore.open(`chain-server-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange })
    canonical = []
    const rows: BlockRow[] = []
    let parent: Hex = ZERO_HASH
    for (let h = 1; h <= TOP; h++) {
      const r = makeRow(h, parent, { signed: h !== UNSIGNED })
      canonical[h] = r
      rows.push(r)
      parent = r.hash
    }
    // forks the server must not follow: an orphaned sibling at 200, and a stale live branch at 300–301
    rows.push(makeRow(200, canonical[199]!.hash, { status: 'orphaned', salt: 1 }))
    const stale = makeRow(300, canonical[299]!.hash, { status: 'proposed', salt: 2 })
    rows.push(stale, makeRow(301, stale.hash, { status: 'proposed', salt: 2 }))
    await store.apply({ blocks: rows })
    // the engine's in-memory window: only the top WINDOW heights
    const summary = (r: BlockRow): BlockSummary => ({ ...r, l1: null } as unknown as BlockSummary)
    engine = {
      getTips: () => ({ proposed: { height: TOP, hash: canonical[TOP]!.hash, timestamp: 0 }, attested: null, mined: null, finalized: null }),
      canonicalBlock: (h: number) => (h > TOP - WINDOW && h <= TOP ? summary(canonical[h]!) : undefined),
    }
  })
  afterEach(() => {
    vi.restoreAllMocks()
    store.close()
  })

  it('announces and serves headers far below the in-memory window, on the canonical chain only', async () => {
    const server = lightChainServer(engine, store)
    const status = await server.status()
    expect(status).toMatchObject({ latest: TOP, earliestHeader: UNSIGNED + 1, headHash: canonical[TOP]!.hash })
    expect(status.earliestBody).toBeGreaterThan(status.latest)

    for (const from of [UNSIGNED + 1, 100, 180, 290, 500, TOP - WINDOW - 10]) {
      const got = await server.headersByRange(from, 64, signal)
      const expected = Math.min(64, TOP - from + 1)
      expect(got.length, `from ${from}`).toBe(expected)
      got.forEach((sh, i) => {
        expect(sh.header.height).toBe(from + i)
        expect(headerHash(sh.header)).toBe(canonical[from + i]!.hash)
        expect(sh.signature).toEqual(SIG)
      })
    }
    // a range cuts at the unsigned block (signed canonical headers below it are still served, unannounced)
    expect(await server.headersByRange(UNSIGNED, 10, signal)).toEqual([])
    expect((await server.headersByRange(UNSIGNED - 20, 64, signal)).map((sh) => sh.header.height)).toEqual(Array.from({ length: 20 }, (_, i) => UNSIGNED - 20 + i))
    // caps: at most 64 per request
    expect((await server.headersByRange(100, 500, signal)).length).toBe(64)
    // above the tip: nothing
    expect(await server.headersByRange(TOP + 1, 10, signal)).toEqual([])
  })

  it('walks a deep store in bounded steps, resuming where the last walk stopped', async () => {
    let now = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    const between = vi.spyOn(store, 'blocksBetween')
    const server = lightChainServer(engine, store, { walkBudget: 200 })
    const first = await server.status()
    expect(first.earliestHeader).toBe(TOP - 200)
    expect(between.mock.calls.length).toBeLessThanOrEqual(2)
    now += 1_500
    expect((await server.status()).earliestHeader).toBe(TOP - 400)
    now += 1_500
    expect((await server.status()).earliestHeader).toBe(UNSIGNED + 1)
    // memoised: the next status reads nothing below the top
    between.mockClear()
    now += 1_500
    expect((await server.status()).earliestHeader).toBe(UNSIGNED + 1)
    expect(between).not.toHaveBeenCalled()
  })
})
