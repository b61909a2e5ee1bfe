/**
 * The library's client object (`VigilClient`) over any WorkerApi transport: the Web Worker
 * behind comlink in a browser (src/client/page/api.ts), or the same API in-process under Node
 * (src/client/node/api-node.ts). Typed subscriptions return their unsubscribe function; every
 * rejection is a `VigilError` with a stable code, rebuilt from the plain ErrorRecord that
 * crossed the boundary.
 */
import { VigilError, toErrorRecord, type ErrorRecord } from '../../core/errors'
import { LIVE_STATUSES, type LiveStatus, type TipRef, type Tips } from '../../core/types'
import type { WorkerApi } from '../shared/bridge'
import type { ClientConfig } from '../shared/config'
import type {
  BlockListPage,
  BlockListQuery,
  BlockView,
  ClientSnapshot,
  EvidenceItem,
  PeerSummary,
  ReorgRecord,
  SearchResult,
  SourceStats,
  StorageInfo,
  TxEffectView,
  VerifyReport,
} from '../shared/types'

export type Unsubscribe = () => void

/** What `client.waitFor` waits for: the `tip` at or above `height`. */
export interface WaitForOptions {
  /** Which tip: proposed, attested, mined or finalized. */
  tip: LiveStatus
  /** The height the tip must reach (≥). */
  height: number
  /** Aborts the wait (rejects ABORTED). */
  signal?: AbortSignal
  /** Gives up after this long (rejects WAIT_TIMEOUT, soft). Default 60 s; `Infinity` waits as long as the client runs. */
  timeoutMs?: number
}

export const WAIT_FOR_DEFAULT_TIMEOUT_MS = 60_000

/** The part of the WorkerApi a VigilClient uses (the page-peer plumbing stays with page.ts). */
export type ClientApi = Pick<
  WorkerApi,
  'start' | 'snapshot' | 'subscribe' | 'unsubscribe' | 'stop' | 'getBlock' | 'verifyBlock' | 'fetchTxEffects' | 'listBlocks' | 'search' | 'evidence' | 'storage' | 'clearStore'
>

/** What a transport hands the client: a started worker API and its snapshot feed. */
export interface ClientTransport {
  api: ClientApi
  config: ClientConfig
  initial: ClientSnapshot
  /** Calls `cb` with every snapshot pushed; returns the unsubscribe function. */
  subscribe(cb: (s: ClientSnapshot) => void): Unsubscribe
  /** Worker crashes and failed subscriptions. */
  onError(cb: (e: ErrorRecord) => void): Unsubscribe
  terminate(): Promise<void>
}

/** The light client as a library user sees it. Every method rejects with a VigilError. */
export interface VigilClient {
  readonly config: ClientConfig
  /** The latest snapshot pushed by the client (synchronous). */
  snapshot(): ClientSnapshot
  /**
   * Every snapshot (throttled by the client, ~10/s at most). Like every on* method: `cb` first
   * runs with the current value right after subscribing (asynchronously), then on each change.
   */
  subscribe(cb: (s: ClientSnapshot) => void): Unsubscribe
  /** The four tips, now and whenever one of them changes. */
  onTips(cb: (tips: Tips) => void): Unsubscribe
  /** A block by height (the canonical one there) or hash, now and whenever what is known of it changes; null while not held. */
  onBlock(q: string | number, cb: (block: BlockView | null) => void, onError?: (e: VigilError) => void): Unsubscribe
  /** Per-source stats, now and on every change. */
  onSources(cb: (sources: Record<string, SourceStats>) => void): Unsubscribe
  /** Connected peers, now and on every change. */
  onPeers(cb: (peers: PeerSummary[]) => void): Unsubscribe
  /** Recent reorgs (newest first), now and when a new one is recorded. */
  onReorgs(cb: (reorgs: ReorgRecord[]) => void): Unsubscribe
  /** The worker crashed or a subscription failed: the data shown may be stale. */
  onError(cb: (e: VigilError) => void): Unsubscribe
  /**
   * Resolves with the tip once `tips[tip].height >= height` (at once when it already is), for
   * scripts and tests. Rejects WAIT_TIMEOUT (soft) after `timeoutMs` (default 60 s), ABORTED
   * when `signal` aborts or the client closes, CONFIG_INVALID for a bad tip or height.
   */
  waitFor(opts: WaitForOptions): Promise<TipRef>
  getBlock(q: string | number): Promise<BlockView | null>
  /** Runs every check for one block now (NOT_FOUND when the block is not held). */
  verifyBlock(q: string | number): Promise<VerifyReport>
  fetchTxEffects(q: string | number): Promise<{ source: string; txEffects: TxEffectView[] } | null>
  listBlocks(q?: BlockListQuery): Promise<BlockListPage>
  search(q: string): Promise<SearchResult[]>
  evidence(): Promise<EvidenceItem[]>
  storage(): Promise<StorageInfo>
  /** Deletes everything this client stored and starts syncing again from scratch. */
  clearStore(): Promise<void>
  /** Stops syncing and releases the worker. Idempotent. */
  close(): Promise<void>
}

