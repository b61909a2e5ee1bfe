import { VigilError } from '../core/errors'
import type { Hex } from '../core/types'

/** Bounds-checked big-endian reader. Every read checks length before it allocates. */
export class Reader {
  private pos = 0
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {}

  get offset(): number {
    return this.pos
  }
  get remaining(): number {
    return this.bytes.length - this.pos
  }

  private need(n: number, field: string): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new VigilError('DECODE_TRUNCATED', `${this.what}: truncated reading ${field} (need ${n} bytes at offset ${this.pos}, have ${this.remaining})`, {
        details: { what: this.what, field, offset: this.pos, need: n, have: this.remaining },
      })
    }
  }

  u8(field: string): number {
    this.need(1, field)
    return this.bytes[this.pos++]!
  }
  u16(field: string): number {
    this.need(2, field)
    const v = (this.bytes[this.pos]! << 8) | this.bytes[this.pos + 1]!
    this.pos += 2
    return v
  }
  u32(field: string): number {
    this.need(4, field)
    const b = this.bytes
    const p = this.pos
    const v = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
    this.pos += 4
    return v
  }
  /** u64 as a JS number; values above 2^53-1 are rejected (no field of ours needs them). */
  u64(field: string): number {
    this.need(8, field)
    const hi = this.u32(field)
    const lo = this.u32(field)
    if (hi > 0x1fffff) throw new VigilError('DECODE_INVALID_FIELD', `${this.what}: ${field} exceeds 2^53-1`, { details: { what: this.what, field } })
    return hi * 0x1_0000_0000 + lo
  }
  bytesN(n: number, field: string): Uint8Array {
    this.need(n, field)
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  hex(n: number, field: string): Hex {
    return bytesToHex(this.bytesN(n, field))
  }
  /** Bytes prefixed by a u32 length, capped at `max`. */
  varBytes32(max: number, field: string): Uint8Array {
    const len = this.u32(`${field}.length`)
    if (len > max) throw tooLarge(this.what, field, len, max)
    return this.bytesN(len, field)
  }
  end(): void {
    if (this.remaining !== 0) {
      throw new VigilError('DECODE_TRAILING_BYTES', `${this.what}: ${this.remaining} trailing bytes`, { details: { what: this.what, trailing: this.remaining } })
    }
  }
}

export function tooLarge(what: string, field: string, got: number, max: number): VigilError {
  return new VigilError('DECODE_TOO_LARGE', `${what}: ${field} is ${got}, at most ${max} allowed`, { details: { what, field, got, max } })
}

export function checkVersion(what: string, got: number, expected: number): void {
  if (got !== expected) {
    throw new VigilError('DECODE_UNKNOWN_VERSION', `${what}: unknown version ${got} (this client speaks ${expected})`, {
      details: { what, got, expected },
    })
  }
}

/** Growable big-endian writer. */
export class Writer {
  private buf: Uint8Array
  private pos = 0
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial)
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
  }
  u8(v: number): this {
    this.ensure(1)
    this.buf[this.pos++] = v & 0xff
    return this
  }
  u16(v: number): this {
    this.ensure(2)
    this.buf[this.pos++] = (v >>> 8) & 0xff
    this.buf[this.pos++] = v & 0xff
    return this
  }
  u32(v: number): this {
    this.ensure(4)
    this.buf[this.pos++] = (v >>> 24) & 0xff
    this.buf[this.pos++] = (v >>> 16) & 0xff
    this.buf[this.pos++] = (v >>> 8) & 0xff
    this.buf[this.pos++] = v & 0xff
    return this
  }
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new VigilError('DECODE_INVALID_FIELD', `u64 out of range: ${v}`)
    this.u32(Math.floor(v / 0x1_0000_0000))
    this.u32(v >>> 0)
    return this
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length)
    this.buf.set(b, this.pos)
    this.pos += b.length
    return this
  }
  hex(h: Hex, n: number): this {
    const b = hexToBytes(h)
    if (b.length !== n) throw new VigilError('DECODE_INVALID_FIELD', `expected ${n} bytes, got ${b.length}`)
    return this.bytes(b)
  }
  varBytes32(b: Uint8Array): this {
    return this.u32(b.length).bytes(b)
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos)
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function bytesToHex(b: Uint8Array): Hex {
  let s = '0x'
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]
  return s as Hex
}

export function hexToBytes(h: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(h)) throw new VigilError('DECODE_INVALID_FIELD', `not a 0x-prefixed even-length hex string: ${h.slice(0, 20)}`)
  const out = new Uint8Array((h.length - 2) / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 + 2 * i, 4 + 2 * i), 16)
  return out
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export const ZERO_HASH: Hex = `0x${'00'.repeat(32)}`
