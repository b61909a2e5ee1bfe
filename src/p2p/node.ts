/**
 * The libp2p node factory, one per role, and the gossip helpers every caller uses.
 *
 * | role            | transports                                          | listens on                         |
 * |-----------------|-----------------------------------------------------|------------------------------------|
 * | `devnet`        | WebSockets, WebRTC-direct (+ circuit relay server)  | `listen` (ws, webrtc-direct)       |
 * | `client-node`   | WebSockets, WebRTC-direct (dial)                    | `listen` if given (tests), else no |
 * | `client-worker` | WebSockets                                          | nothing                            |
 * | `client-page`   | WebSockets, WebRTC, WebRTC-direct, relay transport  | `/p2p-circuit`, `/webrtc`          |
 *
 * Everything here is safe in a Web Worker: role-specific transports are loaded with a
 * dynamic import, so a worker bundle never contains WebRTC or the relay, and the devnet
 * pieces (relay server, WebRTC-direct listener) are only loaded by the `devnet` role.
 * Node 20 needs the polyfills of src/node/polyfills.ts (Promise.withResolvers, WebSocket).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { VigilError } from '../core/errors'
import { silentLogger, type Logger } from '../core/logger'
import { keepConnected, type KeepConnectedOptions } from './bootstrap'
import { createConnectionGater } from './gater'
import { gossipsubOptions, setNodeLogger } from './gossip'
import { privateKeyFromSeed } from './identity'
import type { RoleParts } from './roles/types'
import { closingWebSockets } from './websockets'

export {
  subscribeTopic,
  publish,
  waitForSubscribers,
  waitForMeshPeers,
  meshPeers,
  peerScore,
  MAX_GOSSIP_MESSAGE_BYTES,
  DEFAULT_TOPIC_MAX_BYTES,
} from './gossip'
export type { TopicHandler, ValidationResult, GossipMeta, SubscribeOptions, PublishOptions, WaitOptions } from './gossip'
export { peerSummaries, type PeerSummary } from './peers'
export { privateKeyFromSeed } from './identity'

export type P2PRole = 'devnet' | 'client-node' | 'client-worker' | 'client-page'

export interface P2PNodeOptions {
  role: P2PRole
  /** Addresses to listen on (`devnet`, or `client-node` in tests). Devnet default: `/ip4/127.0.0.1/tcp/0/ws`. */
  listen?: string[]
  /** Multiaddrs to dial at start and redial with backoff whenever the connection drops. */
  bootstrap?: string[]
  /** A fixed identity. */
  privateKey?: PrivateKey
  /** A fixed identity derived from this string (devnet nodes); ignored when `privateKey` is given. */
  seed?: string
  /** Serve circuit relay v2 (devnet only): raised reservation count, no default limit. */
  relayServer?: boolean
  /** Only these peer ids may connect or be dialled. */
  allow?: string[]
  /** These peer ids are refused. */
  deny?: string[]
  logger?: Logger
  /** Cap on any gossip message's data. Default 4 MiB. */
  maxMessageBytes?: number
  /** IPs exempt from gossipsub's IP-colocation penalty. Default loopback (127.0.0.1, ::1). */
  ipColocationWhitelist?: string[]
  /** Redial backoff for bootstrap addresses. */
  redial?: KeepConnectedOptions
  /**
   * The owner stopping while the node is still being created: the node is stopped before any
   * bootstrap dial starts, and createP2PNode rejects with ABORTED.
   */
  signal?: AbortSignal
}

export interface P2PServices extends Record<string, unknown> {
  pubsub: GossipSub
  identify: Identify
  ping: Ping
  relay?: CircuitRelayService
}

/** libp2p's node; its start/stop are async (the Startable interface says `void | Promise<void>`). */
export type P2PNode = Omit<Libp2p<P2PServices>, 'start' | 'stop'> & { start(): Promise<void>; stop(): Promise<void> }

