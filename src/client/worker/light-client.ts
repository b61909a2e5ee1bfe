import type { Libp2p } from '@libp2p/interface'
import { VigilError, toErrorRecord } from '../../core/errors'
import { createLogger, type Logger } from '../../core/logger'
import { delay } from '../../core/abort'
import type { AbortOptions, Address, Hex } from '../../core/types'
import { topics } from '../../protocol/topics'
import type { SigningDomain } from '../../protocol/domain'
import { DexieChainStore } from '../../store/chain-store'
import { dbNameFor, type IndexedDbImpl } from '../../store/db'
import { L1Source } from '../../sources/l1'
import { StatsRecorder } from '../../sources/stats'
import { SyncEngine } from '../../sync/engine'
import { L2RpcSource } from '../../sources/l2rpc'
import { SnapshotSource, snapshotIndexUrl, verifySnapshot } from '../../sources/snapshot'
import { BackupSyncQueue, runBackupSync } from '../../sync/backup'
import { ReqRespSource } from '../../sources/reqresp'
import { Syncer } from '../../sync/syncer'
import { initCrypto } from '../../verify/secp256k1'
import type { BodyPipeline, FetchedBody } from '../../sync/bodies'
import type { FileStoreSource } from '../../sources/filestore'
import type { BeaconSource } from '../../sources/beacon'
import type { ReexecSource } from '../../sources/reexec'
import { createBodyWiring } from './bodies'
import { createP2PNode, peerScore, peerSummaries, subscribeTopic } from '../../p2p/node'
import type { ClientConfig } from '../shared/config'
import { RemoteNode, type PageNet, type PeerEvent } from '../../p2p/bridge'
import type { ChainServer } from '../../p2p/protocols/common'
import { lightChainServer } from './chain-server'
import type { ClientSnapshot, EvidenceRecord, PeerSummary, SnapshotStart } from '../shared/types'

export interface LightClientOptions {
  /** IndexedDB implementation (fake-indexeddb under Node); the global one when absent. */
  indexedDB?: IndexedDbImpl
  /** Store name; defaults to one per chain and rollup. */
  storeName?: string
  /** Which libp2p transports to use: a worker has WebSockets only. */
  p2pRole?: 'client-node' | 'client-worker'
  /** Start without libp2p (L1 only). */
  noP2P?: boolean
  /**
   * The tab's libp2p node lives on the page (src/client/page-p2p.ts): no node here; the page
   * feeds gossip (deliverGossip), peer events and req/resp I/O (attachPageNet), and serves
   * other peers from this client (chainServer). docs/decisions/browser-peers.md.
   */
  pageP2P?: boolean
  logger?: Logger
  /** Snapshot push throttle (ms). */
  throttleMs?: number
  /** Start a fresh store from the latest snapshot (config.snapshotUrl or derived from fileStoreUrl), verified against L1; falls back to genesis. */
  fromSnapshot?: boolean
  /** Oldest snapshot accepted (default one day). */
  snapshotMaxAgeMs?: number
  /** Req/resp and syncer tuning (tests): status poll interval, how long a header may stay pending, how long to look for config.trustedHeader before a soft error. */
  reqresp?: { statusIntervalMs?: number; pendingTimeoutMs?: number; trustedTimeoutMs?: number }
}

/**
 * The light client: one SyncEngine fed by gossip (libp2p) and the L1 (viem), persisted in
 * IndexedDB (Dexie). Runs in a Web Worker (behind comlink) and in Node (CLI, tests).
 */
export class LightClient {
  readonly engine: SyncEngine
  readonly l1: L1Source
  readonly gossipStats = new StatsRecorder('gossip', 'gossip')
  private p2p: Libp2p | null = null
  private readonly abort = new AbortController()
  private readonly listeners = new Set<(s: ClientSnapshot) => void>()
  private pushTimer: ReturnType<typeof setTimeout> | null = null
  private readonly startedAt = Date.now()
  private readonly log: Logger
  private l1Loop: Promise<void> | null = null
  /** The libp2p node being created (start() returns before it is up): stop() waits for it, then stops it. */
  private p2pStarting: Promise<void> | null = null
  /** Trusted L2 RPC for backup sync (config.l2RpcUrl), and the snapshot source; null when not configured. */
  readonly l2rpc: L2RpcSource | null
  readonly snapshots: SnapshotSource | null
  readonly backupQueue: BackupSyncQueue | null
  private backupLoop: Promise<void> | null = null
  /** Req/resp peers (status, headers by range, bodies by hash) and the syncer that fills gaps from them. */
  readonly reqresp: ReqRespSource
  readonly syncer: Syncer
  /** Bodies (docs/bodies.md): the pipeline and its sources (file store and beacon null when not configured). */
  readonly bodies: BodyPipeline
  readonly fileStore: FileStoreSource | null
  readonly beacon: BeaconSource | null
  readonly reexec: ReexecSource

