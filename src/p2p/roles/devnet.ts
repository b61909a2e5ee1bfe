/**
 * Devnet nodes (Node only): listen on WebSockets and WebRTC-direct (browsers dial it with
 * the certhash in the address), and optionally serve circuit relay v2 so browsers can
 * reserve a slot, listen on `/p2p-circuit` and reach each other over WebRTC.
 */
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { webRTCDirect } from '@libp2p/webrtc'
import type { RoleParts } from './types'

/** Reservations a devnet relay accepts (the library default is 15). */
export const RELAY_MAX_RESERVATIONS = 1024

export function devnetParts(opts: { relayServer: boolean }): RoleParts {
  const parts: RoleParts = {
    transports: [webRTCDirect()],
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
  }
  if (opts.relayServer) {
    parts.services = {
      relay: circuitRelayServer({
        reservations: {
          maxReservations: RELAY_MAX_RESERVATIONS,
          // no default data/duration limit: relayed browser↔browser connections live until
          // WebRTC takes over (and the relay is local, so its bandwidth is not a concern)
          applyDefaultLimit: false,
        },
        maxInboundHopStreams: 256,
        maxOutboundHopStreams: 256,
        maxOutboundStopStreams: 256,
      }) as (components: never) => unknown,
    }
  }
  return parts
}
