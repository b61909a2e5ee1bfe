/**
 * The syncer's walk back (op-node): the first header fetched above the base does not name the
 * base as its parent, so the base is not on the peers' chain (or only a tip was known). Fetch
 * ranges downward (≤ 64 each, each ending at the header the previous one names), checking
 * parent hashes, until a block the engine knows; the syncer then feeds the segments upward
 * from there (the engine records the reorg). It never goes below the trusted header: a chain
 * that does not descend from it is TRUSTED_HASH_MISMATCH for the peer that served it.
 */
import { VigilError } from '../core/errors'
import type { Hex } from '../core/types'
import type { Logger } from '../core/logger'
import { headerHash } from '../protocol/header'
import type { SignedHeader } from '../protocol/signed-header'
import type { HeaderExchange } from '../ports/exchange'
import type { SyncEngine } from './engine'
import type { Base } from './syncer-base'
import { MAX_HEADERS_PER_REQUEST } from './syncer-range'


export interface Segment {
  peer: string
  headers: SignedHeader[]
}

export interface WalkBackContext {
  engine: Pick<SyncEngine, 'knows' | 'recordFailure'>
  exchange: HeaderExchange
  source: string
  log: Logger
  /** The trusted header's height (nothing below it is fetched) and hash; 0 / null without one. */
  floor: number
  trustedHash: Hex | null
  /** Deepest walk, in headers. */
  maxDepth: number
  signal: AbortSignal
}

/** Where the walk met a known block (or ran into pruned heights: `base.hash` null), the segments to feed upward, and how many headers it fetched. */
export interface WalkBack {
  base: Base | null
  segments: Segment[]
  fetched: number
}

/** Walks down from `top` (see the file comment). `base` null: gave up (no meeting point this round). */
export async function walkBack(top: Segment, ctx: WalkBackContext): Promise<WalkBack> {
  const segments = [top]
  let fetched = 0
  let want = top.headers[0]!.header.parentHash
  let height = top.headers[0]!.header.height - 1
  let depth = 0
  let base: Base | null = (await ctx.engine.knows(want)) || height === 0 ? { height, hash: want } : null
  const { floor } = ctx
  const gaveUp = (): WalkBack => ({ base: null, segments: [], fetched })
  while (!base) {
    if (floor > 0 && height <= floor) {
      // down to the trusted header without meeting it: that peer's chain does not descend from it
      const peer = segments[0]!.peer
      const err = new VigilError('TRUSTED_HASH_MISMATCH', `peer ${peer} serves a chain whose block ${floor + 1} names parent ${want}, not the trusted ${ctx.trustedHash}`, {
        details: { peer, height: floor, trusted: ctx.trustedHash, got: want },
      })
      ctx.log(err.message)
      ctx.exchange.penalize(peer, err)
      ctx.engine.recordFailure(ctx.source, err, true, peer)
      return gaveUp()
    }
    if (depth >= ctx.maxDepth) {
      ctx.log(`walk back gave up after ${depth} headers below ${top.headers[0]!.header.height}`)
      return gaveUp()
    }
    const earliest = ctx.exchange.earliestAvailable(Math.max(1, floor + 1, height - MAX_HEADERS_PER_REQUEST + 1))
    if (earliest === null || earliest > height) {
      base = { height, hash: null } // pruned below: the segment stays detached
      break
    }
    const lo = Math.max(1, floor + 1, height - MAX_HEADERS_PER_REQUEST + 1, earliest)
    const res = await ctx.exchange.headersByRange(lo, height - lo + 1, { signal: ctx.signal })
    const hs = res.headers
    fetched += hs.length
    if (hs.length !== height - lo + 1 || headerHash(hs.at(-1)!.header) !== want) {
      // that peer's chain does not reach the header we walked from: try again next round
      ctx.log(`walk back: ${res.peer} has no chain to ${want} at ${height}`)
      return gaveUp()
    }
    depth += hs.length
    // where does it meet our chain? the highest header whose parent we hold
    let meet = -1
    for (let j = hs.length - 1; j >= 0; j--) {
      if (await ctx.engine.knows(hs[j]!.header.parentHash)) {
        meet = j
        break
      }
    }
    if (meet >= 0) {
      segments.unshift({ peer: res.peer, headers: hs.slice(meet) })
      base = { height: hs[meet]!.header.height - 1, hash: hs[meet]!.header.parentHash }
    } else {
      segments.unshift(res)
      want = hs[0]!.header.parentHash
      height = lo - 1
      if (height === 0) base = { height: 0, hash: want }
    }
  }
  return { base, segments, fetched }
}
