/**
 * The signing schemes Vigil can check, versioned, in one registry. A signed message names its
 * scheme by id; the registry gives the 32-byte digest its signature must recover over, or
 * rejects a scheme (SCHEME_UNKNOWN) or a kind of message (SCHEME_KIND_UNKNOWN) it does not know.
 * Which scheme a deployment uses is part of its network config (`NetworkSigning`).
 *
 * | id                         | digest                                                                                  |
 * |----------------------------|-----------------------------------------------------------------------------------------|
 * | vigil-eip712-v1            | EIP-712, domain {name "Vigil", version "1", chainId, verifyingContract} (src/protocol/domain.ts, unchanged) |
 * | aztec-ignition-eip191-v1   | EIP-191 "\x19Ethereum Signed Message:\n32" ‖ keccak256(abi.encode(uint8 separator, payload…)); separator: SignatureDomainSeparator (blockProposal 0, blockAttestation 1 = the checkpoint attestation, attestationsAndSigners 2) |
 * | aztec-eip712-v1            | EIP-712, domain {name "Aztec Rollup", version "1", chainId, verifyingContract}, `Kind(bytes32 payloadHash)` (Aztec's later CoordinationSignatureLib.sol) |
 *
 * Golden vectors for every scheme are in test/unit/schemes.test.ts (the Ignition ones are the
 * digests the mainnet rollup passed to ecrecover).
 */
import { encodeAbiParameters, type AbiParameter } from 'viem'
import { VigilError } from '../core/errors'
import type { Address, Hex } from '../core/types'
import { bytesToHex, concatBytes, hexToBytes } from '../protocol/bytes'
import { signingDigestHex, TYPES as VIGIL_TYPES, type SignedKind } from '../protocol/domain'
import { abiEncodeWords, keccak256, keccak256Hex, utf8 } from '../protocol/hash'
import { COMMITTEE_ATTESTATIONS, PROPOSE_PAYLOAD } from './aztec/abi'

export type SchemeId = 'vigil-eip712-v1' | 'aztec-ignition-eip191-v1' | 'aztec-eip712-v1'

/** The EIP-712 domain values a scheme binds a signature to (unused by EIP-191 schemes). */
export interface SchemeDomain {
  l1ChainId: number
  verifyingContract: Address
}

export interface SigningScheme {
  id: SchemeId
  version: number
  title: string
  /** The kinds of message it signs. */
  kinds: readonly string[]
  /** Whether `digest` needs a domain. */
  needsDomain: boolean
  /** The digest a signature over (`kind`, `values`) recovers over. Throws SCHEME_KIND_UNKNOWN, DECODE_INVALID_FIELD (values of the wrong shape) or CONFIG_INVALID (no domain). */
  digest(kind: string, values: readonly unknown[], domain?: SchemeDomain): Hex
}

/** What a network config names: the scheme its signatures use. */
export interface NetworkSigning {
  scheme: SchemeId
}

/** A message as the registry checks it: its scheme, kind, payload values and domain. */
export interface SchemeMessage {
  scheme: string
  kind: string
  values: readonly unknown[]
  domain?: SchemeDomain
}

// ------------------------------------------------------------------ helpers

function unknownKind(scheme: SchemeId, kind: string, kinds: readonly string[]): VigilError {
  return new VigilError('SCHEME_KIND_UNKNOWN', `signing scheme ${scheme} does not sign "${kind}" messages (it signs ${kinds.join(', ')})`, { details: { scheme, kind } })
}

function needDomain(scheme: SchemeId, domain: SchemeDomain | undefined): SchemeDomain {
  if (!domain) throw new VigilError('CONFIG_INVALID', `signing scheme ${scheme} needs a domain (L1 chain id and verifying contract)`, { details: { scheme } })
  return domain
}

function bytes32(v: unknown, scheme: SchemeId): Hex {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw new VigilError('DECODE_INVALID_FIELD', `signing scheme ${scheme}: the value must be a 32-byte hex string`, { details: { scheme } })
  return v.toLowerCase() as Hex
}

