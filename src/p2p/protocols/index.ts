/**
 * The req/resp protocols (one file each) and `serveChain`, which registers all three
 * responders for one ChainServer with one shared per-peer rate limiter.
 */
import type { Libp2p } from '@libp2p/interface'
import { RateLimiter, type ChainServer, type ServeOptions } from './common'
import { handleStatus } from './status'
import { handleHeadersByRange } from './headers-by-range'
import { handleBodiesByHash } from './bodies-by-hash'

export * from './common'
export * from './status'
export * from './headers-by-range'
export * from './bodies-by-hash'

/** Serves status, headers by range and bodies by hash from `server`. Returns a function that unregisters them. */
export async function serveChain(node: Libp2p, l2ChainId: number, server: ChainServer, opts: ServeOptions = {}): Promise<() => Promise<void>> {
  const shared: ServeOptions = { ...opts, limiter: opts.limiter ?? new RateLimiter() }
  const offs = [
    await handleStatus(node, l2ChainId, server, shared),
    await handleHeadersByRange(node, l2ChainId, server, shared),
    await handleBodiesByHash(node, l2ChainId, server, shared),
  ]
  return async () => {
    for (const off of offs) await off().catch(() => undefined)
  }
}
