import type { Hex } from '../core/types'
import { Reader, Writer, checkVersion, tooLarge, hexToBytes } from './bytes'
import { keccak256Hex } from './hash'

export const BODY_VERSION = 1
export const MAX_BODY_BYTES = 1 << 20
export const MAX_TXS_PER_BLOCK = 4096
export const MAX_NOTE_HASHES = 64
export const MAX_NULLIFIERS = 64
export const MAX_LOG_BYTES = 4096

/** What one transaction did: the data a block body carries (seed 000's "tx effects"). */
export interface TxEffect {
  txHash: Hex
  fee: number
  noteHashes: Hex[]
  nullifiers: Hex[]
  /** Opaque log bytes. */
  logs: Hex
}

export interface BlockBody {
  version: number
  txEffects: TxEffect[]
}

export function encodeBody(b: BlockBody): Uint8Array {
  const w = new Writer(1024).u8(b.version).u32(b.txEffects.length)
  for (const e of b.txEffects) {
    const logs = hexToBytes(e.logs)
    if (e.noteHashes.length > MAX_NOTE_HASHES) throw tooLarge('body', 'noteHashes', e.noteHashes.length, MAX_NOTE_HASHES)
    if (e.nullifiers.length > MAX_NULLIFIERS) throw tooLarge('body', 'nullifiers', e.nullifiers.length, MAX_NULLIFIERS)
    if (logs.length > MAX_LOG_BYTES) throw tooLarge('body', 'logs', logs.length, MAX_LOG_BYTES)
    w.hex(e.txHash, 32).u64(e.fee)
    w.u8(e.noteHashes.length)
    for (const n of e.noteHashes) w.hex(n, 32)
    w.u8(e.nullifiers.length)
    for (const n of e.nullifiers) w.hex(n, 32)
    w.u16(logs.length).bytes(logs)
  }
  return w.finish()
}

export function decodeBody(bytes: Uint8Array): BlockBody {
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge('body', 'size', bytes.length, MAX_BODY_BYTES)
  const r = new Reader(bytes, 'body')
  const version = r.u8('body.version')
  checkVersion('body', version, BODY_VERSION)
  const count = r.u32('body.txCount')
  if (count > MAX_TXS_PER_BLOCK) throw tooLarge('body', 'txCount', count, MAX_TXS_PER_BLOCK)
  const txEffects: TxEffect[] = []
  for (let i = 0; i < count; i++) {
    const txHash = r.hex(32, 'txEffect.txHash')
    const fee = r.u64('txEffect.fee')
    const nNotes = r.u8('txEffect.noteHashes.length')
    if (nNotes > MAX_NOTE_HASHES) throw tooLarge('body', 'noteHashes', nNotes, MAX_NOTE_HASHES)
    const noteHashes = Array.from({ length: nNotes }, () => r.hex(32, 'txEffect.noteHash'))
    const nNull = r.u8('txEffect.nullifiers.length')
    if (nNull > MAX_NULLIFIERS) throw tooLarge('body', 'nullifiers', nNull, MAX_NULLIFIERS)
    const nullifiers = Array.from({ length: nNull }, () => r.hex(32, 'txEffect.nullifier'))
    const logLen = r.u16('txEffect.logs.length')
    if (logLen > MAX_LOG_BYTES) throw tooLarge('body', 'logs', logLen, MAX_LOG_BYTES)
    const logs = r.hex(logLen, 'txEffect.logs')
    txEffects.push({ txHash, fee, noteHashes, nullifiers, logs })
  }
  r.end()
  return { version, txEffects }
}

/** The body commitment a header carries. */
export function bodyHashOf(bodyBytes: Uint8Array): Hex {
  return keccak256Hex(bodyBytes)
}
