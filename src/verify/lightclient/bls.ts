/**
 * BLS12-381 as Ethereum uses it (public keys in G1, signatures in G2, proof-of-possession
 * ciphersuite) with @noble/curves: fast_aggregate_verify of a sync committee's participants.
 * See docs/decisions/bls.md for the measurement behind the choice.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'

export const ETH_BLS_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'

const bls = bls12_381.longSignatures
type G1 = ReturnType<typeof bls.getPublicKey>

/** Decoded public keys by their hex, so each committee's 512 keys are decompressed once. */
const pointCache = new Map<string, G1>()
const CACHE_MAX = 4 * 512

function hexKey(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += x.toString(16).padStart(2, '0')
  return s
}

/** Decompress (and subgroup-check) a G1 public key; throws on a bad encoding. */
export function decodePubkey(pk: Uint8Array): G1 {
  const k = hexKey(pk)
  let p = pointCache.get(k)
  if (!p) {
    p = bls12_381.G1.Point.fromBytes(pk)
    p.assertValidity()
    if (p.is0()) throw new Error('public key is the point at infinity')
    if (pointCache.size >= CACHE_MAX) pointCache.clear()
    pointCache.set(k, p)
  }
  return p
}

export interface FastAggregateResult {
  ok: boolean
  /** Why it failed, when it did. */
  reason?: string
}

/** FastAggregateVerify(pubkeys, message, signature) with the Ethereum DST. Never throws. */
export function fastAggregateVerify(pubkeys: Uint8Array[], message: Uint8Array, signature: Uint8Array): FastAggregateResult {
  if (pubkeys.length === 0) return { ok: false, reason: 'no participants' }
  let agg: G1
  try {
    agg = bls.aggregatePublicKeys(pubkeys.map(decodePubkey))
  } catch (e) {
    return { ok: false, reason: `bad public key: ${(e as Error).message}` }
  }
  let sig
  try {
    sig = bls.Signature.fromBytes(signature)
    sig.assertValidity()
  } catch (e) {
    return { ok: false, reason: `signature does not decode: ${(e as Error).message}` }
  }
  try {
    return bls.verify(sig, bls.hash(message, ETH_BLS_DST), agg) ? { ok: true } : { ok: false, reason: 'pairing check failed' }
  } catch (e) {
    return { ok: false, reason: (e as Error).message }
  }
}
