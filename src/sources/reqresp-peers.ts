/**
 * The req/resp peer book: what each peer announced (status: the header and body ranges it
 * serves) and how well it served us, and the choice of whom to ask.
 *
 * - Only peers whose announced range covers the request are candidates (Malachite: ask a
 *   peer for a height only if its status says it has it).
 * - Score = throughput × reliability (go-header's peer tracker scores by throughput;
 *   Malachite lowers a peer's score on failures and timeouts):
 *   throughput is an EWMA of items per second over answers; reliability an EWMA of
 *   success (1) / failure (0). A new peer starts at the best current throughput so it gets
 *   tried (exploration) rather than starved.
 * - Bad data (hard failure) benches a peer for BAN_MS; a rate limit benches it briefly; an
 *   empty answer to a range it announced counts as a failure.
 * - The effective score divides by 1 + in-flight requests, so parallel requests spread over
 *   peers instead of piling on the best one.
 * (This lives in src/sources rather than src/sync because the req/resp source uses it and
 * sources may not import the sync layer.)
 */
import { toErrorRecord, type ErrorRecord } from '../core/errors'
import type { PeerReqRespInfo } from '../core/records'
import type { ChainStatus } from '../p2p/protocols/common'

export const BAN_MS = 60_000
export const RATE_LIMIT_BENCH_MS = 1_000
export const MAX_INFLIGHT_PER_PEER = 2
const ALPHA = 0.3
const INITIAL_THROUGHPUT = 100

/** What a request needs: headers from `from` (a partial answer up to `to` is fine), or bodies for every height in [from, to]. */
export type Need = { kind: 'headers' | 'bodies'; from: number; to: number }

interface PeerState {
  id: string
  status: (ChainStatus & { at: number }) | null
  throughput: number | null
  reliability: number
  requests: number
  failures: number
  timeouts: number
  items: number
  bytes: number
  inflight: number
  benchedUntil: number
  lastError: ErrorRecord | null
}

export class PeerBook {
  private readonly peers = new Map<string, PeerState>()

  constructor(private readonly now: () => number = Date.now) {}

  private get(id: string): PeerState {
    let p = this.peers.get(id)
    if (!p) {
      p = { id, status: null, throughput: null, reliability: 1, requests: 0, failures: 0, timeouts: 0, items: 0, bytes: 0, inflight: 0, benchedUntil: 0, lastError: null }
      this.peers.set(id, p)
    }
    return p
  }

  setStatus(id: string, status: ChainStatus): void {
    this.get(id).status = { ...status, at: this.now() }
  }

  remove(id: string): void {
    this.peers.delete(id)
  }

  has(id: string): boolean {
    return this.peers.has(id)
  }

  ids(): string[] {
    return [...this.peers.keys()]
  }

  status(id: string): ChainStatus | null {
    return this.peers.get(id)?.status ?? null
  }

  /** Whether `id` announced what `need` asks for. */
  covers(id: string, need: Need): boolean {
    const s = this.peers.get(id)?.status
    if (!s) return false
    if (need.kind === 'headers') return s.earliestHeader <= need.from && need.from <= s.latest
    return s.earliestBody <= need.from && need.to <= s.latest
  }

  /** The best peer to ask for `need` now, or null when nobody announced it (or all are benched / busy). */
  pick(need: Need, exclude: ReadonlySet<string> = new Set()): string | null {
    const t = this.now()
    let best: string | null = null
    let bestScore = -Infinity
    for (const p of this.peers.values()) {
      if (exclude.has(p.id) || p.benchedUntil > t || p.inflight >= MAX_INFLIGHT_PER_PEER) continue
      if (!this.covers(p.id, need)) continue
      const eff = this.scoreOf(p) / (1 + p.inflight)
      if (eff > bestScore) {
        best = p.id
        bestScore = eff
      }
    }
    return best
  }

