/**
 * The records every layer passes around: source stats, block checks and summaries, reorgs,
 * evidence, peers, sync/body progress. Plain, structured-clonable data (they cross the
 * worker boundary and are stored in IndexedDB as they are).
 */
import type { ErrorCode, ErrorRecord } from './errors'
import type { Address, BlockStatus, Hex } from './types'

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

/** How a peer is reached (its best open connection). */
export type PeerTransport = 'websockets' | 'webrtc' | 'webrtc-direct' | 'relay' | 'tcp' | 'unknown'

export interface PeerSummary {
  id: string
  addrs: string[]
  transport: PeerTransport
  direction: 'inbound' | 'outbound'
  /** gossipsub's score of this peer in our node (negative: it sent invalid data). */
  score?: number
  /** What this peer announced over req/resp `status` and how it served us (absent: it does not speak req/resp). */
  reqresp?: PeerReqRespInfo
}

/** A req/resp peer as the client's peer book sees it (src/sources/reqresp-peers.ts). */
export interface PeerReqRespInfo {
  /** Its last `status`: header/body ranges it serves and its head (null until it answered). */
  announced: { earliestHeader: number; earliestBody: number; latest: number; headHash: Hex; at: number } | null
  /** Selection score: throughput (items/s, smoothed) × reliability; higher is asked first. */
  score: number
  /** Smoothed items per second over its answers (null until it answered one). */
  throughput: number | null
  requests: number
  failures: number
  timeouts: number
  /** Headers + bodies received from it. */
  items: number
  bytes: number
  /** Unix ms until which it is not asked (after bad data or a rate limit); null when not benched. */
  benchedUntil: number | null
  lastError: ErrorRecord | null
}

/** The req/resp syncer's progress (src/sync/syncer.ts): a plain value the UI can print. */
export interface SyncProgress {
  state: 'idle' | 'syncing' | 'stopped'
  /** Height up to which the syncer has the chain contiguously (its base). */
  base: number
  /**
   * Highest height whose header verified here (gossip, req/resp, L1) or the base; null when
   * nothing is known. Never a peer's unverified announcement (that is `announced`), so
   * "behind by" (target − base) claims only what was verified.
   */
  target: number | null
  /** Highest head any peer announced in `status` (unverified: what the syncer asks towards, never shown as verified). */
  announced?: number | null
  /** Headers held because they cannot be verified yet (committee unknown, L1 behind), retried with backoff. */
  pending: number
  headersFetched: number
  headersAccepted: number
  /** Fetched headers the engine already had (from gossip, L1 or another peer). */
  headersKnown: number
  /** Fetched headers the engine refused for good without blaming the peer (e.g. a second proposal for a slot position). */
  headersIgnored: number
  pendingRetries: number
  pendingResolved: number
  pendingExpired: number
  /** Times the syncer walked back by parent hash to find where a peer's chain meets ours. */
  walkBacks: number
  /** Lowest height any peer serves, when it is above what the syncer needs (pruned peers only). */
  unavailableBelow: number | null
  /**
   * Start from a trusted hash (config.trustedHeader, docs/sync.md § Trusted hash): where
   * history starts (nothing below `height` is fetched from peers) and whether the trusted header
   * was found and verified (`searching` → `anchored`; `unavailable` after the timeout, still
   * retried). Absent/null when no trusted header is configured.
   */
  trusted?: { height: number; hash: Hex; state: 'searching' | 'anchored' | 'unavailable' | 'conflict'; peer: string | null } | null
  /** The last gap filled: heights, headers fed, wall time. */
  lastFill: { from: number; to: number; headers: number; ms: number; at: number } | null
}

/**
 * Proof that one key signed two conflicting messages (docs/reorgs.md § Equivocation). Both
 * signed items are kept whole, so anyone can re-check it: recover both signatures over their
 * EIP-712 digests (docs/protocol.md) to `offender`, and see that they differ for one slot
 * position.
 * - `double-proposal`: two different block proposals for one (slot, index in checkpoint);
 *   items are header bytes, signatures are over BlockProposal(headerHash).
 * - `double-checkpoint-proposal`: two different checkpoint proposals for one slot; items are
 *   encoded checkpoints, signatures over CheckpointProposal(checkpointDigest).
 * - `conflicting-attestation`: one committee member attested two different checkpoints of one
 *   slot; items are encoded checkpoints, signatures over CheckpointAttestation(checkpointDigest).
 */
export interface EvidenceRecord {
  /** `${kind}:${slot}:${index}:${offender}`: one record per offence. */
  id: string
  kind: 'double-proposal' | 'double-checkpoint-proposal' | 'conflicting-attestation'
  offender: Address
  slot: number
  /** Position in the checkpoint for double proposals; -1 for the checkpoint-level kinds. */
  index: number
  /** Header hashes (double-proposal) or checkpoint digests (the other kinds), first-seen first. */
  hashes: [Hex, Hex]
  /** The two signed items: header bytes or encoded checkpoints (hex). */
  items: [Hex, Hex]
  signatures: [Hex, Hex]
  /** Source that delivered the second item. */
  source: string
  /** Unix ms when detected. */
  at: number
}

/** What a snapshot start imported: `blocks` in `checkpoints` up to `height`, fetched + verified + stored in `ms`. */
export interface SnapshotStart {
  name: string
  blocks: number
  checkpoints: number
  height: number
  ms: number
}

