/**
 * The BLS measurements of docs/decisions/bls.md with @noble/curves, runnable in Node and (bundled
 * by bench/bls.ts) in Chromium: one sync-committee fast aggregate verify on real mainnet data,
 * split into its parts. No Node imports.
 */
import { bls12_381 } from '@noble/curves/bls12-381.js'

export interface BlsInput {
  /** The 512 committee pubkeys (hex, 48 bytes). */
  pubkeys: string[]
  /** Which members signed. */
  participants: number[]
  signingRoot: string
  signature: string
}

export interface BlsTimings {
  runs: number
  /** Median ms of each part. */
  decode512Pubkeys: number
  aggregate510: number
  aggregateParticipants: number
  hashToG2: number
  signatureDecode: number
  pairingVerify: number
  /** From bytes: decode the participants' keys, aggregate, hash, decode signature, verify. */
  fastAggregateVerifyCold: number
  /** With the committee's keys already decoded (the light client caches them per period). */
  fastAggregateVerifyWarm: number
  ok: boolean
}

const DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'
export const hex = (h: string): Uint8Array => {
  const out = new Uint8Array((h.length - 2) / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 + 2 * i, 4 + 2 * i), 16)
  return out
}
/** Named timings: `time(k, fn)` runs fn and records its ms under k. */
export function timer() {
  const t: Record<string, number[]> = {}
  const time = <T>(k: string, fn: () => T): T => {
    const t0 = performance.now()
    const r = fn()
    ;(t[k] ??= []).push(performance.now() - t0)
    return r
  }
  return { t, time }
}
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10
}

export function measureNoble(input: BlsInput, runs = 5): BlsTimings {
  const bls = bls12_381.longSignatures
  const G1 = bls12_381.G1.Point
  const pkBytes = input.pubkeys.map(hex)
  const msg = hex(input.signingRoot)
  const sigBytes = hex(input.signature)
  const { t, time } = timer()
  let ok = true
  for (let r = 0; r < runs; r++) {
    const points = time('decode', () =>
      pkBytes.map((b) => {
        const p = G1.fromBytes(b)
        p.assertValidity()
        return p
      }),
    )
    time('agg510', () => bls.aggregatePublicKeys(points.slice(0, 510)))
    const agg = time('aggP', () => bls.aggregatePublicKeys(input.participants.map((i) => points[i]!)))
    const h = time('hash', () => bls.hash(msg, DST))
    const sig = time('sig', () => {
      const s = bls.Signature.fromBytes(sigBytes)
      s.assertValidity()
      return s
    })
    ok = time('pairing', () => bls.verify(sig, h, agg)) && ok
    ok =
      time('cold', () => {
        const pts = input.participants.map((i) => {
          const p = G1.fromBytes(pkBytes[i]!)
          p.assertValidity()
          return p
        })
        const s = bls.Signature.fromBytes(sigBytes)
        s.assertValidity()
        return bls.verify(s, bls.hash(msg, DST), bls.aggregatePublicKeys(pts))
      }) && ok
    ok =
      time('warm', () => {
        const s = bls.Signature.fromBytes(sigBytes)
        s.assertValidity()
        return bls.verify(s, bls.hash(msg, DST), bls.aggregatePublicKeys(input.participants.map((i) => points[i]!)))
      }) && ok
  }
  return {
    runs,
    decode512Pubkeys: median(t.decode!),
    aggregate510: median(t.agg510!),
    aggregateParticipants: median(t.aggP!),
    hashToG2: median(t.hash!),
    signatureDecode: median(t.sig!),
    pairingVerify: median(t.pairing!),
    fastAggregateVerifyCold: median(t.cold!),
    fastAggregateVerifyWarm: median(t.warm!),
    ok,
  }
}
