/**
 * The body pipeline's want-scheduler: which blocks' bodies are wanted, when each may be tried
 * next, in what order, and how a failed round backs off (sooner near the tip). It holds no
 * sources and fetches nothing: `BodyPipeline` (bodies.ts) asks it for the due batch and
 * reports each round's outcome back.
 */
import type { VigilError } from '../core/errors'
import { backoffMs } from '../core/abort'
import type { Hex } from '../core/types'
import type { BlockRow } from '../ports/store'
import { MINED } from './body-checkpoints'

export interface RetryPolicy {
  baseMs: number
  maxMs: number
}

export interface Waiter<T> {
  resolve: (b: T) => void
  reject: (e: VigilError) => void
}

export interface Want<T = unknown> {
  hash: Hex
  height: number
  checkpointNumber: number
  mined: boolean
  /** Full mode keeps fetching until it has the body; on-demand wants end after one failed round. */
  background: boolean
  attempts: number
  nextAt: number
  inflight: boolean
  waiters: Waiter<T>[]
  /** Per source, why it did not deliver (for the error an on-demand caller gets). */
  errors: Record<string, string>
}

/** Block statuses whose body is still wanted. */
export const LIVE = new Set(['proposed', 'attested', 'mined', 'finalized'])

export const WANT_DEFAULTS = {
  nearTipBlocks: 32,
  retry: { nearTip: { baseMs: 500, maxMs: 5_000 }, far: { baseMs: 2_000, maxMs: 60_000 } },
  provisionalGraceMs: 250,
  batchSize: 64,
} as const

export interface WantScheduleInit {
  now: () => number
  random: () => number
  /** The proposed tip's height (near-tip wants go first and retry sooner). */
  tipHeight: () => number
  nearTipBlocks?: number
  retry?: { nearTip: RetryPolicy; far: RetryPolicy }
  provisionalGraceMs?: number
  batchSize?: number
}

export class WantSchedule<T> {
  private readonly wants = new Map<Hex, Want<T>>()
  private readonly now: () => number
  private readonly random: () => number
  private readonly tipHeight: () => number
  private readonly nearTipBlocks: number
  private readonly retry: { nearTip: RetryPolicy; far: RetryPolicy }
  private readonly provisionalGraceMs: number
  private readonly batchSize: number

  constructor(init: WantScheduleInit) {
    this.now = init.now
    this.random = init.random
    this.tipHeight = init.tipHeight
    this.nearTipBlocks = init.nearTipBlocks ?? WANT_DEFAULTS.nearTipBlocks
    this.retry = init.retry ?? WANT_DEFAULTS.retry
    this.provisionalGraceMs = init.provisionalGraceMs ?? WANT_DEFAULTS.provisionalGraceMs
    this.batchSize = init.batchSize ?? WANT_DEFAULTS.batchSize
  }

  get size(): number {
    return this.wants.size
  }

  get(hash: Hex): Want<T> | undefined {
    return this.wants.get(hash)
  }

  has(hash: Hex): boolean {
    return this.wants.has(hash)
  }

  /** True while `w` is still the want for its block (not delivered, dropped or replaced). */
  current(w: Want<T>): boolean {
    return this.wants.get(w.hash) === w
  }

  values(): IterableIterator<Want<T>> {
    return this.wants.values()
  }

  /** Wants `row`'s body (a provisional background want waits `provisionalGraceMs` first: its transactions may trail it). */
  add(row: BlockRow, background: boolean): Want<T> {
    const provisional = !MINED.has(row.status)
    const w: Want<T> = {
      hash: row.hash,
      height: row.height,
      checkpointNumber: row.checkpointNumber,
      mined: !provisional,
      background,
      attempts: 0,
      nextAt: this.now() + (provisional && background ? this.provisionalGraceMs : 0),
      inflight: false,
      waiters: [],
      errors: {},
    }
    this.wants.set(row.hash, w)
    return w
  }

  /**
   * Follows committed block rows: a block that got its body → its want is `delivered` (the
   * caller finishes it); one no longer live (orphaned, invalid) is dropped unless someone
   * waits for it; one that became mined retries at once (blobs are a way to get it now); in
   * full mode every live block without a body is wanted. `woke`: something became due.
   */
  follow(rows: readonly BlockRow[], full: boolean): { woke: boolean; delivered: Want<T>[] } {
    let woke = false
    const delivered: Want<T>[] = []
    for (const row of rows) {
      const w = this.wants.get(row.hash)
      if (row.checks.body) {
        if (w) delivered.push(w)
        continue
      }
      if (!LIVE.has(row.status)) {
        if (w && w.waiters.length === 0) this.wants.delete(w.hash)
        else if (w) w.background = false
        continue
      }
      const mined = MINED.has(row.status)
      if (w) {
        if (mined && !w.mined && !w.inflight) {
          w.attempts = 0
          w.nextAt = this.now()
          woke = true
        }
        w.mined = mined
        w.checkpointNumber = row.checkpointNumber
        if (full) w.background = true
        continue
      }
      if (full) {
        this.add(row, true)
        woke = true
      }
    }
    return { woke, delivered }
  }

  /** Drops `w` (if it is still the current want for its block). */
  delete(w: Want<T>): void {
    if (this.current(w)) this.wants.delete(w.hash)
  }

  /** Drops every want, handing each waiter to `reject`. */
  clear(reject: (x: Waiter<T>) => void): void {
    for (const w of this.wants.values()) for (const x of w.waiters) reject(x)
    this.wants.clear()
  }

  /** Due wants, on-demand and near-tip first (newest first), then oldest first; at most one batch. */
  due(): Want<T>[] {
    const now = this.now()
    const tip = this.tipHeight()
    const rank = (w: Want<T>) => (w.waiters.length > 0 ? 0 : tip - w.height <= this.nearTipBlocks ? 1 : 2)
    return [...this.wants.values()]
      .filter((w) => !w.inflight && w.nextAt <= now)
      .sort((a, b) => rank(a) - rank(b) || (rank(a) === 1 ? b.height - a.height : a.height - b.height))
      .slice(0, this.batchSize)
  }

  /** How long until the next want is due (10 ms … 1 s: new wants wake the loop anyway). */
  nextDueIn(): number {
    const now = this.now()
    let next = Infinity
    for (const w of this.wants.values()) if (!w.inflight) next = Math.min(next, w.nextAt)
    return Math.max(10, Math.min(next - now, 1000))
  }

  /** A round ended without a body for `w`: back off (near-tip policy or far), and end an on-demand want. */
  failed(w: Want<T>): void {
    w.attempts++
    const policy = this.tipHeight() - w.height <= this.nearTipBlocks ? this.retry.nearTip : this.retry.far
    w.nextAt = this.now() + backoffMs(w.attempts - 1, policy.baseMs, policy.maxMs, this.random)
    // on-demand only: one round, then it is the caller's to ask again
    if (!w.background) this.wants.delete(w.hash)
  }

  /** Counts for progress: the lowest background want and how many are in flight. */
  summary(): { lowest: number | null; inflight: number } {
    let lowest: number | null = null
    let inflight = 0
    for (const w of this.wants.values()) {
      if (w.inflight) inflight++
      if (w.background && (lowest === null || w.height < lowest)) lowest = w.height
    }
    return { lowest, inflight }
  }
}
