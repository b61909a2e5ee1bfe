/** Waiting on a Node LightClient's snapshots (events, not sleeps), through the one wait of test/helpers/wait.ts. */
import type { LightClient } from '../../src/client/worker/light-client'
import type { ClientSnapshot } from '../../src/client/shared/types'
import { waitFor } from './wait'

/** The last snapshot's tips, sync progress, sources, bodies and failures (what a failing test needs). */
function seen(last: ClientSnapshot | null): string {
  if (!last) return 'no snapshot'
  return `last snapshot ${JSON.stringify({ tips: last.tips, sync: last.sync, sources: last.sources, bodies: last.bodies, failures: last.failures.slice(0, 5) })}`
}

/**
 * Resolves with the first non-null value of `check`, which runs on every snapshot the client
 * pushes (one at a time; `subscribe` delivers the current one at once). A check that throws
 * counts as "not yet". Rejects after `timeoutMs` with `what`, the last snapshot and the last
 * error a check threw.
 */
export function until<T>(client: LightClient, check: (s: ClientSnapshot) => Promise<T | null> | T | null, timeoutMs: number, what: string): Promise<T> {
  let last: ClientSnapshot | null = null
  return waitFor({
    subscribe: (wake) =>
      client.subscribe((s) => {
        last = s
        wake()
      }),
    check: () => (last ? check(last) : null),
    timeoutMs,
    what,
    context: () => seen(last),
  })
}

/** Resolves with the first snapshot for which `pred` holds; rejects after `timeoutMs` like `until`. */
export function waitForSnapshot(client: LightClient, pred: (s: ClientSnapshot) => boolean, timeoutMs: number, what: string): Promise<ClientSnapshot> {
  return until(client, (s) => (pred(s) ? s : null), timeoutMs, what)
}
