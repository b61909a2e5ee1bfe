import type { Address, Hex } from '../core/types'
import { abiEncodeWords, keccak256Hex } from './hash'

/**
 * L2 time, as the rollup contract defines it: slot = (t - genesisTime) / slotDuration
 * (seconds), epoch = slot / epochDuration. The committee of an epoch is sampled by the
 * contract (getCommittee); the proposer of a slot is committee[proposerIndex].
 */
export interface Schedule {
  genesisTime: number
  slotDuration: number
  epochDuration: number
}

export function slotAt(s: Schedule, unixSeconds: number): number {
  return unixSeconds < s.genesisTime ? 0 : Math.floor((unixSeconds - s.genesisTime) / s.slotDuration)
}
export function epochOfSlot(s: Schedule, slot: number): number {
  return Math.floor(slot / s.epochDuration)
}
/** keccak256(abi.encode(rollup, l2ChainId, epoch)), as in VigilRollup.epochSeed. */
export function epochSeed(rollup: Address, l2ChainId: number, epoch: number): Hex {
  return keccak256Hex(abiEncodeWords(rollup.toLowerCase() as Hex, BigInt(l2ChainId), BigInt(epoch)))
}

/** uint256(keccak256(abi.encode(seed, slot))) % committeeSize, as in VigilRollup.getProposer. */
export function proposerIndex(seed: Hex, slot: number, committeeSize: number): number {
  if (committeeSize <= 0) return -1
  return Number(BigInt(keccak256Hex(abiEncodeWords(seed, BigInt(slot)))) % BigInt(committeeSize))
}

/** Quorum of a committee of n: floor(2n/3) + 1. */
export function quorumOf(n: number): number {
  return Math.floor((2 * n) / 3) + 1
}

/**
 * The proposer of `slot`: committee[proposerIndex(epochSeed(rollup, l2ChainId, epoch), slot, k)],
 * exactly as VigilRollup.getProposer. The one derivation used by sync, Verify now, the devnet
 * and the tests; null for an empty committee.
 */
export function slotProposer(rollup: Address, l2ChainId: number, epoch: number, slot: number, committee: readonly Address[]): Address | null {
  const i = proposerIndex(epochSeed(rollup, l2ChainId, epoch), slot, committee.length)
  return i < 0 ? null : committee[i]!
}
