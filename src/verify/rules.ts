/**
 * Verification rules: pure, synchronous, one rule per function (docs/verification.md).
 *
 * Every rule throws a `VigilError` with a stable code when the data is wrong, except
 * `verifyQuorum`, which returns a `QuorumResult` (the caller wants the signers even when
 * the quorum fails). Severity: `hard` = provably wrong (reject, penalise the sender);
 * `soft` = not enough information to decide (hold back, retry, don't penalise).
 */
import { VigilError, type ErrorCode, type ErrorRecord } from '../core/errors'
import type { Address, Hex } from '../core/types'
import { ZERO_HASH, bytesToHex, concatBytes, hexToBytes } from '../protocol/bytes'
import { keccak256Hex } from '../protocol/hash'
import { HEADER_VERSION, headerHash, type BlockHeader } from '../protocol/header'
import { BODY_VERSION, MAX_TXS_PER_BLOCK, decodeBody, encodeBody, type BlockBody } from '../protocol/body'
import { MAX_BLOCKS_PER_CHECKPOINT, checkpointDigest, type Checkpoint } from '../protocol/checkpoint'
import { signingDigest, type SigningDomain } from '../protocol/domain'
import { quorumOf, slotAt, type Schedule } from '../protocol/schedule'
import { executeTx, TX_VERSION, type Tx } from '../protocol/tx'
import { recoverAddress } from './secp256k1'

const ZERO_ADDRESS: Address = `0x${'00'.repeat(20)}`

