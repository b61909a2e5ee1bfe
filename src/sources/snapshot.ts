/**
 * The snapshot source (docs/snapshots.md): fetches the snapshot index and the latest snapshot
 * over HTTP (bounded, sha256-checked), and verifies the snapshot against L1 before anything
 * is imported:
 *   - the headers belong to their checkpoints and link, checkpoint after checkpoint, and every
 *     proposer signature recovers to the header's proposer (which the contract checked);
 *   - every checkpoint is a CheckpointProposed event on L1, at the claimed L1 block and
 *     transaction, with the same digest (so headers and blob hashes are what L1 holds) and the
 *     anchor is the last checkpoint of its L1 block;
 *   - the anchor's attestations (from the snapshot) reach quorum of the committee read from L1,
 *     the committee the snapshot names is L1's, and every earlier checkpoint's attestations
 *     (from its L1 calldata) reach quorum too;
 *   - the anchor's L1 block is still canonical and at most `maxAgeMs` old.
 * Any failure throws a coded VigilError; the client then syncs from genesis.
 */
import { VigilError } from '../core/errors'
import type { AbortOptions } from '../core/types'
import { bytesToHex } from '../protocol/bytes'
import { sha256 } from '../protocol/hash'
import { headerHash } from '../protocol/header'
import { checkpointDigest, decodeAttestationSignatures } from '../protocol/checkpoint'
import type { SigningDomain } from '../protocol/domain'
import { epochOfSlot, slotAt } from '../protocol/schedule'
import {
  MAX_SNAPSHOT_BYTES,
  MAX_SNAPSHOT_INDEX_BYTES,
  decodeSnapshot,
  parseSnapshotIndex,
  type Snapshot,
  type SnapshotIndex,
  type SnapshotIndexEntry,
} from '../protocol/snapshot'
import { verifyCheckpointHeaders, verifyProposerSignature, verifyQuorum } from '../verify/rules'
import type { L1Port } from '../ports/l1'
import type { VerifiedCheckpoint, VerifiedSegment } from '../ports/snapshot'
import { boundedGet } from './http'
import { StatsRecorder } from './stats'

export const DEFAULT_SNAPSHOT_MAX_AGE_MS = 24 * 60 * 60 * 1000
/** L1 blocks a snapshot's window may span (its logs are scanned): a week of 12 s blocks. */
export const MAX_WINDOW_L1_BLOCKS = 50_400

/** The L1 reads verification needs: the L1 port (L1Source implements it). */
export type SnapshotL1 = L1Port

export type { VerifiedCheckpoint, VerifiedSegment }

export interface SnapshotVerifyOptions extends AbortOptions {
  domain: SigningDomain
  l2ChainId: number
  /** Oldest acceptable anchor (by its L1 block time). Default one day. */
  maxAgeMs?: number
  now?: () => number
  /** The index entry the snapshot was fetched for: its height and hash must be the anchor's last block. */
  entry?: SnapshotIndexEntry
  source?: string
}

export interface FetchedSnapshot {
  index: SnapshotIndex
  entry: SnapshotIndexEntry
  snapshot: Snapshot
  bytes: number
}

/** Fetches snapshot indexes and snapshots from one index URL (a file store's `v1/<chain>/snapshots/index.json`). */
export class SnapshotSource {
  readonly stats: StatsRecorder
  private readonly timeoutMs: number

  constructor(
    readonly indexUrl: string,
    opts: { timeoutMs?: number; name?: string } = {},
  ) {
    if (!/^https?:\/\//.test(indexUrl)) throw new VigilError('CONFIG_INVALID', `snapshot index URL must be http(s): ${indexUrl}`)
    this.stats = new StatsRecorder(opts.name ?? 'snapshot', 'snapshot')
    this.timeoutMs = opts.timeoutMs ?? 30_000
  }

  /**
   * The index and the latest snapshot it names, size- and sha256-checked, decoded (not verified).
   * Requests are counted in `stats`; verdicts are the caller's (it verifies against L1 first).
   */
  async latest(opts: AbortOptions = {}): Promise<FetchedSnapshot> {
    const indexBytes = await this.get(this.indexUrl, MAX_SNAPSHOT_INDEX_BYTES, 'snapshot index', opts)
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder().decode(indexBytes))
    } catch {
      throw new VigilError('SNAPSHOT_INVALID', `snapshot index at ${this.indexUrl} is not JSON`)
    }
    const index: SnapshotIndex = parseSnapshotIndex(json)
    const entry = index.latest
    const url = new URL(entry.name, this.indexUrl).toString()
    const bytes = await this.get(url, Math.min(entry.bytes, MAX_SNAPSHOT_BYTES), `snapshot ${entry.name}`, opts)
    if (bytes.length !== entry.bytes) throw new VigilError('SNAPSHOT_INVALID', `snapshot ${entry.name} is ${bytes.length} bytes, the index says ${entry.bytes}`)
    const digest = bytesToHex(sha256(bytes))
    if (digest !== entry.sha256) throw new VigilError('SNAPSHOT_INVALID', `snapshot ${entry.name} sha256 ${digest} differs from the index's ${entry.sha256}`)
    return { index, entry, snapshot: decodeSnapshot(bytes), bytes: bytes.length }
  }

  private async get(url: string, maxBytes: number, what: string, opts: AbortOptions): Promise<Uint8Array> {
    const t0 = performance.now()
    try {
      const res = await boundedGet(url, { timeoutMs: this.timeoutMs, maxBytes, what, ...(opts.signal ? { signal: opts.signal } : {}) })
      if (res.status === 404) throw new VigilError('NOT_FOUND', `${what}: nothing at ${url}`, { severity: 'soft' })
      this.stats.success(res.bytes.length, performance.now() - t0)
      return res.bytes
    } catch (e) {
      this.stats.failure(e, performance.now() - t0)
      throw e
    }
  }
}

