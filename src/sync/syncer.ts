/**
 * The req/resp syncer: brings the chain from the syncer's base (the mined tip, or genesis)
 * up to the network head, and fills the gaps gossip leaves.
 *
 * - **Target** (`plan()`): what the syncer claims (`progress().target`) is only verified
 *   knowledge: the highest block whose header verified here (the proposed tip, the top of the
 *   unlinked gossiped blocks — gaps below them, `engine.unlinkedBlocks()` — the mined tip) or
 *   the base. A peer's `status.latest` is an unverified claim (`progress().announced`): it
 *   only makes the syncer ask, one window at a time — a round asks for at most `windowBlocks`
 *   heights above where it starts (the base, or a pruned peer's edge) — and never shows as
 *   "behind by".
 * - **Base** (syncer-base.ts): the highest height up to which the chain is held contiguously.
 * - **Range sync** (go-header): [base+1, target] is cut into ≤ 64-header requests, up to
 *   `parallel` in flight to different peers (the source picks peers that announced the
 *   range, by score), processed in height order as they arrive. Each SignedHeader goes to
 *   `engine.onSignedHeader(header, signature, source)` — the same verification as gossip.
 *   A peer whose header fails verification (hard) is penalised and the rest of its answer
 *   dropped; the next round asks someone else.
 * - **Walk back** (syncer-walkback.ts): when the peers' chain does not continue the base, walk
 *   down by parent hash to a block the engine knows, then feed upward.
 * - **Pruned peers**: when no peer serves base+1, the syncer syncs what they serve (the
 *   segment's bottom stays unlinked; `unavailableBelow` says so) and comes back when served.
 * - **Pending with backoff** (syncer-pending.ts): a header the engine cannot verify yet (soft)
 *   is held, not refetched, and retried with backoff; those above it in the same answer wait behind it.
 * - **Trusted hash** (syncer-trusted.ts): with `trusted: { height, hash }` that header is found,
 *   checked and made the base first; nothing below it is ever fetched.
 * The loop is core/loop.ts's `Loop`: woken by status and engine changes, idle `idleMs`.
 */
import { VigilError } from '../core/errors'
import { silentLogger, type Logger } from '../core/logger'
import { Loop } from '../core/loop'
import type { Startable } from '../core/lifecycle'
import { headerHash } from '../protocol/header'
import type { SignedHeader } from '../protocol/signed-header'
import type { SyncProgress } from '../core/records'
import type { HeaderExchange } from '../ports/exchange'
import type { SyncEngine } from './engine'
import { PENDING_DEFAULTS, PendingHeaders } from './syncer-pending'
import { TRUSTED_TIMEOUT_MS, TrustedAnchor, type TrustedHeader } from './syncer-trusted'
import { PRUNED_EDGE_MARGIN, SyncBase } from './syncer-base'
import { MAX_HEADERS_PER_REQUEST, headerRanges } from './syncer-range'
import { walkBack, type Segment } from './syncer-walkback'

export { MAX_HEADERS_PER_REQUEST, PRUNED_EDGE_MARGIN, TRUSTED_TIMEOUT_MS }
export type { HeaderExchange, TrustedHeader }

/** Held headers at most: beyond this the syncer stops fetching until some verify or expire. */
export const MAX_PENDING = 2048

/** Every default of the syncer, in one place. */
export const SYNCER_DEFAULTS = {
  parallel: 4,
  windowBlocks: 512,
  idleMs: 2_000,
  /** After failed rounds the idle wait doubles (from 2 × idleMs) up to this. */
  failureBackoffMaxMs: 30_000,
  pendingTimeoutMs: PENDING_DEFAULTS.timeoutMs,
  retryBaseMs: PENDING_DEFAULTS.retryBaseMs,
  retryMaxMs: PENDING_DEFAULTS.retryMaxMs,
  maxWalkBack: 1024,
  trustedTimeoutMs: TRUSTED_TIMEOUT_MS,
  /** Fresh status is asked of every peer at most this often when no peer announced the heights wanted. */
  refreshEveryMs: 1_000,
  /** Unlinked gossiped blocks looked at for the target. */
  unlinkedScan: 1_000,
} as const

/** The engine surface the syncer uses. */
export type SyncTarget = Pick<SyncEngine, 'getTips' | 'canonicalBlock' | 'unlinkedBlocks' | 'knows' | 'softFailure' | 'onSignedHeader' | 'onChange' | 'recordFailure'>

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
}

