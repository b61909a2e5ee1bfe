/**
 * What the three req/resp protocols (status, headers by range, bodies by hash) share:
 * the response envelope with its result code, the per-peer inbound rate limiter, the
 * chain-server interface a responder implements, and the served-request hook.
 *
 * Every response is
 *
 *   u8 version = 1 ‖ u8 result ‖ (result = OK: the protocol's payload)
 *
 * so a refusal (rate limited, invalid request, unavailable) is an answer the requester can
 * act on (back off, try another peer) rather than a reset stream it has to guess about.
 */
import { VigilError } from '../../core/errors'
import type { Hex } from '../../core/types'
import { Reader, Writer, checkVersion } from '../../protocol/bytes'
import type { SignedHeader } from '../../protocol/signed-header'

export const RESPONSE_VERSION = 1

export const Result = {
  OK: 0,
  /** The peer spent its inbound budget for this protocol: retry later, elsewhere. */
  RATE_LIMITED: 1,
  /** The request did not decode (unknown version, over a cap, bad field). */
  INVALID_REQUEST: 2,
  /** The responder cannot answer now (internal error, refusing). */
  UNAVAILABLE: 3,
} as const
export type ResultCode = (typeof Result)[keyof typeof Result]

/** `u8 version ‖ u8 result ‖ payload`. */
export function encodeResponse(result: ResultCode, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  if (result !== Result.OK && payload.length > 0) throw new VigilError('INTERNAL', 'only an OK response carries a payload')
  return new Writer(2 + payload.length).u8(RESPONSE_VERSION).u8(result).bytes(payload).finish()
}

/**
 * Opens a response: checks its version and result. OK → a Reader positioned at the payload;
 * a refusal → the matching soft VigilError (RATE_LIMITED, SOURCE_BAD_RESPONSE, SOURCE_UNAVAILABLE);
 * an unknown result code → SOURCE_BAD_RESPONSE (hard).
 */
export function openResponse(bytes: Uint8Array, what: string): Reader {
  const r = new Reader(bytes, what)
  const version = r.u8(`${what}.version`)
  checkVersion(what, version, RESPONSE_VERSION)
  const result = r.u8(`${what}.result`)
  switch (result) {
    case Result.OK:
      return r
    case Result.RATE_LIMITED:
      r.end()
      throw new VigilError('RATE_LIMITED', `${what}: the peer rate-limited this request`, { severity: 'soft' })
    case Result.INVALID_REQUEST:
      r.end()
      throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: the peer refused the request as invalid`, { severity: 'soft' })
    case Result.UNAVAILABLE:
      r.end()
      throw new VigilError('SOURCE_UNAVAILABLE', `${what}: the peer cannot answer now`, { severity: 'soft' })
    default:
      throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: unknown result code ${result}`, { details: { result } })
  }
}

/** What a node announces in `status` (Malachite's ValueSync status): the ranges it can serve. */
export interface ChainStatus {
  /** Lowest height whose header this node serves (earliest > latest: none). */
  earliestHeader: number
  /** Lowest height whose body this node serves (earliest > latest: none; light nodes hold no bodies). */
  earliestBody: number
  /** Highest height held (0: nothing). */
  latest: number
  /** Hash of the header at `latest` (ZERO_HASH when nothing is held). */
  headHash: Hex
}

/** What a responder serves from. The devnet's full nodes and (later) browser clients implement it. */
export interface ChainServer {
  status(): ChainStatus | Promise<ChainStatus>
  /** Consecutive signed headers from `from`, at most `count`; fewer (or none) is allowed. */
  headersByRange(from: number, count: number, signal: AbortSignal): SignedHeader[] | Promise<SignedHeader[]>
  /** Bodies of the blocks with these header hashes that are held; missing ones omitted. */
  bodiesByHash(hashes: Hex[], signal: AbortSignal): { hash: Hex; bytes: Uint8Array }[] | Promise<{ hash: Hex; bytes: Uint8Array }[]>
}

/** One answered (or refused) inbound request, for a responder's counters. */
export interface ServedEvent {
  protocol: 'status' | 'headers_by_range' | 'bodies_by_hash'
  peer: string
  result: ResultCode
  /** Items asked for (headers: count; bodies: hashes). */
  asked: number
  /** Items sent. */
  served: number
  /** The request (headers: from/count; bodies: hashes). */
  request?: { from?: number; count?: number; hashes?: Hex[] }
  bytes: number
}

export interface ServeOptions {
  /** Rate limits per peer; defaults in DEFAULT_RATE_LIMITS. */
  limiter?: RateLimiter
  /** Called after every inbound request, answered or refused. */
  onServed?: (ev: ServedEvent) => void
  /** Read + handle + write deadline. Default 10 s. */
  timeoutMs?: number
  runOnLimitedConnection?: boolean
}

/**
 * A responder: what a protocol's handler does with one request frame, apart from the stream
 * (the stream layer, src/p2p/stream.ts, enforces the frame caps and the deadline). It reads
 * only the requesting peer's id and the abort signal, so it can be driven without a
 * connection (the fuzz harness, fuzz/index.ts, does).
 */
export type Responder = (request: Uint8Array, ctx: { from: { toString(): string }; signal: AbortSignal }) => Promise<Uint8Array>

/** A token bucket's shape: `capacity` tokens, refilled at `perSecond`. */
export interface BucketSpec {
  capacity: number
  perSecond: number
}

/**
 * Inbound limits per peer and protocol, in items (status: requests; headers: headers asked;
 * bodies: hashes asked). Generous enough for a syncing client (8 parallel 64-header ranges
 * per second), tight enough that one peer cannot monopolise a responder.
 */
export const DEFAULT_RATE_LIMITS: Record<ServedEvent['protocol'], BucketSpec> = {
  status: { capacity: 10, perSecond: 2 },
  headers_by_range: { capacity: 1024, perSecond: 512 },
  bodies_by_hash: { capacity: 128, perSecond: 64 },
}

const MAX_TRACKED_BUCKETS = 4096

/**
 * Per-peer token buckets, one per protocol. `take` spends `cost` tokens or refuses. The map
 * is bounded: when full, the least recently used bucket is dropped (a peer returning after
 * that starts with a full bucket, which is what an idle peer would have anyway).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly specs: Record<ServedEvent['protocol'], BucketSpec> = DEFAULT_RATE_LIMITS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(peer: string, protocol: ServedEvent['protocol'], cost = 1): boolean {
    const spec = this.specs[protocol]
    const key = `${protocol}\u0000${peer}`
    const t = this.now()
    let b = this.buckets.get(key)
    if (b) {
      this.buckets.delete(key)
      b.tokens = Math.min(spec.capacity, b.tokens + ((t - b.at) / 1000) * spec.perSecond)
      b.at = t
    } else {
      b = { tokens: spec.capacity, at: t }
      if (this.buckets.size >= MAX_TRACKED_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!)
    }
    this.buckets.set(key, b)
    if (cost > spec.capacity || b.tokens < cost) return false
    b.tokens -= cost
    return true
  }
}
