/**
 * The chain-specific rules the sync engine and Verify now apply, as one object: which key
 * signs a slot, how a block proposal's signature is checked, how a mined checkpoint is decoded
 * from L1 and judged, and the quorum rule. The network adapter (src/networks/adapter.ts
 * `NetworkAdapter.rules`) supplies it and `composeClient` injects it; sync depends on this
 * interface only (src/sync never imports src/networks, docs/networks.md).
 *
 * `vigilChainRules` is Vigil's own chain: the functions sync called directly before there were
 * adapters (protocol/schedule.ts, verify/rules.ts, verify/checkpoint.ts), unchanged. It lives
 * here, in the verification wing, so sync can default to it when no adapter is given (the
 * unit tests build engines with a signing domain only); src/networks/vigil wraps it.
 */
import type { Address } from '../core/types'
import { decodeCheckpoint, type DecodedCheckpoint } from '../protocol/checkpoint'
import type { SigningDomain } from '../protocol/domain'
import type { BlockHeader } from '../protocol/header'
import { quorumOf, slotProposer } from '../protocol/schedule'
import { verifyMinedCheckpoint, type MinedCheckpointInput, type MinedCheckpointVerdict } from './checkpoint'
import { verifyProposerSignature } from './rules'

export interface ChainRules {
  /** The network these rules are for (a `NetworkAdapter.id`). */
  readonly network: string
  /** The signing domain its signatures commit to. */
  readonly domain: SigningDomain
  /** The proposer of `slot` from its epoch's committee (lower case); null for an empty committee. */
  proposerOf(epoch: number, slot: number, committee: readonly Address[]): Address | null
  /** How many distinct committee signatures a checkpoint needs. */
  quorumOf(committeeSize: number): number
  /** A block proposal's signature recovers to the slot's proposer (coded VigilError otherwise). */
  verifyBlockSignature(header: BlockHeader, signature: Uint8Array, expectedProposer: Address): void
  /** The checkpoint a `propose` call carried (DECODE_* when it does not decode). */
  decodeMinedCheckpoint(checkpointBytes: Uint8Array): DecodedCheckpoint
  /** Every check of a checkpoint L1 says was mined (the first failure decides; `results` has each). */
  verifyMinedCheckpoint(input: Omit<MinedCheckpointInput, 'domain'>): MinedCheckpointVerdict
}

/** Vigil's chain: EIP-712 "Vigil" v1 signatures, VigilRollup's proposer derivation, floor(2n/3)+1. */
export function vigilChainRules(domain: SigningDomain, l2ChainId: number): ChainRules {
  return {
    network: 'vigil',
    domain,
    proposerOf: (epoch, slot, committee) => slotProposer(domain.rollup, l2ChainId, epoch, slot, committee),
    quorumOf,
    verifyBlockSignature: (header, signature, expected) => verifyProposerSignature(domain, header, signature, expected),
    decodeMinedCheckpoint: decodeCheckpoint,
    verifyMinedCheckpoint: (input) => verifyMinedCheckpoint({ ...input, domain }),
  }
}
