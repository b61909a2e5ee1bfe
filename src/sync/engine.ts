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
import { epochOfSlot, slotAt, slotProposer } from '../protocol/schedule'
import { QuorumTracker, verifyGenesisLink, verifyBody, verifyCheckpointHeaders, verifyCheckpointProposalSignature, verifyLinkage, verifyProposerSignature, verifyQuorum } from '../verify/rules'
import { ALL_STATUSES } from '../core/types'
import type { BlockRow, ChainStore, CheckpointRow, FailureRow, StoreUpdate } from '../ports/store'
import type { BlockChecks, BlockSummary, EvidenceRecord, ReorgRecord } from '../core/records'
import { EquivocationDetector } from './evidence'
import type { GossipVerdict, VerdictSink } from '../ports/stats'
import type { L1Port, MinedCheckpoint } from '../ports/l1'
import type { VerifiedSegment } from '../ports/snapshot'
import { StepTimer, timedL1Port, type EngineTimings } from './timing'
import { bytesToHex } from '../protocol/bytes'

export interface EngineOptions {
  store: ChainStore
  l1: L1Port
  /** Stats of the gossip source (verdicts on what it delivered). */
  gossipStats: VerdictSink
  /** Stats of the L1 source (verdicts on the checkpoints it delivered). */
  l1Stats?: VerdictSink
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
  /** A second, different checkpoint proposal for a slot (equivocation): tracked for evidence, never adopted. */
  rival?: boolean
  /** Signatures the tracker accepted, kept for the checkpoint row (re-verifiable on demand). */
  signatures?: Hex[]
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
  /** Invalid checkpoints in L1's chain, by number (rolled back when L1 drops their block: dropInvalidCheckpoints). */
  private readonly invalidCheckpoints = new Map<number, CheckpointRow>()
  private l1Cursor: { blockNumber: number; blockHash: Hex } | null = null
  private l1Head: number | null = null
  private l1Finalized: number | null = null
  /** Highest L1 block whose checkpoint event has been applied (history-scan progress inside one long poll). */
  private l1Applied: number | null = null
  private reorgs: ReorgRecord[] = []
  private failures: ErrorRecord[] = []
  /** Equivocation detection (src/sync/evidence.ts) and what it found. */
  private readonly equivocation = new EquivocationDetector()
  private evidence: { count: number; recent: EvidenceRecord[] } = { count: 0, recent: [] }
  private queue: Promise<unknown> = Promise.resolve()
  private listeners = new Set<() => void>()
  restoredFromStore = false
  private readonly extraStats = new Map<string, VerdictSink>()
  /** Where the engine's time goes (timings(), `npm run bench`). */
  private readonly timer = new StepTimer()

