/**
 * Snapshots (docs/snapshots.md): a recent stretch of the MINED chain — consecutive mined
 * checkpoints with their signed headers and L1 coordinates, the attestations of the last one
 * (the anchor) and the committee of the anchor's epoch — plus the JSON index that names the
 * latest snapshot. A client verifies every part against L1 before importing it; nothing here
 * is trusted.
 *
 * Binary layout (v1), big-endian like every other message (docs/protocol.md):
 *
 *   u8       version = 1
 *   u64      l2ChainId
 *   bytes20  rollup
 *   u64      createdAt (unix ms)
 *   u16      checkpointCount                      1..MAX_SNAPSHOT_CHECKPOINTS
 *   checkpointCount × {
 *     u64      checkpointNumber
 *     u64      slot
 *     u8       headerCount                         1..32
 *     u8       blobCount                           ≤ 9
 *     blobCount × bytes32                          blob versioned hashes
 *     u64      l1BlockNumber
 *     bytes32  l1BlockHash
 *     bytes32  l1TxHash
 *     headerCount × SignedHeader (228 bytes)       version ‖ header ‖ proposer signature
 *   }
 *   u32      attestationsLength                    ≤ 2 + 65 × MAX_ATTESTATIONS
 *   attestationsLength bytes                       the anchor's attestation list (as in L1 calldata)
 *   u64      committeeEpoch
 *   u16      committeeSize                        ≤ MAX_ATTESTATIONS
 *   committeeSize × bytes20
 */
import { VigilError } from '../core/errors'
import type { Address, Hex } from '../core/types'
import { Reader, Writer, checkVersion, tooLarge } from './bytes'
import { CHECKPOINT_VERSION, MAX_ATTESTATIONS, MAX_BLOBS_PER_CHECKPOINT, MAX_BLOCKS_PER_CHECKPOINT, decodeAttestationSignatures, encodeAttestationSignatures, type Checkpoint } from './checkpoint'
import { SIGNATURE_SIZE } from './signature'
import { SIGNED_HEADER_VERSION, encodeSignedHeader, readSignedHeader } from './signed-header'

export const SNAPSHOT_VERSION = 1
export const SNAPSHOT_INDEX_VERSION = 1
/** Checkpoints one snapshot may hold (its window). */
export const MAX_SNAPSHOT_CHECKPOINTS = 1024
/** Largest snapshot a client downloads: 1024 full checkpoints of signed headers, plus slack. */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
/** Largest snapshot index a client downloads. */
export const MAX_SNAPSHOT_INDEX_BYTES = 64 * 1024

export interface L1Coordinates {
  blockNumber: number
  blockHash: Hex
  txHash: Hex
}

export interface SnapshotCheckpoint {
  checkpoint: Checkpoint
  /** Proposer signature of each header (BlockProposal), in header order. */
  headerSignatures: Uint8Array[]
  /** Where the checkpoint was mined (claimed; the client checks it on L1). */
  l1: L1Coordinates
}

