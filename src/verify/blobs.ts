/**
 * The blob judgement, written once for sync (the body pipeline) and Verify now (the explorer):
 * a mined checkpoint's blobs, as a source served them, against the versioned hashes L1 holds
 * for it and the checkpoint's headers.
 *
 * - every blob served gets exactly one verdict: it is the blob of its versioned hash (KZG:
 *   commitment → versioned hash, or commitment + proof when the source gave them) or not;
 *   a blob at an index the checkpoint does not have is BLOB_COUNT_MISMATCH;
 * - when every blob is there and verified, they unpack into one body per header, each
 *   matching its header (`verifyBody`); if they do not, the blobs are the ones L1 committed
 *   to and the fault is the proposer's, not the source's.
 *
 * Pure: KZG is passed in (`verify/kzg.ts` is loaded lazily by the callers: its trusted setup
 * stays out of the initial bundle). `pause` lets a caller yield between blobs (a commitment
 * costs ~0.3–0.6 s of CPU).
 */
import { VigilError, toErrorRecord } from '../core/errors'
import type { Hex } from '../core/types'
import { decodeBodiesFromBlobs } from '../protocol/blob'
import type { BlockHeader } from '../protocol/header'
import type { BlobCommitmentsAndProofs } from './kzg'
import { verifyBody } from './rules'

/** The KZG check the judgement needs (`verify/kzg.ts` provides it). */
export interface BlobKzg {
  verifyBlobsAgainstVersionedHashes(blobs: Uint8Array[], versionedHashes: Hex[], given?: BlobCommitmentsAndProofs): void
}

export interface BlobsToJudge {
  /** As served, by index; null = not served. */
  blobs: (Uint8Array | null)[]
  /** The checkpoint's versioned hashes, in order (what L1 holds). */
  versionedHashes: Hex[]
  /** Blocks in the checkpoint: the blobs must unpack into this many bodies. */
  blockCount: number
  /** The checkpoint's headers (in order) when known: each body must match its header. */
  headers?: BlockHeader[] | null
  /** Commitments and proofs by blob index, when the source gave them (cheaper than recomputing). */
  given?: BlobCommitmentsAndProofs
  /** Called before each blob's KZG check (e.g. to yield to the event loop). */
  pause?: () => Promise<void>
}

/** One served blob's verdict. */
export interface BlobVerdict {
  index: number
  ok: boolean
  error: VigilError | null
}

export interface BlobJudgement {
  /** One per served blob, by index. */
  verdicts: BlobVerdict[]
  /** The bodies in header order: every blob served, verified, unpacked and matching the headers. */
  bodies: Uint8Array[] | null
  /**
   * Why there are no bodies: `missing` (not every blob served; nothing wrong with those that were),
   * `source` (a served blob is not L1's), `proposer` (the blobs are L1's but do not carry the headers' bodies).
   */
  fault: 'none' | 'missing' | 'source' | 'proposer'
  /** The first reason, coded (null when `bodies` is set). */
  error: VigilError | null
}

const asVigil = (e: unknown): VigilError => (e instanceof VigilError ? e : VigilError.fromRecord(toErrorRecord(e)))

/** Judges served blobs against their versioned hashes and the checkpoint's headers (see the file comment). */
export async function judgeBlobs(input: BlobsToJudge, kzg: BlobKzg): Promise<BlobJudgement> {
  const expected = input.versionedHashes
  const served = input.blobs.map((b, i) => ({ b, i })).filter((x): x is { b: Uint8Array; i: number } => x.b !== null)
  const complete = expected.length > 0 && input.blobs.length === expected.length && served.length === expected.length
  // the cheap part first: do they carry the bodies? (only meaningful when all are there)
  let bodies: Uint8Array[] | null = null
  let bodyError: VigilError | null = null
  if (complete) {
    try {
      const unpacked = decodeBodiesFromBlobs(served.map((x) => x.b))
      if (unpacked.length !== input.blockCount)
        throw new VigilError('BODY_MISMATCH', `the blobs carry ${unpacked.length} bodies for ${input.blockCount} blocks`, { details: { got: unpacked.length, expected: input.blockCount } })
      input.headers?.forEach((h, i) => verifyBody(h, unpacked[i]!))
      bodies = unpacked
    } catch (e) {
      bodyError = asVigil(e)
    }
  }
  const verdicts: BlobVerdict[] = []
  for (const { b, i } of served) {
    await input.pause?.()
    try {
      if (i >= expected.length) throw new VigilError('BLOB_COUNT_MISMATCH', `blob ${i} served, the checkpoint has ${expected.length}`, { details: { index: i, expected: expected.length } })
      const given = input.given ? { commitments: [input.given.commitments[i]!], proofs: [input.given.proofs[i]!] } : undefined
      kzg.verifyBlobsAgainstVersionedHashes([b], [expected[i]!], given)
      verdicts.push({ index: i, ok: true, error: null })
    } catch (e) {
      verdicts.push({ index: i, ok: false, error: asVigil(e) })
    }
  }
  const bad = verdicts.find((v) => !v.ok)
  if (bad) return { verdicts, bodies: null, fault: 'source', error: bad.error }
  if (!complete) {
    const error =
      expected.length === 0
        ? new VigilError('BLOB_COUNT_MISMATCH', 'the checkpoint names no blobs')
        : new VigilError('SOURCE_UNAVAILABLE', `${served.length} of ${expected.length} blobs served`, { severity: 'soft', details: { got: served.length, expected: expected.length } })
    return { verdicts, bodies: null, fault: 'missing', error }
  }
  if (bodyError) return { verdicts, bodies: null, fault: 'proposer', error: bodyError }
  return { verdicts, bodies, fault: 'none', error: null }
}
