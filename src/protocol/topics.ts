/** Gossip topics and req/resp protocol ids, all derived from the L2 chain id. */
export function topics(l2ChainId: number) {
  const base = `/vigil/${l2ChainId}`
  return {
    blockProposal: `${base}/block_proposal/1`,
    checkpointProposal: `${base}/checkpoint_proposal/1`,
    checkpointAttestation: `${base}/checkpoint_attestation/1`,
    tx: `${base}/tx/1`,
    /** Browser nodes announce their relay WebRTC addresses here (src/p2p/discovery.ts). */
    browserPeers: `${base}/browser_peers/1`,
  } as const
}

export function protocolIds(l2ChainId: number) {
  const base = `/vigil/${l2ChainId}/req`
  return {
    status: `${base}/status/1`,
    headersByRange: `${base}/headers_by_range/1`,
    bodiesByHash: `${base}/bodies_by_hash/1`,
  } as const
}

export type Topics = ReturnType<typeof topics>

/**
 * The largest valid message of each gossip topic, from the protocol's caps (docs/protocol.md §
 * Caps): block proposal = version + header (162) + u32 body length + body (≤ 1 MiB) + u32 count
 * + 4096 tx hashes + signature; checkpoint proposal = version + u32 length + checkpoint (≤ 64 KiB)
 * + signature; attestation = 106; tx = 39 + payload (≤ 1024). Checked before decoding
 * (src/verify/gossip-rules.ts `checkMessageSize`).
 */
export const TOPIC_MAX_BYTES = {
  blockProposal: 1 + 162 + 4 + (1 << 20) + 4 + 32 * 4096 + 65,
  checkpointProposal: 1 + 4 + 64 * 1024 + 65,
  checkpointAttestation: 1 + 32 + 8 + 65,
  tx: 1 + 20 + 8 + 8 + 2 + 1024,
} as const

export type TopicKind = keyof typeof TOPIC_MAX_BYTES
