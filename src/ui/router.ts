/**
 * Hash routing, no dependency: `#/`, `#/blocks`, `#/blocks/<height>`, `#/block/<height|hash>`
 * (optionally `?tx=<hash>`), `#/tx/<hash>`, `#/checkpoint/<number>`, `#/search/<query>`,
 * `#/evidence`, `#/settings`, `#/aztec` (an Aztec checkpoint from its L1 input). Hash routes
 * work from any static host and from `file:`; the server never sees them.
 */
import { useSyncExternalStore } from 'react'
import { getHash, onHashChange, setHash } from './platform'

export type Route =
  | { page: 'dashboard' }
  | { page: 'blocks'; height: number | null }
  | { page: 'block'; q: string; tx: string | null }
  | { page: 'tx'; hash: string }
  | { page: 'checkpoint'; n: number }
  | { page: 'search'; q: string }
  | { page: 'evidence' }
  | { page: 'settings' }
  | { page: 'aztec'; network: string }
  | { page: 'not-found'; path: string }

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '')
  const [pathPart = '', query = ''] = raw.split('?')
  const parts = pathPart.split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p)
    } catch {
      return p
    }
  })
  const params = new URLSearchParams(query)
  if (parts.length === 0) return { page: 'dashboard' }
  const [head, arg] = parts
  switch (head) {
    case 'blocks':
      return { page: 'blocks', height: arg && /^\d+$/.test(arg) ? Number(arg) : null }
    case 'block':
      return arg ? { page: 'block', q: arg, tx: params.get('tx') } : { page: 'blocks', height: null }
    case 'tx':
      return arg ? { page: 'tx', hash: arg } : { page: 'dashboard' }
    case 'checkpoint':
      return arg && /^\d{1,15}$/.test(arg) ? { page: 'checkpoint', n: Number(arg) } : { page: 'not-found', path: pathPart }
    case 'search':
      return { page: 'search', q: arg ?? params.get('q') ?? '' }
    case 'evidence':
      return { page: 'evidence' }
    case 'settings':
      return { page: 'settings' }
    case 'aztec':
      return { page: 'aztec', network: params.get('network') ?? 'aztec-ignition' }
    default:
      return { page: 'not-found', path: pathPart }
  }
}

export const href = {
  dashboard: () => '#/',
  blocks: (height?: number) => (height === undefined ? '#/blocks' : `#/blocks/${height}`),
  block: (q: string | number, tx?: string) => `#/block/${encodeURIComponent(String(q))}${tx ? `?tx=${encodeURIComponent(tx)}` : ''}`,
  tx: (hash: string) => `#/tx/${encodeURIComponent(hash)}`,
  checkpoint: (n: number) => `#/checkpoint/${n}`,
  search: (q: string) => `#/search/${encodeURIComponent(q)}`,
  evidence: () => '#/evidence',
  settings: () => '#/settings',
  aztec: () => '#/aztec',
}

/** The current route; re-renders on every hash change. Server rendering sees the dashboard. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(onHashChange, getHash, () => '')
  return parseRoute(hash)
}

export function navigate(to: string): void {
  setHash(to)
}
