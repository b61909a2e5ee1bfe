/**
 * What the worker pushes to the page and what the page may ask: plain, structured-clonable
 * data only (comlink / postMessage). The UI imports nothing else from the client.
 */
import type { ErrorRecord } from '../core/errors'
import type { Address, BlockStatus, Hex, Tips } from '../core/types'

export type SourceKind = 'gossip' | 'l1' | 'beacon' | 'filestore' | 'reqresp' | 'l2rpc' | 'snapshot' | 'reexec'

export interface SourceStats {
  name: string
  kind: SourceKind
  requests: number
  bytes: number
  failures: number
  /** Items this source delivered that failed verification. */
  rejected: number
  /** Items this source delivered that passed verification. */
  accepted: number
  latencyMs: { last: number | null; avg: number | null; max: number | null }
  lastError: ErrorRecord | null
  lastAt: number | null
}

/** Which checks passed for a block; absent = not run yet. */
export interface BlockChecks {
  proposerSignature?: boolean
  linkage?: boolean
  quorum?: boolean
  body?: boolean
  l1Inclusion?: boolean
}

export interface BlockSummary {
  hash: Hex
  height: number
  slot: number
  checkpointNumber: number
  indexInCheckpoint: number
  timestamp: number
  proposer: Address
  parentHash: Hex
  txCount: number
  status: BlockStatus
  checks: BlockChecks
  error: ErrorRecord | null
  /** Source that delivered the header first. */
  source: string
  receivedAt: number
}

export interface ReorgRecord {
  id: string
  /** Unix ms when the reorg was detected. */
  at: number
  /** Number of provisional blocks replaced. */
  depth: number
  /** Height of the first replaced block. */
  fromHeight: number
  oldHashes: Hex[]
  newHashes: Hex[]
  cause: 'checkpoint-mismatch' | 'l1-reorg' | 'equivocation' | 'gossip-fork'
}

export interface PeerSummary {
  id: string
  addrs: string[]
  transport: 'websockets' | 'webrtc' | 'webrtc-direct' | 'relay' | 'tcp' | 'unknown'
  direction: 'inbound' | 'outbound'
}

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
  /** True when the tips shown were read from the store before anything new arrived. */
  restoredFromStore: boolean
  startedAt: number
  updatedAt: number
}
