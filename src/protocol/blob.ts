import { VigilError } from '../core/errors'
import { Reader, Writer } from './bytes'
import { MAX_BODY_BYTES } from './body'

/** EIP-4844 blob geometry. */
export const FIELD_ELEMENTS_PER_BLOB = 4096
export const BYTES_PER_FIELD_ELEMENT = 32
export const BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * BYTES_PER_FIELD_ELEMENT
/** Each field element carries 31 payload bytes behind a zero byte, so it is always < the BLS modulus. */
export const USABLE_BYTES_PER_FIELD_ELEMENT = 31
export const USABLE_BYTES_PER_BLOB = FIELD_ELEMENTS_PER_BLOB * USABLE_BYTES_PER_FIELD_ELEMENT

/**
 * The bodies of a checkpoint's blocks, packed into blobs:
 *   payload = u32 bodyCount ‖ (u32 length ‖ body bytes)*
 * split into 31-byte chunks, each stored in a field element as 0x00 ‖ chunk; the rest zero.
 */
export function encodeBodiesToBlobs(bodies: Uint8Array[]): Uint8Array[] {
  const w = new Writer(1024).u32(bodies.length)
  for (const b of bodies) w.varBytes32(b)
  const payload = w.finish()
  const blobCount = Math.max(1, Math.ceil(payload.length / USABLE_BYTES_PER_BLOB))
  const blobs: Uint8Array[] = []
  for (let i = 0; i < blobCount; i++) {
    const blob = new Uint8Array(BYTES_PER_BLOB)
    const start = i * USABLE_BYTES_PER_BLOB
    for (let fe = 0; fe < FIELD_ELEMENTS_PER_BLOB; fe++) {
      const from = start + fe * USABLE_BYTES_PER_FIELD_ELEMENT
      if (from >= payload.length) break
      blob.set(payload.subarray(from, Math.min(from + USABLE_BYTES_PER_FIELD_ELEMENT, payload.length)), fe * BYTES_PER_FIELD_ELEMENT + 1)
    }
    blobs.push(blob)
  }
  return blobs
}

/** Inverse of encodeBodiesToBlobs. Rejects a non-zero high byte, a bad length or non-zero padding. */
export function decodeBodiesFromBlobs(blobs: Uint8Array[]): Uint8Array[] {
  if (blobs.length === 0) throw new VigilError('BLOB_INVALID', 'no blobs')
  const payload = new Uint8Array(blobs.length * USABLE_BYTES_PER_BLOB)
  blobs.forEach((blob, i) => {
    if (blob.length !== BYTES_PER_BLOB) throw new VigilError('BLOB_INVALID', `blob ${i} is ${blob.length} bytes, expected ${BYTES_PER_BLOB}`)
    for (let fe = 0; fe < FIELD_ELEMENTS_PER_BLOB; fe++) {
      const at = fe * BYTES_PER_FIELD_ELEMENT
      if (blob[at] !== 0) throw new VigilError('BLOB_INVALID', `blob ${i} field element ${fe} has a non-zero high byte`)
      payload.set(blob.subarray(at + 1, at + BYTES_PER_FIELD_ELEMENT), i * USABLE_BYTES_PER_BLOB + fe * USABLE_BYTES_PER_FIELD_ELEMENT)
    }
  })
  try {
    const r = new Reader(payload, 'blobPayload')
    const n = r.u32('bodyCount')
    if (n > 1024) throw new VigilError('BLOB_INVALID', `blob payload claims ${n} bodies`)
    const bodies = Array.from({ length: n }, () => r.varBytes32(MAX_BODY_BYTES, 'body').slice())
    const rest = payload.subarray(r.offset)
    if (rest.some((b) => b !== 0)) throw new VigilError('BLOB_INVALID', 'non-zero bytes after the blob payload')
    return bodies
  } catch (e) {
    if (e instanceof VigilError && e.code === 'BLOB_INVALID') throw e
    throw new VigilError('BLOB_INVALID', `blob payload does not decode: ${(e as Error).message}`, { cause: e })
  }
}
