/** The LightClient under Node: fake-indexeddb (in memory) as the store, libp2p over WebSockets. */
import '../../node/polyfills'
import { indexedDB, IDBKeyRange } from 'fake-indexeddb'
import { LightClient, type LightClientOptions } from '../worker/light-client'
import type { ClientConfig } from '../shared/config'

export async function openNodeClient(config: ClientConfig, opts: LightClientOptions = {}): Promise<LightClient> {
  return LightClient.open(config, { indexedDB: { indexedDB, IDBKeyRange }, p2pRole: 'client-node', ...opts })
}
