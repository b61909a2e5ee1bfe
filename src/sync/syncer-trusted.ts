/**
 * The syncer's trusted-hash anchor (weak subjectivity, as go-header's trusted hash / op-node):
 * with `trusted: { height, hash }` the syncer first fetches the header at that height (count
 * 1), checks its hash (a different one: TRUSTED_HASH_MISMATCH, hard, the peer penalised,
 * another asked), has the engine verify its proposer signature, and makes it the base. Nothing
 * below it is ever fetched. Not found within `timeoutMs`: TRUSTED_HEADER_UNAVAILABLE (soft) is
 * recorded once and the search goes on. L1 has the last word: a mined block at the trusted
 * height with another hash is TRUSTED_HASH_MISMATCH (hard, once), state `conflict`, and the
 * syncer follows L1's chain.
 */
import { VigilError } from '../core/errors'
import type { Hex } from '../core/types'
import type { Logger } from '../core/logger'
import { headerHash } from '../protocol/header'
import type { SignedHeader } from '../protocol/signed-header'
import type { SyncProgress } from '../core/records'
import type { HeaderExchange } from '../ports/exchange'
import type { SyncEngine } from './engine'

/** A header trusted by hash (weak-subjectivity start): history starts at `height`. */
export interface TrustedHeader {
  height: number
  hash: Hex
}

/** Default time to find the trusted header before TRUSTED_HEADER_UNAVAILABLE (soft) is recorded. */
export const TRUSTED_TIMEOUT_MS = 30_000

export type AnchorState = NonNullable<SyncProgress['trusted']>['state']

/** What the anchor reads and records. */
export interface AnchorContext {
  engine: Pick<SyncEngine, 'getTips' | 'canonicalBlock' | 'knows' | 'softFailure' | 'onSignedHeader' | 'recordFailure'>
  exchange: HeaderExchange
  /** Source name verdicts are recorded under. */
  source: string
  log: Logger
  now: () => number
  /** Asks every peer for a fresh status (throttled by the syncer). */
  refresh: () => void
  /** The anchor is fetching / waiting (the syncer's state). */
  setState: (s: SyncProgress['state']) => void
}

/** How a search step ended: `anchored` (the base is the trusted header), `again` (ask the next peer now), `idle`. */
export interface FindResult {
  next: 'anchored' | 'again' | 'idle'
  /** Headers fetched, accepted by the engine, refused for good (the syncer's counters). */
  fetched: number
  accepted: number
  ignored: number
  /** Something to show changed (a penalty, an error recorded). */
  changed: boolean
}

export class TrustedAnchor {
  readonly height: number
  readonly hash: Hex
  state: AnchorState = 'searching'
  /** The peer whose header became the base (null: the store or L1 already held it). */
  peer: string | null = null
  private since: number
  /** The header with the trusted hash, fetched but not verifiable yet (soft): retried, not refetched. */
  private found: { sh: SignedHeader; peer: string } | null = null

  constructor(
    trusted: TrustedHeader,
    private readonly timeoutMs: number,
    now: number,
  ) {
    this.height = trusted.height
    this.hash = trusted.hash.toLowerCase() as Hex
    this.since = now
  }

  /** Still looking: nothing may be fetched until the trusted header is the base. */
  get searching(): boolean {
    return this.state === 'searching' || this.state === 'unavailable'
  }

  /** The lowest height the syncer may fetch above (0 once L1 contradicted the anchor). */
  floor(): number {
    return this.state !== 'conflict' ? this.height : 0
  }

  /** The syncer (re)started: the timeout counts from now. */
  restarted(now: number): void {
    if (this.state !== 'anchored') this.since = now
  }

  progress(): NonNullable<SyncProgress['trusted']> {
    return { height: this.height, hash: this.hash, state: this.state, peer: this.peer }
  }

  /**
   * Once L1's mined chain reaches the trusted height, the block it mined there must be the
   * trusted one. When it is not: TRUSTED_HASH_MISMATCH recorded (once, hard), state `conflict`;
   * returns true (changed).
   */
  checkAgainstL1(ctx: Pick<AnchorContext, 'engine' | 'log'>): boolean {
    if (this.state === 'conflict') return false
    const mined = ctx.engine.getTips().mined
    if (!mined || mined.height < this.height) return false
    const b = ctx.engine.canonicalBlock(this.height)
    if (!b || (b.status !== 'mined' && b.status !== 'finalized') || b.hash === this.hash) return false
    this.state = 'conflict'
    this.found = null
    const err = new VigilError('TRUSTED_HASH_MISMATCH', `L1 mined block ${b.hash} at height ${this.height}, not the trusted ${this.hash}: the trusted hash is not on the chain L1 holds; following L1`, {
      details: { source: 'l1', height: this.height, trusted: this.hash, got: b.hash },
    })
    ctx.log(err.message)
    ctx.engine.recordFailure('syncer', err)
    return true
  }

