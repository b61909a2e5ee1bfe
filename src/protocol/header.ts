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

export function encodeHeader(h: BlockHeader): Uint8Array {
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

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const r = new Reader(bytes, 'header')
  const h = readHeader(r)
  r.end()
  return h
}

export function headerHash(h: BlockHeader): Hex {
  return keccak256Hex(encodeHeader(h))
}
