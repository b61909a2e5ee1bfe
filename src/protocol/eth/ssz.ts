/**
 * The SSZ hash_tree_root pieces the Ethereum consensus light client needs (consensus-specs
 * ssz/simple-serialize.md § Merkleization), with sha256 from src/protocol/hash.ts, plus
 * is_valid_merkle_branch, compute_fork_data_root, compute_domain and compute_signing_root.
 *
 * Only fixed-size types and one small ByteList (extra_data) occur, so there is no general SSZ
 * type system here: each container hashes its fields' roots in order.
 */
import { VigilError } from '../../core/errors'
import { sha256 } from '../hash'
import { bytesToHex } from '../bytes'

export const BYTES_PER_CHUNK = 32
export const SYNC_COMMITTEE_SIZE = 512
export const BLS_PUBKEY_LENGTH = 48
export const BLS_SIGNATURE_LENGTH = 96
export const DOMAIN_SYNC_COMMITTEE = new Uint8Array([0x07, 0x00, 0x00, 0x00])

const ZERO_CHUNK = new Uint8Array(32)
/** zeroHashes[d] = root of a depth-d tree of zero chunks. */
const zeroHashes: Uint8Array[] = [ZERO_CHUNK]
for (let d = 1; d <= 64; d++) zeroHashes.push(hash2(zeroHashes[d - 1]!, zeroHashes[d - 1]!))

/** sha256(a || b) of two 32-byte chunks. */
export function hash2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64)
  buf.set(a, 0)
  buf.set(b, 32)
  return sha256(buf)
}

/** uint64 little-endian in one chunk. */
export function uint64Root(v: bigint | number): Uint8Array {
  let x = BigInt(v)
  if (x < 0n || x >= 1n << 64n) throw new VigilError('DECODE_INVALID_FIELD', `uint64 out of range: ${x}`)
  const out = new Uint8Array(32)
  for (let i = 0; i < 8; i++) {
    out[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return out
}

/** uint256 little-endian in one chunk. */
export function uint256Root(v: bigint): Uint8Array {
  let x = v
  if (x < 0n || x >= 1n << 256n) throw new VigilError('DECODE_INVALID_FIELD', `uint256 out of range: ${x}`)
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn)
    x >>= 8n
  }
  return out
}

/** Split bytes into 32-byte chunks, the last zero-padded (pack for byte vectors). */
export function packBytes(b: Uint8Array): Uint8Array[] {
  const n = Math.max(1, Math.ceil(b.length / 32))
  const chunks: Uint8Array[] = []
  for (let i = 0; i < n; i++) {
    const c = new Uint8Array(32)
    c.set(b.subarray(32 * i, Math.min(b.length, 32 * i + 32)))
    chunks.push(c)
  }
  return chunks
}

/** merkleize(chunks, limit): the root of the chunks padded with zero chunks to next_pow_of_two(limit ?? count). */
export function merkleize(chunks: Uint8Array[], limit?: number): Uint8Array {
  const count = limit ?? chunks.length
  if (chunks.length > count) throw new VigilError('DECODE_TOO_LARGE', `merkleize: ${chunks.length} chunks over the limit ${count}`)
  let depth = 0
  while (1 << depth < count) depth++
  if (chunks.length === 0) return zeroHashes[depth]!
  let layer = chunks
  for (let d = 0; d < depth; d++) {
    const next: Uint8Array[] = []
    for (let i = 0; i < layer.length; i += 2) next.push(hash2(layer[i]!, layer[i + 1] ?? zeroHashes[d]!))
    layer = next
  }
  return layer[0]!
}

export function mixInLength(root: Uint8Array, length: number): Uint8Array {
  return hash2(root, uint64Root(length))
}

/** Bytes32 / Bytes20 / Bytes4 (any ByteVector ≤ 32 bytes): the value right-padded into one chunk. */
export function smallBytesRoot(b: Uint8Array): Uint8Array {
  if (b.length > 32) throw new VigilError('DECODE_INVALID_FIELD', `expected at most 32 bytes, got ${b.length}`)
  return packBytes(b)[0]!
}

/** ByteVector[N] of any N. */
export function byteVectorRoot(b: Uint8Array): Uint8Array {
  return merkleize(packBytes(b))
}

/** ByteList[maxLen]. */
export function byteListRoot(b: Uint8Array, maxLen: number): Uint8Array {
  if (b.length > maxLen) throw new VigilError('DECODE_TOO_LARGE', `byte list of ${b.length} over its limit ${maxLen}`)
  return mixInLength(merkleize(b.length === 0 ? [] : packBytes(b), Math.ceil(maxLen / 32)), b.length)
}

/** A container: merkleize of its fields' roots. */
export function containerRoot(fieldRoots: Uint8Array[]): Uint8Array {
  return merkleize(fieldRoots)
}

// --- consensus types ---------------------------------------------------------------------

export interface BeaconBlockHeader {
  slot: number
  proposerIndex: number
  parentRoot: Uint8Array
  stateRoot: Uint8Array
  bodyRoot: Uint8Array
}

export function beaconBlockHeaderRoot(h: BeaconBlockHeader): Uint8Array {
  return containerRoot([uint64Root(h.slot), uint64Root(h.proposerIndex), h.parentRoot, h.stateRoot, h.bodyRoot])
}

