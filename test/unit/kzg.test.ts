/**
 * KZG and blobs (src/verify/kzg.ts) against third-party data: every consensus-spec case of
 * blob_to_kzg_commitment and verify_blob_kzg_proof (c-kzg-4844's copies), and five real
 * Goerli blob sidecars; then our own checkpoints packed into blobs.
 * Vectors: ../shared/vectors (see PROVENANCE.md there).
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import YAML from 'yaml'
import { VigilError } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import { ZERO_HASH, bytesToHex, hexToBytes } from '../../src/protocol/bytes'
import { BYTES_PER_BLOB, USABLE_BYTES_PER_BLOB, encodeBodiesToBlobs } from '../../src/protocol/blob'
import { BODY_VERSION, bodyHashOf, encodeBody } from '../../src/protocol/body'
import { CHECKPOINT_VERSION, type Checkpoint } from '../../src/protocol/checkpoint'
import { HEADER_VERSION, headerHash, type BlockHeader } from '../../src/protocol/header'
import { TX_VERSION, executeTx, type Tx } from '../../src/protocol/tx'
import {
  BLS_MODULUS,
  assertValidBlob,
  blobToCommitment,
  commitmentToVersionedHash,
  verifyBlobProof,
  verifyBlobsAgainstVersionedHashes,
  verifyCheckpointBodies,
} from '../../src/verify/kzg'
import { nextStateRoot } from '../../src/verify/rules'

const repoRoot = fileURLToPath(new URL('../..', import.meta.url))
const VECTORS = path.resolve(repoRoot, '../shared/vectors')
if (!existsSync(path.join(VECTORS, 'PROVENANCE.md'))) {
  throw new Error(`test vectors not found at ${VECTORS}: these tests need the shared third-party vectors folder (../shared/vectors relative to the repo root)`)
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn()
    return null
  } catch (e) {
    if (!(e instanceof VigilError)) throw e
    return e.code
  }
}

function specCases(fn: string): { name: string; input: Record<string, string>; output: string | boolean | null }[] {
  const dir = path.join(VECTORS, 'c-kzg-4844/tests', fn, 'kzg-mainnet')
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, ...YAML.parse(readFileSync(path.join(dir, name, 'data.yaml'), 'utf8')) }))
}

describe('KZG: consensus-spec blob_to_kzg_commitment (every case)', () => {
  const cases = specCases('blob_to_kzg_commitment')
  it('has the 11 cases', () => expect(cases.length).toBe(11))
  for (const c of cases) {
    it(c.name, () => {
      const blob = hexToBytes(c.input.blob!)
      if (c.output === null) {
        expect(codeOf(() => blobToCommitment(blob))).toBe('BLOB_INVALID')
      } else {
        expect(bytesToHex(blobToCommitment(blob))).toBe(c.output)
      }
    })
  }
})

describe('KZG: consensus-spec verify_blob_kzg_proof (every case)', () => {
  const cases = specCases('verify_blob_kzg_proof')
  it('has the 29 cases', () => expect(cases.length).toBe(29))
  for (const c of cases) {
    it(c.name, () => {
      const run = () => verifyBlobProof(hexToBytes(c.input.blob!), c.input.commitment as Hex, c.input.proof as Hex)
      // output null: the spec raises on malformed input; we throw BLOB_INVALID
      if (c.output === null) expect(codeOf(run)).toBe('BLOB_INVALID')
      else expect(run()).toBe(c.output)
    })
  }
})

describe('KZG: five real Goerli blob sidecars (kona)', () => {
  const sidecars = JSON.parse(readFileSync(path.join(VECTORS, 'kona/eth_v1_beacon_sidecars_goerli.json'), 'utf8')).data as {
    index: string
    blob: Hex
    kzg_commitment: Hex
    kzg_proof: Hex
  }[]
  it('has five sidecars', () => expect(sidecars.length).toBe(5))
  const versioned = (c: Hex) => {
    const h = createHash('sha256').update(hexToBytes(c)).digest()
    h[0] = 1
    return bytesToHex(h)
  }

  for (const sc of sidecars) {
    it(`sidecar ${sc.index}: blob → commitment → versioned hash`, () => {
      const blob = hexToBytes(sc.blob)
      expect(blob.length).toBe(BYTES_PER_BLOB)
      const c = blobToCommitment(blob)
      expect(bytesToHex(c)).toBe(sc.kzg_commitment)
      expect(commitmentToVersionedHash(c)).toBe(versioned(sc.kzg_commitment))
      expect(commitmentToVersionedHash(sc.kzg_commitment)).toMatch(/^0x01[0-9a-f]{62}$/)
    })
  }

  it('their proofs verify; a proof for another blob does not', () => {
    for (const sc of sidecars) expect(verifyBlobProof(hexToBytes(sc.blob), sc.kzg_commitment, sc.kzg_proof)).toBe(true)
    expect(verifyBlobProof(hexToBytes(sidecars[0]!.blob), sidecars[0]!.kzg_commitment, sidecars[1]!.kzg_proof)).toBe(false)
  })

  it('verifyBlobsAgainstVersionedHashes with the sidecars’ commitments and proofs (fast path)', () => {
    const blobs = sidecars.map((s) => hexToBytes(s.blob))
    const hashes = sidecars.map((s) => versioned(s.kzg_commitment))
    const given = { commitments: sidecars.map((s) => s.kzg_commitment), proofs: sidecars.map((s) => s.kzg_proof) }
    expect(() => verifyBlobsAgainstVersionedHashes(blobs, hashes, given)).not.toThrow()
    const g2 = { commitments: given.commitments.slice(0, 2), proofs: given.proofs.slice(0, 2) }
    // commitments in the hashes' order, blobs swapped: the commitment hashes right, the proof fails
    expect(codeOf(() => verifyBlobsAgainstVersionedHashes([blobs[1]!, blobs[0]!], hashes.slice(0, 2), g2))).toBe('BLOB_HASH_MISMATCH')
    // commitments swapped too: now the commitment does not hash to the versioned hash
    const g2swapped = { commitments: [g2.commitments[1]!, g2.commitments[0]!], proofs: [g2.proofs[1]!, g2.proofs[0]!] }
    expect(codeOf(() => verifyBlobsAgainstVersionedHashes([blobs[1]!, blobs[0]!], hashes.slice(0, 2), g2swapped))).toBe('BLOB_HASH_MISMATCH')
    expect(codeOf(() => verifyBlobsAgainstVersionedHashes(blobs.slice(0, 4), hashes, given))).toBe('BLOB_COUNT_MISMATCH')
    expect(codeOf(() => verifyBlobsAgainstVersionedHashes(blobs.slice(0, 2), hashes.slice(0, 2), given))).toBe('BLOB_COUNT_MISMATCH')
  })
})

describe('KZG: blob validity and versioned hashes', () => {
  it('a field element equal to / above the BLS modulus is BLOB_INVALID, one below is fine', () => {
    const blob = new Uint8Array(BYTES_PER_BLOB)
    const m = hexToBytes(`0x${BLS_MODULUS.toString(16).padStart(64, '0')}`)
    blob.set(m, 32 * 100)
    expect(codeOf(() => assertValidBlob(blob))).toBe('BLOB_INVALID')
    const below = hexToBytes(`0x${(BLS_MODULUS - 1n).toString(16).padStart(64, '0')}`)
    blob.set(below, 32 * 100)
    expect(codeOf(() => assertValidBlob(blob))).toBeNull()
    blob.fill(0xff, 0, 32)
    expect(codeOf(() => assertValidBlob(blob))).toBe('BLOB_INVALID')
  })

  it('commitmentToVersionedHash: 0x01 ‖ sha256(c)[1:], 48-byte input only', () => {
    const c = new Uint8Array(48).fill(0xab)
    const h = createHash('sha256').update(c).digest()
    expect(commitmentToVersionedHash(c)).toBe(`0x01${Buffer.from(h.subarray(1)).toString('hex')}`)
    expect(codeOf(() => commitmentToVersionedHash(new Uint8Array(47)))).toBe('BLOB_INVALID')
  })
})

// ------------------------------------------------------------------ our checkpoints in blobs

const PROPOSER = '0x00000000000000000000000000000000000000b0' as Hex

function tx(i: number, payloadLen = 40): Tx {
  const payload = new Uint8Array(payloadLen).map((_, j) => (i * 31 + j * 7) & 0xff)
  return { version: TX_VERSION, sender: `0x${(i + 1).toString(16).padStart(40, '0')}`, nonce: i, fee: 1000 + i, payload: bytesToHex(payload) }
}

/** A checkpoint of `sizes.length` blocks (block i has sizes[i] txs) on top of the genesis, with its blobs. */
function checkpointWithBlobs(sizes: number[], payloadLen = 40): { checkpoint: Checkpoint; blobs: Uint8Array[]; bodies: Uint8Array[] } {
  let parentHash = ZERO_HASH
  let stateRoot = ZERO_HASH
  let n = 0
  const headers: BlockHeader[] = []
  const bodies: Uint8Array[] = []
  sizes.forEach((count, i) => {
    const txs = Array.from({ length: count }, () => tx(n++, payloadLen))
    const bodyBytes = encodeBody({ version: BODY_VERSION, txEffects: txs.map(executeTx) })
    const bodyHash = bodyHashOf(bodyBytes)
    stateRoot = nextStateRoot(stateRoot, bodyHash)
    const h: BlockHeader = {
      version: HEADER_VERSION,
      chainId: 1337,
      height: i + 1,
      slot: 5,
      checkpointNumber: 1,
      indexInCheckpoint: i,
      timestamp: 1_700_000_000_000 + i,
      parentHash,
      bodyHash,
      stateRoot,
      proposer: PROPOSER,
      txCount: count,
    }
    parentHash = headerHash(h)
    headers.push(h)
    bodies.push(bodyBytes)
  })
  const blobs = encodeBodiesToBlobs(bodies)
  const checkpoint: Checkpoint = {
    version: CHECKPOINT_VERSION,
    checkpointNumber: 1,
    slot: 5,
    headers,
    blobVersionedHashes: blobs.map((b) => commitmentToVersionedHash(blobToCommitment(b))),
  }
  return { checkpoint, blobs, bodies }
}

