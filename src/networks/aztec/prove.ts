/**
 * The L1 half of an Aztec checkpoint's checks: what the rollup stored, proven by storage
 * proof against an L1 block the client's anchor verified (the issue-8 machinery:
 * src/sources/l1-proven.ts `ProvenL1.storageAt` implements `AztecL1Reader`). Nothing here is
 * taken from an RPC's word: every value is a storage word whose proof verified against the
 * block's state root.
 *
 * - time config (TimeLib): the header's timestamp is genesis + slot × slotDuration, and the
 *   epoch of the slot (for the committee commitment) uses the proven epoch duration;
 * - committee size (ValidatorSelection targetCommitteeSize) = the size the attestations pack;
 * - committee commitment: committeeCommitments[epoch] = keccak256(abi.encode(committee rebuilt));
 * - the stored checkpoint: archives[n] = archive, and tempBlockLogs[n % size] holds this
 *   header hash, payload hash (the pre-EIP-191 keccak), attestations hash and slot. The
 *   checkpoint number n is the one given, else found by bisection over the proven slots of the
 *   circular buffer (slots grow with n): no log, no trace, no RPC claim decides it.
 */
import { toErrorRecord, type ErrorCode } from '../../core/errors'
import type { Address, Hex } from '../../core/types'
import {
  SLOT_COMMITTEE_CONFIG,
  SLOT_TIME,
  SLOT_TIPS,
  TEMP_BLOCK_LOG_WORDS,
  archiveSlot,
  committeeCommitmentSlot,
  decodeCommitteeConfigWord,
  decodeStoredCheckpoint,
  decodeTimeWord,
  decodeTipsWord,
  roundaboutSize,
  tempBlockLogSlot,
  word32,
  type AztecTimeConfig,
} from './layout'
import { settle, type AztecCheck, type AztecReport } from './verify'

export interface AztecL1Block {
  number: number
  hash: Hex
  stateRoot: Hex
  anchor: string
  basis: string
}

/** Proven storage reads (ProvenL1 implements it). */
export interface AztecL1Reader {
  /** Storage words of `address`, each proven against the state root of the anchored block, or of the older block `block` of its chain. */
  storageAt(address: Address, slots: bigint[], opts?: { block?: number; signal?: AbortSignal }): Promise<{ block: AztecL1Block; values: bigint[] }>
}

export interface ProveAztecOptions {
  /** The checkpoint's number (L2BlockProposed's blockNumber), if known; otherwise it is searched for in the proven circular buffer. */
  l2BlockNumber?: number
  /** Prove against this L1 block of the anchored chain (e.g. the one the propose landed in) instead of the anchored block. */
  l1Block?: number
  signal?: AbortSignal
}

type Verdict = { ok: boolean | null; detail: string; code?: ErrorCode }

function replace(checks: AztecCheck[], name: string, v: Verdict): void {
  const c = checks.find((x) => x.name === name)
  if (!c) return
  c.ok = v.ok
  c.detail = v.detail
  if (v.code) c.code = v.code
  else delete c.code
}

/**
 * The report with its L1 checks decided by storage proofs. Never throws for an RPC's failure:
 * a fact that could not be proven stays `ok: null` with the reason (and its code); a proven
 * value that contradicts the calldata is `ok: false`.
 */
