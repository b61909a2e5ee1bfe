import type { Libp2p } from '@libp2p/interface'
import { VigilError, toErrorRecord } from '../../core/errors'
import { createLogger, type Logger } from '../../core/logger'
import { Components, type Startable } from '../../core/lifecycle'
import { Loop } from '../../core/loop'
import type { AbortOptions, Hex } from '../../core/types'
import type { Topics } from '../../protocol/topics'
import type { SigningDomain } from '../../protocol/domain'
import { DexieChainStore } from '../../store/chain-store'
import { dbNameFor, type IndexedDbImpl } from '../../store/db'
import type { ProvenL1 } from '../../sources/l1-proven'
import type { LightClientAnchor } from '../../sources/l1-anchor-lc'
import type { StatsRecorder } from '../../sources/stats'
import type { SyncEngine } from '../../sync/engine'
import type { L2RpcSource } from '../../sources/l2rpc'
import { verifySnapshot, type SnapshotSource } from '../../sources/snapshot'
import { runBackupSync, type BackupSyncQueue } from '../../sync/backup'
import type { ReqRespSource } from '../../sources/reqresp'
import type { Syncer } from '../../sync/syncer'
import { initCrypto } from '../../verify/secp256k1'
import type { BodyPipeline, FetchedBody } from '../../sync/bodies'
import type { FileStoreSource } from '../../sources/filestore'
import type { BeaconSource } from '../../sources/beacon'
import type { ReexecSource } from '../../sources/reexec'
import { MAX_GOSSIP_MESSAGE_BYTES, createP2PNode, peerScore, peerSummaries, subscribeTopic } from '../../p2p/node'
import type { ClientConfig } from '../shared/config'
import { RemoteNode, type PageNet, type PeerEvent } from '../../p2p/bridge'
import type { ChainServer, ServedEvent } from '../../p2p/protocols/common'
import { serveChain } from '../../p2p/protocols'
import type { ClientSnapshot, EvidenceRecord, PeerSummary, SnapshotStart } from '../shared/types'
import { composeClient, type GossipHandler, type GossipVerdict } from './compose'
import type { Explorer } from './explorer'

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
   * The tab's libp2p node lives on the page (src/client/page/page-p2p.ts): no node here; the page
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

/** Every default of the client's options and timings, in one place. */
export const LIGHT_CLIENT_DEFAULTS = {
  p2pRole: 'client-node',
  /** Snapshot push throttle. */
  throttleMs: 100,
  /** L1 poll interval when config.l1PollMs is absent. */
  l1PollMs: 1_000,
  /** The L1 loop's backoff after failed polls: from twice the poll interval up to this. */
  l1BackoffMaxMs: 15_000,
  /** Backup sync polls at the L1 poll interval, at most this. */
  backupPollMaxMs: 1_000,
  /** How long a snapshot start may take (fetch, verify, import) before syncing from genesis. */
  snapshotTimeoutMs: 120_000,
  /** How long Verify now / the explorer wait for a body fetched on demand. */
  explorerBodyTimeoutMs: 20_000,
  /** Peers listed from the page's node (pageP2P). */
  maxPagePeers: 1024,
} as const

/** LightClientOptions resolved once, with the defaults above filled in. */
interface Resolved {
  p2p: 'libp2p' | 'page' | 'none'
  p2pRole: 'client-node' | 'client-worker'
  throttleMs: number
  l1PollMs: number
  l1BackoffMaxMs: number
  backupPollMs: number
  fromSnapshot: boolean
  snapshotMaxAgeMs: number | undefined
  snapshotTimeoutMs: number
  explorerBodyTimeoutMs: number
  reqresp: NonNullable<LightClientOptions['reqresp']>
}

function resolveOptions(config: ClientConfig, opts: LightClientOptions): Resolved {
  const d = LIGHT_CLIENT_DEFAULTS
  const l1PollMs = config.l1PollMs ?? d.l1PollMs
  return {
    p2p: opts.pageP2P ? 'page' : opts.noP2P ? 'none' : 'libp2p',
    p2pRole: opts.p2pRole ?? d.p2pRole,
    throttleMs: opts.throttleMs ?? d.throttleMs,
    l1PollMs,
    l1BackoffMaxMs: d.l1BackoffMaxMs,
    backupPollMs: Math.min(d.backupPollMaxMs, l1PollMs),
    fromSnapshot: opts.fromSnapshot === true,
    // absent: verifySnapshot's own default (one day)
    snapshotMaxAgeMs: opts.snapshotMaxAgeMs || undefined,
    snapshotTimeoutMs: d.snapshotTimeoutMs,
    explorerBodyTimeoutMs: d.explorerBodyTimeoutMs,
    reqresp: opts.reqresp ?? {},
  }
}

