import { VigilError } from '../core/errors'
import { bytesToHex } from './bytes'

/** A secp256k1 ECDSA signature as 65 bytes r ‖ s ‖ v with v ∈ {27, 28}, low-s (EIP-2). */
export const SIGNATURE_SIZE = 65

export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
export const SECP256K1_HALF_N = SECP256K1_N >> 1n

export interface SignatureParts {
  r: bigint
  s: bigint
  /** 0 or 1 */
  recovery: number
}

export function splitSignature(sig: Uint8Array): SignatureParts {
  if (sig.length !== SIGNATURE_SIZE) throw new VigilError('BAD_SIGNATURE', `signature must be ${SIGNATURE_SIZE} bytes, got ${sig.length}`)
  const r = BigInt(bytesToHex(sig.subarray(0, 32)))
  const s = BigInt(bytesToHex(sig.subarray(32, 64)))
  const v = sig[64]!
  if (v !== 27 && v !== 28) throw new VigilError('BAD_SIGNATURE', `signature v must be 27 or 28, got ${v}`, { details: { v } })
  if (r === 0n || r >= SECP256K1_N) throw new VigilError('BAD_SIGNATURE', 'signature r out of range')
  if (s === 0n || s > SECP256K1_HALF_N) throw new VigilError('BAD_SIGNATURE', 'signature s out of range (high-s signatures are malleable and rejected)')
  return { r, s, recovery: v - 27 }
}

export function joinSignature(r: bigint, s: bigint, recovery: number): Uint8Array {
  const out = new Uint8Array(SIGNATURE_SIZE)
  const put = (v: bigint, at: number) => {
    for (let i = 31; i >= 0; i--) {
      out[at + i] = Number(v & 0xffn)
      v >>= 8n
    }
  }
  put(r, 0)
  put(s, 32)
  out[64] = 27 + recovery
  return out
}
