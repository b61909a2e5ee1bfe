/**
 * Checkpoints proposed on gossip and not yet mined: each with the QuorumTracker that counts
 * its attestations, plus a bounded buffer of attestations that arrived before their
 * checkpoint proposal (handed over when it comes). Old checkpoints are pruned. It verifies
 * what gossip delivers (proposal signature, headers, attestation signers), finds the
 * equivocations among them, and says when a checkpoint reaches quorum; the engine then
 * adopts its blocks as attested.
 */
import { VigilError } from '../core/errors'
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

export class PendingCheckpoints {
  private readonly pending = new Map<Hex, PendingCheckpoint>()
  private readonly early = new Map<Hex, Uint8Array[]>()
  private earlyCount = 0

  constructor(private readonly deps: PendingDeps) {}

  /** A gossiped checkpoint proposal: decoded, verified (chain, proposer signature, headers), tracked. */
  async onProposal(data: Uint8Array, source: string, peer?: string): Promise<GossipOutcome> {
    const { failures, equivocation } = this.deps
    let cp
    try {
      cp = decodeCheckpointProposal(data)
    } catch (e) {
      return dropped(failures.record(source, e, { peer }))
    }
    const digest = checkpointDigest(cp.checkpoint)
    if (this.pending.has(digest)) return dropped('ignore')
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
        if (e.code === 'SLOT_IN_FUTURE') failures.record(source, e, { peer, count: false })
        return dropped('ignore')
      }
      return dropped(failures.record(source, e, { peer }))
    }
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
