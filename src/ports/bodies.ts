/** Body and blob sources (file store, beacon API, req/resp, re-execution) as the body pipeline sees them. */
import type { AbortOptions, Hex } from '../core/types'
import type { VerdictSink } from './stats'

/** A mined checkpoint's blobs: where they were posted and their versioned hashes (in order). */
export interface BlobRef {
  l1BlockNumber: number
  /** The L1 block's proven timestamp (Unix seconds), when the caller has it: the beacon slot is computed from it. */
  l1Timestamp?: number
  versionedHashes: Hex[]
}

/** A block whose body is asked for: its hash (the key) and height (req/resp asks only peers that hold it). */
export interface BodyRef {
  hash: Hex
  height: number
}

/**
 * A source of bodies by block hash (file store, req/resp, re-execution). Returns what it
 * got, unverified, keyed by lower-case block hash; absent = not available from it.
 */
export interface BodySource {
  readonly name: string
  readonly stats: VerdictSink
  fetchBodies(refs: BodyRef[], opts?: AbortOptions): Promise<Map<Hex, Uint8Array>>
}

/** A source of a mined checkpoint's blobs (L1 beacon API, file store). Entries may be null (missing). */
export interface BlobSource {
  readonly name: string
  readonly stats: VerdictSink
  fetchBlobs(ref: BlobRef, opts?: AbortOptions): Promise<(Uint8Array | null)[]>
}