export interface Snapshot {
  version: number
  l2ChainId: number
  rollup: Address
  /** Unix ms when the snapshot was made. */
  createdAt: number
  /** Consecutive mined checkpoints, ascending; the last one is the anchor. */
  checkpoints: SnapshotCheckpoint[]
  /** The anchor's attestation signatures. */
  attestations: Uint8Array[]
  /** The committee of the anchor's epoch (claimed; the client compares it with L1's). */
  committee: { epoch: number; members: Address[] }
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  if (s.checkpoints.length === 0 || s.checkpoints.length > MAX_SNAPSHOT_CHECKPOINTS) throw tooLarge('snapshot', 'checkpointCount', s.checkpoints.length, MAX_SNAPSHOT_CHECKPOINTS)
  if (s.committee.members.length > MAX_ATTESTATIONS) throw tooLarge('snapshot', 'committeeSize', s.committee.members.length, MAX_ATTESTATIONS)
  const w = new Writer(4096).u8(s.version).u64(s.l2ChainId).hex(s.rollup, 20).u64(s.createdAt).u16(s.checkpoints.length)
  for (const c of s.checkpoints) {
    const cp = c.checkpoint
    if (cp.headers.length === 0 || cp.headers.length > MAX_BLOCKS_PER_CHECKPOINT) throw tooLarge('snapshot', 'headerCount', cp.headers.length, MAX_BLOCKS_PER_CHECKPOINT)
    if (cp.blobVersionedHashes.length > MAX_BLOBS_PER_CHECKPOINT) throw tooLarge('snapshot', 'blobCount', cp.blobVersionedHashes.length, MAX_BLOBS_PER_CHECKPOINT)
    if (c.headerSignatures.length !== cp.headers.length) throw new VigilError('DECODE_INVALID_FIELD', `snapshot checkpoint ${cp.checkpointNumber}: ${cp.headers.length} headers, ${c.headerSignatures.length} signatures`)
    w.u64(cp.checkpointNumber).u64(cp.slot).u8(cp.headers.length).u8(cp.blobVersionedHashes.length)
    for (const v of cp.blobVersionedHashes) w.hex(v, 32)
    w.u64(c.l1.blockNumber).hex(c.l1.blockHash, 32).hex(c.l1.txHash, 32)
    cp.headers.forEach((header, i) => w.bytes(encodeSignedHeader({ version: SIGNED_HEADER_VERSION, header, signature: c.headerSignatures[i]! })))
  }
  w.varBytes32(encodeAttestationSignatures(s.attestations))
  w.u64(s.committee.epoch).u16(s.committee.members.length)
  for (const m of s.committee.members) w.hex(m, 20)
  return w.finish()
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  if (bytes.length > MAX_SNAPSHOT_BYTES) throw tooLarge('snapshot', 'size', bytes.length, MAX_SNAPSHOT_BYTES)
  const r = new Reader(bytes, 'snapshot')
  const version = r.u8('snapshot.version')
  checkVersion('snapshot', version, SNAPSHOT_VERSION)
  const l2ChainId = r.u64('snapshot.l2ChainId')
  const rollup = r.hex(20, 'snapshot.rollup') as Address
  const createdAt = r.u64('snapshot.createdAt')
  const n = r.u16('snapshot.checkpointCount')
  if (n === 0 || n > MAX_SNAPSHOT_CHECKPOINTS) throw tooLarge('snapshot', 'checkpointCount', n, MAX_SNAPSHOT_CHECKPOINTS)
  const checkpoints: SnapshotCheckpoint[] = []
  for (let i = 0; i < n; i++) {
    const checkpointNumber = r.u64('snapshot.checkpointNumber')
    const slot = r.u64('snapshot.slot')
    const headerCount = r.u8('snapshot.headerCount')
    if (headerCount === 0 || headerCount > MAX_BLOCKS_PER_CHECKPOINT) throw tooLarge('snapshot', 'headerCount', headerCount, MAX_BLOCKS_PER_CHECKPOINT)
    const blobCount = r.u8('snapshot.blobCount')
    if (blobCount > MAX_BLOBS_PER_CHECKPOINT) throw tooLarge('snapshot', 'blobCount', blobCount, MAX_BLOBS_PER_CHECKPOINT)
    const blobVersionedHashes = Array.from({ length: blobCount }, () => r.hex(32, 'snapshot.blobVersionedHash'))
    const l1: L1Coordinates = { blockNumber: r.u64('snapshot.l1BlockNumber'), blockHash: r.hex(32, 'snapshot.l1BlockHash'), txHash: r.hex(32, 'snapshot.l1TxHash') }
    const headers = []
    const headerSignatures = []
    for (let j = 0; j < headerCount; j++) {
      const sh = readSignedHeader(r)
      headers.push(sh.header)
      headerSignatures.push(sh.signature)
    }
    checkpoints.push({ checkpoint: { version: CHECKPOINT_VERSION, checkpointNumber, slot, headers, blobVersionedHashes }, headerSignatures, l1 })
  }
  const attestations = decodeAttestationSignatures(r.varBytes32(2 + SIGNATURE_SIZE * MAX_ATTESTATIONS, 'snapshot.attestations'))
  const epoch = r.u64('snapshot.committeeEpoch')
  const size = r.u16('snapshot.committeeSize')
  if (size > MAX_ATTESTATIONS) throw tooLarge('snapshot', 'committeeSize', size, MAX_ATTESTATIONS)
  const members = Array.from({ length: size }, () => r.hex(20, 'snapshot.committeeMember') as Address)
  r.end()
  return { version, l2ChainId, rollup, createdAt, checkpoints, attestations, committee: { epoch, members } }
}

