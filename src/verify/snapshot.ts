/**
 * Snapshot verification as a pure judgement (docs/snapshots.md): a snapshot against the facts
 * L1 holds, read beforehand by `readSnapshotFacts` (src/sources/snapshot.ts; `verifySnapshot`
 * there reads, then calls these). Every failure throws a coded VigilError:
 *
 * `checkSnapshotShape` (before anything is asked of L1):
 *   - the chain and rollup are this client's; checkpoints consecutive, in non-decreasing L1
 *     blocks; headers belong to their checkpoints and link, checkpoint after checkpoint; every
 *     proposer signature recovers to the header's proposer (which the contract checked);
 *   - the window spans at most MAX_WINDOW_L1_BLOCKS (its logs are scanned); the index entry,
 *     when given, names the anchor's last block.
 * `judgeSnapshotFacts` (against L1's facts):
 *   - the anchor's L1 block is canonical and at most `maxAgeMs` old;
 *   - every checkpoint is a CheckpointProposed event at the claimed L1 block and transaction,
 *     with the same digest and blob hashes; the anchor is the last checkpoint of its L1 block;
 *   - the anchor's attestations (from the snapshot) reach quorum of L1's committee and the
 *     committee the snapshot names is L1's; every earlier checkpoint's attestations (from its
 *     L1 calldata) reach quorum too.
 * `judgeSnapshot` = both, for callers that hold the facts already (tests, Verify now).
 */
import { VigilError, type ErrorCode } from '../core/errors'
import type { Address, Hex } from '../core/types'
import { bytesToHex } from '../protocol/bytes'
import { headerHash } from '../protocol/header'
import { checkpointDigest, decodeAttestationSignatures, type Checkpoint } from '../protocol/checkpoint'
import type { SigningDomain } from '../protocol/domain'
import { epochOfSlot, type Schedule } from '../protocol/schedule'
import type { L1Coordinates, Snapshot, SnapshotIndexEntry } from '../protocol/snapshot'
import { verifyCheckpointHeaders, verifyProposerSignature, verifyQuorum } from './rules'

export const DEFAULT_SNAPSHOT_MAX_AGE_MS = 24 * 60 * 60 * 1000
/** L1 blocks a snapshot's window may span (its logs are scanned): a week of 12 s blocks. */
export const MAX_WINDOW_L1_BLOCKS = 50_400

export interface SnapshotJudgeOptions {
  domain: SigningDomain
  l2ChainId: number
  /** Oldest acceptable anchor (by its L1 block time). Default one day. */
  maxAgeMs?: number
  /** The index entry the snapshot was fetched for: its height and hash must be the anchor's last block. */
  entry?: SnapshotIndexEntry
  /** Source name of the segment (default 'snapshot'). */
  source?: string
}

/** One CheckpointProposed event as L1 holds it (the fields of ports' MinedCheckpoint the judgement reads). */
export interface CheckpointEventFact {
  checkpointNumber: number
  digest: Hex
  attestationsBytes: Uint8Array
  txBlobVersionedHashes: Hex[]
  txHash: Hex
  l1BlockNumber: number
  l1BlockHash: Hex
  logIndex: number
}

/** What L1 says, read for one snapshot (see `snapshotReads` for what to read). */
export interface SnapshotFacts {
  /** Unix ms when the facts were read (the anchor's age is measured against it). */
  now: number
  /** The block L1 holds at the anchor's L1 height (null: none). */
  anchorBlock: { number: number; hash: Hex; timestamp: number } | null
  /** Every CheckpointProposed event in the snapshot's L1 window, in L1 order. */
  events: CheckpointEventFact[]
  /** The rollup's schedule (slots → epochs). */
  schedule: Schedule
  /** L1's committee by epoch, for the epochs of the snapshot's checkpoints; an entry may be the error the read failed with. */
  committees: ReadonlyMap<number, Address[] | { error: unknown }>
  /** L1's finalized block number (null: none) and head. */
  finalized: number | null
  head: number | null
}

/** The judged segment: the shape of ports' VerifiedSegment (src/ports/snapshot.ts), which verify may not import. */
export interface JudgedCheckpoint {
  checkpoint: Checkpoint
  digest: Hex
  headerSignatures: Uint8Array[]
  l1: L1Coordinates
  signers: Address[]
  committeeSize: number
  attestations: Hex[]
}

export interface JudgedSegment {
  source: string
  checkpoints: JudgedCheckpoint[]
  l1Cursor: { blockNumber: number; blockHash: Hex }
  l1Finalized: number | null
  l1Head: number
}

const fail = (code: ErrorCode, message: string, details: Record<string, string | number> = {}): never => {
  throw new VigilError(code, message, { details: { snapshot: 1, ...details } })
}

