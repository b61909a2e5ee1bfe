/**
 * The L1 beacon API source ("supernode"): the blobs of a mined checkpoint from
 * `GET {beaconUrl}/eth/v1/beacon/blobs/{block_id}?versioned_hashes=…`, asked for as SSZ
 * (`Accept: application/octet-stream`: the blobs back to back, ≈3x faster than JSON) and
 * read as JSON (`{"data":["0x…"]}`) when the server answers that. The devnet gateway adds
 * the CORS headers anvil lacks.
 *
 * `block_id` is the beacon **slot** of the L1 block that carried the blobs: (its timestamp −
 * the beacon genesis time) / SECONDS_PER_SLOT, with the genesis from `/eth/v1/beacon/genesis`
 * and the slot length from `/eth/v1/config/spec` (12 s when the node does not serve it), and
 * the timestamp proven by the client's L1 anchor (`l1Timestamp`). A beacon API served by an
 * execution dev node (anvil: its genesis_validators_root is zero) takes the execution block
 * number instead; `blockId: 'auto'` (the default) tells the two apart by that root, and
 * `'slot'` / `'execution-block-number'` force one.
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

/** How `block_id` is formed: see the module comment. */
export type BeaconBlockId = 'auto' | 'slot' | 'execution-block-number'
export const BEACON_BLOCK_IDS: readonly BeaconBlockId[] = ['auto', 'slot', 'execution-block-number']

/** Seconds per slot on every public Ethereum network, used when the node does not serve its spec. */
export const DEFAULT_SECONDS_PER_SLOT = 12

interface BeaconChainInfo {
  genesisTime: number
  secondsPerSlot: number
  /** True when the API takes execution block numbers (an execution dev node such as anvil). */
  byExecutionNumber: boolean
}

export interface BeaconSourceOptions {
  /** Per-request bound (default 15 s: a few MB of SSZ or hex). */
  timeoutMs?: number
  /** 'ssz' (default) or 'json'. */
  format?: 'ssz' | 'json'
  name?: string
  /** Default 'auto'. */
  blockId?: BeaconBlockId
  /** The proven timestamp (Unix seconds) of an L1 block, for its beacon slot; null when unknown. */
  l1Timestamp?: (blockNumber: number, opts: AbortOptions) => Promise<number | null>
}

export class BeaconSource implements BlobSource {
  readonly name: string
  readonly stats: StatsRecorder
  readonly baseUrl: string
  private readonly timeoutMs: number
  private readonly format: 'ssz' | 'json'
  private readonly blockIdMode: BeaconBlockId
  private readonly l1Timestamp: BeaconSourceOptions['l1Timestamp']
  private chain: Promise<BeaconChainInfo> | null = null

