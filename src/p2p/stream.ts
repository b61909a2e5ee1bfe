/**
 * Request/response over a libp2p stream: one length-prefixed frame each way.
 *
 *   requester: open stream → send varint(len) ‖ request → close its write side → read one frame
 *   responder: read one frame (≤ maxRequestBytes) → handler → send one frame → close
 *
 * libp2p 3 streams are EventTargets (not duplex iterables as in v2): data arrives as
 * 'message' events, `send()` writes synchronously (returns false when the caller should
 * wait for 'drain'), `close()` half-closes the write side, 'end' says no more data will
 * come, and a handler is called as `(stream, connection)`.
 *
 * Bounds: the length prefix is read first and a frame over the cap is refused before its
 * body is buffered; every call has a deadline (the caller's signal, or a default).
 * Protocol payloads carry their own result codes; this layer only moves bytes.
 */
import type { Connection, Libp2p, PeerId, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import * as lp from 'it-length-prefixed'
import { abortError, timeoutSignal } from '../core/abort'
import { VigilError, isVigilError } from '../core/errors'
import { silentLogger, type Logger } from '../core/logger'
import type { AbortOptions } from '../core/types'
import { isRemoteRequester } from './bridge'

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024
export const DEFAULT_MAX_INBOUND_STREAMS = 32
/** Longest varint length prefix accepted (5 bytes: up to 2^35, far above any cap). */
const MAX_PREFIX_BYTES = 5

export interface RequestOptions extends AbortOptions {
  /** Deadline when no signal is given (default 10 s); with a signal, whichever fires first. */
  timeoutMs?: number
  /** A response frame larger than this is refused (DECODE_TOO_LARGE, hard). Default 4 MiB. */
  maxResponseBytes?: number
  /** Allow the request over a limited (relayed) connection. Default false. */
  runOnLimitedConnection?: boolean
}

export interface RequestContext {
  from: PeerId
  protocol: string
  connection: Connection
  /** Aborts at the responder's deadline or when the stream closes. */
  signal: AbortSignal
}

export type RequestHandler = (request: Uint8Array, ctx: RequestContext) => Promise<Uint8Array> | Uint8Array

export interface HandleOptions {
  /** A request frame larger than this resets the stream. Default 64 KiB. */
  maxRequestBytes?: number
  /** The handler may not answer more than this (guards against a bug sending a huge frame). Default 4 MiB. */
  maxResponseBytes?: number
  /** Concurrent inbound streams of this protocol per connection. Default 32. */
  maxInbound?: number
  /** Read + handle + write must finish within this. Default 10 s. */
  timeoutMs?: number
  runOnLimitedConnection?: boolean
  logger?: Logger
}

/** Sends `payload` to `peer` on `protocol` and resolves with the response frame. */
export async function request(
  node: Libp2p,
  peer: PeerId | Multiaddr,
  protocol: string,
  payload: Uint8Array,
  opts: RequestOptions = {},
): Promise<Uint8Array> {
  const signal = opts.signal && opts.timeoutMs === undefined ? opts.signal : timeoutSignal(opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, opts.signal)
  if (signal.aborted) throw abortError(signal)
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const details = { peer: peer.toString(), protocol }
  // a worker's stand-in for the page's node (src/p2p/bridge.ts): the page does the I/O
  if (isRemoteRequester(node)) return node.remoteRequest(peer.toString(), protocol, payload, { timeoutMs: opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, maxResponseBytes, signal })

  let stream: Stream
  try {
    stream = await node.dialProtocol(peer, protocol, { signal, runOnLimitedConnection: opts.runOnLimitedConnection ?? false })
  } catch (e) {
    if (signal.aborted) throw abortError(signal)
    throw new VigilError('SOURCE_UNAVAILABLE', `cannot open ${protocol} to ${peer}: ${message(e)}`, { severity: 'soft', details, cause: e })
  }

  const onAbort = () => stream.abort(abortError(signal))
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    const response = readFrame(stream, maxResponseBytes, signal, 'response')
    response.catch(() => {}) // observed below; avoid an unhandled rejection if send/close throws first
    stream.send(lp.encode.single(payload))
    await stream.close({ signal })
    const res = await response
    settle(stream)
    return res
  } catch (e) {
    stream.abort(e instanceof Error ? e : new Error(String(e)))
    if (signal.aborted) throw abortError(signal)
    if (isVigilError(e)) {
      Object.assign(e.details, details)
      throw e
    }
    throw new VigilError('SOURCE_UNAVAILABLE', `${protocol} to ${peer} failed: ${message(e)}`, { severity: 'soft', details, cause: e })
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * Serves `protocol`: each inbound stream carries one request frame, answered with one
 * response frame. A handler that throws, a request over the cap, or a missed deadline
 * resets the stream (the requester sees SOURCE_UNAVAILABLE). Returns an unregister function.
 */
export async function handle(node: Libp2p, protocol: string, handler: RequestHandler, opts: HandleOptions = {}): Promise<() => Promise<void>> {
  const maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES
  const maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const log = (opts.logger ?? silentLogger).child(protocol)

  const serve = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(timeoutMs)
    const onAbort = () => stream.abort(abortError(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      const req = await readFrame(stream, maxRequestBytes, signal, 'request')
      const res = await untilAborted(Promise.resolve(handler(req, { from: connection.remotePeer, protocol, connection, signal })), signal)
      if (res.length > maxResponseBytes) {
        throw new VigilError('DECODE_TOO_LARGE', `response of ${res.length} bytes exceeds ${maxResponseBytes}`, { details: { protocol } })
      }
      if (!stream.send(lp.encode.single(res))) await stream.onDrain({ signal })
      await stream.close({ signal })
    } catch (e) {
      log(`request from ${connection.remotePeer} failed`, e)
      stream.abort(e instanceof Error ? e : new Error(String(e)))
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
  }

  await node.handle(protocol, (stream, connection) => void serve(stream, connection), {
    maxInboundStreams: opts.maxInbound ?? DEFAULT_MAX_INBOUND_STREAMS,
    runOnLimitedConnection: opts.runOnLimitedConnection ?? false,
  })
  return () => node.unhandle(protocol)
}

/**
 * Reads exactly one length-prefixed frame of at most `maxBytes`. Rejects with
 * DECODE_TOO_LARGE (hard) as soon as the prefix announces more, DECODE_TRUNCATED (soft)
 * when the stream ends early, DECODE_TRAILING_BYTES (hard) when more follows the frame.
 */
export function readFrame(stream: Stream, maxBytes: number, signal: AbortSignal, what = 'frame'): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = []
    let buffered = 0
    let prefixLen = 0
    let bodyLen = -1

    const cleanup = () => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('end', onEnd)
      stream.removeEventListener('close', onClose)
      signal.removeEventListener('abort', onAbort)
    }
    const fail = (err: unknown) => {
      cleanup()
      reject(err)
    }
    const onMessage = (evt: StreamMessageEvent) => {
      const data = evt.data.subarray()
      chunks.push(data)
      buffered += data.length
      if (bodyLen < 0) {
        const head = concat(chunks, Math.min(buffered, MAX_PREFIX_BYTES))
        const v = readVarint(head)
        if (v === null) {
          if (buffered >= MAX_PREFIX_BYTES) fail(new VigilError('DECODE_INVALID_FIELD', `${what}: bad length prefix`))
          return
        }
        if (v.value > maxBytes) {
          return fail(new VigilError('DECODE_TOO_LARGE', `${what} of ${v.value} bytes exceeds the cap of ${maxBytes}`, { details: { size: v.value, cap: maxBytes } }))
        }
        bodyLen = v.value
        prefixLen = v.length
      }
      const total = prefixLen + bodyLen
      if (buffered < total) return
      if (buffered > total) {
        return fail(new VigilError('DECODE_TRAILING_BYTES', `${what}: ${buffered - total} bytes after the frame`))
      }
      cleanup()
      resolve(concat(chunks, buffered).subarray(prefixLen))
    }
    const onEnd = () => {
      // a remote reset also ends the readable side, and 'end' fires before 'close'
      if (stream.status === 'reset' || stream.status === 'aborted') {
        return fail(new VigilError('SOURCE_UNAVAILABLE', `stream ${stream.status} after ${buffered} bytes of the ${what}`, { severity: 'soft' }))
      }
      fail(new VigilError('DECODE_TRUNCATED', `${what} ended after ${buffered} bytes`, { severity: 'soft', details: { received: buffered } }))
    }
    const onClose = (evt: StreamCloseEvent) => {
      if (evt.error) fail(new VigilError('SOURCE_UNAVAILABLE', `stream closed: ${evt.error.message}`, { severity: 'soft', cause: evt.error }))
      else onEnd()
    }
    const onAbort = () => fail(abortError(signal))

    if (signal.aborted) return reject(abortError(signal))
    if (stream.status !== 'open') {
      return reject(new VigilError('SOURCE_UNAVAILABLE', `stream is ${stream.status}`, { severity: 'soft' }))
    }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('end', onEnd)
    stream.addEventListener('close', onClose)
    signal.addEventListener('abort', onAbort, { once: true })
    // 'end' fires once and may already have passed (remote closed before we listened, nothing buffered)
    if (stream.readableEnded) onEnd()
  })
}

