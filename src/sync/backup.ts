/**
 * Backup sync from a trusted L2 RPC, after op-node's RPC sync client: blocks are requested one
 * per request by height; a failed request backs off exponentially (1 s → 20 s, jittered),
 * is re-queued at the END of the queue and given up after 5 attempts; when the queue is full
 * new requests are dropped (the caller asks again on its next pass). What comes back is handed
 * to the engine exactly like gossip (onSignedHeader, then onBody): trusted for availability,
 * never for validity. docs/backup-sync.md.
 */
import { VigilError, toErrorRecord, type ErrorRecord } from '../core/errors'
import { backoffMs, delay } from '../core/abort'
import type { AbortOptions, Hex } from '../core/types'
import { silentLogger, type Logger } from '../core/logger'
import type { BlockHeader } from '../protocol/header'
import type { GossipVerdict } from '../ports/stats'

/** One block from the backup source (already decoded, not verified). */
export interface BackupBlock {
  height: number
  hash: Hex
  header: BlockHeader
  signature: Uint8Array
  body: Uint8Array
}

/** Where blocks come from (src/sources/l2rpc.ts L2RpcSource implements it). */
export interface BackupFetcher {
  block(height: number, opts?: AbortOptions): Promise<BackupBlock>
  head(opts?: AbortOptions): Promise<{ height: number; hash: Hex }>
}

/** Where blocks go: the sync engine's verifying entry points. */
export interface BackupSink {
  onSignedHeader(header: BlockHeader, signature: Uint8Array, source: string): Promise<GossipVerdict>
  onBody(hash: Hex, body: Uint8Array, source: string): Promise<boolean>
}

export interface BackupQueueOptions {
  fetcher: Pick<BackupFetcher, 'block'>
  sink: BackupSink
  /** Source name the engine counts verdicts under (default 'l2rpc'). */
  source?: string
  /** Requests waiting or in flight beyond which new ones are dropped (default 64). */
  maxQueue?: number
  /** Attempts per block before it is given up (default 5). */
  maxAttempts?: number
  /** First retry delay (default 1000 ms); doubles per attempt up to maxDelayMs (default 20,000 ms), jittered. */
  baseDelayMs?: number
  maxDelayMs?: number
  /** Requests in flight at once (default 2). */
  concurrency?: number
  /** Per-request bound (default 10 s). */
  requestTimeoutMs?: number
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number
  logger?: Logger
  /** Every outcome, for stats and tests. */
  onEvent?: (e: BackupEvent) => void
}

export type BackupEvent =
  | { type: 'queued'; height: number }
  | { type: 'dropped'; height: number; reason: 'full' | 'duplicate' }
  | { type: 'attempt'; height: number; attempt: number }
  | { type: 'done'; height: number; attempt: number }
  | { type: 'retry'; height: number; attempt: number; delayMs: number; error: ErrorRecord }
  | { type: 'failed'; height: number; attempt: number; error: ErrorRecord }

export interface BackupQueueStats {
  queued: number
  inFlight: number
  completed: number
  failed: number
  dropped: number
  retries: number
}

interface Item {
  height: number
  /** Attempts made so far. */
  attempts: number
  /** Not before this time (performance.now() ms). */
  notBefore: number
}

export class BackupSyncQueue {
  private readonly items: Item[] = []
  private readonly inFlight = new Set<number>()
  private readonly counters = { completed: 0, failed: 0, dropped: 0, retries: 0 }
  private readonly opts: Required<Omit<BackupQueueOptions, 'logger' | 'onEvent'>> & Pick<BackupQueueOptions, 'onEvent'>
  private readonly log: Logger
  private readonly sleepers = new Set<() => void>()
  private running: Promise<void> | null = null
  private abort: AbortController | null = null
  private idleWaiters: (() => void)[] = []

