/**
 * Transactions on their own gossip topic (seed 000, re-execution): for every block the
 * proposer builds, each of its transactions is published on `topics(l2ChainId).tx` from the
 * proposer's node, right as the block is built (before its proposal is gossiped). Proposals
 * carry the tx hashes, so a client holding the transactions can rebuild the body.
 *
 * The `withhold-gossip-bodies` fault (read from `ctx.faults` per block): the proposal is
 * gossiped without its body — an empty body field, i.e. header + tx hashes + signature —
 * so clients must get bodies from the file store, by re-execution, or by req/resp.
 */
import { encodeTx } from '../../protocol/tx'
import { encodeProposal } from '../../protocol/proposal'
import { publish } from '../../p2p/node'
import type { DevnetService } from '../context'

export const txGossipService: DevnetService = async (ctx) => {
  const log = ctx.log.child('txs')
  ctx.events.on('block', (b) => {
    for (const tx of b.txs) {
      void publish(ctx.nodes.proposer, ctx.topics.tx, encodeTx(tx)).catch((e) => log(`tx gossip failed: ${(e as Error).message}`))
    }
    if (ctx.faults.has('withhold-gossip-bodies')) {
      // the 'block' event fires before the proposer publishes b.proposalBytes: gossip the header-only form
      b.proposal = { ...b.proposal, bodyBytes: new Uint8Array(0) }
      b.proposalBytes = encodeProposal(b.proposal)
    }
  })
}
