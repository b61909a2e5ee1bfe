/**
 * Checkpoints proposed on gossip and not yet mined: each with the QuorumTracker that counts
 * its attestations, plus a bounded buffer of attestations that arrived before their
 * checkpoint proposal (handed over when it comes). Old checkpoints are pruned. It verifies
 * what gossip delivers (proposal signature, headers, attestation signers), finds the
 * equivocations among them, and says when a checkpoint reaches quorum; the engine then
 * adopts its blocks as attested.
 *
 * A proposal that cannot be verified *yet* (a soft failure: committee not readable, L1
 * unreachable) is held, like a syncer's pending header (syncer-pending.ts), not dropped: at
 * most `MAX_HELD_PROPOSALS` (and `MAX_HELD_PER_PEER` from one peer), retried by the engine
 * after every L1 poll when due (backoff 250 ms → 8 s; once one verifies, every other held one
 * is tried at once: the cause is usually shared), and dropped after `timeoutMs` (120 s) with a
 * coded PENDING_TIMEOUT record. SLOT_IN_FUTURE is not held: the clock window exists so that
 * nothing signed ahead of time is kept.
 */
import { VigilError, type ErrorRecord } from '../core/errors'
import { backoffMs } from '../core/abort'
import type { Address, Hex } from '../core/types'
import type { EvidenceRecord } from '../core/records'
import { checkpointDigest, decodeAttestation, decodeCheckpointProposal, type DecodedCheckpoint } from '../protocol/checkpoint'
import { bytesToHex } from '../protocol/bytes'
import type { SigningDomain } from '../protocol/domain'
import type { BlockHeader } from '../protocol/header'
import { QuorumTracker, verifyCheckpointHeaders, verifyCheckpointProposalSignature } from '../verify/rules'
import type { GossipVerdict } from '../ports/stats'
import type { CommitteeLookup } from './committee'
import type { EquivocationDetector } from './evidence'
import type { FailureLog } from './failures'

/** Attestations held for checkpoints not seen yet, over all digests. */
export const MAX_EARLY_ATTESTATIONS = 4096
/** Pending checkpoints numbered this far below the newest proposal are dropped. */
const KEEP_BEHIND = 8
/** Checkpoint proposals held after a soft failure, over all peers. */
export const MAX_HELD_PROPOSALS = 64
/** … and from one peer (a flood of unverifiable proposals from one peer cannot crowd the others out). */
export const MAX_HELD_PER_PEER = 8
/** Every default of the held-proposal queue (the same as the syncer's pending headers). */
export const HELD_PROPOSAL_DEFAULTS = {
  /** A held proposal is dropped (PENDING_TIMEOUT) after this long. */
  timeoutMs: 120_000,
  /** Retry backoff: first ~`retryBaseMs`, doubling up to `retryMaxMs` (jittered). */
  retryBaseMs: 250,
  retryMaxMs: 8_000,
} as const

/** A checkpoint proposal that hit a soft failure, kept for a retry. */
export interface HeldProposal {
  data: Uint8Array
  digest: Hex
  checkpointNumber: number
  slot: number
  source: string
  peer: string | undefined
  /** The soft failure of the last attempt. */
  cause: ErrorRecord
  firstAt: number
  attempts: number
  nextAt: number
}

export interface PendingCheckpoint {
  checkpoint: DecodedCheckpoint
  digest: Hex
  tracker: QuorumTracker
  attested: boolean
  /** A second, different checkpoint proposal for a slot (equivocation): tracked for evidence, never adopted. */
  rival?: boolean
  /** Signatures the tracker accepted, kept for the checkpoint row (re-verifiable on demand). */
  signatures?: Hex[]
}

