/**
 * The one in-memory L1 port for unit tests: the rollup's parameters and committee, the L1
 * blocks and mined checkpoints a test puts in (none by default), and a `down` switch that
 * makes every read fail softly as an unreachable RPC does. Implements `L1Port`
 * (src/ports/l1.ts) plus the explorer's `readCommittee` and `anchored` (none: nothing it says is
 * proven, so Verify now reports L1 as not checked).
 */
import { VigilError } from '../../src/core/errors'
import type { AbortOptions, Address } from '../../src/core/types'
import type { L1Block, L1Port, MinedCheckpoint, RollupParams } from '../../src/ports/l1'

export class MemoryL1 implements L1Port {
  /** true: every read throws SOURCE_UNAVAILABLE (soft), as an unreachable RPC. */
  down = false
  /** The L1 chain, oldest first (block numbers need not start at 0). Empty: `block()` answers null. */
  readonly blocks: L1Block[] = []
  /** Mined checkpoints, in L1 order; `minedCheckpoints(from, to)` returns those in L1 blocks from..to. */
  readonly mined: MinedCheckpoint[] = []
  private readonly committeeOf: (epoch: number) => Address[]

  constructor(
    readonly params: RollupParams,
    committee: readonly Address[] | ((epoch: number) => Address[]),
    /** How many blocks `finalized` trails `latest` (default 2, anvil's with --slots-in-an-epoch 1). */
    private readonly finalityDepth = 2,
  ) {
    this.committeeOf = typeof committee === 'function' ? committee : () => [...committee]
  }

  private check(): void {
    if (this.down) throw new VigilError('SOURCE_UNAVAILABLE', 'L1 RPC unreachable (test)', { severity: 'soft' })
  }

  async rollupParams(): Promise<RollupParams> {
    this.check()
    return this.params
  }

  async committee(epoch: number): Promise<Address[]> {
    this.check()
    return this.committeeOf(epoch)
  }

  /** The committee read straight from L1 (what the explorer's Verify now asks). */
  async readCommittee(epoch: number): Promise<Address[]> {
    return this.committee(epoch)
  }

  anchored(): null {
    return null
  }

  async block(tag: 'latest' | 'finalized' | number): Promise<L1Block | null> {
    this.check()
    const latest = this.blocks.at(-1)
    if (!latest) return null
    const n = tag === 'latest' ? latest.number : tag === 'finalized' ? latest.number - this.finalityDepth : tag
    return this.blocks.find((b) => b.number === n) ?? null
  }

  async minedCheckpoints(from: number, to: number, opts: AbortOptions = {}): Promise<MinedCheckpoint[]> {
    opts.signal?.throwIfAborted()
    this.check()
    return this.mined.filter((c) => c.l1BlockNumber >= from && c.l1BlockNumber <= to)
  }
}
