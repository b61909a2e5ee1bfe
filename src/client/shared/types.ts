/**
 * What the worker pushes to the page and what the page may ask: plain, structured-clonable
 * data only (comlink / postMessage). The UI imports nothing else from the client.
 */
import type { ErrorRecord } from '../../core/errors'
import type { Address, BlockStatus, Hex, Tips } from '../../core/types'
import type { SourceStats, BlockSummary, ReorgRecord, PeerSummary, SyncProgress, EvidenceRecord, SnapshotStart, BodyProgress, HistoryProgress, CheckResult, L1TrustView, L1Proof, ProofCheck } from '../../core/records'

export type { AnchorKind, AnchoredBlock, L1AnchorView, L1Disagreement, L1Proof, L1TrustView, ProofCheck } from '../../core/records'
export type { PeerTransport, SourceKind, SourceStats, BlockChecks, BlockSummary, ReorgRecord, PeerSummary, PeerReqRespInfo, SyncProgress, EvidenceRecord, SnapshotStart, BodyProgress, HistoryProgress, CheckName, CheckResult } from '../../core/records'

export interface ClientSnapshot {
  chain: { l2ChainId: number; l1ChainId: number; rollup: Address }
  tips: Tips
  /** Newest first, at most 25. */
  latest: BlockSummary[]
  /** Newest first, at most 25. */
  reorgs: ReorgRecord[]
  sources: Record<string, SourceStats>
  peers: PeerSummary[]
  counts: Record<BlockStatus, number>
  /** Most recent first, at most 50. */
  failures: ErrorRecord[]
  l1: { head: number | null; finalized: number | null }
  /** The L1 trust panel (docs/trust.md): the anchors, each L1 RPC, what was disproven. */
  trust?: L1TrustView
  /** Equivocation evidence: how many records are stored, and the most recent (newest first, at most 10). */
  evidence?: { count: number; recent: EvidenceRecord[] }
  /** History-sync progress (explorer progress bar). */
  history?: HistoryProgress
  /** The req/resp syncer's progress (absent without libp2p). */
  sync?: SyncProgress
  /** The body pipeline (src/sync/bodies.ts): what is missing, where verified bodies came from. */
  bodies?: BodyProgress
  /** This run started from a snapshot verified against L1 (docs/snapshots.md); null when it did not. */
  snapshotStart?: SnapshotStart | null
  /** True when the tips shown were read from the store before anything new arrived. */
  restoredFromStore: boolean
  startedAt: number
  updatedAt: number
}

// ------------------------------------------------------------------ explorer (block pages, verify, search)

/** The header as decoded from the stored bytes, every field. */
export interface HeaderView {
  version: number
  chainId: number
  height: number
  slot: number
  checkpointNumber: number
  indexInCheckpoint: number
  timestamp: number
  parentHash: Hex
  bodyHash: Hex
  stateRoot: Hex
  proposer: Address
  txCount: number
}

/** One step of where a block's data came from. */
export interface ProvenanceEvent {
  what: 'header' | 'body' | 'attested' | 'mined' | 'finalized' | 'orphaned' | 'invalid' | 'proposed'
  source: string
  at: number
  /** For the header: ms between the block's timestamp and its arrival here (propagation + clock skew). */
  latencyMs?: number | null
  attempts?: number | null
  /** e.g. the L1 transaction of a mined checkpoint. */
  ref?: string | null
}

export interface CheckpointView {
  id: string
  checkpointNumber: number
  slot: number
  epoch: number | null
  digest: Hex
  status: 'proposed' | 'attested' | 'mined' | 'finalized' | 'invalid' | 'orphaned'
  error: ErrorRecord | null
  headerHashes: Hex[]
  blobVersionedHashes: Hex[]
  committeeSize: number
  quorum: number
  /** Distinct committee members whose signatures verified when the checkpoint was processed. */
  signers: Address[]
  /** The epoch's committee (from L1, cached), to show who signed and who did not; null when L1 could not be read. */
  committee: Address[] | null
  /** Number of attestation signatures stored for re-verification (0 for rows written before they were kept). */
  attestationCount: number
  l1: { blockNumber: number; blockHash: Hex; txHash: Hex } | null
  /** What `mined` rests on: the anchored L1 block its facts were proven against. */
  proof?: L1Proof | null
  /** What `finalized` rests on: the anchored finalized L1 block. */
  finality?: L1Proof | null
  updatedAt: number
}

