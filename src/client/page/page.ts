/**
 * The page side of the worker bridge: fetch and validate the chain config, start the
 * LightClient in its Web Worker, and hand the page a typed comlink remote plus snapshot
 * subscriptions. The page never verifies or stores anything itself.
 *
 * Every failure is a VigilError whose record carries `details.stage` (config | worker | start)
 * and `details.hint` (what the person should do), so the UI can show a coded error and a fix.
 */
import * as Comlink from 'comlink'
import type { Remote } from 'comlink'
import { VigilError, toErrorRecord, type ErrorCode, type ErrorRecord } from '../../core/errors'
import type { PagePeerApi, WorkerApi } from '../shared/bridge'
import { parseClientConfig, type ClientConfig } from '../shared/config'
import type { ClientSnapshot } from '../shared/types'
import type { PagePeer, PagePeerOptions } from './page-p2p'

export const DEFAULT_CONFIG_URL = '/devnet.json'
export const DEVNET_HINT = 'Start the devnet with `npm run devnet` (or the devnet and the app together with `npm start`), then reload this page.'

export type ConnectStage = 'config' | 'worker' | 'start' | 'run'
export type ConnectStep = 'config' | 'worker'

export interface ConnectOptions {
  /** Where the ClientConfig JSON is fetched from; default `?config=` (same origin only) or `/devnet.json`. */
  configUrl?: string
  signal?: AbortSignal
  /** Bound on fetching the config. Default 10 s. */
  configTimeoutMs?: number
  /** Bound on `api.start` (open the store, restore tips). Default 60 s. */
  startTimeoutMs?: number
  /** Progress for a loading state. */
  onProgress?: (step: ConnectStep) => void
  /** Use this config instead of fetching one (validated with parseClientConfig; `configUrl` is then ignored). */
  config?: ClientConfig
  /** Rewrites the config before the worker starts (e.g. settings the person saved: RPC URLs, peers, mode). */
  transformConfig?: (config: ClientConfig) => ClientConfig
  /** Creates the worker (e.g. a blob-URL module worker when this script is served from another origin, as the widget is). */
  createWorker?: () => Worker
  /**
   * Run the tab's libp2p node on the page (WebRTC to other browsers through the relay; they
   * sync from this tab and it from them) instead of in the worker. src/client/page/page-p2p.ts.
   */
  pageP2P?: boolean
  /** Options of the page's node (with `pageP2P`), e.g. `{ gossip: false }`. */
  pageP2POptions?: PagePeerOptions
  /** With an empty store, start from the latest snapshot verified against L1 instead of genesis. */
  fromSnapshot?: boolean
}

export interface ClientConnection {
  api: Remote<WorkerApi>
  config: ClientConfig
  /** What `start` returned: the stored state, before anything new arrived. */
  initial: ClientSnapshot
  /** Calls `cb` with every snapshot the worker pushes; returns the unsubscribe function. */
  subscribe(cb: (s: ClientSnapshot) => void): () => void
  /** Calls `cb` when the worker crashes or a subscription fails after start; returns the unsubscribe function. */
  onError(cb: (e: ErrorRecord) => void): () => void
  /** Stops the client (bounded wait) and terminates the worker. Idempotent. */
  terminate(): Promise<void>
  /** The page's libp2p node (only with `pageP2P`). */
  peer?: PagePeer
}

const STOP_GRACE_MS = 1_000

function fail(code: ErrorCode, stage: ConnectStage, message: string, hint: string, extra: Record<string, string | number | boolean | null> = {}): VigilError {
  return new VigilError(code, message, { severity: code === 'SOURCE_TIMEOUT' || code === 'SOURCE_UNAVAILABLE' ? 'soft' : 'hard', details: { stage, hint, ...extra } })
}

export function isErrorRecord(v: unknown): v is ErrorRecord {
  if (typeof v !== 'object' || v === null) return false
  const r = v as Record<string, unknown>
  return typeof r.code === 'string' && typeof r.message === 'string' && (r.severity === 'soft' || r.severity === 'hard')
}

/** Any rejection (a VigilError here, an ErrorRecord from the worker, anything else) as a record tagged with a stage. */
export function failureRecord(e: unknown, stage: ConnectStage = 'run'): ErrorRecord {
  const rec = isErrorRecord(e) && !(e instanceof Error) ? { ...e } : toErrorRecord(e)
  const details = { ...(rec.details ?? {}) }
  if (typeof details.stage !== 'string') details.stage = stage
  if (typeof details.hint !== 'string') details.hint = defaultHint(rec.code, details.stage)
  return { ...rec, details }
}

