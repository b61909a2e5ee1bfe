/**
 * Execution-layer proofs on real mainnet data (../shared/vectors/helios/rpc, block 21925176):
 * the header's RLP hashes to its hash, the eth_getProof answer for the deposit contract verifies
 * against its stateRoot, the 202 receipts rebuild its receiptsRoot; every single-byte mutation of a
 * proof node or a header field is rejected with a coded error; exclusion proofs give null; RLP
 * round trips and refuses non-canonical input; `vigil proof verify` on the files and on mutated copies.
 */
import { describe, it, expect, vi, afterEach } from 'vitest'
import { readFileSync } from 'node:fs'
import { execFile } from 'node:child_process'
import { mkdtemp, writeFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isVigilError, type ErrorCode } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import { bytesToHex, hexToBytes } from '../../src/protocol/bytes'
import { keccak256 } from '../../src/protocol/hash'
import { rlpDecode, rlpEncode, uintToBytes, bytesToUint, type RlpItem } from '../../src/protocol/eth/rlp'
import { decodeHeader, encodeHeader, headerFromRpc, headerHash, HEADER_FIELDS, type ExecutionHeader } from '../../src/protocol/eth/header'
import { parseGetProof, type GetProofAnswer } from '../../src/protocol/eth/proof'
import { encodeReceipt, receiptPlacement } from '../../src/protocol/eth/receipt'
import { buildTrie, decodeHexPrefix, EMPTY_CODE_HASH, EMPTY_TRIE_ROOT, orderedTrieRoot, toNibbles, verifyAccountProof, verifyProof, verifyStorageProof } from '../../src/verify/mpt'
import { verifyGetProof, verifyHeaderHash, verifyReceiptPlacement, verifyReceiptsRoot } from '../../src/verify/execution'
import { main } from '../../src/cli/main'

const DIR = join(__dirname, '../../../shared/vectors/helios/rpc')
const blockJson = JSON.parse(readFileSync(join(DIR, 'block.json'), 'utf8')) as Record<string, unknown> & { hash: Hex }
const proofJson = JSON.parse(readFileSync(join(DIR, 'proof.json'), 'utf8')) as {
  address: Hex
  accountProof: Hex[]
  balance: Hex
  codeHash: Hex
  nonce: Hex
  storageHash: Hex
  storageProof: { key: Hex; value: Hex; proof: Hex[] }[]
}
const receiptsJson = JSON.parse(readFileSync(join(DIR, 'receipts.json'), 'utf8')) as Record<string, unknown>[]
const header = headerFromRpc(blockJson)

/** The code of the VigilError `fn` throws; fails the test if it returns (a mutation must never give a value). */
function codeOf(fn: () => unknown): ErrorCode {
  let v: unknown
  try {
    v = fn()
  } catch (e) {
    if (isVigilError(e)) return e.code
    throw e
  }
  throw new Error(`expected a coded error, got a value: ${String(v)}`)
}

function mutate(bytes: Uint8Array, i: number, xor = 0x01): Uint8Array {
  const out = bytes.slice()
  out[i] = out[i]! ^ xor
  return out
}

/** A few positions in a node: the first bytes (RLP prefix), spread through the middle, the last. */
function positions(len: number): number[] {
  const set = new Set<number>([0, 1, 2, 3, len - 1, len - 2])
  for (let i = 4; i < len; i += Math.max(1, Math.floor(len / 24))) set.add(i)
  return [...set].filter((i) => i >= 0 && i < len).sort((a, b) => a - b)
}

