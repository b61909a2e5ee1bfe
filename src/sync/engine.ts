/**
 * The sync engine's serial front. Sources hand it raw bytes; each input becomes ONE step
 * (run one at a time through `serial`, timed by the step timer) and ONE store transaction
 * (`commit`). What the step decides is delegated to the objects that own the state:
 *
 * - `CanonicalChain` (chain.ts): blocks, canonical index, statuses, tips, counts, reorgs;
 * - `PendingCheckpoints` (pending.ts): gossiped checkpoints and their attestations;
 * - `L1Follower` (l1-follower.ts): mined / invalid checkpoints, L1 rollbacks, finality;
 * - `FailureLog` (failures.ts): verdicts per source and the one way to record a failure;
 * - `EquivocationDetector` (evidence.ts): double proposals and conflicting attestations.
 */
import { VigilError, type ErrorRecord } from '../core/errors'
import { LIVE_STATUSES, type BlockStatus, type Hex, type Tips } from '../core/types'
import type { Logger } from '../core/logger'
import { silentLogger } from '../core/logger'
import { toDecodedHeader, type BlockHeader } from '../protocol/header'
import { decodeProposal } from '../protocol/proposal'
import type { SigningDomain } from '../protocol/domain'
import { verifyBody } from '../verify/rules'
import { vigilChainRules, type ChainRules } from '../verify/chain-rules'
import { checkMessageSize, checkProposalHeader, checkProposalTxHashes, type GossipKind } from '../verify/gossip-rules'
import type { BlockRow, ChainStore, CheckpointRow, StoreUpdate } from '../ports/store'
import type { BlockChecks, BlockSummary, EvidenceRecord, ReorgRecord } from '../core/records'
import type { GossipVerdict, VerdictSink } from '../ports/stats'
import type { L1Port } from '../ports/l1'
import type { VerifiedSegment } from '../ports/snapshot'
import { EquivocationDetector } from './evidence'
import { StepTimer, timedL1Port, type EngineTimings } from './timing'
import { CanonicalChain, RECENT_WINDOW } from './chain'
import { PendingCheckpoints, type GossipOutcome, type PendingCheckpoint } from './pending'
import { L1Follower } from './l1-follower'
import { FailureLog, type VerdictsByCode } from './failures'
import { SeenCache } from './seen-cache'
import { committeeLookup, type CommitteeLookup } from './committee'
import { checkpointRow } from './rows'

export { summarize } from './rows'

export interface EngineOptions {
  store: ChainStore
  l1: L1Port
  /** Stats of the gossip source (verdicts on what it delivered). */
  gossipStats: VerdictSink
  /** Stats of the L1 source (verdicts on the checkpoints it delivered). */
  l1Stats?: VerdictSink
  domain: SigningDomain
  /** The network's rules (proposer derivation, signatures, mined checkpoints): the adapter's, from composeClient; Vigil's for `domain` when not given. */
  rules?: ChainRules
  l2ChainId: number
  deployBlock: number
  mode: 'light' | 'full'
  logger?: Logger
  /**
   * The local clock (unix ms): the gossip clock window (verify/gossip-rules.ts
   * `checkSlotNotInFuture`), committee epochs, timestamps of records. Tests inject their own.
   */
  now?: () => number
}

/** A judged input: its verdict, and whether the same bytes would always get it (then the seen-cache keeps it). */
interface Judged {
  verdict: GossipVerdict
  final: boolean
}
const judged = (verdict: GossipVerdict, final = verdict !== 'ignore'): Judged => ({ verdict, final })

const MAX_SOFT_FAILURES = 4096

export class SyncEngine {
  private readonly store: ChainStore
  private readonly log: Logger
  private readonly now: () => number
  /** Where the engine's time goes (timings(), `npm run bench`). */
  private readonly timer = new StepTimer()
  private readonly equivocation = new EquivocationDetector()
  private readonly failures: FailureLog
  private readonly chain: CanonicalChain
  private readonly pending: PendingCheckpoints
  private readonly follower: L1Follower
  private readonly committeeFor: CommitteeLookup
  private readonly l1: L1Port
  /** Verdicts on gossip messages already judged, by content: replays cost nothing. */
  private readonly seen = new SeenCache()
  private readonly rules: ChainRules
  private evidence: { count: number; recent: EvidenceRecord[] } = { count: 0, recent: [] }
  private readonly softFailures = new Map<Hex, ErrorRecord>()
  private queue: Promise<unknown> = Promise.resolve()
  private readonly listeners = new Set<() => void>()
  private readonly commitListeners = new Set<(update: Readonly<StoreUpdate>) => void>()
  restoredFromStore = false