/** One snapshot as the index describes it. */
export interface SnapshotIndexEntry {
  /** File name, relative to the index URL (a plain name: no slashes). */
  name: string
  /** Height and hash of the last block (the anchor checkpoint's last block). */
  height: number
  hash: Hex
  checkpointNumber: number
  /** The anchor's L1 block. */
  l1BlockNumber: number
  createdAt: number
  /** Size and sha256 of the snapshot file: a download that differs is refused before decoding. */
  bytes: number
  sha256: Hex
}

/** `snapshots/index.json`: the latest snapshot first, then older ones still served. */
export interface SnapshotIndex {
  version: number
  l2ChainId: number
  rollup: Address
  latest: SnapshotIndexEntry
  older: SnapshotIndexEntry[]
}

const HEX32 = /^0x[0-9a-f]{64}$/
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

function parseEntry(raw: unknown, at: string): SnapshotIndexEntry {
  const o = (raw ?? {}) as Record<string, unknown>
  const bad = (field: string) => new VigilError('SNAPSHOT_INVALID', `snapshot index: ${at}.${field} is missing or malformed`, { details: { field: `${at}.${field}` } })
  if (typeof raw !== 'object' || raw === null) throw bad('(entry)')
  if (typeof o.name !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(o.name) || o.name.startsWith('.')) throw bad('name')
  for (const f of ['height', 'checkpointNumber', 'l1BlockNumber', 'createdAt', 'bytes'] as const) if (!isUint(o[f])) throw bad(f)
  if ((o.bytes as number) > MAX_SNAPSHOT_BYTES) throw bad('bytes')
  for (const f of ['hash', 'sha256'] as const) if (typeof o[f] !== 'string' || !HEX32.test((o[f] as string).toLowerCase())) throw bad(f)
  return {
    name: o.name,
    height: o.height as number,
    hash: (o.hash as string).toLowerCase() as Hex,
    checkpointNumber: o.checkpointNumber as number,
    l1BlockNumber: o.l1BlockNumber as number,
    createdAt: o.createdAt as number,
    bytes: o.bytes as number,
    sha256: (o.sha256 as string).toLowerCase() as Hex,
  }
}

/** Validates untrusted JSON into a SnapshotIndex (SNAPSHOT_INVALID naming the bad field otherwise). */
export function parseSnapshotIndex(raw: unknown): SnapshotIndex {
  if (typeof raw !== 'object' || raw === null) throw new VigilError('SNAPSHOT_INVALID', 'snapshot index is not a JSON object')
  const o = raw as Record<string, unknown>
  if (o.version !== SNAPSHOT_INDEX_VERSION) throw new VigilError('DECODE_UNKNOWN_VERSION', `snapshot index version ${String(o.version)} (this client reads ${SNAPSHOT_INDEX_VERSION})`)
  if (!isUint(o.l2ChainId)) throw new VigilError('SNAPSHOT_INVALID', 'snapshot index: l2ChainId is missing')
  if (typeof o.rollup !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(o.rollup)) throw new VigilError('SNAPSHOT_INVALID', 'snapshot index: rollup is missing')
  const older = Array.isArray(o.older) ? o.older.slice(0, 64).map((e, i) => parseEntry(e, `older[${i}]`)) : []
  return { version: SNAPSHOT_INDEX_VERSION, l2ChainId: o.l2ChainId, rollup: o.rollup.toLowerCase() as Address, latest: parseEntry(o.latest, 'latest'), older }
}
