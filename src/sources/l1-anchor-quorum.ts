/**
 * The RPC-quorum anchor (docs/trust.md): for networks whose beacon node has no light-client
 * API (anvil has none), an L1 block is believed to be Ethereum's only when k of the n
 * independent RPCs name the same hash for it, and each header they serve hashes (RLP,
 * keccak) to the hash they claim.
 *
 * One round asks every RPC, in one batch each, for its `latest` and `finalized` headers. The
 * block compared is the k-th highest head minus `depth` (so k RPCs have it); the finalized block
 * compared is the k-th highest finalized number, never above that. A group of ≥ k RPCs agreeing
 * on a hash anchors it; every RPC outside the group is evidence (L1_RPC_DISAGREES naming what it
 * claimed), and a header that does not hash to its claimed hash is too (HEADER_HASH_MISMATCH).
 * Without k in agreement nothing advances: the view says who claimed what (L1_QUORUM_NOT_REACHED).
 * An RPC that claims finality more than one block beyond what the quorum finalizes is evidence.
 */
import { VigilError, toErrorRecord, type ErrorRecord } from '../core/errors'
import type { AbortOptions, Hex } from '../core/types'
import type { AnchorHeads, AnchoredBlock, DisagreementSink, L1Anchor, L1AnchorView } from '../ports/anchor'
import { headerFromRpc, type ExecutionHeader } from '../protocol/eth/header'
import { verifyHeaderHash } from '../verify/execution'
import { toQuantity, type L1Rpc } from './l1-rpc'

export interface QuorumAnchorOptions {
  /** How many RPCs must agree (1 ≤ k ≤ n). */
  k: number
  /** Blocks below the k-th highest head at which hashes are compared (default 0). */
  depth?: number
  onDisagreement?: DisagreementSink
  now?: () => number
}

/** A header an RPC served, checked to hash to the hash it claimed. */
interface Claim {
  rpc: L1Rpc
  header: ExecutionHeader
  hash: Hex
}

/** How far past the quorum's finalized block an RPC may claim finality before it counts as a lie (RPCs a block apart are honest). */
const FINALIZED_SLACK = 1

export class QuorumAnchor implements L1Anchor {
  readonly kind = 'rpc-quorum' as const
  private current: AnchorHeads = { latest: null, finalized: null }
  private state: L1AnchorView['state'] = 'starting'
  private error: ErrorRecord | null = null
  private round: NonNullable<L1AnchorView['quorum']>
  private updatedAt: number | null = null
  private readonly k: number
  private readonly depth: number
  private readonly now: () => number

  constructor(
    private readonly rpcs: readonly L1Rpc[],
    private readonly opts: QuorumAnchorOptions,
  ) {
    if (rpcs.length === 0) throw new VigilError('CONFIG_INVALID', 'the RPC quorum needs at least one L1 RPC URL')
    if (!Number.isInteger(opts.k) || opts.k < 1 || opts.k > rpcs.length) throw new VigilError('CONFIG_INVALID', `l1 quorum k = ${opts.k} must be an integer from 1 to ${rpcs.length} (the number of L1 RPC URLs)`)
    this.k = opts.k
    this.depth = opts.depth ?? 0
    this.now = opts.now ?? Date.now
    this.round = { k: this.k, n: rpcs.length, depth: this.depth, at: null, agreeing: [], dissenting: [], unavailable: [] }
  }

  heads(): AnchorHeads {
    return this.current
  }

  view(): L1AnchorView {
    const l = this.current.latest
    const summary =
      this.state === 'stalled'
        ? `stalled: ${this.error?.message ?? 'no quorum'}`
        : l
          ? `${this.round.agreeing.length} of ${this.round.n} RPCs agree at L1 block ${l.number} (k = ${this.k})`
          : `waiting for ${this.k} of ${this.round.n} RPCs to agree`
    return { kind: this.kind, state: this.state, summary, latest: this.current.latest, finalized: this.current.finalized, quorum: { ...this.round }, error: this.error, updatedAt: this.updatedAt }
  }