describe('execution header (block 21925176)', () => {
  it('its RLP hashes to the block hash; RLP decodes back to the same header', () => {
    expect(headerHash(header)).toBe(blockJson.hash)
    expect(verifyHeaderHash(header, blockJson.hash)).toBe(blockJson.hash)
    const rlp = encodeHeader(header)
    expect(decodeHeader(rlp)).toEqual(header)
    expect(bytesToHex(keccak256(rlp))).toBe(blockJson.hash)
    // Cancun header: 20 fields, no requestsHash
    expect(header.parentBeaconBlockRoot).toBe(blockJson.parentBeaconBlockRoot)
    expect(header.requestsHash).toBeUndefined()
    expect((rlpDecode(rlp) as RlpItem[]).length).toBe(20)
  })

  it('a Prague header carries requestsHash as the 21st field; a field of a later fork without an earlier one is refused', () => {
    const prague = headerFromRpc({ ...blockJson, requestsHash: `0x${'e3'.repeat(32)}` })
    expect((rlpDecode(encodeHeader(prague)) as RlpItem[]).length).toBe(21)
    expect(decodeHeader(encodeHeader(prague))).toEqual(prague)
    expect(headerHash(prague)).not.toBe(blockJson.hash)
    const london = headerFromRpc({ ...blockJson, withdrawalsRoot: undefined, blobGasUsed: undefined, excessBlobGas: undefined, parentBeaconBlockRoot: undefined })
    expect((rlpDecode(encodeHeader(london)) as RlpItem[]).length).toBe(16)
    expect(codeOf(() => headerFromRpc({ ...blockJson, withdrawalsRoot: undefined }))).toBe('DECODE_INVALID_FIELD')
    expect(codeOf(() => headerFromRpc({ ...blockJson, stateRoot: '0x1234' }))).toBe('DECODE_INVALID_FIELD')
    expect(codeOf(() => headerFromRpc({ ...blockJson, number: 21925176 }))).toBe('DECODE_INVALID_FIELD')
    expect(codeOf(() => headerFromRpc({ ...blockJson, miner: undefined }))).toBe('DECODE_INVALID_FIELD')
  })

  it('every single-byte mutation of every header field is rejected (HEADER_HASH_MISMATCH)', () => {
    let n = 0
    for (const field of HEADER_FIELDS) {
      const v = header[field]
      if (v === undefined) continue
      if (typeof v === 'bigint') {
        for (const d of [1n, 0x100n, 1n << 40n]) {
          const h = { ...header, [field]: v ^ d } as ExecutionHeader
          expect(codeOf(() => verifyHeaderHash(h, blockJson.hash)), field).toBe('HEADER_HASH_MISMATCH')
          n++
        }
      } else {
        const b = hexToBytes(v)
        for (let i = 0; i < b.length; i++) {
          const h = { ...header, [field]: bytesToHex(mutate(b, i)) } as ExecutionHeader
          expect(codeOf(() => verifyHeaderHash(h, blockJson.hash)), `${field}[${i}]`).toBe('HEADER_HASH_MISMATCH')
          n++
        }
      }
    }
    expect(n).toBeGreaterThan(500)
  })

  it('every single-byte mutation of the header RLP fails to decode or hashes elsewhere (coded error, never the block)', () => {
    const rlp = encodeHeader(header)
    for (let i = 0; i < rlp.length; i++) {
      const code = codeOf(() => verifyHeaderHash(decodeHeader(mutate(rlp, i)), blockJson.hash))
      expect(['HEADER_HASH_MISMATCH', 'DECODE_INVALID_FIELD', 'DECODE_TRUNCATED', 'DECODE_TRAILING_BYTES']).toContain(code)
    }
  })
})

