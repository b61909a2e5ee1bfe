import { VigilError } from '../core/errors'
import { ALL_STATUSES, LIVE_STATUSES, STATUS_RANK, type BlockStatus, type Hex } from '../core/types'
import type { EvidenceRecord, ReorgRecord } from '../core/records'
import type { BlockRow, BodyRow, ChainStore, CheckpointRow, FailureRow, StoreUpdate, SyncState, TxIndexRow } from '../ports/store'
import { VigilDb, type IndexedDbImpl } from './db'

export type { ChainStore, StoreUpdate } from '../ports/store'

const STATE_KEY = 'sync-state'
const MAX_FAILURES = 1000

/**
 * The client's persistent chain store (Dexie over IndexedDB; fake-indexeddb under Node).
 * Writes are atomic per StoreUpdate, so a worker killed mid-write leaves either the state
 * before or after the step, never a tip pointing at a block that is not there.
 */
export class DexieChainStore implements ChainStore {
  private constructor(readonly db: VigilDb) {}

  get name(): string {
    return this.db.name
  }

  static async open(name: string, deps?: IndexedDbImpl): Promise<DexieChainStore> {
    const db = new VigilDb(name, deps)
    try {
      await db.open()
    } catch (e) {
      throw new VigilError('STORE_FAILED', `cannot open the store ${name}: ${(e as Error).message}`, { cause: e })
    }
    return new DexieChainStore(db)
  }

  async apply(u: StoreUpdate): Promise<void> {
    const { db } = this
    const tables = [
      u.blocks?.length || u.forgetBlocks?.length ? db.blocks : null,
      u.checkpoints?.length ? db.checkpoints : null,
      u.bodies?.length || u.forgetBlocks?.length ? db.bodies : null,
      u.reorgs?.length ? db.reorgs : null,
      u.failures?.length ? db.failures : null,
      u.state ? db.meta : null,
      u.txs?.length ? db.txs : null,
      u.evidence?.length ? db.evidence : null,
    ].filter((t) => t !== null)
    if (tables.length === 0) return
    try {
      await db.transaction('rw', tables, async () => {
        if (u.blocks?.length) await db.blocks.bulkPut(u.blocks)
        if (u.checkpoints?.length) await db.checkpoints.bulkPut(u.checkpoints)
        if (u.bodies?.length) await db.bodies.bulkPut(u.bodies)
        if (u.reorgs?.length) await db.reorgs.bulkPut(u.reorgs)
        if (u.failures?.length) {
          await db.failures.bulkAdd(u.failures)
          const n = await db.failures.count()
          if (n > MAX_FAILURES) {
            const old = await db.failures.orderBy('id').limit(n - MAX_FAILURES).primaryKeys()
            await db.failures.bulkDelete(old)
          }
        }
        if (u.state) await db.meta.put({ key: STATE_KEY, value: u.state })
        if (u.txs?.length) await db.txs.bulkPut(u.txs)
        if (u.evidence?.length) await db.evidence.bulkPut(u.evidence)
        if (u.forgetBlocks?.length) {
          await db.blocks.bulkDelete(u.forgetBlocks)
          await db.bodies.bulkDelete(u.forgetBlocks)
        }
      })
    } catch (e) {
      throw new VigilError('STORE_FAILED', `store write failed: ${(e as Error).message}`, { cause: e })
    }
  }

  async loadState(): Promise<SyncState | null> {
    const row = await this.db.meta.get(STATE_KEY)
    return (row?.value as SyncState | undefined) ?? null
  }

  getBlock(hash: Hex): Promise<BlockRow | undefined> {
    return this.db.blocks.get(hash)
  }

  getBody(hash: Hex): Promise<BodyRow | undefined> {
    return this.db.bodies.get(hash)
  }

  getBodies(hashes: Hex[]): Promise<(BodyRow | undefined)[]> {
    return this.db.bodies.bulkGet(hashes)
  }

  blocksAtHeight(height: number): Promise<BlockRow[]> {
    return this.db.blocks.where('height').equals(height).toArray()
  }

  /** Blocks with height ≥ `from`, ascending. */
  blocksFrom(from: number, limit = 10_000): Promise<BlockRow[]> {
    return this.db.blocks.where('height').aboveOrEqual(from).limit(limit).sortBy('height')
  }

  /** The `limit` highest blocks, newest first. */
  async recentBlocks(limit: number): Promise<BlockRow[]> {
    return this.db.blocks.orderBy('height').reverse().limit(limit).toArray()
  }

  checkpointsFrom(checkpointNumber: number): Promise<CheckpointRow[]> {
    return this.db.checkpoints.where('checkpointNumber').aboveOrEqual(checkpointNumber).sortBy('checkpointNumber')
  }

  checkpointsNumbered(checkpointNumber: number): Promise<CheckpointRow[]> {
    return this.db.checkpoints.where('checkpointNumber').equals(checkpointNumber).toArray()
  }

  recentReorgs(limit: number): Promise<ReorgRecord[]> {
    return this.db.reorgs.orderBy('at').reverse().limit(limit).toArray()
  }

  async recentFailures(limit: number): Promise<FailureRow[]> {
    return this.db.failures.orderBy('id').reverse().limit(limit).toArray()
  }

  /** Equivocation evidence, newest first. */
  recentEvidence(limit: number): Promise<EvidenceRecord[]> {
    return this.db.evidence.orderBy('at').reverse().limit(limit).toArray()
  }

  countEvidence(): Promise<number> {
    return this.db.evidence.count()
  }

