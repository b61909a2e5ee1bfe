/**
 * The comparison of docs/decisions/bls.md: the same sync-committee fast aggregate verify as
 * bench/bls-cases.ts with ChainSafe's libraries, and SSZ roots with @chainsafe/ssz against our own
 * (src/protocol/eth/ssz.ts). The libraries are not dependencies of Vigil: bench/bls.ts loads them
 * from a scratch directory (`--chainsafe DIR`, where `npm install @chainsafe/bls @chainsafe/ssz
 * [@chainsafe/blst]` ran) and passes them in, so this file imports none of them. No Node imports
 * (it is bundled for Chromium too).
 */
import { hex, median, timer, type BlsInput } from './bls-cases'

/** The part of @chainsafe/bls's `IBls` (herumi or blst-native implementation) the bench uses. */
export interface ChainsafeBls {
  implementation: string
  PublicKey: { fromBytes(b: Uint8Array): unknown; aggregate(pks: unknown[]): unknown }
  Signature: { fromBytes(b: Uint8Array): { verifyAggregate(pks: unknown[], msg: Uint8Array): boolean } }
  /** From bytes: decodes (and checks) every key and the signature, then verifies. */
  verifyAggregate(pks: Uint8Array[], msg: Uint8Array, sig: Uint8Array): boolean
}

/** The part of @chainsafe/blst 2 (napi-rs binding of supranational/blst) the bench uses. */
export interface ChainsafeBlst {
  PublicKey: { fromBytes(b: Uint8Array, validate?: boolean): unknown }
  Signature: { fromBytes(b: Uint8Array, validate?: boolean): unknown }
  fastAggregateVerify(msg: Uint8Array, pks: unknown[], sig: unknown, sigsGroupcheck?: boolean): boolean
}

export interface ForeignBlsTimings {
  library: string
  runs: number
  /** Median ms: decode (with subgroup check) the 512 committee keys. */
  decode512Pubkeys: number
  signatureDecode: number
  /** Keys already decoded: aggregate the participants, hash to G2, pairing. */
  fastAggregateVerifyWarm: number
  /** From bytes: decode the participants' keys and the signature, then verify. */
  fastAggregateVerifyCold: number
  /** The real signature verifies and one with byte 10 flipped does not. */
  ok: boolean
}



function flipped(sig: Uint8Array): Uint8Array {
  const c = sig.slice()
  c[10] = c[10]! ^ 1
  return c
}

export function measureChainsafeBls(bls: ChainsafeBls, input: BlsInput, runs = 5): ForeignBlsTimings {
  const pkBytes = input.pubkeys.map(hex)
  const msg = hex(input.signingRoot)
  const sigBytes = hex(input.signature)
  const { t, time } = timer()
  let ok = true
  for (let r = 0; r < runs; r++) {
    const keys = time('decode', () => pkBytes.map((b) => bls.PublicKey.fromBytes(b)))
    const sig = time('sig', () => bls.Signature.fromBytes(sigBytes))
    ok = time('warm', () => sig.verifyAggregate(input.participants.map((i) => keys[i]!), msg)) && ok
    ok = time('cold', () => bls.verifyAggregate(input.participants.map((i) => pkBytes[i]!), msg, sigBytes)) && ok
  }
  ok = ok && !bls.verifyAggregate(input.participants.map((i) => pkBytes[i]!), msg, flipped(sigBytes))
  return { library: `@chainsafe/bls (${bls.implementation})`, runs, decode512Pubkeys: median(t.decode!), signatureDecode: median(t.sig!), fastAggregateVerifyWarm: median(t.warm!), fastAggregateVerifyCold: median(t.cold!), ok }
}

export function measureBlst(blst: ChainsafeBlst, input: BlsInput, runs = 5): ForeignBlsTimings {
  const pkBytes = input.pubkeys.map(hex)
  const msg = hex(input.signingRoot)
  const sigBytes = hex(input.signature)
  const { t, time } = timer()
  const check = (pks: unknown[], sig: Uint8Array): boolean => {
    try {
      return blst.fastAggregateVerify(msg, pks, blst.Signature.fromBytes(sig, true), true)
    } catch {
      return false
    }
  }
  let ok = true
  for (let r = 0; r < runs; r++) {
    const keys = time('decode', () => pkBytes.map((b) => blst.PublicKey.fromBytes(b, true)))
    const sig = time('sig', () => blst.Signature.fromBytes(sigBytes, true))
    ok = time('warm', () => blst.fastAggregateVerify(msg, input.participants.map((i) => keys[i]!), sig, false)) && ok
    ok = time('cold', () => check(input.participants.map((i) => blst.PublicKey.fromBytes(pkBytes[i]!, true)), sigBytes)) && ok
  }
  ok = ok && !check(input.participants.map((i) => blst.PublicKey.fromBytes(pkBytes[i]!, true)), flipped(sigBytes))
  return { library: '@chainsafe/blst', runs, decode512Pubkeys: median(t.decode!), signatureDecode: median(t.sig!), fastAggregateVerifyWarm: median(t.warm!), fastAggregateVerifyCold: median(t.cold!), ok }
}

