/**
 * The body pipeline (docs/bodies.md): gets block bodies from whichever source has them and
 * hands every one to the engine (`onBody`), which checks it against the header.
 *
 * - light mode keeps headers only: bodies are fetched on demand (`fetchBody`);
 * - full mode also fetches, in the background, the body of every canonical block that lacks
 *   one (header-only proposals, headers from L1 / req/resp / snapshots).
 *
 * Sources are tried in a fixed order per kind of block (seed 000):
 *   mined       re-execution (local) → file store bodies → file store blobs → L1 beacon blobs → req/resp
 *   provisional re-execution (local) → file store bodies (uploaded while provisional) → req/resp
 * (bodies that come with a gossiped proposal never reach this pipeline: the engine takes them.)
 * Blobs are checked against the mined checkpoint's versioned hashes with KZG (loaded lazily),
 * then unpacked into bodies (`verify/blobs.ts`). A block whose round fails is retried with
 * exponential backoff and jitter — sooner near the tip.
 *
 * Three rooms: this file (the pipeline: lifecycle, what the store's commits mean for the
 * wants, on-demand fetches, handing bodies to the engine), `body-wants.ts` (the wants, their
 * due order and retry policy) and `body-steps.ts` (one source asked, blobs judged).
 *
 * Verdicts: every item a source serves gets exactly one — a body through `engine.onBody`
 * (counted by the engine in that source's stats), a blob here (KZG). Bodies unpacked from a
 * verified blob enter the engine as `<source>:blob`, which has no stats of its own, so a blob
 * is never counted twice.
 */
import { VigilError, toErrorRecord } from '../core/errors'
import type { AbortOptions, Hex, Tips } from '../core/types'
import { silentLogger, type Logger } from '../core/logger'
import { Loop } from '../core/loop'
import type { Startable } from '../core/lifecycle'
import { decodeBody, type BlockBody } from '../protocol/body'
import type { BlobKzg } from '../verify/blobs'
import type { ChainStore, CheckpointRow, StoreUpdate } from '../ports/store'
import type { BlobRef, BlobSource, BodyRef, BodySource } from '../ports/bodies'
import type { BodyProgress } from '../core/records'
import { MinedCheckpoints } from './body-checkpoints'
import { LIVE, WANT_DEFAULTS, WantSchedule, type RetryPolicy, type Waiter, type Want } from './body-wants'
import { blobBodiesFrom, bodiesFrom, type BodyStep, type StepResult } from './body-steps'

export type { BlobRef, BlobSource, BodyProgress, BodyRef, BodySource, BodyStep, RetryPolicy }

/** What the pipeline needs from the sync engine. */
export interface BodyEnginePort {
  /** `meta.attempts`: fetch rounds it took (kept as BlockRow.bodyAttempts). */
  onBody(hash: Hex, bytes: Uint8Array, source: string, meta?: { attempts?: number }): Promise<boolean>
  onCommitted(fn: (update: Readonly<StoreUpdate>) => void): () => void
  getTips(): Tips
}

/** Every default of the pipeline, in one place. */
export const BODY_PIPELINE_DEFAULTS = {
  ...WANT_DEFAULTS,
  fetchTimeoutMs: 30_000,
  /** Stored blocks read per page by the full-mode scan at start. */
  scanPage: 2_000,
  /** A failed round (store error) is retried after this, doubling up to the loop's longest idle. */
  roundBackoff: { baseMs: 10, maxMs: 1_000 },
} as const

export interface BodyPipelineOptions {
  engine: BodyEnginePort
  store: ChainStore
  mode: 'light' | 'full'
  /** Steps for blocks whose checkpoint is mined (in order). */
  mined: BodyStep[]
  /** Steps for provisional blocks (in order). */
  provisional: BodyStep[]
  logger?: Logger
  now?: () => number
  random?: () => number
  /** Blocks within this many heights of the proposed tip retry on `nearTip`, the rest on `far`. Default 32. */
  nearTipBlocks?: number
  /** Default 500 ms → 5 s near the tip, 2 s → 60 s further back. */
  retry?: { nearTip: RetryPolicy; far: RetryPolicy }
  /** A header-only proposal's transactions and file store upload may trail it: first try after this. Default 250 ms. */
  provisionalGraceMs?: number
  /** Blocks per round. Default 64. */
  batchSize?: number
  /** Bound on an on-demand fetch. Default 30 s. */
  fetchTimeoutMs?: number
}

