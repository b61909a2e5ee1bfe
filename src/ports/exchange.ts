/** The header exchange (go-header's Exchange): how the syncer asks peers for headers. ReqRespSource implements it. */
import type { AbortOptions, Hex } from '../core/types'
import type { SignedHeader } from '../protocol/signed-header'

export interface HeaderExchange {
  readonly name: string
  /** Highest head any peer announced. */
  networkHead(): { height: number; hash: Hex } | null
  /** Lowest height ≥ `from` some peer serves headers from (null: no peer reaches `from`). */
  earliestAvailable(from: number): number | null
  /** Up to `count` consecutive headers from `from` (checked for sequence and chain, not verified). */
  headersByRange(from: number, count: number, opts?: AbortOptions): Promise<{ peer: string; headers: SignedHeader[] }>
  /** Data from `peer` failed verification: lower its standing. */
  penalize(peer: string, error: unknown): void
  /** Calls `fn` when a peer announces a new status. */
  onStatus(fn: () => void): () => void
  /** Asks peers for fresh status (the target is above everything announced). */
  refreshAll?(): Promise<void>
}
