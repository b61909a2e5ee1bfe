/**
 * Backup sync from a trusted L2 RPC, after op-node's RPC sync client: blocks are requested one
 * per request by height; a failed request backs off exponentially (1 s → 20 s, jittered),
 * is re-queued at the END of the queue and given up after 5 attempts; when the queue is full
 * new requests are dropped (the caller asks again on its next pass). What comes back is handed
 * to the engine exactly like gossip (onSignedHeader, then onBody): trusted for availability,
 * never for validity. docs/backup-sync.md.
 */
import { VigilError, toErrorRecord, type ErrorRecord } from '../core/errors'
import { backoffMs } from '../core/abort'
import { Loop } from '../core/loop'
import type { Startable } from '../core/lifecycle'
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

/** Every default of backup sync, in one place. */
export const BACKUP_DEFAULTS = {
  source: 'l2rpc',
  maxQueue: 64,
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 20_000,
  concurrency: 2,
  requestTimeoutMs: 10_000,
  /** runBackupSync: head poll interval, and the backoff cap after failed polls. */
  pollMs: 1_000,
  pollBackoffMaxMs: 20_000,
  /** runBackupSync: only the newest `window` heights below the RPC head are filled. */
  window: 256,
} as const

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

export class BackupSyncQueue implements Startable {
  private readonly items: Item[] = []
  private readonly inFlight = new Set<number>()
  private readonly counters = { completed: 0, failed: 0, dropped: 0, retries: 0 }
  private readonly fetcher: Pick<BackupFetcher, 'block'>
  private readonly sink: BackupSink
  private readonly source: string
  private readonly maxQueue: number
  private readonly maxAttempts: number
  private readonly baseDelayMs: number
  private readonly maxDelayMs: number
  private readonly requestTimeoutMs: number
  private readonly random: () => number
  private readonly onEvent: ((e: BackupEvent) => void) | undefined
  private readonly log: Logger
  /** One loop per worker (`concurrency`): each takes the next item that may run, or idles until one may. */
  private readonly workers: Loop[]
  private idleWaiters: (() => void)[] = []

  constructor(init: BackupQueueOptions) {
    this.fetcher = init.fetcher
    this.sink = init.sink
    this.source = init.source ?? BACKUP_DEFAULTS.source
    this.maxQueue = init.maxQueue ?? BACKUP_DEFAULTS.maxQueue
    this.maxAttempts = init.maxAttempts ?? BACKUP_DEFAULTS.maxAttempts
    this.baseDelayMs = init.baseDelayMs ?? BACKUP_DEFAULTS.baseDelayMs
    this.maxDelayMs = init.maxDelayMs ?? BACKUP_DEFAULTS.maxDelayMs
    this.requestTimeoutMs = init.requestTimeoutMs ?? BACKUP_DEFAULTS.requestTimeoutMs
    this.random = init.random ?? Math.random
    this.onEvent = init.onEvent
    this.log = init.logger ?? silentLogger
    const concurrency = init.concurrency ?? BACKUP_DEFAULTS.concurrency
    this.workers = Array.from({ length: concurrency }, (_, i) => new Loop({ name: `backup-${i}`, step: (signal) => this.work(signal), onError: (e) => this.log.error('backup worker failed', e) }))
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
    if (this.items.length + this.inFlight.size >= this.maxQueue) {
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
    for (const w of this.workers) w.start()
  }

  /** Stops the workers; requests in flight are aborted (and kept, uncounted), waiting ones kept. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()))
  }

  /** Resolves when nothing is waiting or in flight. */
  idle(): Promise<void> {
    if (this.items.length === 0 && this.inFlight.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** One worker step: the next item that may run now (then again at once), else idle until the soonest may (or a request wakes it). */
  private async work(signal: AbortSignal): Promise<number> {
    const item = this.next()
    if (!item) {
      const soonest = this.items.reduce((m, x) => Math.min(m, x.notBefore), Infinity)
      return soonest === Infinity ? Infinity : Math.max(0, soonest - performance.now())
    }
    this.inFlight.add(item.height)
    try {
      await this.process(item, signal)
    } finally {
      this.inFlight.delete(item.height)
      this.checkIdle()
    }
    return 0
  }

  /** The first item (in queue order) that may run now, removed from the queue. */
  private next(): Item | null {
    const now = performance.now()
    const i = this.items.findIndex((x) => x.notBefore <= now)
    if (i === -1) return null
    return this.items.splice(i, 1)[0]!
  }

  private wakeAll(): void {
    for (const w of this.workers) w.wake()
  }

  private async process(item: Item, signal: AbortSignal): Promise<void> {
    item.attempts++
    this.emit({ type: 'attempt', height: item.height, attempt: item.attempts })
    try {
      const block = await this.fetcher.block(item.height, { signal: AbortSignal.any([signal, AbortSignal.timeout(this.requestTimeoutMs)]) })
      const { source } = this
      const verdict = await this.sink.onSignedHeader(block.header, block.signature, source)
      if (verdict === 'reject') throw new VigilError('SOURCE_BAD_RESPONSE', `block ${item.height} from ${source} failed verification (see the engine's failures)`, { details: { height: item.height } })
      // 'ignore' = already known (fine) or not verifiable yet (onBody then says NOT_FOUND, soft: retried)
      const ok = await this.sink.onBody(block.hash, block.body, source)
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
      if (error.severity === 'hard' || item.attempts >= this.maxAttempts) {
        this.counters.failed++
        this.log(`backup: giving up block ${item.height} after ${item.attempts} attempt(s): ${error.code} ${error.message}`)
        this.emit({ type: 'failed', height: item.height, attempt: item.attempts, error })
        return
      }
      const delayMs = backoffMs(item.attempts - 1, this.baseDelayMs, this.maxDelayMs, this.random)
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
    this.onEvent?.(e)
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
  /** Head poll interval (default 1000 ms; after failed polls it backs off up to 20 s). */
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
  const pollMs = opts.pollMs ?? BACKUP_DEFAULTS.pollMs
  const window = opts.window ?? BACKUP_DEFAULTS.window
  const log = opts.logger ?? silentLogger
  let previousHead = 0
  const poll = new Loop({
    name: 'backup-poll',
    // a failed poll: wait pollMs, then doubling up to 20 s (jittered)
    backoff: { baseMs: pollMs, maxMs: BACKUP_DEFAULTS.pollBackoffMaxMs },
    onError: (e) => log(`backup: head poll failed: ${toErrorRecord(e).message}`),
    step: async (signal) => {
      if (!(opts.ready?.() ?? true)) return pollMs
      const head = await opts.fetcher.head({ signal })
      const to = Math.min(head.height, previousHead)
      const from = Math.max(opts.settledHeight() + 1, to - window + 1, 1)
      if (to >= from) {
        for (const h of opts.missing(from, to, window)) if (!opts.queue.has(h) && !opts.queue.request(h)) break
      }
      previousHead = head.height
      return pollMs
    },
  })
  if (opts.signal?.aborted) return
  await opts.queue.start()
  poll.start()
  try {
    await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve(), { once: true }))
  } finally {
    await poll.stop()
    await opts.queue.stop()
  }
}
