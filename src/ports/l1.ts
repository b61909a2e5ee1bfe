/**
 * The L1 port: what sync (and verification on demand) reads from Ethereum. `ProvenL1`
 * (src/sources/l1-proven.ts) implements it with every value proven against the client's L1
 * anchor (docs/trust.md); tests use the in-memory one in test/helpers.
 */
import type { AbortOptions, Address, Hex } from '../core/types'
import type { Schedule } from '../protocol/schedule'
import type { AnchorKind, L1Proof } from '../core/records'

export interface RollupParams extends Schedule {
  l2ChainId: number
  targetCommitteeSize: number
}

export interface L1Block {
  number: number
  hash: Hex
  timestamp: number
  /** Which anchor it was verified by, and on what basis (absent from in-memory test ports). */
  anchor?: AnchorKind
  basis?: string
}

/** A CheckpointProposed event joined with its transaction: everything the L1 says about one checkpoint. */
export interface MinedCheckpoint {
  checkpointNumber: number
  slot: number
  digest: Hex
  checkpointBytes: Uint8Array
  attestationsBytes: Uint8Array
  /** Versioned hashes of the blobs the L1 transaction actually carried. */
  txBlobVersionedHashes: Hex[]
  txFrom: Address
  txHash: Hex
  l1BlockNumber: number
  l1BlockHash: Hex
  logIndex: number
  /**
   * The facts above proven against an anchored L1 block (src/sources/l1-proven.ts): absent only
   * from in-memory test ports. The source whose answers were proven is `proof.rpc`.
   */
  proof?: L1Proof
}

export interface L1Port {
  rollupParams(): Promise<RollupParams>
  /** The committee of `epoch` as L1 holds it (`currentEpoch`: the clock's epoch, for caching). */
  committee(epoch: number, currentEpoch: number): Promise<Address[]>
  block(tag: 'latest' | 'finalized' | number): Promise<L1Block | null>
  /**
   * The checkpoints proposed in L1 blocks [from, to], in L1 order. `after`: the highest
   * checkpoint number the caller already holds; a port that can prove the rollup's tip
   * fails (soft) rather than return a range in which a number above `after` is missing.
   */
  minedCheckpoints(from: number, to: number, opts?: AbortOptions & { after?: number }): Promise<MinedCheckpoint[]>
}
