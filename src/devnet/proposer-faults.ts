/**
 * How the devnet's proposer misbehaves under the fault knobs it owns (docs/faults.md):
 *
 * - `equivocate`: after gossiping the last block of a slot, it builds a second, different
 *   block for the same (slot, index), gossips it too and continues on it; at the slot's end it
 *   gossips a checkpoint proposal with the first block (the rival) and then one with the
 *   second. The validators attest both; the second is posted.
 * - `divergent-checkpoint`: at the slot's end it rebuilds the slot's last r blocks (r cycles
 *   1..blocksPerSlot with the checkpoint number) with other transactions, never gossips them
 *   nor the checkpoint proposal, signs the attestations with the committee's keys directly
 *   (the devnet holds them) and posts that checkpoint. The next slot builds on it.
 * - `short-quorum` (one-shot): the next checkpoint is posted with quorum − 1 attestations.
 *   Once clients had time to see it, the proposer proves it invalid on L1 (the rollup's
 *   `invalidate`, as Aztec's invalidateInsufficientAttestations): L1 prunes it and the chain
 *   continues from the checkpoint before it (the post counts as failed, so the proposer loop
 *   rewinds to L1's tip and drops the slot it had built on the pruned checkpoint).
 * - `l1-reorg`: once a checkpoint has landed (and clients had time to see it), anvil_reorg
 *   drops the L1 blocks from the checkpoint's block to the head (never a finalized block),
 *   and the proposer re-posts the same checkpoint, as a dropped transaction is re-included.
 *   A checkpoint that `short-quorum` cut is re-posted with every attestation collected: the
 *   L1 reorg takes the invalid checkpoint away and a valid one lands for the same heights.
 *
 * Every action is recorded in ctx.faultLog with the heights and hashes involved.
 */
import type { Hex } from '../core/types'
import { delay } from '../core/abort'
import { quorumOf } from '../protocol/schedule'
import { headerHash } from '../protocol/header'
import { encodeAttestationSignatures } from '../protocol/checkpoint'
import type { BuiltBlock, BuiltCheckpoint, Validator } from './builder'
import { invalidateCheckpoint, proposeCheckpoint, type ProposeCheckpointResult } from './l1'
import type { DevnetContext } from './context'

export interface CheckpointPlan {
  /** equivocate: the checkpoint of the first-gossiped blocks, gossiped before the real one. */
  rival?: BuiltCheckpoint
  /** divergent-checkpoint: attest with the committee keys instead of over gossip; do not gossip the proposal. */
  directAttestations?: boolean
}

export class ProposerFaults {
  /** equivocate: the blocks as first gossiped, for the slot being built. */
  private firstGossiped: BuiltBlock[] | null = null
  /** short-quorum: the full attestation list of the checkpoint that was posted short (l1-reorg re-posts it whole). */
  private untrimmed: { checkpointNumber: number; sigs: Uint8Array[] } | null = null

  constructor(private readonly ctx: DevnetContext) {}

  private on(name: string): boolean {
    return this.ctx.faults.has(name)
  }

  /**
   * Called after block `index` of a slot was gossiped. Under `equivocate`, for the slot's last
   * block: builds and returns a different block for the same position (the builder continues
   * on it); the caller gossips it and uses it instead. Otherwise null.
   */
  twinOf(blocks: BuiltBlock[], index: number, proposer: Validator): BuiltBlock | null {
    if (index === 0) this.firstGossiped = null
    if (!this.on('equivocate') || index !== this.ctx.opts.blocksPerSlot - 1) return null
    const b = blocks[index]!
    const { builder } = this.ctx
    builder.rewindTo(b.header.parentHash, b.header.checkpointNumber - 1)
    const twin = builder.buildBlock({ slot: b.header.slot, indexInCheckpoint: b.header.indexInCheckpoint, proposer, timestamp: b.header.timestamp })
    this.firstGossiped = [...blocks]
    this.ctx.faultLog.record('equivocate', {
      kind: 'double-proposal',
      slot: b.header.slot,
      index: b.header.indexInCheckpoint,
      height: b.header.height,
      proposer: proposer.address.toLowerCase(),
      first: b.hash,
      second: twin.hash,
    })
    return twin
  }