/** EIP-191 version 0x45 over a 32-byte hash: keccak256("\x19Ethereum Signed Message:\n32" ‖ hash) (OpenZeppelin MessageHashUtils.toEthSignedMessageHash). */
export function ethSignedMessageHash(hash: Hex | Uint8Array): Hex {
  const h = typeof hash === 'string' ? hexToBytes(hash) : hash
  if (h.length !== 32) throw new VigilError('INTERNAL', 'EIP-191 hash must be 32 bytes')
  return bytesToHex(keccak256(concatBytes(utf8('\x19Ethereum Signed Message:\n32'), h)))
}

// ------------------------------------------------------------------ Vigil (v1)

const VIGIL_KINDS = Object.keys(VIGIL_TYPES) as SignedKind[]

const vigilEip712V1: SigningScheme = {
  id: 'vigil-eip712-v1',
  version: 1,
  title: 'Vigil EIP-712 v1 (domain "Vigil" version "1": block proposals, checkpoint proposals, checkpoint attestations)',
  kinds: VIGIL_KINDS,
  needsDomain: true,
  digest(kind, values, domain) {
    if (!(VIGIL_KINDS as string[]).includes(kind)) throw unknownKind(this.id, kind, this.kinds)
    const d = needDomain(this.id, domain)
    return signingDigestHex({ l1ChainId: d.l1ChainId, rollup: d.verifyingContract }, kind as SignedKind, bytes32(values[0], this.id))
  },
}

// ------------------------------------------------------------------ Aztec Ignition (EIP-191)

/** Aztec's `SignatureDomainSeparator` enum of the Ignition era (AttestationLib.sol). */
export const AZTEC_SIGNATURE_DOMAIN_SEPARATOR = { blockProposal: 0, checkpointAttestation: 1, attestationsAndSigners: 2 } as const

const IGNITION_PAYLOADS: Record<'checkpointAttestation' | 'attestationsAndSigners', readonly AbiParameter[]> = {
  // ProposeLib.digest: keccak256(abi.encode(SignatureDomainSeparator.blockAttestation, ProposePayload))
  checkpointAttestation: [{ type: 'tuple', components: PROPOSE_PAYLOAD }],
  // AttestationLib.getAttestationsAndSignersDigest: keccak256(abi.encode(attestationsAndSigners, _attestations, _signers))
  attestationsAndSigners: [{ type: 'tuple', components: COMMITTEE_ATTESTATIONS }, { type: 'address[]' }],
}

/** keccak256(abi.encode(uint8 separator, …values)): the hash the Ignition scheme wraps in EIP-191. */
export function aztecIgnitionStructHash(kind: 'checkpointAttestation' | 'attestationsAndSigners', values: readonly unknown[]): Hex {
  const types = IGNITION_PAYLOADS[kind]
  if (values.length !== types.length) throw new VigilError('DECODE_INVALID_FIELD', `aztec-ignition-eip191-v1 ${kind}: ${types.length} value(s) expected, got ${values.length}`)
  let encoded: Hex
  try {
    encoded = encodeAbiParameters([{ type: 'uint8' }, ...types], [AZTEC_SIGNATURE_DOMAIN_SEPARATOR[kind], ...values] as never)
  } catch (e) {
    throw new VigilError('DECODE_INVALID_FIELD', `aztec-ignition-eip191-v1 ${kind}: values do not ABI-encode (${(e as Error).message.split('\n')[0]})`, { cause: e })
  }
  return keccak256Hex(hexToBytes(encoded))
}

const aztecIgnitionEip191V1: SigningScheme = {
  id: 'aztec-ignition-eip191-v1',
  version: 1,
  title: 'Aztec Ignition (EIP-191 over keccak256 of the abi-encoded payload with SignatureDomainSeparator: checkpoint attestation 1, attestations-and-signers 2)',
  kinds: ['checkpointAttestation', 'attestationsAndSigners'],
  needsDomain: false,
  digest(kind, values) {
    if (kind !== 'checkpointAttestation' && kind !== 'attestationsAndSigners') throw unknownKind(this.id, kind, this.kinds)
    return ethSignedMessageHash(aztecIgnitionStructHash(kind, values))
  },
}

