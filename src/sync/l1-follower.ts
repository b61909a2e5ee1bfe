/**
 * The L1 follower: what L1 says about checkpoints. One poll checks the L1 chain under the
 * cursor (an L1 reorg rolls mined checkpoints back to attested and drops the verdicts of
 * invalid checkpoints in dropped blocks), applies the new mined checkpoints (each judged by
 * `verifyMinedCheckpoint`, src/verify/checkpoint.ts, through the network's rules, and committed on its own) and promotes
 * what L1 has finalized. It owns the mined and invalid checkpoints and the L1 position
 * (cursor, head, finalized, applied); blocks are the canonical chain's (src/sync/chain.ts).
 */
import { VigilError, toErrorRecord } from '../core/errors'
import type { Address, Hex } from '../core/types'
import type { Logger } from '../core/logger'
import type { DecodedCheckpoint } from '../protocol/checkpoint'
import type { BlockHeader } from '../protocol/header'
import type { ChainRules } from '../verify/chain-rules'
import type { BlockChecks } from '../core/records'
import type { L1Port, MinedCheckpoint } from '../ports/l1'
import type { BlockRow, CheckpointRow, StoreUpdate } from '../ports/store'
import type { VerifiedSegment } from '../ports/snapshot'
import type { CanonicalChain } from './chain'
import type { FailureLog } from './failures'
import type { CommitteeLookup } from './committee'
import { checkpointRow } from './rows'

export type L1Cursor = { blockNumber: number; blockHash: Hex }

export interface L1FollowerDeps {
  l1: L1Port
  chain: CanonicalChain
  failures: FailureLog
  committeeFor: CommitteeLookup
  /** Stores one step's update (the engine's commit: one transaction, then observers). */
  commit: (update: StoreUpdate) => Promise<void>
  /** The network's rules: how a mined checkpoint is decoded and judged (verify/chain-rules.ts). */
  rules: ChainRules
  deployBlock: number
  now: () => number
  log: Logger
}

export class L1Follower {
  /** Mined checkpoints by number: the L1 chain of checkpoints. */
  private readonly mined = new Map<number, CheckpointRow>()
  /** Invalid checkpoints in L1's chain, by number (rolled back when L1 drops their block). */
  private readonly invalid = new Map<number, CheckpointRow>()
  private cursor: L1Cursor | null = null
  private head: number | null = null
  private finalized: number | null = null
  /** Highest L1 block whose checkpoint event has been applied (history-scan progress inside one long poll). */
  private applied: number | null = null

  constructor(private readonly deps: L1FollowerDeps) {}

  /** Restores the cursor and the recent checkpoints from the store. */
  restore(cursor: L1Cursor | null, checkpoints: CheckpointRow[]): void {
    this.cursor = cursor
    for (const c of checkpoints) {
      if (c.status === 'mined' || c.status === 'finalized') this.mined.set(c.checkpointNumber, c)
      if (c.status === 'invalid') this.invalid.set(c.checkpointNumber, c)
    }
    for (const c of this.mined.values()) this.forgetPrunedInvalid(c)
  }

  /** The last L1 block scanned, with its hash (persisted with every step). */
  get l1Cursor(): L1Cursor | null {
    return this.cursor
  }

  /** Where the L1 scan stands: the deploy block and the last L1 block applied. */
  cursorView(): { deployBlock: number; cursor: number | null } {
    const cursor = this.cursor?.blockNumber ?? null
    const applied = this.applied
    return { deployBlock: this.deps.deployBlock, cursor: cursor === null ? applied : applied === null ? cursor : Math.max(cursor, applied) }
  }

  l1View(): { head: number | null; finalized: number | null } {
    return { head: this.head, finalized: this.finalized }
  }

  minedCheckpoints(): CheckpointRow[] {
    return [...this.mined.values()].sort((a, b) => a.checkpointNumber - b.checkpointNumber)
  }