export interface PendingDeps {
  domain: SigningDomain
  l2ChainId: number
  committeeFor: CommitteeLookup
  equivocation: EquivocationDetector
  failures: FailureLog
  /** The header rules every signed header passes (engine: verify/gossip-rules.ts `checkProposalHeader` with the clock). */
  headerRules?: (h: BlockHeader) => Promise<void>
  /** The clock for held proposals (backoff, expiry). Default `Date.now`. */
  now?: () => number
  /** Held-proposal timeout and backoff (HELD_PROPOSAL_DEFAULTS). */
  held?: { timeoutMs?: number; retryBaseMs?: number; retryMaxMs?: number }
}

/**
 * What one gossiped item did: the verdict for the gossip validator, evidence found, whether it
 * passed verification (`ok`: count it as accepted once the step is done) and the checkpoint
 * that reached quorum with it, if any.
 */
export interface GossipOutcome {
  verdict: GossipVerdict
  ok: boolean
  evidence: EvidenceRecord[]
  reached: PendingCheckpoint | null
}

const dropped = (verdict: GossipVerdict): GossipOutcome => ({ verdict, ok: false, evidence: [], reached: null })

/** A retry pass over the held proposals: what each one that left the queue with a verdict did, and how many expired. */
export interface HeldRetry {
  retried: number
  outcomes: { outcome: GossipOutcome; source: string }[]
  expired: number
}

export class PendingCheckpoints {
  private readonly pending = new Map<Hex, PendingCheckpoint>()
  private readonly early = new Map<Hex, Uint8Array[]>()
  private earlyCount = 0
  private readonly held = new Map<Hex, HeldProposal>()
  private readonly now: () => number
  private readonly heldTimeoutMs: number
  private readonly retryBaseMs: number
  private readonly retryMaxMs: number

  constructor(private readonly deps: PendingDeps) {
    this.now = deps.now ?? Date.now
    this.heldTimeoutMs = deps.held?.timeoutMs ?? HELD_PROPOSAL_DEFAULTS.timeoutMs
    this.retryBaseMs = deps.held?.retryBaseMs ?? HELD_PROPOSAL_DEFAULTS.retryBaseMs
    this.retryMaxMs = deps.held?.retryMaxMs ?? HELD_PROPOSAL_DEFAULTS.retryMaxMs
  }

  /** A gossiped checkpoint proposal: decoded, verified (chain, proposer signature, headers), tracked; held for a retry on a soft failure. */
  onProposal(data: Uint8Array, source: string, peer?: string): Promise<GossipOutcome> {
    return this.judgeProposal(data, source, peer, null)
  }

  /** Checkpoint proposals held after a soft failure (waiting for a retry). */
  get heldCount(): number {
    return this.held.size
  }

  /** The held proposals (oldest first), for the UI and tests. */
  heldProposals(): Omit<HeldProposal, 'data'>[] {
    return [...this.held.values()].map((h) => ({
      digest: h.digest,
      checkpointNumber: h.checkpointNumber,
      slot: h.slot,
      source: h.source,
      peer: h.peer,
      cause: h.cause,
      firstAt: h.firstAt,
      attempts: h.attempts,
      nextAt: h.nextAt,
    }))
  }

  /**
   * Retries the held proposals that are due (all of them once one verifies: the cause is
   * usually shared); expired ones are dropped with PENDING_TIMEOUT (soft, listed, not counted
   * against the source). The engine runs this as one step after every L1 poll.
   */
  async retryHeld(): Promise<HeldRetry> {
    const out: HeldRetry = { retried: 0, outcomes: [], expired: 0 }
    let resolved = false
    for (const h of [...this.held.values()].sort((a, b) => a.checkpointNumber - b.checkpointNumber)) {
      const t = this.now()
      if (t - h.firstAt > this.heldTimeoutMs) {
        this.held.delete(h.digest)
        out.expired++
        this.deps.failures.record(
          h.source,
          new VigilError('PENDING_TIMEOUT', `checkpoint proposal ${h.checkpointNumber} (slot ${h.slot}) dropped after ${t - h.firstAt} ms: still ${h.cause.code}`, {
            severity: 'soft',
            details: { kind: 'checkpoint-proposal', digest: h.digest, checkpoint: h.checkpointNumber, slot: h.slot, cause: h.cause.code, attempts: h.attempts },
          }),
          { peer: h.peer, count: false },
        )
        continue
      }
      if (h.nextAt > t && !resolved) continue
      out.retried++
      const outcome = await this.judgeProposal(h.data, h.source, h.peer, h)
      if (this.held.has(h.digest)) continue // still soft: backed off
      if (outcome.ok) resolved = true
      out.outcomes.push({ outcome, source: h.source })
    }
    return out
  }

