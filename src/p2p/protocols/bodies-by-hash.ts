/**
 * `/vigil/C/req/bodies_by_hash/1` — block bodies by block (header) hash, as Ethereum's
 * GetBlockBodies: the requester knows the headers, asks for their bodies, and checks each
 * against its header's bodyHash (the sync engine does that, for every source alike).
 *
 *   request  = u8 version (1) ‖ u16 count (1..16) ‖ count × bytes32 blockHash
 *   response = envelope (common.ts) ‖ OK: u16 n (≤ count)
 *              ‖ n × (bytes32 blockHash ‖ u32 length (≤ MAX_BODY_BYTES) ‖ length bytes)
 *
 * Bodies the responder does not hold are omitted; it also stops adding bodies before the
 * response would pass MAX_BODIES_RESPONSE_BYTES (the requester asks again for the rest).
 * The requester refuses a body it did not ask for, or one sent twice (hard).
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { VigilError } from '../../core/errors'
import type { AbortOptions, Hex } from '../../core/types'
import { Reader, Writer, checkVersion, tooLarge } from '../../protocol/bytes'
import { MAX_BODY_BYTES } from '../../protocol/body'
import { protocolIds } from '../../protocol/topics'
import { handle, request } from '../stream'
import { Result, RateLimiter, encodeResponse, openResponse, type ChainServer, type ServeOptions, type Responder } from './common'

export const BODIES_BY_HASH_VERSION = 1
export const MAX_BODIES_PER_REQUEST = 16
export const BODIES_MAX_REQUEST_BYTES = 1 + 2 + 32 * MAX_BODIES_PER_REQUEST + 16
/** A response stops growing before this (each body is at most MAX_BODY_BYTES = 1 MiB). */
export const MAX_BODIES_RESPONSE_BYTES = 4 * 1024 * 1024
export const BODIES_TIMEOUT_MS = 10_000
export const BODIES_MAX_INBOUND = 4

export const bodiesByHashProtocol = (l2ChainId: number): string => protocolIds(l2ChainId).bodiesByHash

export interface BodyItem {
  hash: Hex
  bytes: Uint8Array
}

export function encodeBodiesRequest(hashes: Hex[]): Uint8Array {
  checkCount(hashes.length)
  const w = new Writer(3 + 32 * hashes.length).u8(BODIES_BY_HASH_VERSION).u16(hashes.length)
  for (const h of hashes) w.hex(h, 32)
  return w.finish()
}

export function decodeBodiesRequest(bytes: Uint8Array): Hex[] {
  const r = new Reader(bytes, 'bodiesRequest')
  checkVersion('bodiesRequest', r.u8('bodiesRequest.version'), BODIES_BY_HASH_VERSION)
  const n = r.u16('bodiesRequest.count')
  checkCount(n)
  const out: Hex[] = []
  for (let i = 0; i < n; i++) out.push(r.hex(32, 'bodiesRequest.hash'))
  r.end()
  return out
}

function checkCount(n: number): void {
  if (n < 1) throw new VigilError('DECODE_INVALID_FIELD', 'bodiesRequest: at least one hash')
  if (n > MAX_BODIES_PER_REQUEST) throw tooLarge('bodiesRequest', 'count', n, MAX_BODIES_PER_REQUEST)
}

/** Encodes as many of `bodies` as fit under MAX_BODIES_RESPONSE_BYTES, in order; returns the bytes and how many went in. */
export function encodeBodiesResponse(bodies: BodyItem[]): { bytes: Uint8Array; included: number } {
  if (bodies.length > MAX_BODIES_PER_REQUEST) throw tooLarge('bodiesResponse', 'count', bodies.length, MAX_BODIES_PER_REQUEST)
  let size = 2 + 2
  const fit: BodyItem[] = []
  for (const b of bodies) {
    if (b.bytes.length > MAX_BODY_BYTES) throw tooLarge('bodiesResponse', 'body', b.bytes.length, MAX_BODY_BYTES)
    if (size + 36 + b.bytes.length > MAX_BODIES_RESPONSE_BYTES) break
    size += 36 + b.bytes.length
    fit.push(b)
  }
  const w = new Writer(size).u16(fit.length)
  for (const b of fit) w.hex(b.hash, 32).varBytes32(b.bytes)
  return { bytes: encodeResponse(Result.OK, w.finish()), included: fit.length }
}

