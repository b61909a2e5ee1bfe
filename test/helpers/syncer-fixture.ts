/**
 * The syncer's unit-test bench: real SyncEngine over Dexie (fake-indexeddb), real signed
 * chains (ChainBuilder, 4 blocks per slot, each signed by its slot's proposer), devnet ChainDbs
 * as peers behind an in-memory HeaderExchange, and an L1 port that can be switched down.
 * Used by test/unit/syncer.test.ts and test/unit/syncer-trusted.test.ts.
 */
import { expect } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { VigilError } from '../../src/core/errors'
import { createLogger } from '../../src/core/logger'
import type { Address, Hex } from '../../src/core/types'
import { ChainBuilder, validatorKeys, type BuiltBlock, type BuilderTip } from '../../src/devnet/builder'
import { ChainDb } from '../../src/devnet/chain-db'
import { slotProposer } from '../../src/protocol/schedule'
import type { SignedHeader } from '../../src/protocol/signed-header'
import { DexieChainStore } from '../../src/store/chain-store'
import { StatsRecorder } from '../../src/sources/stats'
import { SyncEngine } from '../../src/sync/engine'
import { MemoryL1 } from './memory-l1'
import { waitFor } from './wait'
import { Syncer, type HeaderExchange, type SyncerOptions, type TrustedHeader } from '../../src/sync/syncer'

export const L2 = 7771
const EPOCH = 8
const rollup = '0x00000000000000000000000000000000000000aa' as Address
const domain = { l1ChainId: 31337, rollup }
const validators = validatorKeys(4)
const committee = validators.map((v) => v.address.toLowerCase() as Address)

/** A chain of `n` blocks (4 per slot) continuing `tip`, each signed by its slot's proposer. */
export function buildChain(n: number, seed: string, tip?: BuilderTip, firstSlot = 1): BuiltBlock[] {
  const b = new ChainBuilder(domain, L2, { seed, ...(tip ? { tip } : {}) })
  const out: BuiltBlock[] = []
  for (let i = 0; i < n; i++) {
    const slot = firstSlot + Math.floor(i / 4)
    const address = slotProposer(rollup, L2, Math.floor(slot / EPOCH), slot, committee)
    const proposer = validators.find((v) => v.address.toLowerCase() === address)!
    // timestamps inside their slot (genesisTime 0, 2 s slots): the gossip rules check it
    out.push(b.buildBlock({ slot, indexInCheckpoint: i % 4, proposer, timestamp: slot * 2000 + (i % 4) }))
    // one checkpoint per slot (what buildCheckpoint does, without the blobs)
    if (i % 4 === 3) b.tip = { ...b.tip, checkpointNumber: b.tip.checkpointNumber + 1 }
  }
  return out
}
export const tipOf = (b: BuiltBlock): BuilderTip => ({ hash: b.hash, height: b.header.height, stateRoot: b.header.stateRoot, checkpointNumber: b.header.checkpointNumber })
export const trustOf = (b: BuiltBlock): TrustedHeader => ({ height: b.header.height, hash: b.hash })
/** A full node's store holding `blocks` (pruned to the last `window` heights when given). */
export const dbOf = (blocks: BuiltBlock[], window?: number) => {
  const db = new ChainDb(window ? { headerWindow: window, bodyWindow: window } : {})
  for (const x of blocks) db.add({ header: x.header, hash: x.hash, signature: x.proposal.signature, bodyBytes: x.bodyBytes })
  return db
}

/**
 * An exchange over in-memory peers (asked in insertion order; penalised ones are skipped
 * everywhere), with a little latency so requests overlap; records every request and penalty.
 */
