/// <reference lib="webworker" />
/**
 * The Web Worker entry: owns the LightClient (sync, verification, storage). The page talks to
 * it only through comlink, which exposes the client service (src/client/worker/service.ts, the
 * same API the Node library calls in-process) plus the methods of the tab's libp2p node.
 */
import * as Comlink from 'comlink'
import { LightClient } from '../src/client/worker/light-client'
import { createClientService, pagePeerMethods } from '../src/client/worker/service'
import type { PagePeerApi, WorkerApi } from '../src/client/shared/bridge'

const service = createClientService((config, opts) =>
  LightClient.open(config, { p2pRole: 'client-worker', ...(opts.pageP2P ? { pageP2P: true } : {}), ...(opts.fromSnapshot ? { fromSnapshot: true } : {}) }),
)
const { client: _client, need, ...workerApi } = service
const api: WorkerApi & PagePeerApi = { ...workerApi, ...pagePeerMethods(need) }

Comlink.expose(api)