  /**
   * One pass over L1: reorg check, new mined checkpoints, finality. Returns the L1 head number.
   * `signal` ends a long catch-up between checkpoints: each applied checkpoint is committed on
   * its own, and the cursor only moves when the scan completed.
   */
  async poll(signal?: AbortSignal): Promise<number | null> {
    const { l1 } = this.deps
    signal?.throwIfAborted()
    const head = await l1.block('latest')
    if (!head) return null
    this.head = head.number
    if (this.cursor) {
      const atCursor = await l1.block(this.cursor.blockNumber)
      if (!atCursor || atCursor.hash !== this.cursor.blockHash) await this.rollBack()
    }
    const from = this.cursor ? this.cursor.blockNumber + 1 : this.deps.deployBlock
    if (from <= head.number) {
      // every checkpoint number above what is held must turn up (a port that proves the tip checks it)
      const after = Math.max(0, ...this.mined.keys(), ...this.invalid.keys())
      const events = await l1.minedCheckpoints(from, head.number, { after, ...(signal ? { signal } : {}) })
      for (const ev of events) {
        signal?.throwIfAborted()
        await this.applyMined(ev)
      }
    }
    this.cursor = { blockNumber: head.number, blockHash: head.hash }
    const fin = await l1.block('finalized')
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    if (fin) {
      this.finalized = fin.number
      for (const c of this.mined.values()) {
        if (signal?.aborted) break // commit what is promoted so far
        if (c.status !== 'mined' || !c.l1 || c.l1.blockNumber > fin.number) continue
        // only what is in L1's canonical chain: a block replaced since the scan is rolled back next poll
        const atL1 = await l1.block(c.l1.blockNumber)
        if (!atL1 || atL1.hash !== c.l1.blockHash) continue
        c.status = 'finalized'
        c.updatedAt = this.deps.now()
        if (fin.anchor) c.finality = { blockNumber: fin.number, blockHash: fin.hash, anchor: fin.anchor, basis: fin.basis ?? '', rpc: c.proof?.rpc ?? '', facts: [`L1 block ${c.l1.blockNumber} (${c.l1.blockHash.slice(0, 10)}…) is at or below the anchored finalized block ${fin.number}, in its chain`], at: c.updatedAt }
        update.checkpoints!.push(c)
        for (const h of c.headerHashes) {
          const row = await this.deps.chain.get(h)
          if (row) this.deps.chain.promote(row, 'finalized', {}, update)
        }
      }
    }
    await this.deps.commit(update)
    return head.number
  }

  private async applyMined(ev: MinedCheckpoint): Promise<void> {
    const { chain, failures } = this.deps
    // the source that delivered it: the RPC whose answers were proven ('l1' for an unproven test port)
    const source = ev.proof?.rpc || 'l1'
    this.applied = Math.max(this.applied ?? 0, ev.l1BlockNumber)
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    const l1 = { blockNumber: ev.l1BlockNumber, blockHash: ev.l1BlockHash, txHash: ev.txHash }
    let cp: DecodedCheckpoint
    try {
      cp = this.deps.rules.decodeMinedCheckpoint(ev.checkpointBytes)
    } catch (e) {
      failures.record(source, e, { update })
      await this.deps.commit(update)
      return
    }
    const parent = await this.minedParentHeader(cp.checkpointNumber)
    let committee: Address[] = []
    let expected = '0x' as Address
    let committeeError: unknown
    try {
      ;({ expected, committee } = await this.deps.committeeFor(cp.slot))
    } catch (e) {
      committeeError = e
    }
    const v = this.deps.rules.verifyMinedCheckpoint({
      event: ev,
      checkpoint: cp,
      parent,
      parentInvalid: this.invalid.has(cp.checkpointNumber - 1),
      committee,
      expectedProposer: expected,
      ...(committeeError !== undefined ? { committeeError } : {}),
    })
    if (v.failed) {
      const rec = toErrorRecord(v.failed.error)
      const invalidRow = checkpointRow(cp, v.digest, 'invalid', v.signers, v.committeeSize, rec, l1, this.deps.now())
      invalidRow.attestations = v.attestations
      if (ev.proof) invalidRow.proof = ev.proof
      this.invalid.set(cp.checkpointNumber, invalidRow)
      update.checkpoints!.push(invalidRow)
      for (const h of cp.headers) {
        const row = (await chain.get(h.hash)) ?? chain.newRow(h, 'invalid', {}, source, null)
        chain.markInvalid(row, rec, update)
      }
      failures.record(source, v.failed.error, { update, extra: { checkpoint: cp.checkpointNumber } })
      await this.deps.commit(update)
      return
    }
    failures.accepted(source)
    const row = checkpointRow(cp, v.digest, 'mined', v.signers, v.committeeSize, null, l1, this.deps.now())
    row.attestations = v.attestations
    if (ev.proof) row.proof = ev.proof
    this.mined.set(cp.checkpointNumber, row)
    this.forgetPrunedInvalid(row)
    update.checkpoints!.push(row)
    const rows = await chain.rowsForHeaders(cp.headers, 'mined', { quorum: true, linkage: true, l1Inclusion: true }, source)
    chain.adopt(rows, update, 'checkpoint-mismatch')
    await this.deps.commit(update)
  }

