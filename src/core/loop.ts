/**
 * The one loop every background component runs (syncer, body pipeline, L1 follower, backup
 * sync): a `step`, then an idle wait that `wake()` cuts short, exponential backoff with
 * jitter after a failed step, and a stop that aborts the step in flight and waits for it.
 *
 * ```ts
 * const loop = new Loop({ name: 'l1', step: async (signal) => { await poll(signal); return 1000 } })
 * loop.start()
 * loop.wake()        // something changed: step again now
 * await loop.stop()  // aborts the step's signal, resolves when the step returned
 * ```
 */
import { backoffMs } from './abort'

/**
 * What a step says about the next one: wait this many ms (woken early by `wake()`); 0 = step
 * again at once; `Infinity` = wait until woken (no timer).
 */
export type NextStep = number

/** setTimeout's longest delay (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface LoopOptions {
  /** For logs. */
  name: string
  /** One unit of work. Aborted through `signal` when the loop stops; throwing counts as a failure (backoff). */
  step: (signal: AbortSignal) => Promise<NextStep>
  /** Backoff after consecutive failed steps (default base 1 s, max 30 s). */
  backoff?: { baseMs: number; maxMs: number }
  /** A step failed (`failures`: consecutive failures so far, ≥ 1). Not called for failures caused by stopping. */
  onError?: (e: unknown, failures: number) => void
  /** Random source for the jitter (tests). */
  random?: () => number
  /**
   * The longest the loop may idle right now, whatever the step returned or the backoff says
   * (e.g. until the component's next timed retry is due). Asked after every step.
   */
  idleCap?: () => number
}

export const LOOP_DEFAULTS = { backoff: { baseMs: 1_000, maxMs: 30_000 } } as const

export class Loop {
  private run: { abort: AbortController; done: Promise<void> } | null = null
  private wakeFn: (() => void) | null = null
  /** A wake() that came while a step ran: the idle wait after it is skipped. */
  private woken = false
  private failures = 0

  constructor(private readonly opts: LoopOptions) {}

  get running(): boolean {
    return this.run !== null
  }

  /** Consecutive failed steps (0 after a step that succeeded). */
  get consecutiveFailures(): number {
    return this.failures
  }

  /** Starts stepping (returns at once; a second start is a no-op). */
  start(): void {
    if (this.run) return
    const abort = new AbortController()
    this.run = { abort, done: this.loop(abort.signal) }
  }

  /** Step again now: cuts the idle wait short (or skips the next one when a step is running). */
  wake(): void {
    this.woken = true
    const fn = this.wakeFn
    this.wakeFn = null
    fn?.()
  }

  /** Aborts the step in flight and resolves once the loop has returned. */
  async stop(): Promise<void> {
    const run = this.run
    if (!run) return
    this.run = null
    run.abort.abort()
    this.wake()
    await run.done
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const backoff = this.opts.backoff ?? LOOP_DEFAULTS.backoff
    while (!signal.aborted) {
      this.woken = false
      let wait: number
      try {
        wait = await this.opts.step(signal)
        this.failures = 0
      } catch (e) {
        if (signal.aborted) break
        this.failures++
        this.opts.onError?.(e, this.failures)
        wait = backoffMs(this.failures - 1, backoff.baseMs, backoff.maxMs, this.opts.random)
      }
      if (signal.aborted) break
      if (this.opts.idleCap) wait = Math.min(wait, Math.max(0, this.opts.idleCap()))
      if (wait > 0 && !this.woken) await this.idle(wait, signal)
    }
  }

  private idle(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        if (this.wakeFn === done) this.wakeFn = null
        resolve()
      }
      const timer = Number.isFinite(ms) ? setTimeout(done, Math.min(ms, MAX_TIMER_MS)) : undefined
      this.wakeFn = done
      signal.addEventListener('abort', done, { once: true })
    })
  }
}
