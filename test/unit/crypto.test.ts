/**
 * secp256k1 (src/verify/secp256k1.ts) on real third-party data: every sender of Ethereum
 * mainnet block 15571241 recovered through `recoverAddress`, plus cross-checks of the WASM
 * backend against @noble/curves and of `signDigest` against viem.
 * Vectors: ../shared/vectors (see PROVENANCE.md there).
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { keccak256 as viemKeccak, serializeTransaction, toRlp, type Hex as ViemHex, type TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { secp256k1 as noble } from '@noble/curves/secp256k1.js'
import { VigilError } from '../../src/core/errors'
import { bytesToHex, hexToBytes } from '../../src/protocol/bytes'
import { keccak256, keccak256Hex } from '../../src/protocol/hash'
import { SECP256K1_N, joinSignature, splitSignature } from '../../src/protocol/signature'
import { addressOf, cryptoBackend, initCrypto, recoverAddress, recoverAddressNoble, signDigest } from '../../src/verify/secp256k1'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const VECTORS = path.resolve(repoRoot, '../shared/vectors')
if (!existsSync(path.join(VECTORS, 'PROVENANCE.md'))) {
  throw new Error(`test vectors not found at ${VECTORS}: these tests need the shared third-party vectors folder (../shared/vectors relative to the repo root)`)
}
const readJson = (rel: string) => JSON.parse(readFileSync(path.join(VECTORS, rel), 'utf8'))

interface RpcTx {
  type: string
  chainId?: string
  nonce: string
  gas: string
  gasPrice?: string
  maxFeePerGas?: string
  maxPriorityFeePerGas?: string
  to: string | null
  value: string
  input: string
  accessList?: { address: string; storageKeys: string[] }[]
  r: string
  s: string
  v: string
  from: string
  hash: string
}

const big = (h: string) => BigInt(h)
const num = (h: string) => Number(BigInt(h))

/** The unsigned transaction viem serializes for signing (EIP-155 legacy, 2930, 1559). */
function unsignedTx(tx: RpcTx): TransactionSerializable {
  const common = { nonce: num(tx.nonce), gas: big(tx.gas), to: (tx.to ?? undefined) as ViemHex | undefined, value: big(tx.value), data: tx.input as ViemHex }
  switch (tx.type) {
    case '0x0': {
      const v = big(tx.v)
      // pre-EIP-155 (v 27/28) has no chain id in its signing payload
      return { ...common, type: 'legacy', gasPrice: big(tx.gasPrice!), ...(v >= 35n ? { chainId: Number((v - 35n) / 2n) } : {}) }
    }
    case '0x1':
      return { ...common, type: 'eip2930', chainId: num(tx.chainId!), gasPrice: big(tx.gasPrice!), accessList: (tx.accessList ?? []) as never }
    case '0x2':
      return {
        ...common,
        type: 'eip1559',
        chainId: num(tx.chainId!),
        maxFeePerGas: big(tx.maxFeePerGas!),
        maxPriorityFeePerGas: big(tx.maxPriorityFeePerGas!),
        accessList: (tx.accessList ?? []) as never,
      }
    default:
      throw new Error(`unexpected tx type ${tx.type}`)
  }
}

/** recovery bit: legacy v = 27 + rec or chainId·2 + 35 + rec (EIP-155); typed: v is the y-parity. */
function recoveryBit(tx: RpcTx): number {
  const v = big(tx.v)
  if (tx.type !== '0x0') return Number(v)
  if (v === 27n || v === 28n) return Number(v - 27n)
  return Number((v - 35n) % 2n)
}

function sigOf(tx: RpcTx): Uint8Array {
  return joinSignature(big(tx.r), big(tx.s), recoveryBit(tx))
}

