/**
 * The chain a client follows, as plain data: what the devnet writes to `.vigil/devnet.json`
 * and what the client parses (src/client/shared/config.ts `parseClientConfig` validates it).
 */
import type { Address, Hex } from './types'

/** Everything a LightClient needs to find the chain. `.vigil/devnet.json` is a superset of this. */
export interface ClientConfig {
  /**
   * The network adapter (src/networks/presets.ts): `vigil` (the default: the devnet's chain, whose
   * deployment this config names) or a preset such as `aztec-ignition`, whose L1 facts a config
   * may omit (they are the preset's; given ones must match).
   */
  network?: string
  l2ChainId: number
  l1: {
    chainId: number
    /**
     * One or more independent L1 JSON-RPC URLs. None is believed: their answers are proven
     * against the anchor (docs/trust.md), and without a consensus light client the anchor is
     * `quorum` of them agreeing on a block hash. Each is its own source (`l1:<host>`).
     */
    rpcUrls: string[]
    /** k: how many of `rpcUrls` must agree on a block's hash before it anchors (default: a majority, floor(n/2) + 1). */
    quorum?: number
    /** Blocks below the k-th highest head at which the quorum compares hashes (default 0). */
    quorumDepth?: number
    rollup: Address
    /** L1 block the rollup was deployed in: where history scans start. */
    deployBlock: number
  }
  /**
   * The Ethereum consensus light client (docs/trust.md): a beacon node serving the light-client
   * routes (`/eth/v1/beacon/light_client/*`) and the trusted beacon block root to bootstrap
   * from. Where configured it outranks the RPC quorum.
   */
  beaconLightClient?: { url: string; checkpoint: Hex; network: 'mainnet' }
  /** L1 beacon API base URL (blobs), CORS-enabled. */
  beaconUrl?: string
  /** How the beacon API's `block_id` is formed (src/sources/beacon.ts); default 'auto'. */
  beaconBlockId?: 'auto' | 'slot' | 'execution-block-number'
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
  /**
   * An L1 block explorer as a URL template, for links only (nothing is fetched from it):
   * `{kind}` becomes `tx`, `block` or `address` and `{id}` the hash, number or address, e.g.
   * `https://etherscan.io/{kind}/{id}` (etherscan and otterscan share these paths).
   */
  l1Explorer?: string
}
