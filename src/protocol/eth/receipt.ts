/**
 * Ethereum transaction receipts as the receipts trie holds them (EIP-2718): a legacy receipt
 * is rlp([status, cumulativeGasUsed, logsBloom, logs]); a typed one is
 * type byte ‖ rlp([status, cumulativeGasUsed, logsBloom, logs]); a log is
 * [address, [topics…], data]. Pre-Byzantium receipts carry the post-state `root` in place of
 * the status.
 */
import { VigilError } from '../../core/errors'
import { bytesToHex, concatBytes, hexToBytes } from '../bytes'
import { rlpEncode, uintToBytes, type RlpItem } from './rlp'

function bad(field: string, message: string): VigilError {
  return new VigilError('DECODE_INVALID_FIELD', `receipt: ${field} ${message}`, { details: { what: 'receipt', field } })
}

function data(v: unknown, field: string, size?: number): Uint8Array {
  if (typeof v !== 'string') throw bad(field, 'is missing or not a string')
  const b = hexToBytes(v)
  if (size !== undefined && b.length !== size) throw bad(field, `must be ${size} bytes, got ${b.length}`)
  return b
}

function quantity(v: unknown, field: string): bigint {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(v)) throw bad(field, 'is not a hex quantity')
  return BigInt(v)
}

/** The trie value of one `eth_getTransactionReceipt` / `eth_getBlockReceipts` entry. */
export function encodeReceipt(json: unknown): Uint8Array {
  if (!json || typeof json !== 'object') throw bad('receipt', 'is not an object')
  const r = json as Record<string, unknown>
  const type = r.type === undefined ? 0n : quantity(r.type, 'type')
  if (type > 0x7fn) throw bad('type', `0x${type.toString(16)} is not an EIP-2718 type`)
  const first = r.status !== undefined && r.status !== null ? uintToBytes(quantity(r.status, 'status')) : data(r.root, 'root', 32)
  if (!Array.isArray(r.logs)) throw bad('logs', 'is not a list')
  const logs: RlpItem[] = r.logs.map((l: unknown, i: number) => {
    if (!l || typeof l !== 'object') throw bad(`logs[${i}]`, 'is not an object')
    const log = l as Record<string, unknown>
    if (!Array.isArray(log.topics)) throw bad(`logs[${i}].topics`, 'is not a list')
    return [data(log.address, `logs[${i}].address`, 20), log.topics.map((t: unknown, j: number) => data(t, `logs[${i}].topics[${j}]`, 32)), data(log.data, `logs[${i}].data`)]
  })
  const body = rlpEncode([first, uintToBytes(quantity(r.cumulativeGasUsed, 'cumulativeGasUsed')), data(r.logsBloom, 'logsBloom', 256), logs])
  return type === 0n ? body : concatBytes(Uint8Array.of(Number(type)), body)
}

/** Where an RPC says a receipt or log sits (fields outside the receipts trie; each may be absent). */
export interface ReceiptPlacement {
  transactionHash: string | null
  transactionIndex: bigint | null
  blockHash: string | null
  blockNumber: bigint | null
  gasUsed: bigint | null
  cumulativeGasUsed: bigint
  logs: { blockHash: string | null; blockNumber: bigint | null; transactionHash: string | null; transactionIndex: bigint | null; logIndex: bigint | null; removed: boolean }[]
}

const optQuantity = (v: unknown, field: string): bigint | null => (v === undefined || v === null ? null : quantity(v, field))
const optHash = (v: unknown, field: string): string | null => (v === undefined || v === null ? null : bytesToHex(data(v, field, 32)))

/** The placement fields of one receipt of `eth_getBlockReceipts` (shape-checked, not judged). */
export function receiptPlacement(json: unknown): ReceiptPlacement {
  if (!json || typeof json !== 'object') throw bad('receipt', 'is not an object')
  const r = json as Record<string, unknown>
  if (!Array.isArray(r.logs)) throw bad('logs', 'is not a list')
  return {
    transactionHash: optHash(r.transactionHash, 'transactionHash'),
    transactionIndex: optQuantity(r.transactionIndex, 'transactionIndex'),
    blockHash: optHash(r.blockHash, 'blockHash'),
    blockNumber: optQuantity(r.blockNumber, 'blockNumber'),
    gasUsed: optQuantity(r.gasUsed, 'gasUsed'),
    cumulativeGasUsed: quantity(r.cumulativeGasUsed, 'cumulativeGasUsed'),
    logs: r.logs.map((l: unknown, i: number) => {
      const log = (l ?? {}) as Record<string, unknown>
      return {
        blockHash: optHash(log.blockHash, `logs[${i}].blockHash`),
        blockNumber: optQuantity(log.blockNumber, `logs[${i}].blockNumber`),
        transactionHash: optHash(log.transactionHash, `logs[${i}].transactionHash`),
        transactionIndex: optQuantity(log.transactionIndex, `logs[${i}].transactionIndex`),
        logIndex: optQuantity(log.logIndex, `logs[${i}].logIndex`),
        removed: log.removed === true,
      }
    }),
  }
}
