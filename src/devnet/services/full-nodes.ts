/**
 * Devnet full nodes: libp2p nodes that hold the devnet's chain and serve it over req/resp
 * (status, headers by range, bodies by hash; src/p2p/protocols).
 *
 * - `archival`: keeps every header and body since genesis.
 * - `pruned`: keeps the newest `VIGIL_PRUNED_WINDOW` (default 32) heights, headers and
 *   bodies alike, and announces the earliest height it holds in `status`.
 *
 * They learn the chain from the devnet's own events ('block' → add, 'checkpoint' → mined,
 * 'checkpoint-failed' → those blocks are dropped, the builder rewinds past them), listen on
 * ws 127.0.0.1, dial the bootstrap node, and their addresses are added to the endpoints'
 * `bootstrap` list so clients dial them directly.
 *
 * Faults: `pruned-only` starts no archival node; `refuse-ranges` (also switchable at run
 * time through ctx.faults) makes every full node answer headers-by-range and bodies-by-hash
 * with empty results for heights below `VIGIL_REFUSE_BELOW` (default: every height), while
 * its status still announces what it holds — a peer that claims data it will not serve.
 *
 * Counters per node: GET <gateway>/full-nodes.
 */
import type { Hex } from '../../core/types'
import { createP2PNode } from '../../p2p/node'
import { serveChain, Result, type ChainServer, type ServedEvent } from '../../p2p/protocols'
import { ChainDb } from '../chain-db'
import { sendJson } from '../gateway'
import type { DevnetContext, DevnetService } from '../context'

export const DEFAULT_PRUNED_WINDOW = 32

export type FullNodeKind = 'archival' | 'pruned'

/** What a test or tool can read about one full node (ctx.info.fullNodes and GET /full-nodes). */
export interface FullNodeInfo {
  kind: FullNodeKind
  peerId: string
  addrs: string[]
  /** Heights kept (null: all). */
  window: number | null
}

export interface FullNodeCounters {
  status: number
  headersRequests: number
  /** Headers asked for in total, and sent. */
  headersAsked: number
  headersServed: number
  /** Range requests that started below the node's earliest held height. */
  rangesBelowEarliest: number
  bodiesRequests: number
  bodiesAsked: number
  bodiesServed: number
  /** Body hashes asked for that this node does not hold (pruned or unknown). */
  bodiesMissing: number
  rateLimited: number
  invalidRequests: number
  /** Requests answered empty because of `refuse-ranges`. */
  refused: number
  /** Per requesting peer: requests of each protocol. */
  byPeer: Record<string, { status: number; headers: number; bodies: number }>
}

const envInt = (name: string, fallback: number): number => {
  const v = process.env[name]
  if (v === undefined || v === '') return fallback
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${v}`)
  return n
}

export const fullNodesService: DevnetService = async (ctx: DevnetContext) => {
  const prunedWindow = envInt('VIGIL_PRUNED_WINDOW', DEFAULT_PRUNED_WINDOW)
  const refuseBelow = envInt('VIGIL_REFUSE_BELOW', Number.MAX_SAFE_INTEGER)
  const kinds: { kind: FullNodeKind; window: number | null }[] = [
    ...(ctx.faults.has('pruned-only') ? [] : [{ kind: 'archival' as const, window: null }]),
    { kind: 'pruned', window: prunedWindow },
  ]
  const nodes: { info: FullNodeInfo; db: ChainDb; counters: FullNodeCounters }[] = []

  for (const { kind, window } of kinds) {
    const log = ctx.log.child(`full-node:${kind}`)
    const node = await createP2PNode({ role: 'devnet', listen: ['/ip4/127.0.0.1/tcp/0/ws'], bootstrap: ctx.bootstrapWs, seed: `vigil-devnet-full-node-${kind}`, logger: log })
    ctx.onStop(() => node.stop())
    const db = new ChainDb(window === null ? {} : { headerWindow: window, bodyWindow: window })
    const counters: FullNodeCounters = {
      status: 0,
      headersRequests: 0,
      headersAsked: 0,
      headersServed: 0,
      rangesBelowEarliest: 0,
      bodiesRequests: 0,
      bodiesAsked: 0,
      bodiesServed: 0,
      bodiesMissing: 0,
      rateLimited: 0,
      invalidRequests: 0,
      refused: 0,
      byPeer: {},
    }
    const refusing = () => ctx.faults.has('refuse-ranges')
    const server: ChainServer = {
      status: () => db.status(),
      headersByRange: (from, count) => {
        if (from < db.status().earliestHeader) counters.rangesBelowEarliest++
        // an answer starts at `from` or is empty: a refused start refuses the whole range
        if (refusing() && from < refuseBelow) {
          counters.refused++
          ctx.faultLog.record('refuse-ranges', { node: kind, protocol: 'headers_by_range', from, count })
          return []
        }
        return db.headersByRange(from, count)
      },
      bodiesByHash: (hashes) => {
        const held = db.bodiesByHash(hashes)
        counters.bodiesMissing += hashes.length - held.length
        if (!refusing()) return held
        const kept = held.filter((b) => (db.heightOf(b.hash) ?? 0) >= refuseBelow)
        if (kept.length < held.length) {
          counters.refused++
          ctx.faultLog.record('refuse-ranges', { node: kind, protocol: 'bodies_by_hash', refused: held.length - kept.length })
        }
        return kept
      },
    }
    const onServed = (ev: ServedEvent) => {
      const p = (counters.byPeer[ev.peer] ??= { status: 0, headers: 0, bodies: 0 })
      if (ev.result === Result.RATE_LIMITED) counters.rateLimited++
      if (ev.result === Result.INVALID_REQUEST) counters.invalidRequests++
      if (ev.protocol === 'status') {
        counters.status++
        p.status++
      } else if (ev.protocol === 'headers_by_range') {
        counters.headersRequests++
        counters.headersAsked += ev.asked
        counters.headersServed += ev.served
        p.headers++
      } else {
        counters.bodiesRequests++
        counters.bodiesAsked += ev.asked
        counters.bodiesServed += ev.served
        p.bodies++
      }
    }
    await serveChain(node, ctx.opts.l2ChainId, server, { onServed })
    const addrs = node.getMultiaddrs().map(String)
    const info: FullNodeInfo = { kind, peerId: node.peerId.toString(), addrs, window }
    nodes.push({ info, db, counters })
    for (const a of addrs) if (!ctx.info.bootstrap.includes(a)) ctx.info.bootstrap.push(a)
    log(`${kind} full node ${info.peerId} serving on ${addrs.join(' ')}`)
  }

  ctx.events.on('block', (b) => {
    for (const n of nodes) n.db.add({ header: b.header, hash: b.hash, signature: b.proposal.signature, bodyBytes: b.bodyBytes })
  })
  ctx.events.on('checkpoint', (c) => {
    const hashes: Hex[] = c.blocks.map((b) => b.hash)
    for (const n of nodes) n.db.markMined(hashes)
  })
  ctx.events.on('checkpoint-failed', (c) => {
    const hashes: Hex[] = c.blocks.map((b) => b.hash)
    for (const n of nodes) n.db.abandon(hashes)
  })

  ctx.info.fullNodes = nodes.map((n) => n.info)
  ctx.gateway.addRoute((_req, res, url) => {
    if (url.pathname !== '/full-nodes') return false
    sendJson(
      res,
      200,
      nodes.map((n) => ({ ...n.info, status: n.db.status(), refusing: ctx.faults.has('refuse-ranges'), counters: n.counters })),
    )
    return true
  })
}
