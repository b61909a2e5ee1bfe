/**
 * An `eth_getProof` answer (EIP-1186): the account fields the RPC claims, the account proof,
 * and per storage key the claimed value and its proof. Parsing only checks shapes; what the
 * proofs prove is src/verify/execution.ts `verifyGetProof`.
 */
import { VigilError } from '../../core/errors'
import type { Hex } from '../../core/types'
import { hexToBytes } from '../bytes'

export interface GetProofAnswer {
  address: Hex
  nonce: bigint
  balance: bigint
  storageHash: Hex
  codeHash: Hex
  accountProof: Uint8Array[]
  storageProof: { key: Hex; value: bigint; proof: Uint8Array[] }[]
}

function bad(field: string, message: string): VigilError {
  return new VigilError('DECODE_INVALID_FIELD', `eth_getProof: ${field} ${message}`, { details: { what: 'eth_getProof', field } })
}

function data(v: unknown, field: string, size?: number): Hex {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) throw bad(field, 'is not 0x-prefixed even-length hex')
  if (size !== undefined && v.length !== 2 + 2 * size) throw bad(field, `must be ${size} bytes`)
  return v.toLowerCase() as Hex
}

function quantity(v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw bad(field, 'is not a hex quantity of at most 256 bits')
  return BigInt(v)
}

function nodes(v: unknown, field: string): Uint8Array[] {
  if (!Array.isArray(v)) throw bad(field, 'is not a list')
  return v.map((n, i) => hexToBytes(data(n, `${field}[${i}]`)))
}

/** The `result` of an `eth_getProof` answer (or the JSON-RPC envelope holding it). */
export function parseGetProof(json: unknown): GetProofAnswer {
  let o = json
  if (o && typeof o === 'object' && 'result' in o && 'jsonrpc' in o) o = (o as { result: unknown }).result
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw bad('answer', 'is not a JSON object')
  const r = o as Record<string, unknown>
  if (!Array.isArray(r.storageProof)) throw bad('storageProof', 'is not a list')
  return {
    address: data(r.address, 'address', 20),
    nonce: quantity(r.nonce, 'nonce'),
    balance: quantity(r.balance, 'balance'),
    storageHash: data(r.storageHash, 'storageHash', 32),
    codeHash: data(r.codeHash, 'codeHash', 32),
    accountProof: nodes(r.accountProof, 'accountProof'),
    storageProof: r.storageProof.map((s: unknown, i: number) => {
      if (!s || typeof s !== 'object') throw bad(`storageProof[${i}]`, 'is not an object')
      const e = s as Record<string, unknown>
      // servers echo the key as asked: a full 32-byte word, or a shorter quantity ("0x0")
      if (typeof e.key !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(e.key)) throw bad(`storageProof[${i}].key`, 'is not hex of at most 32 bytes')
      const key = `0x${e.key.slice(2).toLowerCase().padStart(64, '0')}` as Hex
      return { key, value: quantity(e.value, `storageProof[${i}].value`), proof: nodes(e.proof, `storageProof[${i}].proof`) }
    }),
  }
}
