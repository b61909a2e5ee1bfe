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
 * then unpacked into bodies. A block whose round fails is retried with exponential backoff and
 * jitter — sooner near the tip.
 *
 * Verdicts: every item a source serves gets exactly one — a body through `engine.onBody`
 * (counted by the engine in that source's stats), a blob here (KZG). Bodies unpacked from a
 * verified blob enter the engine as `<source>:blob`, which has no stats of its own, so a blob
 * is never counted twice.
 */
import { VigilError, toErrorRecord } from '../core/errors'
import { backoffMs } from '../core/abort'
import type { AbortOptions, Hex, Tips } from '../core/types'
import { silentLogger, type Logger } from '../core/logger'
import { decodeBodiesFromBlobs } from '../protocol/blob'
import { decodeBody, type BlockBody } from '../protocol/body'
import { decodeHeader, type BlockHeader } from '../protocol/header'
import { verifyBody } from '../verify/rules'
import type { BlockRow, ChainStore, CheckpointRow, StoreUpdate } from '../ports/store'
import type { BlobRef, BlobSource, BodyRef, BodySource } from '../ports/bodies'
import type { BodyProgress } from '../core/records'

export type { BlobRef, BlobSource, BodyProgress, BodyRef, BodySource }

export type BodyStep = { kind: 'bodies'; source: BodySource } | { kind: 'blobs'; source: BlobSource }

/** What the pipeline needs from the sync engine. */
export interface BodyEnginePort {
  /** `meta.attempts`: fetch rounds it took (kept as BlockRow.bodyAttempts). */
  onBody(hash: Hex, bytes: Uint8Array, source: string, meta?: { attempts?: number }): Promise<boolean>
  onCommitted(fn: (update: Readonly<StoreUpdate>) => void): () => void
  getTips(): Tips
}

export interface RetryPolicy {
  baseMs: number
  maxMs: number
}

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

interface Waiter {
  resolve: (b: FetchedBody) => void
  reject: (e: VigilError) => void
}

interface Want {
  hash: Hex
  height: number
  checkpointNumber: number
  mined: boolean
  /** Full mode keeps fetching until it has the body; on-demand wants end after one failed round. */
  background: boolean
  attempts: number
  nextAt: number
  inflight: boolean
  waiters: Waiter[]
  errors: Record<string, string>
}

type KzgModule = typeof import('../verify/kzg')

const MINED = new Set(['mined', 'finalized'])
const LIVE = new Set(['proposed', 'attested', 'mined', 'finalized'])

export class BodyPipeline {
  private readonly wants = new Map<Hex, Want>()
  /** Mined checkpoints by number (from commits; the store answers for older ones). */
  private readonly checkpoints = new Map<number, CheckpointRow>()
  private readonly log: Logger
  private readonly now: () => number
  private readonly random: () => number
  private readonly abort = new AbortController()
  private loopDone: Promise<void> | null = null
  private wakeUp: (() => void) | null = null
  private kzg: Promise<KzgModule> | null = null
  private ready = false
  private readonly verifiedBySource: Record<string, number> = {}
  private readonly blobCounts = { verified: 0, rejected: 0 }
  private failedRounds = 0
  private unsubscribe: (() => void) | null = null
  onChange: (() => void) | null = null

  constructor(private readonly opts: BodyPipelineOptions) {
    this.log = opts.logger ?? silentLogger
    this.now = opts.now ?? Date.now
    this.random = opts.random ?? Math.random
    this.unsubscribe = opts.engine.onCommitted((u) => this.onCommitted(u))
    if (opts.mode === 'light') this.ready = true
  }

  /** Starts the fetch loop (and, in full mode, the scan of stored blocks lacking bodies). */
  start(): void {
    if (this.loopDone) return
    this.loopDone = this.loop()
    if (this.opts.mode === 'full') void this.scanStored().catch((e) => this.log.error('scan for missing bodies failed', e))
  }

  async stop(): Promise<void> {
    this.abort.abort()
    this.wakeUp?.()
    this.unsubscribe?.()
    await this.loopDone
    for (const w of this.wants.values()) for (const x of w.waiters) x.reject(new VigilError('ABORTED', 'the client stopped', { severity: 'soft' }))
    this.wants.clear()
  }

  /** A block's body, verified against its header: from the store (full mode) or fetched now. */
  async fetchBody(hash: Hex, opts: AbortOptions & { timeoutMs?: number } = {}): Promise<FetchedBody> {
    const h = hash.toLowerCase() as Hex
    const row = await this.opts.store.getBlock(h)
    if (!row) throw new VigilError('NOT_FOUND', `no header ${h} is known: sync it first`, { severity: 'soft', details: { hash: h } })
    if (this.opts.mode === 'full' && row.checks.body) {
      const stored = await this.opts.store.getBody(h)
      if (stored) return { hash: h, height: row.height, bytes: stored.bytes, body: decodeBody(stored.bytes), source: stored.source }
    }
    if (this.abort.signal.aborted) throw new VigilError('ABORTED', 'the client stopped', { severity: 'soft' })
    let w = this.wants.get(h)
    if (!w) {
      w = this.newWant(row, false)
      this.wants.set(h, w)
    }
    w.nextAt = 0
    const want = w
    const waiter = {} as Waiter
    const result = new Promise<FetchedBody>((resolve, reject) => {
      waiter.resolve = resolve
      waiter.reject = reject
      want.waiters.push(waiter)
    })
    this.wake()
    const timeoutMs = opts.timeoutMs ?? this.opts.fetchTimeoutMs ?? 30_000
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
      if (want.waiters.length === 0 && !want.background && !want.inflight && this.wants.get(h) === want) this.wants.delete(h)
    }
  }

  /** Retry block `hash` now (e.g. re-execution just got its last transaction). */
  poke(hash: Hex): void {
    const w = this.wants.get(hash)
    if (!w || w.inflight) return
    w.nextAt = 0
    this.wake()
  }

  progress(): BodyProgress {
    let lowest: number | null = null
    let inflight = 0
    for (const w of this.wants.values()) {
      if (w.inflight) inflight++
      if (w.background && (lowest === null || w.height < lowest)) lowest = w.height
    }
    return {
      mode: this.opts.mode,
      ready: this.ready,
      missing: this.wants.size,
      lowestMissing: lowest,
      inflight,
      verifiedBySource: { ...this.verifiedBySource },
      blobs: { ...this.blobCounts },
      failedRounds: this.failedRounds,
    }
  }

  // ---------------------------------------------------------------- what is wanted

  private newWant(row: BlockRow, background: boolean): Want {
    const provisional = !MINED.has(row.status)
    return {
      hash: row.hash,
      height: row.height,
      checkpointNumber: row.checkpointNumber,
      mined: !provisional,
      background,
      attempts: 0,
      nextAt: this.now() + (provisional && background ? (this.opts.provisionalGraceMs ?? 250) : 0),
      inflight: false,
      waiters: [],
      errors: {},
    }
  }

  private onCommitted(u: Readonly<StoreUpdate>): void {
    for (const c of u.checkpoints ?? []) {
      if (MINED.has(c.status) && c.l1) this.checkpoints.set(c.checkpointNumber, c)
      else if (this.checkpoints.get(c.checkpointNumber)?.id === c.id) this.checkpoints.delete(c.checkpointNumber)
    }
    if (this.checkpoints.size > 4096) for (const k of [...this.checkpoints.keys()].sort((a, b) => a - b).slice(0, 1024)) this.checkpoints.delete(k)
    const bodies = new Map<Hex, { bytes: Uint8Array; source: string }>()
    for (const b of u.bodies ?? []) {
      bodies.set(b.hash, b)
      this.verifiedBySource[b.source] = (this.verifiedBySource[b.source] ?? 0) + 1
    }
    let woke = false
    for (const row of u.blocks ?? []) {
      const w = this.wants.get(row.hash)
      if (row.checks.body) {
        if (!w) continue
        const b = bodies.get(row.hash)
        if (b) this.finish(w, b.bytes, b.source)
        else if (w.waiters.length === 0) this.wants.delete(row.hash)
        continue
      }
      if (!LIVE.has(row.status)) {
        if (w && w.waiters.length === 0) this.wants.delete(row.hash)
        else if (w) w.background = false
        continue
      }
      const mined = MINED.has(row.status)
      if (w) {
        if (mined && !w.mined && !w.inflight) {
          // blobs just became a way to get it: try again now
          w.attempts = 0
          w.nextAt = this.now()
          woke = true
        }
        w.mined = mined
        w.checkpointNumber = row.checkpointNumber
        if (this.opts.mode === 'full') w.background = true
        continue
      }
      if (this.opts.mode === 'full') {
        this.wants.set(row.hash, this.newWant(row, true))
        woke = true
      }
    }
    if (woke) this.wake()
  }

  /** Full mode, at start: every stored canonical block without a verified body is wanted. */
  private async scanStored(): Promise<void> {
    const page = 2000
    let from = 0
    const seen = new Set<Hex>()
    for (;;) {
      if (this.abort.signal.aborted) return
      const rows = await this.opts.store.blocksFrom(from, page)
      let fresh = 0
      for (const r of rows) {
        if (seen.has(r.hash)) continue
        seen.add(r.hash)
        fresh++
        if (!r.checks.body && LIVE.has(r.status) && !this.wants.has(r.hash)) this.wants.set(r.hash, this.newWant(r, true))
      }
      if (rows.length < page || fresh === 0) break
      from = rows.at(-1)!.height
      if (seen.size > 50_000) seen.clear()
    }
    this.ready = true
    this.wake()
    this.onChange?.()
  }

  // ---------------------------------------------------------------- the loop

  private wake(): void {
    const w = this.wakeUp
    this.wakeUp = null
    w?.()
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal
    while (!signal.aborted) {
      const now = this.now()
      const due = this.due(now)
      if (due.length === 0) {
        let next = Infinity
        for (const w of this.wants.values()) if (!w.inflight) next = Math.min(next, w.nextAt)
        await this.sleep(Math.max(10, Math.min(next - now, 1000)))
        continue
      }
      try {
        await this.round(due)
      } catch (e) {
        this.log.error('body round failed', e)
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = null
        resolve()
      }, ms)
      this.wakeUp = () => {
        clearTimeout(t)
        resolve()
      }
    })
  }

  private tipHeight(): number {
    return this.opts.engine.getTips().proposed?.height ?? 0
  }

  /** Due wants, on-demand and near-tip first, then oldest first. */
  private due(now: number): Want[] {
    const tip = this.tipHeight()
    const near = this.opts.nearTipBlocks ?? 32
    const rank = (w: Want) => (w.waiters.length > 0 ? 0 : tip - w.height <= near ? 1 : 2)
    return [...this.wants.values()]
      .filter((w) => !w.inflight && w.nextAt <= now)
      .sort((a, b) => rank(a) - rank(b) || (rank(a) === 1 ? b.height - a.height : a.height - b.height))
      .slice(0, this.opts.batchSize ?? 64)
  }

  private async round(batch: Want[]): Promise<void> {
    for (const w of batch) w.inflight = true
    try {
      const mined: Want[] = []
      const provisional: Want[] = []
      for (const w of batch) (w.mined && (await this.checkpointOf(w)) ? mined : provisional).push(w)
      if (mined.length) await this.runSteps(this.opts.mined, mined)
      if (provisional.length) await this.runSteps(this.opts.provisional, provisional)
    } finally {
      const tip = this.tipHeight()
      const near = this.opts.nearTipBlocks ?? 32
      let failed = false
      for (const w of batch) {
        w.inflight = false
        if (this.wants.get(w.hash) !== w) continue
        failed = true
        w.attempts++
        const policy = tip - w.height <= near ? (this.opts.retry?.nearTip ?? { baseMs: 500, maxMs: 5_000 }) : (this.opts.retry?.far ?? { baseMs: 2_000, maxMs: 60_000 })
        w.nextAt = this.now() + backoffMs(w.attempts - 1, policy.baseMs, policy.maxMs, this.random)
        if (w.waiters.length) {
          const tried = Object.entries(w.errors).map(([s, m]) => `${s}: ${m}`)
          const err = new VigilError('BODY_UNAVAILABLE', `no source delivered a body for block ${w.height} that verified${tried.length ? ` (${tried.join('; ')})` : ''}`, {
            severity: 'soft',
            details: { hash: w.hash, height: w.height, attempts: w.attempts },
          })
          for (const x of w.waiters.splice(0)) x.reject(err)
        }
        // on-demand only: one round, then it is the caller's to ask again
        if (!w.background) this.wants.delete(w.hash)
      }
      if (failed) this.failedRounds++
      this.onChange?.()
    }
  }

  private async runSteps(steps: BodyStep[], wants: Want[]): Promise<void> {
    const signal = this.abort.signal
    let left = wants
    for (const step of steps) {
      left = left.filter((w) => this.wants.get(w.hash) === w)
      if (left.length === 0 || signal.aborted) return
      if (step.kind === 'bodies') await this.viaBodies(step.source, left)
      else {
        const byCheckpoint = new Map<number, CheckpointRow>()
        for (const w of left) {
          const cp = await this.checkpointOf(w)
          if (cp) byCheckpoint.set(cp.checkpointNumber, cp)
        }
        for (const cp of byCheckpoint.values()) {
          if (signal.aborted) return
          await this.viaBlobs(step.source, cp)
        }
      }
    }
  }

  private async viaBodies(source: BodySource, wants: Want[]): Promise<void> {
    let got: Map<Hex, Uint8Array>
    try {
      got = await source.fetchBodies(
        wants.map((w) => ({ hash: w.hash, height: w.height })),
        { signal: this.abort.signal },
      )
    } catch (e) {
      for (const w of wants) w.errors[source.name] = toErrorRecord(e).code
      return
    }
    for (const w of wants) {
      const bytes = got.get(w.hash)
      if (!bytes) {
        w.errors[source.name] ??= 'not available'
        continue
      }
      // always hand over what was served: the engine's verdict counts in this source's stats
      if (await this.submit(w, bytes, source.name)) this.finish(w, bytes, source.name)
      else w.errors[source.name] = 'rejected'
    }
  }

  private async viaBlobs(source: BlobSource, cp: CheckpointRow): Promise<void> {
    const label = `${source.name}:blob`
    const wanted = () => cp.headerHashes.map((h) => this.wants.get(h)).filter((w): w is Want => !!w)
    let blobs: (Uint8Array | null)[]
    try {
      blobs = await source.fetchBlobs({ l1BlockNumber: cp.l1!.blockNumber, versionedHashes: cp.blobVersionedHashes }, { signal: this.abort.signal })
    } catch (e) {
      for (const w of wanted()) w.errors[source.name] = toErrorRecord(e).code
      return
    }
    const bodies = await this.verifyBlobs(source, cp, blobs)
    if (!bodies) {
      for (const w of wanted()) w.errors[source.name] ??= 'blobs unavailable or rejected'
      return
    }
    for (const w of wanted()) {
      const i = cp.headerHashes.indexOf(w.hash)
      const bytes = bodies[i]
      if (bytes && (await this.submit(w, bytes, label))) this.finish(w, bytes, label)
    }
  }

  /**
   * Checks served blobs against the checkpoint's versioned hashes and unpacks them. Cheap
   * first: if the unpacked bodies do not match the headers, the blobs are wrong (each is
   * then judged by KZG, so the verdict lands on the blob at fault); if they match, every
   * blob must still match its versioned hash by KZG. One verdict per blob served.
   * Returns the bodies in header order, or null.
   */
  private async verifyBlobs(source: BlobSource, cp: CheckpointRow, blobs: (Uint8Array | null)[]): Promise<Uint8Array[] | null> {
    const expected = cp.blobVersionedHashes
    const served = blobs.map((b, i) => ({ b, i })).filter((x): x is { b: Uint8Array; i: number } => x.b !== null)
    if (served.length === 0) return null
    const complete = blobs.length === expected.length && served.length === expected.length
    let bodies: Uint8Array[] | null = null
    let cheapError: unknown = null
    if (complete) {
      try {
        const headers = await this.headersOf(cp)
        const unpacked = decodeBodiesFromBlobs(served.map((x) => x.b))
        if (unpacked.length !== cp.headerHashes.length)
          throw new VigilError('BODY_MISMATCH', `blobs of checkpoint ${cp.checkpointNumber} carry ${unpacked.length} bodies for ${cp.headerHashes.length} blocks`)
        if (headers) headers.forEach((h, i) => verifyBody(h, unpacked[i]!))
        bodies = unpacked
      } catch (e) {
        cheapError = e
      }
    }
    const kzg = await this.loadKzg()
    let allOk = true
    for (const { b, i } of served) {
      // yield between blobs: a commitment takes ~0.3–0.6 s of CPU
      await new Promise((r) => setTimeout(r, 0))
      try {
        if (i >= expected.length) throw new VigilError('BLOB_COUNT_MISMATCH', `blob ${i} served, the checkpoint has ${expected.length}`)
        kzg.verifyBlobsAgainstVersionedHashes([b], [expected[i]!])
        source.stats.verdict(true)
        this.blobCounts.verified++
      } catch (e) {
        allOk = false
        source.stats.verdict(false, e)
        this.blobCounts.rejected++
        this.log(`${source.name}: blob ${i} of checkpoint ${cp.checkpointNumber} rejected: ${toErrorRecord(e).message}`)
      }
    }
    if (!complete || !allOk) return null
    if (cheapError) {
      // every blob is the one L1 committed to, yet they do not carry the headers' bodies: the proposer's fault, not the source's
      this.log.error(`blobs of checkpoint ${cp.checkpointNumber} match L1 but not its headers`, cheapError)
      return null
    }
    return bodies
  }

  private loadKzg(): Promise<KzgModule> {
    // dynamic import: KZG (micro-eth-signer + trusted setup) stays out of the worker's initial bundle
    this.kzg ??= import('../verify/kzg')
    return this.kzg
  }

  private async headersOf(cp: CheckpointRow): Promise<BlockHeader[] | null> {
    const rows = await Promise.all(cp.headerHashes.map((h) => this.opts.store.getBlock(h)))
    if (rows.some((r) => !r)) return null
    return rows.map((r) => decodeHeader(r!.headerBytes))
  }

  private async checkpointOf(w: Want): Promise<CheckpointRow | undefined> {
    const has = (c: CheckpointRow | undefined) => !!c && MINED.has(c.status) && !!c.l1 && c.headerHashes.includes(w.hash)
    const mem = this.checkpoints.get(w.checkpointNumber)
    if (has(mem)) return mem
    const rows = await this.opts.store.checkpointsNumbered(w.checkpointNumber)
    const found = rows.find(has)
    if (found) this.checkpoints.set(found.checkpointNumber, found)
    return found
  }

  private async submit(w: Want, bytes: Uint8Array, label: string): Promise<boolean> {
    try {
      return await this.opts.engine.onBody(w.hash, bytes, label, { attempts: w.attempts + 1 })
    } catch (e) {
      this.log(`body ${w.hash} from ${label} not taken: ${toErrorRecord(e).message}`)
      return false
    }
  }

  private finish(w: Want, bytes: Uint8Array, source: string): void {
    if (this.wants.get(w.hash) === w) this.wants.delete(w.hash)
    if (this.opts.mode === 'light') this.verifiedBySource[source] = (this.verifiedBySource[source] ?? 0) + 1
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