/** A body that verified against its header. */
export interface FetchedBody {
  hash: Hex
  height: number
  bytes: Uint8Array
  body: BlockBody
  /** Where it came from (`filestore`, `beacon:blob`, `reexec`, `reqresp`, `gossip`, …). */
  source: string
}

type BodyWant = Want<FetchedBody>

const stopped = () => new VigilError('ABORTED', 'the client stopped', { severity: 'soft' })

/**
 * Listens to the engine's commits from construction (so none is missed before `start`); `stop`
 * ends it for good.
 */
export class BodyPipeline implements Startable {
  private readonly wants: WantSchedule<FetchedBody>
  private readonly checkpoints: MinedCheckpoints
  private readonly engine: BodyEnginePort
  private readonly store: ChainStore
  private readonly mode: 'light' | 'full'
  private readonly minedSteps: BodyStep[]
  private readonly provisionalSteps: BodyStep[]
  private readonly fetchTimeoutMs: number
  private readonly log: Logger
  private readonly loop: Loop
  private kzg: Promise<BlobKzg> | null = null
  private ready: boolean
  private stopped = false
  private readonly verifiedBySource: Record<string, number> = {}
  private readonly blobCounts = { verified: 0, rejected: 0 }
  private failedRounds = 0
  private readonly unsubscribe: () => void
  private readonly observers = new Set<() => void>()

  constructor(init: BodyPipelineOptions) {
    this.engine = init.engine
    this.store = init.store
    this.checkpoints = new MinedCheckpoints(init.store)
    this.mode = init.mode
    this.minedSteps = init.mined
    this.provisionalSteps = init.provisional
    this.fetchTimeoutMs = init.fetchTimeoutMs ?? BODY_PIPELINE_DEFAULTS.fetchTimeoutMs
    this.log = init.logger ?? silentLogger
    this.wants = new WantSchedule({
      now: init.now ?? Date.now,
      random: init.random ?? Math.random,
      tipHeight: () => this.engine.getTips().proposed?.height ?? 0,
      ...(init.nearTipBlocks !== undefined ? { nearTipBlocks: init.nearTipBlocks } : {}),
      ...(init.retry ? { retry: init.retry } : {}),
      ...(init.provisionalGraceMs !== undefined ? { provisionalGraceMs: init.provisionalGraceMs } : {}),
      ...(init.batchSize !== undefined ? { batchSize: init.batchSize } : {}),
    })
    this.loop = new Loop({
      name: 'bodies',
      step: (signal) => this.step(signal),
      backoff: BODY_PIPELINE_DEFAULTS.roundBackoff,
      onError: (e) => this.log.error('body round failed', e),
    })
    this.ready = init.mode === 'light'
    this.unsubscribe = init.engine.onCommitted((u) => this.onCommitted(u))
  }

  /** Called whenever progress may have changed. Returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.observers.add(fn)
    return () => void this.observers.delete(fn)
  }

  /** Starts the fetch loop (and, in full mode, the scan of stored blocks lacking bodies). */
  start(): void {
    if (this.stopped || this.loop.running) return
    this.loop.start()
    if (this.mode === 'full') void this.scanStored().catch((e) => this.log.error('scan for missing bodies failed', e))
  }

  /** Stops the loop (the round in flight is aborted); every waiting fetchBody is rejected with ABORTED. */
  async stop(): Promise<void> {
    this.stopped = true
    this.unsubscribe()
    await this.loop.stop()
    this.wants.clear((x) => x.reject(stopped()))
  }

