/**
 * What the devnet's gossip nodes make of their peers, for tests and tools: GET
 * <gateway>/gossip answers, per devnet node, its peer id, what its gossip guard decided per
 * topic (src/devnet/gossip-guard.ts) and every peer's gossipsub score now, plus the peers it
 * has graylisted (score below VIGIL_SCORE_THRESHOLDS.graylistThreshold at a heartbeat) and
 * the lowest score each peer ever had.
 */
import type { P2PNode } from '../p2p/node'
import { peerScore, VIGIL_SCORE_THRESHOLDS } from '../p2p/gossip'
import type { GossipGuard, GuardCounters } from './gossip-guard'

export interface GossipNodeStatus {
  name: string
  peerId: string
  /** Where it listens. */
  addrs: string[]
  counters: GuardCounters
  /** Connected peers and their score now. */
  peers: { id: string; score: number }[]
  /** Peers seen below the graylist threshold at a heartbeat: when first, and the lowest score. */
  graylisted: Record<string, { since: number; lowest: number }>
  /** Lowest score seen per peer (heartbeat samples). */
  lowest: Record<string, number>
}

export interface GossipWatch {
  status(): GossipNodeStatus[]
  stop(): void
}

export function watchGossip(nodes: { name: string; node: P2PNode; guard: GossipGuard }[]): GossipWatch {
  const watched = nodes.map(({ name, node, guard }) => {
    const graylisted: GossipNodeStatus['graylisted'] = {}
    const lowest: Record<string, number> = {}
    const sample = () => {
      for (const p of node.getPeers()) {
        const id = p.toString()
        const score = peerScore(node, id)
        if (score < (lowest[id] ?? 0)) lowest[id] = score
        if (score < VIGIL_SCORE_THRESHOLDS.graylistThreshold) {
          const g = (graylisted[id] ??= { since: Date.now(), lowest: score })
          g.lowest = Math.min(g.lowest, score)
        }
      }
    }
    const pubsub = node.services.pubsub as unknown as EventTarget
    pubsub.addEventListener('gossipsub:heartbeat', sample)
    const status = (): GossipNodeStatus => {
      sample()
      return {
        name,
        peerId: node.peerId.toString(),
        addrs: node.getMultiaddrs().map(String),
        counters: guard.counters,
        peers: node.getPeers().map((p) => ({ id: p.toString(), score: peerScore(node, p) })),
        graylisted,
        lowest,
      }
    }
    return { status, stop: () => pubsub.removeEventListener('gossipsub:heartbeat', sample) }
  })
  return {
    status: () => watched.map((w) => w.status()),
    stop: () => watched.forEach((w) => w.stop()),
  }
}