export class Syncer implements Startable {
  private readonly base = new SyncBase()
  private readonly pending: PendingHeaders
  private offs: (() => void)[] = []
  private lastRefreshAt = 0
  /** The trusted header (init.trusted) and how the search for it stands. */
  private readonly anchor: TrustedAnchor | null
  private readonly p: SyncProgress = { state: 'stopped', base: 0, target: null, announced: null, pending: 0, unavailableBelow: null, lastFill: null, walkBacks: 0,
    headersFetched: 0, headersAccepted: 0, headersKnown: 0, headersIgnored: 0, pendingRetries: 0, pendingResolved: 0, pendingExpired: 0 }
  private readonly engine: SyncTarget
  private readonly exchange: HeaderExchange
  private readonly source: string
  private readonly parallel: number
  private readonly windowBlocks: number
  private readonly idleMs: number
  private readonly maxWalkBack: number
  private readonly log: Logger
  private readonly now: () => number
  private readonly loop: Loop
  private readonly observers = new Set<() => void>()
  private lastNotified = ''

  constructor(init: SyncerOptions) {
    this.engine = init.engine
    this.exchange = init.exchange
    this.source = init.source ?? init.exchange.name
    this.parallel = Math.max(1, init.parallel ?? SYNCER_DEFAULTS.parallel)
    this.windowBlocks = init.windowBlocks ?? SYNCER_DEFAULTS.windowBlocks
    this.idleMs = init.idleMs ?? SYNCER_DEFAULTS.idleMs
    this.maxWalkBack = init.maxWalkBack ?? SYNCER_DEFAULTS.maxWalkBack
    this.log = init.logger ?? silentLogger
    this.now = init.now ?? Date.now
    this.pending = new PendingHeaders({
      now: this.now,
      timeoutMs: init.pendingTimeoutMs ?? SYNCER_DEFAULTS.pendingTimeoutMs,
      retryBaseMs: init.retryBaseMs ?? SYNCER_DEFAULTS.retryBaseMs,
      retryMaxMs: init.retryMaxMs ?? SYNCER_DEFAULTS.retryMaxMs,
    })
    this.anchor = init.trusted ? new TrustedAnchor(init.trusted, init.trustedTimeoutMs ?? SYNCER_DEFAULTS.trustedTimeoutMs, this.now()) : null
    this.loop = new Loop({
      name: 'syncer',
      step: (signal) => this.step(signal),
      // a failed round: idle 2×, 4×, … idleMs (jittered) up to 30 s; a held header's retry still comes on time
      backoff: { baseMs: 2 * this.idleMs, maxMs: SYNCER_DEFAULTS.failureBackoffMaxMs },
      idleCap: () => this.pending.nextDueIn(),
      onError: (e, failures) => this.log(`sync round failed (${failures})`, e),
    })
  }

  /** Starts the sync loop (returns at once). */
  start(): void {
    if (this.loop.running) return
    const mined = this.engine.getTips().mined
    if (mined) this.base.raise(mined.height, mined.hash)
    this.offs = [this.engine.onChange(() => this.wake()), this.exchange.onStatus(() => this.wake())]
    this.p.state = 'idle'
    this.anchor?.restarted(this.now())
    this.loop.start()
  }

  /** Stops the loop (the round in flight is aborted) and resolves once it returned. */
  async stop(): Promise<void> {
    if (!this.loop.running) return
    for (const off of this.offs.splice(0)) off()
    await this.loop.stop()
    this.p.state = 'stopped'
  }

  /** Called whenever progress changed. Returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.observers.add(fn)
    return () => void this.observers.delete(fn)
  }

  progress(): SyncProgress {
    // verified knowledge only (plan()); kept at or above the base and the proposed tip between rounds
    const verified = Math.max(this.p.target ?? 0, this.base.height, this.engine.getTips().proposed?.height ?? 0)
    return {
      ...this.p,
      target: verified > 0 ? verified : null,
      base: this.base.height,
      unavailableBelow: this.base.unavailableBelow,
      pending: this.pending.size,
      lastFill: this.p.lastFill ? { ...this.p.lastFill } : null,
      trusted: this.anchor?.progress() ?? null,
    }
  }

  /** Re-plan now (a status or a block arrived). */
  wake(): void {
    this.loop.wake()
  }

  private changed(): void {
    this.lastNotified = this.progressKey()
    for (const fn of [...this.observers]) fn()
  }

  /** After each round: make sure whoever shows progress saw its final state (base moves with the engine too). */
  private notifyIfChanged(): void {
    if (this.progressKey() !== this.lastNotified) this.changed()
  }