  /** A block's body, verified against its header: from the store (full mode) or fetched now. */
  async fetchBody(hash: Hex, opts: AbortOptions & { timeoutMs?: number } = {}): Promise<FetchedBody> {
    const h = hash.toLowerCase() as Hex
    const row = await this.store.getBlock(h)
    if (!row) throw new VigilError('NOT_FOUND', `no header ${h} is known: sync it first`, { severity: 'soft', details: { hash: h } })
    if (this.mode === 'full' && row.checks.body) {
      const stored = await this.store.getBody(h)
      if (stored) return { hash: h, height: row.height, bytes: stored.bytes, body: decodeBody(stored.bytes), source: stored.source }
    }
    if (this.stopped) throw stopped()
    const want = this.wants.get(h) ?? this.wants.add(row, false)
    want.nextAt = 0
    const waiter = {} as Waiter<FetchedBody>
    const result = new Promise<FetchedBody>((resolve, reject) => {
      waiter.resolve = resolve
      waiter.reject = reject
      want.waiters.push(waiter)
    })
    this.loop.wake()
    const timeoutMs = opts.timeoutMs ?? this.fetchTimeoutMs
    let timer: ReturnType<typeof setTimeout> | undefined
    let onAbort: (() => void) | undefined
    const bounded = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new VigilError('SOURCE_TIMEOUT', `no verified body for ${h} within ${timeoutMs} ms`, { severity: 'soft', details: { hash: h } })), timeoutMs)
      onAbort = () => reject(new VigilError('ABORTED', 'fetchBody aborted', { severity: 'soft' }))
      if (opts.signal?.aborted) onAbort()
      else opts.signal?.addEventListener('abort', onAbort, { once: true })
    })
    try {
      return await Promise.race([result, bounded])
    } finally {
      clearTimeout(timer)
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort)
      // a caller that gave up no longer waits: drop its waiter so a later failure does not reject into the void
      const i = want.waiters.indexOf(waiter)
      if (i >= 0) want.waiters.splice(i, 1)
      if (want.waiters.length === 0 && !want.background && !want.inflight) this.wants.delete(want)
    }
  }

  /** Retry block `hash` now (e.g. re-execution just got its last transaction). */
  poke(hash: Hex): void {
    const w = this.wants.get(hash)
    if (!w || w.inflight) return
    w.nextAt = 0
    this.loop.wake()
  }

  progress(): BodyProgress {
    const { lowest, inflight } = this.wants.summary()
    return {
      mode: this.mode,
      ready: this.ready,
      missing: this.wants.size,
      lowestMissing: lowest,
      inflight,
      verifiedBySource: { ...this.verifiedBySource },
      blobs: { ...this.blobCounts },
      failedRounds: this.failedRounds,
    }
  }

  private changed(): void {
    for (const fn of [...this.observers]) fn()
  }

  // ---------------------------------------------------------------- what is wanted

  private onCommitted(u: Readonly<StoreUpdate>): void {
    this.checkpoints.onCommitted(u)
    const bodies = new Map<Hex, { bytes: Uint8Array; source: string }>()
    for (const b of u.bodies ?? []) {
      bodies.set(b.hash, b)
      this.verifiedBySource[b.source] = (this.verifiedBySource[b.source] ?? 0) + 1
    }
    const { woke, delivered } = this.wants.follow(u.blocks ?? [], this.mode === 'full')
    for (const w of delivered) {
      const b = bodies.get(w.hash)
      if (b) this.finish(w, b.bytes, b.source)
      else if (w.waiters.length === 0) this.wants.delete(w)
    }
    if (woke) this.loop.wake()
  }

  /** Full mode, at start: every stored canonical block without a verified body is wanted. */
  private async scanStored(): Promise<void> {
    const page = BODY_PIPELINE_DEFAULTS.scanPage
    let from = 0
    const seen = new Set<Hex>()
    for (;;) {
      if (this.stopped) return
      const rows = await this.store.blocksFrom(from, page)
      let fresh = 0
      for (const r of rows) {
        if (seen.has(r.hash)) continue
        seen.add(r.hash)
        fresh++
        if (!r.checks.body && LIVE.has(r.status) && !this.wants.has(r.hash)) this.wants.add(r, true)
      }
      if (rows.length < page || fresh === 0) break
      from = rows.at(-1)!.height
      if (seen.size > 50_000) seen.clear()
    }
    this.ready = true
    this.loop.wake()
    this.changed()
  }

  // ---------------------------------------------------------------- rounds

  /** One loop step: a round over the due batch (then again at once), or idle until the next want is due. */
  private async step(signal: AbortSignal): Promise<number> {
    const due = this.wants.due()
    if (due.length === 0) return this.wants.nextDueIn()
    await this.round(due, signal)
    return 0
  }

  private async round(batch: BodyWant[], signal: AbortSignal): Promise<void> {
    for (const w of batch) w.inflight = true
    try {
      const mined: BodyWant[] = []
      const provisional: BodyWant[] = []
      for (const w of batch) (w.mined && (await this.checkpoints.of(w.checkpointNumber, w.hash)) ? mined : provisional).push(w)
      if (mined.length) await this.runSteps(this.minedSteps, mined, signal)
      if (provisional.length) await this.runSteps(this.provisionalSteps, provisional, signal)
    } finally {
      let failed = false
      for (const w of batch) {
        w.inflight = false
        if (!this.wants.current(w)) continue
        failed = true
        this.wants.failed(w)
        if (w.waiters.length) {
          const tried = Object.entries(w.errors).map(([s, m]) => `${s}: ${m}`)
          const err = new VigilError('BODY_UNAVAILABLE', `no source delivered a body for block ${w.height} that verified${tried.length ? ` (${tried.join('; ')})` : ''}`, {
            severity: 'soft',
            details: { hash: w.hash, height: w.height, attempts: w.attempts },
          })
          for (const x of w.waiters.splice(0)) x.reject(err)
        }
      }
      if (failed) this.failedRounds++
      this.changed()
    }
  }

  private async runSteps(steps: BodyStep[], wants: BodyWant[], signal: AbortSignal): Promise<void> {
    let left = wants
    for (const step of steps) {
      left = left.filter((w) => this.wants.current(w))
      if (left.length === 0 || signal.aborted) return
      if (step.kind === 'bodies') {
        const got = await bodiesFrom(step.source, left.map((w) => ({ hash: w.hash, height: w.height })), signal)
        // always hand over what was served: the engine's verdict counts in this source's stats
        await this.deliver(left, step.source.name, step.source.name, got, { missing: 'not available', rejected: 'rejected' })
        continue
      }
      const byCheckpoint = new Map<number, CheckpointRow>()
      for (const w of left) {
        const cp = await this.checkpoints.of(w.checkpointNumber, w.hash)
        if (cp) byCheckpoint.set(cp.checkpointNumber, cp)
      }
      for (const cp of byCheckpoint.values()) {
        if (signal.aborted) return
        const got = await blobBodiesFrom(step.source, cp, {
          kzg: await this.loadKzg(),
          headers: await this.checkpoints.headers(cp),
          signal,
          log: this.log,
          counted: (ok) => void (ok ? this.blobCounts.verified++ : this.blobCounts.rejected++),
        })
        const wanted = cp.headerHashes.map((h) => this.wants.get(h)).filter((w): w is BodyWant => !!w)
        await this.deliver(wanted, step.source.name, `${step.source.name}:blob`, got)
      }
    }
  }

  /**
   * Hands what a step got to the engine, want by want; a want the step failed for keeps why
   * under `source` (`label`: the name the engine counts the body under). `notes`: what to note
   * for a block the source did not serve / whose body the engine refused (body sources only).
   */
  private async deliver(wants: BodyWant[], source: string, label: string, got: StepResult, notes?: { missing: string; rejected: string }): Promise<void> {
    if (!got.ok) {
      for (const w of wants) {
        if (got.failed) w.errors[source] = got.reason
        else w.errors[source] ??= got.reason
      }
      return
    }
    for (const w of wants) {
      const bytes = got.bodies.get(w.hash)
      if (!bytes) {
        if (notes) w.errors[source] ??= notes.missing
        continue
      }
      if (await this.submit(w, bytes, label)) this.finish(w, bytes, label)
      else if (notes) w.errors[source] = notes.rejected
    }
  }

  private loadKzg(): Promise<BlobKzg> {
    // dynamic import: KZG (micro-eth-signer + trusted setup) stays out of the worker's initial bundle
    this.kzg ??= import('../verify/kzg')
    return this.kzg
  }

  private async submit(w: BodyWant, bytes: Uint8Array, label: string): Promise<boolean> {
    try {
      return await this.engine.onBody(w.hash, bytes, label, { attempts: w.attempts + 1 })
    } catch (e) {
      this.log(`body ${w.hash} from ${label} not taken: ${toErrorRecord(e).message}`)
      return false
    }
  }

  private finish(w: BodyWant, bytes: Uint8Array, source: string): void {
    this.wants.delete(w)
    if (this.mode === 'light') this.verifiedBySource[source] = (this.verifiedBySource[source] ?? 0) + 1
    if (w.waiters.length === 0) return
    let body: BlockBody
    try {
      body = decodeBody(bytes)
    } catch (e) {
      const err = VigilError.fromRecord(toErrorRecord(e))
      for (const x of w.waiters.splice(0)) x.reject(err)
      return
    }
    const out: FetchedBody = { hash: w.hash, height: w.height, bytes, body, source }
    for (const x of w.waiters.splice(0)) x.resolve(out)
  }
}
