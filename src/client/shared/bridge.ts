/**
 * The worker's API as the page sees it through comlink. Only plain data crosses: errors
 * come back as ErrorRecord-shaped rejections (see core/errors), callbacks must be wrapped
 * in comlink's proxy().
 */
import type { ClientConfig } from './config'
import type { PageNet, PeerEvent } from '../../p2p/bridge'
import type { ChainStatus } from '../../p2p/protocols/common'
import type { SignedHeader } from '../../protocol/signed-header'
import type { Hex } from '../../core/types'
import type { PeerSummary } from './types'
import type { BlockListPage, BlockListQuery, BlockView, ClientSnapshot, EvidenceItem, SearchResult, StorageInfo, TxEffectView, VerifyReport } from './types'

export interface WorkerApi {
  /** Opens the store, restores tips, starts syncing. Resolves once the stored state is loaded. */
  start(config: ClientConfig, opts?: WorkerStartOptions): Promise<ClientSnapshot>
  snapshot(): Promise<ClientSnapshot>
  /** Calls `onSnapshot` on every change (throttled); returns a subscription id for unsubscribe(). */
  subscribe(onSnapshot: (s: ClientSnapshot) => void): Promise<number>
  unsubscribe(id: number): Promise<void>
  stop(): Promise<void>

  // explorer (src/client/worker/explorer.ts): read-only queries and on-demand verification
  /** The block at a height (the canonical one) or with a hash; null when this client does not hold it. */
  getBlock(q: string | number): Promise<BlockView | null>
  /** Runs every check for one block now; rejects NOT_FOUND when the block is not held. */
  verifyBlock(q: string | number): Promise<VerifyReport>
  /** A block's tx effects, fetching and verifying its body when none is held; null when no source has it. */
  fetchTxEffects(q: string | number): Promise<{ source: string; txEffects: TxEffectView[] } | null>
  /** A window of the block list (one row per height). */
  listBlocks(q: BlockListQuery): Promise<BlockListPage>
  /** By height, block hash, tx hash or checkpoint digest. */
  search(q: string): Promise<SearchResult[]>
  /** Equivocations and data that failed verification, newest first. */
  evidence(): Promise<EvidenceItem[]>
  storage(): Promise<StorageInfo>
  /** Stops the client and deletes its store; call start() again to sync from scratch. */
  clearStore(): Promise<void>
}

/**
 * What the worker also exposes for the tab's libp2p node on the page (start with
 * `{ pageP2P: true }`; src/client/page/page-p2p.ts, docs/decisions/browser-peers.md).
 */
export interface PagePeerApi {
  /** Req/resp requests of the worker's syncer go out through `net` (a comlink proxy). */
  attachPageNet(net: PageNet): Promise<void>
  /** A peer identified or disconnected on the page's node. */
  peerEvent(ev: PeerEvent): Promise<void>
  /** The page node's peers (for the snapshot; req/resp info is added by the worker). */
  setPagePeers(peers: PeerSummary[]): Promise<void>
  /** Verifies a gossip message the page received; the verdict goes back to gossipsub. */
  deliverGossip(topic: string, data: Uint8Array, from?: string): Promise<'accept' | 'ignore' | 'reject'>
  /** Serving other peers from this client's store. */
  serveStatus(): Promise<ChainStatus>
  serveHeaders(from: number, count: number): Promise<SignedHeader[]>
  serveBodies(hashes: Hex[]): Promise<{ hash: Hex; bytes: Uint8Array }[]>
}

export interface WorkerStartOptions {
  /** The tab's libp2p node runs on the page (browsers serve other browsers over WebRTC); the worker runs none. */
  pageP2P?: boolean
  /** With an empty store, start from the latest snapshot verified against L1 (docs/snapshots.md). */
  fromSnapshot?: boolean
}
