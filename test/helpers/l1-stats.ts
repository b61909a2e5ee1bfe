/** The L1 RPCs' stats summed (each RPC is its own `l1:<host>` source of kind 'l1'). */
import type { SourceStats } from '../../src/core/records'

export interface L1Totals {
  sources: number
  requests: number
  bytes: number
  failures: number
  rejected: number
  accepted: number
}

/** Sums every source of kind 'l1' in a snapshot's `sources` (or a list of stats snapshots). */
export function l1Totals(sources: Record<string, SourceStats> | SourceStats[]): L1Totals {
  const all = (Array.isArray(sources) ? sources : Object.values(sources)).filter((s) => s.kind === 'l1')
  const sum = (k: 'requests' | 'bytes' | 'failures' | 'rejected' | 'accepted') => all.reduce((n, s) => n + s[k], 0)
  return { sources: all.length, requests: sum('requests'), bytes: sum('bytes'), failures: sum('failures'), rejected: sum('rejected'), accepted: sum('accepted') }
}