describe('eth_getProof (deposit contract, one slot) against the stateRoot', () => {
  const answer = parseGetProof(proofJson)

  it('the account proof gives the account the answer states', () => {
    const acc = verifyAccountProof(header.stateRoot, proofJson.address, proofJson.accountProof)
    expect(acc).toEqual({ nonce: BigInt(proofJson.nonce), balance: BigInt(proofJson.balance), storageRoot: proofJson.storageHash, codeHash: proofJson.codeHash })
  })

  it('the storage proof gives the stated value under the account storageRoot', () => {
    const s = proofJson.storageProof[0]!
    expect(verifyStorageProof(proofJson.storageHash, s.key, s.proof)).toBe(BigInt(s.value))
    expect(verifyStorageProof(proofJson.storageHash, 1n, s.proof)).toBe(BigInt(s.value))
  })

  it('verifyGetProof checks every claimed value', () => {
    const p = verifyGetProof(header.stateRoot, answer)
    expect(p.account?.balance).toBe(BigInt(proofJson.balance))
    expect(p.storage).toEqual([{ key: proofJson.storageProof[0]!.key, value: BigInt(proofJson.storageProof[0]!.value) }])
    expect(codeOf(() => verifyGetProof(header.stateRoot, { ...answer, balance: answer.balance + 1n }))).toBe('PROOF_VALUE_MISMATCH')
    expect(codeOf(() => verifyGetProof(header.stateRoot, { ...answer, nonce: 2n }))).toBe('PROOF_VALUE_MISMATCH')
    expect(codeOf(() => verifyGetProof(header.stateRoot, { ...answer, storageHash: EMPTY_TRIE_ROOT }))).toBe('PROOF_VALUE_MISMATCH')
    expect(codeOf(() => verifyGetProof(header.stateRoot, { ...answer, storageProof: [{ ...answer.storageProof[0]!, value: 5n }] }))).toBe('PROOF_VALUE_MISMATCH')
    // a different root: the first node no longer hashes to it
    expect(codeOf(() => verifyGetProof(header.receiptsRoot, answer))).toBe('PROOF_INVALID')
  })

  it('every single-byte mutation of every proof node is rejected (PROOF_INVALID), account and storage', () => {
    let n = 0
    const acct = proofJson.accountProof.map(hexToBytes)
    acct.forEach((node, k) => {
      for (const i of positions(node.length)) {
        for (const x of [0x01, 0x80]) {
          const proof = acct.map((m, j) => (j === k ? mutate(node, i, x) : m))
          expect(codeOf(() => verifyAccountProof(header.stateRoot, proofJson.address, proof)), `account node ${k} byte ${i}`).toBe('PROOF_INVALID')
          n++
        }
      }
    })
    const stor = proofJson.storageProof[0]!.proof.map(hexToBytes)
    stor.forEach((node, k) => {
      for (let i = 0; i < node.length; i++) {
        const proof = stor.map((m, j) => (j === k ? mutate(node, i) : m))
        expect(codeOf(() => verifyStorageProof(proofJson.storageHash, 1n, proof)), `storage node ${k} byte ${i}`).toBe('PROOF_INVALID')
        n++
      }
    })
    expect(n).toBeGreaterThan(400)
  })

  it('a proof with a node missing, left over, swapped, or for another key is rejected', () => {
    const p = proofJson.accountProof
    expect(codeOf(() => verifyAccountProof(header.stateRoot, proofJson.address, p.slice(0, -1)))).toBe('PROOF_INVALID')
    expect(codeOf(() => verifyAccountProof(header.stateRoot, proofJson.address, [...p, p[0]!]))).toBe('PROOF_INVALID')
    expect(codeOf(() => verifyAccountProof(header.stateRoot, proofJson.address, [p[1]!, p[0]!, ...p.slice(2)]))).toBe('PROOF_INVALID')
    expect(codeOf(() => verifyAccountProof(header.stateRoot, proofJson.address, []))).toBe('PROOF_INVALID')
    expect(codeOf(() => verifyAccountProof(header.stateRoot, `0x${'11'.repeat(20)}`, p))).toBe('PROOF_INVALID')
    expect(codeOf(() => verifyStorageProof(proofJson.storageHash, 2n, proofJson.storageProof[0]!.proof))).toBe('PROOF_INVALID')
  })

  it('exclusion: a key that leaves the proven path at an empty branch slot or a diverging leaf gives null', () => {
    const nodes = proofJson.accountProof.map((h) => rlpDecode(hexToBytes(h)) as RlpItem[])
    const key = toNibbles(keccak256(hexToBytes(proofJson.address)))
    // the depth at which the last branch is entered
    let depth = 0
    for (const node of nodes.slice(0, -2)) depth += node.length === 17 ? 1 : decodeHexPrefix(node[0] as Uint8Array).nibbles.length
    const lastBranch = nodes.at(-2)!
    expect(lastBranch.length).toBe(17)
    const empty = lastBranch.slice(0, 16).findIndex((c) => c instanceof Uint8Array && c.length === 0)
    expect(empty).toBeGreaterThanOrEqual(0)
    const absent = [...key.slice(0, depth), empty, ...key.slice(depth + 1)]
    const absentKey = Uint8Array.from({ length: 32 }, (_, i) => (absent[2 * i]! << 4) | absent[2 * i + 1]!)
    expect(verifyProof(header.stateRoot, absentKey, proofJson.accountProof.slice(0, -1))).toBeNull()
    // the same exclusion with the leaf still appended: a node left over
    expect(codeOf(() => verifyProof(header.stateRoot, absentKey, proofJson.accountProof))).toBe('PROOF_INVALID')
    // a key that reaches the account's leaf but differs in its last nibble: the leaf path diverges
    const diverging = keccak256(hexToBytes(proofJson.address))
    diverging[31] = diverging[31]! ^ 0x01
    expect(verifyProof(header.stateRoot, diverging, proofJson.accountProof)).toBeNull()
    // mutating the exclusion proof is still rejected
    const proof = proofJson.accountProof.slice(0, -1).map(hexToBytes)
    for (let k = 0; k < proof.length; k++) expect(codeOf(() => verifyProof(header.stateRoot, absentKey, proof.map((m, j) => (j === k ? mutate(m, 40) : m))))).toBe('PROOF_INVALID')
  })
})

