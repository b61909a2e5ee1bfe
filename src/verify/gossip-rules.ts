/**
 * Gossip validation rules (docs/verification.md § Gossip validation): what a proposal must pass
 * before its signature is even checked, as strict as op-node's and Aztec's block-proposal
 * validators. Pure and synchronous like the rest of the wing; the clock is a parameter, so the
 * caller (the engine: `EngineOptions.now`) decides what "now" is and tests control it.
 *
 * One rule per function, each throwing a `VigilError` with its own code and severity:
 * soft → gossip `ignore` (no penalty), hard → `reject` (the peer is penalised). The engine runs
 * them for every entry of a signed header — gossip, req/resp, backup sync, the file store — so
 * a byzantine proposer holding the slot's real key cannot get any of these shown as a block.
 * Stateful parts (first-seen per slot position, the seen-cache) live in src/sync.
 */
import { VigilError, type ErrorCode } from '../core/errors'
import type { Hex } from '../core/types'
import type { BlockHeader } from '../protocol/header'
import type { BlockBody } from '../protocol/body'
import { MAX_BLOCKS_PER_CHECKPOINT } from '../protocol/checkpoint'
import { TOPIC_MAX_BYTES, type TopicKind } from '../protocol/topics'
import type { Schedule } from '../protocol/schedule'
import { verifyHeaderFields, verifyProposalTxHashes } from './rules'

type Details = Record<string, string | number | boolean | null>

function fail(code: ErrorCode, message: string, details: Details, severity: 'hard' | 'soft' = 'hard'): never {
  throw new VigilError(code, message, { severity, details })
}

// ------------------------------------------------------------------ sizes (before decoding)

/** The largest valid message of each gossip topic (src/protocol/topics.ts, from the protocol's caps). */
export const GOSSIP_MAX_BYTES = TOPIC_MAX_BYTES

export type GossipKind = TopicKind

/** Rule `size`: a message is at most its topic's cap (MESSAGE_TOO_LARGE, hard), checked before decoding. */
export function checkMessageSize(kind: GossipKind, size: number): void {
  const max = GOSSIP_MAX_BYTES[kind]
  if (size > max) fail('MESSAGE_TOO_LARGE', `${kind} message of ${size} bytes, at most ${max} allowed`, { kind, got: size, max })
}

// ------------------------------------------------------------------ the clock window

/**
 * How far ahead of the local clock a proposal's slot may start: 2 s. A proposer builds at the
 * start of its slot, so an honest proposal's slot has started by the receiver's clock up to
 * clock skew and delivery; op-node allows 5 s of future timestamps, Ethereum's gossip 500 ms of
 * clock disparity, Aztec the current and the next slot. 2 s covers a loaded devnet machine and
 * refuses everything a proposer could sign ahead of time.
 */
export const CLOCK_TOLERANCE_MS = 2_000

/** Start of `slot` in unix milliseconds. */
export function slotStartMs(s: Schedule, slot: number): number {
  return (s.genesisTime + slot * s.slotDuration) * 1000
}

/**
 * Rule `future-slot`: the header's slot has started by the local clock, give or take
 * `toleranceMs` (SLOT_IN_FUTURE, soft: ignored — it may be valid later; not penalised, not
 * remembered, so it cannot occupy the slot position before its time).
 */
export function checkSlotNotInFuture(h: BlockHeader, s: Schedule, nowMs: number, toleranceMs = CLOCK_TOLERANCE_MS): void {
  const start = slotStartMs(s, h.slot)
  if (start > nowMs + toleranceMs)
    fail('SLOT_IN_FUTURE', `block ${h.height} is for slot ${h.slot}, which starts ${Math.round((start - nowMs) / 1000)} s from now`, { height: h.height, slot: h.slot, slotStartMs: start, nowMs, toleranceMs }, 'soft')
}

/**
 * Rule `timestamp-in-slot`: the header's timestamp (ms) lies in the slot it names,
 * [slot start, next slot start) (TIMESTAMP_OUT_OF_SLOT, hard: the proposer signed it).
 */
