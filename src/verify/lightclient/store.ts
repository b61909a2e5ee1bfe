/**
 * The Altair light-client sync protocol (consensus-specs altair/light-client/sync-protocol.md,
 * with capella's execution-payload branch and electra's deeper state branches), as pure
 * functions over a `LightClientStore`:
 *
 * - `verifyBootstrap(cfg, trustedRoot, bootstrap)` → store (initialize_light_client_store)
 * - `validateUpdate` (validate_light_client_update) / `processUpdate` (process_light_client_update)
 * - `processFinalityUpdate`, `processOptimisticUpdate`
 *
 * Every failure is a hard `VigilError` with an `LC_*` code. The store is never mutated: each
 * step returns a new one. Cheap checks (slots, periods, branches) run before the BLS check.
 */
import { VigilError, type ErrorCode } from '../../core/errors'
import { bytesToHex } from '../../protocol/bytes'
import { participantCount, type LightClientBootstrap, type LightClientHeader, type LightClientUpdate } from '../../protocol/eth/beacon'
import {
  DOMAIN_SYNC_COMMITTEE,
  SYNC_COMMITTEE_SIZE,
  beaconBlockHeaderRoot,
  bytesEqual,
  computeDomain,
  computeSigningRoot,
  executionPayloadHeaderRoot,
  gindexParts,
  isValidMerkleBranch,
  isZero,
  syncCommitteeRoot,
  type SyncCommittee,
} from '../../protocol/eth/ssz'
import { fastAggregateVerify } from './bls'
import { MIN_SYNC_COMMITTEE_PARTICIPANTS, UPDATE_TIMEOUT, currentSlot, epochAtSlot, executionLayoutFor, forkAtEpoch, forkAtSlot, gindicesFor, periodAtSlot, type NetworkConfig } from './config'

export interface LightClientStore {
  finalizedHeader: LightClientHeader
  currentSyncCommittee: SyncCommittee
  nextSyncCommittee: SyncCommittee | null
  bestValidUpdate: LightClientUpdate | null
  optimisticHeader: LightClientHeader
  previousMaxActiveParticipants: number
  currentMaxActiveParticipants: number
}

export interface ProcessOptions {
  /** The wall-clock slot (default: from Date.now() and the genesis time). */
  currentSlot?: number
  /** Skip the BLS check (tests of the other rules only). */
  skipSignature?: boolean
}

/** What a verified update established, for display. */
export interface UpdateOutcome {
  store: LightClientStore
  attestedSlot: number
  signatureSlot: number
  signaturePeriod: number
  participants: number
  /** The 2/3 rule held and the finalized header (and committees) moved. */
  applied: boolean
  fork: string
}

function lcError(code: ErrorCode, message: string, details: Record<string, string | number | boolean | null> = {}): VigilError {
  return new VigilError(code, message, { details })
}

const isZeroBranch = (b: Uint8Array[]): boolean => b.length === 0 || b.every(isZero)

/** is_valid_light_client_header: the execution payload header hashes into the body root by its branch (Capella+). */
export function checkLightClientHeader(cfg: NetworkConfig, h: LightClientHeader, what: string): void {
  const fork = forkAtSlot(cfg, h.beacon.slot).name
  const layout = executionLayoutFor(fork)
  if (layout === null) {
    if (h.execution !== undefined && !isEmptyExecution(h)) throw lcError('LC_INVALID_HEADER', `${what}: a ${fork} header carries an execution payload header`, { what, slot: h.beacon.slot })
    if (!isZeroBranch(h.executionBranch)) throw lcError('LC_INVALID_HEADER', `${what}: a ${fork} header carries an execution branch`, { what, slot: h.beacon.slot })
    return
  }
  const ex = h.execution
  if (!ex) throw lcError('LC_INVALID_HEADER', `${what}: a ${fork} header without its execution payload header`, { what, slot: h.beacon.slot })
  const hasBlob = ex.blobGasUsed !== undefined
  if (layout === 'deneb' && !hasBlob) throw lcError('LC_INVALID_HEADER', `${what}: a ${fork} execution header without blob_gas_used / excess_blob_gas`, { what, slot: h.beacon.slot })
  if (layout === 'capella' && hasBlob && (ex.blobGasUsed !== 0n || ex.excessBlobGas !== 0n)) throw lcError('LC_INVALID_HEADER', `${what}: a capella execution header with blob gas fields`, { what, slot: h.beacon.slot })
  const { depth, index } = gindexParts(gindicesFor(fork).executionPayload)
  if (!isValidMerkleBranch(executionPayloadHeaderRoot(ex, layout), h.executionBranch, depth, index, h.beacon.bodyRoot)) {
    throw lcError('LC_INVALID_BRANCH', `${what}: the execution payload header's branch does not lead to the body root`, { what, branch: 'execution', slot: h.beacon.slot, depth, got: h.executionBranch.length })
  }
}

