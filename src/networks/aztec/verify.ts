/**
 * Every check of an Aztec Ignition checkpoint that its `propose` calldata alone can settle,
 * as a report: pure, offline, synchronous. What needs L1 (the committee commitment and the
 * checkpoint's stored values, by storage proof; prove.ts) is listed with `ok: null`.
 *
 * The rollup itself checks only the proposer's signatures on L1 (ProposeLib: "Committee
 * attestations (only proposer signature verified)"); nodes are meant to check the rest
 * off-chain. Here every committee signature is recovered (low-s enforced, as OpenZeppelin's
 * ECDSA.recover does) and must equal the signer the calldata lists for it.
 */
import { VigilError, type ErrorCode } from '../../core/errors'
import type { Address, Hex } from '../../core/types'
import { bytesToHex, hexToBytes } from '../../protocol/bytes'
import { sha256 } from '../../protocol/hash'
import { SIGNATURE_SIZE } from '../../protocol/signature'
import { recoverAddress } from '../../verify/secp256k1'
import { aztecIgnitionStructHash, checkNetworkScheme, ethSignedMessageHash, type SchemeId } from '../schemes'
import { PROPOSE_SELECTOR } from './abi'
import { type AttestationEntry, attestationsHash, committeeCommitment, committeeSizeOf, quorumFor, unpackAttestations } from './attestations'
import { findProposeCalls, type DecodedPropose, type FoundPropose } from './decode'
import { headerHash, sha256ToField } from './header'
import type { AztecNetwork } from './network'

/** What a check's verdict rests on. */
export type CheckBasis = 'calldata' | 'network-config' | 'l1-proof'

export interface AztecCheck {
  name: string
  title: string
  /** true: passed; false: failed (`code` says how); null: not checked (`detail` says what it needs). */
  ok: boolean | null
  code?: ErrorCode
  detail: string
  restsOn: CheckBasis
}

export interface AztecSigner {
  /** Position in the committee. */
  committeeIndex: number
  /** The address `_signers` lists for this signature. */
  listed: Address
  /** What the signature recovers to over the payload digest (null: it does not recover). */
  recovered: Address | null
  ok: boolean
  code?: ErrorCode
}

export interface AztecReport {
  schemaVersion: 1
  /** Every check that ran passed (checks with ok: null do not count). */
  ok: boolean
  /** Every calldata and network-config check passed. */
  offlineOk: boolean
  network: string
  scheme: SchemeId
  rollup: Address
  call: { offset: number; length: number; wrapped: boolean; candidates: number; selector: Hex; calldata: Hex }
  checkpoint: {
    slot: number
    epoch: number
    timestamp: number
    archive: Hex
    lastArchiveRoot: Hex
    coinbase: Address
    feeRecipient: Hex
    blobsHash: Hex
    inHash: Hex
    outHash: Hex
    blobCommitments: Hex[]
    blobHashes: Hex[]
    feePerDaGas: string
    feePerL2Gas: string
    totalManaUsed: string
  }
  digests: {
    /** sha256 of the packed header. */
    headerSha256: Hex
    /** 0x00 ‖ headerSha256[0:31]. */
    headerHash: Hex
    /** keccak256(abi.encode(1, ProposePayload)). */
    payloadHash: Hex
    /** EIP-191 of payloadHash: what the committee's signatures recover over. */
    payloadDigest: Hex
    /** keccak256(abi.encode(2, _attestations, _signers)). */
    attestationsAndSignersHash: Hex
    /** EIP-191 of attestationsAndSignersHash: what the proposer's signature recovers over. */
    attestationsAndSignersDigest: Hex
    /** keccak256(abi.encode(_attestations)): what the rollup stores for the checkpoint. */
    attestationsHash: Hex
  }
  signers: AztecSigner[]
  committee: { size: number; members: { index: number; address: Address; signed: boolean }[]; commitment: Hex }
  quorum: { needed: number; got: number; ok: boolean }
  proposer: { recovered: Address | null; coinbase: Address; committeeIndex: number | null; ok: boolean }
  checks: AztecCheck[]
  /** The L1 block the L1 checks were proven against (null: offline). */
  l1: null | { block: number; hash: Hex; anchor: string; basis: string; l2BlockNumber: number | null }
}

export interface VerifyAztecOptions {
  network: AztecNetwork
  /** Stop at the first failing check (the rest are ok: null, "not run"); for bulk use (tests, scans). */
  stopAtFirstFailure?: boolean
}

