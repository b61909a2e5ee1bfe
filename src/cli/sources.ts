/**
 * How the CLI reports its sources: each one's counters with its last error, and the one
 * diagnosis worth a code of its own — no L1 RPC ever answered (SOURCE_UNAVAILABLE naming the
 * URLs and why), which is what a wrong URL or a stopped devnet looks like from here.
 */
import { VigilError, type ErrorRecord } from '../core/errors'
import type { SourceStats } from '../core/records'
import type { ClientConfig } from '../client/shared/config'
import { rpcName } from '../sources/l1-rpc'

export interface SourceLine {
  kind: SourceStats['kind']
  requests: number
  bytes: number
  failures: number
  accepted: number
  rejected: number
  latencyMs: SourceStats['latencyMs']
  /** The last failed request or rejected item of this source (null: none). */
  lastError: ErrorRecord | null
}

export function sourceLines(sources: Record<string, SourceStats>): Record<string, SourceLine> {
  return Object.fromEntries(Object.entries(sources).map(([k, v]) => [k, { kind: v.kind, requests: v.requests, bytes: v.bytes, failures: v.failures, accepted: v.accepted, rejected: v.rejected, latencyMs: v.latencyMs, lastError: v.lastError }]))
}

/** `  source NAME: counters` and, when it failed or was rejected, its last error on the next line. */
export function sourceText(name: string, v: SourceLine): string[] {
  const line = `  source ${name}: ${v.requests} requests, ${v.bytes} bytes, ${v.failures} failures, ${v.accepted} accepted, ${v.rejected} rejected`
  return v.lastError && (v.failures > 0 || v.rejected > 0) ? [line, `    last error: ${v.lastError.code}: ${v.lastError.message}`] : [line]
}

/** The URL without its query string (where API keys tend to live). */
function shown(url: string): string {
  try {
    const u = new URL(url)
    if (u.search === '' && u.username === '' && u.password === '') return url
    return `${u.origin}${u.pathname === '/' && !url.endsWith('/') ? '' : u.pathname}${u.search ? '?…' : ''}`
  } catch {
    return url
  }
}

const TRANSPORT = new Set(['SOURCE_UNAVAILABLE', 'SOURCE_TIMEOUT'])

/**
 * SOURCE_UNAVAILABLE when every L1 RPC of `config` was asked and none ever answered (each
 * request failed in transport: refused, unreachable, timed out); null otherwise. An RPC that
 * answered even once, or one not asked yet, is not this case.
 */
export function l1Unavailable(config: ClientConfig, sources: Record<string, SourceStats>): VigilError | null {
  const urls = config.l1.rpcUrls
  if (urls.length === 0) return null
  const down: string[] = []
  for (const url of urls) {
    const s = sources[rpcName(url)]
    if (!s || s.requests === 0 || s.failures < s.requests || !s.lastError || !TRANSPORT.has(s.lastError.code)) return null
    down.push(`${shown(url)}: ${s.lastError.message.replace(`${rpcName(url)}: `, '')}`)
  }
  const what = urls.length === 1 ? 'the L1 RPC never answered' : `none of the ${urls.length} L1 RPCs ever answered`
  return new VigilError('SOURCE_UNAVAILABLE', `${what}: ${down.join('; ')}`, { severity: 'soft', details: { urls: urls.map(shown).join(','), source: 'l1' } })
}
