/**
 * The chain a client follows, as plain data: what the devnet writes to `.vigil/devnet.json`
 * and what the client parses (src/client/shared/config.ts `parseClientConfig` validates it).
 */
import type { Address, Hex } from './types'

/** Everything a LightClient needs to find the chain. `.vigil/devnet.json` is a superset of this. */
export interface ClientConfig {
  l2ChainId: number
  l1: {
    chainId: number
    /** One or more L1 JSON-RPC URLs; the first that answers is used. */
    rpcUrls: string[]
    rollup: Address
    /** L1 block the rollup was deployed in: where history scans start. */
    deployBlock: number
  }
  /** L1 beacon API base URL (blobs), CORS-enabled. */
  beaconUrl?: string
  /** File store base URL (bucket root; layout in docs/filestore.md): bodies, blobs, header ranges, snapshots. */
  fileStoreUrl?: string
  /** libp2p multiaddrs to dial at start (WebSockets for workers and Node; WebRTC-direct from pages). */
  bootstrap: string[]
  /** light: headers only; full: bodies too. */
  mode: 'light' | 'full'
  /** L1 poll interval (ms). */
  l1PollMs?: number
  /** URL of a snapshot index (`…/v1/<l2ChainId>/snapshots/index.json`, docs/snapshots.md); used with `--from-snapshot`. */
  snapshotUrl?: string
  /** Base URL of a trusted L2 RPC (`GET <url>/head`, `GET <url>/block/<n>`, docs/backup-sync.md): backup sync, still verified. */
  l2RpcUrl?: string
  /** Peer ids (base58, e.g. `12D3KooW…`): when non-empty, only these peers are dialled or accepted (connection gating). */
  allowPeers?: string[]
  /** Peer ids never dialled nor accepted (checked before allowPeers). */
  denyPeers?: string[]
  /**
   * Start from a header trusted by hash (weak subjectivity; docs/sync.md § Trusted hash): the
   * req/resp syncer fetches it from peers, checks the hash and its proposer signature, and syncs
   * up from it; nothing below `height` is fetched from peers. CLI: `--trusted-hash <height>:<0xhash>`.
   */
  trustedHeader?: { height: number; hash: Hex }
}