/** The body pipeline's state (src/sync/bodies.ts, docs/bodies.md). */
export interface BodyProgress {
  mode: 'light' | 'full'
  /** Full mode: the blocks stored before this run have been scanned for missing bodies. */
  ready: boolean
  /** Canonical blocks still lacking a body (full mode) plus on-demand fetches in progress. */
  missing: number
  /** Lowest height among the canonical blocks lacking a body (full mode); null when none. */
  lowestMissing: number | null
  inflight: number
  /** Bodies that verified, by source label (`gossip`, `filestore`, `beacon:blob`, `reexec`, …; full mode: every stored body). */
  verifiedBySource: Record<string, number>
  /** Blobs checked by KZG against the mined checkpoints' versioned hashes. */
  blobs: { verified: number; rejected: number }
  /** Rounds that left blocks without a body (each is retried with backoff). */
  failedRounds: number
}

/** How far history sync has come, for a progress bar (all heights/blocks are L1 or L2 numbers). */
export interface HistoryProgress {
  /** L1 scan for mined checkpoints: from the rollup's deploy block to the L1 head. */
  l1: { from: number; cursor: number | null; head: number | null }
  /** Live (non-orphaned, non-invalid) blocks held, against the highest known height. */
  blocks: { held: number; tipHeight: number | null }
}

export type CheckName = 'header' | 'linkage' | 'ancestry' | 'proposer' | 'proposerSignature' | 'checkpoint' | 'quorum' | 'l1Inclusion' | 'body' | 'blobs'

/** One check of `verifyBlock`: pass, fail (with the coded error), or skipped (not applicable / not enough data, with why). */
export interface CheckResult {
  name: CheckName
  title: string
  status: 'pass' | 'fail' | 'skipped'
  /** What was checked against what, or why it was skipped. */
  detail: string
  error: ErrorRecord | null
  ms: number
}

// ------------------------------------------------------------------ L1 trust (docs/trust.md)

/** How the client knows which L1 chain is Ethereum's: its own consensus light client, or k of n independent RPCs agreeing. */
export type AnchorKind = 'light-client' | 'rpc-quorum'

/** An execution block the client verified itself (through its anchor): what every L1 proof is checked against. */
export interface AnchoredBlock {
  number: number
  hash: Hex
  stateRoot: Hex
  receiptsRoot: Hex
  /** Unix seconds. */
  timestamp: number
  anchor: AnchorKind
  /** What it rests on, one line a person reads: "sync committee, period 867, 511 of 512 signed" or "2 of 3 RPCs agree at L1 block 120". */
  basis: string
}

/** One anchor's state, as the trust panel shows it. */
export interface L1AnchorView {
  kind: AnchorKind
  /** starting: nothing verified yet; synced: latest verified recently; stalled: the last round could not verify a head (`error` says why). */
  state: 'starting' | 'synced' | 'stalled'
  summary: string
  latest: AnchoredBlock | null
  finalized: AnchoredBlock | null
  /** The consensus light client's own state (kind light-client). */
  lightClient?: {
    url: string
    /** The trusted beacon block root it bootstrapped from. */
    checkpoint: Hex
    period: number
    /** Sync-committee members that signed the last accepted update, of `committeeSize`. */
    participants: number
    committeeSize: number
    finalizedSlot: number
    optimisticSlot: number
  }
  /** The RPC quorum's last round (kind rpc-quorum). */
  quorum?: {
    k: number
    n: number
    /** Blocks below the k-th highest head at which hashes are compared. */
    depth: number
    /** L1 block compared in the last round (null before the first). */
    at: number | null
    agreeing: string[]
    dissenting: string[]
    unavailable: string[]
  }
  error: ErrorRecord | null
  updatedAt: number | null
}

/** An L1 RPC said something the client proved false (or that the anchor contradicts): evidence naming it. */
export interface L1Disagreement {
  /** Source name of the RPC (`l1:<host>`). */
  rpc: string
  url: string
  what: 'head' | 'finalized' | 'header' | 'proof' | 'checkpoint' | 'log' | 'committee'
  /** The L1 block it concerns, when one. */
  l1Block: number | null
  claimed: string
  /** What the anchor or the proofs say instead ('' when only the claim is known to be false). */
  expected: string
  code: ErrorCode
  /** Unix ms: first and last seen, and how often. */
  firstAt: number
  lastAt: number
  count: number
}

/** What a mined or finalized checkpoint rests on: the anchored L1 block its facts were proven against. */
export interface L1Proof {
  blockNumber: number
  blockHash: Hex
  anchor: AnchorKind
  basis: string
  /** The RPC whose answers were proven. */
  rpc: string
  /** Each fact proven, in order ("header 0x… hashes to the anchored chain", "receipt: CheckpointProposed in block 118", "storage checkpointLog[5].attestationsHash"). */
  facts: string[]
  /** Unix ms. */
  at: number
}

/** The L1 trust panel: anchors (the light client outranks the quorum), each RPC, what was disproven. */
export interface L1TrustView {
  /** The anchor proofs are checked against now (null: none verified a head yet). */
  active: AnchorKind | null
  anchors: L1AnchorView[]
  rpcs: { name: string; url: string }[]
  /** Newest first, at most 50. */
  disagreements: L1Disagreement[]
  proofs: { verified: number; failed: number }
}

/** One proof Verify now checked against the anchored L1 block (header hash, account proof, each storage slot, a receipts root). */
export interface ProofCheck {
  kind: 'anchor' | 'header' | 'account' | 'storage' | 'receipts'
  /** What was proven: "account 0x… (rollup)", "checkpointLog[5].digest (slot 0x…)". */
  title: string
  status: 'pass' | 'fail'
  /** The value proven and the root it was proven against, or why it failed. */
  detail: string
  error: ErrorRecord | null
}
