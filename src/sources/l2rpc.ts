/**
 * A trusted L2 RPC (op-node style backup sync): `GET <base>/head` and `GET <base>/block/<n>`,
 * one block per request. Trusted only to be available: everything it returns is decoded
 * strictly here and verified by the sync engine like gossip (docs/backup-sync.md).
 */
import { VigilError } from '../core/errors'
import type { AbortOptions, Hex } from '../core/types'
import { hexToBytes } from '../protocol/bytes'
import { MAX_BODY_BYTES } from '../protocol/body'
import { headerHash, type BlockHeader } from '../protocol/header'
import { decodeSignedHeader } from '../protocol/signed-header'
import { StatsRecorder } from './stats'
import { boundedGet } from './http'

export interface L2RpcHead {
  height: number
  hash: Hex
}

/** One block as the RPC hands it over: decoded, not yet verified. */
export interface L2RpcBlock {
  height: number
  hash: Hex
  header: BlockHeader
  signature: Uint8Array
  body: Uint8Array
}

export interface L2RpcSourceOptions {
  /** Per-request bound (default 10 s). */
  timeoutMs?: number
  /** Largest response accepted (default: a maximal body in hex plus the header). */
  maxResponseBytes?: number
  /** Stats name (default 'l2rpc'). */
  name?: string
}

const DEFAULT_MAX_RESPONSE = 2 * MAX_BODY_BYTES + 16 * 1024
const HEAD_MAX_RESPONSE = 4 * 1024

export class L2RpcSource {
  readonly stats: StatsRecorder
  private readonly timeoutMs: number
  private readonly maxBytes: number

  constructor(
    readonly baseUrl: string,
    opts: L2RpcSourceOptions = {},
  ) {
    if (!/^https?:\/\//.test(baseUrl)) throw new VigilError('CONFIG_INVALID', `L2 RPC URL must be http(s): ${baseUrl}`)
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.stats = new StatsRecorder(opts.name ?? 'l2rpc', 'l2rpc')
    this.timeoutMs = opts.timeoutMs ?? 10_000
    this.maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE
  }

  /** The RPC's chain head. */
  async head(opts: AbortOptions = {}): Promise<L2RpcHead> {
    const json = (await this.getJson(`${this.baseUrl}/head`, HEAD_MAX_RESPONSE, opts)) as Record<string, unknown>
    if (!isUint(json.height) || !isHash(json.hash)) throw badResponse('head is not { height, hash }')
    return { height: json.height, hash: json.hash.toLowerCase() as Hex }
  }

  /**
   * The block at `height`: its signed header and body, decoded (lengths and versions checked)
   * and matched to the height asked for. A 404 is a soft NOT_FOUND (not there yet).
   */
  async block(height: number, opts: AbortOptions = {}): Promise<L2RpcBlock> {
    if (!Number.isSafeInteger(height) || height < 1) throw new VigilError('CONFIG_INVALID', `block height must be a positive integer, got ${height}`)
    const json = (await this.getJson(`${this.baseUrl}/block/${height}`, this.maxBytes, opts)) as Record<string, unknown>
    if (typeof json.signedHeader !== 'string' || typeof json.body !== 'string') throw badResponse(`block ${height} lacks signedHeader/body`)
    const signed = decodeSignedHeader(hexToBytes(json.signedHeader))
    const body = hexToBytes(json.body)
    if (body.length > MAX_BODY_BYTES) throw new VigilError('DECODE_TOO_LARGE', `L2 RPC body of block ${height} is ${body.length} bytes`, { details: { height, got: body.length, max: MAX_BODY_BYTES } })
    const hash = headerHash(signed.header)
    if (signed.header.height !== height) throw badResponse(`asked for block ${height}, got block ${signed.header.height}`, 'hard')
    if (json.hash !== undefined && (typeof json.hash !== 'string' || json.hash.toLowerCase() !== hash)) throw badResponse(`block ${height}: announced hash differs from the header's hash`, 'hard')
    return { height, hash, header: signed.header, signature: signed.signature, body }
  }

  private async getJson(url: string, maxBytes: number, opts: AbortOptions): Promise<unknown> {
    const t0 = performance.now()
    try {
      const res = await boundedGet(url, { timeoutMs: this.timeoutMs, maxBytes, accept: 'application/json', what: 'L2 RPC', ...(opts.signal ? { signal: opts.signal } : {}) })
      if (res.status === 404) throw new VigilError('NOT_FOUND', `L2 RPC has nothing at ${url}`, { severity: 'soft' })
      let json: unknown
      try {
        json = JSON.parse(new TextDecoder().decode(res.bytes))
      } catch {
        throw badResponse(`${url} is not JSON`)
      }
      if (typeof json !== 'object' || json === null) throw badResponse(`${url} is not a JSON object`)
      this.stats.success(res.bytes.length, performance.now() - t0)
      return json
    } catch (e) {
      this.stats.failure(e, performance.now() - t0)
      throw e
    }
  }
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isHash = (v: unknown): v is string => typeof v === 'string' && /^0x[0-9a-fA-F]{64}$/.test(v)

function badResponse(message: string, severity: 'soft' | 'hard' = 'hard'): VigilError {
  return new VigilError('SOURCE_BAD_RESPONSE', `L2 RPC: ${message}`, { severity })
}