  /** Keeps a soft-failed proposal for a retry (bounded: see the file comment). Returns false when there is no room. */
  private hold(data: Uint8Array, digest: Hex, cp: DecodedCheckpoint, source: string, peer: string | undefined, cause: VigilError): boolean {
    if (this.held.size >= MAX_HELD_PROPOSALS) return false
    let fromPeer = 0
    for (const h of this.held.values()) if (h.peer === peer) fromPeer++
    if (fromPeer >= MAX_HELD_PER_PEER) return false
    const t = this.now()
    this.held.set(digest, { data: data.slice(), digest, checkpointNumber: cp.checkpointNumber, slot: cp.slot, source, peer, cause: cause.toRecord(), firstAt: t, attempts: 0, nextAt: t + this.retryBaseMs })
    return true
  }

  /** One attempt at a proposal; `held` is its entry when this is a retry (updated or removed here). */
  private async judgeProposal(data: Uint8Array, source: string, peer: string | undefined, held: HeldProposal | null): Promise<GossipOutcome> {
    const { failures, equivocation } = this.deps
    let cp
    try {
      cp = decodeCheckpointProposal(data)
    } catch (e) {
      if (held) this.held.delete(held.digest)
      return dropped(failures.record(source, e, { peer }))
    }
    const digest = checkpointDigest(cp.checkpoint)
    if (this.pending.has(digest)) {
      this.held.delete(digest)
      return dropped('ignore')
    }
    if (!held && this.held.has(digest)) return dropped('ignore') // already waiting for its retry
    let slot
    try {
      for (const h of cp.checkpoint.headers) {
        if (h.chainId !== this.deps.l2ChainId) throw new VigilError('WRONG_CHAIN', `checkpoint for L2 chain ${h.chainId}`)
        // the same rules as a block proposal's header (a checkpoint for a slot not started is ignored)
        if (this.deps.headerRules) await this.deps.headerRules(h)
      }
      slot = await this.deps.committeeFor(cp.checkpoint.slot)
      verifyCheckpointProposalSignature(this.deps.domain, cp.checkpoint, cp.signature, slot.expected)
      verifyCheckpointHeaders(cp.checkpoint, {})
    } catch (e) {
      if (e instanceof VigilError && e.severity === 'soft') {
        if (e.code === 'SLOT_IN_FUTURE') {
          if (held) this.held.delete(digest)
          failures.record(source, e, { peer, count: false })
        } else if (held) {
          held.attempts++
          held.cause = e.toRecord()
          held.nextAt = this.now() + backoffMs(held.attempts, this.retryBaseMs, this.retryMaxMs)
        } else this.hold(data, digest, cp.checkpoint, source, peer, e)
        return dropped('ignore')
      }
      if (held) this.held.delete(digest)
      return dropped(failures.record(source, e, { peer }))
    }
    if (held) this.held.delete(digest)
    const { pc, early } = this.add(cp.checkpoint, digest, slot.committee)
    // a second checkpoint proposal for this slot: evidence; tracked (its attestations may
    // conflict with the first's) but never adopted, and not forwarded
    const rival = equivocation.checkpointProposal(cp.checkpoint, digest, cp.signature, slot.expected, source)
    if (rival) pc.rival = true
    const evidence: EvidenceRecord[] = rival ? [rival] : []
    for (const sig of early) {
      const out = this.attest(pc, sig)
      if (out.status !== 'accepted') continue
      const conflict = equivocation.attestation(cp.checkpoint, digest, out.signer!, sig, source)
      if (conflict) evidence.push(conflict)
    }
    return { verdict: rival ? 'ignore' : 'accept', ok: true, evidence, reached: pc.tracker.reached ? pc : null }
  }