  constructor(private readonly opts: EngineOptions) {
    this.store = opts.store
    this.l1 = timedL1Port(opts.l1, this.timer)
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
    this.evidence = { count: await this.store.countEvidence(), recent: await this.store.recentEvidence(10) }
    if (!state) return
    this.tips = state.tips
    this.l1Cursor = state.l1Cursor
    const top = Math.max(...LIVE_STATUSES.map((s) => state.tips[s]?.height ?? 0))
    const rows = await this.store.blocksFrom(Math.max(0, top - RECENT_WINDOW))
    for (const r of rows) {
      this.blocks.set(r.hash, r)
      if (r.status !== 'orphaned' && r.status !== 'invalid') this.canonical.set(r.height, r.hash)
      // what was proposed per slot position, so a double proposal is still caught after a restart
      if (r.proposalSignature) this.equivocation.blockProposal(decodeHeader(r.headerBytes), r.hash, r.proposalSignature, r.source)
    }
    const minedTipNumber = state.tips.mined ? this.blocks.get(state.tips.mined.hash)?.checkpointNumber ?? 0 : 0
    for (const c of await this.store.checkpointsFrom(Math.max(0, minedTipNumber - 64))) {
      if (c.status === 'mined' || c.status === 'finalized') this.mined.set(c.checkpointNumber, c)
      if (c.status === 'invalid') this.invalidCheckpoints.set(c.checkpointNumber, c)
    }
    for (const c of this.mined.values()) this.forgetPrunedInvalid(c)
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
    const step = () => this.timer.step(fn)
    const next = this.queue.then(step, step)
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
      // an empty body field means header-only (body withheld): never a valid body (≥ 5 bytes), fetched elsewhere
      return this.acceptSignedHeader(p.header, p.signature, p.bodyBytes.length > 0 ? p.bodyBytes : null, source)
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
    let txHashesOfBody: Hex[] | null = null
    const hash = headerHash(h)
    const known = this.blocks.get(hash)
    if (known) {
      // the header came before its body (or vice versa): complete what we have
      if (bodyBytes && !known.checks.body) await this.acceptBody(known, bodyBytes, source)
      return 'ignore'
    }
    this.softFailures.delete(hash)
    try {
      if (h.chainId !== this.opts.l2ChainId) throw new VigilError('WRONG_CHAIN', `block for L2 chain ${h.chainId}, this client follows ${this.opts.l2ChainId}`)
      const expected = await this.expectedProposer(h.slot)
      verifyProposerSignature(this.opts.domain, h, signature, expected)
      if (bodyBytes) txHashesOfBody = verifyBody(h, bodyBytes).txEffects.map((e) => e.txHash)
    } catch (e) {
      if (e instanceof VigilError && e.severity === 'soft') {
        this.log('header held back (soft):', e.message)
        this.noteSoftFailure(hash, e)
        return 'ignore'
      }
      return this.reject(source, e)
    }
    const doubled = this.equivocation.blockProposal(h, hash, signature, source)
    if (doubled) {
      // a second proposal for this slot position: evidence; the first seen stays (this one is not
      // forwarded), and the mined checkpoint decides which block the chain keeps
      await this.recordEvidence([doubled])
      return 'ignore'
    }
    const parent = await this.linkParent(h)
    if (parent instanceof VigilError) return this.reject(source, parent)
    const checks: BlockChecks = { proposerSignature: true, ...(bodyBytes ? { body: true } : {}), ...(parent === 'unknown' ? {} : { linkage: true }) }
    const row = this.newRow(h, hash, 'proposed', checks, source, signature)
    const update: StoreUpdate = { blocks: [] }
    this.adoptChain([row], update, 'gossip-fork')
    if (bodyBytes && this.opts.mode === 'full') update.bodies = [{ hash, bytes: bodyBytes, source }]
    if (txHashesOfBody) this.noteBody(row, txHashesOfBody, source, update)
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
  onBody(hash: Hex, bodyBytes: Uint8Array, source: string, meta: { attempts?: number } = {}): Promise<boolean> {
    return this.serial(async () => {
      const row = await this.getBlock(hash)
      if (!row) throw new VigilError('NOT_FOUND', `no header ${hash} for this body`, { severity: 'soft' })
      // fetch rounds it took (body pipeline), kept with the first body that verifies
      const prev = row.bodyAttempts
      if (meta.attempts !== undefined && !row.bodySource) row.bodyAttempts = meta.attempts
      const ok = await this.acceptBody(row, bodyBytes, source)
      if (!ok) {
        if (prev === undefined) delete row.bodyAttempts
        else row.bodyAttempts = prev
      }
      return ok
    })
  }

  private async acceptBody(row: BlockRow, bodyBytes: Uint8Array, source: string): Promise<boolean> {
    let txHashesOfBody: Hex[]
    try {
      txHashesOfBody = verifyBody(decodeHeader(row.headerBytes), bodyBytes).txEffects.map((e) => e.txHash)
    } catch (e) {
      this.reject(source, e)
      return false
    }
    const update: StoreUpdate = { blocks: [row] }
    row.checks = { ...row.checks, body: true }
    if (this.opts.mode === 'full') update.bodies = [{ hash: row.hash, bytes: bodyBytes, source }]
    this.noteBody(row, txHashesOfBody, source, update)
    await this.commit(update)
    this.statsFor(source)?.verdict(true)
    return true
  }

  /** Provenance of a body that verified (which source, when) and its tx hashes for search. */
  private noteBody(row: BlockRow, txHashes: Hex[], source: string, update: StoreUpdate): void {
    if (!row.bodySource) {
      row.bodySource = source
      row.bodyAt = this.now()
    }
    update.txs = [...(update.txs ?? []), ...txHashes.map((txHash, index) => ({ txHash: txHash.toLowerCase() as Hex, blockHash: row.hash, height: row.height, index }))]
  }

  /** Stats of a named source, for verdicts (gossip and L1 built in; others registered by the client). */
  private statsFor(source: string): VerdictSink | undefined {
    if (source === 'gossip') return this.opts.gossipStats
    if (source === 'l1') return this.opts.l1Stats
    return this.extraStats.get(source)
  }

  /** Lets verdicts on data from `stats.name` be counted in that source's stats. */
  registerSource(stats: VerdictSink): void {
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
      let proposer: Address
      try {
        for (const h of cp.checkpoint.headers) {
          if (h.chainId !== this.opts.l2ChainId) throw new VigilError('WRONG_CHAIN', `checkpoint for L2 chain ${h.chainId}`)
        }
        const { expected, committee: c } = await this.proposerAndCommittee(cp.checkpoint.slot)
        committee = c
        proposer = expected
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
      // a second checkpoint proposal for this slot: evidence; tracked (its attestations may
      // conflict with the first's) but never adopted, and not forwarded
      const rival = this.equivocation.checkpointProposal(cp.checkpoint, digest, cp.signature, proposer, source)
      if (rival) pc.rival = true
      const found: EvidenceRecord[] = rival ? [rival] : []
      for (const sig of early) {
        const out = pc.tracker.add(sig)
        if (out.status !== 'accepted') continue
        ;(pc.signatures ??= []).push(bytesToHex(sig))
        const conflict = this.equivocation.attestation(cp.checkpoint, digest, out.signer!, sig, source)
        if (conflict) found.push(conflict)
      }
      if (found.length > 0) await this.recordEvidence(found)
      if (pc.tracker.reached) await this.checkpointAttested(pc, source)
      this.statsFor(source)?.verdict(true)
      return rival ? 'ignore' : 'accept'
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
      if (res.status === 'accepted') (pc.signatures ??= []).push(bytesToHex(a.signature))
      if (res.status === 'duplicate') return 'ignore'
      if (res.status !== 'accepted') {
        return this.reject(source, new VigilError(res.status === 'outsider' ? 'SIGNER_NOT_IN_COMMITTEE' : 'BAD_SIGNATURE', `attestation for checkpoint ${pc.checkpoint.checkpointNumber}: ${res.status}`))
      }
      // the same member attesting another checkpoint of this slot: evidence, and not forwarded
      const conflict = this.equivocation.attestation(pc.checkpoint, pc.digest, res.signer!, a.signature, source)
      if (conflict) await this.recordEvidence([conflict])
      if (pc.tracker.reached && !pc.attested) await this.checkpointAttested(pc, source)
      this.statsFor(source)?.verdict(true)
      return conflict ? 'ignore' : 'accept'
    })
  }

