/**
 * Search results: a height, a block hash, a tx hash or a checkpoint digest. One block match
 * goes straight to its page (replacing the history entry, so Back returns to where the search
 * started); several (a height with orphans, a tx in an orphaned and a mined block) are listed.
 */
import { useEffect, useState } from 'react'
import type { SearchResult } from '../../client/shared/types'
import type { VigilError } from '../../core/errors'
import { formatCount, shortHash } from '../format'
import { Section } from '../parts'
import { href } from '../router'
import { replaceHash } from '../platform'

interface SearchClient {
  search(q: string): Promise<SearchResult[]>
}

function target(r: SearchResult): string {
  if (r.kind === 'tx') return href.block(r.hash, r.txHash)
  if (r.kind === 'checkpoint') return href.checkpoint(r.checkpointNumber)
  return href.block(r.hash)
}

function describe(r: SearchResult): string {
  if (r.kind === 'tx') return `transaction ${shortHash(r.txHash)} — #${r.index} in block ${formatCount(r.height)}`
  if (r.kind === 'checkpoint') return `checkpoint ${formatCount(r.checkpointNumber)} (digest ${shortHash(r.digest)}) — first block ${formatCount(r.height)}`
  return `block ${formatCount(r.height)} ${shortHash(r.hash)}`
}

export function SearchPage({ client, q }: { client: SearchClient | null; q: string }) {
  const [state, setState] = useState<{ q: string; results: SearchResult[] | null; error: VigilError | null }>({ q, results: null, error: null })
  useEffect(() => {
    if (!client) return
    let live = true
    setState({ q, results: null, error: null })
    client.search(q).then(
      (results) => {
        if (!live) return
        if (results.length === 1) replaceHash(target(results[0]!))
        else setState({ q, results, error: null })
      },
      (error: VigilError) => live && setState({ q, results: null, error }),
    )
    return () => {
      live = false
    }
  }, [client, q])
  return (
    <Section id="search" title={`Search: ${q}`} data-testid="search-results">
      {state.error ? (
        <p className="error-line" role="alert" data-testid="search-error" data-code={state.error.code}>
          <code className="err-code">{state.error.code}</code> {state.error.message}. Search takes a block height (digits), or a block hash, transaction hash or checkpoint digest (0x and 64 hex digits).
        </p>
      ) : state.results === null ? (
        <p className="muted" role="status">
          Searching…
        </p>
      ) : state.results.length === 0 ? (
        <p className="empty" data-testid="search-empty">
          Nothing this client holds matches <code>{q}</code>. Only blocks synced into this browser can be found: the explorer asks no server.
        </p>
      ) : (
        <ul className="results">
          {state.results.map((r, i) => (
            <li key={i} data-testid="search-result" data-kind={r.kind}>
              <a href={target(r)}>{describe(r)}</a> <span className={`pill pill-${r.status}`}>{r.status}</span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  )
}
