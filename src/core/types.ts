/** Domain types shared by every layer. Plain data only: everything here is structured-clonable. */

export type Hex = `0x${string}`
export type Address = Hex

/** What is known of a block, from weakest to strongest, plus the two terminal states. */
export type BlockStatus = 'proposed' | 'attested' | 'mined' | 'finalized' | 'orphaned' | 'invalid'

export const ALL_STATUSES: readonly BlockStatus[] = ['proposed', 'attested', 'mined', 'finalized', 'orphaned', 'invalid']

export const LIVE_STATUSES = ['proposed', 'attested', 'mined', 'finalized'] as const
export type LiveStatus = (typeof LIVE_STATUSES)[number]

/** Rank of a live status: a block in status s also counts for every tip below it. */
export const STATUS_RANK: Record<LiveStatus, number> = { proposed: 0, attested: 1, mined: 2, finalized: 3 }

/** Names the other seeds use for the same heads (rollkit soft/hard confirmed, op-node unsafe/safe/finalized). */
export const STATUS_ALIASES: Record<LiveStatus, string> = {
  proposed: 'unsafe · soft-confirmed',
  attested: 'unsafe · attested',
  mined: 'safe · hard-confirmed',
  finalized: 'finalized',
}

export interface TipRef {
  height: number
  hash: Hex
  /** L2 block timestamp (unix ms). */
  timestamp: number
}

export type Tips = Record<LiveStatus, TipRef | null>

export interface AbortOptions {
  signal?: AbortSignal
}