  constructor(private readonly opts: EngineOptions) {
    this.store = opts.store
    this.log = opts.logger ?? silentLogger
    this.now = opts.now ?? Date.now
    const l1 = timedL1Port(opts.l1, this.timer)
    this.l1 = l1
    this.rules = opts.rules ?? vigilChainRules(opts.domain, opts.l2ChainId)
    this.committeeFor = committeeLookup(l1, this.rules, this.now)
    this.failures = new FailureLog({ store: this.store, gossipStats: opts.gossipStats, l1Stats: opts.l1Stats, now: this.now, changed: () => this.changed(), log: this.log })
    this.chain = new CanonicalChain({
      now: this.now,
      storedRow: (hash) => this.timer.store(() => this.store.getBlock(hash)),
      hasDoubleProposal: (proposer, slot, index) => this.equivocation.hasDoubleProposal(proposer, slot, index),
      onLinkFailure: (child, e, update) => this.failures.record(child.source, e, { update, extra: { height: child.height }, count: false }),
      log: (msg) => this.log(msg),
    })
    this.pending = new PendingCheckpoints({
      domain: opts.domain,
      l2ChainId: opts.l2ChainId,
      committeeFor: this.committeeFor,
      equivocation: this.equivocation,
      failures: this.failures,
      headerRules: (h) => this.headerRules(h),
      now: this.now,
    })
    this.follower = new L1Follower({ l1, chain: this.chain, failures: this.failures, committeeFor: this.committeeFor, commit: (u) => this.commit(u), rules: this.rules, deployBlock: opts.deployBlock, now: this.now, log: this.log })
  }

  // ---------------------------------------------------------------- lifecycle

  /** Restores tips, the recent chain and the L1 cursor from the store. */
  async restore(): Promise<void> {
    const state = await this.store.loadState()
    const counts = await this.store.countByStatus()
    const reorgs = await this.store.recentReorgs(25)
    this.failures.restore(await this.store.recentFailures(50))
    this.evidence = { count: await this.store.countEvidence(), recent: await this.store.recentEvidence(10) }
    if (!state) {
      this.chain.restore({ tips: null, counts, reorgs, rows: [] })
      return
    }
    const top = Math.max(...LIVE_STATUSES.map((s) => state.tips[s]?.height ?? 0))
    const rows = await this.store.blocksFrom(Math.max(0, top - RECENT_WINDOW))
    this.chain.restore({ tips: state.tips, counts, reorgs, rows })
    // what was proposed per slot position, so a double proposal is still caught after a restart
    for (const r of rows) if (r.proposalSignature) this.equivocation.blockProposal(this.chain.headerOf(r), r.hash, r.proposalSignature, r.source)
    const minedTipNumber = state.tips.mined ? this.chain.peek(state.tips.mined.hash)?.checkpointNumber ?? 0 : 0
    this.follower.restore(state.l1Cursor, await this.store.checkpointsFrom(Math.max(0, minedTipNumber - 64)))
    this.restoredFromStore = LIVE_STATUSES.some((s) => state.tips[s] !== null)
  }

  /** Calls `fn` after every change to what the engine shows. Returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /**
   * Calls `fn` with every step's update once it is stored (blocks, checkpoints, bodies …).
   * The rows are the engine's own: read them, never mutate. Returns the unsubscribe function.
   */
  onCommitted(fn: (update: Readonly<StoreUpdate>) => void): () => void {
    this.commitListeners.add(fn)
    return () => this.commitListeners.delete(fn)
  }

  private changed(): void {
    for (const fn of this.listeners) fn()
  }

