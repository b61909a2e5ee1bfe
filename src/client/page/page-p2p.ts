/**
 * The tab's libp2p node on the page (issue 3 item 8: browsers serve too;
 * docs/decisions/browser-peers.md). Only the page has RTCPeerConnection, so the one node of
 * the tab (one identity) runs here with the `client-page` role (WebSockets, WebRTC,
 * WebRTC-direct, circuit relay transport; listening on `/p2p-circuit` and `/webrtc` through
 * the devnet's relay). The page verifies and stores nothing: it only moves bytes.
 *
 * - gossip: every message is handed to the worker (`deliverGossip`), whose verdict drives
 *   gossipsub's async validation (accept / ignore / reject);
 * - req/resp out: the worker's syncer asks through `PageNet.request` (src/p2p/bridge.ts);
 * - req/resp in: other peers' status / headers-by-range / bodies-by-hash requests are
 *   decoded, rate-limited and capped here (serveChain) and answered by asking the worker,
 *   which reads its store (`serveStatus` / `serveHeaders` / `serveBodies`);
 * - peers: identify / disconnect events and the peer list (transport per peer) go to the
 *   worker for its snapshot;
 * - discovery: the node announces its relay WebRTC addresses on the chain's browser-peers topic
 *   and dials a bounded number of the browsers announced there (src/p2p/discovery.ts), so tabs
 *   find each other through the devnet's hub without being told addresses.
 */