// ------------------------------------------------------------------ Aztec EIP-712 ("Aztec Rollup")

const AZTEC_EIP712_TYPES = {
  BlockProposal: 'BlockProposal(bytes32 payloadHash)',
  CheckpointProposal: 'CheckpointProposal(bytes32 payloadHash)',
  CheckpointAttestation: 'CheckpointAttestation(bytes32 payloadHash)',
  AttestationsAndSigners: 'AttestationsAndSigners(bytes32 payloadHash)',
} as const
const AZTEC_DOMAIN_TYPEHASH = keccak256Hex(utf8('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'))
const AZTEC_NAME_HASH = keccak256Hex(utf8('Aztec Rollup'))
const AZTEC_VERSION_HASH = keccak256Hex(utf8('1'))

/** CoordinationSignatureLib.domainSeparator(verifyingContract) on chain `l1ChainId`. */
export function aztecDomainSeparator(d: SchemeDomain): Uint8Array {
  return keccak256(abiEncodeWords(AZTEC_DOMAIN_TYPEHASH, AZTEC_NAME_HASH, AZTEC_VERSION_HASH, BigInt(d.l1ChainId), d.verifyingContract.toLowerCase() as Hex))
}

const aztecEip712V1: SigningScheme = {
  id: 'aztec-eip712-v1',
  version: 1,
  title: 'Aztec EIP-712 (domain "Aztec Rollup" version "1": Kind(bytes32 payloadHash) for block/checkpoint proposals, checkpoint attestations, attestations-and-signers)',
  kinds: Object.keys(AZTEC_EIP712_TYPES),
  needsDomain: true,
  digest(kind, values, domain) {
    if (!Object.hasOwn(AZTEC_EIP712_TYPES, kind)) throw unknownKind(this.id, kind, this.kinds)
    const d = needDomain(this.id, domain)
    const typeHash = keccak256Hex(utf8(AZTEC_EIP712_TYPES[kind as keyof typeof AZTEC_EIP712_TYPES]))
    const structHash = keccak256(abiEncodeWords(typeHash, bytes32(values[0], this.id)))
    return bytesToHex(keccak256(concatBytes(Uint8Array.of(0x19, 0x01), aztecDomainSeparator(d), structHash)))
  },
}

// ------------------------------------------------------------------ the registry

export const SCHEMES: readonly SigningScheme[] = [vigilEip712V1, aztecIgnitionEip191V1, aztecEip712V1]

export function isSchemeId(id: string): id is SchemeId {
  return SCHEMES.some((s) => s.id === id)
}

/** The scheme `id` names; SCHEME_UNKNOWN (hard) for any other id. */
export function getScheme(id: string): SigningScheme {
  const s = SCHEMES.find((x) => x.id === id)
  if (!s) throw new VigilError('SCHEME_UNKNOWN', `unknown signing scheme "${id}" (known: ${SCHEMES.map((x) => x.id).join(', ')})`, { details: { scheme: id } })
  return s
}

/** The digest of a message by the scheme it names (SCHEME_UNKNOWN / SCHEME_KIND_UNKNOWN otherwise). */
export function messageDigest(m: SchemeMessage): Hex {
  return getScheme(m.scheme).digest(m.kind, m.values, m.domain)
}

/** A message's scheme must be the one its network uses: SCHEME_UNKNOWN names both otherwise. */
export function checkNetworkScheme(network: { id: string; signing: NetworkSigning }, scheme: string): SigningScheme {
  const s = getScheme(scheme)
  if (s.id !== network.signing.scheme) {
    throw new VigilError('SCHEME_UNKNOWN', `network ${network.id} signs with ${network.signing.scheme}, the message names ${s.id}`, { details: { network: network.id, scheme: s.id, expected: network.signing.scheme } })
  }
  return s
}
