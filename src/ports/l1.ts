/**
 * The L1 port: what sync (and verification on demand) reads from Ethereum. `L1Source`
 * (src/sources/l1.ts, viem) implements it; tests use the in-memory one in test/helpers.
 */
import type { AbortOptions, Address, Hex } from '../core/types'
import type { Schedule } from '../protocol/schedule'
import type { L1Proof } from '../core/records'

export interface RollupParams extends Schedule {
  l2ChainId: number
  targetCommitteeSize: number
}

export interface L1Block {
  number: number
  hash: Hex
  timestamp: number
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
  minedCheckpoints(from: number, to: number, opts?: AbortOptions): Promise<MinedCheckpoint[]>
}