function fail(code: ErrorCode, message: string, details: Record<string, string | number | boolean | null> = {}, severity: 'hard' | 'soft' = 'hard'): never {
  throw new VigilError(code, message, { severity, details })
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** keccak256(parentStateRoot ‖ bodyHash): the running commitment to every body so far. */
export function nextStateRoot(parentStateRoot: Hex, bodyHash: Hex): Hex {
  return keccak256Hex(concatBytes(hexToBytes(parentStateRoot), hexToBytes(bodyHash)))
}

// ------------------------------------------------------------------ headers and linkage

export interface HeaderFieldsOptions {
  l2ChainId: number
  /** When given, the header's timestamp must fall in its slot (SLOT_MISMATCH, hard). */
  schedule?: Schedule
}

/**
 * Fields of one header, on their own: version, L2 chain id, height ≥ 1, checkpoint
 * number ≥ 1, index in checkpoint < MAX_BLOCKS_PER_CHECKPOINT, tx count ≤ MAX_TXS_PER_BLOCK,
 * a non-zero proposer, and (with a schedule) a timestamp inside the header's slot.
 */
export function verifyHeaderFields(h: BlockHeader, opts: HeaderFieldsOptions): void {
  if (h.version !== HEADER_VERSION) fail('DECODE_UNKNOWN_VERSION', `header version ${h.version}, expected ${HEADER_VERSION}`, { got: h.version })
  if (h.chainId !== opts.l2ChainId) fail('WRONG_CHAIN', `header is for L2 chain ${h.chainId}, this client follows ${opts.l2ChainId}`, { got: h.chainId, expected: opts.l2ChainId })
  if (!(h.height >= 1)) fail('DECODE_INVALID_FIELD', `header height ${h.height} (the first block is 1)`, { field: 'height', got: h.height })
  if (!(h.checkpointNumber >= 1)) fail('DECODE_INVALID_FIELD', `header checkpoint number ${h.checkpointNumber} (the first checkpoint is 1)`, { field: 'checkpointNumber', got: h.checkpointNumber })
  if (h.indexInCheckpoint >= MAX_BLOCKS_PER_CHECKPOINT)
    fail('DECODE_INVALID_FIELD', `indexInCheckpoint ${h.indexInCheckpoint} ≥ ${MAX_BLOCKS_PER_CHECKPOINT}`, { field: 'indexInCheckpoint', got: h.indexInCheckpoint })
  if (h.txCount > MAX_TXS_PER_BLOCK) fail('DECODE_TOO_LARGE', `txCount ${h.txCount} > ${MAX_TXS_PER_BLOCK}`, { field: 'txCount', got: h.txCount, max: MAX_TXS_PER_BLOCK })
  if (sameAddress(h.proposer, ZERO_ADDRESS)) fail('WRONG_PROPOSER', 'header names the zero address as proposer')
  if (opts.schedule) {
    const slot = slotAt(opts.schedule, Math.floor(h.timestamp / 1000))
    if (slot !== h.slot) fail('SLOT_MISMATCH', `header timestamp ${h.timestamp} lies in slot ${slot}, header says slot ${h.slot}`, { got: h.slot, expected: slot })
  }
}

/**
 * `child` extends `parent`:
 *  - same L2 chain id (WRONG_CHAIN);
 *  - child.height = parent.height + 1 (HEIGHT_NOT_CONSECUTIVE);
 *  - child.parentHash = headerHash(parent) (PARENT_MISMATCH);
 *  - child.stateRoot = keccak256(parent.stateRoot ‖ child.bodyHash) (PARENT_MISMATCH);
 *  - slot never decreases (SLOT_MISMATCH), checkpoint number never decreases (CHECKPOINT_MISMATCH);
 *  - checkpoint sequencing: in the same checkpoint, same slot and index + 1; otherwise the
 *    next checkpoint (number + 1) in a later slot, starting at index 0 (CHECKPOINT_MISMATCH / SLOT_MISMATCH).
 * All hard. Block 1 has no parent header: use `verifyGenesisLink`.
 */
export function verifyLinkage(parent: BlockHeader, child: BlockHeader): void {
  const at = { height: child.height }
  if (child.chainId !== parent.chainId) fail('WRONG_CHAIN', `block ${child.height} is on L2 chain ${child.chainId}, its parent on ${parent.chainId}`, { ...at, got: child.chainId, expected: parent.chainId })
  if (child.height !== parent.height + 1)
    fail('HEIGHT_NOT_CONSECUTIVE', `block at height ${child.height} cannot follow height ${parent.height}`, { ...at, parentHeight: parent.height })
  const parentHash = headerHash(parent)
  if (child.parentHash.toLowerCase() !== parentHash)
    fail('PARENT_MISMATCH', `block ${child.height} names parent ${child.parentHash}, the parent's hash is ${parentHash}`, { ...at, got: child.parentHash, expected: parentHash })
  const stateRoot = nextStateRoot(parent.stateRoot, child.bodyHash)
  if (child.stateRoot.toLowerCase() !== stateRoot)
    fail('PARENT_MISMATCH', `block ${child.height} state root does not follow from its parent's`, { ...at, field: 'stateRoot', got: child.stateRoot, expected: stateRoot })
  if (child.slot < parent.slot) fail('SLOT_MISMATCH', `block ${child.height} is in slot ${child.slot}, before its parent's slot ${parent.slot}`, { ...at, got: child.slot, parentSlot: parent.slot })
  if (child.checkpointNumber < parent.checkpointNumber)
    fail('CHECKPOINT_MISMATCH', `block ${child.height} is in checkpoint ${child.checkpointNumber}, before its parent's ${parent.checkpointNumber}`, {
      ...at,
      got: child.checkpointNumber,
      parentCheckpoint: parent.checkpointNumber,
    })
  if (child.checkpointNumber === parent.checkpointNumber) {
    if (child.slot !== parent.slot)
      fail('SLOT_MISMATCH', `block ${child.height} shares checkpoint ${child.checkpointNumber} with its parent but not its slot`, { ...at, got: child.slot, expected: parent.slot })
    if (child.indexInCheckpoint !== parent.indexInCheckpoint + 1)
      fail('CHECKPOINT_MISMATCH', `block ${child.height} has index ${child.indexInCheckpoint} in its checkpoint, expected ${parent.indexInCheckpoint + 1}`, {
        ...at,
        got: child.indexInCheckpoint,
        expected: parent.indexInCheckpoint + 1,
      })
  } else {
    if (child.checkpointNumber !== parent.checkpointNumber + 1)
      fail('CHECKPOINT_MISMATCH', `block ${child.height} skips from checkpoint ${parent.checkpointNumber} to ${child.checkpointNumber}`, {
        ...at,
        got: child.checkpointNumber,
        expected: parent.checkpointNumber + 1,
      })
    if (child.slot === parent.slot) fail('SLOT_MISMATCH', `block ${child.height} opens checkpoint ${child.checkpointNumber} in its parent's slot ${parent.slot}`, { ...at, got: child.slot })
    if (child.indexInCheckpoint !== 0)
      fail('CHECKPOINT_MISMATCH', `block ${child.height} opens checkpoint ${child.checkpointNumber} at index ${child.indexInCheckpoint}, expected 0`, { ...at, got: child.indexInCheckpoint, expected: 0 })
  }
}

/**
 * Block 1 builds on the genesis: parent hash ZERO_HASH, state root
 * keccak256(ZERO_HASH ‖ bodyHash), checkpoint 1, index 0 (PARENT_MISMATCH / CHECKPOINT_MISMATCH, hard).
 * Headers at any other height are ignored.
 */
export function verifyGenesisLink(h: BlockHeader): void {
  if (h.height !== 1) return
  if (h.parentHash.toLowerCase() !== ZERO_HASH) fail('PARENT_MISMATCH', 'block 1 must have the zero parent hash', { height: 1, got: h.parentHash, expected: ZERO_HASH })
  const stateRoot = nextStateRoot(ZERO_HASH, h.bodyHash)
  if (h.stateRoot.toLowerCase() !== stateRoot) fail('PARENT_MISMATCH', 'block 1 state root does not follow from genesis', { height: 1, field: 'stateRoot', got: h.stateRoot, expected: stateRoot })
  if (h.checkpointNumber !== 1 || h.indexInCheckpoint !== 0)
    fail('CHECKPOINT_MISMATCH', `block 1 must open checkpoint 1 at index 0, got checkpoint ${h.checkpointNumber} index ${h.indexInCheckpoint}`, {
      height: 1,
      got: h.checkpointNumber,
      index: h.indexInCheckpoint,
    })
}

export interface CheckpointHeadersOptions {
  /** The last block of the previous checkpoint, when known: the first header must extend it. */
  parent?: BlockHeader
}

/**
 * The headers of a checkpoint belong to it and to each other: header i has
 * indexInCheckpoint = i, the checkpoint's slot (SLOT_MISMATCH) and number
 * (CHECKPOINT_MISMATCH); consecutive headers pass `verifyLinkage`; the first extends
 * `parent` if given, or the genesis if it is block 1. All hard.
 */
export function verifyCheckpointHeaders(checkpoint: Checkpoint, opts: CheckpointHeadersOptions = {}): void {
  const n = checkpoint.headers.length
  if (n === 0 || n > MAX_BLOCKS_PER_CHECKPOINT)
    fail('CHECKPOINT_MISMATCH', `checkpoint ${checkpoint.checkpointNumber} has ${n} blocks (1..${MAX_BLOCKS_PER_CHECKPOINT} allowed)`, { checkpoint: checkpoint.checkpointNumber, blocks: n })
  checkpoint.headers.forEach((h, i) => {
    const at = { checkpoint: checkpoint.checkpointNumber, index: i, height: h.height }
    if (h.indexInCheckpoint !== i) fail('CHECKPOINT_MISMATCH', `header ${i} of checkpoint ${checkpoint.checkpointNumber} says index ${h.indexInCheckpoint}`, { ...at, got: h.indexInCheckpoint })
    if (h.slot !== checkpoint.slot) fail('SLOT_MISMATCH', `header ${i} is in slot ${h.slot}, its checkpoint in slot ${checkpoint.slot}`, { ...at, got: h.slot, expected: checkpoint.slot })
    if (h.checkpointNumber !== checkpoint.checkpointNumber)
      fail('CHECKPOINT_MISMATCH', `header ${i} names checkpoint ${h.checkpointNumber}, it is in checkpoint ${checkpoint.checkpointNumber}`, { ...at, got: h.checkpointNumber })
    if (i > 0) verifyLinkage(checkpoint.headers[i - 1]!, h)
  })
  const first = checkpoint.headers[0]!
  if (opts.parent) verifyLinkage(opts.parent, first)
  else if (first.height === 1) verifyGenesisLink(first)
}

// ------------------------------------------------------------------ signatures

/**
 * A block proposal's signature: header.proposer must be the slot's proposer
 * (WRONG_PROPOSER), and the signature over signingDigest(domain, 'BlockProposal',
 * headerHash(header)) must recover to it (BAD_SIGNATURE: malformed, high-s, or signed by
 * another key, over another header, rollup or L1). Hard.
 */
export function verifyProposerSignature(domain: SigningDomain, header: BlockHeader, signature: Uint8Array, expectedProposer: Address): void {
  if (!sameAddress(header.proposer, expectedProposer))
    fail('WRONG_PROPOSER', `block ${header.height} names proposer ${header.proposer}, slot ${header.slot} belongs to ${expectedProposer}`, {
      height: header.height,
      slot: header.slot,
      got: header.proposer,
      expected: expectedProposer.toLowerCase(),
    })
  const hash = headerHash(header)
  const signer = recoverAddress(signingDigest(domain, 'BlockProposal', hash), signature)
  if (!sameAddress(signer, expectedProposer))
    fail('BAD_SIGNATURE', `block ${header.height} proposal is signed by ${signer}, not by proposer ${expectedProposer}`, {
      height: header.height,
      hash,
      signer,
      expected: expectedProposer.toLowerCase(),
    })
}

/**
 * A checkpoint proposal's signature: every header names the slot's proposer
 * (WRONG_PROPOSER) and the signature over signingDigest(domain, 'CheckpointProposal',
 * checkpointDigest) recovers to it (BAD_SIGNATURE). Hard.
 */
export function verifyCheckpointProposalSignature(domain: SigningDomain, checkpoint: Checkpoint, signature: Uint8Array, expectedProposer: Address): void {
  for (const h of checkpoint.headers) {
    if (!sameAddress(h.proposer, expectedProposer))
      fail('WRONG_PROPOSER', `block ${h.height} of checkpoint ${checkpoint.checkpointNumber} names proposer ${h.proposer}, slot ${checkpoint.slot} belongs to ${expectedProposer}`, {
        checkpoint: checkpoint.checkpointNumber,
        height: h.height,
        got: h.proposer,
        expected: expectedProposer.toLowerCase(),
      })
  }
  const digest = checkpointDigest(checkpoint)
  const signer = recoverAddress(signingDigest(domain, 'CheckpointProposal', digest), signature)
  if (!sameAddress(signer, expectedProposer))
    fail('BAD_SIGNATURE', `checkpoint ${checkpoint.checkpointNumber} is signed by ${signer}, not by proposer ${expectedProposer}`, {
      checkpoint: checkpoint.checkpointNumber,
      digest,
      signer,
      expected: expectedProposer.toLowerCase(),
    })
}

export interface QuorumResult {
  /** Distinct committee members whose signatures verified, in signature order. */
  signers: Address[]
  committeeSize: number
  /** floor(2n/3) + 1 */
  quorum: number
  valid: boolean
  /** Why `valid` is false: the first offending signature, or QUORUM_NOT_REACHED, or COMMITTEE_UNKNOWN (soft). */
  error?: ErrorRecord
}

function committeeSet(committee: Address[]): Set<string> {
  return new Set(committee.map((a) => a.toLowerCase()))
}

/**
 * The attestations posted with a checkpoint. Every signature must recover
 * (BAD_SIGNATURE), to a member of the committee (SIGNER_NOT_IN_COMMITTEE), at most once
 * per member (DUPLICATE_SIGNER); and at least quorumOf(n) distinct members must have
 * signed (QUORUM_NOT_REACHED). All hard: the poster chose what to post. An empty committee
 * gives COMMITTEE_UNKNOWN (soft). Signatures are over
 * signingDigest(domain, 'CheckpointAttestation', checkpointDigest), so a signature for
 * another rollup or L1 recovers to a stranger and counts as an outsider.
 */
export function verifyQuorum(domain: SigningDomain, checkpointDigestHex: Hex, signatures: Uint8Array[], committee: Address[]): QuorumResult {
  const committeeSize = committee.length
  const quorum = quorumOf(committeeSize)
  if (committeeSize === 0) {
    return {
      signers: [],
      committeeSize,
      quorum,
      valid: false,
      error: new VigilError('COMMITTEE_UNKNOWN', 'no committee known for this checkpoint', { severity: 'soft', details: { digest: checkpointDigestHex } }).toRecord(),
    }
  }
  const members = committeeSet(committee)
  const digest = signingDigest(domain, 'CheckpointAttestation', checkpointDigestHex)
  const signers: Address[] = []
  const seen = new Set<string>()
  let error: ErrorRecord | undefined
  signatures.forEach((sig, index) => {
    let signer: Address
    try {
      signer = recoverAddress(digest, sig)
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e)
      error ??= new VigilError('BAD_SIGNATURE', `attestation ${index}: ${msg}`, { details: { index } }).toRecord()
      return
    }
    if (!members.has(signer)) {
      error ??= new VigilError('SIGNER_NOT_IN_COMMITTEE', `attestation ${index} is signed by ${signer}, who is not in the committee`, { details: { index, signer } }).toRecord()
      return
    }
    if (seen.has(signer)) {
      error ??= new VigilError('DUPLICATE_SIGNER', `attestation ${index}: ${signer} signed twice`, { details: { index, signer } }).toRecord()
      return
    }
    seen.add(signer)
    signers.push(signer)
  })
  if (!error && signers.length < quorum) {
    error = new VigilError('QUORUM_NOT_REACHED', `${signers.length} of ${committeeSize} committee members signed, ${quorum} needed`, {
      details: { signers: signers.length, committeeSize, quorum },
    }).toRecord()
  }
  return error ? { signers, committeeSize, quorum, valid: false, error } : { signers, committeeSize, quorum, valid: true }
}