describe('secp256k1: real Ethereum mainnet senders (block 15571241)', () => {
  const block = readJson('ethereumjs-monorepo/infura15571241wtxns.json') as { number: string; transactions: RpcTx[] }
  const txs = block.transactions

  beforeAll(async () => {
    await initCrypto()
  })

  it('the vector has the expected shape (58 signed legacy/EIP-155 and EIP-1559 txs)', () => {
    expect(num(block.number)).toBe(15571241)
    expect(txs.length).toBe(58)
    expect(new Set(txs.map((t) => t.type))).toEqual(new Set(['0x0', '0x2']))
    expect(cryptoBackend()).toBe('libsecp256k1-wasm')
  })

  it('our signing payload is the real one: re-serialised signed txs hash to each tx hash', () => {
    for (const tx of txs) {
      const unsigned = unsignedTx(tx)
      const rec = recoveryBit(tx)
      const signed = serializeTransaction(unsigned, { r: tx.r as ViemHex, s: tx.s as ViemHex, yParity: rec, v: 27n + BigInt(rec) })
      expect(viemKeccak(signed), `tx ${tx.hash}`).toBe(tx.hash)
    }
  })

  it('recoverAddress recovers every `from` (WASM backend), and the noble reference agrees', () => {
    let recovered = 0
    for (const tx of txs) {
      const digest = keccak256(hexToBytes(serializeTransaction(unsignedTx(tx))))
      const sig = sigOf(tx)
      expect(recoverAddress(digest, sig), `tx ${tx.hash}`).toBe(tx.from.toLowerCase())
      expect(recoverAddressNoble(digest, sig), `tx ${tx.hash}`).toBe(tx.from.toLowerCase())
      recovered++
    }
    expect(recovered).toBe(58)
  })

  it('a wrong recovery bit or a different digest recovers someone else', () => {
    const tx = txs[0]!
    const digest = keccak256(hexToBytes(serializeTransaction(unsignedTx(tx))))
    const flipped = sigOf(tx)
    flipped[64] = flipped[64] === 27 ? 28 : 27
    let other: string | null
    try {
      other = recoverAddress(digest, flipped)
    } catch (e) {
      other = null // no point with that y: also acceptable, as long as it is not the sender
      expect((e as VigilError).code).toBe('BAD_SIGNATURE')
    }
    expect(other).not.toBe(tx.from.toLowerCase())
    const d2 = digest.slice()
    d2[0]! ^= 1
    expect(recoverAddress(d2, sigOf(tx))).not.toBe(tx.from.toLowerCase())
  })
})

describe('secp256k1: block header hashes of the ethereumjs header vectors recompute (RLP)', () => {
  const cases = [
    'ethereumjs-monorepo/infura15571241.json',
    'ethereumjs-monorepo/infura15571241wtxns.json',
    'ethereumjs-monorepo/optimism_bedrock_goerli_4061224.json',
    'ethereumjs-monorepo/optimism_bedrock_regolith_goerli_6825766.json',
    'ethereumjs-monorepo/optimism_bedrock_regolith_goerli_6826186.json',
    'ethereumjs-monorepo/testdata-from-rpc-with-withdrawals.json',
  ]
  /** RLP quantity: minimal big-endian bytes, empty for zero. */
  const q = (h: string): ViemHex => {
    const s = BigInt(h).toString(16)
    return BigInt(h) === 0n ? '0x' : `0x${s.length % 2 ? '0' : ''}${s}`
  }
  for (const file of cases) {
    it(file, () => {
      const b = readJson(file)
      const fields: ViemHex[] = [
        b.parentHash,
        b.sha3Uncles,
        b.miner,
        b.stateRoot,
        b.transactionsRoot,
        b.receiptsRoot,
        b.logsBloom,
        q(b.difficulty),
        q(b.number),
        q(b.gasLimit),
        q(b.gasUsed),
        q(b.timestamp),
        b.extraData,
        b.mixHash,
        b.nonce,
        q(b.baseFeePerGas),
      ]
      if (b.withdrawalsRoot) fields.push(b.withdrawalsRoot)
      expect(viemKeccak(toRlp(fields))).toBe(b.hash)
    })
  }
})