  /**
   * At the slot's end. Under `divergent-checkpoint`: rebuilds the last r blocks with other
   * transactions (never gossiped) and returns the blocks to post with the plan; `replacements`
   * are the new blocks (the caller announces them as 'block' events). Under `equivocate` (when
   * the slot had a twin): the rival checkpoint to gossip first. Otherwise the blocks unchanged.
   */
  checkpointPlan(blocks: BuiltBlock[], proposer: Validator): { blocks: BuiltBlock[]; replacements: BuiltBlock[]; plan: CheckpointPlan } {
    if (this.firstGossiped && this.firstGossiped.length === blocks.length && this.firstGossiped[0]!.header.slot === blocks[0]!.header.slot) {
      const { builder } = this.ctx
      // buildCheckpoint moves the builder's checkpoint number to this one: the same number as the real one
      const rival = builder.buildCheckpoint(this.firstGossiped, proposer)
      this.firstGossiped = null
      this.ctx.faultLog.record('equivocate', { kind: 'double-checkpoint-proposal', slot: rival.checkpoint.slot, checkpointNumber: rival.checkpoint.checkpointNumber, first: rival.digest })
      return { blocks, replacements: [], plan: { rival } }
    }
    if (!this.on('divergent-checkpoint')) return { blocks, replacements: [], plan: {} }
    const { builder } = this.ctx
    const first = blocks[0]!.header
    const r = 1 + (first.checkpointNumber % blocks.length)
    const kept = blocks.slice(0, blocks.length - r)
    const replaced = blocks.slice(blocks.length - r)
    builder.rewindTo(kept.at(-1)?.hash ?? first.parentHash, first.checkpointNumber - 1)
    const replacements = replaced.map((b) =>
      builder.buildBlock({ slot: b.header.slot, indexInCheckpoint: b.header.indexInCheckpoint, proposer, timestamp: b.header.timestamp }),
    )
    this.ctx.faultLog.record('divergent-checkpoint', {
      slot: first.slot,
      checkpointNumber: first.checkpointNumber,
      /** How many gossiped (provisional) blocks the posted checkpoint replaces. */
      replaced: r,
      fromHeight: replaced[0]!.header.height,
      gossiped: replaced.map((b) => b.hash),
      posted: replacements.map((b) => b.hash),
    })
    return { blocks: [...kept, ...replacements], replacements, plan: { directAttestations: true } }
  }

  /** Attestation signatures of the whole committee over `digest`, signed with the devnet's keys. */
  directAttestations(digest: Hex, committee: Validator[]): Uint8Array[] {
    return this.ctx.builder.attest(digest, committee)
  }

  /** Under `short-quorum` (then switched off): the signatures cut to quorum − 1. */
  trimAttestations(sigs: Uint8Array[], committeeSize: number, checkpointNumber: number): Uint8Array[] {
    if (!this.on('short-quorum')) return sigs
    this.ctx.faults.delete('short-quorum')
    const n = Math.max(0, quorumOf(committeeSize) - 1)
    this.untrimmed = { checkpointNumber, sigs }
    this.ctx.faultLog.record('short-quorum', { checkpointNumber, attestations: n, quorum: quorumOf(committeeSize), committeeSize })
    return sigs.slice(0, n)
  }

  /**
   * After a checkpoint landed. Under `l1-reorg`: see reorgAndRepost. Otherwise, when
   * `short-quorum` cut this checkpoint: waits so clients see it, prunes it on L1 with
   * `invalidate`, and throws (the proposer loop then rewinds to L1's tip, checkpoint n − 1).
   */
  async afterPosted(args: {
    built: BuiltCheckpoint
    posted: ProposeCheckpointResult
    attestations: Uint8Array
    proposer: Validator
  }): Promise<ProposeCheckpointResult | null> {
    const untrimmed = this.untrimmed?.checkpointNumber === args.built.checkpoint.checkpointNumber ? this.untrimmed : null
    this.untrimmed = null
    if (this.on('l1-reorg')) return this.reorgAndRepost(args, untrimmed)
    if (untrimmed) await this.prune(args)
    return null
  }