export interface TxEffectView {
  index: number
  txHash: Hex
  fee: number
  noteHashes: Hex[]
  nullifiers: Hex[]
  logBytes: number
  /** The first 256 bytes of the logs, hex. */
  logsHead: Hex
}

export interface BlockRef {
  hash: Hex
  height: number
  status: BlockStatus
}

/** Everything the explorer shows about one block. */
export interface BlockView {
  summary: BlockSummary
  header: HeaderView
  history: [BlockStatus, number][]
  provenance: ProvenanceEvent[]
  proposalSignature: Hex | null
  /** Checkpoint candidates naming this block (normally one; provisional and mined can differ). */
  checkpoints: CheckpointView[]
  /** `held`: body stored (full mode) or fetched now; `verified-not-held`: a body verified but light mode kept none. */
  bodyState: 'held' | 'fetched' | 'verified-not-held' | 'unknown'
  bodySource: string | null
  txEffects: TxEffectView[] | null
  parent: BlockRef | null
  children: BlockRef[]
  /** Other blocks at the same height (forks, orphans). */
  siblings: BlockRef[]
  /** True when this is the canonical block at its height (not orphaned / invalid). */
  canonical: boolean
}

export interface VerifyReport {
  hash: Hex
  height: number
  /** No check failed. */
  ok: boolean
  /** Every check ran (none skipped). */
  complete: boolean
  checks: CheckResult[]
  /** Every L1 proof checked for this block's checkpoint (header hash, account proof, storage slots), against `provenAgainst`. */
  proofs?: ProofCheck[]
  /** The anchored L1 block those proofs were checked against (null: no L1 anchor, so nothing about L1 was checked). */
  provenAgainst?: { blockNumber: number; blockHash: Hex; anchor: L1Proof['anchor']; basis: string } | null
  startedAt: number
  ms: number
}

export interface BlockListQuery {
  /** Heights strictly below this (default: above the highest stored). */
  beforeHeight?: number
  /** Heights ≥ this (with toHeight: a window). */
  fromHeight?: number
  toHeight?: number
  /** Max heights returned (default 100, max 1000). */
  limit?: number
}

/** One height of the block list: the canonical block there, and how many other candidates exist. */
export interface BlockListRow {
  height: number
  block: BlockSummary
  /** Orphaned / invalid candidates at the same height. */
  others: number
}

export interface BlockListPage {
  rows: BlockListRow[]
  lowest: number | null
  highest: number | null
}

export type SearchResult =
  | { kind: 'block'; hash: Hex; height: number; status: BlockStatus; match: 'height' | 'hash' }
  | { kind: 'tx'; txHash: Hex; hash: Hex; height: number; index: number; status: BlockStatus }
  | { kind: 'checkpoint'; digest: Hex; checkpointNumber: number; hash: Hex; height: number; status: BlockStatus }

/**
 * One item of the explorer's evidence page: an equivocation (`record` holds the EvidenceRecord,
 * re-checkable by anyone) or data that failed verification (an invalid block or checkpoint, a
 * rejected delivery), with the coded error.
 */
export interface EvidenceItem {
  id: string
  kind: 'equivocation' | 'invalid-block' | 'invalid-checkpoint' | 'invalid-data'
  at: number
  source: string
  summary: string
  error: ErrorRecord | null
  height: number | null
  hashes: Hex[]
  /** Raw evidence (signatures, headers, digests …) as plain data, for export. */
  data: Record<string, unknown>
}

export interface StorageInfo {
  /** navigator.storage.estimate() (bytes), null where unavailable (Node). */
  usage: number | null
  quota: number | null
  persisted: boolean | null
  counts: { blocks: number; bodies: number; checkpoints: number; txs: number }
  storeName: string
}