/** Bound on the signature cache of one tracker (a member may sign many distinct signatures). */
const MAX_REMEMBERED_SIGNATURES = 4096

export type AttestationStatus = 'accepted' | 'duplicate' | 'outsider' | 'bad'

export interface AttestationOutcome {
  /** The recovered signer; null when the signature did not recover. */
  signer: Address | null
  status: AttestationStatus
  /** Why it was not accepted (absent for 'accepted' and 'duplicate'). */
  error?: ErrorRecord
}

/**
 * Counts attestations for one checkpoint as they arrive over gossip, with the same rules
 * as `verifyQuorum` but per message: a bad signature or an outsider is that sender's
 * fault (reject the message), a duplicate is ignored, and `reached` turns true once
 * quorumOf(n) distinct committee members signed.
 */
export class QuorumTracker {
  readonly committeeSize: number
  readonly quorum: number
  private readonly members: Set<string>
  private readonly digest: Uint8Array
  /** Signature bytes already counted (or counted as duplicates), bounded. */
  private readonly seenSignatures = new Map<string, Address>()
  private readonly signerSet = new Set<string>()
  private readonly signerList: Address[] = []

  constructor(
    domain: SigningDomain,
    readonly checkpointDigest: Hex,
    committee: Address[],
  ) {
    if (committee.length === 0) throw new VigilError('COMMITTEE_UNKNOWN', 'cannot count attestations without a committee', { severity: 'soft', details: { digest: checkpointDigest } })
    this.committeeSize = committee.length
    this.quorum = quorumOf(committee.length)
    this.members = committeeSet(committee)
    this.digest = signingDigest(domain, 'CheckpointAttestation', checkpointDigest)
  }

