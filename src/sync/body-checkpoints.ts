/**
 * The mined checkpoints the body pipeline reads blobs by: which mined checkpoint (with its L1
 * block and versioned hashes) holds a block, and that checkpoint's headers. Kept from the
 * engine's commits; older ones are read from the store (and kept).
 */
import type { BlockHeader } from '../protocol/header'
import { decodeHeader } from '../protocol/header'
import type { ChainStore, CheckpointRow, StoreUpdate } from '../ports/store'
import type { Hex } from '../core/types'

export const MINED = new Set(['mined', 'finalized'])

export const CHECKPOINT_CACHE_DEFAULTS = {
  /** Checkpoints kept in memory; when more, the oldest `evict` go. */
  size: 4_096,
  evict: 1_024,
} as const

export class MinedCheckpoints {
  private readonly byNumber = new Map<number, CheckpointRow>()

  constructor(private readonly store: Pick<ChainStore, 'checkpointsNumbered' | 'getBlock'>) {}

  /** Follows a commit: mined checkpoints kept, ones no longer mined (L1 rollback) dropped. */
  onCommitted(u: Readonly<StoreUpdate>): void {
    for (const c of u.checkpoints ?? []) {
      if (MINED.has(c.status) && c.l1) this.byNumber.set(c.checkpointNumber, c)
      else if (this.byNumber.get(c.checkpointNumber)?.id === c.id) this.byNumber.delete(c.checkpointNumber)
    }
    if (this.byNumber.size > CHECKPOINT_CACHE_DEFAULTS.size)
      for (const k of [...this.byNumber.keys()].sort((a, b) => a - b).slice(0, CHECKPOINT_CACHE_DEFAULTS.evict)) this.byNumber.delete(k)
  }

  /** The mined checkpoint numbered `checkpointNumber` that holds block `hash`, if any. */
  async of(checkpointNumber: number, hash: Hex): Promise<CheckpointRow | undefined> {
    const has = (c: CheckpointRow | undefined) => !!c && MINED.has(c.status) && !!c.l1 && c.headerHashes.includes(hash)
    const mem = this.byNumber.get(checkpointNumber)
    if (has(mem)) return mem
    const rows = await this.store.checkpointsNumbered(checkpointNumber)
    const found = rows.find(has)
    if (found) this.byNumber.set(found.checkpointNumber, found)
    return found
  }

  /** The checkpoint's headers, in order, when all are stored. */
  async headers(cp: CheckpointRow): Promise<BlockHeader[] | null> {
    const rows = await Promise.all(cp.headerHashes.map((h) => this.store.getBlock(h)))
    if (rows.some((r) => !r)) return null
    return rows.map((r) => decodeHeader(r!.headerBytes))
  }
}