describe('tries built here: inline nodes, branch values, inclusion and exclusion', () => {
  const utf = (s: string) => new TextEncoder().encode(s)

  it('matches the ethereum/tests roots (puppy, dogs) and the empty trie', () => {
    const puppy = buildTrie([['do', 'verb'], ['horse', 'stallion'], ['doge', 'coin'], ['dog', 'puppy']].map(([k, v]) => [utf(k!), utf(v!)]))
    expect(bytesToHex(puppy.root)).toBe('0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84')
    const dogs = buildTrie([['doe', 'reindeer'], ['dog', 'puppy'], ['dogglesworth', 'cat']].map(([k, v]) => [utf(k!), utf(v!)]))
    expect(bytesToHex(dogs.root)).toBe('0x8aad789dff2f538bca5d8ea56e8abe10f4c7ba3a5dea95fea4cd6e7c3a1168d3')
    expect(orderedTrieRoot([])).toBe(EMPTY_TRIE_ROOT)
    expect(verifyProof(EMPTY_TRIE_ROOT, utf('x'), [])).toBeNull()
    expect(verifyProof(EMPTY_TRIE_ROOT, utf('x'), [rlpEncode(new Uint8Array(0))])).toBeNull()
  })

  it('every key proves its value, absent keys prove null, every mutation of every node is rejected', () => {
    const entries: [Uint8Array, Uint8Array][] = [['do', 'verb'], ['dog', 'puppy'], ['doge', 'coin'], ['horse', 'stallion'], ['a', '1'], ['ab', '2'], ['abc', '3'], ['b', 'x'.repeat(40)]].map(([k, v]) => [utf(k!), utf(v!)])
    const t = buildTrie(entries)
    for (const [k, v] of entries) expect(verifyProof(t.root, k, t.prove(k))).toEqual(v)
    for (const k of ['d', 'dogs', 'h', 'abcd', 'c', 'bb', '']) {
      const proof = t.prove(utf(k))
      expect(verifyProof(t.root, utf(k), proof), k).toBeNull()
      proof.forEach((node, j) => {
        for (let i = 0; i < node.length; i++) expect(codeOf(() => verifyProof(t.root, utf(k), proof.map((m, q) => (q === j ? mutate(m, i) : m))))).toBe('PROOF_INVALID')
      })
    }
    // inline nodes exist in this trie: some proof is shorter than the path's node count would be with hashes only
    const small = buildTrie([[utf('a'), utf('1')], [utf('b'), utf('2')]])
    expect(small.prove(utf('a')).length).toBe(1)
    expect(verifyProof(small.root, utf('a'), small.prove(utf('a')))).toEqual(utf('1'))
    expect(verifyProof(small.root, utf('c'), small.prove(utf('c')))).toBeNull()
  })

  it('an ordered trie: each index proves its value under rlp(index)', () => {
    const values = Array.from({ length: 300 }, (_, i) => utf(`value ${i}`))
    const t = buildTrie(values.map((v, i) => [rlpEncode(uintToBytes(i)), v]))
    expect(bytesToHex(t.root)).toBe(orderedTrieRoot(values))
    for (const i of [0, 1, 127, 128, 255, 299]) {
      const key = rlpEncode(uintToBytes(i))
      expect(verifyProof(t.root, key, t.prove(key))).toEqual(values[i])
    }
    const missing = rlpEncode(uintToBytes(300))
    expect(verifyProof(t.root, missing, t.prove(missing))).toBeNull()
  })
})