const fail = (code: ConstructorParameters<typeof VigilError>[0], message: string, details: Record<string, string | number> = {}): never => {
  throw new VigilError(code, message, { details: { snapshot: 1, ...details } })
}

/**
 * Verifies `snap` against L1 (see the file comment). Returns the segment to import, or throws
 * the first failed check as a coded VigilError.
 */
export async function verifySnapshot(snap: Snapshot, l1: SnapshotL1, opts: SnapshotVerifyOptions): Promise<VerifiedSegment> {
  const now = opts.now ?? Date.now
  const { domain } = opts
  if (snap.l2ChainId !== opts.l2ChainId) fail('WRONG_CHAIN', `snapshot is for L2 chain ${snap.l2ChainId}, this client follows ${opts.l2ChainId}`)
  if (snap.rollup.toLowerCase() !== domain.rollup.toLowerCase()) fail('SNAPSHOT_INVALID', `snapshot is for rollup ${snap.rollup}, this client follows ${domain.rollup}`)
  const cps = snap.checkpoints
  const anchor = cps.at(-1)!

  // 1. structure: checkpoints consecutive, headers in their checkpoints, linked, signed
  for (let i = 0; i < cps.length; i++) {
    const { checkpoint: cp, headerSignatures } = cps[i]!
    if (i > 0 && cp.checkpointNumber !== cps[i - 1]!.checkpoint.checkpointNumber + 1)
      fail('SNAPSHOT_INVALID', `snapshot checkpoints skip from ${cps[i - 1]!.checkpoint.checkpointNumber} to ${cp.checkpointNumber}`)
    if (i > 0 && cps[i]!.l1.blockNumber < cps[i - 1]!.l1.blockNumber)
      fail('SNAPSHOT_INVALID', `snapshot checkpoint ${cp.checkpointNumber} claims an earlier L1 block than checkpoint ${cp.checkpointNumber - 1}`)
    for (const h of cp.headers) if (h.chainId !== opts.l2ChainId) fail('WRONG_CHAIN', `snapshot block ${h.height} is on L2 chain ${h.chainId}`)
    verifyCheckpointHeaders(cp, i > 0 ? { parent: cps[i - 1]!.checkpoint.headers.at(-1)! } : {})
    cp.headers.forEach((h, j) => verifyProposerSignature(domain, h, headerSignatures[j]!, h.proposer))
  }
  if (anchor.l1.blockNumber - cps[0]!.l1.blockNumber > MAX_WINDOW_L1_BLOCKS)
    fail('SNAPSHOT_INVALID', `the snapshot spans ${anchor.l1.blockNumber - cps[0]!.l1.blockNumber} L1 blocks, at most ${MAX_WINDOW_L1_BLOCKS} are scanned`)
  const last = anchor.checkpoint.headers.at(-1)!
  if (opts.entry && (opts.entry.height !== last.height || opts.entry.hash !== headerHash(last) || opts.entry.checkpointNumber !== anchor.checkpoint.checkpointNumber))
    fail('SNAPSHOT_INVALID', `the index names block ${opts.entry.height} ${opts.entry.hash} of checkpoint ${opts.entry.checkpointNumber}, the snapshot ends at block ${last.height} of checkpoint ${anchor.checkpoint.checkpointNumber}`)

  // 2. the anchor's L1 block: canonical, recent
  const anchorBlock = await l1.block(anchor.l1.blockNumber)
  if (!anchorBlock || anchorBlock.hash.toLowerCase() !== anchor.l1.blockHash.toLowerCase())
    fail('SNAPSHOT_NOT_ON_L1', `the anchor's L1 block ${anchor.l1.blockNumber} ${anchor.l1.blockHash} is not on the L1 chain`, { l1Block: anchor.l1.blockNumber })
  const maxAge = opts.maxAgeMs ?? DEFAULT_SNAPSHOT_MAX_AGE_MS
  const ageMs = now() - anchorBlock!.timestamp * 1000
  if (ageMs > maxAge)
    throw new VigilError('SNAPSHOT_STALE', `the snapshot's anchor was mined ${Math.round(ageMs / 60_000)} min ago, at most ${Math.round(maxAge / 60_000)} min allowed`, {
      details: { snapshot: 1, ageMs, maxAgeMs: maxAge },
    })

  // 3. every checkpoint is on L1 as claimed, with the same digest; the anchor ends its L1 block
  const events = await l1.minedCheckpoints(cps[0]!.l1.blockNumber, anchor.l1.blockNumber, opts.signal ? { signal: opts.signal } : {})
  const byNumber = new Map(events.map((e) => [e.checkpointNumber, e]))
  const later = events.find((e) => e.l1BlockNumber === anchor.l1.blockNumber && e.logIndex > (byNumber.get(anchor.checkpoint.checkpointNumber)?.logIndex ?? Infinity))
  if (later) fail('SNAPSHOT_INVALID', `checkpoint ${later.checkpointNumber} follows the anchor in the same L1 block ${anchor.l1.blockNumber}`)
  const params = await l1.rollupParams()
  const currentEpoch = epochOfSlot(params, slotAt(params, Math.floor(now() / 1000)))
  const out: VerifiedCheckpoint[] = []
  for (const c of cps) {
    const cp = c.checkpoint
    const n = cp.checkpointNumber
    const ev = byNumber.get(n)
    if (!ev) fail('SNAPSHOT_NOT_ON_L1', `checkpoint ${n} of the snapshot has no CheckpointProposed event in L1 blocks ${cps[0]!.l1.blockNumber}–${anchor.l1.blockNumber}`, { checkpoint: n })
    const digest = checkpointDigest(cp)
    if (ev!.digest.toLowerCase() !== digest) fail('CHECKPOINT_MISMATCH', `checkpoint ${n}: L1 says digest ${ev!.digest}, the snapshot's headers give ${digest}`, { checkpoint: n })
    if (ev!.l1BlockNumber !== c.l1.blockNumber || ev!.l1BlockHash.toLowerCase() !== c.l1.blockHash.toLowerCase() || ev!.txHash.toLowerCase() !== c.l1.txHash.toLowerCase())
      fail('SNAPSHOT_INVALID', `checkpoint ${n}: the snapshot's L1 coordinates differ from L1's (block ${ev!.l1BlockNumber}, tx ${ev!.txHash})`, { checkpoint: n })
    const txBlobs = ev!.txBlobVersionedHashes.map((h) => h.toLowerCase())
    if (txBlobs.length !== cp.blobVersionedHashes.length || txBlobs.some((h, i) => h !== cp.blobVersionedHashes[i]!.toLowerCase()))
      fail('BLOB_HASH_MISMATCH', `checkpoint ${n}: blob hashes differ from its L1 transaction's`, { checkpoint: n })
    // 4. quorum of the committee read from L1
    const epoch = epochOfSlot(params, cp.slot)
    const committee = await l1.committee(epoch, currentEpoch)
    const isAnchor = c === anchor
    if (isAnchor) {
      const claimed = snap.committee.members.map((a) => a.toLowerCase())
      if (snap.committee.epoch !== epoch || claimed.length !== committee.length || claimed.some((a, i) => a !== committee[i]))
        fail('SNAPSHOT_INVALID', `the snapshot's committee (epoch ${snap.committee.epoch}, ${claimed.length} members) is not L1's committee of epoch ${epoch}`, { epoch })
    }
    const sigs = isAnchor ? snap.attestations : decodeAttestationSignatures(ev!.attestationsBytes)
    const q = verifyQuorum(domain, digest, sigs, committee)
    if (!q.valid) {
      const err = VigilError.fromRecord(q.error!)
      throw new VigilError(err.code, `checkpoint ${n}${isAnchor ? ' (the anchor)' : ''}: ${err.message}`, { severity: err.severity, details: { ...err.details, snapshot: 1, checkpoint: n } })
    }
    out.push({ checkpoint: cp, digest, headerSignatures: c.headerSignatures, l1: c.l1, signers: q.signers, committeeSize: q.committeeSize, attestations: sigs.map(bytesToHex) })
  }
  const [fin, head] = await Promise.all([l1.block('finalized'), l1.block('latest')])
  return {
    source: opts.source ?? 'snapshot',
    checkpoints: out,
    l1Cursor: { blockNumber: anchorBlock!.number, blockHash: anchorBlock!.hash },
    l1Finalized: fin?.number ?? null,
    l1Head: head?.number ?? anchorBlock!.number,
  }
}

/** The snapshot index URL of a config: `snapshotUrl`, else derived from `fileStoreUrl` (the bucket layout). */
export function snapshotIndexUrl(config: { l2ChainId: number; snapshotUrl?: string; fileStoreUrl?: string }): string | null {
  if (config.snapshotUrl) return config.snapshotUrl
  if (config.fileStoreUrl) return `${config.fileStoreUrl.replace(/\/+$/, '')}/v1/${config.l2ChainId}/snapshots/index.json`
  return null
}
