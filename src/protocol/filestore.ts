/**
 * The file store's bucket layout (docs/filestore.md): plain HTTP GETs under a base URL, so
 * the devnet's store, a public bucket or a CDN serve the same paths.
 *
 *   v1/<l2ChainId>/meta.json                 layout version, header chunk size, headers published so far
 *   v1/<l2ChainId>/bodies/<blockHash>        canonical body bytes (keccak256 = header.bodyHash)
 *   v1/<l2ChainId>/blobs/<versionedHash>     one EIP-4844 blob, 131,072 bytes
 *   v1/<l2ChainId>/headers/<from>-<to>       signed headers from..to, fixed chunks of HEADER_CHUNK_SIZE
 *   v1/<l2ChainId>/snapshots/index.json      the snapshot index (docs/snapshots.md), and the snapshots it names
 *
 * Hashes in paths are lower-case 0x hex. Everything but meta.json and the snapshot index is
 * content-addressed or immutable once written, and the client verifies every byte anyway.
 */
import { VigilError } from '../core/errors'
import type { Hex } from '../core/types'
import { Reader } from './bytes'
import { SIGNED_HEADER_SIZE, encodeSignedHeader, readSignedHeader, type SignedHeader } from './signed-header'

export const FILESTORE_LAYOUT_VERSION = 1
/** Headers per header-range object: chunk k holds heights k·64+1 … (k+1)·64 (the req/resp range cap too). */
export const HEADER_CHUNK_SIZE = 64
/** Largest object a client reads from a file store that is not a blob or a snapshot. */
export const MAX_HEADER_RANGE_BYTES = HEADER_CHUNK_SIZE * SIGNED_HEADER_SIZE

const HASH_RE = /^0x[0-9a-f]{64}$/

function checkHash(what: string, h: string): string {
  const lower = h.toLowerCase()
  if (!HASH_RE.test(lower)) throw new VigilError('DECODE_INVALID_FIELD', `${what} must be a 32-byte 0x hash, got ${h}`, { details: { field: what } })
  return lower
}

/** The chunk holding `height` (≥ 1): its first and last height. */
export function headerChunkOf(height: number): { from: number; to: number } {
  if (!Number.isSafeInteger(height) || height < 1) throw new VigilError('DECODE_INVALID_FIELD', `header height ${height} (the first block is 1)`, { details: { field: 'height' } })
  const k = Math.floor((height - 1) / HEADER_CHUNK_SIZE)
  return { from: k * HEADER_CHUNK_SIZE + 1, to: (k + 1) * HEADER_CHUNK_SIZE }
}

/** Object paths (relative to the bucket root, no leading slash) for one L2 chain. */
export function fileStorePaths(l2ChainId: number) {
  const root = `v1/${l2ChainId}`
  return {
    root,
    meta: `${root}/meta.json`,
    body: (blockHash: Hex | string) => `${root}/bodies/${checkHash('blockHash', blockHash)}`,
    blob: (versionedHash: Hex | string) => `${root}/blobs/${checkHash('versionedHash', versionedHash)}`,
    headers: (from: number, to: number) => {
      const c = headerChunkOf(from)
      if (c.from !== from || c.to !== to) throw new VigilError('DECODE_INVALID_FIELD', `header range ${from}-${to} is not a chunk (chunks are ${HEADER_CHUNK_SIZE} headers, from 1)`)
      return `${root}/headers/${from}-${to}`
    },
    snapshotIndex: `${root}/snapshots/index.json`,
    snapshot: (name: string) => {
      if (!/^[A-Za-z0-9._-]{1,128}$/.test(name) || name.startsWith('.')) throw new VigilError('DECODE_INVALID_FIELD', `snapshot name ${JSON.stringify(name)} is not a plain file name`)
      return `${root}/snapshots/${name}`
    },
  }
}

export type FileStorePaths = ReturnType<typeof fileStorePaths>

/** `meta.json`: what a client can learn before fetching anything else. */
export interface FileStoreMeta {
  layout: number
  l2ChainId: number
  headerChunkSize: number
  /** Highest height covered by a published header chunk (0: none yet). */
  headersUpTo: number
}

/** A header-range object: the signed headers of one chunk, back to back (SIGNED_HEADER_SIZE bytes each). */
export function encodeHeaderRange(headers: SignedHeader[]): Uint8Array {
  const out = new Uint8Array(headers.length * SIGNED_HEADER_SIZE)
  headers.forEach((h, i) => out.set(encodeSignedHeader(h), i * SIGNED_HEADER_SIZE))
  return out
}

/**
 * Decodes a header-range object for chunk from..to: exactly to-from+1 signed headers at
 * consecutive heights from `from` (DECODE_* hard errors otherwise). Signatures and linkage
 * are checked by whoever consumes them (SyncEngine.onSignedHeader).
 */
export function decodeHeaderRange(bytes: Uint8Array, from: number, to: number): SignedHeader[] {
  const n = to - from + 1
  if (n < 1 || n > HEADER_CHUNK_SIZE) throw new VigilError('DECODE_INVALID_FIELD', `header range ${from}-${to}`)
  if (bytes.length !== n * SIGNED_HEADER_SIZE)
    throw new VigilError(bytes.length > n * SIGNED_HEADER_SIZE ? 'DECODE_TRAILING_BYTES' : 'DECODE_TRUNCATED', `header range ${from}-${to} is ${bytes.length} bytes, expected ${n * SIGNED_HEADER_SIZE}`, {
      details: { got: bytes.length, expected: n * SIGNED_HEADER_SIZE },
    })
  const r = new Reader(bytes, 'headerRange')
  const out: SignedHeader[] = []
  for (let i = 0; i < n; i++) {
    const s = readSignedHeader(r)
    if (s.header.height !== from + i)
      throw new VigilError('DECODE_INVALID_FIELD', `header ${i} of range ${from}-${to} is at height ${s.header.height}, expected ${from + i}`, { details: { got: s.header.height, expected: from + i } })
    out.push(s)
  }
  r.end()
  return out
}
