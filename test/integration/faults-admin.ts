/**
 * Helpers for the fault tests (faults*, reorg*, equivocation*, peer-control*): the devnet's
 * admin endpoint, the rollup's tip, and (re-exported from test/helpers/client.ts) the
 * event-driven wait on a LightClient's snapshots.
 */
import { createPublicClient, http, type PublicClient } from 'viem'
import type { Address, Hex } from '../../src/core/types'
import type { FaultAction } from '../../src/devnet/faults'
import type { DevnetInfo } from '../../src/devnet/context'
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

/** The wait on a client's snapshots lives in test/helpers/client.ts (re-exported for these suites). */
export { until } from '../helpers/client'

/**
 * The last L1 block before the first checkpoint was posted: the validators are registered
 * there (committees provable), and no checkpoint is mined yet. Where a test pins an L1 RPC
 * "behind", so only peers can deliver history while signatures can still be checked.
 */
export async function beforeFirstCheckpoint(info: DevnetInfo): Promise<number> {
  const logs = await l1Client(info).getContractEvents({ address: info.l1.rollup, abi: vigilRollupAbi, eventName: 'CheckpointProposed', fromBlock: BigInt(info.l1.deployBlock), strict: true })
  if (logs.length === 0) throw new Error('no checkpoint posted yet')
  return Number(logs[0]!.blockNumber) - 1
}