function defaultHint(code: ErrorCode, stage: string | number | boolean | null): string {
  if (code === 'ABORTED') return 'Reload the page to start again.'
  if (code === 'CONFIG_INVALID') return 'Check the chain config (restart the devnet to rewrite .vigil/devnet.json), then reload.'
  if (code === 'SOURCE_UNAVAILABLE' || code === 'SOURCE_TIMEOUT') return `Check that the devnet is still running (${'`npm run devnet`'}), then reload.`
  if (code === 'STORE_FAILED') return 'The browser storage (IndexedDB) failed: free some disk space or clear this site’s data, then reload.'
  if (stage === 'worker') return 'Reload the page. If it happens again, the browser console has the worker’s error; please report it.'
  return 'Reload the page. If it happens again, the browser console has details; please report it.'
}

/**
 * The config URL: `explicit` if given, else the page's `?config=` (same origin only: the config
 * names the chain and rollup the client trusts, so a link must not be able to repoint it),
 * else `/devnet.json`.
 */
export function resolveConfigUrl(explicit: string | undefined, pageUrl: string): string {
  if (explicit) return new URL(explicit, pageUrl).href
  const page = new URL(pageUrl)
  const q = page.searchParams.get('config')
  if (q === null || q === '') return new URL(DEFAULT_CONFIG_URL, page).href
  let url: URL
  try {
    url = new URL(q, page)
  } catch {
    throw fail('CONFIG_INVALID', 'config', `?config=${q} is not a URL`, 'Fix or remove the ?config= parameter, then reload.', { url: q })
  }
  if (url.origin !== page.origin)
    throw fail('CONFIG_INVALID', 'config', `?config= must be a same-origin URL, got ${url.origin}`, 'Serve the config from this origin (or remove ?config=), then reload.', { url: url.href })
  return url.href
}

async function fetchConfig(url: string, signal: AbortSignal | undefined, timeoutMs: number): Promise<ClientConfig> {
  const isDefault = new URL(url).pathname === DEFAULT_CONFIG_URL
  const timeout = AbortSignal.timeout(timeoutMs)
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
  let res: Response
  try {
    res = await fetch(url, { signal: combined, cache: 'no-store', headers: { accept: 'application/json' } })
  } catch (e) {
    if (signal?.aborted) throw new VigilError('ABORTED', 'connecting was cancelled', { severity: 'soft', details: { stage: 'config' } })
    if (timeout.aborted) throw fail('SOURCE_TIMEOUT', 'config', `no answer for the chain config at ${url} within ${timeoutMs} ms`, isDefault ? DEVNET_HINT : 'Check the config URL and that its server is up, then reload.', { url })
    throw fail('SOURCE_UNAVAILABLE', 'config', `cannot fetch the chain config at ${url}: ${e instanceof Error ? e.message : String(e)}`, isDefault ? DEVNET_HINT : 'Check the config URL and that its server is up, then reload.', { url })
  }
  if (res.status === 404)
    throw fail(
      'NOT_FOUND',
      'config',
      isDefault ? `the local devnet is not running: ${DEFAULT_CONFIG_URL} answered 404` : `no chain config at ${url} (404)`,
      isDefault ? DEVNET_HINT : 'Check the ?config= URL, then reload.',
      { url, status: 404, devnet: isDefault },
    )
  if (!res.ok) throw fail('SOURCE_BAD_RESPONSE', 'config', `the chain config at ${url} answered HTTP ${res.status}`, 'Check the server log of the app, then reload.', { url, status: res.status })
  let raw: unknown
  try {
    raw = await res.json()
  } catch {
    throw fail('CONFIG_INVALID', 'config', `the chain config at ${url} is not JSON`, 'Restart the devnet to rewrite its config, then reload.', { url })
  }
  try {
    return parseClientConfig(raw)
  } catch (e) {
    const rec = toErrorRecord(e)
    throw new VigilError(rec.code, rec.message, { details: { ...(rec.details ?? {}), stage: 'config', url, hint: 'Restart the devnet to rewrite its config (or fix the file), then reload.' } })
  }
}