export async function proveAztecPropose(report: AztecReport, l1: AztecL1Reader, opts: ProveAztecOptions = {}): Promise<AztecReport> {
  const r: AztecReport = structuredClone(report)
  const at = opts.l1Block === undefined ? {} : { block: opts.l1Block }
  const read = (slots: bigint[]) => l1.storageAt(r.rollup, slots, { ...at, ...(opts.signal ? { signal: opts.signal } : {}) })
  const l1Names = ['l1-time-config', 'l1-committee-size', 'l1-committee-commitment', 'l1-stored-checkpoint']
  try {
    const first = await read([SLOT_TIME, SLOT_COMMITTEE_CONFIG, SLOT_TIPS])
    const block = first.block
    const time = decodeTimeWord(first.values[0]!)
    const committeeConfig = decodeCommitteeConfigWord(first.values[1]!)
    const tips = decodeTipsWord(first.values[2]!)
    r.l1 = { block: block.number, hash: block.hash, anchor: block.anchor, basis: block.basis, l2BlockNumber: null }
    const where = `L1 block ${block.number} (${block.anchor}: ${block.basis})`

    if (time.slotDuration === 0 || time.epochDuration === 0) {
      const v: Verdict = { ok: false, code: 'PROOF_VALUE_MISMATCH', detail: `the contract at ${r.rollup} has no Aztec time config at ${where} (TimeLib word is ${word32(first.values[0]!)}): not this rollup, or not deployed yet` }
      for (const n of l1Names) replace(r.checks, n, v)
      return settle(r)
    }

    // time config
    const expectedTs = time.genesisTime + r.checkpoint.slot * time.slotDuration
    replace(
      r.checks,
      'l1-time-config',
      expectedTs === r.checkpoint.timestamp
        ? { ok: true, detail: `timestamp ${r.checkpoint.timestamp} = genesis ${time.genesisTime} + slot ${r.checkpoint.slot} × ${time.slotDuration} s (proven at ${where})` }
        : { ok: false, code: 'SLOT_MISMATCH', detail: `slot ${r.checkpoint.slot} starts at ${expectedTs} by the proven time config, the header says ${r.checkpoint.timestamp}` },
    )
    r.checkpoint.epoch = Math.floor(r.checkpoint.slot / time.epochDuration)

    // committee size
    replace(
      r.checks,
      'l1-committee-size',
      committeeConfig.targetCommitteeSize === r.committee.size
        ? { ok: true, detail: `targetCommitteeSize ${committeeConfig.targetCommitteeSize} (proven at ${where})` }
        : { ok: false, code: 'COMMITTEE_MISMATCH', detail: `the rollup's proven targetCommitteeSize is ${committeeConfig.targetCommitteeSize}, the attestations pack ${r.committee.size}` },
    )

    // the checkpoint number, then everything stored for it, in one more round
    const size = roundaboutSize(time)
    const n = opts.l2BlockNumber ?? (await findCheckpointNumber(read, r.checkpoint.slot, tips.pending, size))
    const slots = [committeeCommitmentSlot(r.checkpoint.epoch)]
    if (n !== null) {
      slots.push(archiveSlot(n))
      const base = tempBlockLogSlot(n, size)
      for (let i = 0n; i < TEMP_BLOCK_LOG_WORDS; i++) slots.push(base + i)
    }
    const second = await read(slots)
    const stored = second.values[0]!
    replace(
      r.checks,
      'l1-committee-commitment',
      stored === 0n
        ? { ok: null, detail: `no commitment is stored for epoch ${r.checkpoint.epoch} at ${where} (the epoch was not set up yet)` }
        : word32(stored) === r.committee.commitment
          ? { ok: true, detail: `committeeCommitments[${r.checkpoint.epoch}] = ${r.committee.commitment} (proven at ${where})` }
          : { ok: false, code: 'COMMITTEE_MISMATCH', detail: `the rollup committed to ${word32(stored)} for epoch ${r.checkpoint.epoch}; the committee in the calldata hashes to ${r.committee.commitment}` },
    )

    if (n === null) {
      replace(r.checks, 'l1-stored-checkpoint', { ok: null, detail: `no checkpoint of slot ${r.checkpoint.slot} in the rollup's readable window at ${where} (pending ${tips.pending}, ${size} logs kept): give its number, or an L1 block closer to it` })
      return settle(r)
    }
    r.l1.l2BlockNumber = n
    const cp = decodeStoredCheckpoint(second.values[1]!, second.values.slice(2))
    const readable = n <= tips.pending && tips.pending < n + size
    const diffs: string[] = []
    if (cp.archive !== r.checkpoint.archive) diffs.push(`archive ${cp.archive} ≠ ${r.checkpoint.archive}`)
    if (readable) {
      if (cp.headerHash !== r.digests.headerHash) diffs.push(`headerHash ${cp.headerHash} ≠ ${r.digests.headerHash}`)
      if (cp.payloadDigest !== r.digests.payloadHash) diffs.push(`payloadDigest ${cp.payloadDigest} ≠ ${r.digests.payloadHash}`)
      if (cp.attestationsHash !== r.digests.attestationsHash) diffs.push(`attestationsHash ${cp.attestationsHash} ≠ ${r.digests.attestationsHash}`)
      if (cp.slot !== r.checkpoint.slot) diffs.push(`slot ${cp.slot} ≠ ${r.checkpoint.slot}`)
    }
    replace(
      r.checks,
      'l1-stored-checkpoint',
      diffs.length > 0
        ? { ok: false, code: 'CHECKPOINT_MISMATCH', detail: `checkpoint ${n} as stored at ${where}: ${diffs.join('; ')}` }
        : readable
          ? { ok: true, detail: `checkpoint ${n}: archive, header hash, payload hash, attestations hash and slot ${cp.slot} are the rollup's (proven at ${where})` }
          : { ok: true, detail: `checkpoint ${n}: archives[${n}] is this archive (proven at ${where}); its header hash, payload and attestations hashes were overwritten in the circular buffer by then (pending ${tips.pending}): prove at an L1 block closer to it to check them` },
    )
    return settle(r)
  } catch (e) {
    if (opts.signal?.aborted) throw e
    const rec = toErrorRecord(e)
    for (const name of l1Names) {
      const c = r.checks.find((x) => x.name === name)
      if (c && c.ok === null) replace(r.checks, name, { ok: null, code: rec.code, detail: `could not be proven: ${rec.message}` })
    }
    return settle(r)
  }
}

/**
 * The checkpoint number whose temp log has `slot`, by bisection over the readable window
 * (pending - size, pending] (slots strictly grow with the number); null when none has it.
 */
async function findCheckpointNumber(read: (slots: bigint[]) => Promise<{ values: bigint[] }>, slot: number, pending: number, size: number): Promise<number | null> {
  let lo = Math.max(1, pending - size + 1)
  let hi = pending
  const slotOf = async (k: number) => Number((await read([tempBlockLogSlot(k, size) + 4n])).values[0]! & 0xffffffffn)
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2)
    const s = await slotOf(mid)
    if (s === slot) return mid
    if (s < slot) lo = mid + 1
    else hi = mid - 1
  }
  return null
}

export type { AztecTimeConfig }