  private constructor(
    readonly config: ClientConfig,
    readonly store: DexieChainStore,
    private readonly opts: LightClientOptions,
  ) {
    this.log = opts.logger ?? createLogger('vigil')
    // stop() aborts L1 requests in flight: a long first catch-up must not hold stop (or the process) open
    this.l1 = new L1Source(config.l1.rollup, config.l1.rpcUrls, { signal: this.abort.signal })
    const domain: SigningDomain = { l1ChainId: config.l1.chainId, rollup: config.l1.rollup.toLowerCase() as Address }
    this.engine = new SyncEngine({
      store,
      l1: this.l1,
      gossipStats: this.gossipStats,
      l1Stats: this.l1.stats,
      domain,
      l2ChainId: config.l2ChainId,
      deployBlock: config.l1.deployBlock,
      mode: config.mode,
      logger: this.log.child('sync'),
    })
    this.engine.onChange(() => this.schedulePush())
    this.l2rpc = config.l2RpcUrl ? new L2RpcSource(config.l2RpcUrl) : null
    const snapshotUrl = snapshotIndexUrl(config)
    this.snapshots = snapshotUrl ? new SnapshotSource(snapshotUrl) : null
    this.backupQueue = this.l2rpc ? new BackupSyncQueue({ fetcher: this.l2rpc, sink: this.engine, source: this.l2rpc.stats.name, logger: this.log.child('backup') }) : null
    for (const src of [this.l2rpc, this.snapshots]) {
      if (!src) continue
      this.engine.registerSource(src.stats)
      src.stats.onChange = () => this.schedulePush()
    }
    this.l1.stats.onChange = () => this.schedulePush()
    this.gossipStats.onChange = () => this.schedulePush()
    this.reqresp = new ReqRespSource({ l2ChainId: config.l2ChainId, logger: this.log.child('reqresp'), ...(opts.reqresp?.statusIntervalMs ? { statusIntervalMs: opts.reqresp.statusIntervalMs } : {}) })
    this.engine.registerSource(this.reqresp.stats)
    this.reqresp.stats.onChange = () => this.schedulePush()
    this.syncer = new Syncer({
      engine: this.engine,
      exchange: this.reqresp,
      logger: this.log.child('syncer'),
      onProgress: () => this.schedulePush(),
      ...(opts.reqresp?.pendingTimeoutMs ? { pendingTimeoutMs: opts.reqresp.pendingTimeoutMs } : {}),
      // weak-subjectivity start (docs/sync.md § Trusted hash): the syncer's base, nothing fetched below it
      ...(config.trustedHeader ? { trusted: config.trustedHeader } : {}),
      ...(opts.reqresp?.trustedTimeoutMs ? { trustedTimeoutMs: opts.reqresp.trustedTimeoutMs } : {}),
    })
    const bodies = createBodyWiring({ config, engine: this.engine, store, logger: this.log.child('bodies'), reqresp: () => this.reqresp, reqrespStats: this.reqresp.stats })
    this.bodies = bodies.pipeline
    this.fileStore = bodies.fileStore
    this.beacon = bodies.beacon
    this.reexec = bodies.reexec
    for (const st of bodies.stats) {
      this.engine.registerSource(st)
      st.onChange = () => this.schedulePush()
    }
    this.bodies.onChange = () => this.schedulePush()
  }

  /** Opens the store and restores the stored tips; nothing is fetched yet. */
  static async open(config: ClientConfig, opts: LightClientOptions = {}): Promise<LightClient> {
    const store = await DexieChainStore.open(opts.storeName ?? dbNameFor(config.l2ChainId, config.l1.rollup), opts.indexedDB)
    const client = new LightClient(config, store, opts)
    await client.engine.restore()
    return client
  }

