/**
 * verifyMinedCheckpoint (src/verify/checkpoint.ts): the checks on a checkpoint L1 says was
 * mined, one test per error code, with real encodings and real signatures.
 */
import { describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { ZERO_HASH } from '../../src/protocol/bytes'
import { keccak256Hex, utf8 } from '../../src/protocol/hash'
import { HEADER_VERSION, type BlockHeader, type DecodedHeader, decodeHeader, encodeHeader } from '../../src/protocol/header'
import { CHECKPOINT_VERSION, checkpointDigest, decodeCheckpoint, encodeAttestationSignatures, encodeCheckpoint, type Checkpoint } from '../../src/protocol/checkpoint'
import { signingDigest, type SigningDomain } from '../../src/protocol/domain'
import { nextStateRoot } from '../../src/verify/rules'
import { addressOf, signDigest } from '../../src/verify/secp256k1'
import { MINED_CHECKPOINT_CHECKS, verifyMinedCheckpoint, type MinedCheckpointInput } from '../../src/verify/checkpoint'
import type { MinedCheckpoint } from '../../src/ports/l1'

const L2 = 5151
const DOMAIN: SigningDomain = { l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' }
const member = (label: string) => {
  const key = keccak256Hex(utf8(label))
  return { key, address: addressOf(key) }
}
const MEMBERS = Array.from({ length: 4 }, (_, i) => member(`verify-checkpoint-${i}`))
const COMMITTEE: Address[] = MEMBERS.map((m) => m.address)
const PROPOSER = MEMBERS[2]!.address
const OUTSIDER = member('verify-checkpoint-outsider')
const BLOB = `0x01${'ab'.repeat(31)}` as Hex

function header(parent: BlockHeader | null, parentHash: Hex, over: Partial<BlockHeader> & Pick<BlockHeader, 'slot' | 'checkpointNumber' | 'indexInCheckpoint'>): DecodedHeader {
  const height = parent ? parent.height + 1 : 1
  const bodyHash = keccak256Hex(utf8(`body-${height}`))
  const h: BlockHeader = {
    version: HEADER_VERSION,
    chainId: L2,
    height,
    timestamp: 1_700_000_000_000 + height,
    parentHash,
    bodyHash,
    stateRoot: nextStateRoot(parent ? parent.stateRoot : ZERO_HASH, bodyHash),
    proposer: PROPOSER,
    txCount: 0,
    ...over,
  }
  return decodeHeader(encodeHeader(h))
}

// checkpoint 1: blocks 1-2 in slot 5; checkpoint 2: block 3 in slot 6
const h1 = header(null, ZERO_HASH, { slot: 5, checkpointNumber: 1, indexInCheckpoint: 0 })
const h2 = header(h1, h1.hash, { slot: 5, checkpointNumber: 1, indexInCheckpoint: 1 })
const h3 = header(h2, h2.hash, { slot: 6, checkpointNumber: 2, indexInCheckpoint: 0 })

const attest = (m: { key: Hex }, digest: Hex) => signDigest(m.key, signingDigest(DOMAIN, 'CheckpointAttestation', digest))

/** The input for checkpoint `cp` as L1 would post it (all checks pass), with `over` applied to the event. */
function input(headers: BlockHeader[], opts: { parent?: BlockHeader | null; over?: Partial<MinedCheckpoint>; signers?: { key: Hex }[]; extra?: Partial<MinedCheckpointInput> } = {}): MinedCheckpointInput {
  const plain: Checkpoint = { version: CHECKPOINT_VERSION, checkpointNumber: headers[0]!.checkpointNumber, slot: headers[0]!.slot, headers, blobVersionedHashes: [BLOB] }
  const bytes = encodeCheckpoint(plain)
  const cp = decodeCheckpoint(bytes)
  const digest = checkpointDigest(cp)
  const sigs = (opts.signers ?? MEMBERS.slice(0, 3)).map((m) => attest(m, digest))
  const event: MinedCheckpoint = {
    checkpointNumber: cp.checkpointNumber,
    slot: cp.slot,
    digest,
    checkpointBytes: bytes,
    attestationsBytes: encodeAttestationSignatures(sigs),
    txBlobVersionedHashes: [BLOB],
    txFrom: PROPOSER,
    txHash: `0x${'11'.repeat(32)}`,
    l1BlockNumber: 10,
    l1BlockHash: `0x${'22'.repeat(32)}`,
    logIndex: 0,
    ...opts.over,
  }
  return { domain: DOMAIN, event, checkpoint: cp, parent: opts.parent === undefined ? null : opts.parent, parentInvalid: false, committee: COMMITTEE, expectedProposer: PROPOSER, ...opts.extra }
}

function failure(i: MinedCheckpointInput) {
  const v = verifyMinedCheckpoint(i)
  expect(v.ok).toBe(false)
  expect(v.failed).not.toBeNull()
  return { check: v.failed!.check, code: v.failed!.error.code, severity: v.failed!.error.severity, v }
}

describe('verifyMinedCheckpoint', () => {
  it('passes a checkpoint L1 mined correctly: every check, signers, committee, attestations', () => {
    const v = verifyMinedCheckpoint(input([h1, h2]))
    expect(v).toMatchObject({ ok: true, failed: null, committeeSize: 4, quorum: 3 })
    expect(v.passed).toEqual([...MINED_CHECKPOINT_CHECKS])
    expect(v.signers).toEqual(COMMITTEE.slice(0, 3))
    expect(v.attestations).toHaveLength(3)
    expect(v.digest).toBe(checkpointDigest({ version: CHECKPOINT_VERSION, checkpointNumber: 1, slot: 5, headers: [h1, h2], blobVersionedHashes: [BLOB] }))
    // on top of its parent checkpoint
    expect(verifyMinedCheckpoint(input([h3], { parent: h2 })).ok).toBe(true)
  })

  it('digest: the event digest differs from the calldata checkpoint’s → CHECKPOINT_MISMATCH (first, before anything else)', () => {
    const f = failure(input([h1, h2], { over: { digest: `0x${'33'.repeat(32)}` }, extra: { parentInvalid: true } }))
    expect(f).toMatchObject({ check: 'digest', code: 'CHECKPOINT_MISMATCH', severity: 'hard' })
    expect(f.v.passed).toEqual([])
    expect(f.v.attestations).toHaveLength(3)
  })

  it('number: the event names another checkpoint number → CHECKPOINT_MISMATCH', () => {
    expect(failure(input([h1, h2], { over: { checkpointNumber: 2 } }))).toMatchObject({ check: 'number', code: 'CHECKPOINT_MISMATCH' })
  })

  it('blobCount / blobHashes: the transaction carried other blobs → BLOB_COUNT_MISMATCH, BLOB_HASH_MISMATCH (case does not matter)', () => {
    expect(failure(input([h1, h2], { over: { txBlobVersionedHashes: [] } }))).toMatchObject({ check: 'blobCount', code: 'BLOB_COUNT_MISMATCH' })
    expect(failure(input([h1, h2], { over: { txBlobVersionedHashes: [`0x01${'cd'.repeat(31)}`] } }))).toMatchObject({ check: 'blobHashes', code: 'BLOB_HASH_MISMATCH' })
    expect(verifyMinedCheckpoint(input([h1, h2], { over: { txBlobVersionedHashes: [BLOB.toUpperCase().replace('0X', '0x') as Hex] } })).ok).toBe(true)
  })

  it('parentValid: checkpoint n-1 is invalid → PARENT_MISMATCH', () => {
    expect(failure(input([h3], { parent: h2, extra: { parentInvalid: true } }))).toMatchObject({ check: 'parentValid', code: 'PARENT_MISMATCH', severity: 'hard' })
  })

  it('parentKnown: mined checkpoint n-1 is not known → PARENT_UNKNOWN (soft)', () => {
    expect(failure(input([h3], { extra: { parent: undefined } }))).toMatchObject({ check: 'parentKnown', code: 'PARENT_UNKNOWN', severity: 'soft' })
  })

  it('headers: a header that does not extend the parent, a wrong slot, a broken genesis link → the linkage codes', () => {
    const other = header(null, ZERO_HASH, { slot: 5, checkpointNumber: 1, indexInCheckpoint: 0, bodyHash: keccak256Hex(utf8('other')) })
    expect(failure(input([h3], { parent: other }))).toMatchObject({ check: 'headers', code: 'HEIGHT_NOT_CONSECUTIVE' })
    const wrongSlot = header(h1, h1.hash, { slot: 6, checkpointNumber: 1, indexInCheckpoint: 1 })
    expect(failure(input([h1, wrongSlot]))).toMatchObject({ check: 'headers', code: 'SLOT_MISMATCH' })
    const notGenesis = header(null, `0x${'44'.repeat(32)}`, { slot: 5, checkpointNumber: 1, indexInCheckpoint: 0 })
    expect(failure(input([notGenesis]))).toMatchObject({ check: 'headers', code: 'PARENT_MISMATCH' })
  })

  it('committee: the committee could not be looked up → its error (COMMITTEE_UNKNOWN, soft), committee size 0', () => {
    const f = failure(input([h1, h2], { extra: { committee: [], committeeError: new VigilError('COMMITTEE_UNKNOWN', 'no committee', { severity: 'soft' }) } }))
    expect(f).toMatchObject({ check: 'committee', code: 'COMMITTEE_UNKNOWN', severity: 'soft' })
    expect(f.v.committeeSize).toBe(0)
  })

  it('txProposer / headerProposers: posted by, or naming, someone other than the slot’s proposer → WRONG_PROPOSER', () => {
    const f = failure(input([h1, h2], { over: { txFrom: MEMBERS[0]!.address } }))
    expect(f).toMatchObject({ check: 'txProposer', code: 'WRONG_PROPOSER' })
    expect(f.v.committeeSize).toBe(4)
    const stranger = header(null, ZERO_HASH, { slot: 5, checkpointNumber: 1, indexInCheckpoint: 0, proposer: MEMBERS[1]!.address })
    expect(failure(input([stranger]))).toMatchObject({ check: 'headerProposers', code: 'WRONG_PROPOSER' })
  })

  it('quorum: too few signers, an outsider, a member twice, a bad signature, an undecodable list → the quorum codes', () => {
    const few = failure(input([h1, h2], { signers: MEMBERS.slice(0, 2) }))
    expect(few).toMatchObject({ check: 'quorum', code: 'QUORUM_NOT_REACHED' })
    expect(few.v.signers).toEqual(COMMITTEE.slice(0, 2))
    expect(few.v.quorum).toBe(3)
    expect(failure(input([h1, h2], { signers: [...MEMBERS.slice(0, 3), OUTSIDER] }))).toMatchObject({ check: 'quorum', code: 'SIGNER_NOT_IN_COMMITTEE' })
    expect(failure(input([h1, h2], { signers: [...MEMBERS.slice(0, 3), MEMBERS[0]!] }))).toMatchObject({ check: 'quorum', code: 'DUPLICATE_SIGNER' })
    const bad = input([h1, h2])
    bad.event.attestationsBytes = encodeAttestationSignatures([new Uint8Array(65), ...MEMBERS.slice(0, 3).map((m) => attest(m, bad.event.digest))])
    expect(failure(bad)).toMatchObject({ check: 'quorum', code: 'BAD_SIGNATURE' })
    const garbage = input([h1, h2], { over: { attestationsBytes: Uint8Array.from([0, 1, 2]) } })
    const g = failure(garbage)
    expect(g.check).toBe('quorum')
    expect(g.code).toMatch(/^DECODE_/)
    expect(g.v.attestations).toEqual([])
  })
})
