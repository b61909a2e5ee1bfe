import type { Libp2p } from '@libp2p/interface'
import { toErrorRecord } from '../core/errors'
import { createLogger, type Logger } from '../core/logger'
import { delay } from '../core/abort'
import type { Address } from '../core/types'
import { topics } from '../protocol/topics'
import type { SigningDomain } from '../protocol/domain'
import { ChainStore } from '../store/chain-store'
import { dbNameFor, type IndexedDbImpl } from '../store/db'
import { L1Source } from '../sources/l1'
import { StatsRecorder } from '../sources/stats'
import { SyncEngine } from '../sync/engine'
import { initCrypto } from '../verify/secp256k1'
import { createP2PNode, peerSummaries, subscribeTopic } from '../p2p/node'
import type { ClientConfig } from './config'
import type { ClientSnapshot, PeerSummary } from './types'

export interface LightClientOptions {
  /** IndexedDB implementation (fake-indexeddb under Node); the global one when absent. */
  indexedDB?: IndexedDbImpl
  /** Store name; defaults to one per chain and rollup. */
  storeName?: string
  /** Which libp2p transports to use: a worker has WebSockets only. */
  p2pRole?: 'client-node' | 'client-worker'
  /** Start without libp2p (L1 only). */
  noP2P?: boolean
  logger?: Logger
  /** Snapshot push throttle (ms). */
  throttleMs?: number
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

  private constructor(
    readonly config: ClientConfig,
    readonly store: ChainStore,
    private readonly opts: LightClientOptions,
  ) {
    this.log = opts.logger ?? createLogger('vigil')
    this.l1 = new L1Source(config.l1.rollup, config.l1.rpcUrls)
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
    this.l1.stats.onChange = () => this.schedulePush()
    this.gossipStats.onChange = () => this.schedulePush()
  }

  /** Opens the store and restores the stored tips; nothing is fetched yet. */
  static async open(config: ClientConfig, opts: LightClientOptions = {}): Promise<LightClient> {
    const store = await ChainStore.open(opts.storeName ?? dbNameFor(config.l2ChainId, config.l1.rollup), opts.indexedDB)
    const client = new LightClient(config, store, opts)
    await client.engine.restore()
    return client
  }

  /** Starts syncing: L1 polling and (unless disabled) libp2p gossip. Returns at once. */
  async start(): Promise<void> {
    await initCrypto()
    this.l1Loop = this.runL1Loop()
    if (!this.opts.noP2P) void this.startP2P().catch((e) => this.log.error('p2p failed to start', e))
  }

  private async startP2P(): Promise<void> {
    const node = await createP2PNode({ role: this.opts.p2pRole ?? 'client-node', bootstrap: this.config.bootstrap, logger: this.log.child('p2p') })
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
    node.addEventListener('peer:connect', () => this.schedulePush())
    node.addEventListener('peer:disconnect', () => this.schedulePush())
  }

  private async runL1Loop(): Promise<void> {
    const signal = this.abort.signal
    const every = this.config.l1PollMs ?? 1000
    let failures = 0
    while (!signal.aborted) {
      try {
        await this.engine.pollL1()
        failures = 0
      } catch (e) {
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

  peers(): PeerSummary[] {
    return this.p2p ? peerSummaries(this.p2p) : []
  }

  snapshot(): ClientSnapshot {
    return {
      chain: { l2ChainId: this.config.l2ChainId, l1ChainId: this.config.l1.chainId, rollup: this.config.l1.rollup },
      tips: this.engine.getTips(),
      latest: this.engine.latest(25),
      reorgs: this.engine.getReorgs(),
      sources: { gossip: this.gossipStats.snapshot(), l1: this.l1.stats.snapshot() },
      peers: this.peers(),
      counts: this.engine.getCounts(),
      failures: this.engine.getFailures(),
      l1: this.engine.getL1(),
      restoredFromStore: this.engine.restoredFromStore,
      startedAt: this.startedAt,
      updatedAt: Date.now(),
    }
  }

  /** Calls `fn` with a fresh snapshot on every change (throttled); returns the unsubscribe function. */
  subscribe(fn: (s: ClientSnapshot) => void): () => void {
    this.listeners.add(fn)
    fn(this.snapshot())
    return () => this.listeners.delete(fn)
  }

  private schedulePush(): void {
    if (this.pushTimer || this.listeners.size === 0) return
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
    await this.p2p?.stop()
    this.p2p = null
    this.store.close()
  }
}
