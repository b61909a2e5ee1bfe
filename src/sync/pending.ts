/**
 * Checkpoints proposed on gossip and not yet mined: each with the QuorumTracker that counts
 * its attestations, plus a bounded buffer of attestations that arrived before their
 * checkpoint proposal (handed over when it comes). Old checkpoints are pruned.
 */
import type { Address, Hex } from '../core/types'
import type { DecodedCheckpoint } from '../protocol/checkpoint'
import { bytesToHex } from '../protocol/bytes'
import type { SigningDomain } from '../protocol/domain'
import { QuorumTracker } from '../verify/rules'

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

export class PendingCheckpoints {
  private readonly pending = new Map<Hex, PendingCheckpoint>()
  private readonly early = new Map<Hex, Uint8Array[]>()
  private earlyCount = 0

  constructor(private readonly domain: SigningDomain) {}

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
  add(checkpoint: DecodedCheckpoint, digest: Hex, committee: Address[]): { pc: PendingCheckpoint; early: Uint8Array[] } {
    const pc: PendingCheckpoint = { checkpoint, digest, tracker: new QuorumTracker(this.domain, digest, committee), attested: false }
    this.pending.set(digest, pc)
    for (const [d, p] of this.pending) if (p.checkpoint.checkpointNumber < checkpoint.checkpointNumber - KEEP_BEHIND) this.pending.delete(d)
    const early = this.early.get(digest) ?? []
    this.early.delete(digest)
    this.earlyCount -= early.length
    return { pc, early }
  }

  /** An attestation for a checkpoint not seen yet: kept while the buffer has room (never forwarded unverified). */
  holdEarly(digest: Hex, signature: Uint8Array): void {
    if (this.earlyCount >= MAX_EARLY_ATTESTATIONS) return
    const list = this.early.get(digest) ?? []
    list.push(signature)
    this.early.set(digest, list)
    this.earlyCount++
  }

  /** Adds an attestation to `pc`'s tracker; an accepted signature is kept for the checkpoint row. */
  attest(pc: PendingCheckpoint, signature: Uint8Array): ReturnType<QuorumTracker['add']> {
    const out = pc.tracker.add(signature)
    if (out.status === 'accepted') (pc.signatures ??= []).push(bytesToHex(signature))
    return out
  }

  /** True when a checkpoint that reached quorum names the block `hash`. */
  attestedNames(hash: Hex): boolean {
    for (const pc of this.pending.values()) if (pc.attested && pc.checkpoint.headers.some((x) => x.hash === hash)) return true
    return false
  }

  /** Held early attestations (for tests and diagnostics). */
  get earlyHeld(): number {
    return this.earlyCount
  }
}
