/**
 * The devnet's gossip validators: every devnet libp2p node (bootstrap/relay, proposer,
 * validators) judges each message before gossipsub forwards it, with the verification
 * wing's rules (src/verify/rules.ts) — the same verdicts a client gives:
 *
 * | topic                  | reject (hard: not forwarded, the sender's P4 score drops)                                   | ignore (soft)                    |
 * |------------------------|----------------------------------------------------------------------------------------------|----------------------------------|
 * | block_proposal         | over the size cap, undecodable, bad header fields, not signed by the slot's proposer, body or tx hashes not the header's | slot outside the window |
 * | checkpoint_proposal    | over the size cap, undecodable, headers that do not belong together, not signed by the slot's proposer | slot outside the window |
 * | checkpoint_attestation | not exactly one attestation's size, undecodable, bad or high-s signature, signer not in the committee of the slot's epoch | slot outside the window |
 * | tx                     | over the size cap, undecodable                                                               | —                                |
 *
 * The slot window (`SLOT_WINDOW`) comes before any committee lookup, so a flood of messages
 * for made-up slots costs no L1 call: only the epochs of the window are ever looked up (and
 * each once: the network caches committees by epoch). A peer whose messages are rejected is
 * scored by gossipsub exactly as the client scores it (src/p2p/gossip.ts VIGIL_TOPIC_SCORE:
 * three rejects graylist it), and what the guard decided is counted per topic and verdict
 * (served by the gateway's `/gossip` route, services/gossip-status.ts).
 */
import { VigilError, isVigilError } from '../core/errors'
import type { Address } from '../core/types'
import type { Topics } from '../protocol/topics'
import type { Schedule } from '../protocol/schedule'
import { epochOfSlot, slotAt } from '../protocol/schedule'
import type { SigningDomain } from '../protocol/domain'
import { decodeProposal, MAX_TX_HASHES } from '../protocol/proposal'
import { ATTESTATION_SIZE, decodeAttestation, decodeCheckpointProposal, type CheckpointAttestation, type DecodedCheckpointProposal } from '../protocol/checkpoint'
import { MAX_BODY_BYTES } from '../protocol/body'
import { decodeTx, MAX_TX_PAYLOAD } from '../protocol/tx'
import { SIGNATURE_SIZE } from '../protocol/signature'
import { verifyBody, verifyCheckpointHeaders, verifyCheckpointProposalSignature, verifyHeaderFields, verifyProposalTxHashes, verifyProposerSignature, verifyQuorum } from '../verify/rules'
import type { TopicHandler, ValidationResult } from '../p2p/gossip'

/** Slots a message may be for, relative to the devnet's clock: this many behind, this many ahead. */
export const SLOT_WINDOW = { behind: 8, ahead: 1 } as const
/** Clock tolerance when deciding the current slot (a proposal built at a slot's start may arrive a little early). */
export const CLOCK_TOLERANCE_MS = 500

/** Per-topic size caps, checked by gossip before decoding (src/p2p/gossip.ts `maxBytes`). */
export const TOPIC_MAX_BYTES = {
  blockProposal: 1 + 256 + 4 + MAX_BODY_BYTES + 4 + 32 * MAX_TX_HASHES + SIGNATURE_SIZE,
  checkpointProposal: 1 + 4 + 64 * 1024 + SIGNATURE_SIZE,
  checkpointAttestation: ATTESTATION_SIZE,
  tx: 64 + MAX_TX_PAYLOAD,
} as const

export type GuardedTopic = keyof typeof TOPIC_MAX_BYTES

export interface GossipGuardDeps {
  domain: SigningDomain
  l2ChainId: number
  schedule: Schedule
  topics: Topics
  /** The committee of an epoch (addresses), cached by the caller. */
  committeeOf(epoch: number): Promise<Address[]>
  /** The proposer of a slot. */
  proposerOf(slot: number): Promise<Address>
  /**
   * Called with every attestation the guard accepted (the proposer's collector); its verdict,
   * when given, replaces the guard's (an attestation that verifies against its slot's committee
   * can still be wrong for the checkpoint it names).
   */
  onAttestation?: (a: CheckpointAttestation, signer: Address) => ValidationResult | undefined
  /** Called with every checkpoint proposal the guard accepted (the validators attest to it). */
  onCheckpointProposal?: (cp: DecodedCheckpointProposal) => void
  /** Now, in ms (tests). */
  now?: () => number
}

/** What one node's guard decided, per topic. */
export type GuardCounters = Record<GuardedTopic, Record<ValidationResult, number> & { byCode: Record<string, number> }>