import * as Comlink from 'comlink'
import type { Remote } from 'comlink'
import type { IdentifyResult, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { toErrorRecord } from '../../core/errors'
import { createLogger, type Logger } from '../../core/logger'
import { topics } from '../../protocol/topics'
import { MAX_GOSSIP_MESSAGE_BYTES, createP2PNode, peerScore, peerSummaries, subscribeTopic, type P2PNode } from '../../p2p/node'
import { request } from '../../p2p/stream'
import type { PageNet } from '../../p2p/bridge'
import { serveChain, type ServedEvent } from '../../p2p/protocols'
import { startBrowserDiscovery, type BrowserDiscovery, type BrowserDiscoveryOptions } from '../../p2p/discovery'
import type { PagePeerApi } from '../shared/bridge'
import type { ClientConfig } from '../shared/config'

export const PEER_PUSH_MS = 2_000

export interface PagePeer {
  node: P2PNode
  peerId: string
  /** The node's addresses (relay `/p2p-circuit` and `/p2p-circuit/webrtc` ones once reserved). */
  addrs(): string[]
  /** Dials a peer (e.g. another browser's `/p2p-circuit/webrtc` address). */
  dial(addr: string, timeoutMs?: number): Promise<void>
  /** Browser peer discovery (absent when turned off). */
  discovery?: BrowserDiscovery
  /** What this page served to others. */
  served: { requests: number; items: number; byProtocol: Record<ServedEvent['protocol'], number> }
  stop(): Promise<void>
}

export interface PagePeerOptions {
  logger?: Logger
  /** Subscribe to the gossip topics (default true). Without gossip the client follows the chain by req/resp (status heads) and L1 only. */
  gossip?: boolean
  /** Find other browsers on the chain's browser-peers topic and dial them (default true; options: max WebRTC peers). */
  discovery?: boolean | Pick<BrowserDiscoveryOptions, 'maxPeers'>
}

export async function startPagePeer(api: Remote<PagePeerApi>, config: ClientConfig, opts: PagePeerOptions = {}): Promise<PagePeer> {
  const log = opts.logger ?? createLogger('vigil-page-p2p')
  const node = await createP2PNode({
    role: 'client-page',
    bootstrap: config.bootstrap,
    logger: log,
    ...(config.allowPeers ? { allow: config.allowPeers } : {}),
    ...(config.denyPeers ? { deny: config.denyPeers } : {}),
  })
  const offs: (() => void)[] = []

  // gossip → worker → verdict
  const t = topics(config.l2ChainId)
  if (opts.gossip !== false) for (const topic of [t.blockProposal, t.checkpointProposal, t.checkpointAttestation]) offs.push(subscribeTopic(node, topic, (data, from) => api.deliverGossip(topic, data, from.toString()), { maxBytes: MAX_GOSSIP_MESSAGE_BYTES }))

  // req/resp out: the worker's syncer asks through us
  const net: PageNet = {
    async request(peer, protocol, payload, o) {
      try {
        return await request(node, peerIdFromString(peer), protocol, payload, { timeoutMs: Math.min(o.timeoutMs, 30_000), maxResponseBytes: o.maxResponseBytes })
      } catch (e) {
        throw toErrorRecord(e) // comlink keeps only name/message of an Error
      }
    },
  }
  await api.attachPageNet(Comlink.proxy(net))

  // peers → worker
  const onIdentify = (evt: CustomEvent<IdentifyResult>) => void api.peerEvent({ kind: 'identify', peer: evt.detail.peerId.toString(), protocols: [...evt.detail.protocols] }).catch(() => {})
  const onDisconnect = (evt: CustomEvent<PeerId>) => {
    void api.peerEvent({ kind: 'disconnect', peer: evt.detail.toString() }).catch(() => {})
    pushPeers()
  }
  // one push in flight at a time; a change meanwhile (e.g. the WebRTC connection that follows the
  // relay one) is pushed as soon as it lands, not at the next tick
  let pushing = false
  let again = false
  const pushPeers = () => {
    if (pushing) {
      again = true
      return
    }
    pushing = true
    again = false
    const list = peerSummaries(node).map((p) => ({ ...p, score: Math.round(peerScore(node, p.id) * 100) / 100 }))
    void api
      .setPagePeers(list)
      .catch(() => {})
      .finally(() => {
        pushing = false
        if (again) pushPeers()
      })
  }
  node.addEventListener('peer:identify', onIdentify)
  node.addEventListener('peer:disconnect', onDisconnect)
  node.addEventListener('peer:connect', pushPeers)
  node.addEventListener('connection:open', pushPeers)
  const timer = setInterval(pushPeers, PEER_PUSH_MS)
  // peers identified before we listened
  for (const p of node.getPeers()) {
    node.peerStore
      .get(p)
      .then((rec) => api.peerEvent({ kind: 'identify', peer: p.toString(), protocols: rec.protocols }))
      .catch(() => {})
  }

  // discovery: announce our relay WebRTC addresses, dial announced browsers (independent of the chain topics)
  const discovery =
    opts.discovery === false
      ? undefined
      : startBrowserDiscovery(node, t.browserPeers, {
          ...(typeof opts.discovery === 'object' ? opts.discovery : {}),
          ...(config.allowPeers ? { allow: config.allowPeers } : {}),
          ...(config.denyPeers ? { deny: config.denyPeers } : {}),
          logger: log.child('discovery'),
        })

  // req/resp in: answered from the worker's store
  const served: PagePeer['served'] = { requests: 0, items: 0, byProtocol: { status: 0, headers_by_range: 0, bodies_by_hash: 0 } }
  const unserve = await serveChain(
    node,
    config.l2ChainId,
    {
      status: () => api.serveStatus(),
      headersByRange: (from, count) => api.serveHeaders(from, count),
      bodiesByHash: (hashes) => api.serveBodies(hashes),
    },
    {
      onServed: (ev) => {
        served.requests++
        served.items += ev.served
        served.byProtocol[ev.protocol]++
      },
    },
  )

  let stopped = false
  return {
    node,
    peerId: node.peerId.toString(),
    addrs: () => node.getMultiaddrs().map((a) => a.toString()),
    async dial(addr, timeoutMs = 10_000) {
      await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(timeoutMs) })
    },
    ...(discovery ? { discovery } : {}),
    served,
    async stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      discovery?.stop()
      for (const off of offs) off()
      node.removeEventListener('peer:identify', onIdentify)
      node.removeEventListener('peer:disconnect', onDisconnect)
      node.removeEventListener('peer:connect', pushPeers)
      node.removeEventListener('connection:open', pushPeers)
      await unserve().catch(() => {})
      await node.stop().catch(() => {})
    },
  }
}