  constructor(baseUrl: string, opts: BeaconSourceOptions = {}) {
    if (!/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new VigilError('CONFIG_INVALID', `beacon URL must be http(s): ${baseUrl}`)
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.name = opts.name ?? 'beacon'
    this.stats = new StatsRecorder(this.name, 'beacon')
    this.timeoutMs = opts.timeoutMs ?? 15_000
    this.format = opts.format ?? 'ssz'
    this.blockIdMode = opts.blockId ?? 'auto'
    this.l1Timestamp = opts.l1Timestamp
  }

  /** The `block_id` for the blobs of `ref`: its beacon slot, or its execution block number on a dev node. */
  async blockIdOf(ref: BlobRef, opts: AbortOptions = {}): Promise<string> {
    if (this.blockIdMode === 'execution-block-number') return String(ref.l1BlockNumber)
    const chain = await this.chainInfo(opts)
    if (chain.byExecutionNumber) return String(ref.l1BlockNumber)
    const ts = ref.l1Timestamp ?? (this.l1Timestamp ? await this.l1Timestamp(ref.l1BlockNumber, opts) : null)
    if (ts === null || ts === undefined)
      throw new VigilError('L1_NOT_ANCHORED', `beacon blobs of L1 block ${ref.l1BlockNumber}: no proven timestamp for that block, so no beacon slot to ask for`, {
        severity: 'soft',
        details: { l1BlockNumber: ref.l1BlockNumber },
      })
    const delta = ts - chain.genesisTime
    if (delta < 0 || delta % chain.secondsPerSlot !== 0)
      throw new VigilError(
        'SOURCE_BAD_RESPONSE',
        `beacon blobs of L1 block ${ref.l1BlockNumber}: its timestamp ${ts} is not a slot of the beacon chain this API serves (genesis ${chain.genesisTime}, ${chain.secondsPerSlot} s slots)`,
        { severity: 'soft', details: { l1BlockNumber: ref.l1BlockNumber, timestamp: ts, genesisTime: chain.genesisTime } },
      )
    return String(delta / chain.secondsPerSlot)
  }

  /** Genesis time and slot length of the beacon chain served (asked once; asked again after a failure). */
  private chainInfo(opts: AbortOptions): Promise<BeaconChainInfo> {
    this.chain ??= this.loadChainInfo(opts).catch((e: unknown) => {
      this.chain = null
      throw e
    })
    return this.chain
  }

  private async loadChainInfo(opts: AbortOptions): Promise<BeaconChainInfo> {
    const genesis = (await this.getJson('/eth/v1/beacon/genesis', 'beacon genesis', opts)) as { data?: { genesis_time?: unknown; genesis_validators_root?: unknown } }
    const g = genesis.data ?? {}
    const genesisTime = typeof g.genesis_time === 'string' && /^\d{1,12}$/.test(g.genesis_time) ? Number(g.genesis_time) : null
    const root = typeof g.genesis_validators_root === 'string' && /^0x[0-9a-fA-F]{64}$/.test(g.genesis_validators_root) ? g.genesis_validators_root : null
    if (genesisTime === null || root === null) throw new VigilError('SOURCE_BAD_RESPONSE', 'beacon genesis: genesis_time or genesis_validators_root missing or malformed')
    const byExecutionNumber = this.blockIdMode === 'auto' && /^0x0{64}$/.test(root)
    if (byExecutionNumber) return { genesisTime, secondsPerSlot: DEFAULT_SECONDS_PER_SLOT, byExecutionNumber }
    let secondsPerSlot = DEFAULT_SECONDS_PER_SLOT
    try {
      const spec = (await this.getJson('/eth/v1/config/spec', 'beacon spec', opts)) as { data?: { SECONDS_PER_SLOT?: unknown } }
      const v = spec.data?.SECONDS_PER_SLOT
      if (typeof v === 'string' && /^[1-9]\d{0,3}$/.test(v)) secondsPerSlot = Number(v)
    } catch (e) {
      if (opts.signal?.aborted) throw e
      // the spec endpoint is optional for this purpose: 12 s is every public network's slot
    }
    return { genesisTime, secondsPerSlot, byExecutionNumber }
  }

  private async getJson(path: string, what: string, opts: AbortOptions): Promise<unknown> {
    const t0 = performance.now()
    try {
      const r = await boundedGet(`${this.baseUrl}${path}`, { timeoutMs: this.timeoutMs, maxBytes: 64 * 1024, accept: 'application/json', what, ...(opts.signal ? { signal: opts.signal } : {}) })
      if (r.status === 404) throw new VigilError('NOT_FOUND', `${what}: not served by this beacon API`, { severity: 'soft' })
      let json: unknown
      try {
        json = JSON.parse(new TextDecoder().decode(r.bytes))
      } catch (e) {
        throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: not JSON: ${(e as Error).message}`)
      }
      this.stats.success(r.bytes.length, performance.now() - t0)
      return json
    } catch (e) {
      this.stats.failure(e, performance.now() - t0)
      throw e
    }
  }

  /**
   * The blobs of `ref` as served, in the order served (the L1 transaction's order, which is
   * the checkpoint's). Throws a coded VigilError when the request fails or the answer is
   * malformed (wrong sizes, more blobs than asked for); recorded in `stats` either way.
   */
  async fetchBlobs(ref: BlobRef, opts: AbortOptions = {}): Promise<(Uint8Array | null)[]> {
    const n = ref.versionedHashes.length
    if (n === 0 || n > MAX_BLOBS_PER_CHECKPOINT) throw new VigilError('DECODE_INVALID_FIELD', `asked for ${n} blobs (1..${MAX_BLOBS_PER_CHECKPOINT})`)
    const blockId = await this.blockIdOf(ref, opts)
    const url = `${this.baseUrl}/eth/v1/beacon/blobs/${blockId}?versioned_hashes=${ref.versionedHashes.join(',')}`
    const what = `beacon blobs of L1 block ${ref.l1BlockNumber}${blockId === String(ref.l1BlockNumber) ? '' : ` (slot ${blockId})`}`
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
