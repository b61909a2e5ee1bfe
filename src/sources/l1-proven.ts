/**
 * The L1 port with nothing taken on an RPC's word (docs/trust.md). Every value it returns is
 * proven against an execution block the client's anchor verified (src/ports/anchor.ts: the
 * consensus light client outranks the RPC quorum):
 *
 * | fact                          | proven by                                                        |
 * |-------------------------------|------------------------------------------------------------------|
 * | the anchored block            | the anchor (sync-committee signatures, or k of n RPCs agreeing)  |
 * | an older block's hash         | EIP-2935's block-hash history contract, storage proof at the anchor (chained back 8191 blocks at a time) |
 * | a block's header              | its RLP hashes to that proven hash                               |
 * | rollup parameters, validators | storage proofs of VigilRollup's slots (src/contracts/layout.ts)  |
 * | the committee of an epoch     | computed here from the proven validator list, as the contract samples it |
 * | a CheckpointProposed event    | the block's receipts rebuild its proven receiptsRoot; the log is in them |
 * | the checkpoint's calldata     | keccak256 equals the proven event's digest                       |
 * | the attestations' calldata    | keccak256 equals checkpointLog[n].attestationsHash, storage proof |
 * | no checkpoint hidden          | the proven tip (slot 4): every number up to it must be found     |
 *
 * Logs are hints: they say where to look; a checkpoint an RPC hides is found through the proven
 * tip (other RPCs' logs, then a search over proven state). An answer that fails its proof is
 * evidence against the RPC that gave it (a disagreement, a coded failure in its stats) and
 * the next RPC is asked. The blob hashes and the sender the follower checks are the contract's
 * own checks, which the proven event shows passed (VigilRollup.propose reverts otherwise).
 */
import { decodeEventLog, decodeFunctionData, encodeEventTopics } from 'viem'
import { VigilError, toErrorRecord } from '../core/errors'
import type { AbortOptions, Address, Hex } from '../core/types'
import type { AnchoredBlock, L1Disagreement, L1Proof, L1TrustView, ProofCheck } from '../core/records'
import type { L1Anchor } from '../ports/anchor'
import type { L1Block, L1Port, MinedCheckpoint, RollupParams } from '../ports/l1'
import { vigilRollupAbi } from '../contracts/abi'
import { CHECKPOINT_LOG_WORDS, SLOT_PARAMS, SLOT_TIP, SLOT_VALIDATORS, checkpointLogSlot, decodeCheckpointLog, decodeParamsWord, decodeTipWord, decodeValidatorWord, sampleCommittee, validatorSlot, word32, type CheckpointLogEntry } from '../contracts/layout'
import { hexToBytes } from '../protocol/bytes'
import { keccak256Hex } from '../protocol/hash'
import { decodeCheckpoint } from '../protocol/checkpoint'
import { epochSeed } from '../protocol/schedule'
import { headerFromRpc, type ExecutionHeader } from '../protocol/eth/header'
import { parseGetProof } from '../protocol/eth/proof'
import { encodeReceipt, receiptPlacement } from '../protocol/eth/receipt'
import { verifyGetProof, verifyHeaderHash, verifyReceiptPlacement, verifyReceiptsRoot } from '../verify/execution'
import { verifyAccountProof } from '../verify/mpt'
import { QuorumAnchor } from './l1-anchor-quorum'
import { L1Rpc, toQuantity } from './l1-rpc'

/** EIP-2935: the block-hash history contract and its ring buffer length. */
export const HISTORY_CONTRACT: Hex = '0x0000f90827f1c53a10cb7a02335b175320002935'
export const HISTORY_SERVE_WINDOW = 8191

const MAX_LOG_RANGE = 2_000
/** Up to this many L1 blocks, a hidden checkpoint is looked for in every block's proven receipts; beyond, by bisection. */
const SCAN_LIMIT = 4_096
/** Calls per JSON-RPC batch and storage keys per eth_getProof. */
const BATCH = 64
const MAX_DISAGREEMENTS = 50
const REPORT_EVERY_MS = 60_000
const CHECKPOINT_PROPOSED_TOPIC = encodeEventTopics({ abi: vigilRollupAbi, eventName: 'CheckpointProposed' })[0] as Hex

export interface ProvenL1Options {
  rollup: Address
  /** Every L1 RPC, in preference order (each its own source). */
  rpcs: L1Rpc[]
  /** In rank order: the consensus light client before the RPC quorum. */
  anchors: L1Anchor[]
  /** A coded failure attributed to one RPC (the client's failure log); `disproven`: counted as a rejection (false: only contradicted, e.g. a head another RPC saw first). */
  onFailure?: (source: string, error: VigilError, disproven: boolean) => void
  now?: () => number
}

/** Options of a proving read: `checks` collects each proof checked (Verify now shows them). */
export interface ProveOptions extends AbortOptions {
  checks?: ProofCheck[]
}

/** A block the anchor's chain is proven to contain: its header hashes to the proven hash. */
interface ProvenBlock {
  number: number
  hash: Hex
  header: ExecutionHeader
}

interface ProvenEvent {
  checkpointNumber: number
  slot: number
  digest: Hex
  proposer: Address
  block: ProvenBlock
  /** Position of the receipt (= the transaction) in the block, and of the log in the block. */
  txIndex: number
  txHash: Hex
  logIndex: number
}

