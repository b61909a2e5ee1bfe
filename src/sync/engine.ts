import { VigilError, toErrorRecord, type ErrorRecord } from '../core/errors'
import { STATUS_RANK, LIVE_STATUSES, type Address, type BlockStatus, type Hex, type LiveStatus, type TipRef, type Tips } from '../core/types'
import type { Logger } from '../core/logger'
import { silentLogger } from '../core/logger'
import { decodeHeader, encodeHeader, headerHash, type BlockHeader } from '../protocol/header'
import { decodeProposal } from '../protocol/proposal'
import {
  checkpointDigest,
  decodeAttestation,
  decodeAttestationSignatures,
  decodeCheckpoint,
  decodeCheckpointProposal,
  type Checkpoint,
} from '../protocol/checkpoint'
import type { SigningDomain } from '../protocol/domain'
import { epochOfSlot, epochSeed, proposerIndex, slotAt } from '../protocol/schedule'
import { QuorumTracker, verifyGenesisLink, verifyBody, verifyCheckpointHeaders, verifyCheckpointProposalSignature, verifyLinkage, verifyProposerSignature, verifyQuorum } from '../verify/rules'
import type { BlockRow, CheckpointRow, FailureRow } from '../store/db'
import { ALL_STATUSES, type ChainStore, type StoreUpdate } from '../store/chain-store'
import type { BlockChecks, BlockSummary, ReorgRecord } from '../client/types'
import type { StatsRecorder } from '../sources/stats'
import type { GossipVerdict, L1Port } from './ports'

export interface EngineOptions {
  store: ChainStore
  l1: L1Port
  /** Stats of the gossip source (verdicts on what it delivered). */
  gossipStats: StatsRecorder
  /** Stats of the L1 source (verdicts on the checkpoints it delivered). */
  l1Stats?: StatsRecorder
  domain: SigningDomain
  l2ChainId: number
  deployBlock: number
  mode: 'light' | 'full'
  logger?: Logger
  now?: () => number
}

interface PendingCheckpoint {
  checkpoint: Checkpoint
  digest: Hex
  tracker: QuorumTracker
  attested: boolean
}

const RECENT_WINDOW = 1024
const MAX_EARLY_ATTESTATIONS = 4096

/**
 * The sync engine: owns the client's view of the chain. Sources hand it raw bytes; it
 * verifies them (src/verify), decides statuses, keeps the canonical chain, detects reorgs,
 * and persists every step atomically. All mutations run one at a time through `serial`.
 */
export class SyncEngine {
  private readonly store: ChainStore
  private readonly l1: L1Port
  private readonly log: Logger
  private readonly now: () => number
  /** Recent blocks by hash (the store has all of them). */
  private readonly blocks = new Map<Hex, BlockRow>()
  /** The canonical chain: height → hash (gaps allowed while blocks are missing). */
  private readonly canonical = new Map<number, Hex>()
  private tips: Tips = { proposed: null, attested: null, mined: null, finalized: null }
  private counts: Record<BlockStatus, number> = { proposed: 0, attested: 0, mined: 0, finalized: 0, orphaned: 0, invalid: 0 }
  private readonly pending = new Map<Hex, PendingCheckpoint>()
  private readonly early = new Map<Hex, Uint8Array[]>()
  private earlyCount = 0
  /** Mined checkpoints by number: the L1 chain of checkpoints. */
  private readonly mined = new Map<number, CheckpointRow>()
  private readonly invalidCheckpoints = new Set<number>()
  private l1Cursor: { blockNumber: number; blockHash: Hex } | null = null
  private l1Head: number | null = null
  private l1Finalized: number | null = null
  private reorgs: ReorgRecord[] = []
  private failures: ErrorRecord[] = []
  private queue: Promise<unknown> = Promise.resolve()
  private listeners = new Set<() => void>()
  restoredFromStore = false
  private readonly extraStats = new Map<string, StatsRecorder>()

  constructor(private readonly opts: EngineOptions) {
    this.store = opts.store
    this.l1 = opts.l1
    this.log = opts.logger ?? silentLogger
    this.now = opts.now ?? Date.now
  }

  // ---------------------------------------------------------------- lifecycle

