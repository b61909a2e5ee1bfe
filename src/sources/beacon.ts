/**
 * The L1 beacon API source ("supernode"): the blobs of a mined checkpoint from
 * `GET {beaconUrl}/eth/v1/beacon/blobs/{l1BlockNumber}?versioned_hashes=…`, asked for as SSZ
 * (`Accept: application/octet-stream`: the blobs back to back, ≈3x faster than JSON) and
 * read as JSON (`{"data":["0x…"]}`) when the server answers that. The devnet gateway adds
 * the CORS headers anvil lacks.
 *
 * Trusted for nothing: the body pipeline checks every blob against the checkpoint's
 * versioned hashes with KZG (src/sync/bodies.ts). Stats: one request per GET; verdicts one
 * per blob served.
 */
import { VigilError } from '../core/errors'
import type { AbortOptions } from '../core/types'
import { BYTES_PER_BLOB } from '../protocol/blob'
import { hexToBytes } from '../protocol/bytes'
import { MAX_BLOBS_PER_CHECKPOINT } from '../protocol/checkpoint'
import { boundedGet } from './http'
import { StatsRecorder } from './stats'
import type { BlobRef, BlobSource } from '../ports/bodies'

export interface BeaconSourceOptions {
  /** Per-request bound (default 15 s: a few MB of SSZ or hex). */
  timeoutMs?: number
  /** 'ssz' (default) or 'json'. */
  format?: 'ssz' | 'json'
  name?: string
}

export class BeaconSource implements BlobSource {
  readonly name: string
  readonly stats: StatsRecorder
  readonly baseUrl: string
  private readonly timeoutMs: number
  private readonly format: 'ssz' | 'json'

  constructor(baseUrl: string, opts: BeaconSourceOptions = {}) {
    if (!/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new VigilError('CONFIG_INVALID', `beacon URL must be http(s): ${baseUrl}`)
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.name = opts.name ?? 'beacon'
    this.stats = new StatsRecorder(this.name, 'beacon')
    this.timeoutMs = opts.timeoutMs ?? 15_000
    this.format = opts.format ?? 'ssz'
  }

  /**
   * The blobs of `ref` as served, in the order served (the L1 transaction's order, which is
   * the checkpoint's). Throws a coded VigilError when the request fails or the answer is
   * malformed (wrong sizes, more blobs than asked for); recorded in `stats` either way.
   */
  async fetchBlobs(ref: BlobRef, opts: AbortOptions = {}): Promise<(Uint8Array | null)[]> {
    const n = ref.versionedHashes.length
    if (n === 0 || n > MAX_BLOBS_PER_CHECKPOINT) throw new VigilError('DECODE_INVALID_FIELD', `asked for ${n} blobs (1..${MAX_BLOBS_PER_CHECKPOINT})`)
    const url = `${this.baseUrl}/eth/v1/beacon/blobs/${ref.l1BlockNumber}?versioned_hashes=${ref.versionedHashes.join(',')}`
    const what = `beacon blobs of L1 block ${ref.l1BlockNumber}`
    const t0 = performance.now()
    try {
      const r = await boundedGet(url, {
        timeoutMs: this.timeoutMs,
        // JSON is hex: 2 chars a byte plus framing
        maxBytes: n * BYTES_PER_BLOB * (this.format === 'ssz' ? 1 : 2) + 64 * 1024,
        accept: this.format === 'ssz' ? 'application/octet-stream' : 'application/json',
        what,
        ...(opts.signal ? { signal: opts.signal } : {}),
      })
      if (r.status === 404) throw new VigilError('NOT_FOUND', `${what}: the beacon API has no such block`, { severity: 'soft' })
      const blobs = r.contentType.includes('json') ? parseJson(r.bytes, what) : parseSsz(r.bytes, what)
      if (blobs.length > n) throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: ${blobs.length} blobs for ${n} versioned hashes`)
      this.stats.success(r.bytes.length, performance.now() - t0)
      return blobs
    } catch (e) {
      this.stats.failure(e, performance.now() - t0)
      throw e
    }
  }
}

function parseSsz(body: Uint8Array, what: string): Uint8Array[] {
  // SSZ List[Blob, N] of fixed-size items: the blobs back to back
  if (body.length % BYTES_PER_BLOB !== 0) throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: SSZ body of ${body.length} bytes is not a whole number of blobs`)
  return Array.from({ length: body.length / BYTES_PER_BLOB }, (_, i) => body.subarray(i * BYTES_PER_BLOB, (i + 1) * BYTES_PER_BLOB))
}

function parseJson(body: Uint8Array, what: string): Uint8Array[] {
  let json: { data?: unknown }
  try {
    json = JSON.parse(new TextDecoder().decode(body)) as { data?: unknown }
  } catch (e) {
    throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: not JSON: ${(e as Error).message}`)
  }
  if (!Array.isArray(json.data)) throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: no data array`)
  return json.data.map((h, i) => {
    if (typeof h !== 'string' || !/^0x[0-9a-fA-F]*$/.test(h) || h.length !== 2 + 2 * BYTES_PER_BLOB) throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: blob ${i} is not ${BYTES_PER_BLOB} bytes of hex`)
    return hexToBytes(h)
  })
}

export type { BlobRef }
