/**
 * What the devnet's parts share: its options, the endpoints file it writes, the events it
 * announces and the context every service is handed. Services (src/devnet/services/*) and
 * the proposer's fault knobs import this module; src/devnet/network.ts builds the context and
 * starts the services, and nothing here imports network.ts or a service (no import circle).
 */
import { EventEmitter } from 'node:events'
import type { PublicClient } from 'viem'
import type { Address, Hex } from '../core/types'
import type { Logger } from '../core/logger'
import type { topics as topicsFor } from '../protocol/topics'
import type { Schedule } from '../protocol/schedule'
import type { SigningDomain } from '../protocol/domain'
import type { ClientConfig } from '../core/config'
import type { P2PNode } from '../p2p/node'
import type { ChainBuilder, BuiltBlock, BuiltCheckpoint, Validator } from './builder'
import type { Gateway } from './gateway'
import type { FaultLog } from './faults'

export interface DevnetOptions {
  slotSeconds: number
  blocksPerSlot: number
  committeeSize: number
  /** Validators registered (≥ committee size; the committee is sampled from them). */
  validators: number
  epochSlots: number
  l2ChainId: number
  /** Where to write the endpoints (the client config superset). */
  outPath: string | null
  appUrl?: string
  /** anvil's `--slots-in-an-epoch`: its `finalized` tag trails `latest` by 2 × this many blocks. */
  l1SlotsInEpoch: number
  /** Fault knobs active from the start (`--fault NAME`, repeatable). */
  faults: string[]
  /** Snapshot interval (`--snapshot-every 4` checkpoints or `30s`); default every 4 checkpoints (services/snapshots.ts). */
  snapshotEvery?: { checkpoints: number } | { seconds: number }
  /** Mined checkpoints per snapshot (`--snapshot-window N`, default 16). */
  snapshotWindow?: number
  logger?: Logger
}

/** `.vigil/devnet.json`: a ClientConfig plus what tools and tests need to find the devnet's parts. */
export interface DevnetInfo extends ClientConfig {
  devnet: {
    pid: number
    anvilPid: number
    rpcUrl: string
    gatewayUrl: string
    appUrl: string | null
    slotSeconds: number
    blocksPerSlot: number
    committeeSize: number
    epochSlots: number
    genesisTime: number
    startedAt: number
    /** Loopback admin endpoint (fault knobs; src/devnet/services/admin.ts). */
    adminUrl?: string
    /** The L1 RPCs of `l1.rpcUrls` and what each does under the faults active at start (src/devnet/services/l1-rpcs.ts). */
    l1Rpcs?: { url: string; role: L1RpcRole }[]
  }
  /** The devnet's req/resp full nodes (src/devnet/services/full-nodes.ts); their addrs are also in `bootstrap`. */
  fullNodes?: { kind: 'archival' | 'pruned'; peerId: string; addrs: string[]; window: number | null }[]
}

/** An L1 RPC of the devnet: honest, or the one a fault acts on (lying-l1-rpc, l1-rpc-hides-checkpoint, l1-rpc-down). */
export type L1RpcRole = 'honest' | 'liar' | 'hider' | 'down'

/** What the devnet announces as it runs; services (file store, full nodes, faults, …) listen. */
export type DevnetEvents = {
  /** A block was built (before it is gossiped; `withheld` services may look at ctx.faults). */
  block: [BuiltBlock]
  /** A checkpoint landed on L1. */
  checkpoint: [{ built: BuiltCheckpoint; blocks: BuiltBlock[]; l1: { blockNumber: number; blockHash: Hex; txHash: Hex } }]
  /** A checkpoint could not be posted; its blocks will be orphaned. */
  'checkpoint-failed': [{ blocks: BuiltBlock[]; error: string }]
  /** The L1 dropped blocks (fault l1-reorg): checkpoints in them are gone until re-posted ('checkpoint' again). */
  'l1-reorg': [{ depth: number; fromBlock: number; droppedCheckpoints: number[] }]
}

/**
 * Everything a devnet service needs. Services are functions `(ctx) => Promise<void>` listed
 * in src/devnet/services/index.ts; they start after the core network is up and before the
 * endpoints are written, may add fields to `ctx.info`, routes to `ctx.gateway`, and register
 * their cleanup with `ctx.onStop`.
 */
export interface DevnetContext {
  opts: DevnetOptions
  log: Logger
  signal: AbortSignal
  rpcUrl: string
  beaconUrl: string
  rollup: Address
  deployBlock: number
  domain: SigningDomain
  schedule: Schedule
  l1: PublicClient
  validators: Validator[]
  builder: ChainBuilder
  gateway: Gateway
  nodes: { bootstrap: P2PNode; proposer: P2PNode; validators: P2PNode }
  topics: ReturnType<typeof topicsFor>
  /** ws multiaddrs of the bootstrap node (what devnet-side nodes dial). */
  bootstrapWs: string[]
  /** Active fault knobs (see src/devnet/faults.ts when present); services consult it. */
  faults: Set<string>
  /** What faults made the devnet do (served by the admin endpoint). */
  faultLog: FaultLog
  events: TypedEmitter<DevnetEvents>
  info: DevnetInfo
  committeeOf(epoch: number): Promise<Validator[]>
  proposerOf(slot: number): Promise<{ proposer: Validator; committee: Validator[] }>
  onStop(fn: () => Promise<void>): void
}

export type DevnetService = (ctx: DevnetContext) => Promise<void>

/** A typed EventEmitter. */
export class TypedEmitter<E extends Record<string, unknown[]>> {
  private readonly ee = new EventEmitter()
  constructor() {
    this.ee.setMaxListeners(64)
  }
  on<K extends keyof E & string>(name: K, fn: (...args: E[K]) => void): () => void {
    this.ee.on(name, fn as (...a: unknown[]) => void)
    return () => this.ee.off(name, fn as (...a: unknown[]) => void)
  }
  emit<K extends keyof E & string>(name: K, ...args: E[K]): void {
    this.ee.emit(name, ...args)
  }
}