describe('an absent account (a state trie built here)', () => {
  const addr = (b: number): Hex => `0x${b.toString(16).padStart(2, '0').repeat(20)}`
  const account = (nonce: number) => rlpEncode([uintToBytes(nonce), uintToBytes(10n ** 18n), hexToBytes(EMPTY_TRIE_ROOT), hexToBytes(EMPTY_CODE_HASH)])
  const state = buildTrie([1, 2, 3, 4, 5, 6, 7, 8].map((b) => [keccak256(hexToBytes(addr(b))), account(b)]))
  const root = bytesToHex(state.root)
  const absent = addr(0x99)
  const answer = (over: Partial<GetProofAnswer> = {}): GetProofAnswer => ({
    address: absent,
    nonce: 0n,
    balance: 0n,
    storageHash: EMPTY_TRIE_ROOT,
    codeHash: EMPTY_CODE_HASH,
    accountProof: state.prove(keccak256(hexToBytes(absent))),
    storageProof: [{ key: `0x${'00'.repeat(31)}01`, value: 0n, proof: [] }],
    ...over,
  })

  it('is proven absent; the empty account (or zero hashes) is the only claim accepted', () => {
    expect(verifyAccountProof(root, addr(3), state.prove(keccak256(hexToBytes(addr(3)))))?.nonce).toBe(3n)
    expect(verifyAccountProof(root, absent, answer().accountProof)).toBeNull()
    expect(verifyGetProof(root, answer())).toEqual({ address: absent, account: null, storage: [{ key: answer().storageProof[0]!.key, value: 0n }] })
    const ZERO = `0x${'00'.repeat(32)}` as Hex
    expect(verifyGetProof(root, answer({ storageHash: ZERO, codeHash: ZERO })).account).toBeNull()
    expect(codeOf(() => verifyGetProof(root, answer({ balance: 1n })))).toBe('PROOF_VALUE_MISMATCH')
    expect(codeOf(() => verifyGetProof(root, answer({ storageProof: [{ key: '0x01', value: 5n, proof: [] }] })))).toBe('PROOF_VALUE_MISMATCH')
    expect(codeOf(() => verifyGetProof(root, answer({ codeHash: `0x${'12'.repeat(32)}` })))).toBe('PROOF_VALUE_MISMATCH')
    // a present account may not be claimed with zero hashes
    const present = addr(3)
    expect(codeOf(() => verifyGetProof(root, answer({ address: present, nonce: 3n, balance: 10n ** 18n, storageHash: ZERO, accountProof: state.prove(keccak256(hexToBytes(present))) })))).toBe('PROOF_VALUE_MISMATCH')
  })
})

