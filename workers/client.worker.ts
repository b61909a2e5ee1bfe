/// <reference lib="webworker" />
/**
 * The Web Worker entry: owns the LightClient (sync, verification, storage). The page talks
 * to it only through the comlink-exposed WorkerApi (src/client/bridge.ts).
 */
import * as Comlink from 'comlink'
import { LightClient } from '../src/client/worker/light-client'
import { parseClientConfig } from '../src/client/shared/config'
import type { PagePeerApi, WorkerApi } from '../src/client/shared/bridge'
import type { ClientSnapshot } from '../src/client/shared/types'
import { VigilError, toErrorRecord } from '../src/core/errors'
import { explorerMethods } from '../src/client/worker/explorer-api'

let client: LightClient | null = null
const subscriptions = new Map<number, () => void>()
let nextId = 1

/** Errors cross the boundary as plain ErrorRecords (comlink keeps only name/message/stack of an Error). */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    throw toErrorRecord(e)
  }
}

function need(): LightClient {
  if (!client) throw new VigilError('CONFIG_INVALID', 'the client has not been started', { severity: 'soft' })
  return client
}

const api: WorkerApi & PagePeerApi = {
  start: (config, opts) =>
    guard(async () => {
      if (client) return client.snapshot()
      const cfg = parseClientConfig(config)
      client = await LightClient.open(cfg, { p2pRole: 'client-worker', ...(opts?.pageP2P ? { pageP2P: true } : {}), ...(opts?.fromSnapshot ? { fromSnapshot: true } : {}) })
      const snap = client.snapshot()
      await client.start()
      return snap
    }),
  snapshot: () => guard(async () => need().snapshot()),
  subscribe: (onSnapshot: (s: ClientSnapshot) => void) =>
    guard(async () => {
      const id = nextId++
      subscriptions.set(id, need().subscribe((s) => void onSnapshot(s)))
      return id
    }),
  unsubscribe: (id) =>
    guard(async () => {
      subscriptions.get(id)?.()
      subscriptions.delete(id)
    }),
  stop: () =>
    guard(async () => {
      for (const u of subscriptions.values()) u()
      subscriptions.clear()
      await client?.stop()
      client = null
    }),
  ...explorerMethods(need),
  // the page's libp2p node (pageP2P): src/client/page-p2p.ts
  attachPageNet: (net) => guard(async () => need().attachPageNet(net)),
  peerEvent: (ev) => guard(async () => need().peerEvent(ev)),
  setPagePeers: (peers) => guard(async () => need().setPagePeers(peers)),
  deliverGossip: (topic, data) => guard(() => need().deliverGossip(topic, data)),
  serveStatus: () => guard(async () => need().chainServer().status()),
  serveHeaders: (from, count) => guard(async () => need().chainServer().headersByRange(from, count, AbortSignal.timeout(8_000))),
  serveBodies: (hashes) => guard(async () => need().chainServer().bodiesByHash(hashes, AbortSignal.timeout(10_000))),
  clearStore: () =>
    guard(async () => {
      const c = need()
      for (const u of subscriptions.values()) u()
      subscriptions.clear()
      client = null
      await c.stop()
      await c.store.destroy()
    }),
}

Comlink.expose(api)
