/**
 * The worker's API as the page sees it through comlink. Only plain data crosses: errors
 * come back as ErrorRecord-shaped rejections (see core/errors), callbacks must be wrapped
 * in comlink's proxy().
 */
import type { ClientConfig } from './config'
import type { ClientSnapshot } from './types'

export interface WorkerApi {
  /** Opens the store, restores tips, starts syncing. Resolves once the stored state is loaded. */
  start(config: ClientConfig): Promise<ClientSnapshot>
  snapshot(): Promise<ClientSnapshot>
  /** Calls `onSnapshot` on every change (throttled); returns a subscription id for unsubscribe(). */
  subscribe(onSnapshot: (s: ClientSnapshot) => void): Promise<number>
  unsubscribe(id: number): Promise<void>
  stop(): Promise<void>
}