/** What to read from L1 for `snap`: the anchor's L1 block and the window [from, to] of events. */
export function snapshotReads(snap: Snapshot): { anchorL1Block: number; from: number; to: number } {
  const anchor = snap.checkpoints.at(-1)!
  return { anchorL1Block: anchor.l1.blockNumber, from: snap.checkpoints[0]!.l1.blockNumber, to: anchor.l1.blockNumber }
}

/** The checks that need nothing from L1 (see the file comment). Throws the first failure. */
export function checkSnapshotShape(snap: Snapshot, opts: SnapshotJudgeOptions): void {
  const { domain } = opts
  if (snap.l2ChainId !== opts.l2ChainId) fail('WRONG_CHAIN', `snapshot is for L2 chain ${snap.l2ChainId}, this client follows ${opts.l2ChainId}`)
  if (snap.rollup.toLowerCase() !== domain.rollup.toLowerCase()) fail('SNAPSHOT_INVALID', `snapshot is for rollup ${snap.rollup}, this client follows ${domain.rollup}`)
  const cps = snap.checkpoints
  const anchor = cps.at(-1)!
  for (let i = 0; i < cps.length; i++) {
    const { checkpoint: cp, headerSignatures } = cps[i]!
    if (i > 0 && cp.checkpointNumber !== cps[i - 1]!.checkpoint.checkpointNumber + 1)
      fail('SNAPSHOT_INVALID', `snapshot checkpoints skip from ${cps[i - 1]!.checkpoint.checkpointNumber} to ${cp.checkpointNumber}`)
    if (i > 0 && cps[i]!.l1.blockNumber < cps[i - 1]!.l1.blockNumber)
      fail('SNAPSHOT_INVALID', `snapshot checkpoint ${cp.checkpointNumber} claims an earlier L1 block than checkpoint ${cp.checkpointNumber - 1}`)
    for (const h of cp.headers) if (h.chainId !== opts.l2ChainId) fail('WRONG_CHAIN', `snapshot block ${h.height} is on L2 chain ${h.chainId}`)
    verifyCheckpointHeaders(cp, i > 0 ? { parent: cps[i - 1]!.checkpoint.headers.at(-1)! } : {})
    cp.headers.forEach((h, j) => verifyProposerSignature(domain, h, headerSignatures[j]!, h.proposer))
  }
  if (anchor.l1.blockNumber - cps[0]!.l1.blockNumber > MAX_WINDOW_L1_BLOCKS)
    fail('SNAPSHOT_INVALID', `the snapshot spans ${anchor.l1.blockNumber - cps[0]!.l1.blockNumber} L1 blocks, at most ${MAX_WINDOW_L1_BLOCKS} are scanned`)
  const last = anchor.checkpoint.headers.at(-1)!
  if (opts.entry && (opts.entry.height !== last.height || opts.entry.hash !== headerHash(last) || opts.entry.checkpointNumber !== anchor.checkpoint.checkpointNumber))
    fail('SNAPSHOT_INVALID', `the index names block ${opts.entry.height} ${opts.entry.hash} of checkpoint ${opts.entry.checkpointNumber}, the snapshot ends at block ${last.height} of checkpoint ${anchor.checkpoint.checkpointNumber}`)
}

