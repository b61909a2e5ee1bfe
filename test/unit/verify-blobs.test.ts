/**
 * The blob judgement (src/verify/blobs.ts), pure: one verdict per served blob, bodies only when
 * every blob is L1's and they carry the headers' bodies, and whose fault it is when not. KZG is
 * passed in; here a stand-in whose "commitment" is the blob's keccak (the real KZG is
 * test/unit/kzg.test.ts's), so the judgement's rules run in milliseconds.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { ChainBuilder, validatorKeys } from '../../src/devnet/builder'
import { keccak256 } from '../../src/protocol/hash'
import { commitmentToVersionedHash } from '../../src/verify/kzg'
import { judgeBlobs, type BlobKzg } from '../../src/verify/blobs'
import { initCrypto } from '../../src/verify/secp256k1'
import type { BuiltBlock, BuiltCheckpoint } from '../../src/devnet/builder'

const DOMAIN = { l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address }
const commit = (blob: Uint8Array) => Uint8Array.of(...keccak256(blob), ...new Uint8Array(16))
const kzg: BlobKzg = {
  verifyBlobsAgainstVersionedHashes(blobs, hashes) {
    blobs.forEach((b, i) => {
      if (commitmentToVersionedHash(commit(b)) !== hashes[i]) throw new VigilError('BLOB_HASH_MISMATCH', `blob ${i} is not ${hashes[i]}`)
    })
  },
}

let blocks: BuiltBlock[]
let cp: BuiltCheckpoint
let other: BuiltCheckpoint

beforeAll(async () => {
  await initCrypto()
  const [v] = validatorKeys(1)
  const b = new ChainBuilder(DOMAIN, 7771, { blobToCommitment: commit })
  // enough transactions that the bodies span more than one blob
  blocks = [0, 1, 2].map((i) => b.buildBlock({ slot: 1, indexInCheckpoint: i, proposer: v!, txs: b.randomTxs(400) }))
  cp = b.buildCheckpoint(blocks, v!)
  const next = [0, 1, 2].map((i) => b.buildBlock({ slot: 2, indexInCheckpoint: i, proposer: v! }))
  other = b.buildCheckpoint(next, v!)
})

const input = (over: Partial<Parameters<typeof judgeBlobs>[0]> = {}) => ({
  blobs: cp.blobs as (Uint8Array | null)[],
  versionedHashes: cp.checkpoint.blobVersionedHashes,
  blockCount: cp.checkpoint.headers.length,
  headers: cp.checkpoint.headers,
  ...over,
})

describe('judgeBlobs', () => {
  it('all blobs served and L1\'s: one good verdict each, the bodies in header order', async () => {
    expect(cp.blobs.length).toBeGreaterThan(1)
    let pauses = 0
    const j = await judgeBlobs(input({ pause: async () => void pauses++ }), kzg)
    expect(j.fault).toBe('none')
    expect(j.error).toBeNull()
    expect(j.verdicts.map((v) => v.ok)).toEqual(cp.blobs.map(() => true))
    expect(j.bodies).toEqual(blocks.map((b) => b.bodyBytes))
    expect(pauses).toBe(cp.blobs.length)
  })

  it('a blob missing: the served ones are judged (good), no bodies, soft SOURCE_UNAVAILABLE', async () => {
    const j = await judgeBlobs(input({ blobs: [null, ...cp.blobs.slice(1)] }), kzg)
    expect(j.fault).toBe('missing')
    expect(j.error?.code).toBe('SOURCE_UNAVAILABLE')
    expect(j.error?.severity).toBe('soft')
    expect(j.verdicts.map((v) => [v.index, v.ok])).toEqual(cp.blobs.slice(1).map((_, i) => [i + 1, true]))
    expect(j.bodies).toBeNull()
  })

  it('a blob that is not L1\'s: the verdict lands on that blob, the source is at fault', async () => {
    const bad = cp.blobs[1]!.slice()
    bad[100] = bad[100]! ^ 1
    const j = await judgeBlobs(input({ blobs: [cp.blobs[0]!, bad, ...cp.blobs.slice(2)] }), kzg)
    expect(j.fault).toBe('source')
    expect(j.verdicts.filter((v) => !v.ok).map((v) => v.index)).toEqual([1])
    expect(j.error?.code).toBe('BLOB_HASH_MISMATCH')
    expect(j.bodies).toBeNull()
  })

  it('a blob beyond the checkpoint\'s count is BLOB_COUNT_MISMATCH (on that blob)', async () => {
    const j = await judgeBlobs(input({ blobs: [...cp.blobs, cp.blobs[0]!] }), kzg)
    expect(j.fault).toBe('source')
    expect(j.verdicts.at(-1)).toMatchObject({ index: cp.blobs.length, ok: false })
    expect(j.verdicts.at(-1)!.error!.code).toBe('BLOB_COUNT_MISMATCH')
  })

  it("L1's blobs that do not carry the headers' bodies: every blob good, the proposer at fault (BODY_MISMATCH)", async () => {
    const wrongHeaders = await judgeBlobs(input({ headers: other.checkpoint.headers }), kzg)
    expect(wrongHeaders.verdicts.every((v) => v.ok)).toBe(true)
    expect(wrongHeaders.fault).toBe('proposer')
    expect(wrongHeaders.error?.code).toBe('BODY_MISMATCH')
    expect(wrongHeaders.bodies).toBeNull()
    const wrongCount = await judgeBlobs(input({ blockCount: 2, headers: null }), kzg)
    expect(wrongCount.fault).toBe('proposer')
    expect(wrongCount.error?.code).toBe('BODY_MISMATCH')
  })

  it('without headers only the count of bodies is checked', async () => {
    const j = await judgeBlobs(input({ headers: null }), kzg)
    expect(j.bodies).toEqual(blocks.map((b) => b.bodyBytes))
  })

  it('a checkpoint that names no blobs has none to judge', async () => {
    const j = await judgeBlobs(input({ blobs: [], versionedHashes: [] as Hex[] }), kzg)
    expect(j.fault).toBe('missing')
    expect(j.error?.code).toBe('BLOB_COUNT_MISMATCH')
    expect(j.verdicts).toEqual([])
  })
})
