/**
 * `/vigil/C/req/headers_by_range/1` — consecutive signed headers from a height (go-header's
 * range request; partial answers allowed).
 *
 *   request  = u8 version (1) ‖ u64 from (≥ 1) ‖ u16 count (1..64)
 *   response = envelope (common.ts) ‖ OK: u8 n (≤ count) ‖ n × SignedHeader (228 bytes each)
 *
 * The answer holds the headers at heights from, from+1, …, from+n−1 (n may be 0: the peer
 * holds none of them, or fewer than asked: it holds only the start of the range). The
 * requester checks that, the chain id, and that each header names the previous one as its
 * parent before anything reaches the sync engine (which then checks signatures and linkage
 * exactly as for gossip).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { VigilError } from '../../core/errors'
import type { AbortOptions } from '../../core/types'
import { Reader, Writer, checkVersion, tooLarge } from '../../protocol/bytes'
import { headerHash } from '../../protocol/header'
import { SIGNED_HEADER_SIZE, encodeSignedHeader, readSignedHeader, type SignedHeader } from '../../protocol/signed-header'
import { protocolIds } from '../../protocol/topics'
import { handle, request } from '../stream'
import { Result, RateLimiter, encodeResponse, openResponse, type ChainServer, type ServeOptions, type Responder } from './common'

export const HEADERS_BY_RANGE_VERSION = 1
export const MAX_HEADERS_PER_REQUEST = 64
export const HEADERS_REQUEST_BYTES = 1 + 8 + 2
export const HEADERS_MAX_REQUEST_BYTES = 32
/** envelope (2) + count (1) + 64 signed headers, rounded up. */
export const HEADERS_MAX_RESPONSE_BYTES = 16 * 1024
export const HEADERS_TIMEOUT_MS = 8_000
export const HEADERS_MAX_INBOUND = 4

export const headersByRangeProtocol = (l2ChainId: number): string => protocolIds(l2ChainId).headersByRange

export interface HeadersByRangeRequest {
  from: number
  count: number
}

export function encodeHeadersRequest(req: HeadersByRangeRequest): Uint8Array {
  checkRequest(req)
  return new Writer(HEADERS_REQUEST_BYTES).u8(HEADERS_BY_RANGE_VERSION).u64(req.from).u16(req.count).finish()
}

export function decodeHeadersRequest(bytes: Uint8Array): HeadersByRangeRequest {
  const r = new Reader(bytes, 'headersRequest')
  checkVersion('headersRequest', r.u8('headersRequest.version'), HEADERS_BY_RANGE_VERSION)
  const req = { from: r.u64('headersRequest.from'), count: r.u16('headersRequest.count') }
  r.end()
  checkRequest(req)
  return req
}

function checkRequest(req: HeadersByRangeRequest): void {
  if (!Number.isSafeInteger(req.from) || req.from < 1) throw new VigilError('DECODE_INVALID_FIELD', `headersRequest: from must be ≥ 1, got ${req.from}`)
  if (!Number.isInteger(req.count) || req.count < 1) throw new VigilError('DECODE_INVALID_FIELD', `headersRequest: count must be ≥ 1, got ${req.count}`)
  if (req.count > MAX_HEADERS_PER_REQUEST) throw tooLarge('headersRequest', 'count', req.count, MAX_HEADERS_PER_REQUEST)
}

export function encodeHeadersResponse(headers: SignedHeader[]): Uint8Array {
  if (headers.length > MAX_HEADERS_PER_REQUEST) throw tooLarge('headersResponse', 'count', headers.length, MAX_HEADERS_PER_REQUEST)
  const w = new Writer(1 + headers.length * SIGNED_HEADER_SIZE).u8(headers.length)
  for (const h of headers) w.bytes(encodeSignedHeader(h))
  return encodeResponse(Result.OK, w.finish())
}

/** Decodes a response (format only; see `checkHeaderRange` for what the answer must be). */
export function decodeHeadersResponse(bytes: Uint8Array): SignedHeader[] {
  const r = openResponse(bytes, 'headersResponse')
  const n = r.u8('headersResponse.count')
  if (n > MAX_HEADERS_PER_REQUEST) throw tooLarge('headersResponse', 'count', n, MAX_HEADERS_PER_REQUEST)
  if (r.remaining !== n * SIGNED_HEADER_SIZE) {
    // exact size known up front: refuse before decoding anything
    if (r.remaining < n * SIGNED_HEADER_SIZE) throw new VigilError('DECODE_TRUNCATED', `headersResponse: ${n} headers need ${n * SIGNED_HEADER_SIZE} bytes, have ${r.remaining}`)
    throw new VigilError('DECODE_TRAILING_BYTES', `headersResponse: ${r.remaining - n * SIGNED_HEADER_SIZE} trailing bytes`)
  }
  const out: SignedHeader[] = []
  for (let i = 0; i < n; i++) out.push(readSignedHeader(r))
  r.end()
  return out
}

