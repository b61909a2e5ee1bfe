/**
 * The WebSockets transport wrapper (src/p2p/websockets.ts): an aborted dial closes its socket,
 * whether it was still opening or already open and upgrading, and a stopped node leaves none.
 * Real libp2p nodes and real unresponsive peers on 127.0.0.1; no devnet.
 */
import { describe, it, expect, afterEach } from 'vitest'
import net from 'node:net'
import { WebSocketServer } from 'ws'
import { multiaddr } from '@multiformats/multiaddr'
import '../../src/node/polyfills'
import { createP2PNode, type P2PNode } from '../../src/p2p/node'
import { webSocketUri } from '../../src/p2p/websockets'

const GHOST = '12D3KooWKtWiymgXZqw1vNvSk7gzj9YobXkWEz5N4p12b9HPDiBD'

describe('webSocketUri', () => {
  it('reads the WebSocket address shapes and refuses the others', () => {
    expect(webSocketUri(multiaddr(`/ip4/127.0.0.1/tcp/4001/ws/p2p/${GHOST}`))).toBe('ws://127.0.0.1:4001')
    expect(webSocketUri(multiaddr('/ip6/::1/tcp/4001/ws'))).toBe('ws://[::1]:4001')
    expect(webSocketUri(multiaddr('/dns4/example.org/tcp/443/wss'))).toBe('wss://example.org:443')
    expect(webSocketUri(multiaddr('/dns/example.org/tcp/443/tls/ws'))).toBe('wss://example.org:443')
    expect(webSocketUri(multiaddr('/ip4/1.2.3.4/tcp/443/tls/sni/example.org/ws'))).toBe('wss://example.org:443')
    expect(webSocketUri(multiaddr('/ip4/1.2.3.4/tcp/4001'))).toBeNull()
    expect(webSocketUri(multiaddr(`/ip4/1.2.3.4/tcp/4001/ws/p2p/${GHOST}/p2p-circuit`))).toBeNull()
  })
})

/** Server ends of accepted connections: destroyed after each test, so a leaked client socket cannot hold `server.close()`. */
const serverSides = new Set<net.Socket | import('ws').WebSocket>()

/** Resolves when the server side of the next accepted connection closes; `accepted` when it is accepted. */
function watchServer(server: net.Server | WebSocketServer): { accepted: Promise<void>; closed: Promise<void> } {
  let onAccept!: () => void
  let onClose!: () => void
  const accepted = new Promise<void>((r) => (onAccept = r))
  const closed = new Promise<void>((r) => (onClose = r))
  server.once('connection', (s: net.Socket | import('ws').WebSocket) => {
    serverSides.add(s)
    onAccept()
    s.on('error', () => {})
    s.once('close', () => onClose())
  })
  return { accepted, closed }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: not within ${ms} ms`)), ms))])
}

describe('closingWebSockets', () => {
  const cleanup: Array<() => Promise<unknown> | void> = []
  afterEach(async () => {
    for (const s of serverSides) 'terminate' in s ? s.terminate() : s.destroy()
    serverSides.clear()
    for (const f of cleanup.splice(0).reverse()) await f()
  })

  async function node(): Promise<P2PNode> {
    const n = await createP2PNode({ role: 'client-worker' })
    cleanup.push(() => n.stop())
    return n
  }

  it('a dial aborted before the WebSocket opened closes its socket (TCP peer that never answers the handshake)', async () => {
    const server = net.createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanup.push(() => new Promise((r) => server.close(r)))
    const watch = watchServer(server)
    const n = await node()
    const ac = new AbortController()
    const dial = n.dial(multiaddr(`/ip4/127.0.0.1/tcp/${(server.address() as net.AddressInfo).port}/ws/p2p/${GHOST}`), { signal: ac.signal })
    await within(watch.accepted, 5_000, 'TCP accepted')
    ac.abort()
    await expect(dial).rejects.toThrow()
    await within(watch.closed, 2_000, 'socket closed after the abort')
  })

  it('a dial aborted while upgrading closes its socket (WebSocket peer that never speaks libp2p)', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((r) => server.once('listening', r))
    cleanup.push(() => new Promise((r) => server.close(r)))
    const watch = watchServer(server)
    const n = await node()
    const ac = new AbortController()
    const dial = n.dial(multiaddr(`/ip4/127.0.0.1/tcp/${(server.address() as net.AddressInfo).port}/ws/p2p/${GHOST}`), { signal: ac.signal })
    await within(watch.accepted, 5_000, 'WebSocket accepted')
    ac.abort()
    await expect(dial).rejects.toThrow()
    // upstream sends close(1006), which `ws` refuses: the socket stayed open until the server gave up
    await within(watch.closed, 2_000, 'socket closed after the abort')
  })

  it('stopping a node with a dial in flight leaves the peer no open socket', async () => {
    const server = net.createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    cleanup.push(() => new Promise((r) => server.close(r)))
    const watch = watchServer(server)
    const n = await createP2PNode({ role: 'client-worker', bootstrap: [`/ip4/127.0.0.1/tcp/${(server.address() as net.AddressInfo).port}/ws/p2p/${GHOST}`] })
    await within(watch.accepted, 5_000, 'TCP accepted')
    await n.stop()
    await within(watch.closed, 1_000, 'socket closed by stop()')
  })
})
