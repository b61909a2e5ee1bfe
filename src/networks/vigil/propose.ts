/**
 * Vigil's `checkInput`: a VigilRollup `propose(bytes checkpoint, bytes attestations)` call found
 * in an L1 transaction's input (the call itself or any wrapper: the selector is scanned for
 * and a candidate is accepted only when it ABI-decodes and its checkpoint decodes), checked
 * with what the input alone proves. The committee, the slot's proposer, the quorum and L1
 * inclusion need L1 (the committee is read by storage proof): they are `needs-l1` here, and
 * Verify now on a synced block runs them all.
 */
import { decodeFunctionData } from 'viem'
import { VigilError, toErrorRecord } from '../../core/errors'
import type { Address, Hex } from '../../core/types'
import { vigilRollupAbi } from '../../contracts/abi'
import { bytesToHex, hexToBytes } from '../../protocol/bytes'
import { checkpointDigest, decodeAttestationSignatures, decodeCheckpoint, type DecodedCheckpoint } from '../../protocol/checkpoint'
import { signingDigest, type SigningDomain } from '../../protocol/domain'
import { keccak256Hex, utf8 } from '../../protocol/hash'
import { verifyCheckpointHeaders, verifyHeaderFields } from '../../verify/rules'
import { recoverAddress } from '../../verify/secp256k1'
import { inputBytes, reportOk, selectorOffsets, type CheckpointReport, type NetworkCheck } from '../adapter'

/** The 4-byte selector of VigilRollup.propose(bytes checkpoint, bytes attestations). */
export const VIGIL_PROPOSE_SELECTOR = keccak256Hex(utf8('propose(bytes,bytes)')).slice(0, 10) as Hex
const SELECTOR = hexToBytes(VIGIL_PROPOSE_SELECTOR)

const pass = (name: string, title: string, detail: string): NetworkCheck => ({ name, title, status: 'pass', detail, error: null })
const needsL1 = (name: string, title: string, detail: string): NetworkCheck => ({ name, title, status: 'needs-l1', detail, error: null })
const skipped = (name: string, title: string, detail: string): NetworkCheck => ({ name, title, status: 'skipped', detail, error: null })
const failed = (name: string, title: string, e: unknown): NetworkCheck => {
  const error = toErrorRecord(e)
  return { name, title, status: 'fail', detail: error.message, error }
}

const TITLES = {
  call: 'propose() call found',
  checkpoint: 'Checkpoint decodes',
  headers: 'Headers belong to the checkpoint and link',
  attestations: 'Attestation signatures recover',
  committee: 'Committee of the epoch',
  proposer: "Slot's proposer",
  quorum: 'Quorum of the committee',
  l1Inclusion: 'Posted on L1',
} as const