export interface ProvenL1OverRpcs {
  rollup: Address
  rpcUrls: string[]
  /** k of n (default: a majority, floor(n/2) + 1). */
  quorum?: number
  quorumDepth?: number
  /** Anchors that outrank the RPC quorum (the consensus light client), in rank order. */
  before?: L1Anchor[]
  onFailure?: (source: string, error: VigilError, disproven: boolean) => void
  signal?: AbortSignal
}

/** A ProvenL1 over L1 RPC URLs: one source per URL, the RPC quorum as the anchor (after any given before it). */
export function createProvenL1(o: ProvenL1OverRpcs): ProvenL1 {
  const rpcs = o.rpcUrls.map((u) => new L1Rpc(u, o.signal ? { signal: o.signal } : {}))
  const quorum = new QuorumAnchor(rpcs, { k: o.quorum ?? Math.floor(rpcs.length / 2) + 1, depth: o.quorumDepth ?? 0, onDisagreement: (d) => l1.disagree(d) })
  const l1: ProvenL1 = new ProvenL1({ rollup: o.rollup, rpcs, anchors: [...(o.before ?? []), quorum], ...(o.onFailure ? { onFailure: o.onFailure } : {}) })
  return l1
}

export class ProvenL1 implements L1Port {
  private readonly rpcs: L1Rpc[]
  private readonly now: () => number
  /** Hashes proven to be in the anchored chain, by number (cleared when the anchor leaves that chain). */
  private readonly hashes = new Map<number, Hex>()
  private readonly headers = new Map<Hex, ExecutionHeader>()
  private tip: AnchoredBlock | null = null
  private finalized: AnchoredBlock | null = null
  private activeKind: L1Anchor['kind'] | null = null
  private params: RollupParams | null = null
  private validators: { attester: Address; activationEpoch: number }[] = []
  private readonly committees = new Map<number, Address[]>()
  private readonly disagreements: L1Disagreement[] = []
  private readonly proofs = { verified: 0, failed: 0 }
  /** Wall time and rounds spent per kind of L1 read (what proving costs: everything but 'checkpoint', the calldata any client needs). */
  private readonly spent: Record<'proof' | 'header' | 'receipts' | 'checkpoint', { ms: number; rounds: number }> = {
    proof: { ms: 0, rounds: 0 },
    header: { ms: 0, rounds: 0 },
    receipts: { ms: 0, rounds: 0 },
    checkpoint: { ms: 0, rounds: 0 },
  }
  private preferred = 0
  /** When a disagreement of each (RPC, kind) was last recorded as a failure. */
  private readonly reported = new Map<string, number>()

  constructor(private readonly opts: ProvenL1Options) {
    if (opts.rpcs.length === 0) throw new VigilError('CONFIG_INVALID', 'at least one L1 RPC URL is needed')
    if (opts.anchors.length === 0) throw new VigilError('CONFIG_INVALID', 'at least one L1 anchor is needed')
    this.rpcs = opts.rpcs
    this.now = opts.now ?? Date.now
  }

  get stats() {
    return this.rpcs.map((r) => r.stats)
  }

  /**
   * Evidence against an RPC (from an anchor or a proof here): kept for the trust panel (merged
   * per RPC and claim) and, unless it is only a head the quorum outvoted, recorded as a coded
   * failure naming it — once a minute per RPC and kind, so one liar cannot flood the failure
   * list; in between a disproven claim is counted in its stats.
   */
  disagree = (d: Omit<L1Disagreement, 'firstAt' | 'lastAt' | 'count'>): void => {
    const now = this.now()
    const same = this.disagreements.find((x) => x.rpc === d.rpc && x.what === d.what && x.claimed === d.claimed)
    if (same) {
      same.count++
      same.lastAt = now
    } else {
      this.disagreements.unshift({ ...d, firstAt: now, lastAt: now, count: 1 })
      if (this.disagreements.length > MAX_DISAGREEMENTS) this.disagreements.pop()
    }
    // a head outvoted by the quorum may be a race (an RPC a block behind, or across an L1 reorg):
    // shown and recorded, soft; a hidden log is soft too; a failed proof or a false finality is a lie
    const disproven = d.what !== 'head' && d.code !== 'L1_CHECKPOINT_HIDDEN'
    const error = new VigilError(d.code, `${d.rpc}: ${d.claimed}${d.expected ? ` — ${d.expected}` : ''}`, {
      severity: disproven ? 'hard' : 'soft',
      details: { source: d.rpc, what: d.what, l1Block: d.l1Block },
    })
    // an outvoted head stays in the trust view only: honest RPCs disagree across an L1 reorg
    if (!disproven && d.what === 'head') return
    const key = `${d.rpc}|${d.what}`
    const last = this.reported.get(key)
    if (this.opts.onFailure && (last === undefined || now - last >= REPORT_EVERY_MS)) {
      this.reported.set(key, now)
      this.opts.onFailure(d.rpc, error, disproven)
    } else if (disproven) this.rpcs.find((r) => r.name === d.rpc)?.stats.verdict(false, error)
  }

  trustView(): L1TrustView {
    return {
      active: this.activeKind,
      anchors: this.opts.anchors.map((a) => a.view()),
      rpcs: this.rpcs.map((r) => ({ name: r.name, url: r.url })),
      disagreements: this.disagreements.map((d) => ({ ...d })),
      proofs: { ...this.proofs },
    }
  }

  /** Time spent fetching and checking, by kind of read (bench: the cost of proving). */
  costs(): Record<'proof' | 'header' | 'receipts' | 'checkpoint', { ms: number; rounds: number }> {
    return structuredClone(this.spent)
  }

  /** The anchored block proofs are checked against now (null before the first anchored head). */
  anchored(): AnchoredBlock | null {
    return this.tip
  }

