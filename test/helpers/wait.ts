/**
 * The one wait of the tests: resolves with the first non-null value of `check`, run now and
 * again on every `subscribe` event (event-driven: a client's snapshots, an engine's changes)
 * and/or every `intervalMs` (polling, only where the thing watched has no push channel: the
 * devnet's HTTP endpoints, anvil's pool). Checks run one at a time; one that throws counts as
 * "not yet" (a devnet endpoint slow to answer on a loaded machine) unless `fatal(e)` says it
 * must fail the wait. Rejects after `timeoutMs` with `what`, `context()` and the last error.
 */
export interface WaitOptions<T> {
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false
  timeoutMs: number
  /** What is waited for, for the timeout message ("a mined tip ≥ 8"). */
  what: string
  /** Calls `wake` on every event that may change the answer; returns the unsubscribe. */
  subscribe?: (wake: () => void) => () => void
  /** Poll this often (ms). Default: 250 without `subscribe`, no polling with it. */
  intervalMs?: number
  /** What the timeout message adds: the state last seen (tips, heights, …). */
  context?: () => string
  /** A check error for which the wait fails at once instead of trying again. */
  fatal?: (e: unknown) => boolean
}

export function waitFor<T>(o: WaitOptions<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let running = false
    let again = false
    let done = false
    let lastError: unknown = null
    let unsubscribe: (() => void) | null = null
    const finish = (fn: () => void) => {
      if (done) return
      done = true
      clearTimeout(deadline)
      clearInterval(poller)
      // after the current event's delivery (an emitter iterating its listeners)
      queueMicrotask(() => unsubscribe?.())
      fn()
    }
    const run = async () => {
      if (done) return
      if (running) {
        again = true
        return
      }
      running = true
      try {
        do {
          again = false
          try {
            const v = await o.check()
            if (v !== null && v !== undefined && v !== false) return finish(() => resolve(v))
          } catch (e) {
            if (o.fatal?.(e)) return finish(() => reject(e))
            lastError = e
          }
        } while (again && !done)
      } finally {
        running = false
      }
    }
    const deadline = setTimeout(() => {
      const context = o.context ? `; ${o.context()}` : ''
      const err = lastError ? `; last check error: ${(lastError as Error).message ?? String(lastError)}` : ''
      finish(() => reject(new Error(`timed out after ${o.timeoutMs} ms waiting for ${o.what}${context}${err}`)))
    }, o.timeoutMs)
    const intervalMs = o.intervalMs ?? (o.subscribe ? 0 : 250)
    const poller = intervalMs > 0 ? setInterval(() => void run(), intervalMs) : undefined
    if (o.subscribe) unsubscribe = o.subscribe(() => void run())
    void run()
  })
}

/** `waitFor` by polling alone: for the devnet's HTTP endpoints and other things with no push channel. */
export function pollUntil<T>(check: WaitOptions<T>['check'], o: Omit<WaitOptions<T>, 'check' | 'subscribe'>): Promise<T> {
  return waitFor({ ...o, check })
}
