/**
 * Helpers for the fault tests (faults*, reorg*, equivocation*, peer-control*): the devnet's
 * admin endpoint, and event-driven waits on a LightClient (re-evaluated on every snapshot the
 * client pushes, never on a timer).
 */
import { createPublicClient, http, type PublicClient } from 'viem'
import type { LightClient } from '../../src/client/worker/light-client'
import type { ClientSnapshot } from '../../src/client/shared/types'
import type { Address, Hex } from '../../src/core/types'
import type { FaultAction } from '../../src/devnet/faults'
import type { DevnetInfo } from '../../src/devnet/network'
import { vigilRollupAbi } from '../../src/contracts/abi'

export interface AdminState {
  active: string[]
  known: Record<string, string>
  actions: FaultAction[]
}

export async function adminGet(info: DevnetInfo, query = ''): Promise<AdminState> {
  const res = await fetch(`${info.devnet.adminUrl}/admin/faults${query}`, { signal: AbortSignal.timeout(20_000) })
  if (!res.ok) throw new Error(`GET /admin/faults: HTTP ${res.status}`)
  return (await res.json()) as AdminState
}

/** adminGet, reusing an answer younger than `maxAgeMs` (checks run on every snapshot push: spare the devnet). */
export function cachedAdmin(info: DevnetInfo, query = '', maxAgeMs = 1_000): () => Promise<AdminState> {
  let last: { at: number; state: Promise<AdminState> } | null = null
  return () => {
    if (!last || Date.now() - last.at > maxAgeMs) last = { at: Date.now(), state: adminGet(info, query) }
    return last.state
  }
}

export async function adminSet(info: DevnetInfo, fault: string, on: boolean): Promise<Response> {
  return fetch(`${info.devnet.adminUrl}/admin/faults/${fault}`, { method: on ? 'POST' : 'DELETE', signal: AbortSignal.timeout(20_000) })
}

export function l1Client(info: DevnetInfo): PublicClient {
  return createPublicClient({ transport: http(info.devnet.rpcUrl), cacheTime: 0 }) as PublicClient
}

/** The rollup's tip on L1: last checkpoint number, its last block's hash and height. */
export async function rollupTip(info: DevnetInfo): Promise<{ checkpointNumber: number; blockHash: Hex; height: number }> {
  const [n, hash, height] = (await l1Client(info).readContract({ address: info.l1.rollup as Address, abi: vigilRollupAbi, functionName: 'tip' })) as readonly [bigint, Hex, bigint, bigint]
  return { checkpointNumber: Number(n), blockHash: hash.toLowerCase() as Hex, height: Number(height) }
}

/**
 * Resolves with the first non-null value of `check`, which runs now and again after every
 * snapshot the client pushes (one at a time). A check that throws (a devnet endpoint slow to
 * answer on a loaded machine) counts as "not yet". Rejects after `timeoutMs` with `what`, the
 * last snapshot's tips and failures, and the last error a check threw.
 */
export function until<T>(client: LightClient, check: (s: ClientSnapshot) => Promise<T | null> | T | null, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let last: ClientSnapshot | null = null
    let running = false
    let again = false
    let done = false
    let lastError: unknown = null
    const finish = (fn: () => void) => {
      if (done) return
      done = true
      clearTimeout(timer)
      queueMicrotask(() => unsub())
      fn()
    }
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; tips ${JSON.stringify(last?.tips)} failures ${JSON.stringify(last?.failures.slice(0, 5))}` +
                (lastError ? `; last check error: ${(lastError as Error).message ?? String(lastError)}` : ''),
            ),
          ),
        ),
      timeoutMs,
    )
    const run = async (s: ClientSnapshot) => {
      last = s
      if (running) {
        again = true
        return
      }
      running = true
      try {
        do {
          again = false
          const v = await check(last)
          if (v !== null && v !== undefined) return finish(() => resolve(v))
        } while (again && !done)
      } catch (e) {
        lastError = e
      } finally {
        running = false
      }
    }
    const unsub = client.subscribe((s) => void run(s))
  })
}
