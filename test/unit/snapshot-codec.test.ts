/**
 * The snapshot codec and index parser (src/protocol/snapshot.ts): round trip, and the decoder
 * rules every Vigil decoder follows (truncation, trailing bytes, unknown versions, caps checked
 * before allocation); the index parser names the bad field.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { ChainBuilder, validatorKeys } from '../../src/devnet/builder'
import { headerHash } from '../../src/protocol/header'
import { SNAPSHOT_VERSION, decodeSnapshot, encodeSnapshot, parseSnapshotIndex, type Snapshot } from '../../src/protocol/snapshot'
import { initCrypto } from '../../src/verify/secp256k1'

const DOMAIN = { l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address }
let snap: Snapshot

const codeOf = (fn: () => unknown): string => {
  try {
    fn()
    return 'ok'
  } catch (e) {
    return e instanceof VigilError ? e.code : `not a VigilError: ${String(e)}`
  }
}

beforeAll(async () => {
  await initCrypto()
  const vals = validatorKeys(4)
  const b = new ChainBuilder(DOMAIN, 7771, { blobToCommitment: () => new Uint8Array(48) })
  const checkpoints = [1, 2, 3].map((slot) => {
    const blocks = [0, 1].map((i) => b.buildBlock({ slot, indexInCheckpoint: i, proposer: vals[0]! }))
    const cp = b.buildCheckpoint(blocks, vals[0]!)
    return { checkpoint: cp.checkpoint, headerSignatures: blocks.map((x) => x.proposal.signature), l1: { blockNumber: 10 + slot, blockHash: `0x${'ab'.repeat(32)}` as Hex, txHash: `0x${'cd'.repeat(32)}` as Hex } }
  })
  snap = {
    version: SNAPSHOT_VERSION,
    l2ChainId: 7771,
    rollup: DOMAIN.rollup,
    createdAt: 1_700_000_000_000,
    checkpoints,
    attestations: b.attest(checkpoints[2]!.checkpoint.headers[0]!.parentHash, vals),
    committee: { epoch: 0, members: vals.map((v) => v.address.toLowerCase() as Address) },
  }
})

describe('snapshot codec', () => {
  it('round-trips, byte for byte', () => {
    const bytes = encodeSnapshot(snap)
    const back = decodeSnapshot(bytes)
    expect(encodeSnapshot(back)).toEqual(bytes)
    expect(back.checkpoints.map((c) => c.checkpoint.headers.map(headerHash))).toEqual(snap.checkpoints.map((c) => c.checkpoint.headers.map(headerHash)))
    expect(back.attestations).toHaveLength(4)
    expect(back.committee).toEqual(snap.committee)
  })

  it('rejects truncation, trailing bytes, unknown versions and oversized counts', () => {
    const bytes = encodeSnapshot(snap)
    expect(codeOf(() => decodeSnapshot(bytes.subarray(0, bytes.length - 1)))).toBe('DECODE_TRUNCATED')
    expect(codeOf(() => decodeSnapshot(Uint8Array.of(...bytes, 0)))).toBe('DECODE_TRAILING_BYTES')
    const v2 = bytes.slice()
    v2[0] = 2
    expect(codeOf(() => decodeSnapshot(v2))).toBe('DECODE_UNKNOWN_VERSION')
    // checkpointCount (u16 after version, chain id, rollup, createdAt) = 0xffff: refused before reading on
    const big = bytes.slice()
    big[1 + 8 + 20 + 8] = 0xff
    big[1 + 8 + 20 + 8 + 1] = 0xff
    expect(codeOf(() => decodeSnapshot(big))).toBe('DECODE_TOO_LARGE')
    const none = bytes.slice()
    none[1 + 8 + 20 + 8] = 0
    none[1 + 8 + 20 + 8 + 1] = 0
    expect(codeOf(() => decodeSnapshot(none))).toBe('DECODE_TOO_LARGE')
    expect(codeOf(() => encodeSnapshot({ ...snap, checkpoints: [] }))).toBe('DECODE_TOO_LARGE')
  })

  it('parses an index and names what is wrong with a bad one', () => {
    const entry = { name: 'snapshot-00000003.bin', height: 6, hash: `0x${'11'.repeat(32)}`, checkpointNumber: 3, l1BlockNumber: 13, createdAt: 1, bytes: 100, sha256: `0x${'22'.repeat(32)}` }
    const good = { version: 1, l2ChainId: 7771, rollup: DOMAIN.rollup, latest: entry, older: [entry] }
    expect(parseSnapshotIndex(good).latest).toEqual(entry)
    expect(codeOf(() => parseSnapshotIndex({ ...good, version: 2 }))).toBe('DECODE_UNKNOWN_VERSION')
    expect(codeOf(() => parseSnapshotIndex('nope'))).toBe('SNAPSHOT_INVALID')
    for (const [field, value] of [
      ['name', '../etc/passwd'],
      ['name', '.hidden'],
      ['height', -1],
      ['hash', '0x12'],
      ['sha256', 42],
      ['bytes', 64 * 1024 * 1024],
    ] as const) {
      try {
        parseSnapshotIndex({ ...good, latest: { ...entry, [field]: value } })
        throw new Error(`accepted ${field}=${String(value)}`)
      } catch (e) {
        expect((e as VigilError).code).toBe('SNAPSHOT_INVALID')
        expect((e as VigilError).details.field).toBe(`latest.${field}`)
      }
    }
  })
})
