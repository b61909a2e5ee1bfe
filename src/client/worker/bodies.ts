/**
 * Wires the body pipeline (src/sync/bodies.ts) to its concrete sources: the file store
 * (config.fileStoreUrl), the L1 beacon API (config.beaconUrl), re-execution from gossiped
 * transactions, and req/resp when the client has it. Source order: docs/bodies.md.
 */
import type { AbortOptions, Hex } from '../../core/types'
import type { Logger } from '../../core/logger'
import type { ChainStore } from '../../store/chain-store'
import { FileStoreSource } from '../../sources/filestore'
import { BeaconSource, type BeaconSourceOptions } from '../../sources/beacon'
import { ReexecSource } from '../../sources/reexec'
import type { StatsRecorder } from '../../sources/stats'
import { BodyPipeline, type BodyEnginePort, type BodyRef, type BodySource, type BodyStep } from '../../sync/bodies'
import type { ClientConfig } from '../shared/config'

/** What the pipeline needs of the req/resp source (src/sources/reqresp.ts `ReqRespSource`). */
export interface ReqRespBodies {
  readonly stats: StatsRecorder
  bodies(refs: BodyRef[], opts?: AbortOptions): Promise<Map<Hex, Uint8Array>>
}

export interface BodyWiring {
  pipeline: BodyPipeline
  fileStore: FileStoreSource | null
  beacon: BeaconSource | null
  reexec: ReexecSource
  /** Every source's stats, to register with the engine and show in the snapshot. */
  stats: StatsRecorder[]
}

export function createBodyWiring(args: {
  config: ClientConfig
  engine: BodyEnginePort
  store: ChainStore
  logger: Logger
  /** The req/resp source, looked up on each use (it may be created later, with libp2p). */
  reqresp?: () => ReqRespBodies | null
  reqrespStats?: StatsRecorder
  /** The proven timestamp of an L1 block, for the beacon slot its blobs are asked under. */
  l1Timestamp?: (blockNumber: number, opts: AbortOptions) => Promise<number | null>
}): BodyWiring {
  const { config } = args
  const fileStore = config.fileStoreUrl ? new FileStoreSource(config.fileStoreUrl, config.l2ChainId) : null
  const beacon = config.beaconUrl ? new BeaconSource(config.beaconUrl, beaconOptions(config, args.l1Timestamp)) : null
  const reexec = new ReexecSource()
  const reqresp: BodySource | null =
    args.reqresp && args.reqrespStats
      ? {
          name: args.reqrespStats.name,
          stats: args.reqrespStats,
          fetchBodies: async (refs, opts) => {
            const rr = args.reqresp!()
            return rr ? rr.bodies(refs, opts) : new Map()
          },
        }
      : null
  const mined: BodyStep[] = [{ kind: 'bodies', source: reexec }]
  const provisional: BodyStep[] = [{ kind: 'bodies', source: reexec }]
  if (fileStore) {
    mined.push({ kind: 'bodies', source: fileStore }, { kind: 'blobs', source: fileStore })
    provisional.push({ kind: 'bodies', source: fileStore })
  }
  if (beacon) mined.push({ kind: 'blobs', source: beacon })
  if (reqresp) {
    mined.push({ kind: 'bodies', source: reqresp })
    provisional.push({ kind: 'bodies', source: reqresp })
  }
  const pipeline = new BodyPipeline({ engine: args.engine, store: args.store, mode: config.mode, mined, provisional, logger: args.logger })
  reexec.onReady((hash) => pipeline.poke(hash))
  const stats = [reexec.stats, ...(fileStore ? [fileStore.stats] : []), ...(beacon ? [beacon.stats] : [])]
  return { pipeline, fileStore, beacon, reexec, stats }
}

/** The beacon source's block_id options from the config and the L1 anchor's proven timestamps. */
export function beaconOptions(config: ClientConfig, l1Timestamp?: (blockNumber: number, opts: AbortOptions) => Promise<number | null>): BeaconSourceOptions {
  return { ...(config.beaconBlockId ? { blockId: config.beaconBlockId } : {}), ...(l1Timestamp ? { l1Timestamp } : {}) }
}