  // ------------------------------------------------------------------ the anchor

  /** Every anchor advances; the best-ranked one with a head becomes what proofs are checked against. */
  async refresh(opts: AbortOptions = {}): Promise<AnchoredBlock | null> {
    await Promise.all(this.opts.anchors.map((a) => a.update(opts)))
    const active = this.opts.anchors.find((a) => a.heads().latest)
    if (!active) return null
    const { latest, finalized } = active.heads()
    await this.moveTo(latest!, opts)
    this.activeKind = active.kind
    this.finalized = finalized && finalized.number <= latest!.number ? finalized : null
    // the light client's finalized header is in its head's chain by the finality branch; a quorum's is checked
    if (this.finalized && active.kind !== 'light-client' && !(await this.inChain(this.finalized, opts))) this.finalized = null
    return this.tip
  }

  /** Moves the anchored tip; hashes proven under the old tip stay only if the new tip descends from it. */
  private async moveTo(next: AnchoredBlock, opts: AbortOptions): Promise<void> {
    const prev = this.tip
    if (prev && prev.hash === next.hash) return
    let keep = false
    if (prev && next.number > prev.number) {
      this.tip = next
      this.hashes.delete(prev.number) // asked of the new tip's state, not the cache
      try {
        keep = (await this.hashAt(prev.number, opts)) === prev.hash
      } catch (e) {
        if (opts.signal?.aborted) throw e
      }
    }
    if (!keep) {
      this.hashes.clear()
      this.committees.clear()
    }
    this.tip = next
    this.hashes.set(next.number, next.hash)
  }

  /** The anchor's finalized block is in the chain of its tip. */
  private async inChain(b: AnchoredBlock, opts: AbortOptions): Promise<boolean> {
    if (this.hashes.get(b.number) === b.hash) return true
    try {
      return (await this.hashAt(b.number, opts)) === b.hash
    } catch (e) {
      if (opts.signal?.aborted) throw e
      return false
    }
  }

  private anchorOrThrow(): AnchoredBlock {
    if (!this.tip) throw new VigilError('L1_NOT_ANCHORED', 'no L1 block is anchored yet (no light-client head, no RPC quorum): nothing about L1 can be proven', { severity: 'soft' })
    return this.tip
  }

  /** The anchored tip, anchoring first when nothing is anchored yet. */
  private async anchor(opts: AbortOptions): Promise<AnchoredBlock> {
    if (!this.tip) await this.refresh(opts)
    return this.anchorOrThrow()
  }

  /**
   * Storage words of any contract (another network's rollup: src/networks/aztec/prove.ts) proven
   * against the anchored block, or against the older block `block` of its chain (its header
   * proven by hash first). Each word's proof verifies against that block's state root.
   */
  async storageAt(address: Address, slots: bigint[], opts: ProveOptions & { block?: number } = {}): Promise<{ block: AnchoredBlock; values: bigint[] }> {
    const tip = await this.anchor(opts)
    let at = tip
    if (opts.block !== undefined && opts.block !== tip.number) {
      if (!Number.isSafeInteger(opts.block) || opts.block < 0 || opts.block > tip.number) throw new VigilError('NOT_FOUND', `L1 block ${opts.block} is not at or below the anchored block ${tip.number}`, { severity: 'soft', details: { l1Block: opts.block } })
      const [b] = await this.provenBlocks([opts.block], opts)
      at = provenAt(tip, b!)
    }
    const values = await this.storage(address, slots, at, { ...opts, label: (i) => `${address} slot ${word32(slots[i]!)}` })
    return { block: at, values }
  }

  // ------------------------------------------------------------------ the L1 port

  async block(tag: 'latest' | 'finalized' | number, opts: AbortOptions = {}): Promise<L1Block | null> {
    if (tag === 'latest') {
      const t = await this.refresh(opts)
      return t ? { number: t.number, hash: t.hash, timestamp: t.timestamp, anchor: t.anchor, basis: t.basis } : null
    }
    if (tag === 'finalized') {
      const f = this.finalized
      return f ? { number: f.number, hash: f.hash, timestamp: f.timestamp, anchor: f.anchor, basis: f.basis } : null
    }
    const tip = await this.anchor(opts)
    if (tag > tip.number || tag < 0) return null
    const [b] = await this.provenBlocks([tag], opts)
    return { number: b!.number, hash: b!.hash, timestamp: Number(b!.header.timestamp), anchor: tip.anchor, basis: tip.basis }
  }

  async rollupParams(opts: ProveOptions = {}): Promise<RollupParams> {
    if (this.params && !opts.checks) return this.params
    const [w] = await this.storage(this.opts.rollup, [SLOT_PARAMS], await this.anchor(opts), { ...opts, label: () => 'rollup parameters (slot 0)' })
    const p = decodeParamsWord(w!)
    if (p.slotDuration === 0 || p.epochDuration === 0) throw new VigilError('PROOF_VALUE_MISMATCH', `the proven rollup at ${this.opts.rollup} has no parameters (slot 0 is ${w}): is this the rollup's address?`, { details: { rollup: this.opts.rollup } })
    this.params = p
    return p
  }

