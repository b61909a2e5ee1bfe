/**
 * The devnet's chain as a full node holds it, for serving over req/resp: signed headers and
 * bodies by height and by hash, with an optional retention window (a pruned node drops
 * headers and bodies older than `window` blocks below its head, as EIP-4444 history expiry
 * does, and announces the earliest height it still holds). Fed from the devnet's own events.
 */
import type { Hex } from '../core/types'
import type { BlockHeader } from '../protocol/header'
import { SIGNED_HEADER_VERSION, type SignedHeader } from '../protocol/signed-header'
import { ZERO_HASH } from '../protocol/bytes'
import type { ChainServer, ChainStatus } from '../p2p/protocols/common'

export interface ChainDbOptions {
  /** Keep headers of the newest `headerWindow` heights (default: all). */
  headerWindow?: number
  /** Keep bodies of the newest `bodyWindow` heights (default: all). */
  bodyWindow?: number
}

interface Entry {
  hash: Hex
  signed: SignedHeader
  body: Uint8Array | null
  mined: boolean
}

export class ChainDb implements ChainServer {
  private readonly byHeight = new Map<number, Entry>()
  private readonly byHash = new Map<Hex, Entry>()
  private latest = 0
  private lowestHeader = 1
  private lowestBody = 1
  readonly headerWindow: number
  readonly bodyWindow: number

  constructor(opts: ChainDbOptions = {}) {
    this.headerWindow = opts.headerWindow ?? Infinity
    this.bodyWindow = Math.min(opts.bodyWindow ?? Infinity, this.headerWindow)
  }

  /**
   * Adds a block at the head. A block at a height already held replaces it and everything
   * above (the builder rewound after a checkpoint failed to land).
   */
  add(b: { header: BlockHeader; hash: Hex; signature: Uint8Array; bodyBytes: Uint8Array }): void {
    const h = b.header.height
    if (h <= this.latest) this.truncateFrom(h)
    const e: Entry = { hash: b.hash, signed: { version: SIGNED_HEADER_VERSION, header: b.header, signature: b.signature }, body: b.bodyBytes, mined: false }
    this.byHeight.set(h, e)
    this.byHash.set(b.hash, e)
    this.latest = h
    if (this.byHeight.size === 1) {
      this.lowestHeader = h
      this.lowestBody = h
    }
    this.prune()
  }

  markMined(hashes: Hex[]): void {
    for (const h of hashes) {
      const e = this.byHash.get(h)
      if (e) e.mined = true
    }
  }

  /** The blocks of a checkpoint that never landed: dropped with everything above them. */
  abandon(hashes: Hex[]): void {
    let lowest = Infinity
    for (const h of hashes) {
      const e = this.byHash.get(h)
      if (e) lowest = Math.min(lowest, e.signed.header.height)
    }
    if (lowest !== Infinity) this.truncateFrom(lowest)
  }

  private truncateFrom(height: number): void {
    for (let h = height; h <= this.latest; h++) {
      const e = this.byHeight.get(h)
      if (!e) continue
      this.byHeight.delete(h)
      this.byHash.delete(e.hash)
    }
    this.latest = Math.max(0, height - 1)
    if (this.byHeight.size === 0) {
      this.lowestHeader = this.latest + 1
      this.lowestBody = this.latest + 1
    }
  }

  private prune(): void {
    const keepHeadersFrom = this.headerWindow === Infinity ? 1 : this.latest - this.headerWindow + 1
    const keepBodiesFrom = this.bodyWindow === Infinity ? 1 : this.latest - this.bodyWindow + 1
    for (; this.lowestHeader < keepHeadersFrom; this.lowestHeader++) {
      const e = this.byHeight.get(this.lowestHeader)
      if (!e) continue
      this.byHeight.delete(this.lowestHeader)
      this.byHash.delete(e.hash)
    }
    for (this.lowestBody = Math.max(this.lowestBody, this.lowestHeader); this.lowestBody < keepBodiesFrom; this.lowestBody++) {
      const e = this.byHeight.get(this.lowestBody)
      if (e) e.body = null
    }
  }

  status(): ChainStatus {
    const head = this.byHeight.get(this.latest)
    return {
      earliestHeader: this.byHeight.size === 0 ? this.latest + 1 : this.lowestHeader,
      earliestBody: this.byHeight.size === 0 ? this.latest + 1 : this.lowestBody,
      latest: this.latest,
      headHash: head?.hash ?? ZERO_HASH,
    }
  }

  headersByRange(from: number, count: number): SignedHeader[] {
    const out: SignedHeader[] = []
    for (let h = from; h < from + count; h++) {
      const e = this.byHeight.get(h)
      if (!e) break
      out.push(e.signed)
    }
    return out
  }

  bodiesByHash(hashes: Hex[]): { hash: Hex; bytes: Uint8Array }[] {
    const out: { hash: Hex; bytes: Uint8Array }[] = []
    for (const hash of hashes) {
      const e = this.byHash.get(hash.toLowerCase() as Hex)
      if (e?.body) out.push({ hash: e.hash, bytes: e.body })
    }
    return out
  }

  /** The height of a held block, for counters (undefined when not held). */
  heightOf(hash: Hex): number | undefined {
    return this.byHash.get(hash.toLowerCase() as Hex)?.signed.header.height
  }

  get size(): number {
    return this.byHeight.size
  }
}
