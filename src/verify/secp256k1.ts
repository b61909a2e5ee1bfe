/**
 * secp256k1 for Vigil: recovering signers (hot path: every proposal and every
 * attestation) and signing (devnet, tests).
 *
 * Recovery runs on libsecp256k1 compiled to WebAssembly (@bitauth/libauth 3), ~10x faster
 * than @noble/curves in Node and ~3x in Chromium (docs/decisions/crypto.md). The WASM
 * binary is embedded in libauth as base64, so it loads the same way in Node, a page and
 * a Web Worker (no fetch, no bundler plugin). Until `initCrypto()` has resolved, or if
 * WebAssembly is unavailable, recovery falls back to @noble/curves: same results, slower.
 *
 * Signing always uses @noble/curves (RFC 6979 deterministic k, low-s), so signatures are
 * reproducible across runs and environments.
 */
import { instantiateSecp256k1 } from '@bitauth/libauth/build/lib/crypto/secp256k1.js'
import type { Secp256k1 } from '@bitauth/libauth/build/lib/crypto/secp256k1-types.js'
import { secp256k1 as noble } from '@noble/curves/secp256k1.js'
import { VigilError } from '../core/errors'
import type { Address, Hex } from '../core/types'
import { bytesToHex, hexToBytes } from '../protocol/bytes'
import { keccak256 } from '../protocol/hash'
import { SIGNATURE_SIZE, splitSignature } from '../protocol/signature'

export type CryptoBackend = 'libsecp256k1-wasm' | 'noble'

let wasm: Secp256k1 | null = null
let loading: Promise<void> | null = null
let loadError: string | null = null

/**
 * Loads the libsecp256k1 WASM (once; later calls return the same promise). Never rejects:
 * if WebAssembly cannot be instantiated, recovery stays on @noble/curves and
 * `cryptoBackend()` says so.
 */
export function initCrypto(): Promise<void> {
  loading ??= instantiateSecp256k1().then(
    (s) => {
      wasm = s
    },
    (e: unknown) => {
      loadError = e instanceof Error ? e.message : String(e)
    },
  )
  return loading
}

/** Which implementation `recoverAddress` uses right now. */
export function cryptoBackend(): CryptoBackend {
  return wasm ? 'libsecp256k1-wasm' : 'noble'
}

/** Why the WASM backend failed to load, if it did. */
export function cryptoLoadError(): string | null {
  return loadError
}

function checkDigest(digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new VigilError('INTERNAL', `digest must be 32 bytes, got ${digest?.length}`)
  }
}

/** The Ethereum address of an uncompressed public key (0x04 ‖ X ‖ Y): keccak256(X ‖ Y)[12:]. */
export function publicKeyToAddress(uncompressed: Uint8Array): Address {
  if (uncompressed.length !== 65 || uncompressed[0] !== 0x04) throw new VigilError('INTERNAL', 'expected a 65-byte uncompressed public key')
  return bytesToHex(keccak256(uncompressed.subarray(1)).subarray(12))
}

/**
 * The signer of `digest` (32 bytes) given a 65-byte r ‖ s ‖ v signature (v ∈ {27, 28}),
 * as a lower-case 0x address. Synchronous. Throws VigilError BAD_SIGNATURE (hard) when the
 * signature is malformed (length, v, r or s out of range, high s) or recovers no point.
 */
export function recoverAddress(digest: Uint8Array, signature: Uint8Array): Address {
  checkDigest(digest)
  const { recovery } = splitSignature(signature)
  if (!wasm) return recoverWithNoble(digest, signature, recovery)
  const pub = wasm.recoverPublicKeyUncompressed(signature.subarray(0, 64), recovery as 0 | 1, digest)
  if (typeof pub === 'string') throw new VigilError('BAD_SIGNATURE', `signature does not recover a public key: ${pub}`)
  return publicKeyToAddress(pub)
}

/** Reference implementation of `recoverAddress` on @noble/curves (tests compare the two). */
export function recoverAddressNoble(digest: Uint8Array, signature: Uint8Array): Address {
  checkDigest(digest)
  const { recovery } = splitSignature(signature)
  return recoverWithNoble(digest, signature, recovery)
}

function recoverWithNoble(digest: Uint8Array, signature: Uint8Array, recovery: number): Address {
  // noble's 'recovered' format puts the recovery byte first: rec ‖ r ‖ s
  const recovered = new Uint8Array(SIGNATURE_SIZE)
  recovered[0] = recovery
  recovered.set(signature.subarray(0, 64), 1)
  let pub: Uint8Array
  try {
    const compressed = noble.recoverPublicKey(recovered, digest, { prehash: false })
    pub = noble.Point.fromBytes(compressed).toBytes(false)
  } catch (e) {
    throw new VigilError('BAD_SIGNATURE', `signature does not recover a public key: ${(e as Error).message}`, { cause: e })
  }
  return publicKeyToAddress(pub)
}

function privateKeyBytes(privateKey: Hex): Uint8Array {
  const key = hexToBytes(privateKey)
  if (key.length !== 32 || !noble.utils.isValidSecretKey(key)) throw new VigilError('CONFIG_INVALID', 'not a valid secp256k1 private key')
  return key
}

/**
 * Signs a 32-byte digest as-is (no pre-hashing): 65 bytes r ‖ s ‖ v, low-s, v = 27 + recovery bit.
 * Deterministic (RFC 6979).
 */
export function signDigest(privateKey: Hex, digest: Uint8Array): Uint8Array {
  checkDigest(digest)
  // prehash: false — the digest is already keccak/EIP-712; noble would sha256 it otherwise
  const rec = noble.sign(digest, privateKeyBytes(privateKey), { prehash: false, lowS: true, format: 'recovered' })
  const out = new Uint8Array(SIGNATURE_SIZE)
  out.set(rec.subarray(1, 65), 0)
  out[64] = 27 + rec[0]!
  return out
}

/** The address of a private key (lower-case 0x hex). */
export function addressOf(privateKey: Hex): Address {
  return publicKeyToAddress(noble.getPublicKey(privateKeyBytes(privateKey), false))
}
