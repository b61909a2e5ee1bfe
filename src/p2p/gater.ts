/**
 * The connection gater every Vigil node uses.
 *
 * libp2p's browser build refuses to dial `ws://` and private/loopback addresses by
 * default (its `denyDialMultiaddr`), which rules out the local devnet. Ours allows them,
 * except a plain `ws://` to a non-loopback host from a secure (https) context: the
 * browser blocks that as mixed content anyway, so dialling it only wastes time.
 * Optional allow/deny lists of peer ids gate every stage (dial, inbound, relay).
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { isInsecureWebSocket, isLoopback } from './addrs'

export interface GaterOptions {
  /** When set, only these peer ids may connect or be dialled (plus the relay hop when relayed). */
  allow?: string[]
  /** These peer ids are never dialled nor accepted. */
  deny?: string[]
}

export function createConnectionGater(opts: GaterOptions = {}): ConnectionGater {
  const allow = opts.allow && opts.allow.length > 0 ? new Set(opts.allow) : null
  const deny = new Set(opts.deny ?? [])
  const refused = (peer: PeerId): boolean => {
    const id = peer.toString()
    return deny.has(id) || (allow !== null && !allow.has(id))
  }
  const secureContext = (globalThis as { isSecureContext?: boolean }).isSecureContext === true &&
    (globalThis as { location?: { protocol?: string } }).location?.protocol === 'https:'

  return {
    denyDialMultiaddr: (ma: Multiaddr) => secureContext && isInsecureWebSocket(ma) && !isLoopback(ma),
    denyDialPeer: refused,
    denyInboundEncryptedConnection: refused,
    denyOutboundEncryptedConnection: refused,
    denyInboundRelayReservation: refused,
    denyInboundRelayedConnection: (relay, remote) => refused(relay) || refused(remote),
    denyOutboundRelayedConnection: (source, destination) => refused(source) || refused(destination),
  }
}