/**
 * The light client: one SyncEngine fed by gossip (libp2p) and the L1 (viem), persisted in
 * IndexedDB (Dexie). Runs in a Web Worker (behind comlink) and in Node (CLI, tests). Its
 * parts are built by `composeClient` (./compose.ts); this class runs them: `start()` starts
 * them in order (body pipeline, L1 loop, backup sync, p2p + syncer), `stop()` stops them in
 * reverse order and closes the store last.
 */
export class LightClient {
  readonly engine: SyncEngine
  readonly l1: ProvenL1
  /** The consensus light client anchor (config.beaconLightClient); null when not configured. */
  readonly lightClient: LightClientAnchor | null
  readonly gossipStats: StatsRecorder
  /** Trusted L2 RPC for backup sync (config.l2RpcUrl), and the snapshot source; null when not configured. */
  readonly l2rpc: L2RpcSource | null
  readonly snapshots: SnapshotSource | null
  readonly backupQueue: BackupSyncQueue | null
  /** Req/resp peers (status, headers by range, bodies by hash) and the syncer that fills gaps from them. */
  readonly reqresp: ReqRespSource
  readonly syncer: Syncer
  /** Bodies (docs/bodies.md): the pipeline and its sources (file store and beacon null when not configured). */
  readonly bodies: BodyPipeline
  readonly fileStore: FileStoreSource | null
  readonly beacon: BeaconSource | null
  readonly reexec: ReexecSource
  /** Read-only queries and Verify now over this client's store and sources. */
  readonly explorer: Explorer
  /** The page's node as the req/resp source sees it (src/p2p/bridge.ts; pageP2P). */
  readonly remote = new RemoteNode()
  /** What the snapshot start imported (null: not used, or rejected). */
  snapshotImport: SnapshotStart | null = null
  /** What this client's own libp2p node served to other peers (req/resp in; the page counts its own under pageP2P). */
  readonly served: { requests: number; items: number; byProtocol: Record<ServedEvent['protocol'], number> } = { requests: 0, items: 0, byProtocol: { status: 0, headers_by_range: 0, bodies_by_hash: 0 } }

  private readonly o: Resolved
  private readonly log: Logger
  private readonly topics: Topics
  private readonly domain: SigningDomain
  private readonly gossip: ReadonlyMap<string, GossipHandler>
  private readonly server: ChainServer
  private readonly abort = new AbortController()
  private readonly components = new Components()
  private readonly listeners = new Set<(s: ClientSnapshot) => void>()
  private pushTimer: ReturnType<typeof setTimeout> | null = null
  private readonly startedAt = Date.now()
  private readonly l1Loop: Loop
  private p2p: Libp2p | null = null
  /** Unregisters the req/resp responders of the own node (serveChain). */
  private unserve: (() => Promise<void>) | null = null
  /** The start in progress: stop() waits for it, so nothing starts after the stop. */
  private starting: Promise<void> | null = null
  private pagePeers: PeerSummary[] = []

  private constructor(
    readonly config: ClientConfig,
    readonly store: DexieChainStore,
    opts: LightClientOptions,
  ) {
    this.o = resolveOptions(config, opts)
    this.log = opts.logger ?? createLogger('vigil')
    // stop() aborts L1 requests in flight: a long first catch-up must not hold stop (or the process) open
    const parts = composeClient(config, store, { logger: this.log, signal: this.abort.signal, explorerBodyTimeoutMs: this.o.explorerBodyTimeoutMs, reqresp: this.o.reqresp }, () => this.schedulePush())
    this.engine = parts.engine
    this.l1 = parts.l1
    this.lightClient = parts.lightClient
    this.gossipStats = parts.gossipStats
    this.l2rpc = parts.l2rpc
    this.snapshots = parts.snapshots
    this.backupQueue = parts.backupQueue
    this.reqresp = parts.reqresp
    this.syncer = parts.syncer
    this.bodies = parts.bodies
    this.fileStore = parts.fileStore
    this.beacon = parts.beacon
    this.reexec = parts.reexec
    this.explorer = parts.explorer
    this.topics = parts.topics
    this.domain = parts.domain
    this.gossip = parts.gossip
    this.server = parts.chainServer
    this.l1Loop = new Loop({
      name: 'l1',
      step: async (signal) => {
        await this.engine.pollL1({ signal })
        return this.o.l1PollMs
      },
      backoff: { baseMs: 2 * this.o.l1PollMs, maxMs: this.o.l1BackoffMaxMs },
      onError: (e) => {
        const rec = toErrorRecord(e)
        this.log(`L1 poll failed (${rec.code}): ${rec.message}`)
      },
    })
    // opened before everything else runs: closed after everything else stopped
    this.components.adopt('store', () => this.store.close())
  }