/** Any rejection (an ErrorRecord from the worker, an Error, anything) as a VigilError with a stable code. */
export function toVigilError(e: unknown): VigilError {
  if (e instanceof VigilError) return e
  if (typeof e === 'object' && e !== null && !(e instanceof Error)) {
    const r = e as Partial<ErrorRecord>
    if (typeof r.code === 'string' && typeof r.message === 'string') return VigilError.fromRecord({ code: r.code, message: r.message, severity: r.severity === 'soft' ? 'soft' : 'hard', ...(r.details ? { details: r.details } : {}) })
  }
  return VigilError.fromRecord(toErrorRecord(e))
}

async function call<T>(p: () => Promise<T>): Promise<T> {
  try {
    return await p()
  } catch (e) {
    throw toVigilError(e)
  }
}

/**
 * Calls `cb` with `select(snapshot)` right after subscribing (in a microtask, so the returned
 * unsubscribe function already exists when `cb` first runs) and whenever its JSON form changes.
 */
function selected<T>(current: () => ClientSnapshot, listen: (fn: (s: ClientSnapshot) => void) => Unsubscribe, select: (s: ClientSnapshot) => T, cb: (v: T) => void): Unsubscribe {
  let last = ''
  let active = true
  const emit = (s: ClientSnapshot) => {
    if (!active) return
    const v = select(s)
    const key = JSON.stringify(v)
    if (key === last) return
    last = key
    cb(v)
  }
  const off = listen(emit)
  queueMicrotask(() => emit(current()))
  return () => {
    active = false
    off()
  }
}

const BLOCK_REFRESH_MS = 500

export function wrapTransport(t: ClientTransport): VigilClient {
  let latest = t.initial
  let closed = false
  /** Pending waitFor calls, rejected ABORTED on close(). */
  const closeWaiters = new Set<() => void>()
  const listeners = new Set<(s: ClientSnapshot) => void>()
  const errorListeners = new Set<(e: VigilError) => void>()
  const dispatch = (s: ClientSnapshot) => {
    latest = s
    for (const fn of listeners) fn(s)
  }
  let feed = t.subscribe(dispatch)
  const stopErrors = t.onError((rec) => {
    const e = toVigilError(rec)
    for (const fn of errorListeners) fn(e)
  })
  const listen = (fn: (s: ClientSnapshot) => void): Unsubscribe => {
    listeners.add(fn)
    return () => void listeners.delete(fn)
  }
  const current = () => latest

  const client: VigilClient = {
    config: t.config,
    snapshot: current,
    subscribe(cb) {
      let active = true
      const off = listen((s) => active && cb(s))
      queueMicrotask(() => active && cb(latest))
      return () => {
        active = false
        off()
      }
    },
    onTips: (cb) => selected(current, listen, (s) => s.tips, cb),
    onSources: (cb) => selected(current, listen, (s) => s.sources, cb),
    onPeers: (cb) => selected(current, listen, (s) => s.peers, cb),
    onReorgs: (cb) => selected(current, listen, (s) => s.reorgs, cb),
    onError(cb) {
      errorListeners.add(cb)
      return () => void errorListeners.delete(cb)
    },
    waitFor: (opts) => waitForTip(opts, current, listen, () => closed, closeWaiters),
    onBlock(q, cb, onError) {
      let active = true
      let last = ''
      let inFlight = false
      let again = false
      let timer: ReturnType<typeof setTimeout> | null = null
      let lastFetch = 0
      const fetchNow = () => {
        if (!active) return
        if (inFlight) {
          again = true
          return
        }
        inFlight = true
        lastFetch = Date.now()
        client.getBlock(q).then(
          (b) => {
            const key = JSON.stringify(b)
            if (active && key !== last) {
              last = key
              cb(b)
            }
          },
          (e: unknown) => {
            if (active) onError?.(toVigilError(e))
          },
        ).finally(() => {
          inFlight = false
          if (again) {
            again = false
            schedule()
          }
        })
      }
      // at most one fetch per BLOCK_REFRESH_MS while snapshots stream in
      const schedule = () => {
        if (!active || timer) return
        timer = setTimeout(() => {
          timer = null
          fetchNow()
        }, Math.max(0, BLOCK_REFRESH_MS - (Date.now() - lastFetch)))
      }
      fetchNow()
      const off = listen(schedule)
      return () => {
        active = false
        off()
        if (timer) clearTimeout(timer)
      }
    },
    getBlock: (q) => call(() => t.api.getBlock(q)),
    verifyBlock: (q) => call(() => t.api.verifyBlock(q)),
    fetchTxEffects: (q) => call(() => t.api.fetchTxEffects(q)),
    listBlocks: (q = {}) => call(() => t.api.listBlocks(q)),
    search: (q) => call(() => t.api.search(q)),
    evidence: () => call(() => t.api.evidence()),
    storage: () => call(() => t.api.storage()),
    async clearStore() {
      await call(async () => {
        feed()
        await t.api.clearStore()
        const fresh = await t.api.start(t.config)
        feed = t.subscribe(dispatch)
        dispatch(fresh)
      })
    },
    async close() {
      if (closed) return
      closed = true
      for (const fn of [...closeWaiters]) fn()
      feed()
      stopErrors()
      listeners.clear()
      errorListeners.clear()
      await t.terminate()
    },
  }
  return client
}