  /** Runs `fn` after every earlier step has finished: the engine's single writer. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const step = () => this.timer.step(fn)
    const next = this.queue.then(step, step)
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Stores one step's changes in ONE transaction (with tips and L1 cursor), then tells the observers. */
  private async commit(update: StoreUpdate): Promise<void> {
    update.state = { tips: this.chain.getTips(), l1Cursor: this.follower.l1Cursor }
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

  // ---------------------------------------------------------------- blocks

  /**
   * A gossiped block proposal (any peer, or the page's node). Before anything is decoded: the
   * seen-cache (a replay gets its first verdict back, at the cost of one hash) and the topic's
   * size cap; then the header rules, the proposer signature, the body and the tx hash list
   * (verify/gossip-rules.ts, verify/rules.ts), and first-seen per (slot, index).
   */
  onBlockProposal(data: Uint8Array, source = 'gossip', peer?: string): Promise<GossipVerdict> {
    return this.gossipEntry('blockProposal', data, source, peer, async () => {
      let p
      try {
        p = decodeProposal(data)
      } catch (e) {
        return judged(this.failures.record(source, e, { peer }))
      }
      // an empty body field means header-only (body withheld): never a valid body (≥ 5 bytes), fetched elsewhere
      return this.acceptSignedHeader(p.header, p.signature, p.bodyBytes.length > 0 ? p.bodyBytes : null, source, { txHashes: p.txHashes, peer })
    })
  }

  /** The size cap and the seen-cache in front of a gossip step (outside the queue: replays wait for nothing), then the step. */
  private async gossipEntry(kind: GossipKind, data: Uint8Array, source: string, peer: string | undefined, step: () => Promise<Judged>): Promise<GossipVerdict> {
    try {
      checkMessageSize(kind, data.length)
    } catch (e) {
      return this.failures.record(source, e, { peer })
    }
    const id = SeenCache.idOf(kind, data)
    const replayed = this.seen.replay(id)
    if (replayed) return replayed
    const out = await this.serial(step)
    if (out.final) this.seen.remember(id, out.verdict)
    return out.verdict
  }

  /**
   * A header with its proposer signature from any source (req/resp, file store, backup RPC):
   * verified exactly like a gossiped proposal, without the body. Returns the verdict.
   */
  onSignedHeader(header: BlockHeader, signature: Uint8Array, source: string, peer?: string): Promise<GossipVerdict> {
    return this.serial(async () => (await this.acceptSignedHeader(header, signature, null, source, { peer })).verdict)
  }

  /**
   * The header rules every signed header passes before its signature is checked, whatever its
   * source (verify/gossip-rules.ts `checkProposalHeader`: fields, the clock window, the
   * timestamp in its slot, height / checkpoint / index consistency). Throws the rule's error.
   */
  private async headerRules(h: BlockHeader): Promise<void> {
    const schedule = await this.l1.rollupParams()
    checkProposalHeader(h, { l2ChainId: this.opts.l2ChainId, schedule, nowMs: this.now() })
  }

  private async acceptSignedHeader(
    header: BlockHeader,
    signature: Uint8Array,
    bodyBytes: Uint8Array | null,
    source: string,
    extra: { txHashes?: Hex[]; peer?: string | undefined } = {},
  ): Promise<Judged> {
    const { peer } = extra
    const h = toDecodedHeader(header)
    const hash = h.hash
    let txHashesOfBody: Hex[] | null = null
    const known = this.chain.peek(hash)
    if (known) {
      // the header came before its body (or vice versa): complete what we have
      if (bodyBytes && !known.checks.body) {
        // the body must be the one the proposal's tx hash list names, like any proposal's
        if (extra.txHashes) {
          try {
            checkProposalTxHashes(h, verifyBody(h, bodyBytes), extra.txHashes)
          } catch (e) {
            return judged(this.failures.record(source, e, { peer }))
          }
        }
        await this.acceptBody(known, bodyBytes, source, peer)
      }
      return judged('ignore', true)
    }
    this.softFailures.delete(hash)
    try {
      // cheapest first: the header on its own (and the clock), then the signature, the body, the tx list
      await this.headerRules(h)
      const { expected } = await this.committeeFor(h.slot)
      this.rules.verifyBlockSignature(h, signature, expected)
      const body = bodyBytes ? verifyBody(h, bodyBytes) : null
      if (body) txHashesOfBody = body.txEffects.map((e) => e.txHash)
      if (extra.txHashes) checkProposalTxHashes(h, body, extra.txHashes)
    } catch (e) {
      if (e instanceof VigilError && e.severity === 'soft') {
        this.log('header held back (soft):', e.message)
        this.noteSoftFailure(hash, e)
        // a slot that has not started: listed with its code (not counted against the source)
        if (e.code === 'SLOT_IN_FUTURE') this.failures.record(source, e, { peer, count: false })
        return judged('ignore', false)
      }
      return judged(this.failures.record(source, e, { peer }))
    }
    const doubled = this.equivocation.blockProposal(h, hash, signature, source)
    if (doubled) {
      // a second proposal for this slot position: evidence; the first seen stays (this one is not
      // stored, shown or forwarded), and the mined checkpoint decides which block the chain keeps
      await this.recordEvidence([doubled])
      this.failures.record(
        source,
        new VigilError('DOUBLE_PROPOSAL', `a second block for slot ${h.slot} index ${h.indexInCheckpoint} signed by ${h.proposer}: kept as evidence, the first seen stays`, {
          severity: 'soft',
          details: { slot: h.slot, index: h.indexInCheckpoint, height: h.height, first: doubled.hashes[0], second: hash, evidence: doubled.id },
        }),
        { peer, count: false },
      )
      return judged('ignore', true)
    }
    if (this.equivocation.holdsOther(h, hash)) {
      // a third (or later) block for a position already reported: not shown either (the first seen stays)
      return judged('ignore', true)
    }
    const parent = await this.chain.linkParent(h)
    if (parent instanceof VigilError) return judged(this.failures.record(source, parent, { peer }))
    const checks: BlockChecks = { proposerSignature: true, ...(bodyBytes ? { body: true } : {}), ...(parent === 'unknown' ? {} : { linkage: true }) }
    const row = this.chain.newRow(h, 'proposed', checks, source, signature)
    const update: StoreUpdate = { blocks: [] }
    this.chain.adopt([row], update, 'gossip-fork')
    if (bodyBytes && this.opts.mode === 'full') update.bodies = [{ hash, bytes: bodyBytes, source }]
    if (txHashesOfBody) this.noteBody(row, txHashesOfBody, source, update)
    // a checkpoint that already reached quorum may name this block
    if (this.pending.attestedNames(hash)) this.chain.promote(row, 'attested', { quorum: true }, update)
    await this.commit(update)
    this.failures.accepted(source)
    return judged('accept')
  }

  /**
   * A body for a known header, from any source: verified against the header's commitment.
   * Returns true when it matched (and, in full mode, was stored).
   */
  onBody(hash: Hex, bodyBytes: Uint8Array, source: string, meta: { attempts?: number } = {}): Promise<boolean> {
    return this.serial(async () => {
      const row = await this.chain.get(hash)
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

  private async acceptBody(row: BlockRow, bodyBytes: Uint8Array, source: string, peer?: string): Promise<boolean> {
    let txHashesOfBody: Hex[]
    try {
      txHashesOfBody = verifyBody(this.chain.headerOf(row), bodyBytes).txEffects.map((e) => e.txHash)
    } catch (e) {
      this.failures.record(source, e, { peer })
      return false
    }
    const update: StoreUpdate = { blocks: [row] }
    row.checks = { ...row.checks, body: true }
    if (this.opts.mode === 'full') update.bodies = [{ hash: row.hash, bytes: bodyBytes, source }]
    this.noteBody(row, txHashesOfBody, source, update)
    await this.commit(update)
    this.failures.accepted(source)
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

  // ---------------------------------------------------------------- checkpoints on gossip

  onCheckpointProposal(data: Uint8Array, source = 'gossip', peer?: string): Promise<GossipVerdict> {
    return this.gossipEntry('checkpointProposal', data, source, peer, async () => this.afterGossip(await this.pending.onProposal(data, source, peer), source))
  }

  onAttestation(data: Uint8Array, source = 'gossip', peer?: string): Promise<GossipVerdict> {
    return this.gossipEntry('checkpointAttestation', data, source, peer, () => this.afterGossip(this.pending.onAttestation(data, source, peer), source))
  }

  /**
   * Retries the checkpoint proposals held after a soft failure (pending.ts: committee not
   * readable yet, L1 unreachable) as one step; those that verify now are tracked as if just
   * gossiped (early attestations counted, quorum adopted). Runs after every L1 poll (the only
   * way a committee becomes readable); never throws. Returns how many left the queue verified.
   */
  async retryHeldProposals(): Promise<number> {
    if (this.pending.heldCount === 0) return 0
    try {
      return await this.serial(async () => {
        const r = await this.pending.retryHeld()
        let ok = 0
        for (const { outcome, source } of r.outcomes) {
          await this.afterGossip(outcome, source)
          if (outcome.ok) ok++
        }
        if (r.retried > 0 || r.expired > 0) this.log(`held checkpoint proposals: ${r.retried} retried, ${ok} verified, ${r.expired} expired, ${this.pending.heldCount} still held`)
        return ok
      })
    } catch (e) {
      this.log.error('retrying held checkpoint proposals failed', e)
      return 0
    }
  }

  /** Checkpoint proposals held after a soft failure, waiting for a retry (oldest first). */
  heldProposals(): ReturnType<PendingCheckpoints['heldProposals']> {
    return this.pending.heldProposals()
  }

  /** What a checkpoint proposal or attestation did: evidence stored, a checkpoint that reached quorum adopted, the verdict counted. */
  private async afterGossip(out: GossipOutcome, source: string): Promise<Judged> {
    if (out.evidence.length > 0) await this.recordEvidence(out.evidence)
    if (out.reached) await this.checkpointAttested(out.reached, source)
    if (out.ok) this.failures.accepted(source)
    // an ignored checkpoint proposal or attestation may be judged differently later (committee, its checkpoint): not cached
    return judged(out.verdict, out.verdict !== 'ignore' || out.ok)
  }

  private async checkpointAttested(pc: PendingCheckpoint, source: string): Promise<void> {
    if (pc.rival) return // an equivocating proposer's second checkpoint: only L1 can make it canonical
    pc.attested = true
    const cp = pc.checkpoint
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    // the first header links to the previous checkpoint's last one: checked only when that parent
    // is held; until then its link stays unchecked (linkChildren checks it when the parent arrives)
    // (a first block already held keeps its own linkage: checked when it was adopted or linked)
    const first = cp.headers[0]!
    let firstLink: boolean | null = null
    if (!(await this.chain.get(first.hash))) {
      const link = await this.chain.linkParent(first)
      if (link instanceof VigilError) this.failures.record(source, link, { update, extra: { height: first.height }, count: false })
      firstLink = link === 'linked' ? true : link === 'unknown' ? null : false
    }
    const rows = await this.chain.rowsForHeaders(cp.headers, 'attested', { quorum: true }, source, { firstLink })
    this.chain.adopt(rows, update, 'checkpoint-mismatch')
    const attestedRow = checkpointRow(cp, pc.digest, 'attested', pc.tracker.signers, pc.tracker.committeeSize, null, null, this.now())
    if (pc.signatures) attestedRow.attestations = [...pc.signatures]
    update.checkpoints!.push(attestedRow)
    await this.commit(update)
  }

  /** Stores equivocation evidence (a transaction of its own: evidence stands alone) and shows it. */
  private async recordEvidence(list: EvidenceRecord[]): Promise<void> {
    await this.store.apply({ evidence: list })
    this.evidence = { count: await this.store.countEvidence(), recent: [...list].reverse().concat(this.evidence.recent).slice(0, 10) }
    for (const e of list) this.log(`equivocation: ${e.kind} by ${e.offender} in slot ${e.slot}`)
    this.changed()
  }

  // ---------------------------------------------------------------- L1 and snapshots

  /**
   * One pass over L1 (L1Follower.poll): reorg check, new mined checkpoints, finality. Returns
   * the L1 head number. `signal` (the client stopping) ends a long catch-up between checkpoints.
   */
  async pollL1(opts: { signal?: AbortSignal } = {}): Promise<number | null> {
    try {
      return await this.serial(() => this.follower.poll(opts.signal))
    } finally {
      // a committee (or the L1 itself) may be readable now: held checkpoint proposals get their retry
      if (!opts.signal?.aborted) await this.retryHeldProposals()
    }
  }

  /**
   * Imports a chain segment already verified against L1 (src/verify/snapshot.ts) in ONE store
   * transaction (L1Follower.importSegment). Refused (SNAPSHOT_INVALID, soft) when this engine
   * already holds a mined chain: a snapshot is a fresh client's starting point.
   */
  importVerifiedSegment(seg: VerifiedSegment): Promise<{ blocks: number; checkpoints: number; height: number }> {
    return this.serial(() => this.follower.importSegment(seg))
  }

  // ---------------------------------------------------------------- failures and sources

  /**
   * Records that data from `source` failed verification (listed in failures, stored; counted
   * as rejected in its stats unless `count` is false: a claim only contradicted, not disproven).
   */
  recordFailure(source: string, e: unknown, count = true, peer?: string): void {
    this.failures.record(source, e, { count, peer })
  }

  /** Items turned away since start, per code and verdict (reject = hard, ignore = soft). */
  verdictsByCode(): VerdictsByCode {
    return this.failures.verdictsByCode()
  }

  /** Gossip replays answered from the seen-cache without any work. */
  seenHits(): number {
    return this.seen.hits
  }

  /** Lets verdicts on data from `stats.name` be counted in that source's stats. */
  registerSource(stats: VerdictSink): void {
    this.failures.register(stats)
  }

  private noteSoftFailure(hash: Hex, e: VigilError): void {
    this.softFailures.delete(hash)
    this.softFailures.set(hash, e.toRecord())
    if (this.softFailures.size > MAX_SOFT_FAILURES) this.softFailures.delete(this.softFailures.keys().next().value!)
  }

  // ---------------------------------------------------------------- views

  getTips(): Tips {
    return this.chain.getTips()
  }
  getCounts(): Record<BlockStatus, number> {
    return this.chain.getCounts()
  }
  getReorgs(): ReorgRecord[] {
    return this.chain.getReorgs()
  }
  getFailures(): ErrorRecord[] {
    return this.failures.list()
  }
  /** Equivocation evidence: how many records are stored, and the newest (at most 10). */
  getEvidence(): { count: number; recent: EvidenceRecord[] } {
    return { count: this.evidence.count, recent: [...this.evidence.recent] }
  }
  /** Where the L1 scan stands (explorer progress): the rollup's deploy block and the last L1 block applied. */
  getL1Cursor(): { deployBlock: number; cursor: number | null } {
    return this.follower.cursorView()
  }
  getL1(): { head: number | null; finalized: number | null } {
    return this.follower.l1View()
  }
  /** Mined checkpoints known in memory with their quorum result (for the CLI / tests). */
  getMinedCheckpoints(): CheckpointRow[] {
    return this.follower.minedCheckpoints()
  }
  /** Time spent so far in engine steps, split into L1 fetch, store and the rest (verification): docs/bench.md. */
  timings(): EngineTimings {
    return this.timer.snapshot()
  }
  /** Heights in [from, to] with no canonical block in memory, ascending, at most `max` (backup sync, src/sync/backup.ts). */
  canonicalGaps(from: number, to: number, max: number): number[] {
    return this.chain.canonicalGaps(from, to, max)
  }
  /** The canonical block at `height` if it is in memory (the recent window). For the syncer (src/sync/syncer.ts). */
  canonicalBlock(height: number): BlockSummary | undefined {
    return this.chain.canonicalBlock(height)
  }
  /** Canonical blocks whose parent is not known yet, lowest first, at most `limit`: the gaps gossip left for the syncer to fill. */
  unlinkedBlocks(limit = 64): BlockSummary[] {
    return this.chain.unlinkedBlocks(limit)
  }
  /** True when a block with this hash is held (memory or store), whatever its status. */
  async knows(hash: Hex): Promise<boolean> {
    return (await this.chain.get(hash)) !== undefined
  }
  /** Why the last attempt at header `hash` could not be verified yet (a soft failure: committee unknown, L1 unreachable …); undefined when it was not held back for that. */
  softFailure(hash: Hex): ErrorRecord | undefined {
    return this.softFailures.get(hash)
  }
  latest(limit = 25): BlockSummary[] {
    return this.chain.latest(limit)
  }
}
