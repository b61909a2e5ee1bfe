/** A chain segment verified against L1 (src/verify/snapshot.ts), as sync imports it. */
import type { Address, Hex } from '../core/types'
import type { Checkpoint } from '../protocol/checkpoint'
import type { L1Coordinates } from '../protocol/snapshot'

/** A chain segment verified against L1, ready for SyncEngine.importVerifiedSegment. */
export interface VerifiedSegment {
  /** Source name for provenance and stats ('snapshot'). */
  source: string
  /** Consecutive mined checkpoints, ascending; the last is the anchor. */
  checkpoints: VerifiedCheckpoint[]
  /** The anchor's L1 block: where the L1 scan continues. */
  l1Cursor: { blockNumber: number; blockHash: Hex }
  /** L1's finalized block number when verified (null when L1 has none). */
  l1Finalized: number | null
  l1Head: number
}

export interface VerifiedCheckpoint {
  checkpoint: Checkpoint
  digest: Hex
  headerSignatures: Uint8Array[]
  l1: L1Coordinates
  /** Committee members whose attestations verified, and the committee size. */
  signers: Address[]
  committeeSize: number
  /** The attestation signatures that were verified (hex). */
  attestations: Hex[]
}
