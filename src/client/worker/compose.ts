/**
 * The one place the light client is put together: from a config and an opened store, builds
 * the store-backed SyncEngine, its sources (L1, gossip, req/resp, L2 RPC, snapshots, bodies),
 * the req/resp syncer, the body pipeline, the backup queue, the explorer (Verify now) and the
 * chain server, and wires every observer to `onChange`. `LightClient` holds what this returns
 * and runs it (start/stop order: light-client.ts). Nothing here starts anything.
 */
import type { Logger } from '../../core/logger'
import { VigilError } from '../../core/errors'
import type { AbortOptions } from '../../core/types'
import type { SigningDomain } from '../../protocol/domain'
import type { NetworkAdapter } from '../../networks/adapter'
import { networkFor } from '../../networks/presets'
import { topics, type Topics } from '../../protocol/topics'
import type { ChainServer } from '../../p2p/protocols/common'
import type { DexieChainStore } from '../../store/chain-store'
import { BeaconSource } from '../../sources/beacon'
import type { FileStoreSource } from '../../sources/filestore'
import { createProvenL1, type ProvenL1 } from '../../sources/l1-proven'
import { LightClientAnchor } from '../../sources/l1-anchor-lc'
import { L2RpcSource } from '../../sources/l2rpc'
import type { ReexecSource } from '../../sources/reexec'
import { ReqRespSource } from '../../sources/reqresp'
import { SnapshotSource, snapshotIndexUrl } from '../../sources/snapshot'
import { StatsRecorder } from '../../sources/stats'
import { BackupSyncQueue } from '../../sync/backup'
import type { BodyPipeline } from '../../sync/bodies'
import { SyncEngine } from '../../sync/engine'
import { Syncer } from '../../sync/syncer'
import type { ClientConfig } from '../shared/config'
import { beaconOptions, createBodyWiring } from './bodies'
import { lightChainServer } from './chain-server'
import { Explorer, type BodyFetcher } from './explorer'

/** A gossip message's verdict (drives gossipsub's validation). */
export type GossipVerdict = 'accept' | 'ignore' | 'reject'
/** `from`: the peer id that delivered the message (named in any failure it causes). */
export type GossipHandler = (data: Uint8Array, from?: string) => Promise<GossipVerdict>

/** The tuning the composition needs (resolved LightClientOptions, light-client.ts). */
export interface ComposeOptions {
  logger: Logger
  /** Aborts L1 requests in flight when the client stops. */
  signal: AbortSignal
  /** How long the explorer waits for a body fetched on demand. */
  explorerBodyTimeoutMs: number
  reqresp: { statusIntervalMs?: number; pendingTimeoutMs?: number; trustedTimeoutMs?: number }
}

/** Everything a LightClient is made of. */
export interface ClientParts {
  readonly config: ClientConfig
  /** The network adapter the config names (src/networks/presets.ts `networkFor`): everything chain-specific. */
  readonly network: NetworkAdapter
  readonly store: DexieChainStore
  readonly domain: SigningDomain
  readonly topics: Topics
  readonly engine: SyncEngine
  /** The L1 port: every fact proven against the anchor (docs/trust.md); `l1.stats` has one entry per L1 RPC. */
  readonly l1: ProvenL1
  /** The Ethereum consensus light client (config.beaconLightClient), outranking the RPC quorum; null when not configured. */
  readonly lightClient: LightClientAnchor | null
  readonly gossipStats: StatsRecorder
  /** Trusted L2 RPC for backup sync (config.l2RpcUrl), and its queue; null when not configured. */
  readonly l2rpc: L2RpcSource | null
  readonly backupQueue: BackupSyncQueue | null
  /** The snapshot source (config.snapshotUrl or derived from fileStoreUrl); null when not configured. */
  readonly snapshots: SnapshotSource | null
  /** Req/resp peers (status, headers by range, bodies by hash) and the syncer that fills gaps from them. */
  readonly reqresp: ReqRespSource
  readonly syncer: Syncer
  /** Bodies (docs/bodies.md): the pipeline and its sources (file store and beacon null when not configured). */
  readonly bodies: BodyPipeline
  readonly fileStore: FileStoreSource | null
  readonly beacon: BeaconSource | null
  readonly reexec: ReexecSource
  /** Gossip topic → handler (counts the message, hands it to the engine): the one table libp2p and the page's node both use. */
  readonly gossip: ReadonlyMap<string, GossipHandler>
  /** Read-only queries and Verify now (src/client/worker/explorer.ts). */
  readonly explorer: Explorer
  /** What this client serves to other peers (status, headers by range, bodies by hash). */
  readonly chainServer: ChainServer
  /** Every source's stats, in the order the snapshot lists them. */
  readonly stats: StatsRecorder[]
}

/**
 * Builds the client's parts over `store` and subscribes `onChange` to every observer (engine,
 * stats, syncer progress, body pipeline).
 */