  /** short-quorum: `invalidate(n, attestations as posted)` on L1, recorded; always throws (the post did not stand). */
  private async prune(args: { built: BuiltCheckpoint; attestations: Uint8Array; proposer: Validator }): Promise<never> {
    const { ctx } = this
    const n = args.built.checkpoint.checkpointNumber
    await delay(Math.min(1000, Math.floor((ctx.opts.slotSeconds * 1000) / 2)), ctx.signal)
    const tx = await invalidateCheckpoint({ rpcUrl: ctx.rpcUrl, rollup: ctx.rollup, privateKey: args.proposer.privateKey, checkpointNumber: n, attestations: args.attestations, signal: ctx.signal })
    ctx.faultLog.record('short-quorum', {
      kind: 'invalidated',
      checkpointNumber: n,
      headerHashes: args.built.checkpoint.headers.map(headerHash),
      invalidated: { l1BlockNumber: tx.l1BlockNumber, l1BlockHash: tx.l1BlockHash, txHash: tx.txHash },
    })
    throw new Error(`checkpoint ${n} was posted short of quorum and pruned on L1 (fault short-quorum): the chain continues from checkpoint ${n - 1}`)
  }

  /**
   * Under `l1-reorg`, after a checkpoint landed: waits so clients polling L1 see it mined, drops
   * its L1 block (and any above it) with anvil_reorg, checks the rollup's tip went back, and
   * re-posts the same checkpoint (one `short-quorum` cut with all its attestations). Skipped
   * (and recorded) when the block is already finalized. Returns the re-posted result, or null.
   */
  private async reorgAndRepost(
    args: { built: BuiltCheckpoint; posted: ProposeCheckpointResult; attestations: Uint8Array; proposer: Validator },
    untrimmed: { sigs: Uint8Array[] } | null,
  ): Promise<ProposeCheckpointResult | null> {
    const { ctx } = this
    const { built, posted } = args
    await delay(Math.min(1000, Math.floor((ctx.opts.slotSeconds * 1000) / 2)), ctx.signal)
    const [head, finalized] = await Promise.all([ctx.l1.getBlock({ blockTag: 'latest' }), ctx.l1.getBlock({ blockTag: 'finalized' })])
    if (posted.l1BlockNumber <= Number(finalized.number)) {
      ctx.faultLog.record('l1-reorg', { skipped: 'finalized', checkpointNumber: built.checkpoint.checkpointNumber, l1BlockNumber: posted.l1BlockNumber })
      return null
    }
    const depth = Number(head.number) - posted.l1BlockNumber + 1
    await anvilRpc(ctx.rpcUrl, 'anvil_reorg', [depth, []])
    // anvil re-mines the dropped heights at the common ancestor's time and moves its clock back
    // with them: put it back on the wall clock, or the next proposal is SlotInFuture
    await anvilRpc(ctx.rpcUrl, 'anvil_setTime', [Math.max(Math.floor(Date.now() / 1000), Number(head.timestamp))])
    const replaced = await ctx.l1.getBlock({ blockNumber: BigInt(posted.l1BlockNumber) })
    if (replaced.hash === posted.l1BlockHash) throw new Error(`anvil_reorg(${depth}) left L1 block ${posted.l1BlockNumber} in place`)
    ctx.events.emit('l1-reorg', { depth, fromBlock: posted.l1BlockNumber, droppedCheckpoints: [built.checkpoint.checkpointNumber] })
    const again = await proposeCheckpoint({
      rpcUrl: ctx.rpcUrl,
      rollup: ctx.rollup,
      privateKey: args.proposer.privateKey,
      checkpoint: built.bytes,
      // a checkpoint posted short (short-quorum) comes back with the whole committee's attestations
      attestations: untrimmed ? encodeAttestationSignatures(untrimmed.sigs) : args.attestations,
      blobs: built.blobs,
      signal: ctx.signal,
    })
    ctx.faultLog.record('l1-reorg', {
      checkpointNumber: built.checkpoint.checkpointNumber,
      headerHashes: built.checkpoint.headers.map(headerHash),
      depth,
      dropped: { l1BlockNumber: posted.l1BlockNumber, l1BlockHash: posted.l1BlockHash, txHash: posted.txHash },
      reposted: { l1BlockNumber: again.l1BlockNumber, l1BlockHash: again.l1BlockHash, txHash: again.txHash },
      ...(untrimmed ? { restoredQuorum: untrimmed.sigs.length } : {}),
    })
    return again
  }
}

/** One JSON-RPC call to anvil (its non-standard methods have no viem action). */
async function anvilRpc(rpcUrl: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  })
  const json = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (json.error) throw new Error(`${method}: ${json.error.message}`)
  return json.result
}
