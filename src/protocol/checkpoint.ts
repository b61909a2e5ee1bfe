import type { Hex } from '../core/types'
import { Reader, Writer, checkVersion, tooLarge } from './bytes'
import { type BlockHeader, type DecodedHeader, headerBytesOf, readDecodedHeader } from './header'
import { keccak256Hex } from './hash'
import { SIGNATURE_SIZE } from './signature'

export const CHECKPOINT_VERSION = 1
export const MAX_BLOCKS_PER_CHECKPOINT = 32
/** Prague allows 9 blobs per L1 block. */
export const MAX_BLOBS_PER_CHECKPOINT = 9
export const MAX_ATTESTATIONS = 1024

/**
 * The blocks of one slot, as posted to L1: the full headers (calldata) and the versioned
 * hashes of the blobs that carry their bodies. Its digest (keccak256 of this encoding) is
 * what the committee attests to.
 */
export interface Checkpoint {
  version: number
  checkpointNumber: number
  slot: number
  headers: BlockHeader[]
  blobVersionedHashes: Hex[]
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  if (c.headers.length === 0 || c.headers.length > MAX_BLOCKS_PER_CHECKPOINT) throw tooLarge('checkpoint', 'blockCount', c.headers.length, MAX_BLOCKS_PER_CHECKPOINT)
  if (c.blobVersionedHashes.length > MAX_BLOBS_PER_CHECKPOINT) throw tooLarge('checkpoint', 'blobCount', c.blobVersionedHashes.length, MAX_BLOBS_PER_CHECKPOINT)
  const w = new Writer(32 + 170 * c.headers.length).u8(c.version).u64(c.checkpointNumber).u64(c.slot).u8(c.headers.length)
  for (const h of c.headers) w.bytes(headerBytesOf(h))
  w.u8(c.blobVersionedHashes.length)
  for (const v of c.blobVersionedHashes) w.hex(v, 32)
  return w.finish()
}

/** A checkpoint as decoded: its headers carry their bytes and hashes (computed once). */
export interface DecodedCheckpoint extends Checkpoint {
  headers: DecodedHeader[]
}

export function readCheckpoint(r: Reader): DecodedCheckpoint {
  const version = r.u8('checkpoint.version')
  checkVersion('checkpoint', version, CHECKPOINT_VERSION)
  const checkpointNumber = r.u64('checkpoint.number')
  const slot = r.u64('checkpoint.slot')
  const n = r.u8('checkpoint.blockCount')
  if (n === 0 || n > MAX_BLOCKS_PER_CHECKPOINT) throw tooLarge('checkpoint', 'blockCount', n, MAX_BLOCKS_PER_CHECKPOINT)
  const headers = Array.from({ length: n }, () => readDecodedHeader(r))
  const b = r.u8('checkpoint.blobCount')
  if (b > MAX_BLOBS_PER_CHECKPOINT) throw tooLarge('checkpoint', 'blobCount', b, MAX_BLOBS_PER_CHECKPOINT)
  const blobVersionedHashes = Array.from({ length: b }, () => r.hex(32, 'checkpoint.blobVersionedHash'))
  return { version, checkpointNumber, slot, headers, blobVersionedHashes }
}

export function decodeCheckpoint(bytes: Uint8Array): DecodedCheckpoint {
  const r = new Reader(bytes, 'checkpoint')
  const c = readCheckpoint(r)
  r.end()
  return c
}

export function checkpointDigest(c: Checkpoint): Hex {
  return keccak256Hex(encodeCheckpoint(c))
}

/** Checkpoint proposal (gossip): the proposer's signed checkpoint, which the committee attests. */
export interface CheckpointProposal {
  version: number
  checkpoint: Checkpoint
  signature: Uint8Array
}

export const CHECKPOINT_PROPOSAL_VERSION = 1

export function encodeCheckpointProposal(p: CheckpointProposal): Uint8Array {
  return new Writer(1024).u8(p.version).varBytes32(encodeCheckpoint(p.checkpoint)).bytes(p.signature).finish()
}

export interface DecodedCheckpointProposal extends CheckpointProposal {
  checkpoint: DecodedCheckpoint
}

export function decodeCheckpointProposal(bytes: Uint8Array): DecodedCheckpointProposal {
  const r = new Reader(bytes, 'checkpointProposal')
  const version = r.u8('checkpointProposal.version')
  checkVersion('checkpointProposal', version, CHECKPOINT_PROPOSAL_VERSION)
  const inner = r.varBytes32(64 * 1024, 'checkpointProposal.checkpoint')
  const checkpoint = decodeCheckpoint(inner)
  const signature = r.bytesN(SIGNATURE_SIZE, 'checkpointProposal.signature').slice()
  r.end()
  return { version, checkpoint, signature }
}

/** A committee member's attestation to a checkpoint digest (gossip). */
export interface CheckpointAttestation {
  version: number
  checkpointDigest: Hex
  slot: number
  signature: Uint8Array
}

export const ATTESTATION_VERSION = 1
export const ATTESTATION_SIZE = 1 + 32 + 8 + SIGNATURE_SIZE

export function encodeAttestation(a: CheckpointAttestation): Uint8Array {
  return new Writer(ATTESTATION_SIZE).u8(a.version).hex(a.checkpointDigest, 32).u64(a.slot).bytes(a.signature).finish()
}

export function decodeAttestation(bytes: Uint8Array): CheckpointAttestation {
  const r = new Reader(bytes, 'attestation')
  const version = r.u8('attestation.version')
  checkVersion('attestation', version, ATTESTATION_VERSION)
  const checkpointDigest = r.hex(32, 'attestation.checkpointDigest')
  const slot = r.u64('attestation.slot')
  const signature = r.bytesN(SIGNATURE_SIZE, 'attestation.signature').slice()
  r.end()
  return { version, checkpointDigest, slot, signature }
}

/** The attestations posted to L1 with a checkpoint: u16 count, then count × 65-byte signatures. */
export function encodeAttestationSignatures(sigs: Uint8Array[]): Uint8Array {
  if (sigs.length > MAX_ATTESTATIONS) throw tooLarge('attestations', 'count', sigs.length, MAX_ATTESTATIONS)
  const w = new Writer(2 + SIGNATURE_SIZE * sigs.length).u16(sigs.length)
  for (const s of sigs) w.bytes(s)
  return w.finish()
}

export function decodeAttestationSignatures(bytes: Uint8Array): Uint8Array[] {
  const r = new Reader(bytes, 'attestations')
  const n = r.u16('attestations.count')
  if (n > MAX_ATTESTATIONS) throw tooLarge('attestations', 'count', n, MAX_ATTESTATIONS)
  const sigs = Array.from({ length: n }, () => r.bytesN(SIGNATURE_SIZE, 'attestations.signature').slice())
  r.end()
  return sigs
}
