/**
 * The snapshot source (docs/snapshots.md): fetches the snapshot index and the latest snapshot
 * over HTTP (bounded, sha256-checked), and verifies the snapshot against L1 before anything
 * is imported: `verifySnapshot` checks its shape, reads what L1 says about it
 * (`readSnapshotFacts`: the anchor's block, the events in its window, the rollup schedule,
 * the committees of its epochs, finalized and head), and has the pure judgement in
 * src/verify/snapshot.ts decide. Any failure throws a coded VigilError; the client then
 * syncs from genesis.
 */
import { VigilError } from '../core/errors'
import type { AbortOptions } from '../core/types'
import type { Address } from '../core/types'
import { bytesToHex } from '../protocol/bytes'
import { sha256 } from '../protocol/hash'
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
import { checkSnapshotShape, judgeSnapshotFacts, snapshotReads, type SnapshotFacts, type SnapshotJudgeOptions } from '../verify/snapshot'
import type { L1Port } from '../ports/l1'
import type { VerifiedCheckpoint, VerifiedSegment } from '../ports/snapshot'
import { boundedGet } from './http'
import { StatsRecorder } from './stats'

export { DEFAULT_SNAPSHOT_MAX_AGE_MS, MAX_WINDOW_L1_BLOCKS } from '../verify/snapshot'

/** The L1 reads verification needs: the L1 port (ProvenL1 implements it, every value proven). */
export type SnapshotL1 = L1Port

export type { VerifiedCheckpoint, VerifiedSegment }

export interface SnapshotVerifyOptions extends AbortOptions, SnapshotJudgeOptions {
  /** The clock the anchor's age is measured with (default Date.now). */
  now?: () => number
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

/**
 * Reads what L1 says about `snap` (the facts `judgeSnapshotFacts` needs), in the order the
 * judgement uses them. A committee read that fails is kept as its error: the judgement
 * throws it only if it gets that far (as when it read L1 as it went).
 */
export async function readSnapshotFacts(snap: Snapshot, l1: SnapshotL1, opts: AbortOptions & { now?: () => number } = {}): Promise<SnapshotFacts> {
  const now = opts.now ?? Date.now
  const reads = snapshotReads(snap)
  const anchorBlock = await l1.block(reads.anchorL1Block)
  const events = await l1.minedCheckpoints(reads.from, reads.to, opts.signal ? { signal: opts.signal } : {})
  const schedule = await l1.rollupParams()
  const currentEpoch = epochOfSlot(schedule, slotAt(schedule, Math.floor(now() / 1000)))
  const committees = new Map<number, Address[] | { error: unknown }>()
  for (const c of snap.checkpoints) {
    const epoch = epochOfSlot(schedule, c.checkpoint.slot)
    if (committees.has(epoch)) continue
    committees.set(epoch, await l1.committee(epoch, currentEpoch).catch((error: unknown) => ({ error })))
  }
  const [fin, head] = await Promise.all([l1.block('finalized'), l1.block('latest')])
  return { now: now(), anchorBlock, events, schedule, committees, finalized: fin?.number ?? null, head: head?.number ?? null }
}

/**
 * Verifies `snap` against L1 (see the file comment). Returns the segment to import, or throws
 * the first failed check as a coded VigilError.
 */
export async function verifySnapshot(snap: Snapshot, l1: SnapshotL1, opts: SnapshotVerifyOptions): Promise<VerifiedSegment> {
  checkSnapshotShape(snap, opts)
  const facts = await readSnapshotFacts(snap, l1, opts)
  return judgeSnapshotFacts(snap, facts, opts)
}

/** The snapshot index URL of a config: `snapshotUrl`, else derived from `fileStoreUrl` (the bucket layout). */
export function snapshotIndexUrl(config: { l2ChainId: number; snapshotUrl?: string; fileStoreUrl?: string }): string | null {
  if (config.snapshotUrl) return config.snapshotUrl
  if (config.fileStoreUrl) return `${config.fileStoreUrl.replace(/\/+$/, '')}/v1/${config.l2ChainId}/snapshots/index.json`
  return null
}