  add(signature: Uint8Array): AttestationOutcome {
    const key = bytesToHex(signature)
    const known = this.seenSignatures.get(key)
    if (known) return { signer: known, status: 'duplicate' } // the same bytes again: no need to recover
    let signer: Address
    try {
      signer = recoverAddress(this.digest, signature)
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e)
      return { signer: null, status: 'bad', error: new VigilError('BAD_SIGNATURE', `attestation: ${msg}`).toRecord() }
    }
    if (!this.members.has(signer))
      return { signer, status: 'outsider', error: new VigilError('SIGNER_NOT_IN_COMMITTEE', `attestation signed by ${signer}, who is not in the committee`, { details: { signer } }).toRecord() }
    if (this.seenSignatures.size < MAX_REMEMBERED_SIGNATURES) this.seenSignatures.set(key, signer)
    if (this.signerSet.has(signer)) return { signer, status: 'duplicate' }
    this.signerSet.add(signer)
    this.signerList.push(signer)
    return { signer, status: 'accepted' }
  }

  /** True once quorumOf(committeeSize) distinct committee members have signed. */
  get reached(): boolean {
    return this.signerList.length >= this.quorum
  }

  get count(): number {
    return this.signerList.length
  }

  /** Distinct accepted signers, in arrival order (a copy). */
  get signers(): Address[] {
    return [...this.signerList]
  }

  has(signer: Address): boolean {
    return this.signerSet.has(signer.toLowerCase())
  }
}

