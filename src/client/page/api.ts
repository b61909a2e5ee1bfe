/**
 * The Vigil light client as a library, in a browser: `createLightClient(config)` starts the
 * LightClient in a module Web Worker (sync, verification and IndexedDB stay off the main
 * thread) and returns a typed `VigilClient`. See docs/library.md.
 *
 * ```ts
 * import { createLightClient } from 'vigil'
 * const client = await createLightClient('/devnet.json')
 * const off = client.onTips((tips) => console.log(tips.proposed?.height))
 * ```
 */
import { connectClient, type ConnectOptions } from './page'
import type { ClientConfig } from '../shared/config'
import { toVigilError, wrapTransport, type ClientApi, type VigilClient } from './remote'

export interface CreateOptions {
  signal?: AbortSignal
  /** Bound on starting (store open, tips restored). Default 60 s. */
  startTimeoutMs?: number
  /** Bound on fetching the config when a URL is given. Default 10 s. */
  configTimeoutMs?: number
  /** Rewrites the config before the client starts (e.g. saved settings). */
  transformConfig?: (c: ClientConfig) => ClientConfig
  /** Creates the worker; default: the bundled `workers/client.worker.ts` as a module worker. */
  createWorker?: () => Worker
  onProgress?: ConnectOptions['onProgress']
  /** Run the tab's libp2p node on the page (WebRTC: serve and sync with other browsers), see src/client/page/page-p2p.ts. */
  pageP2P?: boolean
  /** With an empty store, start from the latest snapshot verified against L1 (committee + the attestations it ends at) instead of genesis. */
  fromSnapshot?: boolean
}

/**
 * Starts a light client for the chain described by `config`: a ClientConfig object, or the
 * URL of one (e.g. the devnet's `/devnet.json`). Resolves once the stored state is loaded;
 * syncing continues in the background. Rejects with a VigilError (`CONFIG_INVALID`,
 * `NOT_FOUND`, `SOURCE_UNAVAILABLE`, `SOURCE_TIMEOUT`, `STORE_FAILED`, `INTERNAL`, `ABORTED`).
 */
export async function createLightClient(config: ClientConfig | string, options: CreateOptions = {}): Promise<VigilClient> {
  const opts: ConnectOptions = {}
  if (typeof config === 'string') opts.configUrl = config
  else opts.config = config
  if (options.signal) opts.signal = options.signal
  if (options.startTimeoutMs !== undefined) opts.startTimeoutMs = options.startTimeoutMs
  if (options.configTimeoutMs !== undefined) opts.configTimeoutMs = options.configTimeoutMs
  if (options.transformConfig) opts.transformConfig = options.transformConfig
  if (options.createWorker) opts.createWorker = options.createWorker
  if (options.onProgress) opts.onProgress = options.onProgress
  if (options.pageP2P) opts.pageP2P = true
  if (options.fromSnapshot) opts.fromSnapshot = true
  let conn
  try {
    conn = await connectClient(opts)
  } catch (e) {
    throw toVigilError(e)
  }
  return wrapTransport({ ...conn, api: conn.api as unknown as ClientApi })
}

export { toVigilError, wrapTransport, isBlockQuery, WAIT_FOR_DEFAULT_TIMEOUT_MS, type VigilClient, type Unsubscribe, type ClientTransport, type ClientApi, type WaitForOptions } from './remote'
export { VigilError, ErrorCodes, isVigilError, type ErrorCode, type ErrorRecord, type Severity } from '../../core/errors'
export type { ClientConfig } from '../shared/config'
export type * from '../shared/types'
export type { Tips, TipRef, BlockStatus, LiveStatus, Hex, Address } from '../../core/types'
