/**
 * A light client under Node: WebSockets (common) plus WebRTC-direct dialling (node-datachannel)
 * when @libp2p/webrtc is installed. The package lists it as an optional peer (it depends on
 * react-native-webrtc, which would bring React Native into every install): without it the
 * client dials over WebSockets only.
 */
import type { RoleParts } from './types'

export async function clientNodeParts(): Promise<RoleParts> {
  const webrtc = await import('@libp2p/webrtc').catch((e: unknown) => {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null
    throw e
  })
  return { transports: webrtc ? [webrtc.webRTCDirect()] : [] }
}
