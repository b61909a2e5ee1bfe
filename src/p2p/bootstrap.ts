/**
 * Keeps a node connected to its bootstrap addresses: dial each, and when the connection
 * drops, redial with capped exponential backoff (full jitter) until the node stops.
 * (libp2p's own KEEP_ALIVE reconnect queue gives up after a few retries; a light client
 * whose only peer is the devnet node must never give up.)
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { backoffMs, delay, timeoutSignal } from '../core/abort'
import type { Logger } from '../core/logger'

export interface KeepConnectedOptions {
  /** First retry after ~this (jittered). Default 500 ms. */
  baseMs?: number
  /** Retries are never further apart than this. Default 30 s. */
  maxMs?: number
  /** Bound of one dial attempt. Default 10 s. */
  dialTimeoutMs?: number
  /** A connection that lived at least this long resets the backoff. Default 10 s. */
  stableMs?: number
}

/** Starts one redial loop per address; returns a function that stops them all. */
export function keepConnected(node: Libp2p, addrs: string[], log: Logger, opts: KeepConnectedOptions = {}): () => void {
  const stop = new AbortController()
  const onStop = () => stop.abort()
  node.addEventListener('stop', onStop, { once: true })
  for (const a of addrs) {
    let ma: Multiaddr
    try {
      ma = multiaddr(a)
    } catch (e) {
      log.error(`bad bootstrap multiaddr ${a}`, e)
      continue
    }
    void loop(node, ma, log, stop.signal, opts)
  }
  return () => {
    node.removeEventListener('stop', onStop)
    stop.abort()
  }
}

async function loop(node: Libp2p, addr: Multiaddr, log: Logger, signal: AbortSignal, opts: KeepConnectedOptions): Promise<void> {
  const baseMs = opts.baseMs ?? 500
  const maxMs = opts.maxMs ?? 30_000
  const stableMs = opts.stableMs ?? 10_000
  let attempt = 0
  while (!signal.aborted && node.status === 'started') {
    try {
      const conn = await node.dial(addr, { signal: timeoutSignal(opts.dialTimeoutMs ?? 10_000, signal) })
      const since = Date.now()
      log(`connected to ${conn.remotePeer} via ${addr}`)
      await disconnected(node, conn.remotePeer, signal)
      if (signal.aborted || node.status !== 'started') return
      if (Date.now() - since >= stableMs) attempt = 0
      log(`lost ${conn.remotePeer} (${addr}); redialling`)
    } catch (e) {
      if (signal.aborted || node.status !== 'started') return
      log(`dial ${addr} failed (attempt ${attempt + 1})`, e)
    }
    try {
      await delay(backoffMs(attempt++, baseMs, maxMs), signal)
    } catch {
      return
    }
  }
}

/** Resolves when no connection to `peer` remains (or the signal aborts). */
function disconnected(node: Libp2p, peer: PeerId, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      node.removeEventListener('peer:disconnect', onDisconnect)
      signal.removeEventListener('abort', finish)
      resolve()
    }
    const onDisconnect = (evt: CustomEvent<PeerId>) => {
      if (evt.detail.equals(peer)) finish()
    }
    node.addEventListener('peer:disconnect', onDisconnect)
    signal.addEventListener('abort', finish, { once: true })
    if (signal.aborted || node.getConnections(peer).length === 0) finish()
  })
}
