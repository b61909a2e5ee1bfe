/**
 * RLP (Ethereum's Recursive Length Prefix, Yellow Paper appendix B).
 *
 * The decoder never trusts its input: every length is checked against what remains before
 * anything is sliced, and only the canonical form is accepted (a single byte < 0x80 is never
 * wrapped, a string or list of < 56 bytes never uses the long form, a long length has no
 * leading zero byte). Errors are coded `VigilError`s: DECODE_TRUNCATED (a length runs past the
 * end), DECODE_TRAILING_BYTES (bytes after the one item), DECODE_INVALID_FIELD (non-canonical).
 */
import { VigilError } from '../../core/errors'
import { concatBytes } from '../bytes'

export type RlpItem = Uint8Array | RlpItem[]

/** Nesting deeper than this is rejected (a guard against stack exhaustion on hostile input). */
export const RLP_MAX_DEPTH = 64

export function rlpEncode(item: RlpItem): Uint8Array {
  if (item instanceof Uint8Array) {
    if (item.length === 1 && item[0]! < 0x80) return item.slice()
    return concatBytes(lengthPrefix(item.length, 0x80), item)
  }
  const payload = concatBytes(...item.map(rlpEncode))
  return concatBytes(lengthPrefix(payload.length, 0xc0), payload)
}

function lengthPrefix(len: number, offset: number): Uint8Array {
  if (len < 56) return Uint8Array.of(offset + len)
  const lenBytes = uintToBytes(BigInt(len))
  return concatBytes(Uint8Array.of(offset + 55 + lenBytes.length), lenBytes)
}

/** A non-negative integer as RLP wants it: big-endian, no leading zeros, 0 = empty. */
export function uintToBytes(v: bigint | number): Uint8Array {
  let n = BigInt(v)
  if (n < 0n) throw new VigilError('DECODE_INVALID_FIELD', `rlp: negative integer ${n}`)
  const out: number[] = []
  while (n > 0n) {
    out.push(Number(n & 0xffn))
    n >>= 8n
  }
  return Uint8Array.from(out.reverse())
}

/** An RLP integer back to a bigint; a leading zero byte is non-canonical and rejected. */
export function bytesToUint(b: Uint8Array, field = 'integer'): bigint {
  if (b.length > 0 && b[0] === 0) throw invalid(`${field}: integer with a leading zero byte`, { field })
  let v = 0n
  for (const x of b) v = (v << 8n) | BigInt(x)
  return v
}

/** Decodes exactly one item spanning all of `bytes`. */
export function rlpDecode(bytes: Uint8Array, what = 'rlp'): RlpItem {
  const [item, end] = decodeAt(bytes, 0, bytes.length, what, 0)
  if (end !== bytes.length) {
    throw new VigilError('DECODE_TRAILING_BYTES', `${what}: ${bytes.length - end} bytes after the RLP item`, { details: { what, offset: end, trailing: bytes.length - end } })
  }
  return item
}

/** Decodes one item that must be a list. */
export function rlpDecodeList(bytes: Uint8Array, what = 'rlp'): RlpItem[] {
  const item = rlpDecode(bytes, what)
  if (!Array.isArray(item)) throw invalid(`${what}: expected an RLP list, got a string`, { what })
  return item
}

function invalid(message: string, details: Record<string, string | number | boolean | null> = {}): VigilError {
  return new VigilError('DECODE_INVALID_FIELD', `rlp: ${message}`, { details })
}

function truncated(what: string, offset: number, need: number, have: number): VigilError {
  return new VigilError('DECODE_TRUNCATED', `${what}: RLP item at offset ${offset} needs ${need} bytes, ${have} remain`, { details: { what, offset, need, have } })
}

/** Reads a long-form length of `n` bytes at `pos` (canonical: no leading zero, and ≥ 56). */
function longLength(bytes: Uint8Array, pos: number, n: number, end: number, what: string): number {
  if (pos + n > end) throw truncated(what, pos, n, end - pos)
  if (bytes[pos] === 0) throw invalid(`${what}: long length with a leading zero byte at offset ${pos}`, { what, offset: pos })
  let len = 0
  for (let i = 0; i < n; i++) len = len * 256 + bytes[pos + i]!
  // a length of 7–8 bytes is ≥ 2^48: past the end of any input we hold (and beyond exact doubles)
  if (n > 6 || len > end - pos - n) throw truncated(what, pos, n > 6 ? Number.MAX_SAFE_INTEGER : len, end - pos - n)
  if (len < 56) throw invalid(`${what}: long form used for a length of ${len} at offset ${pos}`, { what, offset: pos })
  return len
}

function decodeAt(bytes: Uint8Array, pos: number, end: number, what: string, depth: number): [RlpItem, number] {
  if (depth > RLP_MAX_DEPTH) throw invalid(`${what}: nesting deeper than ${RLP_MAX_DEPTH}`, { what })
  if (pos >= end) throw truncated(what, pos, 1, 0)
  const b = bytes[pos]!
  if (b < 0x80) return [bytes.subarray(pos, pos + 1), pos + 1]
  if (b <= 0xb7) {
    const len = b - 0x80
    const start = pos + 1
    if (start + len > end) throw truncated(what, pos, len, end - start)
    if (len === 1 && bytes[start]! < 0x80) throw invalid(`${what}: single byte 0x${bytes[start]!.toString(16).padStart(2, '0')} < 0x80 wrapped as a string at offset ${pos}`, { what, offset: pos })
    return [bytes.subarray(start, start + len), start + len]
  }
  if (b <= 0xbf) {
    const n = b - 0xb7
    const len = longLength(bytes, pos + 1, n, end, what)
    const start = pos + 1 + n
    if (start + len > end) throw truncated(what, pos, len, end - start)
    return [bytes.subarray(start, start + len), start + len]
  }
  let start: number
  let len: number
  if (b <= 0xf7) {
    len = b - 0xc0
    start = pos + 1
  } else {
    const n = b - 0xf7
    len = longLength(bytes, pos + 1, n, end, what)
    start = pos + 1 + n
  }
  if (start + len > end) throw truncated(what, pos, len, end - start)
  const listEnd = start + len
  const items: RlpItem[] = []
  let p = start
  while (p < listEnd) {
    const [item, next] = decodeAt(bytes, p, listEnd, what, depth + 1)
    items.push(item)
    p = next
  }
  return [items, listEnd]
}