/** The L1 checks proveAztecPropose fills in (listed offline with ok: null). */
export const L1_CHECKS: readonly { name: string; title: string; needs: string }[] = [
  { name: 'l1-time-config', title: 'slot and timestamp agree with the rollup\'s proven time config', needs: 'needs L1: TimeLib storage (genesis time, slot and epoch duration) by storage proof' },
  { name: 'l1-committee-size', title: 'committee size is the rollup\'s proven targetCommitteeSize', needs: 'needs L1: ValidatorSelection storage by storage proof' },
  { name: 'l1-committee-commitment', title: 'committee commitment equals the one stored for the epoch', needs: 'needs L1: committeeCommitments[epoch] by storage proof' },
  { name: 'l1-stored-checkpoint', title: 'archive, header hash, payload digest, attestations hash and slot equal what the rollup stored', needs: 'needs L1: archives[n] and tempBlockLogs[n % size] by storage proof' },
]

/** Checks no code of this adapter makes yet: reported so nothing is claimed that was not checked. */
export const UNCHECKED: readonly { name: string; title: string; needs: string }[] = [
  { name: 'slot-proposer', title: 'the proposer is the slot\'s designated proposer (computeProposerIndex(epoch, slot, seed, n))', needs: 'not checked: needs the epoch\'s sample seed (randao checkpoints in ValidatorSelection storage); not implemented' },
  { name: 'tx-blob-hashes', title: 'the L1 transaction carried blobs with these versioned hashes', needs: 'not checked: needs the L1 transaction (its blobVersionedHashes, proven by the block\'s transactions root); not implemented. The rollup reverts otherwise, so a stored checkpoint implies it' },
]

/** r ‖ s ‖ v from the calldata's (v, r, s). */
function rsv(sig: { v: number; r: Hex; s: Hex }): Uint8Array {
  const out = new Uint8Array(SIGNATURE_SIZE)
  out.set(hexToBytes(sig.r), 0)
  out.set(hexToBytes(sig.s), 32)
  out[64] = sig.v
  return out
}

function tryRecover(digest: Uint8Array, sig: Uint8Array): { address: Address | null; error: VigilError | null } {
  try {
    return { address: recoverAddress(digest, sig), error: null }
  } catch (e) {
    if (e instanceof VigilError) return { address: null, error: e }
    throw e
  }
}

/** The blob commitments of `_blobInput` (1 byte count ‖ 48-byte commitments) and their versioned hashes. */
export function blobInputHashes(blobInput: Hex): { commitments: Hex[]; versionedHashes: Hex[] } {
  const b = hexToBytes(blobInput)
  if (b.length === 0) throw new VigilError('DECODE_INVALID_FIELD', 'the blob input is empty (it starts with the number of blobs)', { details: { what: 'blobInput' } })
  const n = b[0]!
  if (b.length !== 1 + 48 * n) throw new VigilError('DECODE_INVALID_FIELD', `the blob input names ${n} blob(s) and is ${b.length} bytes; ${1 + 48 * n} expected`, { details: { what: 'blobInput', blobs: n, size: b.length } })
  const commitments: Hex[] = []
  const versionedHashes: Hex[] = []
  for (let i = 0; i < n; i++) {
    const c = b.subarray(1 + 48 * i, 49 + 48 * i)
    commitments.push(bytesToHex(c))
    const h = sha256(c)
    h[0] = 0x01
    versionedHashes.push(bytesToHex(h))
  }
  return { commitments, versionedHashes }
}

/**
 * Verifies the propose call in `input` (the call itself, or any transaction input wrapping it)
 * offline. Throws (unusable input) PROPOSE_NOT_FOUND / DECODE_* when no propose call decodes;
 * otherwise returns the report, whose failing checks carry their codes.
 */
export function verifyAztecPropose(input: Uint8Array | Hex, opts: VerifyAztecOptions): AztecReport {
  const bytes = typeof input === 'string' ? hexInput(input) : input
  const found = findProposeCalls(bytes)
  return verifyFound(found[0]!, bytes.length, opts)
}

/** One report per propose call that decodes in `input` (a wrapper may hold more than one; L1 settles which one it executed). */
export function verifyAztecCandidates(input: Uint8Array | Hex, opts: VerifyAztecOptions): AztecReport[] {
  const bytes = typeof input === 'string' ? hexInput(input) : input
  return findProposeCalls(bytes).map((f) => verifyFound(f, bytes.length, opts))
}

export function hexInput(h: string): Uint8Array {
  const s = h.trim()
  if (!/^0x([0-9a-fA-F]{2})*$/.test(s)) throw new VigilError('DECODE_INVALID_FIELD', 'transaction input must be 0x-prefixed even-length hex', { details: { what: 'input' } })
  return hexToBytes(s)
}

