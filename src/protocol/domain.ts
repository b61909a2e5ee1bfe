import type { Address, Hex } from '../core/types'
import { bytesToHex, concatBytes, hexToBytes } from './bytes'
import { abiEncodeWords, keccak256, keccak256Hex, utf8 } from './hash'

/**
 * EIP-712 signing domain: every signature in Vigil is over
 *   keccak256(0x1901 ‖ domainSeparator ‖ keccak256(abi.encode(TYPEHASH, value)))
 * with domain { name: "Vigil", version: "1", chainId: <L1 chain id>, verifyingContract: <rollup> },
 * so a signature for one rollup, L1 or message kind is worthless for any other.
 * This equals viem's / ethers' hashTypedData for the same types (tested).
 */
export interface SigningDomain {
  l1ChainId: number
  rollup: Address
}

export const DOMAIN_NAME = 'Vigil'
export const DOMAIN_VERSION = '1'

export const TYPES = {
  BlockProposal: 'BlockProposal(bytes32 headerHash)',
  CheckpointProposal: 'CheckpointProposal(bytes32 checkpointDigest)',
  CheckpointAttestation: 'CheckpointAttestation(bytes32 checkpointDigest)',
} as const
export type SignedKind = keyof typeof TYPES

const DOMAIN_TYPEHASH = keccak256Hex(utf8('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'))
const TYPEHASH: Record<SignedKind, Hex> = {
  BlockProposal: keccak256Hex(utf8(TYPES.BlockProposal)),
  CheckpointProposal: keccak256Hex(utf8(TYPES.CheckpointProposal)),
  CheckpointAttestation: keccak256Hex(utf8(TYPES.CheckpointAttestation)),
}

const separatorCache = new Map<string, Uint8Array>()

export function domainSeparator(d: SigningDomain): Uint8Array {
  const key = `${d.l1ChainId}:${d.rollup.toLowerCase()}`
  let sep = separatorCache.get(key)
  if (!sep) {
    sep = keccak256(
      abiEncodeWords(DOMAIN_TYPEHASH, keccak256Hex(utf8(DOMAIN_NAME)), keccak256Hex(utf8(DOMAIN_VERSION)), BigInt(d.l1ChainId), d.rollup.toLowerCase() as Hex),
    )
    separatorCache.set(key, sep)
  }
  return sep
}

/** The 32-byte digest a signer signs for `kind` over `value` (a header hash or checkpoint digest). */
export function signingDigest(d: SigningDomain, kind: SignedKind, value: Hex): Uint8Array {
  const structHash = keccak256(abiEncodeWords(TYPEHASH[kind], value))
  return keccak256(concatBytes(Uint8Array.of(0x19, 0x01), domainSeparator(d), structHash))
}

export function signingDigestHex(d: SigningDomain, kind: SignedKind, value: Hex): Hex {
  return bytesToHex(signingDigest(d, kind, value))
}

export { hexToBytes }
