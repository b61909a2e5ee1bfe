/**
 * The req/resp syncer: brings the chain from the syncer's base (the mined tip, or genesis)
 * up to the network head, and fills the gaps gossip leaves.
 *
 * - **Target**: the highest head any peer announced in `status`, or the highest block gossip
 *   delivered (a gossiped block whose parent is unknown is a gap below it — see
 *   `engine.unlinkedBlocks()`).
 * - **Base**: the highest height up to which the chain is held contiguously. It starts at the
 *   mined tip (or height 0, whose "hash" is the genesis parent ZERO_HASH), follows the
 *   engine's canonical chain by parent hash, and moves as the syncer feeds headers.
 * - **Range sync** (go-header): [base+1, target] is cut into ≤ 64-header requests, up to
 *   `parallel` in flight to different peers (the source picks peers that announced the
 *   range, by score), processed in height order as they arrive. Each SignedHeader goes to
 *   `engine.onSignedHeader(header, signature, source)` — the same verification as gossip.
 *   A peer whose header fails verification (hard) is penalised and the rest of its answer
 *   dropped; the next round asks someone else.
 * - **Walk back** (op-node): when the first header fetched above the base does not name the
 *   base as its parent, the base is not on the peers' chain (or only a tip was known):
 *   fetch ranges downward, checking parent hashes, until a block the engine knows, then feed
 *   upward from there (the engine records the reorg).
 * - **Pruned peers**: when no peer serves base+1 (all pruned above it), the syncer syncs
 *   what they serve, from the lowest height announced; that segment's bottom stays unlinked
 *   (the engine accepts a verified header with an unknown parent) and `unavailableBelow`
 *   says so.
 * - **Pending with backoff** (Emerald retries while its EL says SYNCING): a header the engine
 *   cannot verify yet (a soft failure: committee not readable, L1 unreachable or behind) is
 *   held, not refetched, and retried lowest first with exponential backoff until
 *   `pendingTimeoutMs`; the headers above it in the same answer are held behind it.
 * - **Trusted hash** (weak subjectivity, as go-header's trusted hash / op-node): with
 *   `trusted: { height, hash }` the syncer first fetches the header at that height (count 1),
 *   checks its hash (a different one: TRUSTED_HASH_MISMATCH, hard, the peer penalised, another
 *   asked), has the engine verify its proposer signature, and makes it the base. Nothing below
 *   it is ever fetched. Not found within `trustedTimeoutMs`: TRUSTED_HEADER_UNAVAILABLE (soft)
 *   is recorded once and the search goes on (gossip and L1 keep being followed meanwhile).
 */
import { VigilError, isVigilError } from '../core/errors'
import type { Hex } from '../core/types'
import { backoffMs } from '../core/abort'
import { silentLogger, type Logger } from '../core/logger'
import { ZERO_HASH } from '../protocol/bytes'
import { headerHash } from '../protocol/header'
import type { SignedHeader } from '../protocol/signed-header'
import type { SyncProgress } from '../core/records'
import type { HeaderExchange } from '../ports/exchange'
import type { SyncEngine } from './engine'

export const MAX_HEADERS_PER_REQUEST = 64
/** Held headers at most: beyond this the syncer stops fetching until some verify or expire. */
export const MAX_PENDING = 2048
/** Heights kept clear of a pruning peer's announced lower edge (it moves while we ask). */
export const PRUNED_EDGE_MARGIN = 2

export type { HeaderExchange }

/** The engine surface the syncer uses. */
export type SyncTarget = Pick<SyncEngine, 'getTips' | 'canonicalBlock' | 'unlinkedBlocks' | 'knows' | 'softFailure' | 'onSignedHeader' | 'onChange' | 'recordFailure'>

/** A header trusted by hash (weak-subjectivity start): history starts at `height`. */
export interface TrustedHeader {
  height: number
  hash: Hex
}

/** Default time to find the trusted header before TRUSTED_HEADER_UNAVAILABLE (soft) is recorded. */
export const TRUSTED_TIMEOUT_MS = 30_000

