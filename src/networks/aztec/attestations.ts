/**
 * The committee's packed attestations (AttestationLib.sol `CommitteeAttestations`): a bitmap
 * over the committee, most significant bit first (bit i set: member i signed), and the members'
 * entries tightly packed in committee order — 65 bytes v ‖ r ‖ s for a signer, its 20-byte
 * address for anyone else. `_signers` lists the signers' addresses in the same order, so the
 * contract can rebuild the committee without ecrecover; this module rebuilds it by recovering
 * every signature and checks each against its listed signer.
 */
import { encodeAbiParameters } from 'viem'
import { VigilError } from '../../core/errors'
import type { Address, Hex } from '../../core/types'
import { bytesToHex, hexToBytes } from '../../protocol/bytes'
import { keccak256Hex } from '../../protocol/hash'
import { COMMITTEE_ATTESTATIONS } from './abi'
import type { CommitteeAttestations } from './decode'

export const SIGNATURE_LENGTH = 65
export const ADDRESS_LENGTH = 20

export type AttestationEntry =
  | { index: number; kind: 'signature'; /** r ‖ s ‖ v, as src/verify/secp256k1.ts takes it */ signature: Uint8Array }
  | { index: number; kind: 'address'; address: Address }

function malformed(message: string, details: Record<string, number>): VigilError {
  return new VigilError('DECODE_INVALID_FIELD', message, { details: { what: 'attestations', ...details } })
}

/** Bit `i` of the bitmap (AttestationLib.isSignature). */
export function isSignature(bitmap: Uint8Array, i: number): boolean {
  return ((bitmap[i >> 3]! >> (7 - (i & 7))) & 1) === 1
}

/**
 * The committee size the attestations are packed for: the one n with ceil(n/8) bitmap bytes
 * whose first n bits say how many 65- and 20-byte entries fill the data exactly (unique: the
 * data length grows with n). The contract takes n from storage (targetCommitteeSize) and makes
 * the same size checks (SignatureIndicesSizeMismatch, SignaturesOrAddressesSizeMismatch).
 */
export function committeeSizeOf(bitmap: Uint8Array, dataLength: number): number {
  if (bitmap.length === 0) throw malformed('the attestations bitmap is empty', { bitmapBytes: 0 })
  let signed = 0
  for (let n = 1; n <= bitmap.length * 8; n++) {
    if (isSignature(bitmap, n - 1)) signed++
    if (n <= (bitmap.length - 1) * 8) continue
    if (signed * SIGNATURE_LENGTH + (n - signed) * ADDRESS_LENGTH === dataLength) return n
  }
  throw malformed(`no committee size fits a ${bitmap.length}-byte bitmap and ${dataLength} bytes of signatures and addresses`, { bitmapBytes: bitmap.length, dataBytes: dataLength })
}

/** The entries in committee order, for a committee of `n` (sizes checked as the contract does). */
export function unpackAttestations(att: CommitteeAttestations, n: number): AttestationEntry[] {
  const bitmap = hexToBytes(att.signatureIndices)
  const data = hexToBytes(att.signaturesOrAddresses)
  if (bitmap.length !== Math.ceil(n / 8)) throw malformed(`the bitmap is ${bitmap.length} bytes, a committee of ${n} needs ${Math.ceil(n / 8)}`, { bitmapBytes: bitmap.length, committeeSize: n })
  const out: AttestationEntry[] = []
  let at = 0
  for (let i = 0; i < n; i++) {
    if (isSignature(bitmap, i)) {
      if (at + SIGNATURE_LENGTH > data.length) throw malformed(`the data ends inside member ${i}'s signature`, { index: i, dataBytes: data.length })
      const sig = new Uint8Array(SIGNATURE_LENGTH)
      sig.set(data.subarray(at + 1, at + 65), 0)
      sig[64] = data[at]!
      out.push({ index: i, kind: 'signature', signature: sig })
      at += SIGNATURE_LENGTH
    } else {
      if (at + ADDRESS_LENGTH > data.length) throw malformed(`the data ends inside member ${i}'s address`, { index: i, dataBytes: data.length })
      out.push({ index: i, kind: 'address', address: bytesToHex(data.subarray(at, at + ADDRESS_LENGTH)) as Address })
      at += ADDRESS_LENGTH
    }
  }
  if (at !== data.length) throw malformed(`${data.length - at} bytes follow the last member's entry`, { dataBytes: data.length, used: at })
  return out
}

/** keccak256(abi.encode(_attestations)): the attestationsHash the rollup stores for the checkpoint. */
export function attestationsHash(att: CommitteeAttestations): Hex {
  return keccak256Hex(hexToBytes(encodeAbiParameters([{ type: 'tuple', components: COMMITTEE_ATTESTATIONS }], [att])))
}

/** keccak256(abi.encode(address[])): the committee commitment (ValidatorSelectionLib.computeCommitteeCommitment). */
export function committeeCommitment(members: readonly Address[]): Hex {
  return keccak256Hex(hexToBytes(encodeAbiParameters([{ type: 'address[]' }], [members as Address[]])))
}

/** floor(2n/3) + 1 (ValidatorSelectionLib: (n << 1) / 3 + 1). */
export function quorumFor(n: number): number {
  return Math.floor((2 * n) / 3) + 1
}