/** `client.waitFor`: resolves on the first snapshot whose `tip` reached `height`. */
function waitForTip(opts: WaitForOptions, current: () => ClientSnapshot, listen: (fn: (s: ClientSnapshot) => void) => Unsubscribe, isClosed: () => boolean, closeWaiters: Set<() => void>): Promise<TipRef> {
  const { tip, height, signal } = opts ?? ({} as WaitForOptions)
  const timeoutMs = opts?.timeoutMs ?? WAIT_FOR_DEFAULT_TIMEOUT_MS
  if (!(LIVE_STATUSES as readonly string[]).includes(tip)) return Promise.reject(new VigilError('CONFIG_INVALID', `waitFor: tip must be one of ${LIVE_STATUSES.join(', ')} (got ${JSON.stringify(tip)})`))
  if (!Number.isSafeInteger(height) || height < 0) return Promise.reject(new VigilError('CONFIG_INVALID', `waitFor: height must be a non-negative integer (got ${JSON.stringify(height)})`))
  if (!(timeoutMs > 0)) return Promise.reject(new VigilError('CONFIG_INVALID', `waitFor: timeoutMs must be > 0 (got ${JSON.stringify(timeoutMs)})`))
  const reached = (s: ClientSnapshot): TipRef | null => {
    const ref = s.tips[tip]
    return ref && ref.height >= height ? ref : null
  }
  const now = reached(current())
  if (now) return Promise.resolve(now)
  if (isClosed()) return Promise.reject(new VigilError('ABORTED', 'waitFor: the client is closed', { severity: 'soft' }))
  if (signal?.aborted) return Promise.reject(new VigilError('ABORTED', 'waitFor: aborted', { severity: 'soft' }))
  return new Promise<TipRef>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | null = null
    const done = () => {
      off()
      closeWaiters.delete(onClose)
      signal?.removeEventListener('abort', onAbort)
      if (timer) clearTimeout(timer)
    }
    const off = listen((s) => {
      const ref = reached(s)
      if (!ref) return
      done()
      resolve(ref)
    })
    const onAbort = () => {
      done()
      reject(new VigilError('ABORTED', 'waitFor: aborted', { severity: 'soft' }))
    }
    const onClose = () => {
      done()
      reject(new VigilError('ABORTED', 'waitFor: the client was closed', { severity: 'soft' }))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    closeWaiters.add(onClose)
    if (Number.isFinite(timeoutMs))
      timer = setTimeout(() => {
        done()
        const at = current().tips[tip]?.height ?? null
        reject(new VigilError('WAIT_TIMEOUT', `waitFor: the ${tip} tip did not reach height ${height} within ${timeoutMs} ms (it is at ${at ?? 'none'})`, { severity: 'soft', details: { tip, height, timeoutMs, at } }))
      }, timeoutMs)
  })
}

/** `0x…` 32-byte hash or a height, as the explorer routes and the CLI take them. */
export function isBlockQuery(q: string): boolean {
  return /^\d{1,15}$/.test(q) || /^0x[0-9a-fA-F]{64}$/.test(q)
}