  private progressKey(): string {
    const p = this.progress()
    return `${p.state}|${p.base}|${p.target}|${p.announced}|${p.pending}|${p.headersAccepted}|${p.headersKnown}|${p.headersIgnored}|${p.pendingExpired}|${p.pendingResolved}|${p.walkBacks}|${p.trusted?.state}`
  }

  private setState(s: SyncProgress['state']): void {
    if (this.p.state === s) return
    this.p.state = s
    this.changed()
  }

  /** Asks every peer for a fresh status, at most once per `refreshEveryMs`. */
  private refreshSoon(): void {
    if (!this.exchange.refreshAll || this.now() - this.lastRefreshAt <= SYNCER_DEFAULTS.refreshEveryMs) return
    this.lastRefreshAt = this.now()
    void this.exchange.refreshAll().catch(() => undefined)
  }

  // ---------------------------------------------------------------- planning

  /** One loop step: a round; again at once when it fed headers, else idle. */
  private async step(signal: AbortSignal): Promise<number> {
    try {
      return (await this.round(signal)) ? 0 : this.idleMs
    } finally {
      if (!signal.aborted) this.notifyIfChanged()
    }
  }

  /** One planning step. Returns true when it fed headers (run again at once). */
  async round(signal: AbortSignal): Promise<boolean> {
    await this.retryPending(signal)
    if (this.pending.size >= MAX_PENDING) {
      this.setState('idle')
      return false
    }
    if (this.anchor?.checkAgainstL1({ engine: this.engine, log: this.log })) this.changed() // L1 has the last word on the trusted hash
    if (this.anchor?.searching) {
      // nothing is fetched until the trusted header is the base (else the range would start below it)
      this.showPlan(this.plan())
      return this.findTrusted(signal)
    }
    this.relinkIfServed()
    this.base.advance(this.engine, (h) => this.pending.has(h))
    const plan = this.plan()
    this.showPlan(plan)
    // the heights worth asking for: up to what is verified or announced (a round asks one window of it)
    const target = plan.wanted
    if (target === null || target <= this.base.height) {
      this.setState('idle')
      return false
    }
    let from = this.base.height + 1
    let earliest = this.exchange.earliestAvailable(from)
    if (earliest === null || earliest > target) {
      // nobody announced these heights (yet): ask for fresh status
      this.refreshSoon()
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
      from = this.base.detach(earliest, target)
    }
    this.setState('syncing')
    const to = this.base.cap(Math.min(target, from + this.windowBlocks - 1))
    return (await this.fill(from, to, signal)) > 0
  }

  /** Detached above unserved heights, and they are served now: fill under the edge (syncer-base.ts). */
  private relinkIfServed(): void {
    const r = this.base.relinkIfServed(this.engine, this.exchange)
    if (!r) return
    this.log(`heights ${r.from}..${r.to} are served now (from ${r.servedFrom}): filling under the edge`)
    this.changed()
  }

  /** Looks for the trusted header (syncer-trusted.ts). Returns true to run again at once (another peer to ask). */
  private async findTrusted(signal: AbortSignal): Promise<boolean> {
    const a = this.anchor!
    const r = await a.find({ engine: this.engine, exchange: this.exchange, source: this.source, log: this.log, now: this.now, refresh: () => this.refreshSoon(), setState: (s) => this.setState(s) }, signal)
    this.p.headersFetched += r.fetched
    this.p.headersAccepted += r.accepted
    this.p.headersIgnored += r.ignored
    if (r.next === 'anchored') this.base.raise(a.height, a.hash)
    if (r.changed) this.changed()
    if (r.next === 'idle') this.setState('idle')
    return r.next !== 'idle'
  }

  /**
   * The target (docs/sync.md § Target): `verified` — the highest height whose header verified
   * here (proposed tip, top of the unlinked gossiped blocks, mined tip) or the base — is what
   * the syncer claims; `announced` — the highest head a peer announced (unverified) — only says
   * there may be more to ask for; `wanted` is the higher of the two, what a round asks towards
   * (at most `windowBlocks` heights per round, so an announcement is followed only as fast as
   * what peers serve verifies).
   */
  private plan(): { verified: number | null; announced: number | null; wanted: number | null } {
    const tips = this.engine.getTips()
    const unlinked = this.engine.unlinkedBlocks(SYNCER_DEFAULTS.unlinkedScan).at(-1)?.height ?? 0
    const v = Math.max(tips.proposed?.height ?? 0, tips.mined?.height ?? 0, unlinked, this.base.height)
    const a = this.exchange.networkHead()?.height ?? 0
    const w = Math.max(v, a)
    return { verified: v > 0 ? v : null, announced: a > 0 ? a : null, wanted: w > 0 ? w : null }
  }