/** Fetches the config, starts the LightClient in a module Web Worker and returns the connection. */
export async function connectClient(options: ConnectOptions = {}): Promise<ClientConnection> {
  const { signal, configTimeoutMs = 10_000, startTimeoutMs = 60_000, onProgress } = options
  onProgress?.('config')
  let config = options.config ? parseClientConfig(options.config) : await fetchConfig(resolveConfigUrl(options.configUrl, location.href), signal, configTimeoutMs)
  if (options.transformConfig) {
    try {
      config = parseClientConfig(options.transformConfig(config))
    } catch (e) {
      const rec = toErrorRecord(e)
      throw new VigilError(rec.code, `saved settings: ${rec.message}`, { details: { ...(rec.details ?? {}), stage: 'config', hint: 'Fix or reset the settings (Settings page, or clear this site’s data), then reload.' } })
    }
  }
  if (signal?.aborted) throw new VigilError('ABORTED', 'connecting was cancelled', { severity: 'soft', details: { stage: 'config' } })

  onProgress?.('worker')
  const worker = options.createWorker ? options.createWorker() : new Worker(new URL('../../../workers/client.worker.ts', import.meta.url), { type: 'module', name: 'vigil-client' })
  const api = Comlink.wrap<WorkerApi & PagePeerApi>(worker)
  const errorListeners = new Set<(e: ErrorRecord) => void>()
  const unsubscribers = new Set<() => void>()
  let terminated = false
  let crash: ErrorRecord | null = null
  let rejectCrash: (e: ErrorRecord) => void = () => {}
  const crashed = new Promise<never>((_, reject) => (rejectCrash = reject))
  crashed.catch(() => {}) // observed below; never an unhandled rejection

  const report = (rec: ErrorRecord) => {
    for (const cb of errorListeners) cb(rec)
  }
  // not preventDefault(): the hint sends people to the console, where the worker's error stays visible
  const onWorkerError = (ev: ErrorEvent) => {
    const where = ev.filename ? ` (${ev.filename}:${ev.lineno})` : ''
    crash = failureRecord(
      fail('INTERNAL', 'worker', ev.message ? `the light client worker crashed: ${ev.message}${where}` : 'the light client worker failed to load or crashed', defaultHint('INTERNAL', 'worker')),
    )
    rejectCrash(crash)
    report(crash)
  }
  const onMessageError = () => {
    const rec = failureRecord(fail('INTERNAL', 'worker', 'a message from the light client worker could not be deserialised', defaultHint('INTERNAL', 'worker')))
    report(rec)
  }
  worker.addEventListener('error', onWorkerError)
  worker.addEventListener('messageerror', onMessageError)

  const terminate = async (): Promise<void> => {
    if (terminated) return
    terminated = true
    await peer?.stop().catch(() => {})
    for (const u of unsubscribers) u()
    unsubscribers.clear()
    if (!crash) {
      // let the client close its connections and store; never wait on a stuck worker
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([api.stop().catch(() => {}), new Promise<void>((r) => (timer = setTimeout(r, STOP_GRACE_MS)))])
      clearTimeout(timer)
    }
    api[Comlink.releaseProxy]()
    worker.removeEventListener('error', onWorkerError)
    worker.removeEventListener('messageerror', onMessageError)
    worker.terminate()
    errorListeners.clear()
  }

  let initial: ClientSnapshot
  let peer: PagePeer | undefined
  let startTimer: ReturnType<typeof setTimeout> | undefined
  let onAbort: (() => void) | undefined
  try {
    initial = await Promise.race([
      api.start(config, { ...(options.pageP2P ? { pageP2P: true } : {}), ...(options.fromSnapshot ? { fromSnapshot: true } : {}) }).catch((e: unknown) => {
        throw failureRecord(e, 'start')
      }),
      crashed,
      new Promise<never>((_, reject) => {
        startTimer = setTimeout(
          () => reject(failureRecord(fail('SOURCE_TIMEOUT', 'start', `the light client did not start within ${startTimeoutMs} ms`, 'Reload the page; if the devnet was restarted, its old data may be slow to clear.'))),
          startTimeoutMs,
        )
      }),
      new Promise<never>((_, reject) => {
        if (!signal) return
        onAbort = () => reject(failureRecord(new VigilError('ABORTED', 'connecting was cancelled', { severity: 'soft' }), 'start'))
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      }),
    ])
  } catch (e) {
    await terminate()
    throw isErrorRecord(e) ? VigilError.fromRecord(e) : e
  } finally {
    clearTimeout(startTimer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
  if (options.pageP2P) {
    try {
      const { startPagePeer } = await import('./page-p2p')
      peer = await startPagePeer(api, config, options.pageP2POptions ?? {})
    } catch (e) {
      await terminate()
      throw new VigilError('SOURCE_UNAVAILABLE', `the page's libp2p node did not start: ${toErrorRecord(e).message}`, { severity: 'soft', details: { stage: 'start', hint: defaultHint('SOURCE_UNAVAILABLE', 'start') } })
    }
  }

  return {
    api,
    config,
    initial,
    ...(peer ? { peer } : {}),
    subscribe(cb) {
      if (terminated) return () => {}
      let id: number | null = null
      let active = true
      api.subscribe(Comlink.proxy(cb)).then(
        (got) => {
          if (active) id = got
          else void api.unsubscribe(got).catch(() => {})
        },
        (e: unknown) => {
          if (active && !terminated) report(failureRecord(e, 'run'))
        },
      )
      const unsubscribe = () => {
        if (!active) return
        active = false
        unsubscribers.delete(unsubscribe)
        if (id !== null && !terminated) void api.unsubscribe(id).catch(() => {})
      }
      unsubscribers.add(unsubscribe)
      return unsubscribe
    },
    onError(cb) {
      errorListeners.add(cb)
      if (crash) cb(crash)
      return () => errorListeners.delete(cb)
    },
    terminate,
  }
}
