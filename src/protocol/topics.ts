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
