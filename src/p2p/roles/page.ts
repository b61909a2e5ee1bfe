/**
 * The page's WebRTC host (main thread only: RTCPeerConnection does not exist in a
 * Chromium worker). It dials Node peers over WebRTC-direct, reserves a slot on a circuit
 * relay, listens on `/p2p-circuit` and `/webrtc`, and so reaches other browsers directly.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import type { RoleParts } from './types'

export function pageParts(): RoleParts {
  return {
    transports: [webRTC(), webRTCDirect(), circuitRelayTransport({ reservationCompletionTimeout: 10_000 })],
    listen: ['/p2p-circuit', '/webrtc'],
  }
}
