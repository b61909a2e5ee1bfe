/**
 * Finding and decoding the Ignition rollup's `propose` call in a transaction's input. Real
 * transactions wrap it (EOA → smart account → Multicall3 → rollup), so the input is scanned for
 * the selector; at offset 0 the candidate is the whole input, elsewhere it is the `bytes` whose
 * 32-byte length word precedes the selector (how every ABI `bytes` field and Gnosis-style packed
 * multisend lays out an inner call). A candidate is accepted only when it decodes AND re-encodes
 * to exactly its own bytes (canonical offsets, zero padding, in-range integers, no trailing
 * bytes): one decoding, no room for bytes the hashes do not cover. Which candidate L1 actually
 * executed is settled by the storage proofs (prove.ts), never by a debug trace.
 */
import { decodeFunctionData, encodeFunctionData } from 'viem'
import { VigilError } from '../../core/errors'
import type { Address, Hex } from '../../core/types'
import { bytesToHex, hexToBytes } from '../../protocol/bytes'
import { PROPOSE_SELECTOR, aztecIgnitionRollupAbi } from './abi'

/** Inputs larger than this are refused before scanning (a mainnet block holds ~30M gas of calldata, < 2 MiB). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024
/** At most this many selector occurrences are tried. */
export const MAX_CANDIDATES = 64

export interface TreeSnapshot {
  root: Hex
  nextAvailableLeafIndex: number
}

export interface StateReference {
  l1ToL2MessageTree: TreeSnapshot
  partialStateReference: { noteHashTree: TreeSnapshot; nullifierTree: TreeSnapshot; publicDataTree: TreeSnapshot }
}

export interface ProposedHeader {
  lastArchiveRoot: Hex
  contentCommitment: { blobsHash: Hex; inHash: Hex; outHash: Hex }
  slotNumber: bigint
  timestamp: bigint
  coinbase: Address
  feeRecipient: Hex
  gasFees: { feePerDaGas: bigint; feePerL2Gas: bigint }
  totalManaUsed: bigint
}

export interface CommitteeAttestations {
  signatureIndices: Hex
  signaturesOrAddresses: Hex
}

/** A `propose` call, decoded (addresses lower-case). */
export interface DecodedPropose {
  calldata: Uint8Array
  archive: Hex
  stateReference: StateReference
  oracleInput: { feeAssetPriceModifier: bigint }
  header: ProposedHeader
  attestations: CommitteeAttestations
  signers: Address[]
  /** `_attestationsAndSignersSignature`: the proposer's signature over the attestations and signers. */
  proposerSignature: { v: number; r: Hex; s: Hex }
  blobInput: Hex
}

/** Where a propose call was found in an input. */
export interface FoundPropose {
  offset: number
  length: number
  propose: DecodedPropose
  /** Selector occurrences tried (including this one). */
  candidates: number
}

function invalid(message: string, cause?: unknown): VigilError {
  return new VigilError('DECODE_INVALID_FIELD', message, { details: { what: 'propose' }, ...(cause === undefined ? {} : { cause }) })
}

const lower = (a: string): Address => a.toLowerCase() as Address