export interface GossipGuard {
  /** The handler of each guarded topic, with its size cap. */
  handlers: { topic: string; name: GuardedTopic; handler: TopicHandler; maxBytes: number }[]
  counters: GuardCounters
}

const ignoreSlot = (slot: number, now: number, schedule: Schedule): boolean => {
  const current = slotAt(schedule, (now + CLOCK_TOLERANCE_MS) / 1000)
  return slot > current + SLOT_WINDOW.ahead || slot < current - SLOT_WINDOW.behind
}

export function createGossipGuard(deps: GossipGuardDeps): GossipGuard {
  const now = deps.now ?? Date.now
  const newCounter = () => ({ accept: 0, ignore: 0, reject: 0, byCode: {} as Record<string, number> })
  const counters: GuardCounters = { blockProposal: newCounter(), checkpointProposal: newCounter(), checkpointAttestation: newCounter(), tx: newCounter() }
  const inWindow = (slot: number) => !ignoreSlot(slot, now(), deps.schedule)

  /** Runs a check; a VigilError (decoders and rules throw them) becomes its verdict and is counted by code. */
  const judged =
    (name: GuardedTopic, check: (data: Uint8Array) => Promise<ValidationResult>): TopicHandler =>
    async (data) => {
      let verdict: ValidationResult
      try {
        verdict = await check(data)
      } catch (e) {
        const code = isVigilError(e) ? e.code : 'INTERNAL'
        verdict = isVigilError(e) && e.severity === 'hard' ? 'reject' : 'ignore'
        counters[name].byCode[code] = (counters[name].byCode[code] ?? 0) + 1
      }
      counters[name][verdict]++
      return verdict
    }

  const blockProposal = async (data: Uint8Array): Promise<ValidationResult> => {
    const p = decodeProposal(data)
    verifyHeaderFields(p.header, { l2ChainId: deps.l2ChainId })
    if (!inWindow(p.header.slot)) return 'ignore'
    verifyProposerSignature(deps.domain, p.header, p.signature, await deps.proposerOf(p.header.slot))
    // the header-only form (fault withhold-gossip-bodies) carries no body to check
    if (p.bodyBytes.length > 0) verifyProposalTxHashes(p.header, verifyBody(p.header, p.bodyBytes), p.txHashes)
    return 'accept'
  }

  const checkpointProposal = async (data: Uint8Array): Promise<ValidationResult> => {
    const cp = decodeCheckpointProposal(data)
    for (const h of cp.checkpoint.headers) verifyHeaderFields(h, { l2ChainId: deps.l2ChainId })
    verifyCheckpointHeaders(cp.checkpoint)
    if (!inWindow(cp.checkpoint.slot)) return 'ignore'
    verifyCheckpointProposalSignature(deps.domain, cp.checkpoint, cp.signature, await deps.proposerOf(cp.checkpoint.slot))
    deps.onCheckpointProposal?.(cp)
    return 'accept'
  }

  const attestation = async (data: Uint8Array): Promise<ValidationResult> => {
    const a = decodeAttestation(data)
    if (!inWindow(a.slot)) return 'ignore'
    const committee = await deps.committeeOf(epochOfSlot(deps.schedule, a.slot))
    // one signature against the committee, by the rule the client applies to what L1 holds:
    // it recovers (low-s, well-formed), over this rollup's attestation digest, to a member
    const q = verifyQuorum(deps.domain, a.checkpointDigest, [a.signature], committee)
    if (q.signers.length === 1) return deps.onAttestation?.(a, q.signers[0]!) ?? 'accept'
    // the rule's own coded error (BAD_SIGNATURE, SIGNER_NOT_IN_COMMITTEE; COMMITTEE_UNKNOWN is soft: no one's fault)
    throw VigilError.fromRecord(q.error ?? new VigilError('SIGNER_NOT_IN_COMMITTEE', 'attestation signer not in the committee').toRecord())
  }

  const tx = async (data: Uint8Array): Promise<ValidationResult> => {
    decodeTx(data)
    return 'accept'
  }

  const t = deps.topics
  const entry = (name: GuardedTopic, topic: string, check: (data: Uint8Array) => Promise<ValidationResult>) => ({
    topic,
    name,
    handler: judged(name, check),
    maxBytes: TOPIC_MAX_BYTES[name],
  })
  return {
    handlers: [
      entry('blockProposal', t.blockProposal, blockProposal),
      entry('checkpointProposal', t.checkpointProposal, checkpointProposal),
      entry('checkpointAttestation', t.checkpointAttestation, attestation),
      entry('tx', t.tx, tx),
    ],
    counters,
  }
}