  /** Restores tips, the recent chain and the L1 cursor from the store. */
  async restore(): Promise<void> {
    const state = await this.store.loadState()
    this.counts = await this.store.countByStatus()
    this.reorgs = await this.store.recentReorgs(25)
    this.failures = (await this.store.recentFailures(50)).map((f) => f.error)
    if (!state) return
    this.tips = state.tips
    this.l1Cursor = state.l1Cursor
    const top = Math.max(...LIVE_STATUSES.map((s) => state.tips[s]?.height ?? 0))
    const rows = await this.store.blocksFrom(Math.max(0, top - RECENT_WINDOW))
    for (const r of rows) {
      this.blocks.set(r.hash, r)
      if (r.status !== 'orphaned' && r.status !== 'invalid') this.canonical.set(r.height, r.hash)
    }
    const minedTipNumber = state.tips.mined ? this.blocks.get(state.tips.mined.hash)?.checkpointNumber ?? 0 : 0
    for (const c of await this.store.checkpointsFrom(Math.max(0, minedTipNumber - 64))) {
      if (c.status === 'mined' || c.status === 'finalized') this.mined.set(c.checkpointNumber, c)
      if (c.status === 'invalid') this.invalidCheckpoints.add(c.checkpointNumber)
    }
    this.restoredFromStore = LIVE_STATUSES.some((s) => state.tips[s] !== null)
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  private changed(): void {
    for (const fn of this.listeners) fn()
  }

  /** Runs `fn` after every earlier mutation has finished: the engine's single writer. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn)
    this.queue = next.catch(() => undefined)
    return next
  }

  // ---------------------------------------------------------------- gossip

  onBlockProposal(data: Uint8Array, source = 'gossip'): Promise<GossipVerdict> {
    return this.serial(async () => {
      let p
      try {
        p = decodeProposal(data)
      } catch (e) {
        return this.reject(source, e)
      }
      return this.acceptSignedHeader(p.header, p.signature, p.bodyBytes, source)
    })
  }

  /**
   * A header with its proposer signature from any source (req/resp, file store, backup RPC):
   * verified exactly like a gossiped proposal, without the body. Returns the verdict.
   */
  onSignedHeader(header: BlockHeader, signature: Uint8Array, source: string): Promise<GossipVerdict> {
    return this.serial(() => this.acceptSignedHeader(header, signature, null, source))
  }

  private async acceptSignedHeader(h: BlockHeader, signature: Uint8Array, bodyBytes: Uint8Array | null, source: string): Promise<GossipVerdict> {
    const hash = headerHash(h)
    const known = this.blocks.get(hash)
    if (known) {
      // the header came before its body (or vice versa): complete what we have
      if (bodyBytes && !known.checks.body) await this.acceptBody(known, bodyBytes, source)
      return 'ignore'
    }
    try {
      if (h.chainId !== this.opts.l2ChainId) throw new VigilError('WRONG_CHAIN', `block for L2 chain ${h.chainId}, this client follows ${this.opts.l2ChainId}`)
      const expected = await this.expectedProposer(h.slot)
      verifyProposerSignature(this.opts.domain, h, signature, expected)
      if (bodyBytes) verifyBody(h, bodyBytes)
    } catch (e) {
      if (e instanceof VigilError && e.severity === 'soft') {
        this.log('header held back (soft):', e.message)
        return 'ignore'
      }
      return this.reject(source, e)
    }
    const parent = await this.linkParent(h)
    if (parent instanceof VigilError) return this.reject(source, parent)
    const checks: BlockChecks = { proposerSignature: true, ...(bodyBytes ? { body: true } : {}), ...(parent === 'unknown' ? {} : { linkage: true }) }
    const row = this.newRow(h, hash, 'proposed', checks, source, signature)
    const update: StoreUpdate = { blocks: [] }
    this.adoptChain([row], update, 'gossip-fork')
    if (bodyBytes && this.opts.mode === 'full') update.bodies = [{ hash, bytes: bodyBytes, source }]
    // a checkpoint that already reached quorum may name this block
    for (const pc of this.pending.values()) {
      if (pc.attested && pc.checkpoint.headers.some((x) => headerHash(x) === hash)) this.promote(row, 'attested', { quorum: true }, update)
    }
    await this.commit(update)
    this.statsFor(source)?.verdict(true)
    return 'accept'
  }

  /**
   * A body for a known header, from any source: verified against the header's commitment.
   * Returns true when it matched (and, in full mode, was stored).
   */
  onBody(hash: Hex, bodyBytes: Uint8Array, source: string): Promise<boolean> {
    return this.serial(async () => {
      const row = await this.getBlock(hash)
      if (!row) throw new VigilError('NOT_FOUND', `no header ${hash} for this body`, { severity: 'soft' })
      return this.acceptBody(row, bodyBytes, source)
    })
  }

  private async acceptBody(row: BlockRow, bodyBytes: Uint8Array, source: string): Promise<boolean> {
    try {
      verifyBody(decodeHeader(row.headerBytes), bodyBytes)
    } catch (e) {
      this.reject(source, e)
      return false
    }
    const update: StoreUpdate = { blocks: [row] }
    row.checks = { ...row.checks, body: true }
    if (this.opts.mode === 'full') update.bodies = [{ hash: row.hash, bytes: bodyBytes, source }]
    await this.commit(update)
    this.statsFor(source)?.verdict(true)
    return true
  }

  /** Stats of a named source, for verdicts (gossip and L1 built in; others registered by the client). */
  private statsFor(source: string): StatsRecorder | undefined {
    if (source === 'gossip') return this.opts.gossipStats
    if (source === 'l1') return this.opts.l1Stats
    return this.extraStats.get(source)
  }

  /** Lets verdicts on data from `stats.name` be counted in that source's stats. */
  registerSource(stats: StatsRecorder): void {
    this.extraStats.set(stats.name, stats)
  }

  onCheckpointProposal(data: Uint8Array, source = 'gossip'): Promise<GossipVerdict> {
    return this.serial(async () => {
      let cp
      try {
        cp = decodeCheckpointProposal(data)
      } catch (e) {
        return this.reject(source, e)
      }
      const digest = checkpointDigest(cp.checkpoint)
      if (this.pending.has(digest)) return 'ignore'
      let committee: Address[]
      try {
        for (const h of cp.checkpoint.headers) {
          if (h.chainId !== this.opts.l2ChainId) throw new VigilError('WRONG_CHAIN', `checkpoint for L2 chain ${h.chainId}`)
        }
        const { expected, committee: c } = await this.proposerAndCommittee(cp.checkpoint.slot)
        committee = c
        verifyCheckpointProposalSignature(this.opts.domain, cp.checkpoint, cp.signature, expected)
        verifyCheckpointHeaders(cp.checkpoint, {})
      } catch (e) {
        if (e instanceof VigilError && e.severity === 'soft') return 'ignore'
        return this.reject(source, e)
      }
      const pc: PendingCheckpoint = { checkpoint: cp.checkpoint, digest, tracker: new QuorumTracker(this.opts.domain, digest, committee), attested: false }
      this.pending.set(digest, pc)
      this.prunePending(cp.checkpoint.checkpointNumber)
      const early = this.early.get(digest) ?? []
      this.early.delete(digest)
      this.earlyCount -= early.length
      for (const sig of early) pc.tracker.add(sig)
      if (pc.tracker.reached) await this.checkpointAttested(pc, source)
      this.statsFor(source)?.verdict(true)
      return 'accept'
    })
  }

  onAttestation(data: Uint8Array, source = 'gossip'): Promise<GossipVerdict> {
    return this.serial(async () => {
      let a
      try {
        a = decodeAttestation(data)
      } catch (e) {
        return this.reject(source, e)
      }
      const pc = this.pending.get(a.checkpointDigest)
      if (!pc) {
        // may arrive before its checkpoint proposal: keep a bounded number, don't forward unverified
        if (this.earlyCount < MAX_EARLY_ATTESTATIONS) {
          const list = this.early.get(a.checkpointDigest) ?? []
          list.push(a.signature)
          this.early.set(a.checkpointDigest, list)
          this.earlyCount++
        }
        return 'ignore'
      }
      const res = pc.tracker.add(a.signature)
      if (res.status === 'duplicate') return 'ignore'
      if (res.status !== 'accepted') {
        return this.reject(source, new VigilError(res.status === 'outsider' ? 'SIGNER_NOT_IN_COMMITTEE' : 'BAD_SIGNATURE', `attestation for checkpoint ${pc.checkpoint.checkpointNumber}: ${res.status}`))
      }
      if (pc.tracker.reached && !pc.attested) await this.checkpointAttested(pc, source)
      this.statsFor(source)?.verdict(true)
      return 'accept'
    })
  }

  private async checkpointAttested(pc: PendingCheckpoint, source: string): Promise<void> {
    pc.attested = true
    const cp = pc.checkpoint
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    const rows = await this.rowsForHeaders(cp.headers, 'attested', { quorum: true }, source)
    this.adoptChain(rows, update, 'checkpoint-mismatch')
    update.checkpoints!.push(this.checkpointRow(cp, pc.digest, 'attested', pc.tracker.signers, pc.tracker.committeeSize, null, null))
    await this.commit(update)
  }

  private prunePending(latestNumber: number): void {
    for (const [d, pc] of this.pending) if (pc.checkpoint.checkpointNumber < latestNumber - 8) this.pending.delete(d)
  }

  // ---------------------------------------------------------------- L1

  /** One pass over L1: reorg check, new mined checkpoints, finality. Returns the L1 head number. */
  pollL1(): Promise<number | null> {
    return this.serial(async () => {
      const head = await this.l1.block('latest')
      if (!head) return null
      this.l1Head = head.number
      if (this.l1Cursor) {
        const atCursor = await this.l1.block(this.l1Cursor.blockNumber)
        if (!atCursor || atCursor.hash !== this.l1Cursor.blockHash) await this.rollBackL1()
      }
      const from = this.l1Cursor ? this.l1Cursor.blockNumber + 1 : this.opts.deployBlock
      if (from <= head.number) {
        const events = await this.l1.minedCheckpoints(from, head.number)
        for (const ev of events) await this.applyMined(ev)
      }
      this.l1Cursor = { blockNumber: head.number, blockHash: head.hash }
      const fin = await this.l1.block('finalized')
      const update: StoreUpdate = { blocks: [], checkpoints: [] }
      if (fin) {
        this.l1Finalized = fin.number
        for (const c of this.mined.values()) {
          if (c.status !== 'mined' || !c.l1 || c.l1.blockNumber > fin.number) continue
          c.status = 'finalized'
          c.updatedAt = this.now()
          update.checkpoints!.push(c)
          for (const h of c.headerHashes) {
            const row = await this.getBlock(h)
            if (row) this.promote(row, 'finalized', {}, update)
          }
        }
      }
      await this.commit(update)
      return head.number
    })
  }

  private async applyMined(ev: import('../sources/l1').MinedCheckpoint): Promise<void> {
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    const l1 = { blockNumber: ev.l1BlockNumber, blockHash: ev.l1BlockHash, txHash: ev.txHash }
    let cp: Checkpoint
    try {
      cp = decodeCheckpoint(ev.checkpointBytes)
    } catch (e) {
      this.fail('l1', e, update)
      this.opts.l1Stats?.verdict(false, e)
      await this.commit(update)
      return
    }
    const digest = checkpointDigest(cp)
    let signers: Address[] = []
    let committeeSize = 0
    try {
      if (digest !== ev.digest) throw new VigilError('CHECKPOINT_MISMATCH', `L1 event digest ${ev.digest} is not the digest of the calldata checkpoint ${digest}`)
      if (cp.checkpointNumber !== ev.checkpointNumber) throw new VigilError('CHECKPOINT_MISMATCH', 'checkpoint number differs from the L1 event')
      const tx = ev.txBlobVersionedHashes.map((h) => h.toLowerCase())
      const cpHashes = cp.blobVersionedHashes.map((h) => h.toLowerCase())
      if (tx.length !== cpHashes.length) throw new VigilError('BLOB_COUNT_MISMATCH', `checkpoint names ${cpHashes.length} blobs, its L1 transaction carried ${tx.length}`)
      if (tx.some((h, i) => h !== cpHashes[i])) throw new VigilError('BLOB_HASH_MISMATCH', 'checkpoint blob hashes differ from the L1 transaction blob hashes')
      if (this.invalidCheckpoints.has(cp.checkpointNumber - 1))
        throw new VigilError('PARENT_MISMATCH', `checkpoint ${cp.checkpointNumber} builds on invalid checkpoint ${cp.checkpointNumber - 1}`)
      const parent = await this.minedParentHeader(cp.checkpointNumber)
      if (parent === undefined) throw new VigilError('PARENT_UNKNOWN', `mined checkpoint ${cp.checkpointNumber - 1} is not known`, { severity: 'soft' })
      verifyCheckpointHeaders(cp, parent === null ? {} : { parent })
      if (parent === null) verifyGenesisLink(cp.headers[0]!)
      const { expected, committee } = await this.proposerAndCommittee(cp.slot)
      committeeSize = committee.length
      if (ev.txFrom !== expected) throw new VigilError('WRONG_PROPOSER', `checkpoint posted by ${ev.txFrom}, slot ${cp.slot} belongs to ${expected}`)
      for (const h of cp.headers) {
        if (h.proposer.toLowerCase() !== expected) throw new VigilError('WRONG_PROPOSER', `block ${h.height} names proposer ${h.proposer}, slot ${cp.slot} belongs to ${expected}`)
      }
      const sigs = decodeAttestationSignatures(ev.attestationsBytes)
      const q = verifyQuorum(this.opts.domain, digest, sigs, committee)
      signers = q.signers
      if (!q.valid) throw q.error ? VigilError.fromRecord(q.error) : new VigilError('QUORUM_NOT_REACHED', 'quorum not reached')
    } catch (e) {
      const rec = toErrorRecord(e)
      this.invalidCheckpoints.add(cp.checkpointNumber)
      update.checkpoints!.push(this.checkpointRow(cp, digest, 'invalid', signers, committeeSize, rec, l1))
      for (const h of cp.headers) {
        const hash = headerHash(h)
        const row = (await this.getBlock(hash)) ?? this.newRow(h, hash, 'invalid', {}, 'l1', null)
        this.markInvalid(row, rec, update)
      }
      this.fail('l1', e, update, { checkpoint: cp.checkpointNumber })
      this.opts.l1Stats?.verdict(false, e)
      await this.commit(update)
      return
    }
    this.opts.l1Stats?.verdict(true)
    const row = this.checkpointRow(cp, digest, 'mined', signers, committeeSize, null, l1)
    this.mined.set(cp.checkpointNumber, row)
    update.checkpoints!.push(row)
    const rows = await this.rowsForHeaders(cp.headers, 'mined', { quorum: true, linkage: true, l1Inclusion: true }, 'l1')
    this.adoptChain(rows, update, 'checkpoint-mismatch')
    await this.commit(update)
  }

  /** The L1 chain under our cursor changed: mined checkpoints in dropped L1 blocks fall back to attested. */
  private async rollBackL1(): Promise<void> {
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    const dropped: CheckpointRow[] = []
    for (const c of [...this.mined.values()].sort((a, b) => b.checkpointNumber - a.checkpointNumber)) {
      if (!c.l1) continue
      const b = await this.l1.block(c.l1.blockNumber)
      if (b && b.hash === c.l1.blockHash) break
      dropped.push(c)
    }
    const lowest = dropped.at(-1)
    const fromBlock = lowest?.l1 ? lowest.l1.blockNumber - 1 : Math.max(this.opts.deployBlock, (this.l1Cursor?.blockNumber ?? 1) - 64)
    const rolled: Hex[] = []
    for (const c of dropped) {
      this.mined.delete(c.checkpointNumber)
      c.status = 'attested'
      c.l1 = null
      c.updatedAt = this.now()
      update.checkpoints!.push(c)
      for (const h of c.headerHashes) {
        const row = await this.getBlock(h)
        if (!row) continue
        this.setStatus(row, 'attested')
        row.checks = { ...row.checks, l1Inclusion: false }
        update.blocks!.push(row)
        rolled.push(h)
      }
    }
    const base = await this.l1.block(Math.max(0, fromBlock))
    this.l1Cursor = base ? { blockNumber: base.number, blockHash: base.hash } : null
    if (rolled.length > 0) {
      const rows = rolled.map((h) => this.blocks.get(h)!).filter(Boolean)
      this.recordReorg(
        { depth: rolled.length, fromHeight: Math.min(...rows.map((r) => r.height)), oldHashes: rolled, newHashes: [], cause: 'l1-reorg' },
        update,
      )
    }
    this.recomputeTips()
    await this.commit(update)
  }

  // ---------------------------------------------------------------- chain bookkeeping

  /**
   * Puts `rows` (consecutive blocks, ascending) on the canonical chain. Where the canonical
   * chain holds a different, not-yet-mined block at one of their heights, that block and every
   * canonical block above it are orphaned and a reorg is recorded.
   */
  private adoptChain(rows: BlockRow[], update: StoreUpdate, cause: ReorgRecord['cause']): void {
    if (rows.length === 0) return
    const orphaned: BlockRow[] = []
    for (const row of rows) {
      const current = this.canonical.get(row.height)
      if (current && current !== row.hash) {
        const cur = this.blocks.get(current)
        if (cur && (cur.status === 'mined' || cur.status === 'finalized') && row.status !== 'mined') {
          // a provisional block conflicting with the mined chain never wins
          this.setStatus(row, 'orphaned')
          update.blocks!.push(row)
          this.blocks.set(row.hash, row)
          return
        }
        if (orphaned.length === 0) {
          const top = Math.max(...this.canonical.keys())
          for (let h = row.height; h <= top; h++) {
            const hh = this.canonical.get(h)
            const b = hh ? this.blocks.get(hh) : undefined
            if (b && !rows.some((r) => r.hash === b.hash)) orphaned.push(b)
          }
        }
      }
    }
    for (const b of orphaned) {
      this.canonical.delete(b.height)
      this.setStatus(b, 'orphaned')
      update.blocks!.push(b)
    }
    for (const row of rows) {
      this.blocks.set(row.hash, row)
      this.canonical.set(row.height, row.hash)
      if (!update.blocks!.includes(row)) update.blocks!.push(row)
    }
    if (orphaned.length > 0) {
      this.recordReorg(
        {
          depth: orphaned.length,
          fromHeight: Math.min(...orphaned.map((b) => b.height)),
          oldHashes: orphaned.sort((a, b) => a.height - b.height).map((b) => b.hash),
          newHashes: rows.map((r) => r.hash),
          cause,
        },
        update,
      )
      this.recomputeTips()
    } else {
      for (const row of rows) this.raiseTips(row)
    }
    this.evict()
  }

  /** Rows for headers about to reach `status`: existing rows are promoted, unknown ones created. */
  private async rowsForHeaders(headers: BlockHeader[], status: LiveStatus, checks: BlockChecks, source: string): Promise<BlockRow[]> {
    const rows: BlockRow[] = []
    for (const h of headers) {
      const hash = headerHash(h)
      const existing = await this.getBlock(hash)
      if (existing) {
        if (existing.status === 'orphaned') {
          existing.history.push([status, this.now()])
          this.counts.orphaned--
          this.counts[status]++
          existing.status = status
          existing.checks = { ...existing.checks, ...checks }
        } else this.promote(existing, status, checks)
        rows.push(existing)
      } else rows.push(this.newRow(h, hash, status, { ...checks, linkage: true }, source, null))
    }
    return rows
  }

  /** Raises a block's status (never lowers it) and merges check results. */
  private promote(row: BlockRow, status: LiveStatus, checks: BlockChecks, update?: StoreUpdate): void {
    row.checks = { ...row.checks, ...checks }
    const cur = row.status
    if (cur === 'invalid' || cur === 'orphaned') return
    if (STATUS_RANK[status] > STATUS_RANK[cur as LiveStatus]) {
      this.setStatus(row, status)
      if (this.canonical.get(row.height) === row.hash) this.raiseTips(row)
    }
    if (update && !update.blocks!.includes(row)) update.blocks!.push(row)
  }

  private markInvalid(row: BlockRow, error: ErrorRecord, update: StoreUpdate): void {
    const wasCanonical = this.canonical.get(row.height) === row.hash
    this.setStatus(row, 'invalid')
    row.error = error
    this.blocks.set(row.hash, row)
    if (wasCanonical) {
      this.canonical.delete(row.height)
      this.recomputeTips()
    }
    if (!update.blocks!.includes(row)) update.blocks!.push(row)
  }

  private setStatus(row: BlockRow, status: BlockStatus): void {
    if (row.status === status) return
    this.counts[row.status] = Math.max(0, this.counts[row.status] - 1)
    this.counts[status]++
    row.status = status
    row.history.push([status, this.now()])
  }

  private newRow(h: BlockHeader, hash: Hex, status: BlockStatus, checks: BlockChecks, source: string, sig: Uint8Array | null): BlockRow {
    this.counts[status]++
    const t = this.now()
    return {
      hash,
      height: h.height,
      slot: h.slot,
      checkpointNumber: h.checkpointNumber,
      indexInCheckpoint: h.indexInCheckpoint,
      timestamp: h.timestamp,
      parentHash: h.parentHash,
      proposer: h.proposer.toLowerCase() as Address,
      txCount: h.txCount,
      headerBytes: encodeHeader(h),
      proposalSignature: sig,
      status,
      checks,
      error: null,
      source,
      receivedAt: t,
      history: [[status, t]],
    }
  }

  private checkpointRow(cp: Checkpoint, digest: Hex, status: CheckpointRow['status'], signers: Address[], committeeSize: number, error: ErrorRecord | null, l1: CheckpointRow['l1']): CheckpointRow {
    return {
      id: `${cp.checkpointNumber}:${digest}`,
      checkpointNumber: cp.checkpointNumber,
      slot: cp.slot,
      digest,
      headerHashes: cp.headers.map(headerHash),
      blobVersionedHashes: cp.blobVersionedHashes,
      signers,
      committeeSize,
      quorum: committeeSize ? Math.floor((2 * committeeSize) / 3) + 1 : 0,
      status,
      error,
      l1,
      updatedAt: this.now(),
    }
  }

  private raiseTips(row: BlockRow): void {
    if (row.status === 'orphaned' || row.status === 'invalid') return
    const rank = STATUS_RANK[row.status as LiveStatus]
    for (const s of LIVE_STATUSES) {
      if (STATUS_RANK[s] > rank) continue
      const tip = this.tips[s]
      if (!tip || tip.height < row.height || (tip.height === row.height && tip.hash !== row.hash)) this.tips[s] = this.tipRef(row)
    }
  }

  private recomputeTips(): void {
    const tips: Tips = { proposed: null, attested: null, mined: null, finalized: null }
    const heights = [...this.canonical.keys()].sort((a, b) => b - a)
    for (const height of heights) {
      const row = this.blocks.get(this.canonical.get(height)!)
      if (!row || row.status === 'orphaned' || row.status === 'invalid') continue
      const rank = STATUS_RANK[row.status as LiveStatus]
      for (const s of LIVE_STATUSES) if (STATUS_RANK[s] <= rank && !tips[s]) tips[s] = this.tipRef(row)
      if (tips.finalized) break
    }
    // below the in-memory window: keep the stored tip if nothing in memory replaces it
    for (const s of LIVE_STATUSES) if (!tips[s] && this.tips[s] && !this.canonical.has(this.tips[s]!.height)) tips[s] = this.tips[s]
    this.tips = tips
  }

  private tipRef(row: BlockRow): TipRef {
    return { height: row.height, hash: row.hash, timestamp: row.timestamp }
  }

  private recordReorg(r: Omit<ReorgRecord, 'id' | 'at'>, update: StoreUpdate): void {
    const at = this.now()
    const rec: ReorgRecord = { id: `${at}-${r.fromHeight}-${r.oldHashes[0] ?? ''}`, at, ...r }
    this.reorgs = [rec, ...this.reorgs].slice(0, 25)
    update.reorgs = [...(update.reorgs ?? []), rec]
    this.log(`reorg (${r.cause}) depth ${r.depth} from height ${r.fromHeight}`)
  }

  private evict(): void {
    const top = this.tips.proposed?.height ?? 0
    if (this.blocks.size < RECENT_WINDOW * 2) return
    for (const [hash, row] of this.blocks) {
      if (row.height < top - RECENT_WINDOW) {
        this.blocks.delete(hash)
        if (this.canonical.get(row.height) === hash) this.canonical.delete(row.height)
      }
    }
  }

  private async getBlock(hash: Hex): Promise<BlockRow | undefined> {
    const mem = this.blocks.get(hash)
    if (mem) return mem
    const row = await this.store.getBlock(hash)
    if (row) this.blocks.set(hash, row)
    return row
  }

  // ---------------------------------------------------------------- verification helpers

  private async proposerAndCommittee(slot: number): Promise<{ expected: Address; committee: Address[] }> {
    const params = await this.l1.rollupParams()
    const epoch = epochOfSlot(params, slot)
    const currentEpoch = epochOfSlot(params, slotAt(params, Math.floor(this.now() / 1000)))
    const committee = await this.l1.committee(epoch, currentEpoch)
    if (committee.length === 0) throw new VigilError('COMMITTEE_UNKNOWN', `no committee for epoch ${epoch}`, { severity: 'soft', details: { epoch } })
    const idx = proposerIndex(epochSeed(this.opts.domain.rollup, this.opts.l2ChainId, epoch), slot, committee.length)
    return { expected: committee[idx]!, committee }
  }

  private async expectedProposer(slot: number): Promise<Address> {
    return (await this.proposerAndCommittee(slot)).expected
  }

  /** The parent of a gossiped header: verified link, 'unknown' (not seen yet), or the linkage error. */
  private async linkParent(h: BlockHeader): Promise<'linked' | 'unknown' | VigilError> {
    try {
      if (h.height === 1) {
        verifyGenesisLink(h)
        return 'linked'
      }
      const parent = await this.getBlock(h.parentHash)
      if (!parent) return 'unknown'
      verifyLinkage(decodeHeader(parent.headerBytes), h)
      return 'linked'
    } catch (e) {
      return e instanceof VigilError ? e : new VigilError('INTERNAL', String(e))
    }
  }

  /** Last header of mined checkpoint n-1: null for n = 1 (genesis), undefined when unknown. */
  private async minedParentHeader(n: number): Promise<BlockHeader | null | undefined> {
    if (n === 1) return null
    const prev = this.mined.get(n - 1)
    if (!prev) return undefined
    const row = await this.getBlock(prev.headerHashes.at(-1)!)
    return row ? decodeHeader(row.headerBytes) : undefined
  }

  /** Records data from `source` that failed verification; hard failures are 'reject' (penalise), soft ones 'ignore'. */
  private reject(source: string, e: unknown): GossipVerdict {
    this.statsFor(source)?.verdict(false, e)
    const rec = toErrorRecord(e)
    this.failures = [rec, ...this.failures].slice(0, 50)
    void this.store.apply({ failures: [{ at: this.now(), source, error: rec }] }).catch(() => undefined)
    this.changed()
    return rec.severity === 'hard' ? 'reject' : 'ignore'
  }

  private fail(source: string, e: unknown, update: StoreUpdate, extra: Record<string, string | number> = {}): void {
    const rec = toErrorRecord(e)
    if (Object.keys(extra).length) rec.details = { ...(rec.details ?? {}), ...extra }
    this.failures = [rec, ...this.failures].slice(0, 50)
    const row: FailureRow = { at: this.now(), source, error: rec }
    update.failures = [...(update.failures ?? []), row]
  }

  private async commit(update: StoreUpdate): Promise<void> {
    update.state = { tips: this.tips, l1Cursor: this.l1Cursor }
    await this.store.apply(update)
    // what is shown stops being "restored" once anything new about blocks has been learnt
    if (update.blocks?.length || update.checkpoints?.length || update.reorgs?.length) this.restoredFromStore = false
    this.changed()
  }

  // ---------------------------------------------------------------- views

  getTips(): Tips {
    return { ...this.tips }
  }
  getCounts(): Record<BlockStatus, number> {
    const out = {} as Record<BlockStatus, number>
    for (const s of ALL_STATUSES) out[s] = this.counts[s]
    return out
  }
  getReorgs(): ReorgRecord[] {
    return [...this.reorgs]
  }
  getFailures(): ErrorRecord[] {
    return [...this.failures]
  }
  getL1(): { head: number | null; finalized: number | null } {
    return { head: this.l1Head, finalized: this.l1Finalized }
  }
  /** Mined checkpoints known in memory with their quorum result (for the CLI / tests). */
  getMinedCheckpoints(): CheckpointRow[] {
    return [...this.mined.values()].sort((a, b) => a.checkpointNumber - b.checkpointNumber)
  }

  latest(limit = 25): BlockSummary[] {
    return [...this.blocks.values()]
      .sort((a, b) => b.height - a.height || b.receivedAt - a.receivedAt)
      .slice(0, limit)
      .map(summarize)
  }
}

export function summarize(r: BlockRow): BlockSummary {
  return {
    hash: r.hash,
    height: r.height,
    slot: r.slot,
    checkpointNumber: r.checkpointNumber,
    indexInCheckpoint: r.indexInCheckpoint,
    timestamp: r.timestamp,
    proposer: r.proposer,
    parentHash: r.parentHash,
    txCount: r.txCount,
    status: r.status,
    checks: { ...r.checks },
    error: r.error,
    source: r.source,
    receivedAt: r.receivedAt,
  }
}

