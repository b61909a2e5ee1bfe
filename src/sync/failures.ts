/**
 * The failure log: every verdict on data a source delivered is counted here, in that source's
 * `VerdictSink`, and every failure is recorded ONE way — `record` — which counts it, keeps it in
 * the recent list (getFailures) and persists it: inside the step's store transaction when the
 * step has one (`update`), else in a write of its own.
 */
import { toErrorRecord, type ErrorRecord } from '../core/errors'
import type { Logger } from '../core/logger'
import type { ChainStore, FailureRow, StoreUpdate } from '../ports/store'
import type { GossipVerdict, VerdictSink } from '../ports/stats'

const RECENT_FAILURES = 50

export interface FailureLogOptions {
  store: Pick<ChainStore, 'apply'>
  /** Stats of the gossip source and (optionally) of the L1 source; others are registered. */
  gossipStats: VerdictSink
  l1Stats?: VerdictSink | undefined
  now: () => number
  /** Called after a failure recorded outside a step's update (the step's commit notifies otherwise). */
  changed: () => void
  log?: Logger
}

export interface RecordOptions {
  /** The step's update: the failure is persisted in its transaction. Without it, in a write of its own. */
  update?: StoreUpdate
  /** Added to the error's details (e.g. `{ checkpoint: 7 }`). */
  extra?: Record<string, string | number>
  /**
   * Count a rejection in the source's stats (default true). False when the source's verdict on
   * this item was already counted — a child that fails to link once its parent arrives, a
   * checkpoint verdict L1 reorged out.
   */
  count?: boolean
  /** The peer that sent the data (gossip, req/resp): kept with the failure (`ErrorRecord.peer`). */
  peer?: string | undefined
}

/** How many items each code turned away, by the verdict they got (reject = hard, ignore = soft). */
export type VerdictsByCode = Record<string, { reject: number; ignore: number }>

export class FailureLog {
  private recent: ErrorRecord[] = []
  private readonly sinks = new Map<string, VerdictSink>()
  private readonly byCode: VerdictsByCode = {}

  constructor(private readonly opts: FailureLogOptions) {}

  /** Restores the recent list (newest first) from the store. */
  restore(rows: FailureRow[]): void {
    // rows stored before failures carried their source get it from the row
    this.recent = rows.map((f) => ({ ...f.error, source: f.error.source ?? f.source, ...(f.peer && !f.error.peer ? { peer: f.peer } : {}) })).slice(0, RECENT_FAILURES)
  }

  /** Lets verdicts on data from `stats.name` be counted in that source's stats. */
  register(stats: VerdictSink): void {
    this.sinks.set(stats.name, stats)
  }

  /** Stats of a named source (gossip and L1 built in; others registered). */
  sinkFor(source: string): VerdictSink | undefined {
    if (source === 'gossip') return this.opts.gossipStats
    if (source === 'l1') return this.opts.l1Stats
    return this.sinks.get(source)
  }

  /** Data from `source` passed verification. */
  accepted(source: string): void {
    this.sinkFor(source)?.verdict(true)
  }

  /**
   * Data from `source` failed verification: counted, listed, persisted. Returns what a gossip
   * validator answers for it: hard failures 'reject' (penalise), soft ones 'ignore'. The record
   * names where the data came from (`source`, and `peer` when a peer sent it).
   */
  record(source: string, e: unknown, opts: RecordOptions = {}): GossipVerdict {
    if (opts.count !== false) this.sinkFor(source)?.verdict(false, e)
    const rec = toErrorRecord(e)
    if (opts.extra && Object.keys(opts.extra).length) rec.details = { ...(rec.details ?? {}), ...opts.extra }
    rec.source = source
    if (opts.peer) rec.peer = opts.peer
    const verdict = rec.severity === 'hard' ? 'reject' : 'ignore'
    const c = (this.byCode[rec.code] ??= { reject: 0, ignore: 0 })
    c[verdict]++
    this.recent = [rec, ...this.recent].slice(0, RECENT_FAILURES)
    const row: FailureRow = { at: this.opts.now(), source, ...(opts.peer ? { peer: opts.peer } : {}), error: rec }
    if (opts.update) opts.update.failures = [...(opts.update.failures ?? []), row]
    else {
      void this.opts.store.apply({ failures: [row] }).catch((err) => this.opts.log?.('failure not stored:', err))
      this.opts.changed()
    }
    return verdict
  }

  /** Items turned away since start, per code and verdict. */
  verdictsByCode(): VerdictsByCode {
    return Object.fromEntries(Object.entries(this.byCode).map(([k, v]) => [k, { ...v }]))
  }

  /** The recent failures, newest first. */
  list(): ErrorRecord[] {
    return [...this.recent]
  }
}