  /** What progress shows: the verified target, and the announcement apart (never as "behind"). */
  private showPlan(plan: ReturnType<Syncer['plan']>): void {
    this.p.target = plan.verified
    this.p.announced = plan.announced
  }

  // ---------------------------------------------------------------- range sync

  /** Fetches [from, to] in parallel chunks (syncer-range.ts) and feeds them in order. Returns the number of headers fed. */
  private async fill(from: number, to: number, signal: AbortSignal): Promise<number> {
    const t0 = this.now()
    let fed = 0
    for await (const c of headerRanges(this.exchange, from, to, this.parallel, signal)) {
      const r = c.r
      if (signal.aborted) break
      if ('error' in r) {
        this.log(`headers ${c.from}+${c.count}: ${(r.error as Error).message}`)
        if (c.from === from && fed === 0) throw r.error
        break
      }
      this.p.headersFetched += r.headers.length
      if (r.headers.length === 0) break // an empty answer (the source counts it against the peer)
      if (this.base.hash !== null && r.headers[0]!.header.parentHash !== this.base.hash) {
        // the peers' chain does not continue ours here (a fork, or we hold only a tip)
        if (c.from === from) fed += await this.walkBackFrom(r, c.signal)
        break
      }
      const res = await this.feed(r.headers, r.peer)
      fed += res.fed
      if (!res.ok || r.headers.length < c.count) break
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
        this.pending.hold(sh, hash, peer)
        this.base.set(sh.header.height, hash)
        fed++
        continue
      }
      const verdict = await this.engine.onSignedHeader(sh.header, sh.signature, this.source, peer)
      if (verdict === 'accept') {
        this.p.headersAccepted++
      } else if (verdict === 'ignore') {
        if (await this.engine.knows(hash)) this.p.headersKnown++
        else if (this.engine.softFailure(hash)) {
          // not verifiable yet: hold it (and, untried, everything after it: the cause is ours, not the header's)
          this.pending.hold(sh, hash, peer)
          held = true
        } else this.p.headersIgnored++ // refused for good (e.g. a second proposal for one slot position: evidence)
      } else {
        this.exchange.penalize(peer, new VigilError('SOURCE_BAD_RESPONSE', `header ${sh.header.height} from ${peer} failed verification`, { details: { peer, height: sh.header.height } }))
        this.changed()
        return { fed, ok: false }
      }
      this.base.set(sh.header.height, hash)
      fed++
    }
    this.changed()
    return { fed, ok: true }
  }

  /** The first header above the base names a parent we do not have (syncer-walkback.ts): walk down, then feed upward. */
  private async walkBackFrom(top: Segment, signal: AbortSignal): Promise<number> {
    this.p.walkBacks++
    const a = this.anchor
    const w = await walkBack(top, {
      engine: this.engine,
      exchange: this.exchange,
      source: this.source,
      log: this.log,
      floor: a?.floor() ?? 0,
      trustedHash: a?.hash ?? null,
      maxDepth: this.maxWalkBack,
      signal,
    })
    this.p.headersFetched += w.fetched
    if (!w.base) return 0
    this.base.set(w.base.height, w.base.hash)
    let fed = 0
    for (const seg of w.segments) {
      const r = await this.feed(seg.headers, seg.peer)
      fed += r.fed
      if (!r.ok) break
    }
    return fed
  }

  /** Retries due held headers (syncer-pending.ts); an expired one moves the base below it (refetched once verifiable). */
  private async retryPending(signal: AbortSignal): Promise<void> {
    if (this.pending.size === 0) return
    const r = await this.pending.retry(this.engine, this.source, signal)
    this.p.pendingRetries += r.retries
    this.p.pendingResolved += r.accepted + r.known
    this.p.headersAccepted += r.accepted
    this.p.headersKnown += r.known
    this.p.headersIgnored += r.ignored
    this.p.pendingExpired += r.expired.length
    for (const h of r.expired) {
      this.log(`held header ${h.height} dropped after ${this.pending.timeoutMs} ms (still not verifiable)`)
      if (h.height <= this.base.height) this.base.set(h.height - 1, h.sh.header.parentHash)
    }
    for (const h of r.rejected) this.exchange.penalize(h.peer, PendingHeaders.rejection(h))
    if (!signal.aborted) this.changed()
  }
}
