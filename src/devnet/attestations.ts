/**
 * The proposer's attestation collector. For the checkpoint it waits on, it keeps only
 * attestations that verify by the verification wing's rules (src/verify/rules.ts
 * `QuorumTracker`: the signature is well-formed and low-s, over this rollup's
 * `CheckpointAttestation` digest of that checkpoint, by a member of the committee of the
 * checkpoint's epoch, one per member), and before anything is posted the whole list is
 * checked again with `verifyQuorum` (`checkPostable`): the devnet never posts an outsider's
 * signature, whatever reached its node.
 */
import { VigilError } from '../core/errors'
import type { Address, Hex } from '../core/types'
import type { CheckpointAttestation } from '../protocol/checkpoint'
import type { SigningDomain } from '../protocol/domain'
import { QuorumTracker, verifyQuorum } from '../verify/rules'
import type { ValidationResult } from '../p2p/gossip'

/** One checkpoint's attestations being collected. */
export interface Collection {
  readonly digest: Hex
  readonly slot: number
  readonly quorum: number
  readonly committeeSize: number
  /** Distinct committee members that signed so far. */
  readonly count: number
  /** Their signatures, in arrival order (one per member). */
  signatures(): Uint8Array[]
  /** Resolves once `n` members signed, or when `signal` aborts (never rejects). */
  until(n: number, signal: AbortSignal): Promise<void>
  /** What was offered and not kept, by outcome. */
  readonly refused: { outsider: number; bad: number; duplicate: number; wrongSlot: number }
}

interface Open extends Collection {
  tracker: QuorumTracker
  sigs: Map<Address, Uint8Array>
  waiters: Set<{ n: number; resolve: () => void }>
}

export class AttestationCollector {
  private readonly open = new Map<Hex, Open>()

  constructor(private readonly domain: SigningDomain) {}

  /** Starts collecting for `digest` (the checkpoint of `slot`) against `committee`; `close` when done. */
  collect(digest: Hex, slot: number, committee: Address[]): Collection {
    const tracker = new QuorumTracker(this.domain, digest, committee)
    const sigs = new Map<Address, Uint8Array>()
    const waiters = new Set<{ n: number; resolve: () => void }>()
    const c: Open = {
      digest,
      slot,
      quorum: tracker.quorum,
      committeeSize: tracker.committeeSize,
      get count() {
        return sigs.size
      },
      signatures: () => [...sigs.values()],
      until: (n, signal) =>
        new Promise<void>((resolve) => {
          if (sigs.size >= n || signal.aborted) return resolve()
          const w = {
            n,
            resolve: () => {
              waiters.delete(w)
              signal.removeEventListener('abort', w.resolve)
              resolve()
            },
          }
          waiters.add(w)
          signal.addEventListener('abort', w.resolve, { once: true })
        }),
      refused: { outsider: 0, bad: 0, duplicate: 0, wrongSlot: 0 },
      tracker,
      sigs,
      waiters,
    }
    this.open.set(digest, c)
    return c
  }

  close(digest: Hex): void {
    const c = this.open.get(digest)
    if (!c) return
    this.open.delete(digest)
    for (const w of [...c.waiters]) w.resolve()
  }

  /**
   * An attestation from gossip (already checked against its slot's committee by the gossip
   * guard). For a checkpoint being collected: kept when the tracker accepts it; an outsider
   * of that checkpoint's committee, a bad signature or a wrong slot throws (hard: the sender
   * is penalised); a second signature of a member is ignored. For any other digest: undefined
   * (the guard's verdict stands: a relay forwards what verifies).
   */
  offer(a: CheckpointAttestation): ValidationResult | undefined {
    const c = this.open.get(a.checkpointDigest.toLowerCase() as Hex) ?? this.open.get(a.checkpointDigest)
    if (!c) return undefined
    if (a.slot !== c.slot) {
      c.refused.wrongSlot++
      throw new VigilError('SLOT_MISMATCH', `attestation for checkpoint ${c.digest} says slot ${a.slot}, the checkpoint is for slot ${c.slot}`, {
        details: { got: a.slot, expected: c.slot },
      })
    }
    const out = c.tracker.add(a.signature)
    if (out.status === 'accepted') {
      c.sigs.set(out.signer!, a.signature)
      for (const w of [...c.waiters]) if (c.sigs.size >= w.n) w.resolve()
      return 'accept'
    }
    if (out.status === 'duplicate') {
      c.refused.duplicate++
      return 'ignore'
    }
    c.refused[out.status]++
    throw VigilError.fromRecord(out.error!)
  }
}

/**
 * The last check before a post: every signature in `signatures` recovers, over this
 * checkpoint's attestation digest, to a distinct member of `committee` (`verifyQuorum`'s
 * rules). Throws the rule's coded error otherwise. Quorum itself is not required here (the
 * `short-quorum` fault posts one short on purpose); the caller checks it.
 */
export function checkPostable(domain: SigningDomain, digest: Hex, signatures: Uint8Array[], committee: Address[]): Address[] {
  const q = verifyQuorum(domain, digest, signatures, committee)
  if (q.signers.length !== signatures.length) {
    const err = q.error ?? new VigilError('SIGNER_NOT_IN_COMMITTEE', 'an attestation to post does not verify').toRecord()
    throw new VigilError(err.code, `refusing to post checkpoint ${digest}: ${err.message}`, { details: { ...(err.details ?? {}), digest } })
  }
  return q.signers
}