  constructor(opts: BackupQueueOptions) {
    this.opts = {
      fetcher: opts.fetcher,
      sink: opts.sink,
      source: opts.source ?? 'l2rpc',
      maxQueue: opts.maxQueue ?? 64,
      maxAttempts: opts.maxAttempts ?? 5,
      baseDelayMs: opts.baseDelayMs ?? 1000,
      maxDelayMs: opts.maxDelayMs ?? 20_000,
      concurrency: opts.concurrency ?? 2,
      requestTimeoutMs: opts.requestTimeoutMs ?? 10_000,
      random: opts.random ?? Math.random,
      onEvent: opts.onEvent,
    }
    this.log = opts.logger ?? silentLogger
  }

  /**
   * Asks for the block at `height`. Returns false when the request was dropped: the queue is
   * full (too busy) or that height is already queued or in flight.
   */
  request(height: number): boolean {
    if (this.inFlight.has(height) || this.items.some((i) => i.height === height)) {
      this.emit({ type: 'dropped', height, reason: 'duplicate' })
      return false
    }
    if (this.items.length + this.inFlight.size >= this.opts.maxQueue) {
      this.counters.dropped++
      this.emit({ type: 'dropped', height, reason: 'full' })
      return false
    }
    this.items.push({ height, attempts: 0, notBefore: 0 })
    this.emit({ type: 'queued', height })
    this.wakeAll()
    return true
  }

  /** True when `height` is waiting or in flight. */
  has(height: number): boolean {
    return this.inFlight.has(height) || this.items.some((i) => i.height === height)
  }

  stats(): BackupQueueStats {
    return { queued: this.items.length, inFlight: this.inFlight.size, ...this.counters }
  }

  /** Starts the workers (idempotent). */
  start(): void {
    if (this.running) return
    this.abort = new AbortController()
    const signal = this.abort.signal
    this.running = Promise.all(Array.from({ length: this.opts.concurrency }, () => this.worker(signal))).then(() => undefined)
  }

  /** Stops the workers; requests in flight are aborted, waiting ones kept. */
  async stop(): Promise<void> {
    this.abort?.abort()
    this.wakeAll()
    await this.running
    this.running = null
  }