  async update(opts: AbortOptions = {}): Promise<AnchorHeads> {
    const signal = opts.signal
    // 1. every RPC's latest and finalized headers (one batch each, in parallel)
    const tops = await Promise.all(this.rpcs.map((rpc) => this.ask(rpc, ['latest', 'finalized'])))
    signal?.throwIfAborted()
    const unavailable = this.rpcs.filter((_, i) => tops[i] === null).map((r) => r.name)
    const latest = tops.flatMap((t) => (t?.[0] ? [t[0]] : []))
    if (latest.length < this.k) return this.stall(unavailable, `only ${latest.length} of ${this.rpcs.length} L1 RPCs answered with a header that hashes to its claimed hash; ${this.k} must agree`, {})
    const target = Math.max(0, sortedDesc(latest.map((c) => Number(c.header.number)))[this.k - 1]! - this.depth)
    const finNumbers = tops.flatMap((t) => (t?.[1] ? [Number(t[1].header.number)] : []))
    const finTarget = finNumbers.length >= this.k ? Math.min(target, sortedDesc(finNumbers)[this.k - 1]!) : null

    // 2. each RPC's header at the compared heights (reused when its head or finalized is that block)
    const at = await Promise.all(
      this.rpcs.map(async (rpc, i) => {
        const top = tops[i]
        if (!top) return null
        const have = (n: number | null) => (n === null ? undefined : top.find((c) => c && Number(c.header.number) === n))
        const want = [target, finTarget].filter((n): n is number => n !== null && !have(n))
        const fetched = want.length ? await this.ask(rpc, [...new Set(want)]) : []
        const pick = (n: number | null): Claim | null => (n === null ? null : (have(n) ?? fetched?.find((c) => c && Number(c.header.number) === n) ?? null))
        return { latest: pick(target), finalized: pick(finTarget), claimedFinal: top[1] ? Number(top[1].header.number) : null }
      }),
    )
    signal?.throwIfAborted()

    // 3. groups by hash: ≥ k agreeing anchor it, the rest is evidence
    const latestClaims = at.flatMap((a) => (a?.latest ? [a.latest] : []))
    const won = this.agree(latestClaims, 'head', target)
    const answered = new Set(latestClaims.map((c) => c.rpc.name))
    this.round = {
      k: this.k,
      n: this.rpcs.length,
      depth: this.depth,
      at: target,
      agreeing: won?.map((c) => c.rpc.name) ?? [],
      dissenting: won ? latestClaims.filter((c) => !won.includes(c)).map((c) => c.rpc.name) : latestClaims.map((c) => c.rpc.name),
      unavailable: this.rpcs.map((r) => r.name).filter((n) => !answered.has(n)),
    }
    if (!won) {
      const claims = Object.fromEntries(latestClaims.map((c) => [c.rpc.name, c.hash]))
      return this.stall(this.round.unavailable, `fewer than ${this.k} of ${this.rpcs.length} L1 RPCs agree on the hash of L1 block ${target}: ${latestClaims.map((c) => `${c.rpc.name} says ${c.hash.slice(0, 10)}…`).join(', ') || 'no answers'}`, claims)
    }
    const now = this.now()
    const latestBlock = this.anchored(won[0]!, `${won.length} of ${this.rpcs.length} RPCs agree at L1 block ${target}`)
    let finalBlock = this.current.finalized
    if (finTarget !== null) {
      const finClaims = at.flatMap((a) => (a?.finalized ? [a.finalized] : []))
      const finWon = this.agree(finClaims, 'finalized', finTarget)
      if (finWon) finalBlock = this.anchored(finWon[0]!, `${finWon.length} of ${this.rpcs.length} RPCs agree that L1 block ${finTarget} is finalized`)
      // finality claimed beyond what the quorum finalizes (more than a block ahead): a lie about finality
      for (const [i, a] of at.entries()) {
        if (a?.claimedFinal != null && a.claimedFinal > finTarget + FINALIZED_SLACK) {
          const rpc = this.rpcs[i]!
          this.opts.onDisagreement?.({
            rpc: rpc.name,
            url: rpc.url,
            what: 'finalized',
            l1Block: a.claimedFinal,
            claimed: `L1 block ${a.claimedFinal} is finalized`,
            expected: `${this.k} of ${this.rpcs.length} RPCs finalize only up to L1 block ${finTarget}`,
            code: 'L1_RPC_DISAGREES',
          })
        }
      }
    }
    this.current = { latest: latestBlock, finalized: finalBlock && finalBlock.number <= latestBlock.number ? finalBlock : this.current.finalized }
    this.state = 'synced'
    this.error = null
    this.updatedAt = now
    return this.current
  }

