/**
 * Equivocation detection (docs/reorgs.md § Equivocation). The engine feeds it every
 * *verified* signed item — a block proposal whose signature recovered to the slot's proposer,
 * a checkpoint proposal likewise, an attestation from a committee member — and it remembers
 * the first one per slot position:
 *
 * | kind                         | position                        | signer        |
 * |------------------------------|---------------------------------|---------------|
 * | `double-proposal`            | (proposer, slot, index)          | proposer      |
 * | `double-checkpoint-proposal` | (proposer, slot)                 | proposer      |
 * | `conflicting-attestation`    | (signer, slot)                   | committee member |
 *
 * A second, different item for a remembered position is an offence: it returns an
 * `EvidenceRecord` holding both signed items (once per offence). Memory is bounded: positions
 * more than `windowSlots` behind the newest slot seen are forgotten.
 */
import type { Address, Hex } from '../core/types'
import { bytesToHex } from '../protocol/bytes'
import { encodeHeader, type BlockHeader } from '../protocol/header'
import { encodeCheckpoint, type Checkpoint } from '../protocol/checkpoint'
import type { EvidenceRecord } from '../core/records'

interface Signed {
  slot: number
  hash: Hex
  item: () => Hex
  signature: Hex
}

export interface EquivocationDetectorOptions {
  /** Positions older than this many slots behind the newest are forgotten. Default 64. */
  windowSlots?: number
  /** Hard cap on remembered positions (all kinds). Default 20,000. */
  maxEntries?: number
  now?: () => number
}

export class EquivocationDetector {
  private readonly seen = new Map<string, Signed>()
  private readonly reported = new Set<string>()
  private newestSlot = 0
  private readonly windowSlots: number
  private readonly maxEntries: number
  private readonly now: () => number

  constructor(opts: EquivocationDetectorOptions = {}) {
    this.windowSlots = opts.windowSlots ?? 64
    this.maxEntries = opts.maxEntries ?? 20_000
    this.now = opts.now ?? Date.now
  }

  /** A block proposal whose signature verified (header.proposer signed it). */
  blockProposal(h: BlockHeader, hash: Hex, signature: Uint8Array, source: string): EvidenceRecord | null {
    const offender = h.proposer.toLowerCase() as Address
    return this.check('double-proposal', offender, h.slot, h.indexInCheckpoint, { slot: h.slot, hash, item: () => bytesToHex(encodeHeader(h)), signature: bytesToHex(signature) }, source)
  }

  /** A checkpoint proposal whose signature verified (`proposer` signed it). */
  checkpointProposal(cp: Checkpoint, digest: Hex, signature: Uint8Array, proposer: Address, source: string): EvidenceRecord | null {
    return this.check('double-checkpoint-proposal', proposer.toLowerCase() as Address, cp.slot, -1, { slot: cp.slot, hash: digest, item: () => bytesToHex(encodeCheckpoint(cp)), signature: bytesToHex(signature) }, source)
  }

  /** An attestation that recovered to committee member `signer`, for the checkpoint `cp` (digest `digest`). */
  attestation(cp: Checkpoint, digest: Hex, signer: Address, signature: Uint8Array, source: string): EvidenceRecord | null {
    return this.check('conflicting-attestation', signer.toLowerCase() as Address, cp.slot, -1, { slot: cp.slot, hash: digest, item: () => bytesToHex(encodeCheckpoint(cp)), signature: bytesToHex(signature) }, source)
  }

  /**
   * True when this block's position (proposer, slot, index) is held by another block: the first
   * seen. A third block for a reported position yields no new evidence but is not first either.
   */
  holdsOther(h: BlockHeader, hash: Hex): boolean {
    const first = this.seen.get(idOf('double-proposal', h.proposer.toLowerCase() as Address, h.slot, h.indexInCheckpoint))
    return first !== undefined && first.hash !== hash
  }

  /** True when a double proposal was reported for this position (a reorg there is caused by equivocation). */
  hasDoubleProposal(proposer: Address, slot: number, index: number): boolean {
    return this.reported.has(idOf('double-proposal', proposer.toLowerCase() as Address, slot, index))
  }

  private check(kind: EvidenceRecord['kind'], offender: Address, slot: number, index: number, s: Signed, source: string): EvidenceRecord | null {
    const id = idOf(kind, offender, slot, index)
    if (slot + this.windowSlots < this.newestSlot) return null // too old to matter (and no longer remembered)
    const first = this.seen.get(id)
    if (!first) {
      this.seen.set(id, s)
      if (slot > this.newestSlot) this.newestSlot = slot
      this.prune()
      return null
    }
    if (first.hash === s.hash || this.reported.has(id)) return null
    this.reported.add(id)
    return {
      id,
      kind,
      offender,
      slot,
      index,
      hashes: [first.hash, s.hash],
      items: [first.item(), s.item()],
      signatures: [first.signature, s.signature],
      source,
      at: this.now(),
    }
  }

  private prune(): void {
    if (this.seen.size <= this.maxEntries && this.seen.size % 256 !== 0) return
    const floor = this.newestSlot - this.windowSlots
    for (const [id, s] of this.seen) {
      if (s.slot < floor || this.seen.size > this.maxEntries) {
        this.seen.delete(id)
        this.reported.delete(id)
      }
    }
  }
}

function idOf(kind: EvidenceRecord['kind'], offender: Address, slot: number, index: number): string {
  return `${kind}:${slot}:${index}:${offender}`
}