  /** Whether anyone announced `need`, ignoring bench and load (to tell "wait" from "nobody has it"). */
  anyCovers(need: Need): boolean {
    for (const id of this.peers.keys()) if (this.covers(id, need)) return true
    return false
  }

  begin(id: string): void {
    const p = this.get(id)
    p.inflight++
    p.requests++
  }

  /** A request we cancelled ourselves. */
  cancel(id: string): void {
    const p = this.peers.get(id)
    if (p) p.inflight = Math.max(0, p.inflight - 1)
  }

  /** An answer with `items` items in `ms`. */
  success(id: string, items: number, bytes: number, ms: number): void {
    const p = this.get(id)
    p.inflight = Math.max(0, p.inflight - 1)
    p.items += items
    p.bytes += bytes
    p.reliability = (1 - ALPHA) * p.reliability + ALPHA
    if (items > 0) {
      const sample = (items * 1000) / Math.max(1, ms)
      p.throughput = p.throughput === null ? sample : (1 - ALPHA) * p.throughput + ALPHA * sample
    }
  }

  /**
   * A failed request. `hard`: the peer sent data that is provably wrong (benched for BAN_MS);
   * `rate-limited`: benched briefly; otherwise (timeout, reset, empty answer) its reliability drops.
   */
  failure(id: string, error: unknown, kind: 'soft' | 'hard' | 'timeout' | 'rate-limited' = 'soft'): void {
    const p = this.get(id)
    p.inflight = Math.max(0, p.inflight - 1)
    p.failures++
    p.lastError = toErrorRecord(error)
    if (kind === 'timeout') p.timeouts++
    if (kind === 'rate-limited') {
      p.benchedUntil = this.now() + RATE_LIMIT_BENCH_MS
      return
    }
    p.reliability = (1 - ALPHA) * p.reliability
    if (kind === 'hard') {
      p.reliability = 0
      p.benchedUntil = this.now() + BAN_MS
    }
  }

  /** Data from `id` that already counted as a success failed verification later (hard). */
  penalize(id: string, error: unknown): void {
    const p = this.peers.get(id)
    if (!p) return
    p.failures++
    p.lastError = toErrorRecord(error)
    p.reliability = 0
    p.benchedUntil = this.now() + BAN_MS
  }

  private scoreOf(p: PeerState): number {
    let best = INITIAL_THROUGHPUT
    if (p.throughput === null) for (const q of this.peers.values()) if (q.throughput !== null) best = Math.max(best, q.throughput)
    return (p.throughput ?? best) * Math.max(0.01, p.reliability)
  }

  info(id: string): PeerReqRespInfo | undefined {
    const p = this.peers.get(id)
    if (!p) return undefined
    const t = this.now()
    return {
      announced: p.status ? { ...p.status } : null,
      score: Math.round(this.scoreOf(p) * 10) / 10,
      throughput: p.throughput === null ? null : Math.round(p.throughput * 10) / 10,
      requests: p.requests,
      failures: p.failures,
      timeouts: p.timeouts,
      items: p.items,
      bytes: p.bytes,
      benchedUntil: p.benchedUntil > t ? p.benchedUntil : null,
      lastError: p.lastError,
    }
  }

  /** Highest announced head over all peers. */
  head(): { height: number; hash: `0x${string}`; peer: string } | null {
    let best: { height: number; hash: `0x${string}`; peer: string } | null = null
    for (const p of this.peers.values()) if (p.status && p.status.latest > (best?.height ?? 0)) best = { height: p.status.latest, hash: p.status.headHash, peer: p.id }
    return best
  }

  /** Lowest height whose header some peer serves, among peers whose range reaches `from` or beyond. */
  earliestHeaderFrom(from: number): number | null {
    let lo: number | null = null
    for (const p of this.peers.values()) {
      const s = p.status
      if (!s || s.latest < from || s.earliestHeader > s.latest) continue
      const start = Math.max(from, s.earliestHeader)
      lo = lo === null ? start : Math.min(lo, start)
    }
    return lo
  }
}
