/**
 * The Ignition header hash (ProposedHeaderLib.hash): sha256ToField of
 *   abi.encodePacked(lastArchiveRoot, blobsHash, inHash, outHash, slotNumber (32 bytes),
 *                    uint64(timestamp) (8), coinbase (20), feeRecipient (32),
 *                    feePerDaGas (16), feePerL2Gas (16), totalManaUsed (32))   — 284 bytes
 * where sha256ToField(x) = 0x00 ‖ sha256(x)[0:31] (Hash.sha256ToField: the digest shifted right by
 * one byte so it is a BN254 field element). `toUint64` is SafeCast: a timestamp of 2^64 or more
 * reverts on L1, and is refused here rather than truncated.
 */
import { VigilError } from '../../core/errors'
import type { Hex } from '../../core/types'
import { bytesToHex, hexToBytes } from '../../protocol/bytes'
import { sha256 } from '../../protocol/hash'
import type { ProposedHeader } from './decode'

export const PACKED_HEADER_SIZE = 284

function put(out: Uint8Array, at: number, size: number, v: bigint): number {
  for (let i = size - 1; i >= 0; i--) {
    out[at + i] = Number(v & 0xffn)
    v >>= 8n
  }
  return at + size
}

function putHex(out: Uint8Array, at: number, h: Hex, size: number): number {
  const b = hexToBytes(h)
  if (b.length !== size) throw new VigilError('DECODE_INVALID_FIELD', `header field must be ${size} bytes, got ${b.length}`, { details: { what: 'header' } })
  out.set(b, at)
  return at + size
}

/** The packed header bytes the rollup hashes. */
export function packHeader(h: ProposedHeader): Uint8Array {
  if (h.timestamp >= 1n << 64n) throw new VigilError('DECODE_INVALID_FIELD', `header timestamp ${h.timestamp} does not fit uint64 (the rollup's SafeCast.toUint64 reverts)`, { details: { what: 'header', field: 'timestamp' } })
  const out = new Uint8Array(PACKED_HEADER_SIZE)
  let at = putHex(out, 0, h.lastArchiveRoot, 32)
  at = putHex(out, at, h.contentCommitment.blobsHash, 32)
  at = putHex(out, at, h.contentCommitment.inHash, 32)
  at = putHex(out, at, h.contentCommitment.outHash, 32)
  at = put(out, at, 32, h.slotNumber)
  at = put(out, at, 8, h.timestamp)
  at = putHex(out, at, h.coinbase, 20)
  at = putHex(out, at, h.feeRecipient, 32)
  at = put(out, at, 16, h.gasFees.feePerDaGas)
  at = put(out, at, 16, h.gasFees.feePerL2Gas)
  at = put(out, at, 32, h.totalManaUsed)
  if (at !== PACKED_HEADER_SIZE) throw new VigilError('INTERNAL', `packed header is ${at} bytes, expected ${PACKED_HEADER_SIZE}`)
  return out
}

/** Hash.sha256ToField: 0x00 ‖ the first 31 bytes of sha256(data). */
export function sha256ToField(data: Uint8Array): Hex {
  const d = sha256(data)
  const out = new Uint8Array(32)
  out.set(d.subarray(0, 31), 1)
  return bytesToHex(out)
}

export interface HeaderHash {
  /** sha256 of the packed header (what the sha256 precompile returned on L1). */
  sha256: Hex
  /** 0x00 ‖ sha256[0:31]: the header hash the payload digest commits to. */
  hash: Hex
}

export function headerHash(h: ProposedHeader): HeaderHash {
  const packed = packHeader(h)
  const d = sha256(packed)
  const hash = new Uint8Array(32)
  hash.set(d.subarray(0, 31), 1)
  return { sha256: bytesToHex(d), hash: bytesToHex(hash) }
}
