/**
 * The checks on a checkpoint that L1 says was mined, as one pure function: what the L1
 * follower (src/sync/l1-follower.ts) decides and what Verify now shows come from here, so
 * they cannot drift apart. No state, no I/O: the caller looks up the parent header, whether
 * checkpoint n-1 is invalid, and the slot's committee and proposer, and passes them in.
 *
 * The checks run in this order and the first that fails decides (docs/reorgs.md):
 *
 * | check             | error code                                 |
 * |-------------------|--------------------------------------------|
 * | `digest`          | CHECKPOINT_MISMATCH (event digest ≠ calldata digest) |
 * | `number`          | CHECKPOINT_MISMATCH (number ≠ the event's)  |
 * | `blobCount`       | BLOB_COUNT_MISMATCH                          |
 * | `blobHashes`      | BLOB_HASH_MISMATCH                           |
 * | `parentValid`     | PARENT_MISMATCH (builds on an invalid checkpoint) |
 * | `parentKnown`     | PARENT_UNKNOWN (soft)                        |
 * | `headers`         | the header / linkage / genesis codes of verifyCheckpointHeaders, verifyGenesisLink |
 * | `committee`       | the committee lookup's error (e.g. COMMITTEE_UNKNOWN, soft) |
 * | `txProposer`      | WRONG_PROPOSER (the L1 transaction's sender) |
 * | `headerProposers` | WRONG_PROPOSER (a header's proposer)         |
 * | `quorum`          | DECODE_* (attestation list), BAD_SIGNATURE, SIGNER_NOT_IN_COMMITTEE, DUPLICATE_SIGNER, QUORUM_NOT_REACHED |
 */
import { VigilError, toErrorRecord } from '../core/errors'
import type { Address, Hex } from '../core/types'
import type { BlockHeader } from '../protocol/header'
import { checkpointDigest, decodeAttestationSignatures, type Checkpoint } from '../protocol/checkpoint'
import type { SigningDomain } from '../protocol/domain'
import { bytesToHex } from '../protocol/bytes'
import { quorumOf } from '../protocol/schedule'
import { verifyCheckpointHeaders, verifyGenesisLink, verifyQuorum } from './rules'

export const MINED_CHECKPOINT_CHECKS = ['digest', 'number', 'blobCount', 'blobHashes', 'parentValid', 'parentKnown', 'headers', 'committee', 'txProposer', 'headerProposers', 'quorum'] as const
export type MinedCheckpointCheck = (typeof MINED_CHECKPOINT_CHECKS)[number]

/** What L1 says about the checkpoint (the fields of the L1 port's `MinedCheckpoint` these checks read). */
export interface MinedCheckpointEvent {
  checkpointNumber: number
  digest: Hex
  /** The attestations posted with it (u16 count, then 65-byte signatures). */
  attestationsBytes: Uint8Array
  /** Versioned hashes of the blobs the L1 transaction actually carried. */
  txBlobVersionedHashes: Hex[]
  /** Sender of the L1 transaction. */
  txFrom: Address
}

export interface MinedCheckpointInput {
  domain: SigningDomain
  /** The L1 event joined with its transaction (a `MinedCheckpoint` of src/ports/l1.ts fits). */
  event: MinedCheckpointEvent
  /** The checkpoint decoded from `event.checkpointBytes`. */
  checkpoint: Checkpoint
  /** Last header of mined checkpoint n-1: null for checkpoint 1 (genesis), undefined when not known. */
  parent: BlockHeader | null | undefined
  /** True when checkpoint n-1 in L1's chain is invalid (and not pruned by L1 since). */
  parentInvalid: boolean
  /** The committee of the checkpoint's epoch. */
  committee: Address[]
  /** The proposer of the checkpoint's slot (lower case). */
  expectedProposer: Address
  /** Set when the committee could not be looked up: the `committee` check fails with it. */
  committeeError?: unknown
}

export interface MinedCheckpointVerdict {
  ok: boolean
  digest: Hex
  /** Distinct committee members whose attestation verified (empty when the quorum check was not reached). */
  signers: Address[]
  /** Size of the committee (0 when the committee check was not reached). */
  committeeSize: number
  quorum: number
  /** The posted attestations as hex signatures ([] when the list does not decode). */
  attestations: Hex[]
  /** The checks that passed, in order. */
  passed: MinedCheckpointCheck[]
  /** The first check that failed and why (soft failures included: not enough information); null when all passed. */
  failed: { check: MinedCheckpointCheck; error: VigilError } | null
  /** Every check's outcome, in order: pass, fail (hard), or skipped (soft failure, or a check it needs did not pass). */
  results: MinedCheckResult[]
}

export interface MinedCheckResult {
  check: MinedCheckpointCheck
  status: 'pass' | 'fail' | 'skipped'
  error: VigilError | null
  /** Why it was skipped or failed ('' when it passed). */
  detail: string
}

