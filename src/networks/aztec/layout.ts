/**
 * Where the Ignition rollup keeps what prove.ts proves: namespaced storage (each library's
 * struct at keccak256 of its namespace string, ERC-7201-style; solc packs members from the
 * low-order end of a word, a mapping's entry for key k is at keccak256(abi.encode(k, slot))).
 *
 * | namespace                                    | member (slot offset)                           | holds                                    |
 * |----------------------------------------------|------------------------------------------------|------------------------------------------|
 * | keccak256("aztec.stf.storage") (STFLib)      | +0 tips                                        | pending checkpoint number <<128 ‖ proven |
 * |                                              | +1 archives: mapping(uint256 => bytes32)       | archives[n]: the archive root of n        |
 * |                                              | +2 tempBlockLogs: mapping(n % size => log)     | headerHash, blobCommitmentsHash, attestationsHash, payloadDigest, slot (u32), feeHeader |
 * | keccak256("aztec.time.storage") (TimeLib)    | +0                                             | genesisTime u128 @0, slotDuration u32 @16, epochDuration u32 @20, proofSubmissionEpochs u32 @24 |
 * | keccak256("aztec.validator_selection.storage") | +0 committeeCommitments: mapping(epoch => bytes32) | keccak256(abi.encode(committee))     |
 * |                                              | +1 randaos (Checkpoints.Trace224)              | (not read)                               |
 * |                                              | +2                                             | targetCommitteeSize u32 @0, lagInEpochs u32 @4 |
 *
 * The circular buffer's size is TimeLib.maxPrunable + 1 = epochDuration × (proofSubmissionEpochs + 1) + 1
 * (STFLib.roundaboutSize); a log is readable while n ≤ pending < n + size.
 * Sources: Aztec's RollupStore (IRollup.sol), STFLib.sol, CompressedTempBlockLog (BlockLog.sol),
 * ChainTipsLib (Tips.sol), TimeLib.sol, ValidatorSelectionStorage (IValidatorSelection.sol) as deployed.
 */
import type { Hex } from '../../core/types'
import { abiEncodeWords, keccak256Hex, utf8 } from '../../protocol/hash'

export const STF_BASE = BigInt(keccak256Hex(utf8('aztec.stf.storage')))
export const TIME_BASE = BigInt(keccak256Hex(utf8('aztec.time.storage')))
export const VALIDATOR_SELECTION_BASE = BigInt(keccak256Hex(utf8('aztec.validator_selection.storage')))

export const SLOT_TIPS = STF_BASE
export const SLOT_ARCHIVES = STF_BASE + 1n
export const SLOT_TEMP_BLOCK_LOGS = STF_BASE + 2n
export const SLOT_TIME = TIME_BASE
export const SLOT_COMMITTEE_COMMITMENTS = VALIDATOR_SELECTION_BASE
export const SLOT_COMMITTEE_CONFIG = VALIDATOR_SELECTION_BASE + 2n
/** Words of a CompressedTempBlockLog. */
export const TEMP_BLOCK_LOG_WORDS = 6n

const mod = (x: bigint) => x & ((1n << 256n) - 1n)

function mappingSlot(key: bigint, slot: bigint): bigint {
  return BigInt(keccak256Hex(abiEncodeWords(key, mod(slot))))
}

/** archives[n]. */
export function archiveSlot(n: number | bigint): bigint {
  return mappingSlot(BigInt(n), SLOT_ARCHIVES)
}

/** First word of tempBlockLogs[n % size] (headerHash; +1 blobCommitmentsHash, +2 attestationsHash, +3 payloadDigest, +4 slot, +5 feeHeader). */
export function tempBlockLogSlot(n: number | bigint, size: number | bigint): bigint {
  return mappingSlot(BigInt(n) % BigInt(size), SLOT_TEMP_BLOCK_LOGS)
}

/** committeeCommitments[epoch]. */
export function committeeCommitmentSlot(epoch: number | bigint): bigint {
  return mappingSlot(BigInt(epoch), SLOT_COMMITTEE_COMMITMENTS)
}

function field(word: bigint, byteOffset: number, bits: number): bigint {
  return (word >> BigInt(byteOffset * 8)) & ((1n << BigInt(bits)) - 1n)
}

export interface AztecTimeConfig {
  genesisTime: number
  slotDuration: number
  epochDuration: number
  proofSubmissionEpochs: number
}

export function decodeTimeWord(w: bigint): AztecTimeConfig {
  return { genesisTime: Number(field(w, 0, 128)), slotDuration: Number(field(w, 16, 32)), epochDuration: Number(field(w, 20, 32)), proofSubmissionEpochs: Number(field(w, 24, 32)) }
}

export function encodeTimeWord(t: AztecTimeConfig): bigint {
  return BigInt(t.genesisTime) | (BigInt(t.slotDuration) << 128n) | (BigInt(t.epochDuration) << 160n) | (BigInt(t.proofSubmissionEpochs) << 192n)
}

export function decodeTipsWord(w: bigint): { pending: number; proven: number } {
  return { pending: Number(w >> 128n), proven: Number(field(w, 0, 128)) }
}

export function decodeCommitteeConfigWord(w: bigint): { targetCommitteeSize: number; lagInEpochs: number } {
  return { targetCommitteeSize: Number(field(w, 0, 32)), lagInEpochs: Number(field(w, 4, 32)) }
}

/** STFLib.roundaboutSize: epochDuration × (proofSubmissionEpochs + 1) + 1. */
export function roundaboutSize(t: AztecTimeConfig): number {
  return t.epochDuration * (t.proofSubmissionEpochs + 1) + 1
}

export interface StoredCheckpoint {
  archive: Hex
  headerHash: Hex
  blobCommitmentsHash: Hex
  attestationsHash: Hex
  payloadDigest: Hex
  slot: number
}

export const word32 = (w: bigint): Hex => `0x${w.toString(16).padStart(64, '0')}` as Hex

/** archives[n] and the six words of its temp block log. */
export function decodeStoredCheckpoint(archive: bigint, log: readonly bigint[]): StoredCheckpoint {
  return { archive: word32(archive), headerHash: word32(log[0]!), blobCommitmentsHash: word32(log[1]!), attestationsHash: word32(log[2]!), payloadDigest: word32(log[3]!), slot: Number(field(log[4]!, 0, 32)) }
}
