/**
 * The Vigil light client as a library under Node (scripts, tests, servers): the same
 * `VigilClient` as in a browser, with the LightClient running in-process instead of in a
 * Web Worker (fake-indexeddb in memory as the store unless another IndexedDB is given;
 * libp2p over WebSockets). Errors cross the same plain-record boundary, so codes are the same.
 *
 * ```ts
 * import { createLightClient } from 'vigil/node'
 * const client = await createLightClient('.vigil/devnet.json')
 * ```
 */
import { readFile } from 'node:fs/promises'
import { VigilError, toErrorRecord } from '../../core/errors'
import type { ErrorRecord } from '../../core/errors'
import { parseClientConfig, type ClientConfig } from '../shared/config'
import { createClientService, type ClientService } from '../worker/service'
import type { LightClientOptions } from '../worker/light-client'
import { openNodeClient } from './node'
import { wrapTransport, toVigilError, type VigilClient } from '../page/remote'
import type { ClientSnapshot } from '../shared/types'

export interface CreateNodeOptions extends LightClientOptions {
  /** Start without libp2p (L1 only: mined and finalized tips). */
  noP2P?: boolean
}

async function loadConfig(config: ClientConfig | string): Promise<ClientConfig> {
  if (typeof config !== 'string') return parseClientConfig(config)
  let text: string
  try {
    text = await readFile(config, 'utf8')
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `cannot read config ${config}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { details: { path: config } })
  }
  try {
    return parseClientConfig(JSON.parse(text))
  } catch (e) {
    if (e instanceof VigilError) throw e
    throw new VigilError('CONFIG_INVALID', `config ${config} is not JSON: ${(e as Error).message}`, { details: { path: config } })
  }
}

/** The client service over an in-process LightClient: exactly what the Web Worker exposes, minus comlink. */
export function inProcessApi(options: CreateNodeOptions = {}): ClientService {
  return createClientService((config) => openNodeClient(config, options))
}

/**
 * Starts a light client in this process for the chain described by `config` (a ClientConfig,
 * or the path of a JSON file such as the devnet's `.vigil/devnet.json`). Resolves once the
 * stored state is loaded; syncing continues in the background. Rejects with a VigilError.
 */
export async function createLightClient(config: ClientConfig | string, options: CreateNodeOptions = {}): Promise<VigilClient> {
  let cfg: ClientConfig
  try {
    cfg = await loadConfig(config)
  } catch (e) {
    throw toVigilError(e)
  }
  const api = inProcessApi(options)
  let initial: ClientSnapshot
  try {
    initial = await api.start(cfg)
  } catch (e) {
    await api.stop().catch(() => undefined)
    throw toVigilError(e)
  }
  const errorListeners = new Set<(e: ErrorRecord) => void>()
  return wrapTransport({
    api,
    config: cfg,
    initial,
    subscribe(cb) {
      let id: number | null = null
      let active = true
      api.subscribe(cb).then(
        (got) => {
          if (active) id = got
          else void api.unsubscribe(got)
        },
        (e: unknown) => {
          for (const fn of errorListeners) fn(toErrorRecord(toVigilError(e)))
        },
      )
      return () => {
        active = false
        if (id !== null) void api.unsubscribe(id)
      }
    },
    onError(cb) {
      errorListeners.add(cb)
      return () => void errorListeners.delete(cb)
    },
    terminate: () => api.stop(),
  })
}

export { toVigilError, wrapTransport, isBlockQuery, WAIT_FOR_DEFAULT_TIMEOUT_MS, type VigilClient, type Unsubscribe, type ClientTransport, type WaitForOptions } from '../page/remote'
export { VigilError, ErrorCodes, isVigilError, type ErrorCode, type ErrorRecord, type Severity } from '../../core/errors'
export { parseClientConfig, type ClientConfig } from '../shared/config'
export type * from '../shared/types'
export type { Tips, TipRef, BlockStatus, LiveStatus, Hex, Address } from '../../core/types'