/** The checks against L1's facts (see the file comment), for a snapshot whose shape was checked. Returns the segment to import. */
export function judgeSnapshotFacts(snap: Snapshot, facts: SnapshotFacts, opts: SnapshotJudgeOptions): JudgedSegment {
  const cps = snap.checkpoints
  const anchor = cps.at(-1)!
  // the anchor's L1 block: canonical, recent
  const anchorBlock = facts.anchorBlock
  if (!anchorBlock || anchorBlock.number !== anchor.l1.blockNumber || anchorBlock.hash.toLowerCase() !== anchor.l1.blockHash.toLowerCase())
    return fail('SNAPSHOT_NOT_ON_L1', `the anchor's L1 block ${anchor.l1.blockNumber} ${anchor.l1.blockHash} is not on the L1 chain`, { l1Block: anchor.l1.blockNumber })
  const maxAge = opts.maxAgeMs ?? DEFAULT_SNAPSHOT_MAX_AGE_MS
  const ageMs = facts.now - anchorBlock.timestamp * 1000
  if (ageMs > maxAge)
    throw new VigilError('SNAPSHOT_STALE', `the snapshot's anchor was mined ${Math.round(ageMs / 60_000)} min ago, at most ${Math.round(maxAge / 60_000)} min allowed`, {
      details: { snapshot: 1, ageMs, maxAgeMs: maxAge },
    })

  // every checkpoint is on L1 as claimed, with the same digest; the anchor ends its L1 block
  const { from, to } = snapshotReads(snap)
  const events = facts.events.filter((e) => e.l1BlockNumber >= from && e.l1BlockNumber <= to)
  const byNumber = new Map(events.map((e) => [e.checkpointNumber, e]))
  const later = events.find((e) => e.l1BlockNumber === anchor.l1.blockNumber && e.logIndex > (byNumber.get(anchor.checkpoint.checkpointNumber)?.logIndex ?? Infinity))
  if (later) fail('SNAPSHOT_INVALID', `checkpoint ${later.checkpointNumber} follows the anchor in the same L1 block ${anchor.l1.blockNumber}`)
  const out: JudgedCheckpoint[] = []
  for (const c of cps) {
    const cp = c.checkpoint
    const n = cp.checkpointNumber
    const ev = byNumber.get(n)
    if (!ev) return fail('SNAPSHOT_NOT_ON_L1', `checkpoint ${n} of the snapshot has no CheckpointProposed event in L1 blocks ${from}–${to}`, { checkpoint: n })
    const digest = checkpointDigest(cp)
    if (ev.digest.toLowerCase() !== digest) fail('CHECKPOINT_MISMATCH', `checkpoint ${n}: L1 says digest ${ev.digest}, the snapshot's headers give ${digest}`, { checkpoint: n })
    if (ev.l1BlockNumber !== c.l1.blockNumber || ev.l1BlockHash.toLowerCase() !== c.l1.blockHash.toLowerCase() || ev.txHash.toLowerCase() !== c.l1.txHash.toLowerCase())
      fail('SNAPSHOT_INVALID', `checkpoint ${n}: the snapshot's L1 coordinates differ from L1's (block ${ev.l1BlockNumber}, tx ${ev.txHash})`, { checkpoint: n })
    const txBlobs = ev.txBlobVersionedHashes.map((h) => h.toLowerCase())
    if (txBlobs.length !== cp.blobVersionedHashes.length || txBlobs.some((h, i) => h !== cp.blobVersionedHashes[i]!.toLowerCase()))
      fail('BLOB_HASH_MISMATCH', `checkpoint ${n}: blob hashes differ from its L1 transaction's`, { checkpoint: n })
    // quorum of the committee read from L1
    const epoch = epochOfSlot(facts.schedule, cp.slot)
    const committee = committeeOf(facts, epoch)
    const isAnchor = c === anchor
    if (isAnchor) {
      const claimed = snap.committee.members.map((a) => a.toLowerCase())
      if (snap.committee.epoch !== epoch || claimed.length !== committee.length || claimed.some((a, i) => a !== committee[i]!.toLowerCase()))
        fail('SNAPSHOT_INVALID', `the snapshot's committee (epoch ${snap.committee.epoch}, ${claimed.length} members) is not L1's committee of epoch ${epoch}`, { epoch })
    }
    const sigs = isAnchor ? snap.attestations : decodeAttestationSignatures(ev.attestationsBytes)
    const q = verifyQuorum(opts.domain, digest, sigs, committee)
    if (!q.valid) {
      const err = VigilError.fromRecord(q.error!)
      throw new VigilError(err.code, `checkpoint ${n}${isAnchor ? ' (the anchor)' : ''}: ${err.message}`, { severity: err.severity, details: { ...err.details, snapshot: 1, checkpoint: n } })
    }
    out.push({ checkpoint: cp, digest, headerSignatures: c.headerSignatures, l1: c.l1, signers: q.signers, committeeSize: q.committeeSize, attestations: sigs.map(bytesToHex) })
  }
  return {
    source: opts.source ?? 'snapshot',
    checkpoints: out,
    l1Cursor: { blockNumber: anchorBlock.number, blockHash: anchorBlock.hash },
    l1Finalized: facts.finalized,
    l1Head: facts.head ?? anchorBlock.number,
  }
}

/** Shape, then facts: the whole judgement of a snapshot against what L1 says. */
export function judgeSnapshot(snap: Snapshot, facts: SnapshotFacts, opts: SnapshotJudgeOptions): JudgedSegment {
  checkSnapshotShape(snap, opts)
  return judgeSnapshotFacts(snap, facts, opts)
}

/** L1's committee of `epoch` from the facts; a read that failed throws its error here (where the judgement needs it). */
function committeeOf(facts: SnapshotFacts, epoch: number): Address[] {
  const c = facts.committees.get(epoch)
  if (c === undefined) throw new VigilError('COMMITTEE_UNKNOWN', `no committee of epoch ${epoch} among the facts read from L1`, { severity: 'soft', details: { snapshot: 1, epoch } })
  if (!Array.isArray(c)) throw (c as { error: unknown }).error
  return c
}
