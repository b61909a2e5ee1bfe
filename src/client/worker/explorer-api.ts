/**
 * The explorer half of the WorkerApi (src/client/bridge.ts), over a running LightClient:
 * used by the Web Worker (workers/client.worker.ts, behind comlink) and by the in-process
 * Node client (src/client/node-api.ts). Every rejection is a plain ErrorRecord, so codes
 * survive the worker boundary; the page turns them back into VigilErrors.
 */
import { toErrorRecord } from '../../core/errors'
import { BeaconSource } from '../../sources/beacon'
import type { WorkerApi } from '../shared/bridge'
import { Explorer, type BodyFetcher } from './explorer'
import type { LightClient } from './light-client'

export type ExplorerMethods = Pick<WorkerApi, 'getBlock' | 'verifyBlock' | 'fetchTxEffects' | 'listBlocks' | 'search' | 'evidence' | 'storage'>

const explorers = new WeakMap<LightClient, Explorer>()

/** The Explorer of a client (one per client, built on first use). */
export function explorerFor(client: LightClient): Explorer {
  let e = explorers.get(client)
  if (!e) {
    // the client's own beacon source when it has one (its stats then count these requests too)
    const beacon = client.beacon ?? (client.config.beaconUrl ? new BeaconSource(client.config.beaconUrl, { name: 'beacon-verify' }) : null)
    // the body pipeline (file store → beacon blobs → req/resp, each verified by the engine, which records provenance and the tx index)
    const fetchBody: BodyFetcher = async (hash, opts = {}) => {
      const b = await client.fetchBody(hash, { ...(opts.signal ? { signal: opts.signal } : {}), timeoutMs: 20_000 })
      return { bytes: b.bytes, source: b.source }
    }
    e = new Explorer({ store: client.store, l1: client.l1, config: client.config, beacon, fetchBody })
    explorers.set(client, e)
  }
  return e
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    throw toErrorRecord(e)
  }
}

/** The explorer methods of the WorkerApi, for whichever client `need()` returns (it throws when none runs). */
export function explorerMethods(need: () => LightClient): ExplorerMethods {
  const ex = () => explorerFor(need())
  return {
    getBlock: (q) => guard(() => ex().getBlock(q)),
    verifyBlock: (q) => guard(() => ex().verifyBlock(q)),
    fetchTxEffects: (q) => guard(() => ex().fetchTxEffects(q)),
    listBlocks: (q) => guard(() => ex().listBlocks(q ?? {})),
    search: (q) => guard(() => ex().search(q)),
    evidence: () => guard(() => ex().evidence()),
    storage: () => guard(() => ex().storage()),
  }
}