  /** Last header of mined checkpoint n-1: null for n = 1 (genesis), undefined when unknown. */
  private async minedParentHeader(n: number): Promise<BlockHeader | null | undefined> {
    if (n === 1) return null
    const prev = this.mined.get(n - 1)
    if (!prev) return undefined
    const row = await this.deps.chain.get(prev.headerHashes.at(-1)!)
    return row ? this.deps.chain.headerOf(row) : undefined
  }

  /**
   * A valid checkpoint n in a later L1 block than an invalid checkpoint numbered n or above:
   * L1 pruned the invalid one (the rollup's `invalidate`, docs/reorgs.md), so it no longer
   * blocks what builds on n. Its blocks stay invalid.
   */
  private forgetPrunedInvalid(valid: CheckpointRow): void {
    if (!valid.l1) return
    for (const [n, c] of this.invalid) {
      if (n >= valid.checkpointNumber && c.l1 && c.l1.blockNumber < valid.l1.blockNumber) this.invalid.delete(n)
    }
  }

  /** The L1 chain under our cursor changed: mined checkpoints in dropped L1 blocks fall back to attested. */
  private async rollBack(): Promise<void> {
    const { l1, chain } = this.deps
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    const dropped: CheckpointRow[] = []
    for (const c of [...this.mined.values()].sort((a, b) => b.checkpointNumber - a.checkpointNumber)) {
      if (!c.l1) continue
      const b = await l1.block(c.l1.blockNumber)
      if (b && b.hash === c.l1.blockHash) break
      dropped.push(c)
    }
    const lowest = dropped.at(-1)
    // invalid checkpoints in dropped L1 blocks lose their verdict (rescanned from their block too)
    const invalidLowest = await this.dropInvalidCheckpoints(update)
    const lowestL1 = Math.min(lowest?.l1?.blockNumber ?? Infinity, invalidLowest ?? Infinity)
    const fromBlock = Number.isFinite(lowestL1) ? lowestL1 - 1 : Math.max(this.deps.deployBlock, (this.cursor?.blockNumber ?? 1) - 64)
    const hashes: Hex[] = []
    for (const c of dropped) {
      if (c.status === 'finalized') this.deps.log.error(`L1 reorg dropped the block of finalized checkpoint ${c.checkpointNumber}: L1 finality was violated`)
      this.mined.delete(c.checkpointNumber)
      c.status = 'attested'
      c.l1 = null
      c.updatedAt = this.deps.now()
      update.checkpoints!.push(c)
      hashes.push(...c.headerHashes)
    }
    await chain.unmine(hashes, update)
    const base = await l1.block(Math.max(0, fromBlock))
    this.cursor = base ? { blockNumber: base.number, blockHash: base.hash } : null
    await this.deps.commit(update)
  }

