/**
 * Errors with stable codes. Every error Vigil raises or records is a `VigilError`
 * carrying a `code` from `ErrorCodes`, a `severity` (soft: not enough information yet,
 * ignore and retry, don't punish the sender; hard: the data is wrong, reject it and
 * penalise whoever sent it) and plain-data `details` that explain it.
 *
 * Errors cross the worker boundary and land in the store as `ErrorRecord`s (plain
 * objects), because structured clone keeps only name/message/stack of an Error.
 */

export const ErrorCodes = {
  // decoding (protocol)
  DECODE_TRUNCATED: 'DECODE_TRUNCATED',
  DECODE_TRAILING_BYTES: 'DECODE_TRAILING_BYTES',
  DECODE_TOO_LARGE: 'DECODE_TOO_LARGE',
  DECODE_UNKNOWN_VERSION: 'DECODE_UNKNOWN_VERSION',
  DECODE_INVALID_FIELD: 'DECODE_INVALID_FIELD',
  // header / chain
  WRONG_CHAIN: 'WRONG_CHAIN',
  PARENT_MISMATCH: 'PARENT_MISMATCH',
  HEIGHT_NOT_CONSECUTIVE: 'HEIGHT_NOT_CONSECUTIVE',
  PARENT_UNKNOWN: 'PARENT_UNKNOWN',
  SLOT_MISMATCH: 'SLOT_MISMATCH',
  // signatures
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  WRONG_PROPOSER: 'WRONG_PROPOSER',
  COMMITTEE_UNKNOWN: 'COMMITTEE_UNKNOWN',
  QUORUM_NOT_REACHED: 'QUORUM_NOT_REACHED',
  SIGNER_NOT_IN_COMMITTEE: 'SIGNER_NOT_IN_COMMITTEE',
  DUPLICATE_SIGNER: 'DUPLICATE_SIGNER',
  // bodies and blobs
  BODY_MISMATCH: 'BODY_MISMATCH',
  BLOB_INVALID: 'BLOB_INVALID',
  BLOB_HASH_MISMATCH: 'BLOB_HASH_MISMATCH',
  BLOB_COUNT_MISMATCH: 'BLOB_COUNT_MISMATCH',
  /** No source delivered a body that verified (soft: retry later). */
  BODY_UNAVAILABLE: 'BODY_UNAVAILABLE',
  CHECKPOINT_MISMATCH: 'CHECKPOINT_MISMATCH',
  /** An invalid checkpoint's L1 block was reorged away: its verdict no longer applies (soft, docs/reorgs.md). */
  CHECKPOINT_REORGED_OUT: 'CHECKPOINT_REORGED_OUT',
  // sources / transport
  SOURCE_UNAVAILABLE: 'SOURCE_UNAVAILABLE',
  SOURCE_TIMEOUT: 'SOURCE_TIMEOUT',
  SOURCE_BAD_RESPONSE: 'SOURCE_BAD_RESPONSE',
  ABORTED: 'ABORTED',
  // req/resp and the syncer
  RATE_LIMITED: 'RATE_LIMITED',
  NO_PEER_FOR_RANGE: 'NO_PEER_FOR_RANGE',
  PENDING_TIMEOUT: 'PENDING_TIMEOUT',
  /** A peer served a header at the trusted height whose hash is not the trusted one (hard). */
  TRUSTED_HASH_MISMATCH: 'TRUSTED_HASH_MISMATCH',
  /** No peer served the trusted header within the timeout (soft: keep trying, follow gossip/L1). */
  TRUSTED_HEADER_UNAVAILABLE: 'TRUSTED_HEADER_UNAVAILABLE',
  // configuration and use
  CONFIG_INVALID: 'CONFIG_INVALID',
  NOT_FOUND: 'NOT_FOUND',
  STORE_FAILED: 'STORE_FAILED',
  INTERNAL: 'INTERNAL',
  /** A React hook of `vigil/react` ran outside `<VigilProvider>` and was given no client (hard: a programming error). */
  PROVIDER_MISSING: 'PROVIDER_MISSING',
  /** `client.waitFor` gave up: the tip did not reach the height within `timeoutMs` (soft: try again, wait longer). */
  WAIT_TIMEOUT: 'WAIT_TIMEOUT',
  // snapshots
  SNAPSHOT_INVALID: 'SNAPSHOT_INVALID',
  SNAPSHOT_STALE: 'SNAPSHOT_STALE',
  SNAPSHOT_NOT_ON_L1: 'SNAPSHOT_NOT_ON_L1',
  // L1 execution-layer proofs (src/verify/mpt.ts, src/protocol/eth)
  /** A Merkle-Patricia proof does not verify: a node's hash is not its reference, a node is malformed, or the path leads nowhere consistent (hard). */
  PROOF_INVALID: 'PROOF_INVALID',
  /** A proof verifies but proves a value other than the one claimed (hard). */
  PROOF_VALUE_MISMATCH: 'PROOF_VALUE_MISMATCH',
  /** An execution block header's RLP does not hash to the claimed block hash (hard). */
  HEADER_HASH_MISMATCH: 'HEADER_HASH_MISMATCH',
  /** A trie root rebuilt from its items (receipts) is not the header's root (hard). */
  ROOT_MISMATCH: 'ROOT_MISMATCH',
  /** A receipt's or log's placement (block, index, gas used, log index) contradicts the verified block or its neighbours (hard). */
  RECEIPT_MISMATCH: 'RECEIPT_MISMATCH',
  // Ethereum consensus light client (src/verify/lightclient)
  /** A Merkle branch (sync committee, finality, execution payload) does not lead to its root. */
  LC_INVALID_BRANCH: 'LC_INVALID_BRANCH',
  /** The sync committee's aggregate signature does not verify (or does not decode). */
  LC_BAD_SIGNATURE: 'LC_BAD_SIGNATURE',
  /** Fewer sync-committee members signed than the rule needs. */
  LC_INSUFFICIENT_PARTICIPATION: 'LC_INSUFFICIENT_PARTICIPATION',
  /** The update's signature or attested period is not one the store can check. */
  LC_WRONG_PERIOD: 'LC_WRONG_PERIOD',
  /** The bootstrap's header does not hash to the trusted checkpoint root. */
  LC_BOOTSTRAP_MISMATCH: 'LC_BOOTSTRAP_MISMATCH',
  /** Slots out of order (signature slot > attested slot ≥ finalized slot, not in the future). */
  LC_INVALID_SLOTS: 'LC_INVALID_SLOTS',
  /** A light-client header is malformed for its fork (execution fields, empty-header rules). */
  LC_INVALID_HEADER: 'LC_INVALID_HEADER',
  /** The update brings nothing the store can use (older than the finalized header, no new committee). */
  LC_IRRELEVANT_UPDATE: 'LC_IRRELEVANT_UPDATE',
  /** The update's next sync committee differs from the one the store already holds for that period. */
  LC_SYNC_COMMITTEE_MISMATCH: 'LC_SYNC_COMMITTEE_MISMATCH',
  // the L1 anchor and the RPCs behind it (src/sources/l1-*.ts, docs/trust.md)
  /** Fewer than k of the n L1 RPCs agree on a block hash (soft: the anchor does not advance; details say who claimed what). */
  L1_QUORUM_NOT_REACHED: 'L1_QUORUM_NOT_REACHED',
  /** An L1 RPC's claim (head, finalized block, header) contradicts the anchor or the quorum (hard: evidence against that RPC). */
  L1_RPC_DISAGREES: 'L1_RPC_DISAGREES',
  /** The proven rollup state names a checkpoint no L1 RPC's logs listed (soft: found another way, or retried). */
  L1_CHECKPOINT_HIDDEN: 'L1_CHECKPOINT_HIDDEN',
  /** No anchored L1 block yet: nothing can be proven (soft). */
  L1_NOT_ANCHORED: 'L1_NOT_ANCHORED',
  /** A proven checkpoint's transaction holds no propose() call (direct or in a wrapper) matching the proven digest (soft: skipped by the scan, a coded failure). */
  L1_CALLDATA_UNREADABLE: 'L1_CALLDATA_UNREADABLE',
  // gossip validation (src/verify/gossip-rules.ts, docs/verification.md § Gossip validation)
  /** A message larger than its topic's cap, refused before decoding (hard). */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** A proposal for a slot further ahead of the local clock than the tolerance (soft: ignored, not penalised). */
  SLOT_IN_FUTURE: 'SLOT_IN_FUTURE',
  /** A header whose timestamp lies outside the slot it names (hard). */
  TIMESTAMP_OUT_OF_SLOT: 'TIMESTAMP_OUT_OF_SLOT',
  /** A proposal's tx hash list is not its body's (or, header-only, not txCount long) (hard). */
  TX_HASHES_MISMATCH: 'TX_HASHES_MISMATCH',
  /** A second, different block signed for a (slot, index) already taken: stored as evidence, never shown (soft). */
  DOUBLE_PROPOSAL: 'DOUBLE_PROPOSAL',
  // signing schemes and network adapters (src/networks)
  /** A message names a signing scheme the registry does not know (src/networks/schemes.ts), or one its network does not use (hard). */
  SCHEME_UNKNOWN: 'SCHEME_UNKNOWN',
  /** A message names a kind its signing scheme does not sign (hard). */
  SCHEME_KIND_UNKNOWN: 'SCHEME_KIND_UNKNOWN',
  /** No call with the rollup's propose selector decodes fully anywhere in a transaction's input (hard: the input is not a proposal). */
  PROPOSE_NOT_FOUND: 'PROPOSE_NOT_FOUND',
  /** A signature recovers to an address other than the one the calldata lists for it (hard). */
  SIGNER_MISMATCH: 'SIGNER_MISMATCH',
  /** The committee rebuilt from a checkpoint's attestations is not the one L1 committed to for its epoch (hard). */
  COMMITTEE_MISMATCH: 'COMMITTEE_MISMATCH',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

/** soft: not enough information (retry later, don't penalise); hard: provably wrong. */
export type Severity = 'soft' | 'hard'

/** The plain-data form of a VigilError: what is stored, exported and sent across the worker boundary. */
export interface ErrorRecord {
  code: ErrorCode
  severity: Severity
  message: string
  details?: Record<string, string | number | boolean | null>
  /**
   * Where the failing data came from, set when the failure is recorded (src/sync/failures.ts):
   * `gossip`, `reqresp`, `filestore`, `beacon`, `l1:<rpc>`, `l2rpc`, `snapshot`, `reexec`, …
   */
  source?: string
  /** The peer that sent it (gossip and req/resp), as a libp2p peer id string. */
  peer?: string
}

export class VigilError extends Error {
  override readonly name = 'VigilError'
  readonly code: ErrorCode
  readonly severity: Severity
  readonly details: Record<string, string | number | boolean | null>

  constructor(
    code: ErrorCode,
    message: string,
    opts: { severity?: Severity; details?: Record<string, string | number | boolean | null>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.code = code
    this.severity = opts.severity ?? 'hard'
    this.details = opts.details ?? {}
  }

  toRecord(): ErrorRecord {
    const rec: ErrorRecord = { code: this.code, severity: this.severity, message: this.message }
    if (Object.keys(this.details).length > 0) rec.details = { ...this.details }
    return rec
  }

  static fromRecord(rec: ErrorRecord): VigilError {
    return new VigilError(rec.code, rec.message, { severity: rec.severity, details: rec.details ?? {} })
  }
}

export function isVigilError(e: unknown): e is VigilError {
  return e instanceof VigilError
}

/** Any thrown value as a record; unknown errors become INTERNAL (hard). */
export function toErrorRecord(e: unknown): ErrorRecord {
  if (e instanceof VigilError) return e.toRecord()
  if (e instanceof Error && e.name === 'AbortError') return { code: 'ABORTED', severity: 'soft', message: e.message }
  return { code: 'INTERNAL', severity: 'hard', message: e instanceof Error ? e.message : String(e) }
}