  /** The committee of `epoch` from the proven validator list (cached once the epoch has started: its committee is fixed). */
  async committee(epoch: number, currentEpoch: number, opts: ProveOptions = {}): Promise<Address[]> {
    const cached = this.committees.get(epoch)
    if (cached && !opts.checks) return cached
    const params = await this.rollupParams(opts)
    const tip = await this.anchor(opts)
    const [len] = await this.storage(this.opts.rollup, [SLOT_VALIDATORS], tip, { ...opts, label: () => 'validators.length (slot 2)' })
    const n = Number(len!)
    // append-only: only new entries are proven (all of them when asked for the checks)
    const from = opts.checks ? 0 : Math.min(this.validators.length, n)
    const idx = Array.from({ length: n - from }, (_, i) => from + i)
    const words = await this.storage(this.opts.rollup, idx.map(validatorSlot), tip, { ...opts, label: (i) => `validators[${idx[i]}].attester (slot ${word32(validatorSlot(idx[i]!))})` })
    const list = this.validators.slice(0, from).concat(words.map(decodeValidatorWord))
    this.validators = list
    const committee = sampleCommittee(list, epoch, params.targetCommitteeSize, epochSeed(this.opts.rollup, params.l2ChainId, epoch))
    if (epoch <= currentEpoch) this.committees.set(epoch, committee)
    return committee
  }

  /** The committee of `epoch` proven now, bypassing the cache (Verify now). */
  readCommittee(epoch: number, opts: ProveOptions = {}): Promise<Address[]> {
    return this.committee(epoch, -1, { ...opts, checks: opts.checks ?? [] })
  }

  /**
   * The checkpoints proposed in L1 blocks [from, to], each proven (see the table above), in L1
   * order. `after`: the highest checkpoint number the caller already holds as mined; every
   * number above it up to the proven tip must be found, or the call fails (soft) saying so.
   */
  async minedCheckpoints(from: number, to: number, opts: ProveOptions & { after?: number } = {}): Promise<MinedCheckpoint[]> {
    const tip = await this.anchor(opts)
    const end = Math.min(to, tip.number)
    if (from > end) return []
    const hintRpc = this.rpcs[this.preferred % this.rpcs.length]!
    const hinted = await this.logHints(hintRpc, from, end, opts)
    const events = await this.provenEvents([...hinted.keys()], opts, { rpc: hintRpc, blocks: hinted })
    // the proven tip: every checkpoint up to it must be accounted for
    const [tipWord] = await this.storage(this.opts.rollup, [SLOT_TIP], tip, { ...opts, label: () => 'tip (slot 4: tipCheckpointNumber, tipHeight, lastSlot)' })
    const proven = decodeTipWord(tipWord!)
    const missing = (found: ProvenEvent[]): number[] => {
      if (opts.after === undefined) return []
      const have = new Set(found.map((e) => e.checkpointNumber))
      const out: number[] = []
      for (let n = opts.after + 1; n <= proven.checkpointNumber; n++) if (!have.has(n)) out.push(n)
      return out
    }
    let lost = missing(events)
    if (lost.length) {
      this.disagree({ rpc: hintRpc.name, url: hintRpc.url, what: 'log', l1Block: null, claimed: `listed no CheckpointProposed log for checkpoint${lost.length > 1 ? 's' : ''} ${lost.join(', ')} in L1 blocks ${from}–${end}`, expected: `the proven rollup tip at L1 block ${tip.number} is checkpoint ${proven.checkpointNumber}`, code: 'L1_CHECKPOINT_HIDDEN' })
      // the other RPCs' logs, then a search over proven state
      for (const rpc of this.rpcs) {
        if (rpc === hintRpc || !lost.length) continue
        const more = await this.logHints(rpc, from, end, opts).catch(() => new Map<number, Set<Hex>>())
        const fresh = [...more.keys()].filter((b) => !hinted.has(b))
        events.push(...(await this.provenEvents(fresh, opts, { rpc, blocks: more })))
        lost = missing(events)
      }
      const known = (e: ProvenEvent) => events.some((x) => x.block.number === e.block.number && x.logIndex === e.logIndex)
      if (lost.length && end - from < SCAN_LIMIT) {
        // a short range: the proven receipts of every block not yet read (64 blocks in 3 requests)
        const read = new Set(events.map((e) => e.block.number).concat([...hinted.keys()]))
        const todo: number[] = []
        for (let b = from; b <= end; b++) if (!read.has(b)) todo.push(b)
        for (let i = 0; i < todo.length && lost.length; i += BATCH) {
          events.push(...(await this.provenEvents(todo.slice(i, i + BATCH), opts)).filter((e) => !known(e)))
          lost = missing(events)
        }
      }
      for (const n of [...lost]) {
        // a long one: bisection over proven state for each
        const block = await this.searchCheckpoint(n, from, end, opts)
        if (block !== null) events.push(...(await this.provenEvents([block], opts)).filter((e) => !known(e)))
      }
      lost = missing(events)
      if (lost.length) throw new VigilError('L1_CHECKPOINT_HIDDEN', `checkpoint${lost.length > 1 ? 's' : ''} ${lost.join(', ')} ≤ the proven tip ${proven.checkpointNumber} not found in L1 blocks ${from}–${end}`, { severity: 'soft', details: { missing: lost.join(','), from, to: end } })
    }
    events.sort((a, b) => a.block.number - b.block.number || a.logIndex - b.logIndex)
    return this.withCalldata(events, tip, opts)
  }

  // ------------------------------------------------------------------ checkpoints

