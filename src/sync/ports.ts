/** The interfaces the sync engine depends on (go-header style): sources and store plug in behind these. */
import type { AbortOptions, Address } from '../core/types'
import type { L1Block, MinedCheckpoint, RollupParams } from '../sources/l1'

export interface L1Port {
  rollupParams(): Promise<RollupParams>
  committee(epoch: number, currentEpoch: number): Promise<Address[]>
  block(tag: 'latest' | 'finalized' | number): Promise<L1Block | null>
  minedCheckpoints(from: number, to: number, opts?: AbortOptions): Promise<MinedCheckpoint[]>
}

/** What a gossip validator answers: accept (forward), ignore (soft: drop, no penalty), reject (hard: drop and penalise). */
export type GossipVerdict = 'accept' | 'ignore' | 'reject'