  /** Opens the store and restores the stored tips; nothing is fetched yet. */
  static async open(config: ClientConfig, opts: LightClientOptions = {}): Promise<LightClient> {
    const store = await DexieChainStore.open(opts.storeName ?? dbNameFor(config.l2ChainId, config.l1.rollup), opts.indexedDB)
    const client = new LightClient(config, store, opts)
    await client.engine.restore()
    return client
  }

  /** Starts syncing: bodies, L1 polling (after the snapshot start, if asked), backup sync and (unless disabled) p2p gossip. Returns at once. */
  start(): Promise<void> {
    return (this.starting ??= this.startComponents())
  }

  private async startComponents(): Promise<void> {
    await initCrypto()
    const c = this.components
    const run = async (name: string, component: Startable) => {
      if (!this.abort.signal.aborted) await c.start(name, component)
    }
    await run('bodies', this.bodies)
    await run('l1', this.l1Component())
    const backup = this.backupComponent()
    if (backup) await run('backup', backup)
    if (this.o.p2p === 'page') {
      if (this.abort.signal.aborted) return
      this.reqresp.attach(this.remote as unknown as Libp2p)
      c.adopt('reqresp', () => this.reqresp.detach())
      await run('syncer', this.syncer)
    } else if (this.o.p2p === 'libp2p') await run('p2p', this.p2pComponent())
  }

  /** The L1 follower: the snapshot start first (when asked), then the L1 loop. */
  private l1Component() {
    let first: Promise<void> = Promise.resolve()
    return {
      start: () => {
        first = (this.o.fromSnapshot ? this.startFromSnapshot() : Promise.resolve()).then(() => {
          if (!this.abort.signal.aborted) this.l1Loop.start()
        })
      },
      stop: async () => {
        await first
        await this.l1Loop.stop()
      },
    }
  }

  /** Backup sync from the trusted L2 RPC (docs/backup-sync.md); null when not configured. */
  private backupComponent() {
    const { l2rpc, backupQueue: queue, engine } = this
    if (!l2rpc || !queue) return null
    let done: Promise<void> = Promise.resolve()
    return {
      start: () => {
        done = runBackupSync({
          fetcher: l2rpc,
          queue,
          missing: (from, to, max) => engine.canonicalGaps(from, to, max),
          settledHeight: () => engine.getTips().mined?.height ?? 0,
          ready: () => engine.getL1().head !== null,
          pollMs: this.o.backupPollMs,
          signal: this.abort.signal,
          logger: this.log.child('backup'),
        }).catch((e) => this.log.error('backup sync stopped', e))
      },
      // ends on the client's abort signal (stop() aborts first)
      stop: () => done,
    }
  }

  /** The libp2p node (created in the background: start() returns before it is up), the req/resp source on it and the syncer. */
  private p2pComponent() {
    let starting: Promise<void> = Promise.resolve()
    return {
      start: () => {
        starting = this.startP2P().catch((e) => {
          if (!this.abort.signal.aborted) this.log.error('p2p failed to start', e)
        })
      },
      stop: async () => {
        await this.syncer.stop()
        this.reqresp.detach()
        await starting
        await this.unserve?.().catch(() => undefined)
        this.unserve = null
        await this.p2p?.stop()
        this.p2p = null
      },
    }
  }

