import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { DexieChainStore } from '../../src/store/chain-store'
import type { BlockRow } from '../../src/store/db'
import type { Hex, Tips } from '../../src/core/types'

const h = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

function row(height: number, status: BlockRow['status'] = 'proposed', linked = true): BlockRow {
  return {
    hash: h(height),
    height,
    slot: height,
    checkpointNumber: height,
    indexInCheckpoint: 0,
    timestamp: 1_700_000_000_000 + height,
    parentHash: h(height - 1),
    proposer: `0x${'11'.repeat(20)}`,
    txCount: 1,
    headerBytes: new Uint8Array([height]),
    proposalSignature: null,
    status,
    checks: linked ? { linkage: true } : {},
    error: null,
    source: 'test',
    receivedAt: Date.now(),
    history: [[status, Date.now()]],
  }
}

const tipsAt = (p: number, m: number | null): Tips => ({
  proposed: { height: p, hash: h(p), timestamp: 0 },
  attested: { height: p, hash: h(p), timestamp: 0 },
  mined: m === null ? null : { height: m, hash: h(m), timestamp: 0 },
  finalized: null,
})

describe('ChainStore (Dexie over fake-indexeddb)', () => {
  let store: DexieChainStore
  let factory: InstanceType<typeof IDBFactory>
  beforeEach(async () => {
    factory = new IDBFactory()
    store = await DexieChainStore.open('test', { indexedDB: factory, IDBKeyRange })
  })
  afterEach(() => store.close())

  it('writes blocks and state together and reads them back after reopening', async () => {
    const rows = [row(1, 'mined'), row(2, 'mined'), row(3, 'attested')]
    rows[2]!.status = 'attested'
    await store.apply({ blocks: rows, state: { tips: tipsAt(3, 2), l1Cursor: { blockNumber: 7, blockHash: h(77) } } })
    store.close()
    store = await DexieChainStore.open('test', { indexedDB: factory, IDBKeyRange })
    const state = await store.loadState()
    expect(state?.tips.mined?.height).toBe(2)
    expect(state?.l1Cursor).toEqual({ blockNumber: 7, blockHash: h(77) })
    expect((await store.recentBlocks(2)).map((r) => r.height)).toEqual([3, 2])
    expect(await store.countByStatus()).toMatchObject({ mined: 2, attested: 1, proposed: 0 })
    expect(await store.checkConsistency()).toEqual([])
  })

  it('a failing write leaves nothing behind (one transaction per update)', async () => {
    await store.apply({ blocks: [row(1, 'mined')], state: { tips: tipsAt(1, 1), l1Cursor: null } })
    const bad = row(2) as unknown as Record<string, unknown>
    bad.hash = undefined // not a valid key: the whole transaction must abort
    await expect(store.apply({ blocks: [row(3), bad as unknown as BlockRow], state: { tips: tipsAt(3, 1), l1Cursor: null } })).rejects.toMatchObject({ code: 'STORE_FAILED' })
    expect(await store.getBlock(h(3))).toBeUndefined()
    expect((await store.loadState())?.tips.proposed?.height).toBe(1)
    expect(await store.checkConsistency()).toEqual([])
  })

  it('checkConsistency names every violated invariant', async () => {
    await store.apply({ blocks: [row(1, 'proposed'), row(5, 'proposed')], state: { tips: tipsAt(4, 5), l1Cursor: null } })
    const problems = await store.checkConsistency()
    expect(problems.some((p) => p.includes('tip proposed') && p.includes('not stored'))).toBe(true)
    expect(problems.some((p) => p.includes('tip mined points at a block that is only proposed'))).toBe(true)
    expect(problems.some((p) => p.includes('tip mined is above tip attested'))).toBe(true)
    expect(problems.some((p) => p.startsWith('block 5') && p.includes('its parent') && p.includes('is not stored'))).toBe(true)
  })

  it('keeps at most 1000 failures, newest first', async () => {
    const failures = Array.from({ length: 1005 }, (_, i) => ({ at: i, source: 's', error: { code: 'BAD_SIGNATURE' as const, severity: 'hard' as const, message: `f${i}` } }))
    await store.apply({ failures })
    const recent = await store.recentFailures(3)
    expect(recent.map((f) => f.error.message)).toEqual(['f1004', 'f1003', 'f1002'])
    expect(await store.db.failures.count()).toBe(1000)
  })
})
