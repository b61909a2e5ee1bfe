import type { Address, Hex } from '../core/types'
import { Reader, Writer, checkVersion, tooLarge, bytesToHex, hexToBytes, concatBytes } from './bytes'
import { keccak256, keccak256Hex } from './hash'
import type { TxEffect } from './body'

export const TX_VERSION = 1
export const MAX_TX_PAYLOAD = 1024

/**
 * An L2 transaction of the devnet's toy execution: a sender, a nonce, a fee and an
 * opaque payload. Its effects are a pure function of its bytes (`executeTx`), so anyone
 * holding a block's transactions can rebuild the block's body (seed 000, re-execution).
 */
export interface Tx {
  version: number
  sender: Address
  nonce: number
  fee: number
  payload: Hex
}

export function encodeTx(tx: Tx): Uint8Array {
  const payload = hexToBytes(tx.payload)
  if (payload.length > MAX_TX_PAYLOAD) throw tooLarge('tx', 'payload', payload.length, MAX_TX_PAYLOAD)
  return new Writer(64 + payload.length).u8(tx.version).hex(tx.sender, 20).u64(tx.nonce).u64(tx.fee).u16(payload.length).bytes(payload).finish()
}

export function decodeTx(bytes: Uint8Array): Tx {
  const r = new Reader(bytes, 'tx')
  const version = r.u8('tx.version')
  checkVersion('tx', version, TX_VERSION)
  const sender = r.hex(20, 'tx.sender')
  const nonce = r.u64('tx.nonce')
  const fee = r.u64('tx.fee')
  const len = r.u16('tx.payload.length')
  if (len > MAX_TX_PAYLOAD) throw tooLarge('tx', 'payload', len, MAX_TX_PAYLOAD)
  const payload = r.hex(len, 'tx.payload')
  r.end()
  return { version, sender, nonce, fee, payload }
}

export function txHash(tx: Tx): Hex {
  return keccak256Hex(encodeTx(tx))
}

/**
 * The toy execution: deterministic effects of one transaction.
 * noteHashes: 1 + (payload[0] % 4) of keccak(txHash ‖ "note" ‖ i);
 * nullifiers: 1 + (payload[1] % 2) of keccak(txHash ‖ "nullifier" ‖ i);
 * logs: the payload itself.
 */
export function executeTx(tx: Tx): TxEffect {
  const raw = encodeTx(tx)
  const hashBytes = keccak256(raw)
  const payload = hexToBytes(tx.payload)
  const derive = (tag: string, count: number) =>
    Array.from({ length: count }, (_, i) => bytesToHex(keccak256(concatBytes(hashBytes, new TextEncoder().encode(tag), Uint8Array.of(i)))))
  return {
    txHash: bytesToHex(hashBytes),
    fee: tx.fee,
    noteHashes: derive('note', 1 + ((payload[0] ?? 0) % 4)),
    nullifiers: derive('nullifier', 1 + ((payload[1] ?? 0) % 2)),
    logs: tx.payload,
  }
}
