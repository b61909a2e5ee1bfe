import { keccak_256 } from '@noble/hashes/sha3.js'
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import type { Hex } from '../core/types'
import { bytesToHex, hexToBytes } from './bytes'

export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data)
}
export function keccak256Hex(data: Uint8Array): Hex {
  return bytesToHex(keccak_256(data))
}
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data)
}
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}

/** abi.encode of static 32-byte words (bytes32 / uint256 / address), as Solidity does it. */
export function abiEncodeWords(...words: (Hex | bigint | number)[]): Uint8Array {
  const out = new Uint8Array(32 * words.length)
  words.forEach((w, i) => {
    let b: Uint8Array
    if (typeof w === 'string') b = hexToBytes(w)
    else {
      let v = BigInt(w)
      b = new Uint8Array(32)
      for (let j = 31; j >= 0 && v > 0n; j--) {
        b[j] = Number(v & 0xffn)
        v >>= 8n
      }
    }
    out.set(b, 32 * i + (32 - b.length))
  })
  return out
}