  /**
   * One search step: held already (store, L1) → anchored; else one header at its height from a
   * peer that announced it, checked by hash, then verified by the engine like any header.
   */
  async find(ctx: AnchorContext, signal: AbortSignal): Promise<FindResult> {
    const r: FindResult = { next: 'idle', fetched: 0, accepted: 0, ignored: 0, changed: false }
    if (await ctx.engine.knows(this.hash)) return this.anchored(r, this.found?.peer ?? null, ctx.log)
    if (!this.found && this.state === 'searching' && ctx.now() - this.since > this.timeoutMs) {
      this.state = 'unavailable'
      const err = new VigilError('TRUSTED_HEADER_UNAVAILABLE', `no peer served the trusted header ${this.hash} at height ${this.height} within ${Math.round(this.timeoutMs / 1000)} s: still looking; following gossip and L1 meanwhile`, {
        severity: 'soft',
        details: { height: this.height, hash: this.hash },
      })
      ctx.log(err.message)
      ctx.engine.recordFailure('syncer', err)
      r.changed = true
    }
    let found = this.found
    if (!found) {
      const e = ctx.exchange.earliestAvailable(this.height)
      if (e === null || e > this.height) {
        // nobody announced that height (yet): ask for fresh status
        ctx.refresh()
        return r
      }
      ctx.setState('syncing')
      let got: { peer: string; headers: SignedHeader[] }
      try {
        got = await ctx.exchange.headersByRange(this.height, 1, { signal })
      } catch (err) {
        if (signal.aborted) throw err
        ctx.log(`trusted header ${this.height}: ${(err as Error).message}`)
        return r
      }
      r.fetched += got.headers.length
      const sh = got.headers[0]
      const hash = sh ? headerHash(sh.header) : null
      if (!sh || sh.header.height !== this.height || hash !== this.hash) {
        const err = new VigilError('TRUSTED_HASH_MISMATCH', `peer ${got.peer} served ${hash ?? 'nothing'} at height ${this.height}, not the trusted ${this.hash}`, {
          details: { peer: got.peer, height: this.height, trusted: this.hash, got: hash },
        })
        ctx.log(err.message)
        ctx.exchange.penalize(got.peer, err)
        ctx.engine.recordFailure(ctx.source, err, true, got.peer)
        return { ...r, next: 'again', changed: true }
      }
      found = this.found = { sh, peer: got.peer }
    }
    const verdict = await ctx.engine.onSignedHeader(found.sh.header, found.sh.signature, ctx.source, found.peer)
    if (verdict === 'accept') {
      r.accepted++
      return this.anchored(r, found.peer, ctx.log)
    }
    if (verdict === 'ignore' && (await ctx.engine.knows(this.hash))) return this.anchored(r, found.peer, ctx.log)
    this.found = null
    if (verdict === 'ignore' && ctx.engine.softFailure(this.hash)) {
      // the right header, not verifiable yet (committee unreadable, L1 behind): keep it, retry after idle
      this.found = found
      return r
    }
    if (verdict === 'reject') {
      // the trusted hash, but a signature that does not verify: that peer's copy is bad
      ctx.exchange.penalize(found.peer, new VigilError('SOURCE_BAD_RESPONSE', `trusted header ${this.height} from ${found.peer} failed verification`, { details: { peer: found.peer, height: this.height } }))
      return { ...r, next: 'again', changed: true }
    }
    r.ignored++
    ctx.log(`trusted header ${this.height} refused by the engine (e.g. a second proposal for its slot position): trying again later`)
    return r
  }

  private anchored(r: FindResult, peer: string | null, log: Logger): FindResult {
    log(`trusted header ${this.height} ${this.hash} is the base${peer ? ` (from ${peer})` : ''}: syncing up from it`)
    this.state = 'anchored'
    this.peer = peer
    this.found = null
    return { ...r, next: 'anchored', changed: true }
  }
}