class Checks {
  readonly list: AztecCheck[] = []
  private failed = false
  constructor(private readonly stopEarly: boolean) {}

  /** Runs `fn` unless an earlier check failed in stop-early mode. */
  run(name: string, title: string, restsOn: CheckBasis, fn: () => { ok: boolean; detail: string; code?: ErrorCode }): boolean {
    if (this.failed && this.stopEarly) {
      this.list.push({ name, title, ok: null, detail: 'not run: an earlier check failed', restsOn })
      return false
    }
    let r: { ok: boolean; detail: string; code?: ErrorCode }
    try {
      r = fn()
    } catch (e) {
      if (!(e instanceof VigilError)) throw e
      r = { ok: false, detail: e.message, code: e.code }
    }
    if (!r.ok) this.failed = true
    this.list.push({ name, title, ok: r.ok, ...(r.code ? { code: r.code } : {}), detail: r.detail, restsOn })
    return r.ok
  }

  needs(name: string, title: string, detail: string, restsOn: CheckBasis): void {
    this.list.push({ name, title, ok: null, detail, restsOn })
  }
}

function verifyFound(found: FoundPropose, inputLength: number, opts: VerifyAztecOptions): AztecReport {
  const { network } = opts
  const p: DecodedPropose = found.propose
  const checks = new Checks(opts.stopAtFirstFailure ?? false)
  const h = p.header
  const slot = Number(h.slotNumber)
  const wrapped = found.offset !== 0 || found.length !== inputLength

  checks.run('call', 'the propose call decodes, and re-encodes byte for byte', 'calldata', () => ({
    ok: true,
    detail: wrapped
      ? `found at byte ${found.offset} of a ${inputLength}-byte wrapper (${found.length} bytes; ${found.candidates} occurrence(s) of ${PROPOSE_SELECTOR}); which call L1 executed is settled by the L1 checks`
      : `the input is the propose call itself (${found.length} bytes)`,
  }))

  let scheme: SchemeId = network.signing.scheme
  checks.run('scheme', 'the network signs with the Ignition EIP-191 scheme this adapter checks', 'network-config', () => {
    scheme = checkNetworkScheme(network, 'aztec-ignition-eip191-v1').id
    return { ok: true, detail: `${network.id}: ${scheme}` }
  })

  // ---- digests
  const hh = (() => {
    try {
      return headerHash(h)
    } catch (e) {
      if (e instanceof VigilError) return e
      throw e
    }
  })()
  const hdr = hh instanceof VigilError ? { sha256: '0x' as Hex, hash: '0x' as Hex } : hh
  checks.run('header', 'the header packs (timestamp fits uint64, coinbase set, no DA fee)', 'calldata', () => {
    if (hh instanceof VigilError) throw hh
    if (/^0x0{40}$/.test(h.coinbase)) return { ok: false, code: 'DECODE_INVALID_FIELD', detail: 'the coinbase is the zero address (the rollup reverts: Rollup__InvalidCoinbase)' }
    if (h.gasFees.feePerDaGas !== 0n) return { ok: false, code: 'DECODE_INVALID_FIELD', detail: `feePerDaGas is ${h.gasFees.feePerDaGas} (the rollup reverts unless it is 0: Rollup__NonZeroDaFee)` }
    return { ok: true, detail: `header hash ${hdr.hash} = 0x00 ‖ sha256(packed header)[0:31], sha256 ${hdr.sha256}` }
  })

  const payloadHash = hh instanceof VigilError ? null : aztecIgnitionStructHash('checkpointAttestation', [{ archive: p.archive, stateReference: p.stateReference, oracleInput: p.oracleInput, headerHash: hdr.hash }])
  const payloadDigest = payloadHash ? ethSignedMessageHash(payloadHash) : null
  const asHash = aztecIgnitionStructHash('attestationsAndSigners', [p.attestations, p.signers])
  const asDigest = ethSignedMessageHash(asHash)
  const attHash = attestationsHash(p.attestations)

  // ---- blobs
  let blobs: { commitments: Hex[]; versionedHashes: Hex[] } = { commitments: [], versionedHashes: [] }
  checks.run('blobs-hash', 'the header\'s blobsHash commits to the blob input\'s versioned hashes', 'calldata', () => {
    blobs = blobInputHashes(p.blobInput)
    const got = sha256ToField(hexToBytes(`0x${blobs.versionedHashes.map((x) => x.slice(2)).join('')}`))
    if (got !== h.contentCommitment.blobsHash) return { ok: false, code: 'BLOB_HASH_MISMATCH', detail: `sha256ToField of the ${blobs.versionedHashes.length} versioned hash(es) is ${got}, the header's blobsHash is ${h.contentCommitment.blobsHash}` }
    return { ok: true, detail: `${blobs.versionedHashes.length} blob(s): sha256ToField(${blobs.versionedHashes.join(', ')}) = blobsHash` }
  })

  // ---- committee
  let entries: AttestationEntry[] = []
  let n = 0
  checks.run('attestations', 'the attestations unpack: bitmap, 65-byte signatures and 20-byte addresses fill the data exactly; one listed signer per signature', 'calldata', () => {
    const bitmap = hexToBytes(p.attestations.signatureIndices)
    n = committeeSizeOf(bitmap, hexToBytes(p.attestations.signaturesOrAddresses).length)
    entries = unpackAttestations(p.attestations, n)
    const sigs = entries.filter((e) => e.kind === 'signature').length
    if (sigs !== p.signers.length) return { ok: false, code: 'SIGNER_MISMATCH', detail: `${sigs} signatures, ${p.signers.length} listed signers (the rollup reverts: AttestationLib__SignersSizeMismatch)` }
    return { ok: true, detail: `committee of ${n}: ${sigs} signatures, ${n - sigs} addresses` }
  })
  checks.run('committee-size', 'the committee has the network\'s size', 'network-config', () =>
    n === network.committeeSize ? { ok: true, detail: `${n} members (${network.id}: ${network.committeeSize})` } : { ok: false, code: 'COMMITTEE_MISMATCH', detail: `the attestations are packed for ${n} members, ${network.id}'s committees have ${network.committeeSize}` },
  )

  const signers: AztecSigner[] = []
  checks.run('signatures', 'every committee signature is valid (low-s) and recovers, over the payload digest, to the signer listed for it', 'calldata', () => {
    if (!payloadDigest) return { ok: false, code: 'DECODE_INVALID_FIELD', detail: 'no payload digest: the header does not pack' }
    if (entries.length === 0) return { ok: false, code: 'DECODE_INVALID_FIELD', detail: 'no attestations to check' }
    const d = hexToBytes(payloadDigest)
    let k = 0
    let bad: string | null = null
    let badCode: ErrorCode | undefined
    for (const e of entries) {
      if (e.kind !== 'signature') continue
      const listed = p.signers[k++]!
      const r = tryRecover(d, e.signature)
      const ok = r.address !== null && r.address === listed
      const code: ErrorCode | undefined = r.error ? r.error.code : ok ? undefined : 'SIGNER_MISMATCH'
      signers.push({ committeeIndex: e.index, listed, recovered: r.address, ok, ...(code ? { code } : {}) })
      if (!ok && !bad) {
        bad = r.error ? `member ${e.index}: ${r.error.message}` : `member ${e.index}'s signature recovers to ${r.address}, the calldata lists ${listed}`
        badCode = code
      }
      if (!ok && opts.stopAtFirstFailure) break
    }
    if (bad) return { ok: false, code: badCode!, detail: bad }
    return { ok: true, detail: `${signers.length} signatures recover to their listed signers, in order` }
  })

  let ordinal = 0
  const members = entries.map((e) => (e.kind === 'address' ? { index: e.index, address: e.address, signed: false } : { index: e.index, address: p.signers[ordinal++] ?? ('0x' as Address), signed: true }))
  // the commitment the contract computes: signers' slots filled from _signers (which the signature check ties to the signatures)
  const memberAddresses = members.map((m) => m.address)
  const commitment = memberAddresses.length === n && n > 0 && memberAddresses.every((a) => a.length === 42) ? committeeCommitment(memberAddresses) : ('0x' as Hex)

  checks.run('distinct-members', 'no address appears twice in the committee', 'calldata', () => {
    const seen = new Map<string, number>()
    for (const m of members) {
      const prev = seen.get(m.address)
      if (prev !== undefined) return { ok: false, code: 'DUPLICATE_SIGNER', detail: `${m.address} is member ${prev} and member ${m.index}` }
      seen.set(m.address, m.index)
    }
    return { ok: true, detail: `${members.length} distinct members` }
  })

  const needed = quorumFor(n)
  const got = signers.filter((s) => s.ok).length
  const quorumOk = n > 0 && got >= needed
  checks.run('quorum', 'at least floor(2n/3) + 1 committee members signed', 'calldata', () =>
    quorumOk ? { ok: true, detail: `${got} valid signatures ≥ ${needed} of ${n}` } : { ok: false, code: 'QUORUM_NOT_REACHED', detail: `${got} valid signatures, ${needed} of ${n} needed` },
  )

  // ---- proposer
  let proposerSig: { address: Address | null; error: VigilError | null } = { address: null, error: null }
  const proposerMember = members.find((m) => m.address === h.coinbase) ?? null
  checks.run('proposer-signature', 'the proposer\'s signature over the attestations and signers recovers to the header\'s coinbase', 'calldata', () => {
    proposerSig = tryRecover(hexToBytes(asDigest), rsv(p.proposerSignature))
    if (proposerSig.error) return { ok: false, code: proposerSig.error.code, detail: `the attestations-and-signers signature: ${proposerSig.error.message}` }
    if (proposerSig.address !== h.coinbase) return { ok: false, code: 'WRONG_PROPOSER', detail: `the attestations-and-signers signature recovers to ${proposerSig.address}, the coinbase is ${h.coinbase}` }
    return { ok: true, detail: `recovers to ${proposerSig.address} = coinbase` }
  })
  checks.run('proposer-in-committee', 'the proposer is a committee member whose attestation is among the valid signatures', 'calldata', () => {
    if (!proposerMember) return { ok: false, code: 'SIGNER_NOT_IN_COMMITTEE', detail: `the coinbase ${h.coinbase} is not in the committee` }
    const s = signers.find((x) => x.committeeIndex === proposerMember.index)
    if (!s?.ok) return { ok: false, code: 'SIGNER_NOT_IN_COMMITTEE', detail: `the coinbase is member ${proposerMember.index}, which has no valid attestation` }
    return { ok: true, detail: `member ${proposerMember.index}, signed the payload` }
  })
  const proposerOk = proposerSig.address === h.coinbase && !!proposerMember && !!signers.find((x) => x.committeeIndex === proposerMember.index)?.ok

  for (const c of L1_CHECKS) checks.needs(c.name, c.title, c.needs, 'l1-proof')
  for (const c of UNCHECKED) checks.needs(c.name, c.title, c.needs, 'l1-proof')

  const ran = checks.list.filter((c) => c.ok !== null)
  const offline = checks.list.filter((c) => c.restsOn !== 'l1-proof')
  const epoch = Math.floor(slot / network.epochDuration)
  return {
    schemaVersion: 1,
    ok: ran.every((c) => c.ok === true),
    offlineOk: offline.every((c) => c.ok === true),
    network: network.id,
    scheme,
    rollup: network.rollup,
    call: { offset: found.offset, length: found.length, wrapped, candidates: found.candidates, selector: PROPOSE_SELECTOR, calldata: bytesToHex(p.calldata) },
    checkpoint: {
      slot,
      epoch,
      timestamp: Number(h.timestamp),
      archive: p.archive,
      lastArchiveRoot: h.lastArchiveRoot,
      coinbase: h.coinbase,
      feeRecipient: h.feeRecipient,
      blobsHash: h.contentCommitment.blobsHash,
      inHash: h.contentCommitment.inHash,
      outHash: h.contentCommitment.outHash,
      blobCommitments: blobs.commitments,
      blobHashes: blobs.versionedHashes,
      feePerDaGas: h.gasFees.feePerDaGas.toString(),
      feePerL2Gas: h.gasFees.feePerL2Gas.toString(),
      totalManaUsed: h.totalManaUsed.toString(),
    },
    digests: {
      headerSha256: hdr.sha256,
      headerHash: hdr.hash,
      payloadHash: payloadHash ?? ('0x' as Hex),
      payloadDigest: payloadDigest ?? ('0x' as Hex),
      attestationsAndSignersHash: asHash,
      attestationsAndSignersDigest: asDigest,
      attestationsHash: attHash,
    },
    signers,
    committee: { size: n, members, commitment },
    quorum: { needed, got, ok: quorumOk },
    proposer: { recovered: proposerSig.address, coinbase: h.coinbase, committeeIndex: proposerMember?.index ?? null, ok: proposerOk },
    checks: checks.list,
    l1: null,
  }
}

/** Recomputes `ok` / `offlineOk` after checks changed (prove.ts). */
export function settle(report: AztecReport): AztecReport {
  const ran = report.checks.filter((c) => c.ok !== null)
  return { ...report, ok: ran.every((c) => c.ok === true), offlineOk: report.checks.filter((c) => c.restsOn !== 'l1-proof').every((c) => c.ok === true) }
}
