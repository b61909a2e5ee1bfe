/** Waiting on a Node LightClient's snapshots (events, not sleeps). */
import type { LightClient } from '../../src/client/worker/light-client'
import type { ClientSnapshot } from '../../src/client/shared/types'

/**
 * Resolves with the first snapshot for which `pred` holds; rejects after `timeoutMs` with the
 * last snapshot's tips, sync progress, sources, bodies and failures (what a failing test needs).
 */
export function waitForSnapshot(client: LightClient, pred: (s: ClientSnapshot) => boolean, timeoutMs: number, what: string): Promise<ClientSnapshot> {
  return new Promise((resolve, reject) => {
    let last: ClientSnapshot | null = null
    const timer = setTimeout(() => {
      unsub()
      const seen = last ? { tips: last.tips, sync: last.sync, sources: last.sources, bodies: last.bodies, failures: last.failures } : 'no snapshot'
      reject(new Error(`timed out waiting for ${what}; last snapshot ${JSON.stringify(seen)}`))
    }, timeoutMs)
    const unsub = client.subscribe((s) => {
      last = s
      if (pred(s)) {
        clearTimeout(timer)
        queueMicrotask(() => unsub())
        resolve(s)
      }
    })
  })
}