export interface SyncerOptions {
  engine: SyncTarget
  exchange: HeaderExchange
  /** Source name verdicts are recorded under. Default: the exchange's name. */
  source?: string
  /** Range requests in flight at once. Default 4. */
  parallel?: number
  /** Heights fetched per round before re-planning. Default 512. */
  windowBlocks?: number
  /** Sleep when there is nothing to do (woken early by status and new blocks). Default 2 s. */
  idleMs?: number
  /** A held header is dropped after this long. Default 120 s. */
  pendingTimeoutMs?: number
  /** Pending retry backoff: first ~`retryBaseMs`, doubling up to `retryMaxMs` (jittered). Defaults 250 ms / 8 s. */
  retryBaseMs?: number
  retryMaxMs?: number
  /** Deepest walk back by parent hash. Default 1024 headers. */
  maxWalkBack?: number
  /** Start from this header (trusted by hash) instead of genesis: nothing below it is fetched. */
  trusted?: TrustedHeader
  /** How long to look for the trusted header before a soft TRUSTED_HEADER_UNAVAILABLE. Default 30 s. */
  trustedTimeoutMs?: number
  logger?: Logger
  now?: () => number
  /** Called when progress changes (for snapshot pushes). */
  onProgress?: () => void
}

interface Held {
  sh: SignedHeader
  hash: Hex
  height: number
  peer: string
  firstAt: number
  attempts: number
  nextAt: number
}

interface Base {
  height: number
  /** null: detached (the segment starts at a height no peer serves the parent of). */
  hash: Hex | null
}

type Fetched = { peer: string; headers: SignedHeader[] } | { error: unknown }

interface Anchor extends TrustedHeader {
  /** `conflict`: L1 mined another block at the trusted height (recorded once, hard); the syncer then follows L1's chain. */
  state: 'searching' | 'anchored' | 'unavailable' | 'conflict'
  /** The peer whose header became the base (null: the store or L1 already held it). */
  peer: string | null
  since: number
  /** The header with the trusted hash, fetched but not verifiable yet (soft): retried, not refetched. */
  found: { sh: SignedHeader; peer: string } | null
}

export class Syncer {
  private base: Base = { height: 0, hash: ZERO_HASH }
  private readonly pending = new Map<Hex, Held>()
  private run: { abort: AbortController; loop: Promise<void>; offs: (() => void)[] } | null = null
  private wakeFn: (() => void) | null = null
  private lastRefreshAt = 0
  /** Set while detached above unserved heights: the contiguous base below them. */
  private gap: { below: Base } | null = null
  /** While filling under a former edge: the highest height to fetch before following the chain held above. */
  private fillCap: number | null = null
  /** The trusted header (opts.trusted) and how the search for it stands. */
  private anchor: Anchor | null = null
  private readonly p: SyncProgress = {
    state: 'stopped',
    base: 0,
    target: null,
    pending: 0,
    headersFetched: 0,
    headersAccepted: 0,
    headersKnown: 0,
    headersIgnored: 0,
    pendingRetries: 0,
    pendingResolved: 0,
    pendingExpired: 0,
    walkBacks: 0,
    unavailableBelow: null,
    lastFill: null,
  }
  private readonly engine: SyncTarget
  private readonly exchange: HeaderExchange
  private readonly source: string
  private readonly log: Logger
  private readonly now: () => number

  constructor(private readonly opts: SyncerOptions) {
    this.engine = opts.engine
    this.exchange = opts.exchange
    this.source = opts.source ?? opts.exchange.name
    this.log = opts.logger ?? silentLogger
    this.now = opts.now ?? Date.now
    if (opts.trusted) this.anchor = { height: opts.trusted.height, hash: opts.trusted.hash.toLowerCase() as Hex, state: 'searching', peer: null, since: this.now(), found: null }
  }

  /** Starts the sync loop (returns at once). */
  start(): void {
    if (this.run) return
    const mined = this.engine.getTips().mined
    if (mined && mined.height > this.base.height) this.base = { height: mined.height, hash: mined.hash }
    const abort = new AbortController()
    const offs = [this.engine.onChange(() => this.wake()), this.exchange.onStatus(() => this.wake())]
    this.p.state = 'idle'
    if (this.anchor && this.anchor.state !== 'anchored') this.anchor.since = this.now()
    this.run = { abort, offs, loop: this.loop(abort.signal) }
  }

  async stop(): Promise<void> {
    const run = this.run
    if (!run) return
    this.run = null
    run.abort.abort()
    for (const off of run.offs) off()
    this.wake()
    await run.loop
    this.p.state = 'stopped'
  }