// ---------------------------------------------------------------- SSZ

export interface SszInput {
  /** The bootstrap's current sync committee (hex). */
  pubkeys: string[]
  aggregatePubkey: string
  /** The bootstrap's beacon header. */
  header: { slot: number; proposerIndex: number; parentRoot: string; stateRoot: string; bodyRoot: string }
}

/** The part of @chainsafe/ssz 1.x the bench uses. */
export interface ChainsafeSsz {
  ContainerType: new (fields: Record<string, unknown>) => { hashTreeRoot(v: unknown): Uint8Array }
  VectorCompositeType: new (el: unknown, n: number) => unknown
  ByteVectorType: new (n: number) => unknown
  UintNumberType: new (bytes: number) => unknown
}

/** Our roots, passed in by the caller (src/protocol/eth/ssz.ts). */
export interface OwnSsz {
  syncCommitteeRoot(c: { pubkeys: Uint8Array[]; aggregatePubkey: Uint8Array }): Uint8Array
  beaconBlockHeaderRoot(h: { slot: number; proposerIndex: number; parentRoot: Uint8Array; stateRoot: Uint8Array; bodyRoot: Uint8Array }): Uint8Array
}

export interface SszTimings {
  runs: number
  /** Median ms of one hash_tree_root (a header root: the median of 1000 in a row, divided). */
  ownSyncCommittee: number
  chainsafeSyncCommittee: number
  ownHeader: number
  chainsafeHeader: number
  /** The roots, hex: identical for both libraries when `same`. */
  syncCommitteeRoot: string
  headerRoot: string
  same: boolean
}

const toHex = (b: Uint8Array): string => '0x' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

/** A header root takes microseconds: time this many and report one (browser timers are coarse). */
const HEADER_LOOP = 1000
const perCall = (xs: number[]): number => Math.round((median(xs.map((x) => x * 10)) / 10 / HEADER_LOOP) * 10000) / 10000
function loop(n: number, fn: () => Uint8Array): Uint8Array {
  let r = fn()
  for (let i = 1; i < n; i++) r = fn()
  return r
}

export function measureSsz(ssz: ChainsafeSsz, own: OwnSsz, input: SszInput, runs = 20): SszTimings {
  const Bytes48 = new ssz.ByteVectorType(48)
  const Bytes32 = new ssz.ByteVectorType(32)
  const UInt64 = new ssz.UintNumberType(8)
  const SyncCommittee = new ssz.ContainerType({ pubkeys: new ssz.VectorCompositeType(Bytes48, 512), aggregatePubkey: Bytes48 })
  const BeaconBlockHeader = new ssz.ContainerType({ slot: UInt64, proposerIndex: UInt64, parentRoot: Bytes32, stateRoot: Bytes32, bodyRoot: Bytes32 })
  const committee = { pubkeys: input.pubkeys.map(hex), aggregatePubkey: hex(input.aggregatePubkey) }
  const h = input.header
  const header = { slot: h.slot, proposerIndex: h.proposerIndex, parentRoot: hex(h.parentRoot), stateRoot: hex(h.stateRoot), bodyRoot: hex(h.bodyRoot) }
  const { t, time } = timer()
  let roots: string[] = []
  for (let r = 0; r < runs; r++) {
    // fresh copies each run: neither side may answer from a cache keyed on the object
    const c = { pubkeys: committee.pubkeys.map((p) => p.slice()), aggregatePubkey: committee.aggregatePubkey.slice() }
    const hd = { ...header, parentRoot: header.parentRoot.slice(), stateRoot: header.stateRoot.slice(), bodyRoot: header.bodyRoot.slice() }
    roots = [
      toHex(time('ownSC', () => own.syncCommitteeRoot(c))),
      toHex(time('csSC', () => SyncCommittee.hashTreeRoot(c))),
      toHex(time('ownH', () => loop(HEADER_LOOP, () => own.beaconBlockHeaderRoot(hd)))),
      toHex(time('csH', () => loop(HEADER_LOOP, () => BeaconBlockHeader.hashTreeRoot(hd)))),
    ]
  }
  return {
    runs,
    ownSyncCommittee: median(t.ownSC!),
    chainsafeSyncCommittee: median(t.csSC!),
    ownHeader: perCall(t.ownH!),
    chainsafeHeader: perCall(t.csH!),
    syncCommitteeRoot: roots[0]!,
    headerRoot: roots[2]!,
    same: roots[0] === roots[1] && roots[2] === roots[3],
  }
}