/** Runs every check of a mined checkpoint in order; the first failure is the verdict, `results` has each. Pure. */
export function verifyMinedCheckpoint(input: MinedCheckpointInput): MinedCheckpointVerdict {
  const { event: ev, checkpoint: cp } = input
  const digest = checkpointDigest(cp)
  const verdict: MinedCheckpointVerdict = { ok: false, digest, signers: [], committeeSize: 0, quorum: 0, attestations: attestationHexes(ev.attestationsBytes), passed: [], failed: null, results: [] }
  const checks: [MinedCheckpointCheck, () => void][] = [
    [
      'digest',
      () => {
        if (digest !== ev.digest) throw new VigilError('CHECKPOINT_MISMATCH', `L1 event digest ${ev.digest} is not the digest of the calldata checkpoint ${digest}`)
      },
    ],
    [
      'number',
      () => {
        if (cp.checkpointNumber !== ev.checkpointNumber) throw new VigilError('CHECKPOINT_MISMATCH', 'checkpoint number differs from the L1 event')
      },
    ],
    [
      'blobCount',
      () => {
        if (ev.txBlobVersionedHashes.length !== cp.blobVersionedHashes.length)
          throw new VigilError('BLOB_COUNT_MISMATCH', `checkpoint names ${cp.blobVersionedHashes.length} blobs, its L1 transaction carried ${ev.txBlobVersionedHashes.length}`)
      },
    ],
    [
      'blobHashes',
      () => {
        const cpHashes = cp.blobVersionedHashes.map((h) => h.toLowerCase())
        if (ev.txBlobVersionedHashes.some((h, i) => h.toLowerCase() !== cpHashes[i])) throw new VigilError('BLOB_HASH_MISMATCH', 'checkpoint blob hashes differ from the L1 transaction blob hashes')
      },
    ],
    [
      'parentValid',
      () => {
        if (input.parentInvalid) throw new VigilError('PARENT_MISMATCH', `checkpoint ${cp.checkpointNumber} builds on invalid checkpoint ${cp.checkpointNumber - 1}`)
      },
    ],
    [
      'parentKnown',
      () => {
        if (input.parent === undefined) throw new VigilError('PARENT_UNKNOWN', `mined checkpoint ${cp.checkpointNumber - 1} is not known`, { severity: 'soft' })
      },
    ],
    [
      'headers',
      () => {
        // without the parent (not known) the checkpoint's own headers are still checked
        const parent = input.parent
        verifyCheckpointHeaders(cp, parent ? { parent } : {})
        if (parent === null) verifyGenesisLink(cp.headers[0]!)
      },
    ],
    [
      'committee',
      () => {
        if (input.committeeError !== undefined) throw input.committeeError
        verdict.committeeSize = input.committee.length
      },
    ],
    [
      'txProposer',
      () => {
        if (ev.txFrom !== input.expectedProposer) throw new VigilError('WRONG_PROPOSER', `checkpoint posted by ${ev.txFrom}, slot ${cp.slot} belongs to ${input.expectedProposer}`)
      },
    ],
    [
      'headerProposers',
      () => {
        for (const h of cp.headers) {
          if (h.proposer.toLowerCase() !== input.expectedProposer)
            throw new VigilError('WRONG_PROPOSER', `block ${h.height} names proposer ${h.proposer}, slot ${cp.slot} belongs to ${input.expectedProposer}`)
        }
      },
    ],
    [
      'quorum',
      () => {
        const q = verifyQuorum(input.domain, digest, decodeAttestationSignatures(ev.attestationsBytes), input.committee)
        verdict.signers = q.signers
        if (!q.valid) throw q.error ? VigilError.fromRecord(q.error) : new VigilError('QUORUM_NOT_REACHED', 'quorum not reached')
      },
    ],
  ]
  // every check runs (Verify now reports each); the first failure in order is the verdict, and
  // what a check learns (committee size, signers) counts only when nothing failed before it
  for (const [check, run] of checks) {
    const needs = NEEDS[check]
    const missing = needs.find((n) => !verdict.results.find((r) => r.check === n && r.status === 'pass'))
    if (missing) {
      verdict.results.push({ check, status: 'skipped', error: null, detail: `needs ${missing}` })
      continue
    }
    const before = { signers: verdict.signers, committeeSize: verdict.committeeSize }
    try {
      run()
      verdict.results.push({ check, status: 'pass', error: null, detail: '' })
      if (!verdict.failed) verdict.passed.push(check)
      else Object.assign(verdict, before)
    } catch (e) {
      const error = e instanceof VigilError ? e : VigilError.fromRecord(toErrorRecord(e))
      verdict.results.push({ check, status: error.severity === 'soft' ? 'skipped' : 'fail', error, detail: error.message })
      if (!verdict.failed) verdict.failed = { check, error }
      else Object.assign(verdict, before)
    }
  }
  verdict.ok = verdict.failed === null
  verdict.quorum = verdict.committeeSize ? quorumOf(verdict.committeeSize) : 0
  return verdict
}

/** Which checks a check needs to have passed before it can run (Verify now reports the rest as skipped). */
const NEEDS: Record<MinedCheckpointCheck, MinedCheckpointCheck[]> = {
  digest: [],
  number: [],
  blobCount: [],
  blobHashes: ['blobCount'],
  parentValid: [],
  parentKnown: [],
  headers: [],
  committee: [],
  txProposer: ['committee'],
  headerProposers: ['committee'],
  quorum: ['committee'],
}

/** The outcome of each check of a mined checkpoint, in order (for a check-by-check report). */
export function checkResult(v: MinedCheckpointVerdict, check: MinedCheckpointCheck): MinedCheckResult {
  return v.results.find((r) => r.check === check)!
}

/** The calldata attestation list as hex signatures; [] when it does not decode (the quorum check reports why). */
export function attestationHexes(bytes: Uint8Array): Hex[] {
  try {
    return decodeAttestationSignatures(bytes).map(bytesToHex)
  } catch {
    return []
  }
}
