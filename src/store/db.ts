import { Dexie, type DexieOptions, type Table } from 'dexie'
import type { Address, Hex } from '../core/types'
import type { EvidenceRecord, ReorgRecord } from '../core/records'
import type { BlockRow, BodyRow, CheckpointRow, FailureRow, TxIndexRow } from '../ports/store'

export type { BlockRow, BodyRow, CheckpointRow, FailureRow, SyncState, TxIndexRow } from '../ports/store'

export interface MetaRow {
  key: string
  value: unknown
}

/** An IndexedDB implementation to use instead of the global one (fake-indexeddb under Node). */
export interface IndexedDbImpl {
  indexedDB: NonNullable<DexieOptions['indexedDB']>
  IDBKeyRange: NonNullable<DexieOptions['IDBKeyRange']>
}

export class VigilDb extends Dexie {
  blocks!: Table<BlockRow, Hex>
  checkpoints!: Table<CheckpointRow, string>
  bodies!: Table<BodyRow, Hex>
  reorgs!: Table<ReorgRecord, string>
  failures!: Table<FailureRow, number>
  meta!: Table<MetaRow, string>
  txs!: Table<TxIndexRow, [Hex, Hex]>
  /** Equivocation evidence (src/sync/evidence.ts), one row per offence. */
  evidence!: Table<EvidenceRecord, string>

  constructor(name: string, deps?: IndexedDbImpl) {
    super(name, deps ? { indexedDB: deps.indexedDB, IDBKeyRange: deps.IDBKeyRange } : undefined)
    this.version(1).stores({
      blocks: 'hash, height, status, checkpointNumber',
      checkpoints: 'id, checkpointNumber, digest, status',
      bodies: 'hash',
      reorgs: 'id, at',
      failures: '++id, at',
      meta: 'key',
    })
    // version 2 is the evidence table (faults); 3: the tx hash index (explorer search)
    this.version(2).stores({ evidence: 'id, at, kind, offender' })
    this.version(3).stores({ txs: '[txHash+blockHash], txHash, height' })
  }
}

export function dbNameFor(l2ChainId: number, rollup: Address): string {
  return `vigil-${l2ChainId}-${rollup.toLowerCase().slice(2, 10)}`
}