  /** The largest group of claims with one hash when it has ≥ k members; every claim outside it is reported. */
  private agree(claims: Claim[], what: 'head' | 'finalized', n: number): Claim[] | null {
    const groups = new Map<Hex, Claim[]>()
    for (const c of claims) groups.set(c.hash, [...(groups.get(c.hash) ?? []), c])
    const best = [...groups.values()].sort((a, b) => b.length - a.length)[0]
    if (!best || best.length < this.k) return null
    for (const c of claims) {
      if (c.hash === best[0]!.hash) continue
      this.opts.onDisagreement?.({
        rpc: c.rpc.name,
        url: c.rpc.url,
        what,
        l1Block: n,
        claimed: `L1 block ${n} is ${c.hash}`,
        expected: `${best.length} of ${this.rpcs.length} RPCs: ${best[0]!.hash}`,
        code: 'L1_RPC_DISAGREES',
      })
    }
    return best
  }

  private anchored(c: Claim, basis: string): AnchoredBlock {
    return { number: Number(c.header.number), hash: c.hash, stateRoot: c.header.stateRoot, receiptsRoot: c.header.receiptsRoot, timestamp: Number(c.header.timestamp), anchor: this.kind, basis }
  }

  private stall(unavailable: string[], message: string, claims: Record<string, string>): AnchorHeads {
    this.state = 'stalled'
    this.error = toErrorRecord(new VigilError('L1_QUORUM_NOT_REACHED', message, { severity: 'soft', details: { k: this.k, n: this.rpcs.length, unavailable: unavailable.join(',') || null, ...claims } }))
    this.round = { ...this.round, agreeing: [], unavailable }
    this.updatedAt = this.now()
    return this.current
  }

  /**
   * Headers by tag or number from one RPC, each checked to hash to its claimed hash; null when
   * the RPC did not answer (its stats say why). A header that does not hash is evidence and
   * is left out (undefined in its place).
   */
  private async ask(rpc: L1Rpc, which: (number | 'latest' | 'finalized')[]): Promise<(Claim | undefined)[] | null> {
    let answers: unknown[]
    try {
      answers = await rpc.batch(which.map((w) => ({ method: 'eth_getBlockByNumber', params: [typeof w === 'number' ? toQuantity(w) : w, false] })))
    } catch (e) {
      if (e instanceof VigilError) return null
      throw e
    }
    return answers.map((a, i) => {
      if (a instanceof VigilError || a === null) return undefined
      const claimed = (a as { hash?: unknown }).hash
      try {
        const header = headerFromRpc(a)
        if (typeof claimed !== 'string') throw new VigilError('SOURCE_BAD_RESPONSE', `${rpc.name}: block ${String(which[i])} has no hash`, { severity: 'soft' })
        return { rpc, header, hash: verifyHeaderHash(header, claimed as Hex) }
      } catch (e) {
        const err = e instanceof VigilError ? e : new VigilError('SOURCE_BAD_RESPONSE', `${rpc.name}: ${(e as Error).message}`, { severity: 'soft' })
        if (err.code === 'HEADER_HASH_MISMATCH')
          this.opts.onDisagreement?.({ rpc: rpc.name, url: rpc.url, what: 'header', l1Block: typeof which[i] === 'number' ? (which[i] as number) : null, claimed: `block ${String(which[i])} is ${String(claimed)}`, expected: err.message, code: err.code })
        else rpc.stats.verdict(false, err)
        return undefined
      }
    })
  }
}

function sortedDesc(xs: number[]): number[] {
  return [...xs].sort((a, b) => b - a)
}