  /** L1 block → the tx hashes of CheckpointProposed logs an RPC reports in [from, to] (hints, not facts). */
  private async logHints(rpc: L1Rpc, from: number, to: number, opts: AbortOptions): Promise<Map<number, Set<Hex>>> {
    const out = new Map<number, Set<Hex>>()
    for (let start = from; start <= to; start += MAX_LOG_RANGE) {
      opts.signal?.throwIfAborted()
      const stop = Math.min(to, start + MAX_LOG_RANGE - 1)
      const logs = await rpc.request('eth_getLogs', [{ address: this.opts.rollup, topics: [CHECKPOINT_PROPOSED_TOPIC], fromBlock: toQuantity(start), toBlock: toQuantity(stop) }])
      if (!Array.isArray(logs)) throw new VigilError('SOURCE_BAD_RESPONSE', `${rpc.name}: eth_getLogs did not answer a list`, { severity: 'soft' })
      for (const l of logs as { blockNumber?: unknown; transactionHash?: unknown }[]) {
        const n = typeof l?.blockNumber === 'string' ? Number(l.blockNumber) : NaN
        if (!Number.isSafeInteger(n) || n < from || n > stop) continue
        if (!out.has(n)) out.set(n, new Set())
        if (typeof l.transactionHash === 'string') out.get(n)!.add(l.transactionHash.toLowerCase() as Hex)
      }
    }
    return out
  }

  /**
   * The CheckpointProposed events of these L1 blocks, proven: each block's hash in the anchored
   * chain, its header hashing to it, its receipts rebuilding the header's receiptsRoot. A hinted
   * block whose proven receipts hold no such event disproves the hint.
   */
  private async provenEvents(blockNumbers: number[], opts: ProveOptions, hints?: { rpc: L1Rpc; blocks: Map<number, Set<Hex>> }): Promise<ProvenEvent[]> {
    const out: ProvenEvent[] = []
    for (let i = 0; i < blockNumbers.length; i += BATCH) {
      const chunk = blockNumbers.slice(i, i + BATCH)
      const blocks = await this.provenBlocks(chunk, opts)
      const receipts = await this.firstGood(
        'receipts',
        async (rpc) => {
          const answers = await rpc.batch(blocks.map((b) => ({ method: 'eth_getBlockReceipts', params: [toQuantity(b.number)] })))
          return blocks.map((b, j) => this.receiptEvents(rpc, b, answers[j]))
        },
        opts,
      )
      receipts.forEach((evs, j) => {
        const b = blocks[j]!
        opts.checks?.push({ kind: 'receipts', title: `receipts of L1 block ${b.number}`, status: 'pass', detail: `rebuild receiptsRoot ${short(b.header.receiptsRoot)} of header ${short(b.hash)}; ${evs.length} CheckpointProposed event${evs.length === 1 ? '' : 's'}`, error: null })
        const hinted = hints?.blocks.get(b.number)?.size ?? 0
        if (hints && hinted > evs.length) {
          const { rpc } = hints
          this.disagree({ rpc: rpc.name, url: rpc.url, what: 'log', l1Block: b.number, claimed: `listed ${hinted} CheckpointProposed log${hinted === 1 ? '' : 's'} in L1 block ${b.number}`, expected: `its proven receipts hold ${evs.length}`, code: 'RECEIPT_MISMATCH' })
        }
        out.push(...evs)
      })
    }
    return out
  }

  /** The rollup's CheckpointProposed events in one block's receipts, once they rebuild its receipts root. */
  private receiptEvents(rpc: L1Rpc, b: ProvenBlock, answer: unknown): ProvenEvent[] {
    if (answer instanceof VigilError) throw answer
    if (!Array.isArray(answer)) throw new VigilError('SOURCE_BAD_RESPONSE', `${rpc.name}: eth_getBlockReceipts(${b.number}) is not a list`, { severity: 'soft' })
    verifyReceiptsRoot(b.header, answer.map(encodeReceipt))
    verifyReceiptPlacement(b.header, b.hash, answer.map(receiptPlacement))
    const out: ProvenEvent[] = []
    let logIndex = 0
    answer.forEach((r: { logs: { address: string; topics: Hex[]; data: Hex }[]; transactionHash?: string }, txIndex: number) => {
      for (const log of r.logs) {
        const at = logIndex++
        if (log.address.toLowerCase() !== this.opts.rollup.toLowerCase() || log.topics[0]?.toLowerCase() !== CHECKPOINT_PROPOSED_TOPIC) continue
        const ev = decodeEventLog({ abi: vigilRollupAbi, eventName: 'CheckpointProposed', topics: log.topics as [Hex, ...Hex[]], data: log.data })
        const a = ev.args as { checkpointNumber: bigint; slot: bigint; checkpointDigest: Hex; proposer: Address }
        out.push({
          checkpointNumber: Number(a.checkpointNumber),
          slot: Number(a.slot),
          digest: a.checkpointDigest.toLowerCase() as Hex,
          proposer: a.proposer.toLowerCase() as Address,
          block: b,
          txIndex,
          txHash: (typeof r.transactionHash === 'string' ? r.transactionHash.toLowerCase() : '0x') as Hex,
          logIndex: at,
        })
      }
    })
    return out
  }