  /** Resolves when nothing is waiting or in flight. */
  idle(): Promise<void> {
    if (this.items.length === 0 && this.inFlight.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private async worker(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const item = this.next()
      if (!item) {
        await this.sleepUntilWork(signal)
        continue
      }
      this.inFlight.add(item.height)
      try {
        await this.process(item, signal)
      } finally {
        this.inFlight.delete(item.height)
        this.checkIdle()
      }
    }
  }

  /** The first item (in queue order) that may run now, removed from the queue. */
  private next(): Item | null {
    const now = performance.now()
    const i = this.items.findIndex((x) => x.notBefore <= now)
    if (i === -1) return null
    return this.items.splice(i, 1)[0]!
  }

  private async sleepUntilWork(signal: AbortSignal): Promise<void> {
    const soonest = this.items.reduce((m, x) => Math.min(m, x.notBefore), Infinity)
    const wait = soonest === Infinity ? null : Math.max(0, soonest - performance.now())
    await new Promise<void>((resolve) => {
      const done = () => {
        if (timer) clearTimeout(timer)
        signal.removeEventListener('abort', done)
        this.sleepers.delete(done)
        resolve()
      }
      const timer = wait === null ? null : setTimeout(done, wait)
      signal.addEventListener('abort', done, { once: true })
      this.sleepers.add(done)
    })
  }

  private wakeAll(): void {
    for (const fn of [...this.sleepers]) fn()
  }

  private async process(item: Item, signal: AbortSignal): Promise<void> {
    item.attempts++
    this.emit({ type: 'attempt', height: item.height, attempt: item.attempts })
    try {
      const block = await this.opts.fetcher.block(item.height, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.opts.requestTimeoutMs)]) })
      const { source } = this.opts
      const verdict = await this.opts.sink.onSignedHeader(block.header, block.signature, source)
      if (verdict === 'reject') throw new VigilError('SOURCE_BAD_RESPONSE', `block ${item.height} from ${source} failed verification (see the engine's failures)`, { details: { height: item.height } })
      // 'ignore' = already known (fine) or not verifiable yet (onBody then says NOT_FOUND, soft: retried)
      const ok = await this.opts.sink.onBody(block.hash, block.body, source)
      if (!ok) throw new VigilError('BODY_MISMATCH', `body of block ${item.height} from ${source} does not match its header`, { details: { height: item.height } })
      this.counters.completed++
      this.emit({ type: 'done', height: item.height, attempt: item.attempts })
    } catch (e) {
      if (signal.aborted) {
        // stopping: keep the request for a later start, without counting this attempt
        item.attempts--
        this.items.unshift(item)
        return
      }
      const error = toErrorRecord(e)
      if (error.severity === 'hard' || item.attempts >= this.opts.maxAttempts) {
        this.counters.failed++
        this.log(`backup: giving up block ${item.height} after ${item.attempts} attempt(s): ${error.code} ${error.message}`)
        this.emit({ type: 'failed', height: item.height, attempt: item.attempts, error })
        return
      }
      const delayMs = backoffMs(item.attempts - 1, this.opts.baseDelayMs, this.opts.maxDelayMs, this.opts.random)
      item.notBefore = performance.now() + delayMs
      this.items.push(item) // re-queued at the end
      this.counters.retries++
      this.emit({ type: 'retry', height: item.height, attempt: item.attempts, delayMs, error })
    }
  }

  private checkIdle(): void {
    if (this.items.length > 0 || this.inFlight.size > 0) return
    const w = this.idleWaiters
    this.idleWaiters = []
    for (const fn of w) fn()
  }

  private emit(e: BackupEvent): void {
    this.opts.onEvent?.(e)
  }
}

export interface BackupSyncOptions extends AbortOptions {
  fetcher: BackupFetcher
  queue: BackupSyncQueue
  /** The heights in [from, to] the engine has no canonical block for (at most `max`). */
  missing(from: number, to: number, max: number): number[]
  /** Highest height already settled by L1 (the mined tip), or 0. */
  settledHeight(): number
  /** False until the client is ready to judge gaps (first L1 pass done). */
  ready?(): boolean
  /** Head poll interval (default 1000 ms). */
  pollMs?: number
  /** Only the newest `window` heights below the RPC head are filled (default 256); older ones come from L1. */
  window?: number
  logger?: Logger
}

/**
 * The driver: polls the RPC head and queues every height between the settled (mined) tip and
 * the head that the engine still lacks — only heights the RPC announced on the previous poll
 * too, so gossip and req/resp get the first chance. Resolves when `signal` aborts.
 */
export async function runBackupSync(opts: BackupSyncOptions): Promise<void> {
  const pollMs = opts.pollMs ?? 1000
  const window = opts.window ?? 256
  const log = opts.logger ?? silentLogger
  let previousHead = 0
  let failures = 0
  opts.queue.start()
  try {
    while (!opts.signal?.aborted) {
      if (opts.ready?.() ?? true) {
        try {
          const head = await opts.fetcher.head(opts.signal ? { signal: opts.signal } : {})
          failures = 0
          const to = Math.min(head.height, previousHead)
          const from = Math.max(opts.settledHeight() + 1, to - window + 1, 1)
          if (to >= from) {
            for (const h of opts.missing(from, to, window)) if (!opts.queue.has(h) && !opts.queue.request(h)) break
          }
          previousHead = head.height
        } catch (e) {
          failures++
          log(`backup: head poll failed: ${toErrorRecord(e).message}`)
        }
      }
      try {
        await delay(failures === 0 ? pollMs : backoffMs(failures - 1, pollMs, 20_000), opts.signal)
      } catch {
        break
      }
    }
  } finally {
    await opts.queue.stop()
  }
}