describe('hostile input never escapes as an uncoded error', () => {
  // a small deterministic PRNG: the same cases on every run
  let seed = 0x2545f491
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0), seed / 2 ** 32)
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256))

  it('random bytes: RLP decodes or throws a coded error; as proof nodes they are PROOF_INVALID', () => {
    for (let k = 0; k < 2000; k++) {
      const b = bytes(1 + Math.floor(rand() * 80))
      if (k % 3 === 0) b[0] = 0xc0 + Math.floor(rand() * 64)
      try {
        rlpDecode(b)
      } catch (e) {
        expect(isVigilError(e)).toBe(true)
      }
    }
    const root = keccak256(Uint8Array.of(1))
    for (let k = 0; k < 200; k++) expect(codeOf(() => verifyProof(root, bytes(32), [bytes(40), bytes(100)]))).toBe('PROOF_INVALID')
  })

  it('nodes that hash right but are malformed are PROOF_INVALID', () => {
    const key = keccak256(Uint8Array.of(7))
    const cases: RlpItem[] = [
      [Uint8Array.of(0x41), Uint8Array.of(1)], // hex-prefix flag 4
      [Uint8Array.of(0x05), Uint8Array.of(1)], // even path with a non-zero pad nibble
      [new Uint8Array(0), Uint8Array.of(1)], // empty path
      [Uint8Array.of(0x00), new Uint8Array(32)].map((x, i) => (i === 1 ? new Uint8Array(0) : x)), // extension to nothing
      [Uint8Array.of(0x20), new Uint8Array(0)], // leaf without a value
      [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)], // 3 items
      Array.from({ length: 17 }, () => Uint8Array.of(5)), // a branch child of 1 byte
      new Uint8Array(40).fill(9), // a string, not a node
    ]
    for (const node of cases) {
      const enc = rlpEncode(node)
      expect(codeOf(() => verifyProof(keccak256(enc), key, [enc])), bytesToHex(enc)).toBe('PROOF_INVALID')
    }
  })

  it('eth_getProof keys are normalised to 32-byte words', () => {
    const p = parseGetProof({ ...proofJson, storageProof: [{ ...proofJson.storageProof[0], key: '0x1' }] })
    expect(p.storageProof[0]!.key).toBe(proofJson.storageProof[0]!.key)
    expect(verifyGetProof(header.stateRoot, p).storage[0]!.value).toBe(BigInt(proofJson.storageProof[0]!.value))
    expect(codeOf(() => parseGetProof({ ...proofJson, storageProof: [{ ...proofJson.storageProof[0], key: `0x${'1'.repeat(65)}` }] }))).toBe('DECODE_INVALID_FIELD')
  })
})

describe('receipts (202) rebuild the receiptsRoot', () => {
  it('typed and legacy receipts encode to the trie values of the block', () => {
    const values = receiptsJson.map(encodeReceipt)
    expect(values.length).toBe(202)
    expect(verifyReceiptsRoot(header, values)).toBe(header.receiptsRoot)
    expect(values.some((v) => v[0] === 0x02) && values.some((v) => v[0]! >= 0xc0)).toBe(true)
  })

  it('a changed, dropped or reordered receipt does not', () => {
    const values = receiptsJson.map(encodeReceipt)
    const changed = receiptsJson.map((r, i) => (i === 100 ? encodeReceipt({ ...r, cumulativeGasUsed: `0x${(BigInt(r.cumulativeGasUsed as string) + 1n).toString(16)}` }) : values[i]!))
    expect(codeOf(() => verifyReceiptsRoot(header, changed))).toBe('ROOT_MISMATCH')
    expect(codeOf(() => verifyReceiptsRoot(header, values.slice(0, -1)))).toBe('ROOT_MISMATCH')
    expect(codeOf(() => verifyReceiptsRoot(header, [values[1]!, values[0]!, ...values.slice(2)]))).toBe('ROOT_MISMATCH')
    expect(codeOf(() => verifyReceiptsRoot(header, values.map((v, i) => (i === 7 ? mutate(v, 20) : v))))).toBe('ROOT_MISMATCH')
    expect(codeOf(() => encodeReceipt({ ...receiptsJson[0], logsBloom: '0x00' }))).toBe('DECODE_INVALID_FIELD')
  })
})

describe('receipt placement (fields outside the receipts trie)', () => {
  const placed = () => receiptsJson.map(receiptPlacement)
  it('every receipt and log of the real block names it, with consistent indices and gas', () => {
    expect(() => verifyReceiptPlacement(header, blockJson.hash, placed())).not.toThrow()
  })
  it('a receipt or log placed elsewhere is RECEIPT_MISMATCH', () => {
    const withLog = receiptsJson.findIndex((r) => (r.logs as unknown[]).length > 1)
    const edits: ((rs: ReturnType<typeof placed>) => void)[] = [
      (rs) => (rs[5]!.blockHash = `0x${'ab'.repeat(32)}`),
      (rs) => (rs[5]!.blockNumber = header.number + 1n),
      (rs) => (rs[5]!.transactionIndex = 6n),
      (rs) => (rs[5]!.gasUsed = rs[5]!.gasUsed! + 1n),
      (rs) => (rs[withLog]!.logs[1]!.logIndex = rs[withLog]!.logs[1]!.logIndex! + 1n),
      (rs) => (rs[withLog]!.logs[0]!.removed = true),
      (rs) => (rs[withLog]!.logs[0]!.transactionHash = `0x${'cd'.repeat(32)}`),
      (rs) => (rs[withLog]!.logs[0]!.blockHash = `0x${'cd'.repeat(32)}`),
      (rs) => rs.pop(),
    ]
    for (const edit of edits) {
      const rs = placed()
      edit(rs)
      expect(codeOf(() => verifyReceiptPlacement(header, blockJson.hash, rs))).toBe('RECEIPT_MISMATCH')
    }
  })
})

