/**
 * The syncer's base: the highest height up to which the chain is held contiguously. It starts
 * at the mined tip (or height 0, whose "hash" is the genesis parent ZERO_HASH), follows the
 * engine's canonical chain by parent hash, and moves as the syncer feeds headers.
 *
 * Pruned peers: when no peer serves base+1, the base detaches above the lowest served height
 * (`unavailableBelow`, hash null) and remembers the contiguous base below the gap; when a peer
 * announces those heights later, the base goes back there and fills up to the former edge
 * (`fillCap`), then follows the segment held above it.
 */
import type { Hex } from '../core/types'
import { ZERO_HASH } from '../protocol/bytes'
import type { HeaderExchange } from '../ports/exchange'
import type { SyncEngine } from './engine'

/** Heights kept clear of a pruning peer's announced lower edge (it moves while we ask). */
export const PRUNED_EDGE_MARGIN = 2

export interface Base {
  height: number
  /** null: detached (the segment starts at a height no peer serves the parent of). */
  hash: Hex | null
}

export type BaseEngine = Pick<SyncEngine, 'getTips' | 'canonicalBlock'>

export class SyncBase {
  private at: Base = { height: 0, hash: ZERO_HASH }
  /** Set while detached above unserved heights: the contiguous base below them. */
  private gap: { below: Base } | null = null
  /** While filling under a former edge: the highest height to fetch before following the chain held above. */
  private fillCap: number | null = null
  /** Lowest height synced while detached (nothing below it was served), or null. */
  unavailableBelow: number | null = null

  get height(): number {
    return this.at.height
  }

  get hash(): Hex | null {
    return this.at.hash
  }

  set(height: number, hash: Hex | null): void {
    this.at = { height, hash }
  }

  /** Moves up to `height` (never down). */
  raise(height: number, hash: Hex): void {
    if (height > this.at.height) this.at = { height, hash }
  }

  /** The highest height to fetch up to in this window. */
  cap(to: number): number {
    return Math.min(to, this.fillCap ?? Infinity)
  }

  /** Follows the engine's canonical chain up by parent hash (and jumps to the mined tip). `held`: a hash the syncer holds pending. */
  advance(engine: BaseEngine, held: (hash: Hex) => boolean): void {
    const mined = engine.getTips().mined
    if (mined) this.raise(mined.height, mined.hash)
    const here = engine.canonicalBlock(this.at.height)
    if (here && this.at.hash !== null && here.hash !== this.at.hash && !held(this.at.hash)) this.at = { height: here.height, hash: here.hash }
    for (;;) {
      const b = engine.canonicalBlock(this.at.height + 1)
      if (!b || (this.at.hash !== null && b.parentHash !== this.at.hash)) break
      this.at = { height: b.height, hash: b.hash }
    }
    if (this.fillCap !== null && this.at.height >= this.fillCap) this.fillCap = null
  }

  /** No peer serves the base's next height, only from `earliest` (≤ target): detach just above it. Returns the height to fetch from. */
  detach(earliest: number, target: number): number {
    const from = Math.min(target, earliest + PRUNED_EDGE_MARGIN)
    this.gap ??= { below: { ...this.at } }
    this.unavailableBelow = from
    this.at = { height: from - 1, hash: null }
    if (this.fillCap !== null && from > this.fillCap) this.fillCap = null
    return from
  }

  /**
   * Detached, and a peer now announces heights below the edge (an archival peer's status came
   * late, or it joined): back to the contiguous base, filling up to the edge. Returns the
   * heights to fill then; null when nothing changed (or L1 delivered the chain through the edge).
   */
  relinkIfServed(engine: BaseEngine, exchange: Pick<HeaderExchange, 'earliestAvailable'>): { from: number; to: number; servedFrom: number } | null {
    const gap = this.gap
    const edge = this.unavailableBelow
    if (!gap || edge === null) return null
    const mined = engine.getTips().mined
    if (mined && mined.height >= edge) {
      // L1 delivered the chain through the edge: nothing left to fetch below it
      this.gap = null
      this.fillCap = null
      this.unavailableBelow = null
      return null
    }
    const e = exchange.earliestAvailable(gap.below.height + 1)
    if (e === null || e + PRUNED_EDGE_MARGIN >= edge) return null
    this.at = gap.below
    this.gap = null
    this.fillCap = edge - 1
    this.unavailableBelow = null
    return { from: gap.below.height + 1, to: edge - 1, servedFrom: e }
  }
}
