/** Helpers over stored rows (src/ports/store.ts): the checkpoint row, block summaries, tips from rows. */
import type { ErrorRecord } from '../core/errors'
import { LIVE_STATUSES, STATUS_RANK, type Address, type BlockStatus, type Hex, type LiveStatus, type TipRef, type Tips } from '../core/types'
import type { BlockChecks, BlockSummary } from '../core/records'
import { headerHash, type DecodedHeader } from '../protocol/header'
import type { Checkpoint } from '../protocol/checkpoint'
import { quorumOf } from '../protocol/schedule'
import type { BlockRow, CheckpointRow, StoreUpdate } from '../ports/store'

export function checkpointRow(
  cp: Checkpoint,
  digest: Hex,
  status: CheckpointRow['status'],
  signers: Address[],
  committeeSize: number,
  error: ErrorRecord | null,
  l1: CheckpointRow['l1'],
  now: number,
): CheckpointRow {
  return {
    id: `${cp.checkpointNumber}:${digest}`,
    checkpointNumber: cp.checkpointNumber,
    slot: cp.slot,
    digest,
    headerHashes: cp.headers.map(headerHash),
    blobVersionedHashes: cp.blobVersionedHashes,
    signers,
    committeeSize,
    quorum: committeeSize ? quorumOf(committeeSize) : 0,
    status,
    error,
    l1,
    updatedAt: now,
  }
}

export const emptyTips = (): Tips => ({ proposed: null, attested: null, mined: null, finalized: null })

/** Raises `tips` (in place) to the canonical `row` for every status it has reached. */
export function raiseTips(tips: Tips, row: BlockRow): void {
  if (row.status === 'orphaned' || row.status === 'invalid') return
  const rank = STATUS_RANK[row.status as LiveStatus]
  for (const s of LIVE_STATUSES) {
    if (STATUS_RANK[s] > rank) continue
    const tip = tips[s]
    if (!tip || tip.height < row.height || (tip.height === row.height && tip.hash !== row.hash)) tips[s] = tipRef(row)
  }
}

/** The tips of the canonical chain (`canonical`: height → hash, `blocks`: rows in memory); `previous` keeps tips below the window. */
export function computeTips(canonical: ReadonlyMap<number, Hex>, blocks: ReadonlyMap<Hex, BlockRow>, previous: Tips): Tips {
  const tips = emptyTips()
  const heights = [...canonical.keys()].sort((a, b) => b - a)
  for (const height of heights) {
    const row = blocks.get(canonical.get(height)!)
    if (!row || row.status === 'orphaned' || row.status === 'invalid') continue
    const rank = STATUS_RANK[row.status as LiveStatus]
    for (const s of LIVE_STATUSES) if (STATUS_RANK[s] <= rank && !tips[s]) tips[s] = tipRef(row)
    if (tips.finalized) break
  }
  // below the in-memory window: keep the stored tip if nothing in memory replaces it
  // (a tip whose block is in memory but off the canonical chain — invalid, orphaned — is not kept)
  for (const s of LIVE_STATUSES) if (!tips[s] && previous[s] && !canonical.has(previous[s]!.height) && !blocks.has(previous[s]!.hash)) tips[s] = previous[s]
  return tips
}

/** Adds `row` to the update's blocks once. */
export function touch(update: StoreUpdate, row: BlockRow): void {
  if (!update.blocks!.includes(row)) update.blocks!.push(row)
}

export function tipRef(row: BlockRow): TipRef {
  return { height: row.height, hash: row.hash, timestamp: row.timestamp }
}

/** The status a block had before it was marked invalid (from its history); null when it was created invalid. */
export function statusBeforeInvalid(row: BlockRow): BlockStatus | null {
  let i = row.history.length - 1
  while (i >= 0 && row.history[i]![0] === 'invalid') i--
  return i >= 0 ? row.history[i]![0] : null
}

export function summarize(r: BlockRow): BlockSummary {
  return {
    hash: r.hash,
    height: r.height,
    slot: r.slot,
    checkpointNumber: r.checkpointNumber,
    indexInCheckpoint: r.indexInCheckpoint,
    timestamp: r.timestamp,
    proposer: r.proposer,
    parentHash: r.parentHash,
    txCount: r.txCount,
    status: r.status,
    checks: { ...r.checks },
    error: r.error,
    source: r.source,
    receivedAt: r.receivedAt,
  }
}

/** The stored row of a new block (header `h`, first seen now with `status`). */
export function blockRow(h: DecodedHeader, status: BlockStatus, checks: BlockChecks, source: string, sig: Uint8Array | null, now: number): BlockRow {
  return {
    hash: h.hash,
    height: h.height,
    slot: h.slot,
    checkpointNumber: h.checkpointNumber,
    indexInCheckpoint: h.indexInCheckpoint,
    timestamp: h.timestamp,
    parentHash: h.parentHash,
    proposer: h.proposer.toLowerCase() as Address,
    txCount: h.txCount,
    headerBytes: h.bytes,
    proposalSignature: sig,
    status,
    checks,
    error: null,
    source,
    receivedAt: now,
    history: [[status, now]],
  }
}