describe('secp256k1: signDigest / addressOf / recoverAddress', () => {
  const keys = Array.from({ length: 8 }, (_, i) => keccak256Hex(new TextEncoder().encode(`crypto-test-${i}`)))

  beforeAll(async () => {
    await initCrypto()
  })

  it('initCrypto is idempotent', async () => {
    const a = initCrypto()
    const b = initCrypto()
    expect(a).toBe(b)
    await a
    expect(cryptoBackend()).toBe('libsecp256k1-wasm')
  })

  it('signDigest equals viem account.sign({hash}) byte for byte, and addressOf its address', async () => {
    for (const [i, key] of keys.entries()) {
      const digest = keccak256(new TextEncoder().encode(`digest-${i}`))
      const sig = signDigest(key, digest)
      const account = privateKeyToAccount(key)
      expect(addressOf(key)).toBe(account.address.toLowerCase())
      expect(bytesToHex(sig)).toBe(await account.sign({ hash: bytesToHex(digest) }))
      expect(sig.length).toBe(65)
      expect([27, 28]).toContain(sig[64])
      const { s } = splitSignature(sig) // low-s, or this throws
      expect(s <= SECP256K1_N / 2n).toBe(true)
      expect(recoverAddress(digest, sig)).toBe(addressOf(key))
      expect(recoverAddressNoble(digest, sig)).toBe(addressOf(key))
    }
  })

  it('WASM and noble backends agree on 200 random signatures', () => {
    for (let i = 0; i < 200; i++) {
      const key = keys[i % keys.length]!
      const digest = keccak256(new TextEncoder().encode(`agree-${i}`))
      const sig = signDigest(key, digest)
      expect(recoverAddress(digest, sig)).toBe(recoverAddressNoble(digest, sig))
    }
  })

  const digest = keccak256(new TextEncoder().encode('malformed'))
  const good = () => signDigest(keys[0]!, digest)
  const bad: [string, () => Uint8Array][] = [
    ['64 bytes', () => good().subarray(0, 64)],
    ['66 bytes', () => Uint8Array.from([...good(), 0])],
    ['v = 0', () => Object.assign(good(), { 64: 0 })],
    ['v = 29', () => Object.assign(good(), { 64: 29 })],
    ['r = 0', () => joinSignature(0n, splitSignature(good()).s, 0)],
    ['r = n', () => joinSignature(SECP256K1_N, splitSignature(good()).s, 0)],
    ['s = 0', () => joinSignature(splitSignature(good()).r, 0n, 0)],
    [
      'high s (n - s, the malleable twin)',
      () => {
        const p = splitSignature(good())
        return joinSignature(p.r, SECP256K1_N - p.s, 1 - p.recovery)
      },
    ],
  ]
  for (const [name, make] of bad) {
    it(`rejects a malformed signature with BAD_SIGNATURE: ${name}`, () => {
      for (const recover of [recoverAddress, recoverAddressNoble]) {
        let err: unknown
        try {
          recover(digest, make())
        } catch (e) {
          err = e
        }
        expect(err).toBeInstanceOf(VigilError)
        expect((err as VigilError).code).toBe('BAD_SIGNATURE')
        expect((err as VigilError).severity).toBe('hard')
      }
    })
  }

  it('the high-s twin really is a valid signature (so rejecting it is policy, EIP-2)', () => {
    const p = splitSignature(good())
    const twin = joinSignature(p.r, SECP256K1_N - p.s, 1 - p.recovery)
    const pub = noble.getPublicKey(hexToBytes(keys[0]!), false)
    expect(noble.verify(twin.subarray(0, 64), digest, pub, { prehash: false, lowS: false })).toBe(true)
    expect(noble.verify(twin.subarray(0, 64), digest, pub, { prehash: false, lowS: true })).toBe(false)
  })

  it('an r with no curve point recovers nothing: BAD_SIGNATURE', () => {
    // x = 5 is not the x of any secp256k1 point (5^3 + 7 = 132 is a non-residue mod p)
    const sig = joinSignature(5n, 1n, 0)
    for (const recover of [recoverAddress, recoverAddressNoble]) {
      expect(() => recover(digest, sig)).toThrowError(expect.objectContaining({ code: 'BAD_SIGNATURE' }))
    }
  })

  it('rejects a non-32-byte digest as a programming error', () => {
    expect(() => recoverAddress(new Uint8Array(31), good())).toThrowError(expect.objectContaining({ code: 'INTERNAL' }))
    expect(() => signDigest(keys[0]!, new Uint8Array(33))).toThrowError(expect.objectContaining({ code: 'INTERNAL' }))
  })

  it('rejects an invalid private key', () => {
    expect(() => addressOf(`0x${'00'.repeat(32)}`)).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }))
    expect(() => addressOf('0x1234')).toThrowError(VigilError)
  })
})
