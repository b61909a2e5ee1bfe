/**
 * The Ethereum execution block header: read from an `eth_getBlockByNumber` JSON answer,
 * encoded as RLP, hashed with keccak256 (the block hash).
 *
 * Fields by fork, in RLP order: the 15 of Frontier (parentHash … nonce), then
 * baseFeePerGas (London), withdrawalsRoot (Shanghai), blobGasUsed + excessBlobGas +
 * parentBeaconBlockRoot (Cancun), requestsHash (Prague). A later field present without an
 * earlier one is not a header of any fork and is rejected (DECODE_INVALID_FIELD).
 */
import { VigilError } from '../../core/errors'
import type { Hex } from '../../core/types'
import { bytesToHex, hexToBytes } from '../bytes'
import { keccak256Hex } from '../hash'
import { bytesToUint, rlpDecodeList, rlpEncode, uintToBytes, type RlpItem } from './rlp'

export interface ExecutionHeader {
  parentHash: Hex
  ommersHash: Hex
  beneficiary: Hex
  stateRoot: Hex
  transactionsRoot: Hex
  receiptsRoot: Hex
  logsBloom: Hex
  difficulty: bigint
  number: bigint
  gasLimit: bigint
  gasUsed: bigint
  timestamp: bigint
  extraData: Hex
  mixHash: Hex
  nonce: Hex
  /** London */
  baseFeePerGas?: bigint
  /** Shanghai */
  withdrawalsRoot?: Hex
  /** Cancun */
  blobGasUsed?: bigint
  excessBlobGas?: bigint
  parentBeaconBlockRoot?: Hex
  /** Prague */
  requestsHash?: Hex
}

type Kind = { kind: 'data'; size?: number } | { kind: 'quantity' }
const D = (size?: number): Kind => (size === undefined ? { kind: 'data' } : { kind: 'data', size })
const Q: Kind = { kind: 'quantity' }

/** [header field, JSON-RPC name, kind], in RLP order. */
const BASE_FIELDS: [keyof ExecutionHeader, string, Kind][] = [
  ['parentHash', 'parentHash', D(32)],
  ['ommersHash', 'sha3Uncles', D(32)],
  ['beneficiary', 'miner', D(20)],
  ['stateRoot', 'stateRoot', D(32)],
  ['transactionsRoot', 'transactionsRoot', D(32)],
  ['receiptsRoot', 'receiptsRoot', D(32)],
  ['logsBloom', 'logsBloom', D(256)],
  ['difficulty', 'difficulty', Q],
  ['number', 'number', Q],
  ['gasLimit', 'gasLimit', Q],
  ['gasUsed', 'gasUsed', Q],
  ['timestamp', 'timestamp', Q],
  ['extraData', 'extraData', D()],
  ['mixHash', 'mixHash', D(32)],
  ['nonce', 'nonce', D(8)],
]
/** The fork fields, in order: each needs every one before it. */
const FORK_FIELDS: [keyof ExecutionHeader, string, Kind][] = [
  ['baseFeePerGas', 'baseFeePerGas', Q],
  ['withdrawalsRoot', 'withdrawalsRoot', D(32)],
  ['blobGasUsed', 'blobGasUsed', Q],
  ['excessBlobGas', 'excessBlobGas', Q],
  ['parentBeaconBlockRoot', 'parentBeaconBlockRoot', D(32)],
  ['requestsHash', 'requestsHash', D(32)],
]
export const HEADER_FIELDS = [...BASE_FIELDS, ...FORK_FIELDS].map(([f]) => f)

function bad(field: string, message: string): VigilError {
  return new VigilError('DECODE_INVALID_FIELD', `execution header: ${field} ${message}`, { details: { what: 'execution header', field } })
}

function parseData(v: unknown, field: string, size?: number): Hex {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) throw bad(field, 'is not 0x-prefixed even-length hex')
  if (size !== undefined && v.length !== 2 + 2 * size) throw bad(field, `must be ${size} bytes, got ${(v.length - 2) / 2}`)
  return v.toLowerCase() as Hex
}

function parseQuantity(v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw bad(field, 'is not a 0x-prefixed hex quantity of at most 256 bits')
  return BigInt(v)
}

/** The header of an `eth_getBlockByNumber` / `eth_getBlockByHash` answer (the `result` object, or a JSON-RPC envelope holding it). */
export function headerFromRpc(json: unknown): ExecutionHeader {
  let o = json
  if (o && typeof o === 'object' && 'result' in o && 'jsonrpc' in o) o = (o as { result: unknown }).result
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw bad('block', 'is not a JSON object')
  const r = o as Record<string, unknown>
  const h: Record<string, unknown> = {}
  for (const [field, name, kind] of BASE_FIELDS) {
    if (r[name] === undefined || r[name] === null) throw bad(name, 'is missing')
    h[field] = kind.kind === 'quantity' ? parseQuantity(r[name], name) : parseData(r[name], name, kind.size)
  }
  let gap: string | null = null
  for (const [field, name, kind] of FORK_FIELDS) {
    if (r[name] === undefined || r[name] === null) {
      gap ??= name
      continue
    }
    if (gap !== null) throw bad(name, `is present but ${gap}, a field of an earlier fork, is not`)
    h[field] = kind.kind === 'quantity' ? parseQuantity(r[name], name) : parseData(r[name], name, kind.size)
  }
  return h as unknown as ExecutionHeader
}

/** The header's RLP list, fork fields as far as present. */
export function encodeHeader(h: ExecutionHeader): Uint8Array {
  const items: RlpItem[] = []
  for (const [field, , kind] of [...BASE_FIELDS, ...FORK_FIELDS]) {
    const v = h[field]
    if (v === undefined) break
    items.push(kind.kind === 'quantity' ? uintToBytes(v as bigint) : hexToBytes(v as Hex))
  }
  return rlpEncode(items)
}

/** The block hash: keccak256 of the header's RLP. */
export function headerHash(h: ExecutionHeader): Hex {
  return keccak256Hex(encodeHeader(h))
}

/** A header from its RLP (e.g. served by a peer); its hash is `keccak256(bytes)`. */
export function decodeHeader(bytes: Uint8Array): ExecutionHeader {
  const items = rlpDecodeList(bytes, 'execution header')
  const all = [...BASE_FIELDS, ...FORK_FIELDS]
  if (items.length < BASE_FIELDS.length || items.length > all.length) throw bad('list', `has ${items.length} fields, expected ${BASE_FIELDS.length}–${all.length}`)
  const h: Record<string, unknown> = {}
  items.forEach((item, i) => {
    const [field, name, kind] = all[i]!
    if (Array.isArray(item)) throw bad(name, 'is a list')
    if (kind.kind === 'quantity') {
      if (item.length > 32) throw bad(name, 'exceeds 256 bits')
      h[field] = bytesToUint(item, name)
    } else {
      if (kind.size !== undefined && item.length !== kind.size) throw bad(name, `must be ${kind.size} bytes, got ${item.length}`)
      h[field] = bytesToHex(item)
    }
  })
  return h as unknown as ExecutionHeader
}