/** Checks a VigilRollup propose() in `input` offline (see the file comment). */
export function checkVigilInput(domain: SigningDomain, l2ChainId: number, input: Hex | Uint8Array): CheckpointReport {
  const started = Date.now()
  const checks: NetworkCheck[] = []
  const fields: CheckpointReport['fields'] = []
  const done = (foundAt: number | null, quorum: CheckpointReport['quorum'] = null): CheckpointReport => ({ network: 'vigil', ok: reportOk(checks), checks, fields, committee: [], quorum, foundAt, ms: Date.now() - started })
  const rest = (from: keyof typeof TITLES, why: string) => {
    const names = Object.keys(TITLES) as (keyof typeof TITLES)[]
    for (const n of names.slice(names.indexOf(from))) checks.push(skipped(n, TITLES[n], why))
  }
  const data = inputBytes(input)
  if (!data) {
    checks.push(failed('call', TITLES.call, new VigilError('DECODE_INVALID_FIELD', 'the input is not hex')))
    rest('checkpoint', 'needs call')
    return done(null)
  }
  // the call itself, or a wrapper: every place the selector occurs, first that decodes wins
  let found: { at: number; checkpointBytes: Uint8Array; attestationsBytes: Uint8Array } | null = null
  let lastError: unknown = null
  for (const at of selectorOffsets(data, SELECTOR)) {
    try {
      const { functionName, args } = decodeFunctionData({ abi: vigilRollupAbi, data: bytesToHex(data.subarray(at)) })
      if (functionName !== 'propose') continue
      const [cp, att] = args as readonly [Hex, Hex]
      found = { at, checkpointBytes: hexToBytes(cp), attestationsBytes: hexToBytes(att) }
      break
    } catch (e) {
      lastError = e
    }
  }
  if (!found) {
    checks.push(failed('call', TITLES.call, new VigilError('DECODE_INVALID_FIELD', `no VigilRollup propose(bytes,bytes) call decodes in the ${data.length}-byte input${lastError ? ` (${String((lastError as Error).message ?? lastError).split('\n')[0]})` : ''}`)))
    rest('checkpoint', 'needs call')
    return done(null)
  }
  checks.push(pass('call', TITLES.call, found.at === 0 ? 'the input is the propose() call itself' : `propose() call found at byte ${found.at} of the input (inside a wrapper)`))
  let cp: DecodedCheckpoint
  try {
    cp = decodeCheckpoint(found.checkpointBytes)
  } catch (e) {
    checks.push(failed('checkpoint', TITLES.checkpoint, e))
    rest('headers', 'needs checkpoint')
    return done(found.at)
  }
  const digest = checkpointDigest(cp)
  checks.push(pass('checkpoint', TITLES.checkpoint, `checkpoint ${cp.checkpointNumber}, slot ${cp.slot}, ${cp.headers.length} blocks, ${cp.blobVersionedHashes.length} blobs; digest ${digest}`))
  fields.push(
    { name: 'checkpoint', value: String(cp.checkpointNumber) },
    { name: 'slot', value: String(cp.slot) },
    { name: 'digest', value: digest },
    { name: 'blocks', value: `${cp.headers[0]!.height}..${cp.headers[cp.headers.length - 1]!.height}` },
    { name: 'last block hash', value: cp.headers[cp.headers.length - 1]!.hash },
    { name: 'proposer (headers)', value: cp.headers[0]!.proposer.toLowerCase() },
    ...cp.blobVersionedHashes.map((h, i) => ({ name: `blob ${i}`, value: h })),
  )
  try {
    for (const h of cp.headers) verifyHeaderFields(h, { l2ChainId })
    verifyCheckpointHeaders(cp)
    checks.push(pass('headers', TITLES.headers, `${cp.headers.length} headers: fields valid for L2 chain ${l2ChainId}, indexes 0..${cp.headers.length - 1}, each links to the one before`))
  } catch (e) {
    checks.push(failed('headers', TITLES.headers, e))
  }
  const signers: Address[] = []
  try {
    const sigs = decodeAttestationSignatures(found.attestationsBytes)
    const d = signingDigest(domain, 'CheckpointAttestation', digest)
    const seen = new Set<string>()
    sigs.forEach((s, i) => {
      let a: Address
      try {
        a = recoverAddress(d, s)
      } catch (e) {
        throw new VigilError('BAD_SIGNATURE', `attestation ${i}: ${(e as Error).message}`, { details: { index: i } })
      }
      if (seen.has(a)) throw new VigilError('DUPLICATE_SIGNER', `attestation ${i}: ${a} signed twice`, { details: { index: i, signer: a } })
      seen.add(a)
      signers.push(a)
    })
    checks.push(pass('attestations', TITLES.attestations, `${sigs.length} EIP-712 CheckpointAttestation signatures recover to ${signers.length} distinct addresses`))
  } catch (e) {
    checks.push(failed('attestations', TITLES.attestations, e))
  }
  fields.push({ name: 'signers', value: String(signers.length) })
  checks.push(needsL1('committee', TITLES.committee, `the committee of slot ${cp.slot}'s epoch is VigilRollup state: read by storage proof against an anchored L1 block`))
  checks.push(needsL1('proposer', TITLES.proposer, `headers name ${cp.headers[0]!.proposer.toLowerCase()}; the slot's proposer is derived from the committee (needs L1)`))
  checks.push(needsL1('quorum', TITLES.quorum, `${signers.length} distinct signers recovered; whether they are committee members and reach floor(2n/3)+1 needs the committee`))
  checks.push(needsL1('l1Inclusion', TITLES.l1Inclusion, 'that this call was mined (CheckpointProposed in a proven receipt, checkpointLog by storage proof) needs L1'))
  return done(found.at)
}
