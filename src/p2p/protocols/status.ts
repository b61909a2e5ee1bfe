/**
 * `/vigil/C/req/status/1` — what a peer can serve (Malachite ValueSync status).
 *
 *   request  = u8 version (1)
 *   response = envelope (common.ts) ‖ OK: u64 earliestHeader ‖ u64 earliestBody ‖ u64 latest ‖ bytes32 headHash
 *
 * Pull model: a requester asks each peer that speaks the protocol when identify completes,
 * then every few seconds (see src/sources/reqresp.ts); the answer is small and cheap.
 */
import type { Libp2p, PeerId } from '@libp2p/interface'
import { VigilError } from '../../core/errors'
import type { AbortOptions } from '../../core/types'
import { Reader, Writer, checkVersion } from '../../protocol/bytes'
import { protocolIds } from '../../protocol/topics'
import { handle, request } from '../stream'
import { Result, RateLimiter, encodeResponse, openResponse, type ChainServer, type ChainStatus, type ServeOptions, type Responder } from './common'

export const STATUS_VERSION = 1
export const STATUS_PAYLOAD_BYTES = 8 + 8 + 8 + 32
/** Caps on the frames (a little slack over the exact sizes). */
export const STATUS_MAX_REQUEST_BYTES = 16
export const STATUS_MAX_RESPONSE_BYTES = 128
export const STATUS_TIMEOUT_MS = 3_000
/** Concurrent inbound status streams per connection. */
export const STATUS_MAX_INBOUND = 2

export const statusProtocol = (l2ChainId: number): string => protocolIds(l2ChainId).status

export function encodeStatusRequest(): Uint8Array {
  return new Uint8Array([STATUS_VERSION])
}

export function decodeStatusRequest(bytes: Uint8Array): void {
  const r = new Reader(bytes, 'statusRequest')
  checkVersion('statusRequest', r.u8('statusRequest.version'), STATUS_VERSION)
  r.end()
}

export function encodeStatusResponse(s: ChainStatus): Uint8Array {
  const payload = new Writer(STATUS_PAYLOAD_BYTES).u64(s.earliestHeader).u64(s.earliestBody).u64(s.latest).hex(s.headHash, 32).finish()
  return encodeResponse(Result.OK, payload)
}

export function decodeStatusResponse(bytes: Uint8Array): ChainStatus {
  const r = openResponse(bytes, 'statusResponse')
  const s: ChainStatus = {
    earliestHeader: r.u64('status.earliestHeader'),
    earliestBody: r.u64('status.earliestBody'),
    latest: r.u64('status.latest'),
    headHash: r.hex(32, 'status.headHash'),
  }
  r.end()
  if (s.earliestHeader < 1 || s.earliestBody < 1) throw new VigilError('DECODE_INVALID_FIELD', 'status: earliest heights start at 1', { details: { ...s } })
  return s
}

/** Asks `peer` for its status. */
export async function requestStatus(node: Libp2p, peer: PeerId, l2ChainId: number, opts: AbortOptions & { timeoutMs?: number } = {}): Promise<ChainStatus> {
  const res = await request(node, peer, statusProtocol(l2ChainId), encodeStatusRequest(), {
    ...(opts.signal ? { signal: opts.signal } : {}),
    timeoutMs: opts.timeoutMs ?? STATUS_TIMEOUT_MS,
    maxResponseBytes: STATUS_MAX_RESPONSE_BYTES,
  })
  return decodeStatusResponse(res)
}

/** Serves status from `server`. Returns the unregister function. */
export function handleStatus(node: Libp2p, l2ChainId: number, server: Pick<ChainServer, 'status'>, opts: ServeOptions = {}): Promise<() => Promise<void>> {
  return handle(node, statusProtocol(l2ChainId), statusResponder(server, opts), {
    maxRequestBytes: STATUS_MAX_REQUEST_BYTES,
    maxResponseBytes: STATUS_MAX_RESPONSE_BYTES,
    maxInbound: STATUS_MAX_INBOUND,
    timeoutMs: opts.timeoutMs ?? STATUS_TIMEOUT_MS,
    runOnLimitedConnection: opts.runOnLimitedConnection ?? false,
  })
}

/** The status request handler on its own (what `handleStatus` registers): never throws, always answers. */
export function statusResponder(server: Pick<ChainServer, 'status'>, opts: ServeOptions = {}): Responder {
  const limiter = opts.limiter ?? new RateLimiter()
  return async (req, ctx) => {
      const peer = ctx.from.toString()
      const answer = (result: (typeof Result)[keyof typeof Result], bytes?: Uint8Array) => {
        const out = bytes ?? encodeResponse(result)
        opts.onServed?.({ protocol: 'status', peer, result, asked: 1, served: result === Result.OK ? 1 : 0, bytes: out.length })
        return out
      }
      try {
        decodeStatusRequest(req)
      } catch {
        return answer(Result.INVALID_REQUEST)
      }
      if (!limiter.take(peer, 'status')) return answer(Result.RATE_LIMITED)
      try {
        return answer(Result.OK, encodeStatusResponse(await server.status()))
      } catch {
        return answer(Result.UNAVAILABLE)
      }
  }
}
