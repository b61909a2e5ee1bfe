import type { Address, Hex } from '../core/types'
import { Reader, Writer, checkVersion } from './bytes'
import { keccak256Hex } from './hash'

export const HEADER_VERSION = 1
/** Every v1 header encodes to exactly this many bytes (see docs/protocol.md). */
export const HEADER_SIZE = 162

/** An L2 block header: commits to its parent, its body and its place in a checkpoint. */
export interface BlockHeader {
  version: number
  /** L2 chain id. */
  chainId: number
  height: number
  slot: number
  checkpointNumber: number
  /** Position of this block inside its checkpoint (0-based). */
  indexInCheckpoint: number
  /** Unix milliseconds. */
  timestamp: number
  parentHash: Hex
  /** keccak256 of the canonical body encoding. */
  bodyHash: Hex
  /** keccak256(parent.stateRoot ‖ bodyHash): the running commitment to all bodies so far. */
  stateRoot: Hex
  proposer: Address
  txCount: number
}

/**
 * A header as decoded from the wire: the fields plus the exact bytes they came from and their
 * keccak256 hash, computed once at decode. `bytes` and `hash` are non-enumerable, so a spread
 * (`{ ...h, height: 9 }`, e.g. a test crafting a bad header) is a plain BlockHeader again and is
 * re-encoded, never mistaken for the original; equality checks and structured clones see only
 * the fields. Do not mutate a decoded header's fields in place (the carried bytes would be
 * stale): spread it instead. Signed headers (signed-header.ts: snapshots, file stores,
 * req/resp) stay plain headers, since tools and tests edit those in place.
 *
 * A decoded header's bytes are exactly what re-encoding its fields gives (the encoding is
 * fixed-size and canonical), so carrying them changes no hash.
 */
export type DecodedHeader = BlockHeader & { readonly bytes: Uint8Array; readonly hash: Hex }

/** True when `h` carries its bytes and hash (it came from decodeHeader / a decoded proposal or checkpoint). */
export function isDecodedHeader(h: BlockHeader): h is DecodedHeader {
  return (h as Partial<DecodedHeader>).hash !== undefined
}

/** Attaches `bytes` (the header's exact encoding) and their hash to `h`, non-enumerable. */
function carry(h: BlockHeader, bytes: Uint8Array): DecodedHeader {
  Object.defineProperty(h, 'bytes', { value: bytes, enumerable: false })
  Object.defineProperty(h, 'hash', { value: keccak256Hex(bytes), enumerable: false })
  return h as DecodedHeader
}

/** The header's canonical encoding (a copy of the carried bytes for a decoded header). */
export function encodeHeader(h: BlockHeader): Uint8Array {
  if (isDecodedHeader(h)) return h.bytes.slice()
  return writeHeader(h)
}

/** The header's encoding for a writer to copy from: the carried bytes themselves (never mutate them), or encoded now. */
export function headerBytesOf(h: BlockHeader): Uint8Array {
  return isDecodedHeader(h) ? h.bytes : writeHeader(h)
}

function writeHeader(h: BlockHeader): Uint8Array {
  return new Writer(HEADER_SIZE)
    .u8(h.version)
    .u64(h.chainId)
    .u64(h.height)
    .u64(h.slot)
    .u64(h.checkpointNumber)
    .u8(h.indexInCheckpoint)
    .u64(h.timestamp)
    .hex(h.parentHash, 32)
    .hex(h.bodyHash, 32)
    .hex(h.stateRoot, 32)
    .hex(h.proposer, 20)
    .u32(h.txCount)
    .finish()
}

export function readHeader(r: Reader): BlockHeader {
  const version = r.u8('header.version')
  checkVersion('header', version, HEADER_VERSION)
  return {
    version,
    chainId: r.u64('header.chainId'),
    height: r.u64('header.height'),
    slot: r.u64('header.slot'),
    checkpointNumber: r.u64('header.checkpointNumber'),
    indexInCheckpoint: r.u8('header.indexInCheckpoint'),
    timestamp: r.u64('header.timestamp'),
    parentHash: r.hex(32, 'header.parentHash'),
    bodyHash: r.hex(32, 'header.bodyHash'),
    stateRoot: r.hex(32, 'header.stateRoot'),
    proposer: r.hex(20, 'header.proposer'),
    txCount: r.u32('header.txCount'),
  }
}

/** Reads one header from `r` and carries its bytes (a copy) and hash: for headers inside proposals and checkpoints. */
export function readDecodedHeader(r: Reader): DecodedHeader {
  const start = r.offset
  const h = readHeader(r)
  return carry(h, r.bytes.slice(start, r.offset))
}

export function decodeHeader(bytes: Uint8Array): DecodedHeader {
  const r = new Reader(bytes, 'header')
  const h = readDecodedHeader(r)
  r.end()
  return h
}

/** keccak256 of the header's encoding: the carried hash of a decoded header, computed otherwise. */
export function headerHash(h: BlockHeader): Hex {
  if (isDecodedHeader(h)) return h.hash
  return keccak256Hex(writeHeader(h))
}

/** `h` as a decoded header: itself when it already carries bytes and hash, else encoded once now. */
export function toDecodedHeader(h: BlockHeader): DecodedHeader {
  if (isDecodedHeader(h)) return h
  return carry({ ...h }, writeHeader(h))
}