/** Decodes one `propose` call strictly (the selector, then a canonical ABI encoding of exactly its length). */
export function decodePropose(calldata: Uint8Array): DecodedPropose {
  if (calldata.length < 4) throw new VigilError('DECODE_TRUNCATED', `propose calldata is ${calldata.length} bytes, shorter than a selector`, { details: { what: 'propose' } })
  const hex = bytesToHex(calldata)
  if (hex.slice(0, 10) !== PROPOSE_SELECTOR) throw invalid(`selector ${hex.slice(0, 10)} is not propose (${PROPOSE_SELECTOR})`)
  let decoded
  try {
    decoded = decodeFunctionData({ abi: aztecIgnitionRollupAbi, data: hex })
  } catch (e) {
    throw invalid(`propose calldata does not ABI-decode: ${(e as Error).message.split('\n')[0]}`, e)
  }
  let again: Hex
  try {
    again = encodeFunctionData({ abi: aztecIgnitionRollupAbi, functionName: 'propose', args: decoded.args })
  } catch (e) {
    throw invalid(`propose calldata holds a value out of its type's range: ${(e as Error).message.split('\n')[0]}`, e)
  }
  if (again !== hex) {
    const at = firstDifference(hexToBytes(again), calldata)
    throw invalid(`propose calldata is not the canonical ABI encoding of what it decodes to (first difference at byte ${at}: non-zero padding, a non-canonical offset or trailing bytes)`)
  }
  const [args, attestations, signers, sig, blobInput] = decoded.args
  const h = args.header
  return {
    calldata,
    archive: args.archive,
    stateReference: args.stateReference as StateReference,
    oracleInput: { feeAssetPriceModifier: args.oracleInput.feeAssetPriceModifier },
    header: {
      lastArchiveRoot: h.lastArchiveRoot,
      contentCommitment: { ...h.contentCommitment },
      slotNumber: h.slotNumber,
      timestamp: h.timestamp,
      coinbase: lower(h.coinbase),
      feeRecipient: h.feeRecipient,
      gasFees: { ...h.gasFees },
      totalManaUsed: h.totalManaUsed,
    },
    attestations: { signatureIndices: attestations.signatureIndices, signaturesOrAddresses: attestations.signaturesOrAddresses },
    signers: signers.map(lower),
    proposerSignature: { v: sig.v, r: sig.r, s: sig.s },
    blobInput,
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return n
}

/** The offsets of the propose selector in `input` (at most MAX_CANDIDATES). */
export function selectorOffsets(input: Uint8Array): number[] {
  const out: number[] = []
  for (let i = 0; i + 4 <= input.length && out.length < MAX_CANDIDATES; i++) {
    if (input[i] === 0x48 && input[i + 1] === 0xae && input[i + 2] === 0xda && input[i + 3] === 0x19) out.push(i)
  }
  return out
}

/** The candidate call starting at `offset`: the whole input at 0, else the `bytes` its preceding length word delimits. */
function candidateAt(input: Uint8Array, offset: number): Uint8Array | null {
  if (offset === 0) return input
  if (offset < 32) return null
  let len = 0n
  for (let i = offset - 32; i < offset; i++) len = (len << 8n) | BigInt(input[i]!)
  if (len < 4n || len > BigInt(input.length - offset)) return null
  return input.subarray(offset, offset + Number(len))
}

/**
 * Every propose call that decodes fully in `input` (the call itself or any wrapper), in input
 * order. Throws PROPOSE_NOT_FOUND when there is none (the message says why the closest
 * candidate failed), DECODE_TOO_LARGE above MAX_INPUT_BYTES.
 */
export function findProposeCalls(input: Uint8Array): FoundPropose[] {
  if (input.length > MAX_INPUT_BYTES) throw new VigilError('DECODE_TOO_LARGE', `transaction input is ${input.length} bytes, more than ${MAX_INPUT_BYTES}`, { details: { what: 'propose', size: input.length } })
  const offsets = selectorOffsets(input)
  const found: FoundPropose[] = []
  const why: string[] = []
  for (const offset of offsets) {
    const c = candidateAt(input, offset)
    if (!c) {
      why.push(`@${offset}: no length word delimits a call`)
      continue
    }
    try {
      found.push({ offset, length: c.length, propose: decodePropose(c), candidates: offsets.length })
    } catch (e) {
      why.push(`@${offset}: ${e instanceof VigilError ? e.message : String(e)}`)
    }
  }
  if (found.length === 0) {
    const reason = offsets.length === 0 ? `the propose selector ${PROPOSE_SELECTOR} does not occur in the ${input.length}-byte input` : `${offsets.length} occurrence(s) of ${PROPOSE_SELECTOR}, none decodes: ${why.slice(0, 3).join('; ')}`
    throw new VigilError('PROPOSE_NOT_FOUND', `no propose call in the input: ${reason}`, { details: { what: 'propose', occurrences: offsets.length, size: input.length } })
  }
  return found
}