export interface SyncCommittee {
  /** 512 compressed G1 public keys, 48 bytes each. */
  pubkeys: Uint8Array[]
  aggregatePubkey: Uint8Array
}

/** BLSPubkey = ByteVector[48]: two chunks. */
export function pubkeyRoot(pk: Uint8Array): Uint8Array {
  if (pk.length !== BLS_PUBKEY_LENGTH) throw new VigilError('DECODE_INVALID_FIELD', `BLS pubkey of ${pk.length} bytes`)
  return byteVectorRoot(pk)
}

export function syncCommitteeRoot(c: SyncCommittee): Uint8Array {
  if (c.pubkeys.length !== SYNC_COMMITTEE_SIZE) throw new VigilError('DECODE_INVALID_FIELD', `sync committee of ${c.pubkeys.length} pubkeys, expected ${SYNC_COMMITTEE_SIZE}`)
  return containerRoot([merkleize(c.pubkeys.map(pubkeyRoot)), pubkeyRoot(c.aggregatePubkey)])
}

/** ExecutionPayloadHeader as the light client carries it: Capella fields, plus Deneb's two (Electra adds none). */
export interface ExecutionPayloadHeader {
  parentHash: Uint8Array
  feeRecipient: Uint8Array
  stateRoot: Uint8Array
  receiptsRoot: Uint8Array
  logsBloom: Uint8Array
  prevRandao: Uint8Array
  blockNumber: bigint
  gasLimit: bigint
  gasUsed: bigint
  timestamp: bigint
  extraData: Uint8Array
  baseFeePerGas: bigint
  blockHash: Uint8Array
  transactionsRoot: Uint8Array
  withdrawalsRoot: Uint8Array
  /** Deneb and later; absent before. */
  blobGasUsed?: bigint
  excessBlobGas?: bigint
}

export const MAX_EXTRA_DATA_BYTES = 32

/** The execution-payload-header layout a fork uses for hash_tree_root. */
export type ExecutionLayout = 'capella' | 'deneb'

export function executionPayloadHeaderRoot(h: ExecutionPayloadHeader, layout: ExecutionLayout): Uint8Array {
  const fields = [
    smallBytesRoot(h.parentHash),
    smallBytesRoot(h.feeRecipient),
    smallBytesRoot(h.stateRoot),
    smallBytesRoot(h.receiptsRoot),
    byteVectorRoot(h.logsBloom),
    smallBytesRoot(h.prevRandao),
    uint64Root(h.blockNumber),
    uint64Root(h.gasLimit),
    uint64Root(h.gasUsed),
    uint64Root(h.timestamp),
    byteListRoot(h.extraData, MAX_EXTRA_DATA_BYTES),
    uint256Root(h.baseFeePerGas),
    smallBytesRoot(h.blockHash),
    smallBytesRoot(h.transactionsRoot),
    smallBytesRoot(h.withdrawalsRoot),
  ]
  if (layout === 'deneb') fields.push(uint64Root(h.blobGasUsed ?? 0n), uint64Root(h.excessBlobGas ?? 0n))
  return containerRoot(fields)
}

// --- branches, domains, signing roots -----------------------------------------------------

/** is_valid_merkle_branch(leaf, branch, depth, index, root). */
export function isValidMerkleBranch(leaf: Uint8Array, branch: Uint8Array[], depth: number, index: number, root: Uint8Array): boolean {
  if (branch.length !== depth) return false
  let value = leaf
  for (let i = 0; i < depth; i++) {
    value = Math.floor(index / 2 ** i) % 2 === 1 ? hash2(branch[i]!, value) : hash2(value, branch[i]!)
  }
  return bytesEqual(value, root)
}

/** Depth and index of a generalized index (floorlog2 and gindex mod 2^depth). */
export function gindexParts(gindex: number): { depth: number; index: number } {
  const depth = Math.floor(Math.log2(gindex))
  return { depth, index: gindex - 2 ** depth }
}

/** compute_fork_data_root(current_version, genesis_validators_root). */
export function forkDataRoot(version: Uint8Array, genesisValidatorsRoot: Uint8Array): Uint8Array {
  if (version.length !== 4) throw new VigilError('DECODE_INVALID_FIELD', 'fork version must be 4 bytes')
  return containerRoot([smallBytesRoot(version), genesisValidatorsRoot])
}

/** compute_domain(domain_type, fork_version, genesis_validators_root): domain_type || fork_data_root[:28]. */
export function computeDomain(domainType: Uint8Array, version: Uint8Array, genesisValidatorsRoot: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  out.set(domainType.subarray(0, 4), 0)
  out.set(forkDataRoot(version, genesisValidatorsRoot).subarray(0, 28), 4)
  return out
}

/** compute_signing_root(object_root, domain) = hash_tree_root(SigningData(object_root, domain)). */
export function computeSigningRoot(objectRoot: Uint8Array, domain: Uint8Array): Uint8Array {
  return hash2(objectRoot, domain)
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function isZero(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false
  return true
}

export function rootHex(b: Uint8Array): string {
  return bytesToHex(b)
}