  private async startP2P(): Promise<void> {
    const node = await createP2PNode({
      role: this.o.p2pRole,
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
    // the transport's cap is the router's; each topic's own cap is a coded rule in the engine (MESSAGE_TOO_LARGE, with the peer)
    for (const [topic, handler] of this.gossip) subscribeTopic(node, topic, (data, from) => handler(data, from.toString()), { maxBytes: MAX_GOSSIP_MESSAGE_BYTES })
    this.reqresp.attach(node)
    // req/resp in (issue 12 item 4: a `vigil sync` peer gives back): the same responders, caps and
    // per-peer rate limits as the page's node and the devnet's (serveChain), answered from this store
    // (serving is a courtesy: a failure to register is logged and the client syncs anyway)
    this.unserve = await serveChain(node, this.config.l2ChainId, this.server, {
      onServed: (ev) => {
        this.served.requests++
        this.served.items += ev.served
        this.served.byProtocol[ev.protocol]++
      },
    }).catch((e: unknown) => {
      this.log.error('req/resp responders not registered', e)
      return null
    })
    if (this.abort.signal.aborted) return
    this.syncer.start()
    // transactions for re-execution: full mode only (light clients skip the tx topic's traffic)
    if (this.config.mode === 'full') this.reexec.attach(node, this.topics)
    node.addEventListener('peer:connect', () => this.schedulePush())
    node.addEventListener('peer:disconnect', () => this.schedulePush())
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
      const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.snapshotTimeoutMs)])
      const t0 = performance.now()
      const fetched = await src.latest({ signal })
      const seg = await verifySnapshot(fetched.snapshot, this.l1, { domain: this.domain, l2ChainId: this.config.l2ChainId, entry: fetched.entry, signal, ...(this.o.snapshotMaxAgeMs ? { maxAgeMs: this.o.snapshotMaxAgeMs } : {}) })
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

  // ---------------------------------------------------------------- the page's node (pageP2P)

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
    this.pagePeers = peers.slice(0, LIGHT_CLIENT_DEFAULTS.maxPagePeers)
    this.schedulePush()
  }

  /** A gossip message the page's node received: verified here; the verdict drives gossipsub's validation on the page. */
  deliverGossip(topic: string, data: Uint8Array, from?: string): Promise<GossipVerdict> {
    const handler = this.gossip.get(topic)
    return handler ? handler(data, from) : Promise.resolve('ignore')
  }

  /** What this client serves to other peers (status, headers by range, bodies by hash). */
  chainServer(): ChainServer {
    return this.server
  }

  peers(): PeerSummary[] {
    if (!this.p2p && this.o.p2p === 'page')
      return this.pagePeers.map((p) => {
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
        ...Object.fromEntries(this.l1.stats.map((st) => [st.name, st.snapshot()])),
        ...(this.lightClient ? { [this.lightClient.stats.name]: this.lightClient.stats.snapshot() } : {}),
        ...(this.l2rpc ? { [this.l2rpc.stats.name]: this.l2rpc.stats.snapshot() } : {}),
        [this.reqresp.stats.name]: this.reqresp.stats.snapshot(),
        ...(this.fileStore ? { [this.fileStore.stats.name]: this.fileStore.stats.snapshot() } : {}),
        ...(this.beacon ? { [this.beacon.stats.name]: this.beacon.stats.snapshot() } : {}),
        [this.reexec.stats.name]: this.reexec.stats.snapshot(),
        ...(this.snapshots && this.o.fromSnapshot ? { [this.snapshots.stats.name]: this.snapshots.stats.snapshot() } : {}),
      },
      peers: this.peers(),
      counts: this.engine.getCounts(),
      failures: this.engine.getFailures(),
      evidence: this.engine.getEvidence(),
      l1: this.engine.getL1(),
      trust: this.l1.trustView(),
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
    }, this.o.throttleMs)
  }

  /** Aborts everything in flight, stops the components in reverse start order, closes the store. */
  async stop(): Promise<void> {
    this.abort.abort()
    if (this.pushTimer) clearTimeout(this.pushTimer)
    await this.starting?.catch(() => undefined)
    const failed = await this.components.stopAll()
    for (const { name, error } of failed) this.log.error(`${name} failed to stop`, error)
    // events during the stops above (peer:disconnect, stats) may have scheduled a push: no timer outlives stop()
    if (this.pushTimer) clearTimeout(this.pushTimer)
    this.pushTimer = null
  }
}
