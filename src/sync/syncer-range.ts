/**
 * Range sync's fetching (go-header): [from, to] cut into ≤ 64-header requests, up to
 * `parallel` in flight (the exchange picks peers that announced the range, by score), handed
 * out in height order as they arrive. Stopping early (the consumer breaks) aborts the rest.
 */
import type { SignedHeader } from '../protocol/signed-header'
import type { HeaderExchange } from '../ports/exchange'

export const MAX_HEADERS_PER_REQUEST = 64

export type Fetched = { peer: string; headers: SignedHeader[] } | { error: unknown }

export interface FetchedChunk {
  from: number
  count: number
  r: Fetched
  /** Aborted when the consumer stops or `signal` aborts (for follow-up requests of this round). */
  signal: AbortSignal
}

/** The chunks of [from, to], fetched `parallel` at a time, yielded in order. */
export async function* headerRanges(exchange: HeaderExchange, from: number, to: number, parallel: number, signal: AbortSignal): AsyncGenerator<FetchedChunk> {
  const roundAbort = new AbortController()
  const sig = AbortSignal.any([signal, roundAbort.signal])
  const chunks: { from: number; count: number }[] = []
  for (let s = from; s <= to; s += MAX_HEADERS_PER_REQUEST) chunks.push({ from: s, count: Math.min(MAX_HEADERS_PER_REQUEST, to - s + 1) })
  const results: Promise<Fetched>[] = []
  const launch = (upTo: number) => {
    while (results.length < chunks.length && results.length < upTo) {
      const c = chunks[results.length]!
      results.push(exchange.headersByRange(c.from, c.count, { signal: sig }).then((r) => r, (error: unknown) => ({ error })))
    }
  }
  try {
    for (let i = 0; i < chunks.length; i++) {
      launch(i + parallel)
      const r = await results[i]!
      yield { ...chunks[i]!, r, signal: sig }
    }
  } finally {
    roundAbort.abort()
    for (const p of results) void p.catch(() => undefined)
  }
}