export class MemoryExchange implements HeaderExchange {
  readonly name = 'reqresp'
  readonly requests: { peer: string; from: number; count: number }[] = []
  readonly penalized: { peer: string; code: string }[] = []
  inflight = 0
  maxInflight = 0
  private readonly listeners = new Set<() => void>()
  constructor(
    readonly peers: Map<string, { db: ChainDb; tamper?: (s: SignedHeader) => SignedHeader }>,
    private readonly latencyMs = 5,
  ) {}
  private usable() {
    return [...this.peers].filter(([id]) => !this.penalized.some((p) => p.peer === id))
  }
  networkHead() {
    let best: { height: number; hash: Hex } | null = null
    for (const [, p] of this.usable()) {
      const s = p.db.status()
      if (s.latest > (best?.height ?? 0)) best = { height: s.latest, hash: s.headHash }
    }
    return best
  }
  earliestAvailable(from: number): number | null {
    let lo: number | null = null
    for (const [, p] of this.usable()) {
      const s = p.db.status()
      if (s.latest >= from) lo = Math.min(lo ?? Infinity, Math.max(from, s.earliestHeader))
    }
    return lo
  }
  async headersByRange(from: number, count: number) {
    expect(count).toBeLessThanOrEqual(64)
    const hit = this.usable().find(([, p]) => p.db.status().earliestHeader <= from && from <= p.db.status().latest)
    if (!hit) throw new VigilError('NO_PEER_FOR_RANGE', `nobody has ${from}`, { severity: 'soft' })
    const [id, p] = hit
    this.requests.push({ peer: id, from, count })
    this.inflight++
    this.maxInflight = Math.max(this.maxInflight, this.inflight)
    await new Promise((r) => setTimeout(r, this.latencyMs))
    this.inflight--
    return { peer: id, headers: p.db.headersByRange(from, count).map((s) => (p.tamper ? p.tamper(s) : s)) }
  }
  penalize(peer: string, error: unknown): void {
    this.penalized.push({ peer, code: (error as VigilError).code })
  }
  onStatus(fn: () => void) {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }
  announce(): void {
    for (const fn of this.listeners) fn()
  }
}

/** The L1 as the engine sees it: committee and parameters, no mined checkpoints; `down` makes every read fail softly. */
export const l1Control = new MemoryL1({ l2ChainId: L2, genesisTime: 0, slotDuration: 2, epochDuration: EPOCH, targetCommitteeSize: 4 }, committee)
const l1 = l1Control

const running: { syncer: Syncer; store: DexieChainStore }[] = []
let n = 0

/** A fresh store, engine and syncer over `exchange` (short idle and retry times); stopped by `stopAllSyncers`. */
export async function setupSyncer(exchange: MemoryExchange, opts: Partial<SyncerOptions> = {}) {
  const store = await DexieChainStore.open(`syncer-${n++}`, { indexedDB: new IDBFactory(), IDBKeyRange })
  const stats = new StatsRecorder('reqresp', 'reqresp')
  const engine = new SyncEngine({ store, l1, gossipStats: new StatsRecorder('gossip', 'gossip'), domain, l2ChainId: L2, deployBlock: 0, mode: 'light' })
  engine.registerSource(stats)
  const listeners = new Set<() => void>()
  const trail: string[] = []
  const notify = () => {
    if (process.env.SYNC_TRAIL) trail.push(JSON.stringify({ ...syncer.progress(), lastFill: undefined }))
    listeners.forEach((f) => f())
  }
  engine.onChange(notify)
  const syncer = new Syncer({ engine, exchange, ...(process.env.SYNC_LOG ? { logger: createLogger('syncer', true) } : {}), idleMs: 100, retryBaseMs: 50, retryMaxMs: 200, ...opts })
  syncer.onChange(notify)
  running.push({ syncer, store })
  /** Resolves when `pred` holds, checked on every engine or syncer change. */
  const until = (pred: () => boolean, what: string, ms = 15_000) =>
    waitFor({
      subscribe: (wake) => {
        listeners.add(wake)
        return () => listeners.delete(wake)
      },
      check: pred,
      timeoutMs: ms,
      what,
      context: () => `progress ${JSON.stringify(syncer.progress())}; requests ${JSON.stringify(exchange.requests.slice(-5))}\n${trail.slice(-8).join('\n')}`,
    }).then(() => undefined)
  return { engine, syncer, stats, until }
}

/** afterEach: stops every syncer `setupSyncer` made, closes its store, and brings the L1 back. */
export async function stopAllSyncers(): Promise<void> {
  l1Control.down = false
  for (const r of running.splice(0)) {
    await r.syncer.stop()
    r.store.close()
  }
}
