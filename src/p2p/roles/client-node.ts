/**
 * A light client under Node: WebSockets (common) plus WebRTC-direct dialling (node-datachannel)
 * when @libp2p/webrtc is installed. The package lists it as an optional peer (it depends on
 * react-native-webrtc, which would bring React Native into every install): without it the
 * client dials over WebSockets only. The specifier is a variable so that a consumer's bundler
 * (this file is reachable from the browser entry) does not try to resolve it.
 */
import type { RoleParts } from './types'

const WEBRTC = '@libp2p/webrtc'

export async function clientNodeParts(): Promise<RoleParts> {
  const webrtc = (await import(/* @vite-ignore */ /* webpackIgnore: true */ WEBRTC).catch((e: unknown) => {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null
    throw e
  })) as typeof import('@libp2p/webrtc') | null
  return { transports: webrtc ? [webrtc.webRTCDirect()] : [] }
}