/** Creates and starts a node for `role`; bootstrap dials run in the background. */
export async function createP2PNode(opts: P2PNodeOptions): Promise<P2PNode> {
  const log = opts.logger ?? silentLogger
  checkOptions(opts)
  if (opts.signal?.aborted) throw new VigilError('ABORTED', `libp2p (${opts.role}) not started: aborted`, { severity: 'soft', details: { role: opts.role } })
  const parts = await roleParts(opts)
  const privateKey = opts.privateKey ?? (opts.seed !== undefined ? await privateKeyFromSeed(opts.seed) : undefined)
  const hub = opts.role === 'devnet'

  const services = {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub(
      gossipsubOptions({
        hub,
        ...(opts.maxMessageBytes !== undefined ? { maxMessageBytes: opts.maxMessageBytes } : {}),
        ...(opts.ipColocationWhitelist !== undefined ? { ipColocationWhitelist: opts.ipColocationWhitelist } : {}),
      }),
    ),
    ...parts.services,
  } as unknown as NonNullable<Libp2pOptions<P2PServices>['services']>

  const init: Libp2pOptions<P2PServices> = {
    addresses: { listen: opts.listen ?? parts.listen ?? [] },
    // upstream WebSockets leaks sockets on abort and stop (see ./websockets.ts)
    transports: [closingWebSockets(), ...parts.transports],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: createConnectionGater({
      ...(opts.allow ? { allow: opts.allow } : {}),
      ...(opts.deny ? { deny: opts.deny } : {}),
    }),
    connectionManager: hub
      ? {
          maxConnections: 1024,
          // every devnet peer is on loopback: exempt it from the per-host inbound rate
          // limit (5/s by default) and from maxConnections
          allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1'],
        }
      : {},
    services,
  }
  if (privateKey) init.privateKey = privateKey

  let node: P2PNode
  try {
    node = (await createLibp2p<P2PServices>(init)) as P2PNode
  } catch (e) {
    throw new VigilError('SOURCE_UNAVAILABLE', `libp2p (${opts.role}) failed to start: ${e instanceof Error ? e.message : String(e)}`, {
      severity: 'soft',
      details: { role: opts.role },
      cause: e,
    })
  }
  clearHeartbeatOnStop(node)
  if (opts.signal?.aborted) {
    await node.stop()
    throw new VigilError('ABORTED', `libp2p (${opts.role}) stopped while starting`, { severity: 'soft', details: { role: opts.role } })
  }
  setNodeLogger(node, log)
  log(`${opts.role} node ${node.peerId} listening on ${node.getMultiaddrs().map(String).join(' ') || '(nothing)'}`)
  if (opts.bootstrap && opts.bootstrap.length > 0) keepConnected(node, opts.bootstrap, log.child('bootstrap'), opts.redial)
  return node
}

/**
 * gossipsub 17.1 forgets its pending heartbeat timer on stop (it replaces the status object
 * holding it), so a stopped node keeps the event loop alive until the next heartbeat (up to
 * heartbeatInterval) and runs one heartbeat on a stopped node: clear it.
 */
function clearHeartbeatOnStop(node: P2PNode): void {
  const pubsub = node.services.pubsub as unknown as { stop: () => Promise<void>; status?: { heartbeatTimeout?: ReturnType<typeof setTimeout> } }
  const stop = pubsub.stop.bind(pubsub)
  pubsub.stop = async () => {
    // read before stop: gossipsub's stop replaces `status` synchronously, losing the timer
    const heartbeat = pubsub.status?.heartbeatTimeout
    try {
      await stop()
    } finally {
      if (heartbeat !== undefined) clearTimeout(heartbeat)
    }
  }
}

function checkOptions(opts: P2PNodeOptions): void {
  const bad = (msg: string) => new VigilError('CONFIG_INVALID', msg, { details: { role: opts.role } })
  if (opts.relayServer && opts.role !== 'devnet') throw bad('relayServer is only for the devnet role')
  if (opts.listen && opts.listen.length > 0 && opts.role !== 'devnet' && opts.role !== 'client-node') {
    throw bad(`a ${opts.role} node cannot listen (browsers accept no inbound sockets; the page listens through a relay)`)
  }
}

/** Role-specific transports and services, loaded on demand so each bundle holds only its own. */
async function roleParts(opts: P2PNodeOptions): Promise<RoleParts> {
  switch (opts.role) {
    case 'devnet':
      return (await import('./roles/devnet')).devnetParts({ relayServer: opts.relayServer === true })
    case 'client-node':
      return (await import('./roles/client-node')).clientNodeParts()
    case 'client-page':
      return (await import('./roles/page')).pageParts()
    case 'client-worker':
      // RTCPeerConnection is undefined in a Chromium worker: WebSockets (common) only
      return { transports: [] }
  }
}
