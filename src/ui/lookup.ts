/**
 * Finding what a page needs from the client's read-only queries (no worker change): a
 * checkpoint by number through the block list (checkpoint numbers grow with height on the
 * canonical chain, so a binary search over held heights finds its first block), then the
 * block's checkpoint views. O(log n) window reads.
 */
import type { BlockListPage, BlockListQuery, BlockView, CheckpointView } from '../client/shared/types'

export interface LookupClient {
  listBlocks(q?: BlockListQuery): Promise<BlockListPage>
  getBlock(q: string | number): Promise<BlockView | null>
}

const WINDOW = 16

/** The lowest held height ≥ `h` with its checkpoint number (a window read; null past the top or in a long gap). */
async function firstAtOrAbove(client: LookupClient, h: number): Promise<{ height: number; checkpointNumber: number; hash: string } | null> {
  const page = await client.listBlocks({ fromHeight: h, toHeight: h + WINDOW - 1, limit: WINDOW })
  const row = [...page.rows].sort((a, b) => a.height - b.height)[0]
  return row ? { height: row.height, checkpointNumber: row.block.checkpointNumber, hash: row.block.hash } : null
}

export interface CheckpointLookup {
  checkpoint: CheckpointView
  /** The block the view was read from (the checkpoint's first held block). */
  block: BlockView
}

/** Checkpoint `n` as this client holds it (finalized or mined view first), or null when no held block belongs to it. */
export async function findCheckpoint(client: LookupClient, n: number): Promise<CheckpointLookup | null> {
  const range = await client.listBlocks({ limit: 1 })
  if (range.lowest === null || range.highest === null) return null
  let lo = range.lowest
  let hi = range.highest
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    const at = await firstAtOrAbove(client, mid)
    if (!at || at.checkpointNumber >= n) hi = mid
    else lo = at.height + 1
  }
  const first = await firstAtOrAbove(client, lo)
  if (!first || first.checkpointNumber !== n) return null
  const block = await client.getBlock(first.hash)
  if (!block) return null
  const views = block.checkpoints.filter((c) => c.checkpointNumber === n)
  const rank = (c: CheckpointView) => ['finalized', 'mined', 'attested', 'proposed', 'invalid', 'orphaned'].indexOf(c.status)
  const checkpoint = [...views].sort((a, b) => rank(a) - rank(b))[0]
  return checkpoint ? { checkpoint, block } : null
}