describe('RLP', () => {
  const hex = (s: string) => hexToBytes(s as Hex)
  const utf = (s: string) => new TextEncoder().encode(s)

  it('encodes the Yellow Paper / wiki examples and decodes them back', () => {
    const cases: [RlpItem, string][] = [
      [utf('dog'), '0x83646f67'],
      [[utf('cat'), utf('dog')], '0xc88363617483646f67'],
      [new Uint8Array(0), '0x80'],
      [[], '0xc0'],
      [uintToBytes(0), '0x80'],
      [Uint8Array.of(0x00), '0x00'],
      [Uint8Array.of(0x0f), '0x0f'],
      [uintToBytes(1024), '0x820400'],
      [[[], [[]], [[], [[]]]], '0xc7c0c1c0c3c0c1c0'],
      [utf('Lorem ipsum dolor sit amet, consectetur adipisicing elit'), '0xb8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974'],
    ]
    for (const [item, enc] of cases) {
      expect(bytesToHex(rlpEncode(item))).toBe(enc)
      expect(rlpDecode(hex(enc))).toEqual(item)
    }
    const big = new Uint8Array(70_000).fill(7)
    expect(rlpDecode(rlpEncode([big, [big]]))).toEqual([big, [big]])
    expect(bytesToUint(uintToBytes(2n ** 255n + 3n))).toBe(2n ** 255n + 3n)
  })

  it('refuses non-canonical, truncated and trailing input with coded errors', () => {
    const bad: [string, ErrorCode][] = [
      ['0x8100', 'DECODE_INVALID_FIELD'], // single byte < 0x80 wrapped
      ['0x817f', 'DECODE_INVALID_FIELD'],
      ['0xb80141', 'DECODE_INVALID_FIELD'], // long form for a 1-byte string
      ['0xb90038' + '41'.repeat(56), 'DECODE_INVALID_FIELD'], // length with a leading zero
      ['0xf800', 'DECODE_INVALID_FIELD'], // long list form for an empty list
      ['0xf90000', 'DECODE_INVALID_FIELD'],
      ['0x83646f', 'DECODE_TRUNCATED'],
      ['0xb838' + '41'.repeat(55), 'DECODE_TRUNCATED'],
      ['0xc883636174', 'DECODE_TRUNCATED'],
      ['0xc3836461', 'DECODE_TRUNCATED'], // inner string runs past its list
      ['0xb9', 'DECODE_TRUNCATED'],
      ['0x', 'DECODE_TRUNCATED'],
      ['0x0102', 'DECODE_TRAILING_BYTES'],
      ['0xc0c0', 'DECODE_TRAILING_BYTES'],
      ['0xbfffffffffffffffff', 'DECODE_TRUNCATED'],
    ]
    for (const [enc, code] of bad) expect(codeOf(() => rlpDecode(hex(enc))), enc).toBe(code)
    expect(codeOf(() => bytesToUint(Uint8Array.of(0, 1)))).toBe('DECODE_INVALID_FIELD')
    // deep nesting is bounded
    let deep: RlpItem = []
    for (let i = 0; i < 100; i++) deep = [deep]
    expect(codeOf(() => rlpDecode(rlpEncode(deep)))).toBe('DECODE_INVALID_FIELD')
  })
})