function isEmptyExecution(h: LightClientHeader): boolean {
  const e = h.execution!
  return [e.parentHash, e.feeRecipient, e.stateRoot, e.receiptsRoot, e.logsBloom, e.prevRandao, e.extraData, e.blockHash, e.transactionsRoot, e.withdrawalsRoot].every(isZero) && e.blockNumber === 0n && e.timestamp === 0n
}

/** initialize_light_client_store: the header hashes to the trusted root and the current committee is in its state. */
export function verifyBootstrap(cfg: NetworkConfig, trustedRoot: Uint8Array, b: LightClientBootstrap): LightClientStore {
  checkLightClientHeader(cfg, b.header, 'bootstrap.header')
  const root = beaconBlockHeaderRoot(b.header.beacon)
  if (!bytesEqual(root, trustedRoot)) {
    throw lcError('LC_BOOTSTRAP_MISMATCH', `the bootstrap header hashes to ${bytesToHex(root)}, not the trusted checkpoint ${bytesToHex(trustedRoot)}`, { got: bytesToHex(root), expected: bytesToHex(trustedRoot) })
  }
  const { depth, index } = gindexParts(gindicesFor(forkAtSlot(cfg, b.header.beacon.slot).name).currentSyncCommittee)
  if (!isValidMerkleBranch(syncCommitteeRoot(b.currentSyncCommittee), b.currentSyncCommitteeBranch, depth, index, b.header.beacon.stateRoot)) {
    throw lcError('LC_INVALID_BRANCH', "the bootstrap's current sync committee branch does not lead to the header's state root", { branch: 'current_sync_committee', depth, got: b.currentSyncCommitteeBranch.length })
  }
  return {
    finalizedHeader: b.header,
    currentSyncCommittee: b.currentSyncCommittee,
    nextSyncCommittee: null,
    bestValidUpdate: null,
    optimisticHeader: b.header,
    previousMaxActiveParticipants: 0,
    currentMaxActiveParticipants: 0,
  }
}

const isSyncCommitteeUpdate = (u: LightClientUpdate): boolean => u.nextSyncCommittee !== undefined && !isZeroBranch(u.nextSyncCommitteeBranch)
const isFinalityUpdate = (u: LightClientUpdate): boolean => u.finalizedHeader !== undefined && !isZeroBranch(u.finalityBranch)

/** The bit of member i in the sync aggregate. */
export const hasBit = (bits: Uint8Array, i: number): boolean => ((bits[i >> 3]! >> (i & 7)) & 1) === 1