export function decodeBodiesResponse(bytes: Uint8Array): BodyItem[] {
  const r = openResponse(bytes, 'bodiesResponse')
  const n = r.u16('bodiesResponse.count')
  if (n > MAX_BODIES_PER_REQUEST) throw tooLarge('bodiesResponse', 'count', n, MAX_BODIES_PER_REQUEST)
  const out: BodyItem[] = []
  for (let i = 0; i < n; i++) {
    const hash = r.hex(32, 'bodiesResponse.hash')
    const body = r.varBytes32(MAX_BODY_BYTES, 'bodiesResponse.body').slice()
    out.push({ hash, bytes: body })
  }
  r.end()
  return out
}

/** Every body must answer a hash that was asked, once. */
export function checkBodies(bodies: BodyItem[], asked: Hex[]): void {
  const want = new Set(asked.map((h) => h.toLowerCase()))
  const seen = new Set<string>()
  for (const b of bodies) {
    const h = b.hash.toLowerCase()
    if (!want.has(h)) throw new VigilError('SOURCE_BAD_RESPONSE', `bodies by hash: a body for ${b.hash}, which was not asked`, { details: { hash: b.hash } })
    if (seen.has(h)) throw new VigilError('SOURCE_BAD_RESPONSE', `bodies by hash: ${b.hash} sent twice`, { details: { hash: b.hash } })
    seen.add(h)
  }
}

/** Asks `peer` for the bodies of these blocks; returns those it sent (unverified against headers). */
export async function requestBodiesByHash(
  node: Libp2p,
  peer: PeerId,
  l2ChainId: number,
  hashes: Hex[],
  opts: AbortOptions & { timeoutMs?: number } = {},
): Promise<{ bodies: BodyItem[]; bytes: number }> {
  const res = await request(node, peer, bodiesByHashProtocol(l2ChainId), encodeBodiesRequest(hashes), {
    ...(opts.signal ? { signal: opts.signal } : {}),
    timeoutMs: opts.timeoutMs ?? BODIES_TIMEOUT_MS,
    maxResponseBytes: MAX_BODIES_RESPONSE_BYTES,
  })
  const bodies = decodeBodiesResponse(res)
  checkBodies(bodies, hashes)
  return { bodies, bytes: res.length }
}

/** Serves bodies by hash from `server`. Returns the unregister function. */
export function handleBodiesByHash(node: Libp2p, l2ChainId: number, server: Pick<ChainServer, 'bodiesByHash'>, opts: ServeOptions = {}): Promise<() => Promise<void>> {
  return handle(node, bodiesByHashProtocol(l2ChainId), bodiesByHashResponder(server, opts), {
    maxRequestBytes: BODIES_MAX_REQUEST_BYTES,
    maxResponseBytes: MAX_BODIES_RESPONSE_BYTES,
    maxInbound: BODIES_MAX_INBOUND,
    timeoutMs: opts.timeoutMs ?? BODIES_TIMEOUT_MS,
    runOnLimitedConnection: opts.runOnLimitedConnection ?? false,
  })
}

/** The request handler on its own (what `handleBodiesByHash` registers): never throws, always answers. */
export function bodiesByHashResponder(server: Pick<ChainServer, 'bodiesByHash'>, opts: ServeOptions = {}): Responder {
  const limiter = opts.limiter ?? new RateLimiter()
  return async (bytes, ctx) => {
    const peer = ctx.from.toString()
    let hashes: Hex[] | undefined
    const answer = (result: (typeof Result)[keyof typeof Result], served = 0, out = encodeResponse(result)) => {
      opts.onServed?.({ protocol: 'bodies_by_hash', peer, result, asked: hashes?.length ?? 0, served, ...(hashes ? { request: { hashes } } : {}), bytes: out.length })
      return out
    }
    try {
      hashes = decodeBodiesRequest(bytes)
    } catch {
      return answer(Result.INVALID_REQUEST)
    }
    if (!limiter.take(peer, 'bodies_by_hash', hashes.length)) return answer(Result.RATE_LIMITED)
    let bodies: BodyItem[]
    try {
      const asked = new Set(hashes.map((h) => h.toLowerCase()))
      const seen = new Set<string>()
      bodies = (await server.bodiesByHash(hashes, ctx.signal)).filter((b) => {
        const h = b.hash.toLowerCase()
        if (!asked.has(h) || seen.has(h)) return false
        seen.add(h)
        return true
      })
    } catch {
      return answer(Result.UNAVAILABLE)
    }
    const res = encodeBodiesResponse(bodies)
    return answer(Result.OK, res.included, res.bytes)
  }
}