  /** A gossiped attestation: counted for its checkpoint, or held until the checkpoint comes. */
  onAttestation(data: Uint8Array, source: string, peer?: string): GossipOutcome {
    const { failures } = this.deps
    let a
    try {
      a = decodeAttestation(data)
    } catch (e) {
      return dropped(failures.record(source, e, { peer }))
    }
    const pc = this.pending.get(a.checkpointDigest)
    if (!pc) {
      // may arrive before its checkpoint proposal: kept (bounded), not forwarded unverified
      this.holdEarly(a.checkpointDigest, a.signature)
      return dropped('ignore')
    }
    const res = this.attest(pc, a.signature)
    if (res.status === 'duplicate') return dropped('ignore')
    if (res.status !== 'accepted') {
      const code = res.status === 'outsider' ? 'SIGNER_NOT_IN_COMMITTEE' : 'BAD_SIGNATURE'
      return dropped(failures.record(source, new VigilError(code, `attestation for checkpoint ${pc.checkpoint.checkpointNumber}: ${res.status}`), { peer }))
    }
    // the same member attesting another checkpoint of this slot: evidence, and not forwarded
    const conflict = this.deps.equivocation.attestation(pc.checkpoint, pc.digest, res.signer!, a.signature, source)
    return { verdict: conflict ? 'ignore' : 'accept', ok: true, evidence: conflict ? [conflict] : [], reached: pc.tracker.reached && !pc.attested ? pc : null }
  }

  has(digest: Hex): boolean {
    return this.pending.has(digest)
  }

  get(digest: Hex): PendingCheckpoint | undefined {
    return this.pending.get(digest)
  }

  /**
   * Starts tracking a verified checkpoint proposal (older ones are pruned). Returns it with the
   * attestations that arrived for it early (taken out of the buffer, not yet added).
   */
  private add(checkpoint: DecodedCheckpoint, digest: Hex, committee: Address[]): { pc: PendingCheckpoint; early: Uint8Array[] } {
    const pc: PendingCheckpoint = { checkpoint, digest, tracker: new QuorumTracker(this.deps.domain, digest, committee), attested: false }
    this.pending.set(digest, pc)
    for (const [d, p] of this.pending) if (p.checkpoint.checkpointNumber < checkpoint.checkpointNumber - KEEP_BEHIND) this.pending.delete(d)
    const early = this.early.get(digest) ?? []
    this.early.delete(digest)
    this.earlyCount -= early.length
    return { pc, early }
  }

  /** An attestation for a checkpoint not seen yet: kept while the buffer has room (never forwarded unverified). */
  private holdEarly(digest: Hex, signature: Uint8Array): void {
    if (this.earlyCount >= MAX_EARLY_ATTESTATIONS) return
    const list = this.early.get(digest) ?? []
    list.push(signature)
    this.early.set(digest, list)
    this.earlyCount++
  }

  /** Adds an attestation to `pc`'s tracker; an accepted signature is kept for the checkpoint row. */
  private attest(pc: PendingCheckpoint, signature: Uint8Array): ReturnType<QuorumTracker['add']> {
    const out = pc.tracker.add(signature)
    if (out.status === 'accepted') (pc.signatures ??= []).push(bytesToHex(signature))
    return out
  }

  /** True when a checkpoint that reached quorum names the block `hash`. */
  attestedNames(hash: Hex): boolean {
    for (const pc of this.pending.values()) if (pc.attested && pc.checkpoint.headers.some((x) => x.hash === hash)) return true
    return false
  }
}
