/** A light client under Node: WebSockets (common) plus WebRTC-direct dialling (node-datachannel). */
import { webRTCDirect } from '@libp2p/webrtc'
import type { RoleParts } from './types'

export function clientNodeParts(): RoleParts {
  return { transports: [webRTCDirect()] }
}