/**
 * What a range answer must be: at most `count` headers of chain `l2ChainId` at heights
 * from, from+1, …, each naming the previous one as parent. A violation is the peer's fault
 * (SOURCE_BAD_RESPONSE, hard).
 */
export function checkHeaderRange(headers: SignedHeader[], req: HeadersByRangeRequest, l2ChainId: number): void {
  const bad = (msg: string, i: number) => new VigilError('SOURCE_BAD_RESPONSE', `headers by range ${req.from}+${req.count}: ${msg}`, { details: { from: req.from, count: req.count, index: i } })
  if (headers.length > req.count) throw bad(`${headers.length} headers for ${req.count} asked`, req.count)
  let prev: string | null = null
  headers.forEach((s, i) => {
    const h = s.header
    if (h.chainId !== l2ChainId) throw bad(`header for chain ${h.chainId}`, i)
    if (h.height !== req.from + i) throw bad(`header ${i} has height ${h.height}, expected ${req.from + i}`, i)
    if (prev !== null && h.parentHash !== prev) throw bad(`header at ${h.height} does not name the previous header as its parent`, i)
    prev = headerHash(h)
  })
}

/** Asks `peer` for `count` headers from `from`; returns what it sent, checked by `checkHeaderRange`. */
export async function requestHeadersByRange(
  node: Libp2p,
  peer: PeerId,
  l2ChainId: number,
  req: HeadersByRangeRequest,
  opts: AbortOptions & { timeoutMs?: number } = {},
): Promise<{ headers: SignedHeader[]; bytes: number }> {
  const res = await request(node, peer, headersByRangeProtocol(l2ChainId), encodeHeadersRequest(req), {
    ...(opts.signal ? { signal: opts.signal } : {}),
    timeoutMs: opts.timeoutMs ?? HEADERS_TIMEOUT_MS,
    maxResponseBytes: HEADERS_MAX_RESPONSE_BYTES,
  })
  const headers = decodeHeadersResponse(res)
  checkHeaderRange(headers, req, l2ChainId)
  return { headers, bytes: res.length }
}

/** Serves headers by range from `server`. Returns the unregister function. */
export function handleHeadersByRange(node: Libp2p, l2ChainId: number, server: Pick<ChainServer, 'headersByRange'>, opts: ServeOptions = {}): Promise<() => Promise<void>> {
  return handle(node, headersByRangeProtocol(l2ChainId), headersByRangeResponder(server, opts), {
    maxRequestBytes: HEADERS_MAX_REQUEST_BYTES,
    maxResponseBytes: HEADERS_MAX_RESPONSE_BYTES,
    maxInbound: HEADERS_MAX_INBOUND,
    timeoutMs: opts.timeoutMs ?? HEADERS_TIMEOUT_MS,
    runOnLimitedConnection: opts.runOnLimitedConnection ?? false,
  })
}

/** The request handler on its own (what `handleHeadersByRange` registers): never throws, always answers. */
export function headersByRangeResponder(server: Pick<ChainServer, 'headersByRange'>, opts: ServeOptions = {}): Responder {
  const limiter = opts.limiter ?? new RateLimiter()
  return async (bytes, ctx) => {
    const peer = ctx.from.toString()
    let req: HeadersByRangeRequest | undefined
    const answer = (result: (typeof Result)[keyof typeof Result], served = 0, out = encodeResponse(result)) => {
      opts.onServed?.({ protocol: 'headers_by_range', peer, result, asked: req?.count ?? 0, served, ...(req ? { request: { ...req } } : {}), bytes: out.length })
      return out
    }
    try {
      req = decodeHeadersRequest(bytes)
    } catch {
      return answer(Result.INVALID_REQUEST)
    }
    if (!limiter.take(peer, 'headers_by_range', req.count)) return answer(Result.RATE_LIMITED)
    let headers: SignedHeader[]
    try {
      headers = await server.headersByRange(req.from, req.count, ctx.signal)
    } catch {
      return answer(Result.UNAVAILABLE)
    }
    // never send more than asked, nor a gap: cut at the first header out of sequence
    const out: SignedHeader[] = []
    for (const h of headers.slice(0, req.count)) {
      if (h.header.height !== req.from + out.length) break
      out.push(h)
    }
    return answer(Result.OK, out.length, encodeHeadersResponse(out))
  }
}
