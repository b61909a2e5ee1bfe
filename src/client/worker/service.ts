/**
 * The WorkerApi (src/client/shared/bridge.ts), written once, over a lazily-opened LightClient.
 * Two transports serve it (as Lodestar's INetworkCore is served by a worker and by an
 * in-process core): the Web Worker exposes it through comlink (workers/client.worker.ts, plus
 * the page-P2P methods below), and the Node library calls it directly
 * (src/client/node/api-node.ts). Every rejection is a plain ErrorRecord, so codes survive the
 * worker boundary; the page turns them back into VigilErrors.
 */
import { VigilError, toErrorRecord } from '../../core/errors'
import type { PagePeerApi, WorkerApi, WorkerStartOptions } from '../shared/bridge'
import { parseClientConfig, type ClientConfig } from '../shared/config'
import type { ClientSnapshot } from '../shared/types'
import type { LightClient } from './light-client'

/** Opens (does not start) a LightClient for a validated config. */
export type OpenClient = (config: ClientConfig, opts: WorkerStartOptions) => Promise<LightClient>

export interface ClientService extends WorkerApi {
  /** The running client, or null. */
  client(): LightClient | null
  /** The running client; rejects (soft CONFIG_INVALID) when none runs. */
  need(): LightClient
}

/** How long a peer's req/resp request may take when this client serves it through the page's node. */
const SERVE_TIMEOUT_MS = { headers: 8_000, bodies: 10_000 } as const

/** Errors cross the boundary as plain ErrorRecords (comlink keeps only name/message/stack of an Error). */
export async function guard<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    throw toErrorRecord(e)
  }
}

/** Subscriptions by id (what crosses a transport is a number; the unsubscribe function stays here). */
export class Subscriptions {
  private readonly byId = new Map<number, () => void>()
  private nextId = 1

  add(unsubscribe: () => void): number {
    const id = this.nextId++
    this.byId.set(id, unsubscribe)
    return id
  }

  remove(id: number): void {
    this.byId.get(id)?.()
    this.byId.delete(id)
  }

  clear(): void {
    for (const u of this.byId.values()) u()
    this.byId.clear()
  }
}

export function createClientService(open: OpenClient): ClientService {
  let client: LightClient | null = null
  const subs = new Subscriptions()
  const need = (): LightClient => {
    if (!client) throw new VigilError('CONFIG_INVALID', 'the client has not been started', { severity: 'soft' })
    return client
  }
  const ex = () => need().explorer
  return {
    client: () => client,
    need,
    start: (config, opts) =>
      guard(async () => {
        if (client) return client.snapshot()
        const c = await open(parseClientConfig(config), opts ?? {})
        client = c
        const snap = c.snapshot()
        await c.start()
        return snap
      }),
    snapshot: () => guard(() => need().snapshot()),
    // a comlink proxy returns a promise: its result is not awaited
    subscribe: (onSnapshot: (s: ClientSnapshot) => void) => guard(() => subs.add(need().subscribe((s) => void onSnapshot(s)))),
    unsubscribe: (id) => guard(() => subs.remove(id)),
    stop: () =>
      guard(async () => {
        subs.clear()
        await client?.stop()
        client = null
      }),
    clearStore: () =>
      guard(async () => {
        const c = need()
        subs.clear()
        client = null
        await c.stop()
        await c.store.destroy()
      }),
    getBlock: (q) => guard(() => ex().getBlock(q)),
    verifyBlock: (q) => guard(() => ex().verifyBlock(q)),
    fetchTxEffects: (q) => guard(() => ex().fetchTxEffects(q)),
    listBlocks: (q) => guard(() => ex().listBlocks(q ?? {})),
    search: (q) => guard(() => ex().search(q)),
    evidence: () => guard(() => ex().evidence()),
    storage: () => guard(() => ex().storage()),
  }
}

/** The methods the tab's libp2p node on the page calls (pageP2P; src/client/page/page-p2p.ts). */
export function pagePeerMethods(need: () => LightClient): PagePeerApi {
  return {
    attachPageNet: (net) => guard(() => need().attachPageNet(net)),
    peerEvent: (ev) => guard(() => need().peerEvent(ev)),
    setPagePeers: (peers) => guard(() => need().setPagePeers(peers)),
    deliverGossip: (topic, data, from) => guard(() => need().deliverGossip(topic, data, from)),
    serveStatus: () => guard(() => need().chainServer().status()),
    serveHeaders: (from, count) => guard(() => need().chainServer().headersByRange(from, count, AbortSignal.timeout(SERVE_TIMEOUT_MS.headers))),
    serveBodies: (hashes) => guard(() => need().chainServer().bodiesByHash(hashes, AbortSignal.timeout(SERVE_TIMEOUT_MS.bodies))),
  }
}
