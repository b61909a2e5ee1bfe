/** The explorer's navigation bar: pages, and one search box for heights, block hashes and tx hashes. */
import { useEffect, useState, type FormEvent } from 'react'
import { href, navigate, type Route } from './router'
import { focusOnSlash, inputValue } from './platform'

const PAGES: { page: Route['page']; label: string; to: string }[] = [
  { page: 'dashboard', label: 'Dashboard', to: href.dashboard() },
  { page: 'blocks', label: 'Blocks', to: href.blocks() },
  { page: 'evidence', label: 'Evidence', to: href.evidence() },
  { page: 'aztec', label: 'Aztec', to: href.aztec() },
  { page: 'settings', label: 'Settings', to: href.settings() },
]

export function SearchBox({ initial = '' }: { initial?: string }) {
  const [q, setQ] = useState(initial)
  useEffect(() => focusOnSlash('search-input'), [])
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const v = q.trim()
    if (v !== '') navigate(href.search(v))
  }
  return (
    <form className="search" role="search" onSubmit={submit} data-testid="search-form">
      <label htmlFor="search-input" className="sr-only">
        Search by block height, block hash or transaction hash
      </label>
      <input
        id="search-input"
        type="search"
        name="q"
        value={q}
        onChange={(e) => setQ(inputValue(e))}
        placeholder="Height, block hash or tx hash  ( / )"
        aria-keyshortcuts="/"
        autoComplete="off"
        spellCheck={false}
        data-testid="search-input"
      />
      <button type="submit" className="button button-small">
        Search
      </button>
    </form>
  )
}

export function Nav({ route, evidenceCount }: { route: Route; evidenceCount?: number }) {
  const current = route.page === 'block' || route.page === 'search' || route.page === 'tx' || route.page === 'checkpoint' ? 'blocks' : route.page
  return (
    <nav className="navbar" aria-label="Explorer">
      <ul className="nav-links">
        {PAGES.map((p) => (
          <li key={p.page}>
            <a href={p.to} aria-current={current === p.page ? 'page' : undefined} data-testid={`nav-${p.page}`}>
              {p.label}
              {p.page === 'evidence' && evidenceCount ? (
                <span className="nav-count" aria-label={`${evidenceCount} items`}>
                  {evidenceCount > 999 ? '999+' : evidenceCount}
                </span>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
      <SearchBox key={route.page === 'search' ? route.q : ''} initial={route.page === 'search' ? route.q : ''} />
    </nav>
  )
}