  /** Starts syncing: L1 polling and (unless disabled) libp2p gossip. Returns at once. */
  async start(): Promise<void> {
    await initCrypto()
    this.bodies.start()
    this.l1Loop = (this.opts.fromSnapshot ? this.startFromSnapshot() : Promise.resolve()).then(() => this.runL1Loop())
    if (this.l2rpc && this.backupQueue) {
      const engine = this.engine
      this.backupLoop = runBackupSync({
        fetcher: this.l2rpc,
        queue: this.backupQueue,
        missing: (from, to, max) => engine.canonicalGaps(from, to, max),
        settledHeight: () => engine.getTips().mined?.height ?? 0,
        ready: () => engine.getL1().head !== null,
        pollMs: Math.min(1000, this.config.l1PollMs ?? 1000),
        signal: this.abort.signal,
        logger: this.log.child('backup'),
      }).catch((e) => this.log.error('backup sync stopped', e))
    }
    if (this.opts.pageP2P) {
      this.reqresp.attach(this.remote as unknown as Libp2p)
      this.syncer.start()
    } else if (!this.opts.noP2P) this.p2pStarting = this.startP2P().catch((e) => {
        if (!this.abort.signal.aborted) this.log.error('p2p failed to start', e)
      })
  }

  private async startP2P(): Promise<void> {
    const node = await createP2PNode({
      role: this.opts.p2pRole ?? 'client-node',
      bootstrap: this.config.bootstrap,
      logger: this.log.child('p2p'),
      // connection gating (docs/reorgs.md § Peer control): every dial and inbound connection
      ...(this.config.allowPeers ? { allow: this.config.allowPeers } : {}),
      ...(this.config.denyPeers ? { deny: this.config.denyPeers } : {}),
      // stop() during creation: the node is stopped before it dials (rejects with ABORTED)
      signal: this.abort.signal,
    })
    if (this.abort.signal.aborted) {
      await node.stop()
      return
    }
    this.p2p = node
    const t = topics(this.config.l2ChainId)
    const route = (fn: (d: Uint8Array) => Promise<'accept' | 'ignore' | 'reject'>) => async (data: Uint8Array) => {
      this.gossipStats.success(data.length, null)
      return fn(data)
    }
    subscribeTopic(node, t.blockProposal, route((d) => this.engine.onBlockProposal(d)))
    subscribeTopic(node, t.checkpointProposal, route((d) => this.engine.onCheckpointProposal(d)))
    subscribeTopic(node, t.checkpointAttestation, route((d) => this.engine.onAttestation(d)))
    this.reqresp.attach(node)
    this.syncer.start()
    // transactions for re-execution: full mode only (light clients skip the tx topic's traffic)
    if (this.config.mode === 'full') this.reexec.attach(node, t)
    node.addEventListener('peer:connect', () => this.schedulePush())
    node.addEventListener('peer:disconnect', () => this.schedulePush())
  }

  private async runL1Loop(): Promise<void> {
    const signal = this.abort.signal
    const every = this.config.l1PollMs ?? 1000
    let failures = 0
    while (!signal.aborted) {
      try {
        await this.engine.pollL1({ signal })
        failures = 0
      } catch (e) {
        if (signal.aborted) return // stopping: a catch-up cut short is not a failure
        failures++
        const rec = toErrorRecord(e)
        this.log(`L1 poll failed (${rec.code}): ${rec.message}`)
      }
      try {
        await delay(failures === 0 ? every : Math.min(every * 2 ** failures, 15_000), signal)
      } catch {
        return
      }
    }
  }