/** validate_light_client_update. Returns the participant count and signature period. */
export function validateUpdate(cfg: NetworkConfig, store: LightClientStore, u: LightClientUpdate, opts: ProcessOptions = {}): { participants: number; signaturePeriod: number } {
  const participants = participantCount(u.syncAggregate.bits)
  if (participants < MIN_SYNC_COMMITTEE_PARTICIPANTS) {
    throw lcError('LC_INSUFFICIENT_PARTICIPATION', `${participants} sync committee participants, fewer than ${MIN_SYNC_COMMITTEE_PARTICIPANTS}`, { participants })
  }
  checkLightClientHeader(cfg, u.attestedHeader, 'attested_header')
  const attestedSlot = u.attestedHeader.beacon.slot
  const finalizedSlot = u.finalizedHeader?.beacon.slot ?? 0
  const now = opts.currentSlot ?? currentSlot(cfg, Date.now())
  if (!(now >= u.signatureSlot && u.signatureSlot > attestedSlot && attestedSlot >= finalizedSlot)) {
    throw lcError('LC_INVALID_SLOTS', `slots out of order: current ${now} ≥ signature ${u.signatureSlot} > attested ${attestedSlot} ≥ finalized ${finalizedSlot} does not hold`, { currentSlot: now, signatureSlot: u.signatureSlot, attestedSlot, finalizedSlot })
  }
  const storePeriod = periodAtSlot(store.finalizedHeader.beacon.slot)
  const signaturePeriod = periodAtSlot(u.signatureSlot)
  const nextKnown = store.nextSyncCommittee !== null
  if (nextKnown ? signaturePeriod !== storePeriod && signaturePeriod !== storePeriod + 1 : signaturePeriod !== storePeriod) {
    throw lcError('LC_WRONG_PERIOD', `signature period ${signaturePeriod} is not one the store (period ${storePeriod}${nextKnown ? ', next committee known' : ''}) can check`, { signaturePeriod, storePeriod, nextKnown })
  }
  const attestedPeriod = periodAtSlot(attestedSlot)
  const hasNextSyncCommittee = !nextKnown && isSyncCommitteeUpdate(u) && attestedPeriod === storePeriod
  if (!(attestedSlot > store.finalizedHeader.beacon.slot || hasNextSyncCommittee)) {
    throw lcError('LC_IRRELEVANT_UPDATE', `attested slot ${attestedSlot} is not after the finalized slot ${store.finalizedHeader.beacon.slot} and brings no next sync committee`, { attestedSlot, finalizedSlot: store.finalizedHeader.beacon.slot })
  }
  const attestedFork = forkAtSlot(cfg, attestedSlot).name
  const g = gindicesFor(attestedFork)

  // the finalized header is in the attested state
  if (!isFinalityUpdate(u)) {
    if (u.finalizedHeader !== undefined && !isEmptyHeader(u.finalizedHeader)) throw lcError('LC_INVALID_BRANCH', 'a finalized header without a finality branch', { branch: 'finality' })
  } else {
    const fh = u.finalizedHeader!
    let finalizedRoot: Uint8Array
    if (fh.beacon.slot === 0) {
      if (!isEmptyHeader(fh)) throw lcError('LC_INVALID_HEADER', 'a genesis-slot finalized header that is not empty', { what: 'finalized_header' })
      finalizedRoot = new Uint8Array(32)
    } else {
      checkLightClientHeader(cfg, fh, 'finalized_header')
      finalizedRoot = beaconBlockHeaderRoot(fh.beacon)
    }
    const { depth, index } = gindexParts(g.finalizedRoot)
    if (!isValidMerkleBranch(finalizedRoot, u.finalityBranch, depth, index, u.attestedHeader.beacon.stateRoot)) {
      throw lcError('LC_INVALID_BRANCH', "the finality branch does not lead to the attested header's state root", { branch: 'finality', depth, got: u.finalityBranch.length, attestedSlot })
    }
  }

  // the next sync committee is in the attested state
  if (isSyncCommitteeUpdate(u)) {
    const next = u.nextSyncCommittee!
    if (attestedPeriod === storePeriod && nextKnown && !sameCommittee(next, store.nextSyncCommittee!)) {
      throw lcError('LC_SYNC_COMMITTEE_MISMATCH', `the update's next sync committee for period ${attestedPeriod + 1} differs from the one the store holds`, { period: attestedPeriod + 1 })
    }
    const { depth, index } = gindexParts(g.nextSyncCommittee)
    if (!isValidMerkleBranch(syncCommitteeRoot(next), u.nextSyncCommitteeBranch, depth, index, u.attestedHeader.beacon.stateRoot)) {
      throw lcError('LC_INVALID_BRANCH', "the next sync committee branch does not lead to the attested header's state root", { branch: 'next_sync_committee', depth, got: u.nextSyncCommitteeBranch.length, attestedSlot })
    }
  } else if (u.nextSyncCommittee !== undefined && !(u.nextSyncCommittee.pubkeys.every(isZero) && isZero(u.nextSyncCommittee.aggregatePubkey))) {
    throw lcError('LC_INVALID_BRANCH', 'a next sync committee without a branch', { branch: 'next_sync_committee' })
  }

  // the sync committee of the signature period signed the attested header
  const committee = signaturePeriod === storePeriod ? store.currentSyncCommittee : store.nextSyncCommittee!
  if (!opts.skipSignature) {
    const pubkeys: Uint8Array[] = []
    for (let i = 0; i < SYNC_COMMITTEE_SIZE; i++) if (hasBit(u.syncAggregate.bits, i)) pubkeys.push(committee.pubkeys[i]!)
    const forkVersionSlot = Math.max(u.signatureSlot, 1) - 1
    const fork = forkAtEpoch(cfg, epochAtSlot(forkVersionSlot))
    const domain = computeDomain(DOMAIN_SYNC_COMMITTEE, fork.version, cfg.genesisValidatorsRoot)
    const signingRoot = computeSigningRoot(beaconBlockHeaderRoot(u.attestedHeader.beacon), domain)
    const r = fastAggregateVerify(pubkeys, signingRoot, u.syncAggregate.signature)
    if (!r.ok) {
      throw lcError('LC_BAD_SIGNATURE', `the sync committee signature over attested slot ${attestedSlot} does not verify (${r.reason ?? 'invalid'}; ${participants} participants, ${fork.name} domain)`, { attestedSlot, signatureSlot: u.signatureSlot, participants, fork: fork.name, reason: r.reason ?? null })
    }
  }
  return { participants, signaturePeriod }
}