/** Unsigned LEB128 as used by it-length-prefixed; null when incomplete. */
function readVarint(b: Uint8Array): { value: number; length: number } | null {
  let value = 0
  for (let i = 0; i < b.length && i < MAX_PREFIX_BYTES; i++) {
    const byte = b[i]!
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return { value, length: i + 1 }
  }
  return null
}

function concat(chunks: Uint8Array[], upTo: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length >= upTo) return chunks[0]!.subarray(0, upTo)
  const out = new Uint8Array(upTo)
  let off = 0
  for (const c of chunks) {
    if (off >= upTo) break
    const n = Math.min(c.length, upTo - off)
    out.set(c.subarray(0, n), off)
    off += n
  }
  return out
}

/** After a complete response: let the remote's close arrive; reset the stream if it never does. */
function settle(stream: Stream, graceMs = 5_000): void {
  if (stream.status !== 'open' || stream.readableEnded) return
  const timer = setTimeout(() => stream.abort(new Error('remote did not close after its response')), graceMs)
  const clear = () => clearTimeout(timer)
  stream.addEventListener('close', clear, { once: true })
  stream.addEventListener('end', clear, { once: true })
}

/** `p`, or ABORTED/SOURCE_TIMEOUT as soon as `signal` fires (a handler ignoring its signal no longer holds the stream). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
