/**
 * The file store source: plain HTTP GETs against any base URL with the bucket layout of
 * src/protocol/filestore.ts (docs/filestore.md) — the devnet's store, a public bucket, a CDN.
 * Trusted for nothing: bodies are checked against their headers, blobs against the L1
 * versioned hashes (KZG), header ranges by the engine like any signed header.
 *
 * Stats: one request per GET. A 200 is one item served (success); a 404 is a miss and
 * counts as a failure (NOT_FOUND, soft), like timeouts, 5xx and oversize answers. So
 * `requests − failures` is exactly the number of items this source served, and every served
 * item gets exactly one verdict (accepted / rejected) from whoever verifies it.
 */
import { VigilError } from '../core/errors'
import type { AbortOptions, Hex } from '../core/types'
import type { BlobRef, BlobSource, BodySource } from '../ports/bodies'
import { MAX_BODY_BYTES } from '../protocol/body'
import { BYTES_PER_BLOB } from '../protocol/blob'
import { MAX_HEADER_RANGE_BYTES, decodeHeaderRange, fileStorePaths, headerChunkOf, type FileStoreMeta, type FileStorePaths } from '../protocol/filestore'
import type { SignedHeader } from '../protocol/signed-header'
import { boundedGet, mapLimit } from './http'
import { StatsRecorder } from './stats'

export interface FileStoreSourceOptions {
  /** Per-request bound (default 8 s). */
  timeoutMs?: number
  /** Parallel GETs per call (default 8). */
  concurrency?: number
  /** Stats name (default 'filestore'). */
  name?: string
  /** Cap on a snapshot index or snapshot object (default 64 MiB). */
  maxSnapshotBytes?: number
}

export type { BlobRef }

const MAX_META_BYTES = 16 * 1024

export class FileStoreSource implements BodySource, BlobSource {
  readonly name: string
  readonly stats: StatsRecorder
  readonly paths: FileStorePaths
  readonly baseUrl: string
  private readonly timeoutMs: number
  private readonly concurrency: number
  private readonly maxSnapshotBytes: number

  constructor(baseUrl: string, l2ChainId: number, opts: FileStoreSourceOptions = {}) {
    if (!/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new VigilError('CONFIG_INVALID', `file store URL must be http(s): ${baseUrl}`)
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.name = opts.name ?? 'filestore'
    this.stats = new StatsRecorder(this.name, 'filestore')
    this.paths = fileStorePaths(l2ChainId)
    this.timeoutMs = opts.timeoutMs ?? 8_000
    this.concurrency = opts.concurrency ?? 8
    this.maxSnapshotBytes = opts.maxSnapshotBytes ?? 64 * 1024 * 1024
  }

  urlOf(path: string): string {
    return `${this.baseUrl}/${path}`
  }

  /**
   * One object: its bytes, or null when the store does not have it (404). Throws a coded
   * VigilError for everything else. Recorded in `stats` either way.
   */
  async getObject(path: string, maxBytes: number, opts: AbortOptions & { what?: string; accept?: string } = {}): Promise<Uint8Array | null> {
    const t0 = performance.now()
    const what = opts.what ?? `file store ${path}`
    try {
      const r = await boundedGet(this.urlOf(path), { timeoutMs: this.timeoutMs, maxBytes, what, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.accept ? { accept: opts.accept } : {}) })
      if (r.status === 404) {
        this.stats.failure(new VigilError('NOT_FOUND', `${what}: not in the file store`, { severity: 'soft' }), performance.now() - t0)
        return null
      }
      this.stats.success(r.bytes.length, performance.now() - t0)
      return r.bytes
    } catch (e) {
      this.stats.failure(e, performance.now() - t0)
      throw e
    }
  }

  /** Bodies by block hash (parallel GETs). Missing or failed ones are absent from the map; nothing is verified here. */
  async fetchBodies(refs: { hash: Hex }[], opts: AbortOptions = {}): Promise<Map<Hex, Uint8Array>> {
    const out = new Map<Hex, Uint8Array>()
    await mapLimit(refs, this.concurrency, async ({ hash }) => {
      if (opts.signal?.aborted) return
      try {
        const b = await this.getObject(this.paths.body(hash), MAX_BODY_BYTES, { ...opts, what: `file store body ${hash}` })
        if (b) out.set(hash, b)
      } catch {
        // recorded in stats; the caller tries the next source
      }
    })
    return out
  }

  /** Blobs by versioned hash, aligned with `ref.versionedHashes` (null where missing or failed). Not verified here. */
  async fetchBlobs(ref: BlobRef, opts: AbortOptions = {}): Promise<(Uint8Array | null)[]> {
    return mapLimit(ref.versionedHashes, this.concurrency, async (vh) => {
      if (opts.signal?.aborted) return null
      try {
        // a blob of the wrong size is still an item served: the verifier rejects it
        return await this.getObject(this.paths.blob(vh), BYTES_PER_BLOB, { ...opts, what: `file store blob ${vh}` })
      } catch {
        return null
      }
    })
  }

  /** The signed headers of the chunk holding `height`, decoded (not verified), or null if the chunk is not published. */
  async headerRange(height: number, opts: AbortOptions = {}): Promise<SignedHeader[] | null> {
    const { from, to } = headerChunkOf(height)
    const bytes = await this.getObject(this.paths.headers(from, to), MAX_HEADER_RANGE_BYTES, { ...opts, what: `file store headers ${from}-${to}` })
    if (!bytes) return null
    try {
      return decodeHeaderRange(bytes, from, to)
    } catch (e) {
      this.stats.verdict(false, e)
      throw e
    }
  }

  /** meta.json, validated; null when the store has none. */
  async meta(opts: AbortOptions = {}): Promise<FileStoreMeta | null> {
    const bytes = await this.getObject(this.paths.meta, MAX_META_BYTES, { ...opts, what: 'file store meta.json', accept: 'application/json' })
    if (!bytes) return null
    let m: Record<string, unknown>
    try {
      m = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>
    } catch (e) {
      throw new VigilError('SOURCE_BAD_RESPONSE', `file store meta.json is not JSON: ${(e as Error).message}`)
    }
    const uint = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    if (!uint(m.layout) || !uint(m.l2ChainId) || !uint(m.headerChunkSize) || !uint(m.headersUpTo)) throw new VigilError('SOURCE_BAD_RESPONSE', 'file store meta.json lacks layout/l2ChainId/headerChunkSize/headersUpTo')
    return m as unknown as FileStoreMeta
  }

  /** The snapshot index (docs/snapshots.md) as raw bytes, capped; null when absent. */
  snapshotIndex(opts: AbortOptions = {}): Promise<Uint8Array | null> {
    return this.getObject(this.paths.snapshotIndex, this.maxSnapshotBytes, { ...opts, what: 'file store snapshot index', accept: 'application/json' })
  }
}