  progress(): SyncProgress {
    const a = this.anchor
    return {
      ...this.p,
      base: this.base.height,
      pending: this.pending.size,
      lastFill: this.p.lastFill ? { ...this.p.lastFill } : null,
      trusted: a ? { height: a.height, hash: a.hash, state: a.state, peer: a.peer } : null,
    }
  }

  /** Re-plan now (a status or a block arrived). */
  wake(): void {
    this.wakeFn?.()
  }

  private lastNotified = ''

  private changed(): void {
    this.lastNotified = this.progressKey()
    this.opts.onProgress?.()
  }

  /** After each round: make sure whoever shows progress saw its final state (base moves with the engine too). */
  private notifyIfChanged(): void {
    if (this.progressKey() !== this.lastNotified) this.changed()
  }

  private progressKey(): string {
    const p = this.progress()
    return `${p.state}|${p.base}|${p.target}|${p.pending}|${p.headersAccepted}|${p.headersKnown}|${p.headersIgnored}|${p.pendingExpired}|${p.pendingResolved}|${p.walkBacks}|${p.trusted?.state}`
  }

  // ---------------------------------------------------------------- loop

  private async loop(signal: AbortSignal): Promise<void> {
    let failures = 0
    while (!signal.aborted) {
      let progressed = false
      try {
        progressed = await this.round(signal)
        failures = 0
      } catch (e) {
        if (signal.aborted) break
        failures++
        this.log(`sync round failed (${failures})`, e)
      }
      if (signal.aborted) break
      this.notifyIfChanged()
      if (!progressed) {
        const idle = failures > 0 ? backoffMs(failures, this.opts.idleMs ?? 2_000, 30_000) : (this.opts.idleMs ?? 2_000)
        await this.sleep(Math.min(idle, this.nextPendingIn()), signal)
      }
    }
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal.removeEventListener('abort', done)
        if (this.wakeFn === done) this.wakeFn = null
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, ms))
      this.wakeFn = done
      signal.addEventListener('abort', done, { once: true })
    })
  }

  private nextPendingIn(): number {
    let next = Infinity
    for (const h of this.pending.values()) next = Math.min(next, h.nextAt)
    return next === Infinity ? Infinity : Math.max(0, next - this.now())
  }

  /** One planning step. Returns true when it fed headers (run again at once). */
  async round(signal: AbortSignal): Promise<boolean> {
    await this.retryPending(signal)
    if (this.pending.size >= MAX_PENDING) {
      this.setState('idle')
      return false
    }
    this.checkTrustedAgainstL1()
    if (this.anchor && (this.anchor.state === 'searching' || this.anchor.state === 'unavailable')) {
      // nothing is fetched until the trusted header is the base (else the range would start below it)
      this.p.target = this.target()
      return this.findTrusted(signal)
    }
    this.relinkIfServed()
    this.advanceBase()
    const target = this.target()
    this.p.target = target
    if (target === null || target <= this.base.height) {
      this.setState('idle')
      return false
    }
    let from = this.base.height + 1
    let earliest = this.exchange.earliestAvailable(from)
    if (earliest === null || earliest > target) {
      // nobody announced these heights (yet): ask for fresh status, at most once a second
      if (this.exchange.refreshAll && this.now() - this.lastRefreshAt > 1_000) {
        this.lastRefreshAt = this.now()
        void this.exchange.refreshAll().catch(() => undefined)
      }
      this.setState('idle')
      return false
    }
    if (earliest > from) {
      // every peer that has these heights pruned below `earliest`: ask again first (a status may
      // be on its way — an archival peer that connected later), then sync what is served.
      if (this.exchange.refreshAll) {
        await this.exchange.refreshAll().catch(() => undefined)
        earliest = this.exchange.earliestAvailable(from) ?? earliest
      }
    }
    if (earliest > from) {
      // A pruning peer's lower edge moves up as its chain grows: start a little above it. The
      // contiguous chain below stays remembered: when a peer announces those heights later, the
      // syncer comes back for them (relinkIfServed).
      earliest = Math.min(target, earliest + PRUNED_EDGE_MARGIN)
      this.gap ??= { below: { ...this.base } }
      this.p.unavailableBelow = earliest
      this.base = { height: earliest - 1, hash: null }
      from = earliest
      if (this.fillCap !== null && from > this.fillCap) this.fillCap = null
    }
    this.setState('syncing')
    const to = Math.min(target, from + (this.opts.windowBlocks ?? 512) - 1, this.fillCap ?? Infinity)
    return (await this.fill(from, to, signal)) > 0
  }

  /**
   * The syncer detached above heights no peer served (pruned peers only). When a peer now
   * announces heights below that edge (an archival peer's status arrived late, or joined),
   * go back to the contiguous base and fill up to the edge; `advanceBase` then follows the
   * segment held above it, which links as soon as its bottom's parent is accepted.
   */
  private relinkIfServed(): void {
    const gap = this.gap
    const edge = this.p.unavailableBelow
    if (!gap || edge === null) return
    const mined = this.engine.getTips().mined
    if (mined && mined.height >= edge) {
      // L1 delivered the chain through the edge: nothing left to fetch below it
      this.gap = null
      this.fillCap = null
      this.p.unavailableBelow = null
      return
    }
    const e = this.exchange.earliestAvailable(gap.below.height + 1)
    if (e === null || e + PRUNED_EDGE_MARGIN >= edge) return
    this.log(`heights ${gap.below.height + 1}..${edge - 1} are served now (from ${e}): filling under the edge`)
    this.base = gap.below
    this.gap = null
    this.fillCap = edge - 1
    this.p.unavailableBelow = null
    this.changed()
  }

  /**
   * Looks for the trusted header: held already (store, L1) → the base at once; else one header
   * at its height from a peer that announced it. A different hash is TRUSTED_HASH_MISMATCH
   * (hard: penalised, recorded, the next peer asked); the right hash goes to the engine like any
   * header (proposer signature). Returns true to run again at once (another peer to ask).
   */
  private async findTrusted(signal: AbortSignal): Promise<boolean> {
    const a = this.anchor!
    if (await this.engine.knows(a.hash)) return this.anchored(a.found?.peer ?? null)
    if (!a.found && a.state === 'searching' && this.now() - a.since > (this.opts.trustedTimeoutMs ?? TRUSTED_TIMEOUT_MS)) {
      a.state = 'unavailable'
      const err = new VigilError('TRUSTED_HEADER_UNAVAILABLE', `no peer served the trusted header ${a.hash} at height ${a.height} within ${Math.round((this.opts.trustedTimeoutMs ?? TRUSTED_TIMEOUT_MS) / 1000)} s: still looking; following gossip and L1 meanwhile`, {
        severity: 'soft',
        details: { height: a.height, hash: a.hash },
      })
      this.log(err.message)
      this.engine.recordFailure('syncer', err)
      this.changed()
    }
    let found = a.found
    if (!found) {
      const e = this.exchange.earliestAvailable(a.height)
      if (e === null || e > a.height) {
        // nobody announced that height (yet): ask for fresh status, at most once a second
        if (this.exchange.refreshAll && this.now() - this.lastRefreshAt > 1_000) {
          this.lastRefreshAt = this.now()
          void this.exchange.refreshAll().catch(() => undefined)
        }
        this.setState('idle')
        return false
      }
      this.setState('syncing')
      let r: { peer: string; headers: SignedHeader[] }
      try {
        r = await this.exchange.headersByRange(a.height, 1, { signal })
      } catch (err) {
        if (signal.aborted) throw err
        this.log(`trusted header ${a.height}: ${(err as Error).message}`)
        this.setState('idle')
        return false
      }
      this.p.headersFetched += r.headers.length
      const sh = r.headers[0]
      const got = sh ? headerHash(sh.header) : null
      if (!sh || sh.header.height !== a.height || got !== a.hash) {
        const err = new VigilError('TRUSTED_HASH_MISMATCH', `peer ${r.peer} served ${got ?? 'nothing'} at height ${a.height}, not the trusted ${a.hash}`, {
          details: { peer: r.peer, height: a.height, trusted: a.hash, got },
        })
        this.log(err.message)
        this.exchange.penalize(r.peer, err)
        this.engine.recordFailure(this.source, err)
        this.changed()
        return true
      }
      found = a.found = { sh, peer: r.peer }
    }
    const verdict = await this.engine.onSignedHeader(found.sh.header, found.sh.signature, this.source)
    if (verdict === 'accept') {
      this.p.headersAccepted++
      return this.anchored(found.peer)
    }
    if (verdict === 'ignore' && (await this.engine.knows(a.hash))) return this.anchored(found.peer)
    a.found = null
    if (verdict === 'ignore' && this.engine.softFailure(a.hash)) {
      // the right header, not verifiable yet (committee unreadable, L1 behind): keep it, retry after idle
      a.found = found
      this.setState('idle')
      return false
    }
    if (verdict === 'reject') {
      // the trusted hash, but a signature that does not verify: that peer's copy is bad
      this.exchange.penalize(found.peer, new VigilError('SOURCE_BAD_RESPONSE', `trusted header ${a.height} from ${found.peer} failed verification`, { details: { peer: found.peer, height: a.height } }))
      this.changed()
      return true
    }
    this.p.headersIgnored++
    this.log(`trusted header ${a.height} refused by the engine (e.g. a second proposal for its slot position): trying again later`)
    this.setState('idle')
    return false
  }

  private anchored(peer: string | null): true {
    const a = this.anchor!
    a.state = 'anchored'
    a.peer = peer
    a.found = null
    if (this.base.height < a.height) this.base = { height: a.height, hash: a.hash }
    this.log(`trusted header ${a.height} ${a.hash} is the base${peer ? ` (from ${peer})` : ''}: syncing up from it`)
    this.changed()
    return true
  }

  /** The lowest height the syncer may fetch above (the trusted header's; 0 without one, or once L1 contradicted it). */
  private floor(): number {
    return this.anchor && this.anchor.state !== 'conflict' ? this.anchor.height : 0
  }

  /**
   * L1 has the last word: once the mined chain reaches the trusted height, the block L1 mined
   * there must be the trusted one. If it is not, the trusted hash is on another chain (a wrong
   * hash, or peers that served a fork): TRUSTED_HASH_MISMATCH (hard) is recorded once, the state
   * becomes `conflict`, and the syncer follows the chain L1 holds.
   */
  private checkTrustedAgainstL1(): void {
    const a = this.anchor
    if (!a || a.state === 'conflict') return
    const mined = this.engine.getTips().mined
    if (!mined || mined.height < a.height) return
    const b = this.engine.canonicalBlock(a.height)
    if (!b || (b.status !== 'mined' && b.status !== 'finalized') || b.hash === a.hash) return
    a.state = 'conflict'
    a.found = null
    const err = new VigilError('TRUSTED_HASH_MISMATCH', `L1 mined block ${b.hash} at height ${a.height}, not the trusted ${a.hash}: the trusted hash is not on the chain L1 holds; following L1`, {
      details: { source: 'l1', height: a.height, trusted: a.hash, got: b.hash },
    })
    this.log(err.message)
    this.engine.recordFailure('syncer', err)
    this.changed()
  }

  private setState(s: SyncProgress['state']): void {
    if (this.p.state === s) return
    this.p.state = s
    this.changed()
  }

  /** Follows the engine's canonical chain up from the base by parent hash (and jumps to the mined tip). */
  private advanceBase(): void {
    const mined = this.engine.getTips().mined
    if (mined && mined.height > this.base.height) this.base = { height: mined.height, hash: mined.hash }
    const here = this.engine.canonicalBlock(this.base.height)
    if (here && this.base.hash !== null && here.hash !== this.base.hash && !this.isPending(this.base.hash)) this.base = { height: here.height, hash: here.hash }
    for (;;) {
      const b = this.engine.canonicalBlock(this.base.height + 1)
      if (!b || (this.base.hash !== null && b.parentHash !== this.base.hash)) break
      this.base = { height: b.height, hash: b.hash }
    }
    if (this.fillCap !== null && this.base.height >= this.fillCap) this.fillCap = null
  }

  private isPending(hash: Hex): boolean {
    return this.pending.has(hash)
  }

  private target(): number | null {
    const head = this.exchange.networkHead()?.height ?? 0
    const gossip = this.engine.getTips().proposed?.height ?? 0
    const unlinked = this.engine.unlinkedBlocks(1_000).at(-1)?.height ?? 0
    const t = Math.max(head, gossip, unlinked)
    return t > 0 ? t : null
  }

  // ---------------------------------------------------------------- range sync

  /** Fetches [from, to] in parallel chunks and feeds them in order. Returns the number of headers fed. */
  private async fill(from: number, to: number, signal: AbortSignal): Promise<number> {
    const t0 = this.now()
    const roundAbort = new AbortController()
    const sig = AbortSignal.any([signal, roundAbort.signal])
    const chunks: { from: number; count: number }[] = []
    for (let s = from; s <= to; s += MAX_HEADERS_PER_REQUEST) chunks.push({ from: s, count: Math.min(MAX_HEADERS_PER_REQUEST, to - s + 1) })
    const results: Promise<Fetched>[] = []
    const parallel = Math.max(1, this.opts.parallel ?? 4)
    const launch = (upTo: number) => {
      while (results.length < chunks.length && results.length < upTo) {
        const c = chunks[results.length]!
        results.push(this.exchange.headersByRange(c.from, c.count, { signal: sig }).then((r) => r, (error: unknown) => ({ error })))
      }
    }
    let fed = 0
    try {
      for (let i = 0; i < chunks.length; i++) {
        launch(i + parallel)
        const r = await results[i]!
        if (signal.aborted) break
        if ('error' in r) {
          this.log(`headers ${chunks[i]!.from}+${chunks[i]!.count}: ${(r.error as Error).message}`)
          if (i === 0 && fed === 0) throw r.error
          break
        }
        this.p.headersFetched += r.headers.length
        const first = r.headers[0]!.header
        if (this.base.hash !== null && first.parentHash !== this.base.hash) {
          // the peers' chain does not continue ours here (a fork, or we hold only a tip)
          if (i === 0) fed += await this.walkBack(r, sig)
          break
        }
        const res = await this.feed(r.headers, r.peer)
        fed += res.fed
        if (!res.ok || r.headers.length < chunks[i]!.count) break
      }
    } finally {
      roundAbort.abort()
      for (const p of results) void p.catch(() => undefined)
    }
    if (fed > 0) {
      this.p.lastFill = { from, to: this.base.height, headers: fed, ms: this.now() - t0, at: this.now() }
      this.log(`filled ${from}..${this.base.height} (${fed} headers) in ${this.p.lastFill.ms} ms`)
      this.changed()
    }
    return fed
  }

  /**
   * Feeds consecutive headers to the engine. accept / known → the base moves up; a soft
   * failure → held (with every header after it); a hard failure → the peer is penalised and
   * the rest dropped (ok = false).
   */
  private async feed(headers: SignedHeader[], peer: string): Promise<{ fed: number; ok: boolean }> {
    let fed = 0
    let held = false
    for (const sh of headers) {
      const hash = headerHash(sh.header)
      if (held) {
        this.hold(sh, hash, peer)
        this.base = { height: sh.header.height, hash }
        fed++
        continue
      }
      const verdict = await this.engine.onSignedHeader(sh.header, sh.signature, this.source)
      if (verdict === 'accept') {
        this.p.headersAccepted++
      } else if (verdict === 'ignore') {
        if (await this.engine.knows(hash)) this.p.headersKnown++
        else if (this.engine.softFailure(hash)) {
          // not verifiable yet: hold it (and, untried, everything after it: the cause is ours, not the header's)
          this.hold(sh, hash, peer)
          held = true
        } else this.p.headersIgnored++ // refused for good (e.g. a second proposal for one slot position: evidence)
      } else {
        this.exchange.penalize(peer, new VigilError('SOURCE_BAD_RESPONSE', `header ${sh.header.height} from ${peer} failed verification`, { details: { peer, height: sh.header.height } }))
        this.changed()
        return { fed, ok: false }
      }
      this.base = { height: sh.header.height, hash }
      fed++
    }
    this.changed()
    return { fed, ok: true }
  }

  /**
   * The first header above the base names a parent we do not have at base height: walk down
   * by parent hash (ranges of ≤ 64, each ending at the header the previous one names) to
   * where the peers' chain meets a block the engine knows, then feed upward from there.
   */
  private async walkBack(top: { peer: string; headers: SignedHeader[] }, signal: AbortSignal): Promise<number> {
    this.p.walkBacks++
    const segments = [top]
    let want = top.headers[0]!.header.parentHash
    let height = top.headers[0]!.header.height - 1
    let depth = 0
    let base: Base | null = (await this.engine.knows(want)) || height === 0 ? { height, hash: want } : null
    const floor = this.floor()
    while (!base) {
      if (floor > 0 && height <= floor) {
        // down to the trusted header without meeting it: that peer's chain does not descend from it
        const peer = segments[0]!.peer
        const err = new VigilError('TRUSTED_HASH_MISMATCH', `peer ${peer} serves a chain whose block ${floor + 1} names parent ${want}, not the trusted ${this.anchor!.hash}`, {
          details: { peer, height: floor, trusted: this.anchor!.hash, got: want },
        })
        this.log(err.message)
        this.exchange.penalize(peer, err)
        this.engine.recordFailure(this.source, err)
        return 0
      }
      if (depth >= (this.opts.maxWalkBack ?? 1024)) {
        this.log(`walk back gave up after ${depth} headers below ${top.headers[0]!.header.height}`)
        return 0
      }
      const earliest = this.exchange.earliestAvailable(Math.max(1, floor + 1, height - MAX_HEADERS_PER_REQUEST + 1))
      if (earliest === null || earliest > height) {
        base = { height, hash: null } // pruned below: the segment stays detached
        break
      }
      const lo = Math.max(1, floor + 1, height - MAX_HEADERS_PER_REQUEST + 1, earliest)
      const res = await this.exchange.headersByRange(lo, height - lo + 1, { signal })
      const hs = res.headers
      this.p.headersFetched += hs.length
      if (hs.length !== height - lo + 1 || headerHash(hs.at(-1)!.header) !== want) {
        // that peer's chain does not reach the header we walked from: try again next round
        this.log(`walk back: ${res.peer} has no chain to ${want} at ${height}`)
        return 0
      }
      depth += hs.length
      // where does it meet our chain? the highest header whose parent we hold
      let meet = -1
      for (let j = hs.length - 1; j >= 0; j--) {
        if (await this.engine.knows(hs[j]!.header.parentHash)) {
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
    this.base = base
    let fed = 0
    for (const seg of segments) {
      const r = await this.feed(seg.headers, seg.peer)
      fed += r.fed
      if (!r.ok) break
    }
    return fed
  }

  // ---------------------------------------------------------------- pending

  private hold(sh: SignedHeader, hash: Hex, peer: string): void {
    if (this.pending.has(hash)) return
    const t = this.now()
    this.pending.set(hash, { sh, hash, height: sh.header.height, peer, firstAt: t, attempts: 0, nextAt: t + (this.opts.retryBaseMs ?? 250) })
  }

  /** Retries due held headers, lowest first; the first that is still soft backs off itself and all above it. */
  private async retryPending(signal: AbortSignal): Promise<void> {
    if (this.pending.size === 0) return
    const t = this.now()
    const due = [...this.pending.values()].filter((h) => h.nextAt <= t).sort((a, b) => a.height - b.height)
    for (let i = 0; i < due.length; i++) {
      if (signal.aborted) return
      const h = due[i]!
      if (this.now() - h.firstAt > (this.opts.pendingTimeoutMs ?? 120_000)) {
        this.expire(h)
        continue
      }
      this.p.pendingRetries++
      let verdict
      try {
        verdict = await this.engine.onSignedHeader(h.sh.header, h.sh.signature, this.source)
      } catch (e) {
        if (!isVigilError(e) || e.severity === 'hard') throw e
        verdict = 'ignore' as const
      }
      if (verdict === 'accept' || (verdict === 'ignore' && (await this.engine.knows(h.hash)))) {
        this.pending.delete(h.hash)
        this.p.pendingResolved++
        if (verdict === 'accept') this.p.headersAccepted++
        else this.p.headersKnown++
      } else if (verdict === 'ignore' && !this.engine.softFailure(h.hash)) {
        this.pending.delete(h.hash) // refused for good now (e.g. equivocation): stop retrying
        this.p.headersIgnored++
      } else if (verdict === 'ignore') {
        h.attempts++
        const next = this.now() + backoffMs(h.attempts, this.opts.retryBaseMs ?? 250, this.opts.retryMaxMs ?? 8_000)
        for (const o of due.slice(i)) {
          o.nextAt = next
          o.attempts = Math.max(o.attempts, h.attempts)
        }
        break
      } else {
        this.pending.delete(h.hash)
        this.exchange.penalize(h.peer, new VigilError('SOURCE_BAD_RESPONSE', `held header ${h.height} from ${h.peer} failed verification`, { details: { peer: h.peer, height: h.height } }))
      }
    }
    this.changed()
  }

  private expire(h: Held): void {
    this.pending.delete(h.hash)
    this.p.pendingExpired++
    this.log(`held header ${h.height} dropped after ${this.opts.pendingTimeoutMs ?? 120_000} ms (still not verifiable)`)
    // refetch from below it once it can be verified
    if (h.height <= this.base.height) this.base = { height: h.height - 1, hash: h.sh.header.parentHash }
  }
}
