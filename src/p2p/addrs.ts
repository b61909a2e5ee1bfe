/** Small, dependency-free readings of multiaddrs: which transport, which host, loopback or not. */
import type { Multiaddr } from '@multiformats/multiaddr'
import type { PeerTransport } from '../core/records'

export type TransportKind = PeerTransport

/** Which transport a connection's remote address says it runs over. */
export function transportOf(addr: Multiaddr): TransportKind {
  const names = addr.getComponents().map((c) => c.name)
  // through a relay, what follows the last /p2p-circuit is the connection; what precedes it is
  // only the hop to the relay (which may itself be webrtc-direct): browser↔browser WebRTC is /p2p-circuit/webrtc
  const circuit = names.lastIndexOf('p2p-circuit')
  if (circuit >= 0) return names.slice(circuit + 1).includes('webrtc') ? 'webrtc' : 'relay'
  if (names.includes('webrtc-direct')) return 'webrtc-direct'
  // a browser↔browser WebRTC connection is set up through a relay: /…/p2p-circuit/webrtc/p2p/…
  if (names.includes('webrtc')) return 'webrtc'
  if (names.includes('p2p-circuit')) return 'relay'
  if (names.includes('ws') || names.includes('wss')) return 'websockets'
  if (names.includes('tcp')) return 'tcp'
  return 'unknown'
}

/** The first ip4/ip6/dns host of an address, if any. */
export function hostOf(addr: Multiaddr): { kind: 'ip4' | 'ip6' | 'dns'; host: string } | null {
  for (const c of addr.getComponents()) {
    if (c.value === undefined) continue
    if (c.name === 'ip4' || c.name === 'ip6') return { kind: c.name, host: c.value }
    if (c.name === 'dns' || c.name === 'dns4' || c.name === 'dns6') return { kind: 'dns', host: c.value }
  }
  return null
}

export function isLoopback(addr: Multiaddr): boolean {
  const h = hostOf(addr)
  if (!h) return false
  if (h.kind === 'ip4') return h.host.startsWith('127.')
  if (h.kind === 'ip6') return h.host === '::1' || h.host === '0:0:0:0:0:0:0:1'
  return h.host === 'localhost' || h.host.endsWith('.localhost')
}

/** Plain (unencrypted) WebSockets: `/ws` without `/tls` or `/wss`. */
export function isInsecureWebSocket(addr: Multiaddr): boolean {
  const names = addr.getComponents().map((c) => c.name)
  return names.includes('ws') && !names.includes('tls') && !names.includes('wss')
}