  /**
   * Starts a fresh store from the latest snapshot: fetch, verify against L1, import in one
   * transaction. Any failure is recorded (coded, in failures and the snapshot source's stats)
   * and the client syncs from genesis instead. docs/snapshots.md.
   */
  private async startFromSnapshot(): Promise<void> {
    const src = this.snapshots
    if (!src) {
      this.engine.recordFailure('snapshot', new VigilError('CONFIG_INVALID', 'no snapshotUrl or fileStoreUrl configured: syncing from genesis', { severity: 'soft' }))
      return
    }
    if (this.engine.getTips().mined) return this.log('store already holds a mined chain: snapshot not needed')
    try {
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(120_000)])
      const t0 = performance.now()
      const fetched = await src.latest({ signal })
      const seg = await verifySnapshot(fetched.snapshot, this.l1, { domain: { l1ChainId: this.config.l1.chainId, rollup: this.config.l1.rollup.toLowerCase() as Address }, l2ChainId: this.config.l2ChainId, entry: fetched.entry, signal, ...(this.opts.snapshotMaxAgeMs ? { maxAgeMs: this.opts.snapshotMaxAgeMs } : {}) })
      // verified: counted and announced before the import commits, so whoever sees the new tips sees why
      src.stats.verdict(true)
      const last = seg.checkpoints.at(-1)!.checkpoint.headers.at(-1)!
      const info = { name: fetched.entry.name, checkpoints: seg.checkpoints.length, blocks: seg.checkpoints.reduce((n, c) => n + c.checkpoint.headers.length, 0), height: last.height, ms: 0 }
      this.snapshotImport = info
      try {
        await this.engine.importVerifiedSegment(seg)
      } catch (e) {
        this.snapshotImport = null
        throw e
      }
      info.ms = Math.round(performance.now() - t0)
      this.log(`started from snapshot ${info.name}: ${info.blocks} blocks up to height ${info.height} in ${info.ms} ms`)
    } catch (e) {
      if (this.abort.signal.aborted) return
      const { code } = toErrorRecord(e)
      // unreachable / missing: counted as a request failure by the source; anything else failed a check
      if (!['SOURCE_UNAVAILABLE', 'SOURCE_TIMEOUT', 'NOT_FOUND', 'ABORTED'].includes(code)) this.engine.recordFailure('snapshot', e)
      this.log(`snapshot not used (${code}): syncing from genesis`)
    }
  }

  /** What the snapshot start imported (null: not used, or rejected). */
  snapshotImport: SnapshotStart | null = null

  // ---------------------------------------------------------------- the page's node (pageP2P)

  /** The page's node as the req/resp source sees it (src/p2p/bridge.ts). */
  readonly remote = new RemoteNode()
  private pagePeers: PeerSummary[] = []

  /** Connects the page's network (req/resp requests go through it). */
  attachPageNet(net: PageNet | null): void {
    this.remote.setNet(net)
  }

  /** A peer identified / disconnected on the page's node. */
  peerEvent(ev: PeerEvent): void {
    this.remote.peerEvent(ev)
    this.schedulePush()
  }

  /** The page's peer list (transport, direction, gossipsub score); req/resp info is added here. */
  setPagePeers(peers: PeerSummary[]): void {
    this.pagePeers = peers.slice(0, 1024)
    this.schedulePush()
  }

  /** A gossip message the page's node received: verified here; the verdict drives gossipsub's validation on the page. */
  deliverGossip(topic: string, data: Uint8Array): Promise<'accept' | 'ignore' | 'reject'> {
    const t = topics(this.config.l2ChainId)
    const fn =
      topic === t.blockProposal
        ? (d: Uint8Array) => this.engine.onBlockProposal(d)
        : topic === t.checkpointProposal
          ? (d: Uint8Array) => this.engine.onCheckpointProposal(d)
          : topic === t.checkpointAttestation
            ? (d: Uint8Array) => this.engine.onAttestation(d)
            : null
    if (!fn) return Promise.resolve('ignore')
    this.gossipStats.success(data.length, null)
    return fn(data)
  }

  /** What this client serves to other peers (status, headers by range, bodies by hash). */
  chainServer(): ChainServer {
    return (this.server ??= lightChainServer(this.engine, this.store))
  }
  private server: ChainServer | null = null

  peers(): PeerSummary[] {
    if (!this.p2p && this.opts.pageP2P) return this.pagePeers.map((p) => {
      const rr = this.reqresp.peerInfo(p.id)
      return rr ? { ...p, reqresp: rr } : p
    })
    return this.p2p
      ? peerSummaries(this.p2p).map((p) => {
          const rr = this.reqresp.peerInfo(p.id)
          // gossipsub's score of the peer: negative once it sent data that failed validation
          const scored = { ...p, score: Math.round(peerScore(this.p2p!, p.id) * 100) / 100 }
          return rr ? { ...scored, reqresp: rr } : scored
        })
      : []
  }

  snapshot(): ClientSnapshot {
    return {
      chain: { l2ChainId: this.config.l2ChainId, l1ChainId: this.config.l1.chainId, rollup: this.config.l1.rollup },
      tips: this.engine.getTips(),
      latest: this.engine.latest(25),
      reorgs: this.engine.getReorgs(),
      sources: {
        gossip: this.gossipStats.snapshot(),
        l1: this.l1.stats.snapshot(),
        ...(this.l2rpc ? { [this.l2rpc.stats.name]: this.l2rpc.stats.snapshot() } : {}),
        [this.reqresp.stats.name]: this.reqresp.stats.snapshot(),
        ...(this.fileStore ? { [this.fileStore.stats.name]: this.fileStore.stats.snapshot() } : {}),
        ...(this.beacon ? { [this.beacon.stats.name]: this.beacon.stats.snapshot() } : {}),
        [this.reexec.stats.name]: this.reexec.stats.snapshot(),
        ...(this.snapshots && this.opts.fromSnapshot ? { [this.snapshots.stats.name]: this.snapshots.stats.snapshot() } : {}),
      },
      peers: this.peers(),
      counts: this.engine.getCounts(),
      failures: this.engine.getFailures(),
      evidence: this.engine.getEvidence(),
      l1: this.engine.getL1(),
      restoredFromStore: this.engine.restoredFromStore,
      sync: this.syncer.progress(),
      bodies: this.bodies.progress(),
      snapshotStart: this.snapshotImport && this.snapshotImport.ms > 0 ? { ...this.snapshotImport } : null,
      history: this.historyProgress(),
      startedAt: this.startedAt,
      updatedAt: Date.now(),
    }
  }

  /** How far history sync has come: the L1 scan and the live blocks held (explorer progress bar). */
  historyProgress(): NonNullable<ClientSnapshot['history']> {
    const { deployBlock, cursor } = this.engine.getL1Cursor()
    const counts = this.engine.getCounts()
    const tips = this.engine.getTips()
    return {
      l1: { from: deployBlock, cursor, head: this.engine.getL1().head },
      blocks: { held: counts.proposed + counts.attested + counts.mined + counts.finalized, tipHeight: tips.proposed?.height ?? null },
    }
  }

  /**
   * A block's body, verified against its header (docs/bodies.md): from the store in full
   * mode, else fetched now from file store / beacon blobs / re-execution / req/resp. Throws a
   * VigilError: NOT_FOUND (header unknown), BODY_UNAVAILABLE (no source had a body that
   * verified), SOURCE_TIMEOUT, ABORTED.
   */
  fetchBody(hash: Hex, opts: AbortOptions & { timeoutMs?: number } = {}): Promise<FetchedBody> {
    return this.bodies.fetchBody(hash, opts)
  }

  /**
   * Equivocation evidence held in the store, newest first (double proposals, double checkpoint
   * proposals, conflicting attestations; see EvidenceRecord). At most `limit` (default 100, max 1000).
   */
  evidence(opts: { limit?: number } = {}): Promise<EvidenceRecord[]> {
    return this.store.recentEvidence(Math.max(1, Math.min(1000, opts.limit ?? 100)))
  }

  /** Calls `fn` with a fresh snapshot on every change (throttled); returns the unsubscribe function. */
  subscribe(fn: (s: ClientSnapshot) => void): () => void {
    this.listeners.add(fn)
    fn(this.snapshot())
    return () => this.listeners.delete(fn)
  }

  private schedulePush(): void {
    if (this.pushTimer || this.listeners.size === 0 || this.abort.signal.aborted) return
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null
      const s = this.snapshot()
      for (const fn of this.listeners) fn(s)
    }, this.opts.throttleMs ?? 100)
  }

  async stop(): Promise<void> {
    this.abort.abort()
    if (this.pushTimer) clearTimeout(this.pushTimer)
    await this.l1Loop
    await this.backupLoop
    await this.syncer.stop()
    await this.bodies.stop()
    this.reqresp.detach()
    await this.p2pStarting
    await this.p2p?.stop()
    this.p2p = null
    this.store.close()
    // events during the stops above (peer:disconnect, stats) may have scheduled a push: no timer outlives stop()
    if (this.pushTimer) clearTimeout(this.pushTimer)
    this.pushTimer = null
  }
}