  /**
   * Invalid checkpoints whose L1 block is no longer in L1's chain (newest first, until one still
   * is): their verdict goes with the block (docs/reorgs.md). The checkpoint row becomes
   * `orphaned`, its error keeps why it was invalid plus `reorgedOut`; a soft
   * CHECKPOINT_REORGED_OUT failure says so. Its invalid blocks go back to the status they had
   * before (CanonicalChain.reinstate / rejoin). Returns the lowest dropped L1 block.
   */
  private async dropInvalidCheckpoints(update: StoreUpdate): Promise<number | null> {
    const { l1, chain } = this.deps
    let lowest: number | null = null
    const back: BlockRow[] = []
    for (const c of [...this.invalid.values()].sort((a, b) => b.checkpointNumber - a.checkpointNumber)) {
      if (!c.l1) continue
      const atL1 = await l1.block(c.l1.blockNumber)
      if (atL1 && atL1.hash === c.l1.blockHash) break
      const at = c.l1
      const was = c.error
      lowest = Math.min(lowest ?? Infinity, at.blockNumber)
      this.invalid.delete(c.checkpointNumber)
      c.status = 'orphaned'
      c.l1 = null
      c.updatedAt = this.deps.now()
      if (was) c.error = { ...was, details: { ...(was.details ?? {}), reorgedOut: true, l1BlockNumber: at.blockNumber, l1BlockHash: at.blockHash } }
      update.checkpoints!.push(c)
      const error = new VigilError('CHECKPOINT_REORGED_OUT', `invalid checkpoint ${c.checkpointNumber} (${was?.code ?? 'invalid'}) was reorged out of L1 block ${at.blockNumber}`, {
        severity: 'soft',
        details: { checkpoint: c.checkpointNumber, digest: c.digest, wasCode: was?.code ?? null, l1BlockNumber: at.blockNumber, l1BlockHash: at.blockHash },
      })
      // not a verdict on what L1 delivered: L1 took it back
      this.deps.failures.record('l1', error, { update, count: false })
      back.push(...(await chain.reinstate(c.headerHashes, update)))
    }
    chain.rejoin(back, update)
    return lowest
  }

  /**
   * Imports a chain segment already verified against L1 (src/verify/snapshot.ts) in ONE store
   * transaction: its blocks become mined (finalized where their checkpoint's L1 block is
   * final), its checkpoints join the mined chain, and the cursor moves to the anchor's L1
   * block. Refused (SNAPSHOT_INVALID, soft) when a mined chain is already held.
   */
  async importSegment(seg: VerifiedSegment): Promise<{ blocks: number; checkpoints: number; height: number }> {
    const { chain } = this.deps
    const minedTip = chain.getTips().mined
    if (minedTip) throw new VigilError('SNAPSHOT_INVALID', `the store already holds a mined chain (height ${minedTip.height}); a snapshot only starts a fresh client`, { severity: 'soft' })
    if (seg.checkpoints.length === 0) throw new VigilError('SNAPSHOT_INVALID', 'empty segment')
    const update: StoreUpdate = { blocks: [], checkpoints: [] }
    const rows: BlockRow[] = []
    for (const [ci, c] of seg.checkpoints.entries()) {
      const final = seg.l1Finalized !== null && c.l1.blockNumber <= seg.l1Finalized
      const status = final ? 'finalized' : 'mined'
      const cpRow = checkpointRow(c.checkpoint, c.digest, status, c.signers, c.committeeSize, null, c.l1, this.deps.now())
      cpRow.attestations = c.attestations
      this.mined.set(c.checkpoint.checkpointNumber, cpRow)
      update.checkpoints!.push(cpRow)
      c.checkpoint.headers.forEach((h, i) => {
        const linked = ci > 0 || i > 0 || h.height === 1
        const checks: BlockChecks = { proposerSignature: true, quorum: true, l1Inclusion: true, ...(linked ? { linkage: true } : {}) }
        const existing = chain.peek(cpRow.headerHashes[i]!)
        if (existing) {
          chain.promote(existing, status, checks)
          rows.push(existing)
        } else rows.push(chain.newRow(h, status, checks, seg.source, c.headerSignatures[i] ?? null))
      })
    }
    chain.adopt(rows, update, 'checkpoint-mismatch')
    this.cursor = seg.l1Cursor
    this.head = Math.max(this.head ?? 0, seg.l1Head)
    if (seg.l1Finalized !== null) this.finalized = seg.l1Finalized
    await this.deps.commit(update)
    return { blocks: rows.length, checkpoints: seg.checkpoints.length, height: rows.at(-1)!.height }
  }
}
