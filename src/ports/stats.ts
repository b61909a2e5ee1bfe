/**
 * Where verdicts go: every item a source delivers is judged once, and the judgement is
 * counted in that source's stats (`StatsRecorder` in src/sources/stats.ts implements it).
 */
export interface VerdictSink {
  readonly name: string
  /** `ok`: the item passed verification; otherwise `error` says why it was rejected. */
  verdict(ok: boolean, error?: unknown): void
}

/** What a gossip validator answers: accept (forward), ignore (soft: drop, no penalty), reject (hard: drop and penalise). */
export type GossipVerdict = 'accept' | 'ignore' | 'reject'