// ------------------------------------------------------------------ bodies

/**
 * A body against its header: keccak256(bodyBytes) = header.bodyHash (BODY_MISMATCH), the
 * bytes decode (DECODE_*), and it holds header.txCount tx effects (BODY_MISMATCH). Hard.
 * Returns the decoded body.
 */
export function verifyBody(header: BlockHeader, bodyBytes: Uint8Array): BlockBody {
  const hash = keccak256Hex(bodyBytes)
  if (hash !== header.bodyHash.toLowerCase())
    fail('BODY_MISMATCH', `body of block ${header.height} hashes to ${hash}, the header commits to ${header.bodyHash}`, { height: header.height, got: hash, expected: header.bodyHash })
  const body = decodeBody(bodyBytes)
  if (body.txEffects.length !== header.txCount)
    fail('BODY_MISMATCH', `body of block ${header.height} has ${body.txEffects.length} tx effects, the header says ${header.txCount}`, {
      height: header.height,
      got: body.txEffects.length,
      expected: header.txCount,
    })
  return body
}

/**
 * Re-execution: the body rebuilt from the block's transactions (executeTx, encodeBody)
 * must be the body the header commits to (BODY_MISMATCH; unknown tx version:
 * DECODE_UNKNOWN_VERSION). Hard. Returns the rebuilt body.
 */
