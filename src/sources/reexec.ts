/**
 * Re-execution (seed 000): transactions travel on their own gossip topic and proposals carry
 * their blocks' tx hashes; holding a block's transactions, this source rebuilds its body with
 * the chain's deterministic execution (executeTx, encodeBody — the same function
 * verifyBodyFromTxs uses) and hands it to the body pipeline, which checks it against the
 * header like a body from any other source.
 *
 * Stats: `requests`/`bytes` count tx messages received; verdicts count rebuilt bodies
 * (accepted when they hash to the header's bodyHash). A proposal's tx hash list is not
 * signed, so a wrong list only yields a body that fails verification (rejected), never a
 * wrong body accepted.
 */
import type { Libp2p } from '@libp2p/interface'
import type { Hex } from '../core/types'
import { BODY_VERSION, encodeBody } from '../protocol/body'
import { headerHash } from '../protocol/header'
import { decodeProposal } from '../protocol/proposal'
import { decodeTx, executeTx, txHash, MAX_TX_PAYLOAD, type Tx } from '../protocol/tx'
import { TOPIC_MAX_BYTES, type Topics } from '../protocol/topics'
import { subscribeTopic } from '../p2p/node'
import { StatsRecorder } from './stats'
import type { BodySource } from '../ports/bodies'

export interface ReexecSourceOptions {
  /** Transactions kept (oldest dropped first). Default 32,768. */
  maxTxs?: number
  /** Blocks whose tx hash lists are kept. Default 4,096. */
  maxBlocks?: number
  name?: string
}

/** A bounded insertion-ordered map: the oldest entry goes when it is full. */
class Lru<K, V> extends Map<K, V> {
  constructor(private readonly cap: number) {
    super()
  }
  override set(k: K, v: V): this {
    if (!this.has(k) && this.size >= this.cap) this.delete(this.keys().next().value as K)
    return super.set(k, v)
  }
}

export class ReexecSource implements BodySource {
  readonly name: string
  readonly stats: StatsRecorder
  private readonly txs: Lru<Hex, Tx>
  /** block hash → its tx hashes, from proposals */
  private readonly blocks: Lru<Hex, Hex[]>
  /** tx hash → blocks waiting for it */
  private readonly waiting = new Map<Hex, Set<Hex>>()
  /** Told when every transaction of a noted block is held (so the pipeline can rebuild it at once). */
  private readonly readyListeners = new Set<(blockHash: Hex) => void>()

  /** Calls `fn` with each block whose transactions are now all held (its body can be rebuilt). Returns the unsubscribe. */
  onReady(fn: (blockHash: Hex) => void): () => void {
    this.readyListeners.add(fn)
    return () => this.readyListeners.delete(fn)
  }

  private announceReady(blockHash: Hex): void {
    for (const fn of this.readyListeners) fn(blockHash)
  }

  constructor(opts: ReexecSourceOptions = {}) {
    this.name = opts.name ?? 'reexec'
    this.stats = new StatsRecorder(this.name, 'reexec')
    this.txs = new Lru(opts.maxTxs ?? 32_768)
    this.blocks = new Lru(opts.maxBlocks ?? 4_096)
  }

  /** Subscribes to the tx topic and watches block proposals for their tx hashes. Returns the unsubscribe function. */
  attach(node: Libp2p, topics: Topics): () => void {
    const offTx = subscribeTopic(node, topics.tx, async (data) => this.addTx(data), { maxBytes: 64 + MAX_TX_PAYLOAD })
    // a second handler on the proposal topic: it only notes tx hashes and never weakens the engine's verdict
    const offProposal = subscribeTopic(
      node,
      topics.blockProposal,
      async (data) => {
        this.noteProposal(data)
        return 'accept'
      },
      // the topic's own cap (a coded rule in the engine); the router's default 1 MiB would refuse a full block
      { maxBytes: TOPIC_MAX_BYTES.blockProposal },
    )
    return () => {
      offTx()
      offProposal()
    }
  }

  /** A gossiped transaction: kept if it decodes ('accept'), 'reject' otherwise (hard: malformed). */
  addTx(data: Uint8Array): 'accept' | 'ignore' | 'reject' {
    let tx: Tx
    try {
      tx = decodeTx(data)
    } catch (e) {
      this.stats.failure(e)
      return 'reject'
    }
    this.stats.success(data.length, null)
    const h = txHash(tx)
    if (this.txs.has(h)) return 'ignore'
    this.txs.set(h, tx)
    const blocks = this.waiting.get(h)
    if (blocks) {
      this.waiting.delete(h)
      for (const b of blocks) if (this.ready(b)) this.announceReady(b)
    }
    return 'accept'
  }

  /** Notes a proposal's tx hashes (the proposal is verified by the engine, not here). Malformed bytes are ignored. */
  noteProposal(data: Uint8Array): void {
    let hash: Hex
    let txHashes: Hex[]
    try {
      const p = decodeProposal(data)
      hash = headerHash(p.header)
      txHashes = p.txHashes.map((t) => t.toLowerCase() as Hex)
    } catch {
      return
    }
    this.noteBlock(hash, txHashes)
  }

  /** Records that block `hash` holds `txHashes` (in body order). The first list seen for a block is kept. */
  noteBlock(hash: Hex, txHashes: Hex[]): void {
    if (this.blocks.has(hash)) return
    this.blocks.set(hash, txHashes)
    let missing = 0
    for (const t of txHashes) {
      if (this.txs.has(t)) continue
      missing++
      let set = this.waiting.get(t)
      if (!set) {
        if (this.waiting.size >= 65_536) this.waiting.clear() // bounded: waits for txs that never came are dropped
        set = new Set()
        this.waiting.set(t, set)
      }
      set.add(hash)
    }
    if (missing === 0) this.announceReady(hash)
  }

  /** True when block `hash` is known and all its transactions are held. */
  ready(hash: Hex): boolean {
    const list = this.blocks.get(hash)
    return !!list && list.every((t) => this.txs.has(t))
  }

  /** Rebuilds the bodies it can (all transactions held). Nothing is verified here; absent = cannot rebuild. */
  async fetchBodies(refs: { hash: Hex }[]): Promise<Map<Hex, Uint8Array>> {
    const out = new Map<Hex, Uint8Array>()
    for (const { hash } of refs) {
      const list = this.blocks.get(hash)
      if (!list || !list.every((t) => this.txs.has(t))) continue
      try {
        out.set(hash, encodeBody({ version: BODY_VERSION, txEffects: list.map((t) => executeTx(this.txs.get(t)!)) }))
      } catch (e) {
        this.stats.verdict(false, e)
      }
    }
    return out
  }

  /** How many transactions and blocks are held (for the UI). */
  size(): { txs: number; blocks: number } {
    return { txs: this.txs.size, blocks: this.blocks.size }
  }
}
