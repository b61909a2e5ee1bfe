/**
 * The L1 anchor port: what the client believes is Ethereum's chain, as execution blocks it
 * verified itself. Two kinds implement it (docs/trust.md): the consensus light client
 * (src/sources/l1-anchor-lc.ts: sync-committee signatures from a trusted beacon block root)
 * and the quorum of independent RPCs (src/sources/l1-anchor-quorum.ts: k of n agree on a
 * block hash). Every L1 fact the client uses is then proven against `latest` or `finalized`
 * (src/sources/l1-proven.ts); nothing is taken from an answer.
 */
import type { AbortOptions } from '../core/types'
import type { AnchorKind, AnchoredBlock, L1AnchorView, L1Disagreement } from '../core/records'

export type { AnchorKind, AnchoredBlock, L1AnchorView, L1Disagreement }

export interface AnchorHeads {
  /** The newest block the anchor verified ("latest"-ish: optimistic header, or the quorum's block at its depth). */
  latest: AnchoredBlock | null
  /** The newest block the anchor verified as finalized. */
  finalized: AnchoredBlock | null
}

export interface L1Anchor {
  readonly kind: AnchorKind
  /**
   * One round: asks its sources, verifies, and returns what it now believes (the previous heads
   * when this round verified nothing new). Never throws for a source's failure or lie: those go
   * to `view().error` and `onDisagreement`; throws only when aborted.
   */
  update(opts?: AbortOptions): Promise<AnchorHeads>
  heads(): AnchorHeads
  view(): L1AnchorView
}

/** Where an anchor reports evidence against a source (the trust view collects it). */
export type DisagreementSink = (d: Omit<L1Disagreement, 'firstAt' | 'lastAt' | 'count'>) => void