  /**
   * Joins each proven event with its calldata (from any RPC, by block and position) and proves
   * it: the checkpoint hashes to the event's digest, the attestations to the stored
   * attestationsHash (checkpointLog[n] at the anchor, or at the event's own block when the
   * entry was replaced since: an invalidated checkpoint's number is reused).
   */
  private async withCalldata(events: ProvenEvent[], tip: AnchoredBlock, opts: ProveOptions): Promise<MinedCheckpoint[]> {
    const out: MinedCheckpoint[] = []
    for (let i = 0; i < events.length; i += CHECKPOINTS_PER_ROUND) {
      const chunk = events.slice(i, i + CHECKPOINTS_PER_ROUND)
      const logs = await this.checkpointLogs(chunk.map((e) => e.checkpointNumber), tip, opts)
      const stored: CheckpointLogEntry[] = []
      for (const [j, e] of chunk.entries()) {
        let entry = logs[j]!
        if (entry.digest !== e.digest) {
          // replaced since (pruned, then reused): what was stored when it was posted
          const atBlock = provenAt(tip, e.block)
          entry = (await this.checkpointLogs([e.checkpointNumber], atBlock, opts))[0]!
          if (entry.digest !== e.digest) throw new VigilError('PROOF_VALUE_MISMATCH', `checkpointLog[${e.checkpointNumber}] at L1 block ${e.block.number} holds digest ${entry.digest}, its proven event ${e.digest}`, { details: { checkpoint: e.checkpointNumber, l1Block: e.block.number } })
        }
        stored.push(entry)
      }
      const calldata = await this.firstGood(
        'checkpoint',
        async (rpc) => {
          const txs = await rpc.batch(chunk.map((e) => ({ method: 'eth_getTransactionByBlockHashAndIndex', params: [e.block.hash, toQuantity(e.txIndex)] })))
          return chunk.map((e, j) => this.proposeCalldata(rpc, e, stored[j]!, txs[j]))
        },
        opts,
      )
      for (const [j, e] of chunk.entries()) {
        const { checkpointBytes, attestationsBytes, rpc } = calldata[j]!
        const facts = [
          `L1 block ${e.block.number} (${short(e.block.hash)}) is in the anchored chain (${tip.basis})`,
          `its receipts rebuild receiptsRoot ${short(e.block.header.receiptsRoot)}: CheckpointProposed(${e.checkpointNumber}) is log ${e.logIndex}`,
          `calldata checkpoint hashes to the event's digest ${short(e.digest)}`,
          `calldata attestations hash to checkpointLog[${e.checkpointNumber}].attestationsHash ${short(stored[j]!.attestationsHash)} (storage proof)`,
        ]
        let blobs: Hex[] = []
        try {
          blobs = decodeCheckpoint(checkpointBytes).blobVersionedHashes
        } catch {
          // the follower decodes it again and reports why it does not decode
        }
        const proof: L1Proof = { blockNumber: tip.number, blockHash: tip.hash, anchor: tip.anchor, basis: tip.basis, rpc, facts, at: this.now() }
        out.push({
          checkpointNumber: e.checkpointNumber,
          slot: e.slot,
          digest: e.digest,
          checkpointBytes,
          attestationsBytes,
          // VigilRollup.propose checked both (blobhash(i) against the listed hashes, msg.sender against the slot's proposer): the proven event shows it passed
          txBlobVersionedHashes: blobs,
          txFrom: e.proposer,
          txHash: e.txHash,
          l1BlockNumber: e.block.number,
          l1BlockHash: e.block.hash,
          logIndex: e.logIndex,
          proof,
        })
      }
    }
    return out
  }

  /** propose(checkpoint, attestations) calldata of one transaction, checked against the proven digest and attestations hash. */
  private proposeCalldata(rpc: L1Rpc, e: ProvenEvent, stored: CheckpointLogEntry, tx: unknown): { checkpointBytes: Uint8Array; attestationsBytes: Uint8Array; rpc: string } {
    if (tx instanceof VigilError) throw tx
    const input = (tx as { input?: unknown } | null)?.input
    if (typeof input !== 'string') throw new VigilError('SOURCE_BAD_RESPONSE', `${rpc.name}: no transaction ${e.txIndex} in L1 block ${e.block.number}`, { severity: 'soft' })
    let args: readonly unknown[]
    try {
      args = decodeFunctionData({ abi: vigilRollupAbi, data: input as Hex }).args as readonly unknown[]
    } catch {
      throw new VigilError('PROOF_VALUE_MISMATCH', `${rpc.name}: transaction ${e.txIndex} of L1 block ${e.block.number} is not a propose() call, yet its receipt holds checkpoint ${e.checkpointNumber}'s event`, { details: { l1Block: e.block.number } })
    }
    const [cpHex, attHex] = args as [Hex, Hex]
    const checkpointBytes = hexToBytes(cpHex)
    const attestationsBytes = hexToBytes(attHex)
    const cpHash = keccak256Hex(checkpointBytes)
    if (cpHash !== e.digest) throw new VigilError('PROOF_VALUE_MISMATCH', `${rpc.name}: the checkpoint calldata of L1 block ${e.block.number} tx ${e.txIndex} hashes to ${cpHash}, the proven event's digest is ${e.digest}`, { details: { checkpoint: e.checkpointNumber } })
    const attHash = keccak256Hex(attestationsBytes)
    if (attHash !== stored.attestationsHash)
      throw new VigilError('PROOF_VALUE_MISMATCH', `${rpc.name}: the attestations calldata of checkpoint ${e.checkpointNumber} hashes to ${attHash}, the proven checkpointLog holds ${stored.attestationsHash}`, { details: { checkpoint: e.checkpointNumber } })
    return { checkpointBytes, attestationsBytes, rpc: rpc.name }
  }

  /** checkpointLog[n] for each n, proven at `at`. */
  private async checkpointLogs(ns: number[], at: AnchoredBlock, opts: ProveOptions): Promise<CheckpointLogEntry[]> {
    const names = ['lastBlockHash', 'digest', 'attestationsHash', 'lastHeight‖slot']
    const slots = ns.flatMap((n) => {
      const base = checkpointLogSlot(n)
      return [base, base + 1n, base + 2n, base + 3n]
    })
    const words = await this.storage(this.opts.rollup, slots, at, { ...opts, label: (i) => `checkpointLog[${ns[Math.floor(i / 4)]}].${names[i % 4]} at L1 block ${at.number}` })
    return ns.map((_, i) => decodeCheckpointLog([words[4 * i]!, words[4 * i + 1]!, words[4 * i + 2]!, words[4 * i + 3]!]))
  }