  private async checkpointAttested(pc: PendingCheckpoint, source: string): Promise<void> {
    if (pc.rival) return // an equivocating proposer's second checkpoint: only L1 can make it canonical
    pc.attested = true
    const cp = pc.checkpoint
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    const rows = await this.rowsForHeaders(cp.headers, 'attested', { quorum: true }, source)
    this.adoptChain(rows, update, 'checkpoint-mismatch')
    const attestedRow = this.checkpointRow(cp, pc.digest, 'attested', pc.tracker.signers, pc.tracker.committeeSize, null, null)
    if (pc.signatures) attestedRow.attestations = [...pc.signatures]
    update.checkpoints!.push(attestedRow)
    await this.commit(update)
  }

  private prunePending(latestNumber: number): void {
    for (const [d, pc] of this.pending) if (pc.checkpoint.checkpointNumber < latestNumber - 8) this.pending.delete(d)
  }

  // ---------------------------------------------------------------- L1

  /**
   * One pass over L1: reorg check, new mined checkpoints, finality. Returns the L1 head number.
   * `signal` (the client stopping) ends a long catch-up between checkpoints: each applied
   * checkpoint is committed on its own, and the cursor only moves when the scan completed.
   */
  pollL1(opts: { signal?: AbortSignal } = {}): Promise<number | null> {
    const signal = opts.signal
    return this.serial(async () => {
      signal?.throwIfAborted()
      const head = await this.l1.block('latest')
      if (!head) return null
      this.l1Head = head.number
      if (this.l1Cursor) {
        const atCursor = await this.l1.block(this.l1Cursor.blockNumber)
        if (!atCursor || atCursor.hash !== this.l1Cursor.blockHash) await this.rollBackL1()
      }
      const from = this.l1Cursor ? this.l1Cursor.blockNumber + 1 : this.opts.deployBlock
      if (from <= head.number) {
        const events = await this.l1.minedCheckpoints(from, head.number, signal ? { signal } : {})
        for (const ev of events) {
          signal?.throwIfAborted()
          await this.applyMined(ev)
        }
      }
      this.l1Cursor = { blockNumber: head.number, blockHash: head.hash }
      const fin = await this.l1.block('finalized')
      const update: StoreUpdate = { blocks: [], checkpoints: [] }
      if (fin) {
        this.l1Finalized = fin.number
        for (const c of this.mined.values()) {
          if (signal?.aborted) break // commit what is promoted so far
          if (c.status !== 'mined' || !c.l1 || c.l1.blockNumber > fin.number) continue
          // only what is in L1's canonical chain: a block replaced since the scan is rolled back next poll
          const atL1 = await this.l1.block(c.l1.blockNumber)
          if (!atL1 || atL1.hash !== c.l1.blockHash) continue
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

  private async applyMined(ev: MinedCheckpoint): Promise<void> {
    this.l1Applied = Math.max(this.l1Applied ?? 0, ev.l1BlockNumber)
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
      const invalidRow = this.checkpointRow(cp, digest, 'invalid', signers, committeeSize, rec, l1)
      invalidRow.attestations = attestationHexes(ev.attestationsBytes)
      this.invalidCheckpoints.set(cp.checkpointNumber, invalidRow)
      update.checkpoints!.push(invalidRow)
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
    row.attestations = attestationHexes(ev.attestationsBytes)
    this.mined.set(cp.checkpointNumber, row)
    this.forgetPrunedInvalid(row)
    update.checkpoints!.push(row)
    const rows = await this.rowsForHeaders(cp.headers, 'mined', { quorum: true, linkage: true, l1Inclusion: true }, 'l1')
    this.adoptChain(rows, update, 'checkpoint-mismatch')
    await this.commit(update)
  }

  /**
   * A valid checkpoint n in a later L1 block than an invalid checkpoint numbered n or above:
   * L1 pruned the invalid one (the rollup's `invalidate`, docs/reorgs.md), so it no longer
   * blocks what builds on n. Its blocks stay invalid.
   */
  private forgetPrunedInvalid(valid: CheckpointRow): void {
    if (!valid.l1) return
    for (const [n, c] of this.invalidCheckpoints) {
      if (n >= valid.checkpointNumber && c.l1 && c.l1.blockNumber < valid.l1.blockNumber) this.invalidCheckpoints.delete(n)
    }
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
    // invalid checkpoints in dropped L1 blocks lose their verdict (rescanned from their block too)
    const invalidLowest = await this.dropInvalidCheckpoints(update)
    const lowestL1 = Math.min(lowest?.l1?.blockNumber ?? Infinity, invalidLowest ?? Infinity)
    const fromBlock = Number.isFinite(lowestL1) ? lowestL1 - 1 : Math.max(this.opts.deployBlock, (this.l1Cursor?.blockNumber ?? 1) - 64)
    const rolled: Hex[] = []
    for (const c of dropped) {
      if (c.status === 'finalized') this.log.error(`L1 reorg dropped the block of finalized checkpoint ${c.checkpointNumber}: L1 finality was violated`)
      this.mined.delete(c.checkpointNumber)
      c.status = 'attested'
      c.l1 = null
      c.updatedAt = this.now()
      update.checkpoints!.push(c)
      for (const h of c.headerHashes) {
        const row = await this.getBlock(h)
        if (!row || (row.status !== 'mined' && row.status !== 'finalized')) continue
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

  /**
   * Invalid checkpoints whose L1 block is no longer in L1's chain (newest first, until one still
   * is): their verdict goes with the block (docs/reorgs.md). The checkpoint row becomes
   * `orphaned`, its error keeps why it was invalid plus `reorgedOut`; a soft
   * CHECKPOINT_REORGED_OUT failure says so. Its invalid blocks go back to the status they had
   * before (provisional ones rejoin the canonical chain where the height is free), or are
   * forgotten when only this checkpoint had named them. Returns the lowest dropped L1 block.
   */
  private async dropInvalidCheckpoints(update: StoreUpdate): Promise<number | null> {
    let lowest: number | null = null
    const back: BlockRow[] = []
    for (const c of [...this.invalidCheckpoints.values()].sort((a, b) => b.checkpointNumber - a.checkpointNumber)) {
      if (!c.l1) continue
      const atL1 = await this.l1.block(c.l1.blockNumber)
      if (atL1 && atL1.hash === c.l1.blockHash) break
      const l1 = c.l1
      const was = c.error
      lowest = Math.min(lowest ?? Infinity, l1.blockNumber)
      this.invalidCheckpoints.delete(c.checkpointNumber)
      c.status = 'orphaned'
      c.l1 = null
      c.updatedAt = this.now()
      if (was) c.error = { ...was, details: { ...(was.details ?? {}), reorgedOut: true, l1BlockNumber: l1.blockNumber, l1BlockHash: l1.blockHash } }
      update.checkpoints!.push(c)
      this.fail(
        'l1',
        new VigilError('CHECKPOINT_REORGED_OUT', `invalid checkpoint ${c.checkpointNumber} (${was?.code ?? 'invalid'}) was reorged out of L1 block ${l1.blockNumber}`, {
          severity: 'soft',
          details: { checkpoint: c.checkpointNumber, digest: c.digest, wasCode: was?.code ?? null, l1BlockNumber: l1.blockNumber, l1BlockHash: l1.blockHash },
        }),
        update,
      )
      // highest first: a block forgotten no longer holds its parent back (checkpoints go newest first too)
      for (const h of [...c.headerHashes].reverse()) {
        const row = await this.getBlock(h)
        if (!row || row.status !== 'invalid') continue
        row.error = null
        const before = statusBeforeInvalid(row)
        if (before === null && ![...this.blocks.values()].some((x) => x.parentHash === h)) {
          // only this checkpoint named it: forget it (no held block builds on it)
          this.blocks.delete(h)
          this.counts.invalid = Math.max(0, this.counts.invalid - 1)
          update.blocks = update.blocks!.filter((x) => x.hash !== h)
          ;(update.forgetBlocks ??= []).push(h)
          continue
        }
        if (before === 'mined' || before === 'finalized') row.checks = { ...row.checks, l1Inclusion: false }
        const status: BlockStatus = before === 'mined' || before === 'finalized' ? 'attested' : (before ?? 'orphaned')
        this.setStatus(row, status)
        if (status !== 'orphaned') back.push(row)
        if (!update.blocks!.includes(row)) update.blocks!.push(row)
      }
    }
    // provisional again: rejoin the canonical chain where nothing else holds the height
    back.sort((a, b) => a.height - b.height)
    for (const row of back) {
      const cur = this.canonical.get(row.height)
      if (cur === undefined || cur === row.hash) this.canonical.set(row.height, row.hash)
      else this.setStatus(row, 'orphaned')
    }
    if (back.length > 0) this.linkChildren(back, update)
    return lowest
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * Imports a chain segment already verified against L1 (src/sources/snapshot.ts verifySnapshot)
   * in ONE store transaction: its blocks become mined (finalized where their checkpoint's L1
   * block is final), its checkpoints join the mined chain, and the L1 cursor moves to the
   * anchor's L1 block so pollL1 continues from there. Refused (SNAPSHOT_INVALID, soft) when
   * this engine already holds a mined chain: a snapshot is a fresh client's starting point.
   */
  importVerifiedSegment(seg: VerifiedSegment): Promise<{ blocks: number; checkpoints: number; height: number }> {
    return this.serial(async () => {
      if (this.tips.mined) throw new VigilError('SNAPSHOT_INVALID', `the store already holds a mined chain (height ${this.tips.mined.height}); a snapshot only starts a fresh client`, { severity: 'soft' })
      if (seg.checkpoints.length === 0) throw new VigilError('SNAPSHOT_INVALID', 'empty segment')
      const update: StoreUpdate = { blocks: [], checkpoints: [] }
      const rows: BlockRow[] = []
      for (const [ci, c] of seg.checkpoints.entries()) {
        const final = seg.l1Finalized !== null && c.l1.blockNumber <= seg.l1Finalized
        const status = final ? 'finalized' : 'mined'
        const cpRow = this.checkpointRow(c.checkpoint, c.digest, status, c.signers, c.committeeSize, null, c.l1)
        cpRow.attestations = c.attestations
        this.mined.set(c.checkpoint.checkpointNumber, cpRow)
        update.checkpoints!.push(cpRow)
        c.checkpoint.headers.forEach((h, i) => {
          const hash = headerHash(h)
          const linked = ci > 0 || i > 0 || h.height === 1
          const checks: BlockChecks = { proposerSignature: true, quorum: true, l1Inclusion: true, ...(linked ? { linkage: true } : {}) }
          const existing = this.blocks.get(hash)
          if (existing) {
            this.promote(existing, status, checks)
            rows.push(existing)
          } else rows.push(this.newRow(h, hash, status, checks, seg.source, c.headerSignatures[i] ?? null))
        })
      }
      this.adoptChain(rows, update, 'checkpoint-mismatch')
      this.l1Cursor = seg.l1Cursor
      this.l1Head = Math.max(this.l1Head ?? 0, seg.l1Head)
      if (seg.l1Finalized !== null) this.l1Finalized = seg.l1Finalized
      await this.commit(update)
      return { blocks: rows.length, checkpoints: seg.checkpoints.length, height: rows.at(-1)!.height }
    })
  }

  /** Records that data from `source` failed verification (counted in its stats, listed in failures). */
  recordFailure(source: string, e: unknown): void {
    this.reject(source, e)
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
          const last = rows[rows.length - 1]!
          // canonical blocks above the adopted rows that descend from them stay: they arrived
          // before their parent (e.g. built on a block that was never gossiped); linkChildren links them
          let descends: Hex | null = last.hash
          for (let h = row.height; h <= top; h++) {
            const hh = this.canonical.get(h)
            const b = hh ? this.blocks.get(hh) : undefined
            if (h > last.height) {
              if (descends !== null && b && b.parentHash === descends) {
                descends = b.hash
                continue
              }
              descends = null
            }
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
      const fromHeight = Math.min(...orphaned.map((b) => b.height))
      // a replaced block whose slot position was proposed twice: the reorg is the equivocation's
      const equivocated = orphaned.some((b) => this.equivocation.hasDoubleProposal(b.proposer, b.slot, b.indexInCheckpoint))
      this.recordReorg(
        {
          depth: orphaned.length,
          fromHeight,
          oldHashes: orphaned.sort((a, b) => a.height - b.height).map((b) => b.hash),
          newHashes: rows.filter((r) => r.height >= fromHeight).map((r) => r.hash),
          cause: equivocated ? 'equivocation' : cause,
        },
        update,
      )
      this.recomputeTips()
    } else {
      for (const row of rows) this.raiseTips(row)
    }
    this.linkChildren(rows, update)
    this.evict()
  }

  /**
   * Blocks that arrived before their parent (accepted unlinked) are linked once the parent is
   * here: the same verifyLinkage as for a block whose parent was known. A child that does not
   * link (e.g. wrong stateRoot) gets `linkage: false` and a failure record.
   */
  private linkChildren(parents: BlockRow[], update: StoreUpdate): void {
    const byHash = new Map(parents.map((p) => [p.hash, p]))
    for (const child of this.blocks.values()) {
      if (child.checks.linkage !== undefined || child.status === 'orphaned' || child.status === 'invalid') continue
      const parent = byHash.get(child.parentHash)
      if (!parent) continue
      try {
        verifyLinkage(decodeHeader(parent.headerBytes), decodeHeader(child.headerBytes))
        child.checks = { ...child.checks, linkage: true }
      } catch (e) {
        child.checks = { ...child.checks, linkage: false }
        this.fail(child.source, e, update, { height: child.height })
      }
      if (!update.blocks!.includes(child)) update.blocks!.push(child)
    }
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
    // (a tip whose block is in memory but off the canonical chain — invalid, orphaned — is not kept)
    for (const s of LIVE_STATUSES) if (!tips[s] && this.tips[s] && !this.canonical.has(this.tips[s]!.height) && !this.blocks.has(this.tips[s]!.hash)) tips[s] = this.tips[s]
    this.tips = tips
  }

  private tipRef(row: BlockRow): TipRef {
    return { height: row.height, hash: row.hash, timestamp: row.timestamp }
  }

  /** Stores equivocation evidence (a transaction of its own: evidence stands alone) and shows it. */
  private async recordEvidence(list: EvidenceRecord[]): Promise<void> {
    await this.store.apply({ evidence: list })
    this.evidence = { count: await this.store.countEvidence(), recent: [...list].reverse().concat(this.evidence.recent).slice(0, 10) }
    for (const e of list) this.log(`equivocation: ${e.kind} by ${e.offender} in slot ${e.slot}`)
    this.changed()
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
    const row = await this.timer.store(() => this.store.getBlock(hash))
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
    return { expected: slotProposer(this.opts.domain.rollup, this.opts.l2ChainId, epoch, slot, committee)!, committee }
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
    await this.timer.store(() => this.store.apply(update))
    // what is shown stops being "restored" once anything new about blocks has been learnt
    if (update.blocks?.length || update.checkpoints?.length || update.reorgs?.length) this.restoredFromStore = false
    for (const fn of this.commitListeners) {
      try {
        fn(update)
      } catch (e) {
        this.log.error('commit listener failed', e)
      }
    }
    this.changed()
  }

  private readonly commitListeners = new Set<(update: Readonly<StoreUpdate>) => void>()

  /**
   * Calls `fn` with every step's update once it is stored (blocks, checkpoints, bodies …).
   * The rows are the engine's own: read them, never mutate. Returns the unsubscribe function.
   */
  onCommitted(fn: (update: Readonly<StoreUpdate>) => void): () => void {
    this.commitListeners.add(fn)
    return () => this.commitListeners.delete(fn)
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
  /** Equivocation evidence: how many records are stored, and the newest (at most 10). */
  getEvidence(): { count: number; recent: EvidenceRecord[] } {
    return { count: this.evidence.count, recent: [...this.evidence.recent] }
  }
  /** Where the L1 scan stands (explorer progress): the rollup's deploy block and the last L1 block applied. */
  getL1Cursor(): { deployBlock: number; cursor: number | null } {
    const cursor = this.l1Cursor?.blockNumber ?? null
    const applied = this.l1Applied
    return { deployBlock: this.opts.deployBlock, cursor: cursor === null ? applied : applied === null ? cursor : Math.max(cursor, applied) }
  }
  getL1(): { head: number | null; finalized: number | null } {
    return { head: this.l1Head, finalized: this.l1Finalized }
  }
  /** Mined checkpoints known in memory with their quorum result (for the CLI / tests). */
  getMinedCheckpoints(): CheckpointRow[] {
    return [...this.mined.values()].sort((a, b) => a.checkpointNumber - b.checkpointNumber)
  }

  /** Time spent so far in engine steps, split into L1 fetch, store and the rest (verification): docs/bench.md. */
  timings(): EngineTimings {
    return this.timer.snapshot()
  }

  /** Heights in [from, to] with no canonical block in memory, ascending, at most `max` (backup sync, src/sync/backup.ts). */
  canonicalGaps(from: number, to: number, max: number): number[] {
    const out: number[] = []
    for (let h = Math.max(1, from); h <= to && out.length < max; h++) if (!this.canonical.has(h)) out.push(h)
    return out
  }

  /** The canonical block at `height` if it is in memory (the recent window). For the syncer (src/sync/syncer.ts). */
  canonicalBlock(height: number): BlockSummary | undefined {
    const hash = this.canonical.get(height)
    const row = hash ? this.blocks.get(hash) : undefined
    return row ? summarize(row) : undefined
  }

  /**
   * Canonical blocks whose parent is not known yet (accepted with `checks.linkage` unset),
   * lowest first, at most `limit`: the gaps gossip left for the syncer to fill.
   */
  unlinkedBlocks(limit = 64): BlockSummary[] {
    const out: BlockRow[] = []
    for (const hash of this.canonical.values()) {
      const row = this.blocks.get(hash)
      if (row && row.height > 1 && row.checks.linkage === undefined && row.status !== 'orphaned' && row.status !== 'invalid') out.push(row)
    }
    return out
      .sort((a, b) => a.height - b.height)
      .slice(0, limit)
      .map(summarize)
  }

  /** True when a block with this hash is held (memory or store), whatever its status. */
  async knows(hash: Hex): Promise<boolean> {
    return (await this.getBlock(hash)) !== undefined
  }

  /** Why the last attempt at header `hash` could not be verified yet (a soft failure: committee unknown, L1 unreachable …); undefined when it was not held back for that. */
  softFailure(hash: Hex): ErrorRecord | undefined {
    return this.softFailures.get(hash)
  }

  private readonly softFailures = new Map<Hex, ErrorRecord>()

  private noteSoftFailure(hash: Hex, e: VigilError): void {
    this.softFailures.delete(hash)
    this.softFailures.set(hash, e.toRecord())
    if (this.softFailures.size > 4096) this.softFailures.delete(this.softFailures.keys().next().value!)
  }

  latest(limit = 25): BlockSummary[] {
    return [...this.blocks.values()]
      .sort((a, b) => b.height - a.height || b.receivedAt - a.receivedAt)
      .slice(0, limit)
      .map(summarize)
  }
}

/** The status a block had before it was marked invalid (from its history); null when it was created invalid. */
function statusBeforeInvalid(row: BlockRow): BlockStatus | null {
  let i = row.history.length - 1
  while (i >= 0 && row.history[i]![0] === 'invalid') i--
  return i >= 0 ? row.history[i]![0] : null
}

/** The calldata attestation list as hex signatures; [] when it does not decode (the quorum check reports why). */
function attestationHexes(bytes: Uint8Array): Hex[] {
  try {
    return decodeAttestationSignatures(bytes).map(bytesToHex)
  } catch {
    return []
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

