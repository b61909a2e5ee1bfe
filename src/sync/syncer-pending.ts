/**
 * The syncer's pending-header store (Emerald retries while its EL says SYNCING): headers the
 * engine could not verify yet (a soft failure: committee not readable, L1 unreachable or
 * behind) are held, not refetched, and retried lowest first with exponential backoff until
 * they expire. The first one still soft backs off itself and every due header above it (they
 * wait for the same cause). It reports outcomes; the syncer moves its base and penalises peers.
 */
import { VigilError, isVigilError } from '../core/errors'
import { backoffMs } from '../core/abort'
import type { Hex } from '../core/types'
import type { SignedHeader } from '../protocol/signed-header'
import type { SyncEngine } from './engine'

export interface Held {
  sh: SignedHeader
  hash: Hex
  height: number
  peer: string
  firstAt: number
  attempts: number
  nextAt: number
}

/** What retrying needs from the engine. */
export type PendingVerifier = Pick<SyncEngine, 'onSignedHeader' | 'knows' | 'softFailure'>

export const PENDING_DEFAULTS = {
  /** A held header is dropped after this long. */
  timeoutMs: 120_000,
  /** Retry backoff: first ~`retryBaseMs`, doubling up to `retryMaxMs` (jittered). */
  retryBaseMs: 250,
  retryMaxMs: 8_000,
} as const

export interface PendingInit {
  now: () => number
  timeoutMs?: number
  retryBaseMs?: number
  retryMaxMs?: number
}

/** One retry pass: what became of the due headers. */
export interface RetryOutcome {
  retries: number
  accepted: number
  known: number
  /** Refused for good now (e.g. equivocation): no longer retried. */
  ignored: number
  /** Dropped after `timeoutMs`, still not verifiable. */
  expired: Held[]
  /** Failed verification (hard): their peers are to be penalised. */
  rejected: Held[]
}

export class PendingHeaders {
  private readonly held = new Map<Hex, Held>()
  private readonly now: () => number
  readonly timeoutMs: number
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number

  constructor(init: PendingInit) {
    this.now = init.now
    this.timeoutMs = init.timeoutMs ?? PENDING_DEFAULTS.timeoutMs
    this.retryBaseMs = init.retryBaseMs ?? PENDING_DEFAULTS.retryBaseMs
    this.retryMaxMs = init.retryMaxMs ?? PENDING_DEFAULTS.retryMaxMs
  }

  get size(): number {
    return this.held.size
  }

  has(hash: Hex): boolean {
    return this.held.has(hash)
  }

  /** Holds a header (once per hash); first retry after ~`retryBaseMs`. */
  hold(sh: SignedHeader, hash: Hex, peer: string): void {
    if (this.held.has(hash)) return
    const t = this.now()
    this.held.set(hash, { sh, hash, height: sh.header.height, peer, firstAt: t, attempts: 0, nextAt: t + this.retryBaseMs })
  }

  /** Ms until the next held header is due (Infinity when none is held). */
  nextDueIn(): number {
    let next = Infinity
    for (const h of this.held.values()) next = Math.min(next, h.nextAt)
    return next === Infinity ? Infinity : Math.max(0, next - this.now())
  }

  /** Retries the due headers, lowest first (see the file comment). A hard error thrown by the engine propagates. */
  async retry(engine: PendingVerifier, source: string, signal: AbortSignal): Promise<RetryOutcome> {
    const out: RetryOutcome = { retries: 0, accepted: 0, known: 0, ignored: 0, expired: [], rejected: [] }
    if (this.held.size === 0) return out
    const t = this.now()
    const due = [...this.held.values()].filter((h) => h.nextAt <= t).sort((a, b) => a.height - b.height)
    for (let i = 0; i < due.length; i++) {
      if (signal.aborted) return out
      const h = due[i]!
      if (this.now() - h.firstAt > this.timeoutMs) {
        this.held.delete(h.hash)
        out.expired.push(h)
        continue
      }
      out.retries++
      let verdict
      try {
        verdict = await engine.onSignedHeader(h.sh.header, h.sh.signature, source, h.peer)
      } catch (e) {
        if (!isVigilError(e) || e.severity === 'hard') throw e
        verdict = 'ignore' as const
      }
      if (verdict === 'accept' || (verdict === 'ignore' && (await engine.knows(h.hash)))) {
        this.held.delete(h.hash)
        if (verdict === 'accept') out.accepted++
        else out.known++
      } else if (verdict === 'ignore' && !engine.softFailure(h.hash)) {
        this.held.delete(h.hash)
        out.ignored++
      } else if (verdict === 'ignore') {
        h.attempts++
        const next = this.now() + backoffMs(h.attempts, this.retryBaseMs, this.retryMaxMs)
        for (const o of due.slice(i)) {
          o.nextAt = next
          o.attempts = Math.max(o.attempts, h.attempts)
        }
        break
      } else {
        this.held.delete(h.hash)
        out.rejected.push(h)
      }
    }
    return out
  }

  /** The penalty for a held header that failed verification. */
  static rejection(h: Held): VigilError {
    return new VigilError('SOURCE_BAD_RESPONSE', `held header ${h.height} from ${h.peer} failed verification`, { details: { peer: h.peer, height: h.height } })
  }
}