function isEmptyHeader(h: LightClientHeader): boolean {
  const b = h.beacon
  return b.slot === 0 && b.proposerIndex === 0 && isZero(b.parentRoot) && isZero(b.stateRoot) && isZero(b.bodyRoot) && (h.execution === undefined || isEmptyExecution(h)) && isZeroBranch(h.executionBranch)
}

function sameCommittee(a: SyncCommittee, b: SyncCommittee): boolean {
  return bytesEqual(a.aggregatePubkey, b.aggregatePubkey) && a.pubkeys.every((pk, i) => bytesEqual(pk, b.pubkeys[i]!))
}

const safetyThreshold = (s: LightClientStore): number => Math.floor(Math.max(s.previousMaxActiveParticipants, s.currentMaxActiveParticipants) / 2)

/** is_better_update(new, old). */
export function isBetterUpdate(a: LightClientUpdate, b: LightClientUpdate): boolean {
  const max = SYNC_COMMITTEE_SIZE
  const na = participantCount(a.syncAggregate.bits)
  const nb = participantCount(b.syncAggregate.bits)
  const supA = na * 3 >= max * 2
  const supB = nb * 3 >= max * 2
  if (supA !== supB) return supA
  if (!supA && na !== nb) return na > nb
  const relA = isSyncCommitteeUpdate(a) && periodAtSlot(a.attestedHeader.beacon.slot) === periodAtSlot(a.signatureSlot)
  const relB = isSyncCommitteeUpdate(b) && periodAtSlot(b.attestedHeader.beacon.slot) === periodAtSlot(b.signatureSlot)
  if (relA !== relB) return relA
  const finA = isFinalityUpdate(a)
  const finB = isFinalityUpdate(b)
  if (finA !== finB) return finA
  if (finA) {
    const scA = periodAtSlot(a.finalizedHeader!.beacon.slot) === periodAtSlot(a.attestedHeader.beacon.slot)
    const scB = periodAtSlot(b.finalizedHeader!.beacon.slot) === periodAtSlot(b.attestedHeader.beacon.slot)
    if (scA !== scB) return scA
  }
  if (na !== nb) return na > nb
  if (a.attestedHeader.beacon.slot !== b.attestedHeader.beacon.slot) return a.attestedHeader.beacon.slot < b.attestedHeader.beacon.slot
  return a.signatureSlot < b.signatureSlot
}

