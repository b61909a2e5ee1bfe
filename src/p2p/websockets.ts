/**
 * The WebSockets transport of @libp2p/websockets 10, with its socket leaks closed
 * (docs/decisions/p2p.md § Stopping without lingering sockets).
 *
 * Upstream (10.1.21) leaves a socket open in three places, each of which kept a stopped
 * Node process alive for up to ~10 s:
 * 1. a dial aborted before the socket opened (libp2p aborts every pending dial on stop)
 *    throws without closing the socket: it opens a moment later, owned by nobody, and stays
 *    until the remote's inbound upgrade timeout (10 s) closes it;
 * 2. `abort()` of a connection sends `websocket.close(1006)`; 1006 may not be sent
 *    (RFC 6455 § 7.4.1), so `ws` (and browsers) throw, libp2p swallows the error, and the
 *    socket stays open;
 * 3. a graceful `close()` returns at once, before the close handshake has finished, so the
 *    node's `stop()` resolves with sockets still open.
 *
 * This wrapper keeps the upstream transport (listener, connection, filters) and replaces
 * only its socket opening: it creates the socket itself, closes it when the dial is aborted,
 * turns a reserved close code into a hard close, tracks every outbound socket, and, after
 * libp2p has closed its connections on stop, waits briefly for them to finish closing and
 * hard-closes the rest. Safe in a Web Worker and on the page (no Node API).
 */
import { ConnectionFailedError, type AbortOptions, type Transport } from '@libp2p/interface'
import { webSockets, type WebSocketsInit } from '@libp2p/websockets'
import type { Multiaddr } from '@multiformats/multiaddr'

/** After libp2p's stop has closed the connections, sockets still closing get this long before a hard close. */
export const SOCKET_CLOSE_GRACE_MS = 500

type Components = Parameters<ReturnType<typeof webSockets>>[0]
/** `ws` (Node) has terminate(): drop the TCP connection without a close handshake. Browsers have none. */
type Socket = WebSocket & { terminate?: () => void }
type ConnectOptions = AbortOptions & { onProgress?: (evt: { type: string }) => void }
/** The upstream instance, as far as this wrapper touches it (`_connect` is its socket-opening method). */
type Upstream = Transport & {
  _connect?: (ma: Multiaddr, options: ConnectOptions) => Promise<WebSocket>
  start?: () => void | Promise<void>
  stop?: () => void | Promise<void>
  afterStop?: () => void | Promise<void>
}

export function closingWebSockets(init: WebSocketsInit = {}): (components: Components) => Transport {
  const factory = webSockets(init)
  return (components) => {
    const transport = factory(components) as Upstream
    const upstreamConnect = transport._connect?.bind(transport)
    if (!upstreamConnect) return transport // a version without _connect: nothing to patch
    const sockets = new Set<Socket>()

    transport._connect = async (ma, options) => {
      options.signal?.throwIfAborted()
      const uri = webSocketUri(ma)
      // an address shape this module does not read (e.g. http-path): upstream opens it
      if (uri === null) return upstreamConnect(ma, options)
      const ws = new WebSocket(uri) as Socket
      ws.binaryType = 'arraybuffer'
      // `ws` emits 'error' when a connecting socket is closed, and an EventEmitter 'error' with
      // no listener throws: keep one for the socket's whole life
      ws.addEventListener('error', () => {})
      sockets.add(ws)
      ws.addEventListener('close', () => sockets.delete(ws), { once: true })
      allowResetClose(ws)
      options.onProgress?.({ type: 'websockets:open-connection' })
      try {
        await opened(ws, options.signal)
      } catch (e) {
        hardClose(ws)
        throw new ConnectionFailedError(`Could not connect to ${uri}: ${e instanceof Error ? e.message : String(e)}`)
      }
      return ws
    }

    const { start, stop, afterStop } = transport
    transport.start = async () => {
      await start?.call(transport)
    }
    transport.stop = async () => {
      await stop?.call(transport)
    }
    // afterStop runs once every component's stop has resolved: the connection manager has
    // closed (or aborted) every connection by then, so what is left is closing or orphaned
    transport.afterStop = async () => {
      await afterStop?.call(transport)
      await closeAll(sockets, SOCKET_CLOSE_GRACE_MS)
    }
    return transport
  }
}

