/**
 * Where VigilRollup keeps what the client proves (storage slots, solc's layout: members packed
 * from the low-order end of a word). test/unit/contract-layout.test.ts checks every number here
 * against the compiler's own `storageLayout` output, so the source cannot drift from it.
 *
 * | slot                         | holds                                                        |
 * |------------------------------|--------------------------------------------------------------|
 * | 0                            | l2ChainId u64 @0, genesisTime u64 @8, slotDuration u32 @16, epochDuration u32 @20, targetCommitteeSize u32 @24 |
 * | 2                            | validators.length                                            |
 * | keccak(2) + 2i               | validators[i]: attester address @0, activationEpoch u64 @20   |
 * | 4                            | tipCheckpointNumber u64 @0, tipHeight u64 @8, lastSlot u64 @16 |
 * | 5                            | tipBlockHash                                                 |
 * | keccak(n ‖ 6) + 0..3         | checkpointLog[n]: lastBlockHash, digest, attestationsHash, lastHeight u64 @0 ‖ slot u64 @8 |
 */
import type { Address, Hex } from '../core/types'
import { abiEncodeWords, keccak256Hex } from '../protocol/hash'

export const SLOT_PARAMS = 0n
export const SLOT_VALIDATORS = 2n
export const SLOT_TIP = 4n
export const SLOT_TIP_BLOCK_HASH = 5n
export const SLOT_CHECKPOINT_LOG = 6n
/** Storage words per Validator and per CheckpointLog. */
export const VALIDATOR_WORDS = 2n
export const CHECKPOINT_LOG_WORDS = 4n

const VALIDATORS_BASE = BigInt(keccak256Hex(abiEncodeWords(SLOT_VALIDATORS)))

/** Slot of validators[i]'s first word (attester ‖ activationEpoch). */
export function validatorSlot(i: number): bigint {
  return VALIDATORS_BASE + VALIDATOR_WORDS * BigInt(i)
}

/** First slot of checkpointLog[n] (the next three words follow it). */
export function checkpointLogSlot(n: number): bigint {
  return BigInt(keccak256Hex(abiEncodeWords(BigInt(n), SLOT_CHECKPOINT_LOG)))
}

/** `bits` bits of `word` starting `byteOffset` bytes from its low-order end. */
function field(word: bigint, byteOffset: number, bits: number): bigint {
  return (word >> BigInt(byteOffset * 8)) & ((1n << BigInt(bits)) - 1n)
}

export interface ParamsWord {
  l2ChainId: number
  genesisTime: number
  slotDuration: number
  epochDuration: number
  targetCommitteeSize: number
}

export function decodeParamsWord(w: bigint): ParamsWord {
  return {
    l2ChainId: Number(field(w, 0, 64)),
    genesisTime: Number(field(w, 8, 64)),
    slotDuration: Number(field(w, 16, 32)),
    epochDuration: Number(field(w, 20, 32)),
    targetCommitteeSize: Number(field(w, 24, 32)),
  }
}

export function decodeValidatorWord(w: bigint): { attester: Address; activationEpoch: number } {
  return { attester: `0x${field(w, 0, 160).toString(16).padStart(40, '0')}` as Address, activationEpoch: Number(field(w, 20, 64)) }
}

export function decodeTipWord(w: bigint): { checkpointNumber: number; height: number; lastSlot: number } {
  return { checkpointNumber: Number(field(w, 0, 64)), height: Number(field(w, 8, 64)), lastSlot: Number(field(w, 16, 64)) }
}

export interface CheckpointLogEntry {
  lastBlockHash: Hex
  digest: Hex
  attestationsHash: Hex
  lastHeight: number
  slot: number
}

export const word32 = (w: bigint): Hex => `0x${w.toString(16).padStart(64, '0')}` as Hex

/** checkpointLog[n] from its four words. */
export function decodeCheckpointLog(words: readonly [bigint, bigint, bigint, bigint]): CheckpointLogEntry {
  return { lastBlockHash: word32(words[0]), digest: word32(words[1]), attestationsHash: word32(words[2]), lastHeight: Number(field(words[3], 0, 64)), slot: Number(field(words[3], 8, 64)) }
}

/**
 * VigilRollup._sampleIndices + getCommittee: partial Fisher-Yates over the indices of the n
 * validators active at `epoch` (a prefix: activation epochs never decrease), seeded by
 * `seed` (epochSeed): for i < k, j = i + keccak(seed, i) mod (n - i), swap. `validators` is the
 * proven list in index order; k = min(targetSize, n).
 */
export function sampleCommittee(validators: readonly { attester: Address; activationEpoch: number }[], epoch: number, targetSize: number, seed: Hex): Address[] {
  let n = 0
  while (n < validators.length && validators[n]!.activationEpoch <= epoch) n++
  const k = Math.min(targetSize, n)
  const idx = Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const j = i + Number(BigInt(keccak256Hex(abiEncodeWords(seed, BigInt(i)))) % BigInt(n - i))
    ;[idx[i], idx[j]] = [idx[j]!, idx[i]!]
  }
  return idx.slice(0, k).map((i) => validators[i]!.attester.toLowerCase() as Address)
}