/** apply_light_client_update. */
function applyUpdate(s: LightClientStore, u: LightClientUpdate): LightClientStore {
  const out = { ...s }
  const storePeriod = periodAtSlot(s.finalizedHeader.beacon.slot)
  const fh = u.finalizedHeader!
  const finalizedPeriod = periodAtSlot(fh.beacon.slot)
  if (s.nextSyncCommittee === null) {
    if (finalizedPeriod !== storePeriod) throw lcError('LC_WRONG_PERIOD', `finalized period ${finalizedPeriod} is not the store period ${storePeriod} (next committee unknown)`, { finalizedPeriod, storePeriod })
    out.nextSyncCommittee = u.nextSyncCommittee ?? null
  } else if (finalizedPeriod === storePeriod + 1) {
    out.currentSyncCommittee = s.nextSyncCommittee
    out.nextSyncCommittee = u.nextSyncCommittee ?? null
    out.previousMaxActiveParticipants = s.currentMaxActiveParticipants
    out.currentMaxActiveParticipants = 0
  }
  if (fh.beacon.slot > s.finalizedHeader.beacon.slot) {
    out.finalizedHeader = fh
    if (fh.beacon.slot > out.optimisticHeader.beacon.slot) out.optimisticHeader = fh
  }
  return out
}

/** process_light_client_update: validate, then move the optimistic and (by the 2/3 rule) the finalized header. */
export function processUpdate(cfg: NetworkConfig, store: LightClientStore, u: LightClientUpdate, opts: ProcessOptions = {}): UpdateOutcome {
  const { participants, signaturePeriod } = validateUpdate(cfg, store, u, opts)
  let s: LightClientStore = { ...store }
  if (s.bestValidUpdate === null || isBetterUpdate(u, s.bestValidUpdate)) s.bestValidUpdate = u
  s.currentMaxActiveParticipants = Math.max(s.currentMaxActiveParticipants, participants)
  if (participants > safetyThreshold(s) && u.attestedHeader.beacon.slot > s.optimisticHeader.beacon.slot) s.optimisticHeader = u.attestedHeader
  const hasFinalizedNext =
    s.nextSyncCommittee === null && isSyncCommitteeUpdate(u) && isFinalityUpdate(u) && periodAtSlot(u.finalizedHeader!.beacon.slot) === periodAtSlot(u.attestedHeader.beacon.slot)
  let applied = false
  if (participants * 3 >= SYNC_COMMITTEE_SIZE * 2 && isFinalityUpdate(u) && (u.finalizedHeader!.beacon.slot > s.finalizedHeader.beacon.slot || hasFinalizedNext)) {
    s = applyUpdate(s, u)
    s.bestValidUpdate = null
    applied = true
  }
  return { store: s, attestedSlot: u.attestedHeader.beacon.slot, signatureSlot: u.signatureSlot, signaturePeriod, participants, applied, fork: forkAtSlot(cfg, u.attestedHeader.beacon.slot).name }
}

/** process_light_client_store_force_update: after UPDATE_TIMEOUT without finality, adopt the best valid update. */
export function forceUpdate(store: LightClientStore, nowSlot: number): LightClientStore {
  const best = store.bestValidUpdate
  if (!best || nowSlot <= store.finalizedHeader.beacon.slot + UPDATE_TIMEOUT) return store
  let u = best
  if (!u.finalizedHeader || u.finalizedHeader.beacon.slot <= store.finalizedHeader.beacon.slot) u = { ...u, finalizedHeader: u.attestedHeader }
  return { ...applyUpdate(store, u), bestValidUpdate: null }
}

/** process_light_client_finality_update: a LightClientUpdate without a next sync committee. */
export function processFinalityUpdate(cfg: NetworkConfig, store: LightClientStore, u: LightClientUpdate, opts: ProcessOptions = {}): UpdateOutcome {
  if (!isFinalityUpdate(u)) throw lcError('LC_INVALID_BRANCH', 'a finality update without a finalized header and its branch', { branch: 'finality' })
  const { nextSyncCommittee: _n, ...rest } = u
  return processUpdate(cfg, store, { ...rest, nextSyncCommitteeBranch: [] }, opts)
}

/** process_light_client_optimistic_update: only the attested header and the aggregate count. */
export function processOptimisticUpdate(cfg: NetworkConfig, store: LightClientStore, u: LightClientUpdate, opts: ProcessOptions = {}): UpdateOutcome {
  const { nextSyncCommittee: _n, finalizedHeader: _f, ...rest } = u
  return processUpdate(cfg, store, { ...rest, nextSyncCommitteeBranch: [], finalityBranch: [] }, opts)
}