export function verifyBodyFromTxs(header: BlockHeader, txs: Tx[]): BlockBody {
  txs.forEach((tx, i) => {
    if (tx.version !== TX_VERSION) fail('DECODE_UNKNOWN_VERSION', `tx ${i} of block ${header.height} has version ${tx.version}`, { height: header.height, index: i, got: tx.version })
  })
  if (txs.length !== header.txCount)
    fail('BODY_MISMATCH', `block ${header.height} has ${txs.length} transactions, the header says ${header.txCount}`, { height: header.height, got: txs.length, expected: header.txCount })
  const body: BlockBody = { version: BODY_VERSION, txEffects: txs.map(executeTx) }
  let bytes: Uint8Array
  try {
    bytes = encodeBody(body)
  } catch (e) {
    throw new VigilError('BODY_MISMATCH', `transactions of block ${header.height} do not make a valid body: ${(e as Error).message}`, { cause: e, details: { height: header.height } })
  }
  const hash = keccak256Hex(bytes)
  if (hash !== header.bodyHash.toLowerCase())
    fail('BODY_MISMATCH', `re-executing the transactions of block ${header.height} gives body ${hash}, the header commits to ${header.bodyHash}`, {
      height: header.height,
      got: hash,
      expected: header.bodyHash,
    })
  return body
}

/**
 * A proposal's tx hash list is the body's, in order (TX_HASHES_MISMATCH, hard): what a peer
 * announces as the block's transactions is what the body says was executed. The gossip rule
 * `checkProposalTxHashes` (gossip-rules.ts) runs it for every proposal with a body.
 */
export function verifyProposalTxHashes(header: BlockHeader, body: BlockBody, txHashes: readonly Hex[]): void {
  if (txHashes.length !== body.txEffects.length)
    fail('TX_HASHES_MISMATCH', `proposal for block ${header.height} lists ${txHashes.length} tx hashes, its body has ${body.txEffects.length}`, {
      height: header.height,
      got: txHashes.length,
      expected: body.txEffects.length,
    })
  txHashes.forEach((h, i) => {
    if (h.toLowerCase() !== body.txEffects[i]!.txHash.toLowerCase())
      fail('TX_HASHES_MISMATCH', `proposal for block ${header.height}: tx hash ${i} is not the body's`, { height: header.height, index: i, got: h, expected: body.txEffects[i]!.txHash })
  })
}