describe('vigil proof verify', () => {
  let dir: string | null = null
  afterEach(async () => {
    vi.restoreAllMocks()
    if (dir) await rm(dir, { recursive: true, force: true })
    dir = null
  })
  async function run(argv: string[]) {
    let stdout = ''
    let stderr = ''
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true))
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true))
    const code = await main(argv)
    vi.restoreAllMocks()
    return { code, stdout, stderr }
  }
  const BLOCK = join(DIR, 'block.json')
  const PROOF = join(DIR, 'proof.json')

  it('verifies the real files: exit 0, the proven account and storage values', async () => {
    const r = await run(['proof', 'verify', '--block', BLOCK, '--proof', PROOF, '--receipts', join(DIR, 'receipts.json'), '--json'])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.ok).toBe(true)
    expect(out.block).toMatchObject({ number: 21925176, hash: blockJson.hash, stateRoot: header.stateRoot })
    expect(out.account).toEqual({ address: proofJson.address, exists: true, nonce: '1', balance: BigInt(proofJson.balance).toString(), storageRoot: proofJson.storageHash, codeHash: proofJson.codeHash })
    expect(out.storage).toEqual([{ key: proofJson.storageProof[0]!.key, value: proofJson.storageProof[0]!.value }])
    expect(out.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['header hash', true],
      ['proof answer', true],
      ['account and storage proofs', true],
      ['receipts root', true],
      ['receipt placement', true],
    ])
    const human = await run(['proof', 'verify', '--block', BLOCK, '--proof', PROOF])
    expect(human.code).toBe(0)
    expect(human.stdout).toContain('every check passed')
    expect(human.stdout).toContain(`storage ${proofJson.storageProof[0]!.key} = ${proofJson.storageProof[0]!.value}`)
  })

  it('a mutated proof node, a mutated header field or a false claim: exit 1 with the coded error', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-proof-'))
    const node = proofJson.accountProof[3]!
    const badProof = join(dir, 'proof.json')
    await writeFile(badProof, JSON.stringify({ ...proofJson, accountProof: proofJson.accountProof.map((n, i) => (i === 3 ? `${node.slice(0, 100)}${node[100] === '0' ? '1' : '0'}${node.slice(101)}` : n)) }))
    let r = await run(['proof', 'verify', '--block', BLOCK, '--proof', badProof, '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'PROOF_INVALID' } })

    const badBlock = join(dir, 'block.json')
    await writeFile(badBlock, JSON.stringify({ ...blockJson, gasUsed: '0xf8e2f1' }))
    r = await run(['proof', 'verify', '--block', badBlock, '--proof', PROOF, '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'HEADER_HASH_MISMATCH' } })

    const lie = join(dir, 'lie.json')
    await writeFile(lie, JSON.stringify({ ...proofJson, storageProof: [{ ...proofJson.storageProof[0], value: '0x1' }] }))
    r = await run(['proof', 'verify', '--block', BLOCK, '--proof', lie, '--json'])
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'PROOF_VALUE_MISMATCH' } })

    r = await run(['proof', 'verify', '--block', BLOCK, '--json'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } })
  })

  it('bin/vigil.js as a process: exit 0 on the real files, 1 on a mutated copy', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-proof-'))
    const badProof = join(dir, 'proof.json')
    const node = proofJson.storageProof[0]!.proof[0]!
    await writeFile(badProof, JSON.stringify({ ...proofJson, storageProof: [{ ...proofJson.storageProof[0], proof: [`${node.slice(0, -2)}${node.endsWith('00') ? '01' : '00'}`, ...proofJson.storageProof[0]!.proof.slice(1)] }] }))
    const bin = join(__dirname, '../../bin/vigil.js')
    const exec = (proof: string) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        execFile(process.execPath, [bin, 'proof', 'verify', '--block', BLOCK, '--proof', proof, '--json'], { timeout: 30_000 }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout }))
      })
    const [good, bad] = await Promise.all([exec(PROOF), exec(badProof)])
    expect(good.code).toBe(0)
    expect(JSON.parse(good.stdout).storage[0].value).toBe(proofJson.storageProof[0]!.value)
    expect(bad.code).toBe(1)
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: 'PROOF_INVALID' } })
  }, 30_000)
})