describe('verifyCheckpointBodies: a checkpoint against its blobs', () => {
  const { checkpoint, blobs, bodies } = checkpointWithBlobs([3, 1, 4])

  it('accepts the right blobs and returns the bodies in header order', () => {
    const got = verifyCheckpointBodies(checkpoint, blobs)
    expect(got.map(bytesToHex)).toEqual(bodies.map(bytesToHex))
  })

  it('spans several blobs when the bodies do', () => {
    // 3 blocks × 60 txs × ~(32+8+1+32·k+1+32·m+2+1000 payload) bytes > one blob's 126,976 usable bytes
    const big = checkpointWithBlobs([60, 60, 60], 1000)
    expect(big.blobs.length).toBeGreaterThan(1)
    expect(big.bodies.reduce((n, b) => n + b.length, 0)).toBeGreaterThan(USABLE_BYTES_PER_BLOB)
    expect(verifyCheckpointBodies(big.checkpoint, big.blobs).length).toBe(3)
  })

  it('BLOB_COUNT_MISMATCH: a blob missing or extra', () => {
    expect(codeOf(() => verifyCheckpointBodies(checkpoint, []))).toBe('BLOB_COUNT_MISMATCH')
    expect(codeOf(() => verifyCheckpointBodies(checkpoint, [...blobs, blobs[0]!]))).toBe('BLOB_COUNT_MISMATCH')
  })

  it('BLOB_HASH_MISMATCH: one byte of a blob changed', () => {
    const bad = blobs[0]!.slice()
    bad[100]! ^= 1
    expect(codeOf(() => verifyCheckpointBodies(checkpoint, [bad]))).toBe('BLOB_HASH_MISMATCH')
  })

  it('BLOB_INVALID: a field element ≥ the modulus', () => {
    const bad = blobs[0]!.slice()
    bad.fill(0xff, 0, 32)
    expect(codeOf(() => verifyCheckpointBodies(checkpoint, [bad]))).toBe('BLOB_INVALID')
  })

  it('BLOB_INVALID: blobs that match their hashes but do not unpack (non-zero high byte)', () => {
    const bad = blobs[0]!.slice()
    bad[32 * 4000] = 0x01 // still < modulus, so it commits fine
    const cp = { ...checkpoint, blobVersionedHashes: [commitmentToVersionedHash(blobToCommitment(bad))] }
    expect(codeOf(() => verifyCheckpointBodies(cp, [bad]))).toBe('BLOB_INVALID')
  })

  it('BODY_MISMATCH: blobs carry a different body than a header commits to', () => {
    const other = checkpointWithBlobs([3, 1, 5]) // last block differs
    const cp = { ...checkpoint, blobVersionedHashes: other.checkpoint.blobVersionedHashes }
    expect(codeOf(() => verifyCheckpointBodies(cp, other.blobs))).toBe('BODY_MISMATCH')
  })

  it('BODY_MISMATCH: blobs carry fewer bodies than the checkpoint has blocks', () => {
    const two = encodeBodiesToBlobs(bodies.slice(0, 2))
    const cp = { ...checkpoint, blobVersionedHashes: two.map((b) => commitmentToVersionedHash(blobToCommitment(b))) }
    expect(codeOf(() => verifyCheckpointBodies(cp, two))).toBe('BODY_MISMATCH')
  })
})