  /**
   * The L1 block in [from, to] where checkpoint n (with the digest the anchor's state holds)
   * was proposed, found without logs: bisection over proven state (checkpointLog[n].digest at
   * each probed block), then that block's proven receipts.
   */
  private async searchCheckpoint(n: number, from: number, to: number, opts: ProveOptions): Promise<number | null> {
    const [want] = await this.checkpointLogs([n], this.anchorOrThrow(), opts)
    if (!want || /^0x0+$/.test(want.digest)) return null
    const holds = async (b: number): Promise<boolean> => {
      const [pb] = await this.provenBlocks([b], opts)
      const at = provenAt(this.anchorOrThrow(), pb!)
      const [e] = await this.checkpointLogs([n], at, {})
      return e!.digest === want.digest
    }
    let lo = Math.max(0, from - 1)
    let hi = to
    if (!(await holds(hi))) return null
    if (lo >= 0 && lo < hi && (await holds(lo))) return null // already there before the range
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (await holds(mid)) hi = mid
      else lo = mid
    }
    return hi
  }

  // ------------------------------------------------------------------ blocks

  /** Proven blocks (hash in the anchored chain, header hashing to it), in the order asked. */
  private async provenBlocks(ns: number[], opts: ProveOptions): Promise<ProvenBlock[]> {
    const hashes = await this.hashesAt(ns, opts)
    const need = ns.filter((_, i) => !this.headers.has(hashes[i]!))
    if (need.length) {
      const byNumber = new Map(ns.map((n, i) => [n, hashes[i]!]))
      await this.firstGood(
        'header',
        async (rpc) => {
          const answers = await rpc.batch(need.map((n) => ({ method: 'eth_getBlockByNumber', params: [toQuantity(n), false] })))
          const got = answers.map((a, i) => {
            if (a instanceof VigilError) throw a
            if (a === null) throw new VigilError('SOURCE_BAD_RESPONSE', `${rpc.name}: no L1 block ${need[i]}`, { severity: 'soft' })
            const h = headerFromRpc(a)
            verifyHeaderHash(h, byNumber.get(need[i]!)!)
            return h
          })
          got.forEach((h, i) => this.headers.set(byNumber.get(need[i]!)!, h))
          return got
        },
        opts,
      )
    }
    return ns.map((n, i) => ({ number: n, hash: hashes[i]!, header: this.headers.get(hashes[i]!)! }))
  }

  private async hashAt(n: number, opts: ProveOptions): Promise<Hex> {
    return (await this.hashesAt([n], opts))[0]!
  }

  /**
   * Block hashes proven to be in the anchored chain: EIP-2935 holds the 8191 hashes before a
   * block in its state; older ones are proven at a proven block 8191 later, and so on back.
   */
  private async hashesAt(ns: number[], opts: ProveOptions): Promise<Hex[]> {
    const tip = this.anchorOrThrow()
    const missing = [...new Set(ns.filter((n) => !this.hashes.has(n)))].sort((a, b) => b - a)
    // group by the block whose history contract can prove them: the tip, or a (proven) block ≤ 8191 above
    while (missing.length) {
      const n = missing[0]!
      if (n > tip.number) throw new VigilError('L1_NOT_ANCHORED', `L1 block ${n} is above the anchored block ${tip.number}`, { severity: 'soft' })
      const atNumber = Math.min(tip.number, n + HISTORY_SERVE_WINDOW)
      let at: AnchoredBlock = tip
      if (atNumber !== tip.number) {
        const [pb] = await this.provenBlocks([atNumber], opts)
        at = provenAt(tip, pb!)
      }
      const group = missing.filter((m) => m < at.number && at.number - m <= HISTORY_SERVE_WINDOW)
      const words = await this.storage(HISTORY_CONTRACT, group.map((m) => BigInt(m % HISTORY_SERVE_WINDOW)), at, {
        ...opts,
        label: (i) => `hash of L1 block ${group[i]} (EIP-2935 slot ${group[i]! % HISTORY_SERVE_WINDOW}) at L1 block ${at.number}`,
      })
      group.forEach((m, i) => {
        const h = word32(words[i]!)
        if (words[i] === 0n) throw new VigilError('PROOF_VALUE_MISMATCH', `EIP-2935 holds no hash for L1 block ${m} at block ${at.number} (is the history contract deployed on this chain?)`, { details: { l1Block: m } })
        this.hashes.set(m, h)
      })
      for (const m of group) missing.splice(missing.indexOf(m), 1)
    }
    return ns.map((n) => this.hashes.get(n)!)
  }

  // ------------------------------------------------------------------ proofs

  /**
   * Storage words of `address` proven at block `at` (an eth_getProof per chunk of slots, asked of
   * one RPC after another until one answers with proofs that verify against at.stateRoot).
   */
  private async storage(address: Hex, slots: bigint[], at: AnchoredBlock, opts: ProveOptions & { label: (i: number) => string }): Promise<bigint[]> {
    const out: bigint[] = []
    for (let i = 0; i < slots.length; i += BATCH) {
      const chunk = slots.slice(i, i + BATCH)
      const keys = chunk.map(word32)
      const values = await this.firstGood(
        'proof',
        async (rpc) => {
          const answer = parseGetProof(await rpc.request('eth_getProof', [address, keys, { blockHash: at.hash }]))
          if (answer.address !== address.toLowerCase()) throw new VigilError('PROOF_VALUE_MISMATCH', `${rpc.name}: eth_getProof answered for ${answer.address}, asked ${address}`)
          if (answer.storageProof.length !== keys.length || answer.storageProof.some((s, j) => s.key !== keys[j])) throw new VigilError('PROOF_VALUE_MISMATCH', `${rpc.name}: eth_getProof answered other storage keys than asked`)
          // an account proven absent (e.g. the rollup before its deployment) has only zero words
          if (verifyAccountProof(at.stateRoot, answer.address, answer.accountProof) === null) return keys.map(() => 0n)
          return verifyGetProof(at.stateRoot, answer).storage.map((s) => s.value)
        },
        opts,
      )
      values.forEach((v, j) => opts.checks?.push({ kind: 'storage', title: opts.label(i + j), status: 'pass', detail: `= ${word32(v)} against state root ${short(at.stateRoot)} of L1 block ${at.number}`, error: null }))
      out.push(...values)
    }
    return out
  }

  /**
   * Runs `fn` with one RPC after another (the preferred one first) until one's answer verifies.
   * A hard failure (a proof that does not verify, a value that contradicts a proof) is evidence
   * against that RPC; a soft one (unreachable) only moves on. When none succeeds the last
   * failure is thrown, soft: the fact is not known yet, nothing is concluded from it.
   */
  private async firstGood<T>(what: 'proof' | 'header' | 'receipts' | 'checkpoint', fn: (rpc: L1Rpc) => Promise<T>, opts: ProveOptions): Promise<T> {
    const t0 = performance.now()
    try {
      return await this.tryEach(what, fn, opts)
    } finally {
      this.spent[what].ms += performance.now() - t0
      this.spent[what].rounds++
    }
  }

  /**
   * `fn(rpc)`, asked again (twice, after 150 and 500 ms) when its proof does not verify
   * (PROOF_INVALID): anvil 1.7.1 sometimes answers `eth_getProof` for its latest block from the
   * state of the block it is mining (measured: 36 of 598 proofs under a stream of transactions,
   * none for older blocks). A liar's proof fails every time and is then evidence.
   */
  private async askAgainOnBadProof<T>(rpc: L1Rpc, fn: (rpc: L1Rpc) => Promise<T>, opts: ProveOptions): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn(rpc)
      } catch (e) {
        const wait = PROOF_RETRY_MS[attempt]
        if (!(e instanceof VigilError) || e.code !== 'PROOF_INVALID' || wait === undefined || opts.signal?.aborted) throw e
        await new Promise((r) => setTimeout(r, wait))
      }
    }
  }

  private async tryEach<T>(what: 'proof' | 'header' | 'receipts' | 'checkpoint', fn: (rpc: L1Rpc) => Promise<T>, opts: ProveOptions): Promise<T> {
    const errors: string[] = []
    let last: VigilError | null = null
    for (let k = 0; k < this.rpcs.length; k++) {
      opts.signal?.throwIfAborted()
      const idx = (this.preferred + k) % this.rpcs.length
      const rpc = this.rpcs[idx]!
      try {
        const v = await this.askAgainOnBadProof(rpc, fn, opts)
        this.preferred = idx
        if (what === 'proof') this.proofs.verified++
        return v
      } catch (e) {
        if (opts.signal?.aborted) throw e
        const err = e instanceof VigilError ? e : new VigilError('SOURCE_BAD_RESPONSE', `${rpc.name}: ${(e as Error).message}`, { severity: 'soft', cause: e })
        last = err
        errors.push(`${rpc.name}: ${err.code}`)
        if (err.severity === 'hard') {
          if (what === 'proof') this.proofs.failed++
          this.disagree({ rpc: rpc.name, url: rpc.url, what: what === 'receipts' ? 'log' : what, l1Block: numberIn(err), claimed: err.message.slice(0, 200), expected: '', code: err.code })
          opts.checks?.push({ kind: what === 'proof' ? 'storage' : what === 'receipts' ? 'receipts' : 'header', title: `${what} from ${rpc.name}`, status: 'fail', detail: err.message, error: toErrorRecord(err) })
        }
      }
    }
    throw new VigilError(last?.code ?? 'SOURCE_UNAVAILABLE', `no L1 RPC gave a ${what} that verifies (${errors.join('; ')})`, { severity: 'soft', details: { tried: errors.join('; ') } })
  }
}

/** Checkpoints whose log entries fit one eth_getProof round. */
const CHECKPOINTS_PER_ROUND = BATCH / Number(CHECKPOINT_LOG_WORDS)

/** A proven block of the anchor's chain as a block to prove against (same anchor and basis). */
function provenAt(anchor: AnchoredBlock, b: ProvenBlock): AnchoredBlock {
  return { ...anchor, number: b.number, hash: b.hash, stateRoot: b.header.stateRoot, receiptsRoot: b.header.receiptsRoot, timestamp: Number(b.header.timestamp) }
}
/** Waits before asking an RPC again for a proof that did not verify (anvil's race, below). */
const PROOF_RETRY_MS = [150, 500]


function short(h: string): string {
  return h.length > 14 ? `${h.slice(0, 10)}…` : h
}

function numberIn(e: VigilError): number | null {
  const v = e.details?.l1Block ?? e.details?.number
  return typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null
}
