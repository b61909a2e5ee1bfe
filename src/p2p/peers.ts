/** What the UI shows about connected peers: one plain, serialisable row per peer. */
import type { Connection, Libp2p } from '@libp2p/interface'
import type { PeerSummary } from '../core/records'
import { transportOf, type TransportKind } from './addrs'

export type { PeerSummary }

/** Direct transports first: a peer reached by relay and then upgraded to WebRTC shows as webrtc. */
const PREFERENCE: Record<TransportKind, number> = { webrtc: 0, 'webrtc-direct': 0, websockets: 1, tcp: 1, relay: 2, unknown: 3 }

export function peerSummaries(node: Libp2p): PeerSummary[] {
  const byPeer = new Map<string, Connection[]>()
  for (const c of node.getConnections()) {
    if (c.status !== 'open') continue
    const id = c.remotePeer.toString()
    const list = byPeer.get(id)
    if (list) list.push(c)
    else byPeer.set(id, [c])
  }
  const out: PeerSummary[] = []
  for (const [id, conns] of byPeer) {
    const ranked = conns
      .map((c) => ({ c, t: transportOf(c.remoteAddr) }))
      .sort((a, b) => PREFERENCE[a.t] - PREFERENCE[b.t])
    const best = ranked[0]!
    out.push({
      id,
      addrs: [...new Set(conns.map((c) => c.remoteAddr.toString()))],
      transport: best.t,
      direction: best.c.direction,
    })
  }
  return out.sort((a, b) => a.id.localeCompare(b.id))
}