export function composeClient(config: ClientConfig, store: DexieChainStore, opts: ComposeOptions, onChange: () => void): ClientParts {
  const log = opts.logger
  // everything chain-specific comes from the network's adapter; its rules drive sync and Verify now
  const network = networkFor(config)
  const rules = network.rules
  if (!rules)
    throw new VigilError('CONFIG_INVALID', `network ${network.id}: the light client cannot follow ${network.title} yet (docs/networks.md); its checkpoints can be checked offline on the explorer's #/aztec page`, {
      details: { network: network.id },
    })
  const domain: SigningDomain = rules.domain
  const t = topics(config.l2ChainId)
  const { l1, lightClient } = provenL1(config, opts.signal, (source, e, disproven) => engine.recordFailure(source, e, disproven))
  const gossipStats = new StatsRecorder('gossip', 'gossip')
  const engine = new SyncEngine({
    store,
    l1,
    gossipStats,
    domain,
    rules,
    l2ChainId: config.l2ChainId,
    deployBlock: config.l1.deployBlock,
    mode: config.mode,
    logger: log.child('sync'),
  })
  engine.onChange(onChange)

  const l2rpc = config.l2RpcUrl ? new L2RpcSource(config.l2RpcUrl) : null
  const snapshotUrl = snapshotIndexUrl(config)
  const snapshots = snapshotUrl ? new SnapshotSource(snapshotUrl) : null
  const backupQueue = l2rpc ? new BackupSyncQueue({ fetcher: l2rpc, sink: engine, source: l2rpc.stats.name, logger: log.child('backup') }) : null

  const reqresp = new ReqRespSource({ l2ChainId: config.l2ChainId, logger: log.child('reqresp'), ...(opts.reqresp.statusIntervalMs ? { statusIntervalMs: opts.reqresp.statusIntervalMs } : {}) })
  const syncer = new Syncer({
    engine,
    exchange: reqresp,
    logger: log.child('syncer'),
    ...(opts.reqresp.pendingTimeoutMs ? { pendingTimeoutMs: opts.reqresp.pendingTimeoutMs } : {}),
    // weak-subjectivity start (docs/sync.md § Trusted hash): the syncer's base, nothing fetched below it
    ...(config.trustedHeader ? { trusted: config.trustedHeader } : {}),
    ...(opts.reqresp.trustedTimeoutMs ? { trustedTimeoutMs: opts.reqresp.trustedTimeoutMs } : {}),
  })
  syncer.onChange(onChange)

  const l1Timestamp = async (n: number, o: AbortOptions) => (await l1.block(n, o))?.timestamp ?? null
  const wiring = createBodyWiring({ config, engine, store, logger: log.child('bodies'), reqresp: () => reqresp, reqrespStats: reqresp.stats, l1Timestamp })
  const bodies = wiring.pipeline
  bodies.onChange(onChange)

  // the engine counts verdicts for these sources (gossip and L1 are given to it above)
  for (const st of [...l1.stats, lightClient?.stats, l2rpc?.stats, snapshots?.stats, reqresp.stats, ...wiring.stats]) if (st) engine.registerSource(st)
  const stats = [gossipStats, ...l1.stats, lightClient?.stats, l2rpc?.stats, reqresp.stats, wiring.fileStore?.stats, wiring.beacon?.stats, wiring.reexec.stats, snapshots?.stats].filter((s): s is StatsRecorder => !!s)
  for (const st of stats) st.onChange(onChange)

  const counted =
    (fn: GossipHandler): GossipHandler =>
    (data, from) => {
      gossipStats.success(data.length, null)
      return fn(data, from)
    }
  // every gossiped item goes through the engine's gossip rules (size cap, seen-cache, src/verify/gossip-rules.ts)
  const gossip = new Map<string, GossipHandler>([
    [t.blockProposal, counted((d, from) => engine.onBlockProposal(d, 'gossip', from))],
    [t.checkpointProposal, counted((d, from) => engine.onCheckpointProposal(d, 'gossip', from))],
    [t.checkpointAttestation, counted((d, from) => engine.onAttestation(d, 'gossip', from))],
  ])

  // Verify now: the client's own beacon source when it has one (its stats then count these requests too)
  const verifyBeacon = wiring.beacon ?? (config.beaconUrl ? new BeaconSource(config.beaconUrl, { ...beaconOptions(config, l1Timestamp), name: 'beacon-verify' }) : null)
  // bodies on demand go through the pipeline (file store → beacon blobs → req/resp, each verified by the engine)
  const fetchBody: BodyFetcher = async (hash, o = {}) => {
    const b = await bodies.fetchBody(hash, { ...(o.signal ? { signal: o.signal } : {}), timeoutMs: opts.explorerBodyTimeoutMs })
    return { bytes: b.bytes, source: b.source }
  }
  const explorer = new Explorer({ store, l1, config, beacon: verifyBeacon, fetchBody, rules })

  return {
    config,
    network,
    store,
    domain,
    topics: t,
    engine,
    l1,
    lightClient,
    gossipStats,
    l2rpc,
    backupQueue,
    snapshots,
    reqresp,
    syncer,
    bodies,
    fileStore: wiring.fileStore,
    beacon: wiring.beacon,
    reexec: wiring.reexec,
    gossip,
    explorer,
    chainServer: lightChainServer(engine, store, { mode: config.mode }),
    stats,
  }
}

/**
 * The L1 as the client believes it (docs/trust.md): one source per RPC URL, the anchors in rank
 * order (the consensus light client, where configured, before the RPC quorum; both run), and
 * the port that proves every fact against the best-ranked anchor's head.
 */
export function provenL1(config: ClientConfig, signal: AbortSignal, onFailure: (source: string, e: VigilError, disproven: boolean) => void): { l1: ProvenL1; lightClient: LightClientAnchor | null } {
  const lc = config.beaconLightClient
  const lightClient = lc ? new LightClientAnchor({ url: lc.url, checkpoint: lc.checkpoint, network: lc.network, signal, onDisagreement: (d) => l1.disagree(d) }) : null
  const l1: ProvenL1 = createProvenL1({
    rollup: config.l1.rollup,
    ...(lightClient ? { before: [lightClient] } : {}),
    rpcUrls: config.l1.rpcUrls,
    ...(config.l1.quorum !== undefined ? { quorum: config.l1.quorum } : {}),
    ...(config.l1.quorumDepth !== undefined ? { quorumDepth: config.l1.quorumDepth } : {}),
    onFailure,
    signal,
  })
  return { l1, lightClient }
}
