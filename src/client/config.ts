import { VigilError } from '../core/errors'
import type { Address } from '../core/types'

/** Everything a LightClient needs to find the chain. `.vigil/devnet.json` is a superset of this. */
export interface ClientConfig {
  l2ChainId: number
  l1: {
    chainId: number
    /** One or more L1 JSON-RPC URLs; the first that answers is used. */
    rpcUrls: string[]
    rollup: Address
    /** L1 block the rollup was deployed in: where history scans start. */
    deployBlock: number
  }
  /** L1 beacon API base URL (blobs), CORS-enabled. */
  beaconUrl?: string
  /** libp2p multiaddrs to dial at start (WebSockets for workers and Node; WebRTC-direct from pages). */
  bootstrap: string[]
  /** light: headers only; full: bodies too. */
  mode: 'light' | 'full'
  /** L1 poll interval (ms). */
  l1PollMs?: number
}

const isAddress = (v: unknown): v is Address => typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v)
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** Validates untrusted JSON into a ClientConfig; every problem is named in one CONFIG_INVALID error. */
export function parseClientConfig(raw: unknown): ClientConfig {
  const problems: string[] = []
  const o = (raw ?? {}) as Record<string, unknown>
  if (typeof raw !== 'object' || raw === null) throw new VigilError('CONFIG_INVALID', 'config must be a JSON object')
  const l1 = (o.l1 ?? {}) as Record<string, unknown>
  if (!isUint(o.l2ChainId)) problems.push('l2ChainId must be a non-negative integer')
  if (typeof o.l1 !== 'object' || o.l1 === null) problems.push('l1 must be an object')
  if (!isUint(l1.chainId)) problems.push('l1.chainId must be a non-negative integer')
  if (!Array.isArray(l1.rpcUrls) || l1.rpcUrls.length === 0 || !l1.rpcUrls.every((u) => typeof u === 'string' && /^https?:\/\//.test(u)))
    problems.push('l1.rpcUrls must be a non-empty list of http(s) URLs')
  if (!isAddress(l1.rollup)) problems.push('l1.rollup must be a 20-byte 0x address')
  if (!isUint(l1.deployBlock)) problems.push('l1.deployBlock must be a non-negative integer')
  if (o.beaconUrl !== undefined && (typeof o.beaconUrl !== 'string' || !/^https?:\/\//.test(o.beaconUrl))) problems.push('beaconUrl must be an http(s) URL')
  if (!Array.isArray(o.bootstrap) || !o.bootstrap.every((a) => typeof a === 'string' && a.startsWith('/'))) problems.push('bootstrap must be a list of multiaddr strings')
  const mode = o.mode ?? 'light'
  if (mode !== 'light' && mode !== 'full') problems.push("mode must be 'light' or 'full'")
  if (o.l1PollMs !== undefined && (!isUint(o.l1PollMs) || o.l1PollMs < 50)) problems.push('l1PollMs must be an integer ≥ 50')
  if (problems.length > 0) throw new VigilError('CONFIG_INVALID', `invalid config: ${problems.join('; ')}`, { details: { problems: problems.join('; ') } })
  const cfg: ClientConfig = {
    l2ChainId: o.l2ChainId as number,
    l1: { chainId: l1.chainId as number, rpcUrls: l1.rpcUrls as string[], rollup: l1.rollup as Address, deployBlock: l1.deployBlock as number },
    bootstrap: o.bootstrap as string[],
    mode: mode as 'light' | 'full',
  }
  if (typeof o.beaconUrl === 'string') cfg.beaconUrl = o.beaconUrl
  if (typeof o.l1PollMs === 'number') cfg.l1PollMs = o.l1PollMs
  return cfg
}