  async countByStatus(): Promise<Record<BlockStatus, number>> {
    const out = {} as Record<BlockStatus, number>
    for (const s of ALL_STATUSES) out[s] = await this.db.blocks.where('status').equals(s).count()
    return out
  }

  /**
   * The store's invariants, as a list of violations (empty = consistent):
   * every tip names a stored block of at least that status and that height; tips are
   * ordered (finalized ≤ mined ≤ attested ≤ proposed); every stored block above the lowest
   * stored height has its parent stored.
   */
  async checkConsistency(): Promise<string[]> {
    const problems: string[] = []
    const state = await this.loadState()
    if (state) {
      for (const s of LIVE_STATUSES) {
        const tip = state.tips[s]
        if (!tip) continue
        const row = await this.db.blocks.get(tip.hash)
        if (!row) {
          problems.push(`tip ${s} ${tip.hash} is not stored`)
          continue
        }
        if (row.height !== tip.height) problems.push(`tip ${s} height ${tip.height} but block has ${row.height}`)
        const rank = row.status in STATUS_RANK ? STATUS_RANK[row.status as keyof typeof STATUS_RANK] : -1
        if (rank < STATUS_RANK[s]) problems.push(`tip ${s} points at a block that is only ${row.status}`)
      }
      for (let i = 1; i < LIVE_STATUSES.length; i++) {
        const lower = state.tips[LIVE_STATUSES[i]!]
        const upper = state.tips[LIVE_STATUSES[i - 1]!]
        if (lower && (!upper || upper.height < lower.height)) problems.push(`tip ${LIVE_STATUSES[i]} is above tip ${LIVE_STATUSES[i - 1]}`)
      }
    }
    // every block that was verified as linked has its parent stored (height 1 links to genesis)
    const linked = await this.db.blocks.filter((b) => b.checks.linkage === true && b.height > 1).toArray()
    const parents = await this.db.blocks.bulkGet(linked.map((b) => b.parentHash))
    linked.forEach((b, i) => {
      if (!parents[i]) problems.push(`block ${b.height} ${b.hash} is marked linked but its parent ${b.parentHash} is not stored`)
    })
    return problems
  }

  async clear(): Promise<void> {
    const { db } = this
    await db.transaction('rw', [db.blocks, db.checkpoints, db.bodies, db.reorgs, db.failures, db.meta, db.txs, db.evidence], async () => {
      await Promise.all([db.blocks.clear(), db.checkpoints.clear(), db.bodies.clear(), db.reorgs.clear(), db.failures.clear(), db.meta.clear(), db.txs.clear(), db.evidence.clear()])
    })
  }

  // ---------------------------------------------------------------- explorer queries (read-only)

  /** Every stored block with `from` ≤ height ≤ `to` (all candidates per height), ascending by height. */
  blocksBetween(from: number, to: number, limit = 5_000): Promise<BlockRow[]> {
    if (to < from) return Promise.resolve([])
    return this.db.blocks.where('height').between(from, to, true, true).limit(limit).toArray()
  }

  /** Blocks below `beforeHeight` (exclusive), highest first, at most `limit` rows. */
  blocksBefore(beforeHeight: number, limit: number): Promise<BlockRow[]> {
    return this.db.blocks.where('height').below(beforeHeight).reverse().limit(limit).toArray()
  }

  /** Lowest and highest stored heights (null when empty): an index read at each end, O(log n). */
  async heightRange(): Promise<{ lowest: number; highest: number } | null> {
    const low = await this.db.blocks.orderBy('height').first()
    const high = await this.db.blocks.orderBy('height').last()
    return low && high ? { lowest: low.height, highest: high.height } : null
  }

  /** Every stored checkpoint candidate that names block `hash` (usually one; provisional vs mined can differ). */
  async checkpointsWithBlock(checkpointNumber: number, hash: Hex): Promise<CheckpointRow[]> {
    const rows = await this.db.checkpoints.where('checkpointNumber').equals(checkpointNumber).toArray()
    return rows.filter((c) => c.headerHashes.includes(hash))
  }

  checkpointByDigest(digest: Hex): Promise<CheckpointRow | undefined> {
    return this.db.checkpoints.where('digest').equals(digest).first()
  }

  /** Where a transaction's effect is stored (one row per block that holds it). */
  txLocations(txHash: Hex, limit = 16): Promise<TxIndexRow[]> {
    return this.db.txs.where('txHash').equals(txHash).limit(limit).toArray()
  }

  /** Blocks by status (e.g. every invalid block), newest first, bounded. */
  blocksWithStatus(status: BlockStatus, limit: number): Promise<BlockRow[]> {
    return this.db.blocks.where('status').equals(status).reverse().limit(limit).toArray()
  }

  checkpointsWithStatus(status: CheckpointRow['status'], limit: number): Promise<CheckpointRow[]> {
    return this.db.checkpoints.where('status').equals(status).limit(limit).toArray()
  }

  /** Row counts of the big tables (IndexedDB counts by key range: cheap). */
  async tableCounts(): Promise<{ blocks: number; bodies: number; checkpoints: number; txs: number }> {
    const [blocks, bodies, checkpoints, txs] = await Promise.all([this.db.blocks.count(), this.db.bodies.count(), this.db.checkpoints.count(), this.db.txs.count()])
    return { blocks, bodies, checkpoints, txs }
  }

  close(): void {
    this.db.close()
  }

  /** Deletes the whole database (through the instance, so an injected fake-indexeddb is honoured). */
  async destroy(): Promise<void> {
    await this.db.delete()
  }
}
