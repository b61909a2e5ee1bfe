/**
 * The chain store as sync sees it: the rows it keeps and the one-transaction-per-step write.
 * `DexieChainStore` (src/store/chain-store.ts, IndexedDB via Dexie; fake-indexeddb under
 * Node) implements it.
 */
import type { ErrorRecord } from '../core/errors'
import type { Address, BlockStatus, Hex, Tips } from '../core/types'
import type { BlockChecks, EvidenceRecord, L1Proof, ReorgRecord } from '../core/records'

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
  /** What `mined` rests on: the facts proven and the anchored L1 block they were proven against (docs/trust.md). */
  proof?: L1Proof
  /** What `finalized` rests on: the anchored finalized L1 block the checkpoint's L1 block is under. */
  finality?: L1Proof
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
  /** Where the failing data came from (`gossip`, `reqresp`, `filestore`, `l1:<rpc>`, …); also in `error.source`. */
  source: string
  /** The peer that sent it (gossip, req/resp). */
  peer?: string
  error: ErrorRecord
}

/** The persisted sync position: tips and how far L1 has been scanned. */
export interface SyncState {
  tips: Tips
  /** Last L1 block whose CheckpointProposed logs have been applied, with its hash (to detect L1 reorgs). */
  l1Cursor: { blockNumber: number; blockHash: Hex } | null
}

/** Everything one sync step changes, written in ONE transaction: all of it lands or none. */
export interface StoreUpdate {
  blocks?: BlockRow[]
  checkpoints?: CheckpointRow[]
  bodies?: BodyRow[]
  reorgs?: ReorgRecord[]
  failures?: FailureRow[]
  state?: SyncState
  /** Tx hash index rows for bodies that verified (explorer search). */
  txs?: TxIndexRow[]
  /** Equivocation evidence found in this step (keyed by id: recording the same offence twice is harmless). */
  evidence?: EvidenceRecord[]
  /** Blocks to delete (with their bodies): rows that only an invalid checkpoint reorged out of L1 had named. */
  forgetBlocks?: Hex[]
}

/** The client's persistent chain store. Every `apply` is atomic. */
export interface ChainStore {
  /** The store's name (the IndexedDB database name). */
  readonly name: string
  apply(u: StoreUpdate): Promise<void>
  loadState(): Promise<SyncState | null>
  getBlock(hash: Hex): Promise<BlockRow | undefined>
  getBody(hash: Hex): Promise<BodyRow | undefined>
  getBodies(hashes: Hex[]): Promise<(BodyRow | undefined)[]>
  blocksAtHeight(height: number): Promise<BlockRow[]>
  /** Blocks with height ≥ `from`, ascending. */
  blocksFrom(from: number, limit?: number): Promise<BlockRow[]>
  /** The `limit` highest blocks, newest first. */
  recentBlocks(limit: number): Promise<BlockRow[]>
  checkpointsFrom(checkpointNumber: number): Promise<CheckpointRow[]>
  /** Every stored checkpoint candidate numbered `checkpointNumber`. */
  checkpointsNumbered(checkpointNumber: number): Promise<CheckpointRow[]>
  recentReorgs(limit: number): Promise<ReorgRecord[]>
  recentFailures(limit: number): Promise<FailureRow[]>
  /** Equivocation evidence, newest first. */
  recentEvidence(limit: number): Promise<EvidenceRecord[]>
  countEvidence(): Promise<number>
  countByStatus(): Promise<Record<BlockStatus, number>>
  /** The store's invariants, as a list of violations (empty = consistent). */
  checkConsistency(): Promise<string[]>
  clear(): Promise<void>
  /** Every stored block with `from` ≤ height ≤ `to` (all candidates per height), ascending by height. */
  blocksBetween(from: number, to: number, limit?: number): Promise<BlockRow[]>
  /** Blocks below `beforeHeight` (exclusive), highest first, at most `limit` rows. */
  blocksBefore(beforeHeight: number, limit: number): Promise<BlockRow[]>
  /** Lowest and highest stored heights (null when empty). */
  heightRange(): Promise<{ lowest: number; highest: number } | null>
  /** Every stored checkpoint candidate that names block `hash`. */
  checkpointsWithBlock(checkpointNumber: number, hash: Hex): Promise<CheckpointRow[]>
  checkpointByDigest(digest: Hex): Promise<CheckpointRow | undefined>
  /** Where a transaction's effect is stored (one row per block that holds it). */
  txLocations(txHash: Hex, limit?: number): Promise<TxIndexRow[]>
  /** Blocks by status, newest first, bounded. */
  blocksWithStatus(status: BlockStatus, limit: number): Promise<BlockRow[]>
  checkpointsWithStatus(status: CheckpointRow['status'], limit: number): Promise<CheckpointRow[]>
  /** Row counts of the big tables. */
  tableCounts(): Promise<{ blocks: number; bodies: number; checkpoints: number; txs: number }>
  close(): void
  /** Deletes the whole store. */
  destroy(): Promise<void>
}