export function checkTimestampInSlot(h: BlockHeader, s: Schedule): void {
  const start = slotStartMs(s, h.slot)
  const end = start + s.slotDuration * 1000
  if (!(h.timestamp >= start && h.timestamp < end))
    fail('TIMESTAMP_OUT_OF_SLOT', `block ${h.height} has timestamp ${h.timestamp}, outside its slot ${h.slot} [${start}, ${end})`, { height: h.height, slot: h.slot, got: h.timestamp, from: start, to: end })
}

// ------------------------------------------------------------------ header fields

/**
 * Rule `header-consistency`: height, checkpoint number, index and slot agree with one another
 * without the parent (CHECKPOINT_MISMATCH, hard). Each checkpoint holds 1..32 blocks and takes
 * a slot of its own (slot 0 included), so: index < height, checkpointNumber ≤ height ≤
 * 32 · checkpointNumber, and checkpointNumber ≤ slot + 1. The parent-relative rules are
 * `verifyLinkage` (rules.ts).
 */
export function checkHeaderConsistency(h: BlockHeader): void {
  const at = { height: h.height, slot: h.slot, checkpoint: h.checkpointNumber, index: h.indexInCheckpoint }
  if (h.indexInCheckpoint >= h.height) fail('CHECKPOINT_MISMATCH', `block ${h.height} cannot be at index ${h.indexInCheckpoint} of its checkpoint`, at)
  if (h.checkpointNumber > h.height) fail('CHECKPOINT_MISMATCH', `block ${h.height} cannot be in checkpoint ${h.checkpointNumber}: every checkpoint holds a block`, at)
  if (h.height > h.checkpointNumber * MAX_BLOCKS_PER_CHECKPOINT)
    fail('CHECKPOINT_MISMATCH', `block ${h.height} cannot be in checkpoint ${h.checkpointNumber}: at most ${MAX_BLOCKS_PER_CHECKPOINT} blocks per checkpoint`, at)
  if (h.checkpointNumber > h.slot + 1) fail('CHECKPOINT_MISMATCH', `checkpoint ${h.checkpointNumber} cannot be in slot ${h.slot}: one checkpoint per slot`, at)
}

export interface ProposalHeaderOptions {
  l2ChainId: number
  schedule: Schedule
  /** The local clock, unix ms. */
  nowMs: number
  toleranceMs?: number
}

/**
 * Every header rule a signed header from any source passes before its signature is checked,
 * cheapest first: `future-slot` (soft), `verifyHeaderFields` (version, chain id, height ≥ 1,
 * checkpoint ≥ 1, index < 32, txCount ≤ 4096, proposer ≠ 0), `timestamp-in-slot`,
 * `header-consistency`.
 */
export function checkProposalHeader(h: BlockHeader, opts: ProposalHeaderOptions): void {
  checkSlotNotInFuture(h, opts.schedule, opts.nowMs, opts.toleranceMs)
  verifyHeaderFields(h, { l2ChainId: opts.l2ChainId })
  checkTimestampInSlot(h, opts.schedule)
  checkHeaderConsistency(h)
}

// ------------------------------------------------------------------ the tx hash list

/**
 * Rule `tx-hashes`: a proposal's tx hash list is its body's, in order; header-only (body
 * withheld), it has the header's txCount entries (TX_HASHES_MISMATCH, hard). Signed by nobody,
 * the list is still what the proposer gossiped as the block's transactions: a proposal whose
 * list lies is not a block this client shows.
 */
export function checkProposalTxHashes(h: BlockHeader, body: BlockBody | null, txHashes: readonly Hex[]): void {
  if (body) return verifyProposalTxHashes(h, body, txHashes)
  if (txHashes.length !== h.txCount)
    fail('TX_HASHES_MISMATCH', `header-only proposal for block ${h.height} lists ${txHashes.length} tx hashes, its header counts ${h.txCount}`, { height: h.height, got: txHashes.length, expected: h.txCount, headerOnly: true })
}