/** The ws:// or wss:// URL of `/ip4|ip6|dns*…/tcp/N/(ws|wss|tls/ws|tls/sni/H/ws)[/p2p/…]`; null for any other shape. */
export function webSocketUri(ma: Multiaddr): string | null {
  let host: string | undefined
  let port: string | undefined
  let sni: string | undefined
  let secure = false
  let ws = false
  for (const c of ma.getComponents()) {
    if (ws) {
      if (c.name === 'p2p') continue
      return null
    }
    switch (c.name) {
      case 'ip4':
      case 'dns':
      case 'dns4':
      case 'dns6':
        if (host !== undefined) return null
        host = c.value
        break
      case 'ip6':
        if (host !== undefined) return null
        host = `[${c.value}]`
        break
      case 'tcp':
        port = c.value
        break
      case 'tls':
        secure = true
        break
      case 'sni':
        sni = c.value
        break
      case 'wss':
        secure = true
        ws = true
        break
      case 'ws':
        ws = true
        break
      default:
        return null
    }
  }
  if (!ws || host === undefined || port === undefined) return null
  return `${secure ? 'wss' : 'ws'}://${secure && sni ? sni : host}:${port}`
}

/** Resolves on `open`; rejects on `error`, on `close` before opening, or when the signal aborts. */
function opened(ws: WebSocket, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      ws.removeEventListener('open', onOpen)
      ws.removeEventListener('error', onError)
      ws.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
      if (err) reject(err)
      else resolve()
    }
    const onOpen = () => done()
    const onError = (evt: Event) => done(new Error((evt as Event & { message?: string }).message || 'WebSocket error'))
    const onClose = () => done(new Error('closed before opening'))
    const onAbort = () => done(signal?.reason instanceof Error ? signal.reason : new Error('dial aborted'))
    ws.addEventListener('open', onOpen)
    ws.addEventListener('error', onError)
    ws.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Drops the connection now: `ws` terminates the TCP socket; a browser closes (its only option). */
function hardClose(ws: Socket): void {
  if (ws.readyState === WebSocket.CLOSED) return
  try {
    if (typeof ws.terminate === 'function') ws.terminate()
    else ws.close()
  } catch {
    // already closing or closed
  }
}

/**
 * libp2p resets a connection with `close(1006)`; an endpoint may only send 1000 or
 * 3000–4999, so the call throws and the socket stays open. Any code that may not be sent
 * becomes a hard close (a reset is what libp2p means by it).
 */
function allowResetClose(ws: Socket): void {
  const close = ws.close.bind(ws)
  ws.close = (code?: number, reason?: string) => {
    if (code === undefined || code === 1000 || (code >= 3000 && code <= 4999)) close(code, reason)
    else hardClose(ws)
  }
}

/** Waits up to `graceMs` for every socket to finish closing, hard-closes the rest, and waits for their close events (bounded). */
async function closeAll(sockets: Set<Socket>, graceMs: number): Promise<void> {
  if (sockets.size === 0) return
  const all = [...sockets]
  for (const ws of all) if (ws.readyState === WebSocket.CONNECTING) hardClose(ws)
  await allClosed(all, graceMs)
  for (const ws of all) hardClose(ws)
  await allClosed(all, graceMs)
  // `ws` reports a socket closed while connecting on the next tick, before the TCP handle has
  // been released (that happens in the event loop's close phase): one turn of the loop more
  await new Promise((resolve) => setTimeout(resolve, 0))
}

function allClosed(sockets: Socket[], timeoutMs: number): Promise<void> {
  const open = sockets.filter((ws) => ws.readyState !== WebSocket.CLOSED)
  if (open.length === 0) return Promise.resolve()
  return new Promise((resolve) => {
    let left = open.length
    const timer = setTimeout(finish, timeoutMs)
    function finish() {
      clearTimeout(timer)
      for (const ws of open) ws.removeEventListener('close', onClose)
      resolve()
    }
    function onClose() {
      if (--left === 0) finish()
    }
    for (const ws of open) ws.addEventListener('close', onClose, { once: true })
  })
}
