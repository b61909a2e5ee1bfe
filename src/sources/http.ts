/**
 * Bounded HTTP GETs for the HTTP sources (file store, beacon API): a timeout on every
 * request (combined with the caller's signal), a cap on the response size checked against
 * Content-Length before reading and enforced while streaming, and coded errors.
 */
import { VigilError } from '../core/errors'
import { abortError, timeoutSignal } from '../core/abort'
import type { AbortOptions } from '../core/types'

/**
 * Why a fetch failed, in words a user can act on: undici's "fetch failed" hides the reason in
 * `cause` (`connect ECONNREFUSED 127.0.0.1:8545`, `getaddrinfo ENOTFOUND host`), sometimes an
 * AggregateError of one per address tried.
 */
export function transportReason(e: unknown): string {
  const cause = (e as { cause?: unknown })?.cause as { message?: unknown; code?: unknown; errors?: { message?: unknown }[] } | undefined
  const inner = cause?.errors?.find((x) => typeof x?.message === 'string' && x.message !== '')?.message ?? cause?.message ?? cause?.code
  const outer = e instanceof Error ? e.message : String(e)
  return typeof inner === 'string' && inner !== '' ? inner : outer
}

export interface GetOptions extends AbortOptions {
  timeoutMs: number
  maxBytes: number
  accept?: string
  /** What the bytes are, for messages ("file store body 0x…"). */
  what: string
}

export interface GetResult {
  status: number
  bytes: Uint8Array
  contentType: string
}

/**
 * GET `url`. 2xx → the body (≤ maxBytes, else SOURCE_BAD_RESPONSE); 404 → status 404 with
 * no bytes (the caller decides what a miss means); other statuses → SOURCE_UNAVAILABLE (5xx,
 * 429; soft) or SOURCE_BAD_RESPONSE (other 4xx); network errors → SOURCE_UNAVAILABLE;
 * timeouts → SOURCE_TIMEOUT; the caller's abort → ABORTED.
 */
export async function boundedGet(url: string, opts: GetOptions): Promise<GetResult> {
  const signal = timeoutSignal(opts.timeoutMs, opts.signal)
  let res: Response
  try {
    res = await fetch(url, { headers: { accept: opts.accept ?? '*/*' }, signal })
  } catch (e) {
    if (signal.aborted) throw abortError(signal)
    throw new VigilError('SOURCE_UNAVAILABLE', `${opts.what}: ${url} unreachable: ${transportReason(e)}`, { severity: 'soft', cause: e })
  }
  const contentType = res.headers.get('content-type') ?? ''
  if (res.status === 404) {
    await res.body?.cancel().catch(() => undefined)
    return { status: 404, bytes: new Uint8Array(0), contentType }
  }
  if (!res.ok) {
    const text = await readCapped(res, 2048, signal, opts.what).then((b) => new TextDecoder().decode(b), () => '')
    const soft = res.status >= 500 || res.status === 429 || res.status === 408
    throw new VigilError(soft ? 'SOURCE_UNAVAILABLE' : 'SOURCE_BAD_RESPONSE', `${opts.what}: HTTP ${res.status} ${text.slice(0, 200)}`.trim(), {
      severity: soft ? 'soft' : 'hard',
      details: { status: res.status },
    })
  }
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body?.cancel().catch(() => undefined)
    throw new VigilError('SOURCE_BAD_RESPONSE', `${opts.what}: response of ${declared} bytes, at most ${opts.maxBytes} allowed`, { details: { got: declared, max: opts.maxBytes } })
  }
  const bytes = await readCapped(res, opts.maxBytes, signal, opts.what)
  return { status: res.status, bytes, contentType }
}

/** Reads a response body, failing (SOURCE_BAD_RESPONSE, soft-less) as soon as it exceeds `max` bytes. */
export async function readCapped(res: Response, max: number, signal: AbortSignal, what: string): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0)
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      total += value.length
      if (total > max) {
        await reader.cancel().catch(() => undefined)
        throw new VigilError('SOURCE_BAD_RESPONSE', `${what}: response exceeds ${max} bytes`, { details: { max } })
      }
      chunks.push(value)
    }
  } catch (e) {
    if (e instanceof VigilError) throw e
    if (signal.aborted) throw abortError(signal)
    throw new VigilError('SOURCE_UNAVAILABLE', `${what}: reading the response failed: ${(e as Error).message}`, { severity: 'soft', cause: e })
  }
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let o = 0
  for (const c of chunks) {
    out.set(c, o)
    o += c.length
  }
  return out
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
