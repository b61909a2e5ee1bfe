import { Dexie, type DexieOptions, type Table } from 'dexie'
import type { ErrorRecord } from '../core/errors'
import type { Address, BlockStatus, Hex, Tips } from '../core/types'
import type { BlockChecks, EvidenceRecord, ReorgRecord } from '../client/types'

/** One L2 block as stored: the raw header (so it can be re-verified) plus what we know of it. */
export interface BlockRow {
  hash: Hex
  height: number
  slot: number
  checkpointNumber: number
  indexInCheckpoint: number
  timestamp: number
  parentHash: Hex
  proposer: Address
  txCount: number
  headerBytes: Uint8Array
  /** Proposer's signature over BlockProposal(hash), when the block came by gossip. */
  proposalSignature: Uint8Array | null
  status: BlockStatus
  checks: BlockChecks
  error: ErrorRecord | null
  /** Where the header came from first. */
  source: string
  receivedAt: number
  /** Status history: [status, unix ms] pairs, oldest first. */
  history: [BlockStatus, number][]
  /** Source that delivered the body that verified against this header (absent: no body verified yet). */
  bodySource?: string
  /** When that body verified (unix ms). */
  bodyAt?: number
  /** Fetch attempts it took to get a body that verified (absent: unknown / delivered with the header). */
  bodyAttempts?: number
}

export interface CheckpointRow {
  /** `${checkpointNumber}:${digest}` — several candidates for one number can exist (provisional vs mined). */
  id: string
  checkpointNumber: number
  slot: number
  digest: Hex
  headerHashes: Hex[]
  blobVersionedHashes: Hex[]
  /** Distinct committee signers seen (gossip or L1 calldata). */
  signers: Address[]
  committeeSize: number
  quorum: number
  status: 'proposed' | 'attested' | 'mined' | 'finalized' | 'invalid' | 'orphaned'
  error: ErrorRecord | null
  l1: { blockNumber: number; blockHash: Hex; txHash: Hex } | null
  updatedAt: number
  /** The attestation signatures (65-byte r‖s‖v, hex) seen for this digest, so quorum can be re-verified on demand. */
  attestations?: Hex[]
}

/** Where a transaction's effect sits: one row per (tx, block); the same tx can be in an orphaned and a mined block. */
export interface TxIndexRow {
  txHash: Hex
  blockHash: Hex
  height: number
  /** Position of the tx effect in the block body. */
  index: number
}

export interface BodyRow {
  hash: Hex
  bytes: Uint8Array
  source: string
}

export interface FailureRow {
  id?: number
  at: number
  source: string
  error: ErrorRecord
}

export interface MetaRow {
  key: string
  value: unknown
}

/** The persisted sync position: tips and how far L1 has been scanned. */
export interface SyncState {
  tips: Tips
  /** Last L1 block whose CheckpointProposed logs have been applied, with its hash (to detect L1 reorgs). */
  l1Cursor: { blockNumber: number; blockHash: Hex } | null
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
