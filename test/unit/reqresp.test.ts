/**
 * Req/resp codecs (status, headers by range, bodies by hash), the per-peer rate limiter,
 * the devnet's ChainDb (pruning, rewinds) and the client's peer book (coverage, scoring).
 */
import { describe, it, expect, beforeAll } from 'vitest'
import { VigilError } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import { ChainBuilder, validatorKeys } from '../../src/devnet/builder'
import { ChainDb } from '../../src/devnet/chain-db'
import {
  MAX_BODIES_PER_REQUEST,
  MAX_BODIES_RESPONSE_BYTES,
  RateLimiter,
  Result,
  checkBodies,
  checkHeaderRange,
  decodeBodiesRequest,
  decodeBodiesResponse,
  decodeHeadersRequest,
  decodeHeadersResponse,
  decodeStatusRequest,
  decodeStatusResponse,
  encodeBodiesRequest,
  encodeBodiesResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  encodeResponse,
  encodeStatusRequest,
  encodeStatusResponse,
} from '../../src/p2p/protocols'
import { PeerBook, BAN_MS } from '../../src/sources/reqresp-peers'
import { ZERO_HASH, bytesToHex } from '../../src/protocol/bytes'
import { MAX_BODY_BYTES } from '../../src/protocol/body'
import { SIGNED_HEADER_VERSION, type SignedHeader } from '../../src/protocol/signed-header'
import { initCrypto } from '../../src/verify/secp256k1'

const L2 = 7771
const domain = { l1ChainId: 31337, rollup: '0x00000000000000000000000000000000000000aa' as Hex }
const [proposer] = validatorKeys(1)

function chain(n: number) {
  const b = new ChainBuilder(domain, L2, { seed: 'reqresp-unit' })
  return Array.from({ length: n }, (_, i) => b.buildBlock({ slot: 10 + Math.floor(i / 4), indexInCheckpoint: i % 4, proposer: proposer! }))
}
const signed = (blocks: ReturnType<typeof chain>): SignedHeader[] => blocks.map((x) => ({ version: SIGNED_HEADER_VERSION, header: x.header, signature: x.proposal.signature }))

const code = (fn: () => unknown): string => {
  try {
    fn()
  } catch (e) {
    return e instanceof VigilError ? `${e.code}:${e.severity}` : `other:${String(e)}`
  }
  return 'no error'
}

beforeAll(async () => {
  await initCrypto()
})

describe('status codec', () => {
  const s = { earliestHeader: 3, earliestBody: 7, latest: 40, headHash: `0x${'ab'.repeat(32)}` as Hex }
  it('round-trips, and its bytes are version ‖ result ‖ u64 ×3 ‖ bytes32', () => {
    const bytes = encodeStatusResponse(s)
    expect(bytes.length).toBe(2 + 8 * 3 + 32)
    expect([...bytes.subarray(0, 2)]).toEqual([1, Result.OK])
    expect(decodeStatusResponse(bytes)).toEqual(s)
    expect(() => decodeStatusRequest(encodeStatusRequest())).not.toThrow()
  })
  it('rejects unknown versions, truncation, trailing bytes and earliest = 0', () => {
    expect(code(() => decodeStatusRequest(new Uint8Array([2])))).toBe('DECODE_UNKNOWN_VERSION:hard')
    const bytes = encodeStatusResponse(s)
    const v2 = bytes.slice()
    v2[0] = 2
    expect(code(() => decodeStatusResponse(v2))).toBe('DECODE_UNKNOWN_VERSION:hard')
    expect(code(() => decodeStatusResponse(bytes.subarray(0, bytes.length - 1)))).toBe('DECODE_TRUNCATED:hard')
    expect(code(() => decodeStatusResponse(new Uint8Array([...bytes, 0])))).toBe('DECODE_TRAILING_BYTES:hard')
    expect(code(() => decodeStatusResponse(encodeStatusResponse({ ...s, earliestHeader: 0 })))).toBe('DECODE_INVALID_FIELD:hard')
  })
  it('maps refusals to soft coded errors and unknown result codes to a hard one', () => {
    expect(code(() => decodeStatusResponse(encodeResponse(Result.RATE_LIMITED)))).toBe('RATE_LIMITED:soft')
    expect(code(() => decodeStatusResponse(encodeResponse(Result.INVALID_REQUEST)))).toBe('SOURCE_BAD_RESPONSE:soft')
    expect(code(() => decodeStatusResponse(encodeResponse(Result.UNAVAILABLE)))).toBe('SOURCE_UNAVAILABLE:soft')
    expect(code(() => decodeStatusResponse(new Uint8Array([1, 9])))).toBe('SOURCE_BAD_RESPONSE:hard')
  })
})

describe('headers by range codec', () => {
  it('request: version ‖ u64 from ‖ u16 count, with count 1..64 and from ≥ 1', () => {
    const b = encodeHeadersRequest({ from: 5, count: 64 })
    expect(bytesToHex(b)).toBe('0x0100000000000000050040')
    expect(decodeHeadersRequest(b)).toEqual({ from: 5, count: 64 })
    expect(code(() => encodeHeadersRequest({ from: 5, count: 65 }))).toBe('DECODE_TOO_LARGE:hard')
    expect(code(() => decodeHeadersRequest(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 65])))).toBe('DECODE_TOO_LARGE:hard')
    expect(code(() => decodeHeadersRequest(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])))).toBe('DECODE_INVALID_FIELD:hard')
    expect(code(() => decodeHeadersRequest(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0])))).toBe('DECODE_INVALID_FIELD:hard')
    expect(code(() => decodeHeadersRequest(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 1])))).toBe('DECODE_UNKNOWN_VERSION:hard')
  })
  it('response round-trips SignedHeaders (228 bytes each) and refuses a count over 64 before decoding', () => {
    const hs = signed(chain(3))
    const bytes = encodeHeadersResponse(hs)
    expect(bytes.length).toBe(2 + 1 + 3 * 228)
    const back = decodeHeadersResponse(bytes)
    expect(back.map((h) => h.header)).toEqual(hs.map((h) => h.header))
    expect(back.map((h) => bytesToHex(h.signature))).toEqual(hs.map((h) => bytesToHex(h.signature)))
    expect(code(() => decodeHeadersResponse(new Uint8Array([1, 0, 65])))).toBe('DECODE_TOO_LARGE:hard')
    expect(code(() => decodeHeadersResponse(bytes.subarray(0, bytes.length - 1)))).toBe('DECODE_TRUNCATED:hard')
    expect(code(() => decodeHeadersResponse(new Uint8Array([...bytes, 0])))).toBe('DECODE_TRAILING_BYTES:hard')
    const badInner = bytes.slice()
    badInner[3] = 2 // the first SignedHeader's version
    expect(code(() => decodeHeadersResponse(badInner))).toBe('DECODE_UNKNOWN_VERSION:hard')
  })
  it('an answer must be consecutive from `from`, of this chain, parent-linked, and not longer than asked', () => {
    const hs = signed(chain(5))
    expect(() => checkHeaderRange(hs.slice(0, 3), { from: 1, count: 4 }, L2)).not.toThrow() // partial is fine
    expect(code(() => checkHeaderRange(hs, { from: 1, count: 4 }, L2))).toBe('SOURCE_BAD_RESPONSE:hard')
    expect(code(() => checkHeaderRange(hs.slice(1, 3), { from: 1, count: 4 }, L2))).toBe('SOURCE_BAD_RESPONSE:hard')
    expect(code(() => checkHeaderRange([hs[0]!, hs[2]!], { from: 1, count: 4 }, L2))).toBe('SOURCE_BAD_RESPONSE:hard')
    expect(code(() => checkHeaderRange(hs.slice(0, 2), { from: 1, count: 4 }, L2 + 1))).toBe('SOURCE_BAD_RESPONSE:hard')
    const other = signed(chain(3)).map((s, i) => (i === 1 ? { ...s, header: { ...s.header, parentHash: ZERO_HASH } } : s))
    expect(code(() => checkHeaderRange(other, { from: 1, count: 3 }, L2))).toBe('SOURCE_BAD_RESPONSE:hard')
  })
})

describe('bodies by hash codec', () => {
  const blocks = chain(3)
  it('round-trips; request count 1..16; bodies answer asked hashes once', () => {
    const hashes = blocks.map((b) => b.hash)
    expect(decodeBodiesRequest(encodeBodiesRequest(hashes))).toEqual(hashes)
    expect(code(() => encodeBodiesRequest([]))).toBe('DECODE_INVALID_FIELD:hard')
    expect(code(() => encodeBodiesRequest(Array(MAX_BODIES_PER_REQUEST + 1).fill(hashes[0])))).toBe('DECODE_TOO_LARGE:hard')
    const res = encodeBodiesResponse(blocks.map((b) => ({ hash: b.hash, bytes: b.bodyBytes })))
    expect(res.included).toBe(3)
    const back = decodeBodiesResponse(res.bytes)
    expect(back.map((b) => bytesToHex(b.bytes))).toEqual(blocks.map((b) => bytesToHex(b.bodyBytes)))
    expect(() => checkBodies(back, hashes)).not.toThrow()
    expect(code(() => checkBodies(back, hashes.slice(1)))).toBe('SOURCE_BAD_RESPONSE:hard')
    expect(code(() => checkBodies([back[0]!, back[0]!], hashes))).toBe('SOURCE_BAD_RESPONSE:hard')
  })
  it('a response stops before MAX_BODIES_RESPONSE_BYTES; a body over MAX_BODY_BYTES is refused', () => {
    const big = new Uint8Array(MAX_BODY_BYTES)
    const items = Array.from({ length: 5 }, (_, i) => ({ hash: `0x${String(i).padStart(64, '0')}` as Hex, bytes: big }))
    const res = encodeBodiesResponse(items)
    expect(res.included).toBe(3)
    expect(res.bytes.length).toBeLessThanOrEqual(MAX_BODIES_RESPONSE_BYTES)
    expect(decodeBodiesResponse(res.bytes).length).toBe(3)
    // a declared body length over the cap is refused before it is read
    const forged = new Uint8Array([1, 0, 0, 1, ...new Uint8Array(32), 0x00, 0x10, 0x00, 0x01])
    expect(code(() => decodeBodiesResponse(forged))).toBe('DECODE_TOO_LARGE:hard')
  })
})

describe('RateLimiter', () => {
  it('spends per peer and protocol, refills over time, refuses a cost above capacity', () => {
    let t = 0
    const rl = new RateLimiter({ status: { capacity: 2, perSecond: 1 }, headers_by_range: { capacity: 64, perSecond: 64 }, bodies_by_hash: { capacity: 4, perSecond: 4 } }, () => t)
    expect(rl.take('a', 'status')).toBe(true)
    expect(rl.take('a', 'status')).toBe(true)
    expect(rl.take('a', 'status')).toBe(false)
    expect(rl.take('b', 'status')).toBe(true) // another peer has its own bucket
    expect(rl.take('a', 'headers_by_range', 64)).toBe(true) // and another protocol
    t = 1000
    expect(rl.take('a', 'status')).toBe(true)
    expect(rl.take('a', 'status')).toBe(false)
    expect(rl.take('a', 'bodies_by_hash', 5)).toBe(false)
  })
})

describe('ChainDb (devnet full node store)', () => {
  const blocks = chain(40)
  const add = (db: ChainDb, bs = blocks) => bs.forEach((b) => db.add({ header: b.header, hash: b.hash, signature: b.proposal.signature, bodyBytes: b.bodyBytes }))
  it('archival: everything from 1; ranges are consecutive and may be partial', () => {
    const db = new ChainDb()
    expect(db.status()).toEqual({ earliestHeader: 1, earliestBody: 1, latest: 0, headHash: ZERO_HASH })
    add(db)
    expect(db.status()).toEqual({ earliestHeader: 1, earliestBody: 1, latest: 40, headHash: blocks[39]!.hash })
    expect(db.headersByRange(38, 64).map((h) => h.header.height)).toEqual([38, 39, 40])
    expect(db.bodiesByHash([blocks[0]!.hash, `0x${'11'.repeat(32)}`]).length).toBe(1)
  })
  it('pruned: keeps the newest `window` heights and announces its earliest', () => {
    const db = new ChainDb({ headerWindow: 32, bodyWindow: 32 })
    add(db)
    expect(db.status()).toMatchObject({ earliestHeader: 9, earliestBody: 9, latest: 40 })
    expect(db.headersByRange(1, 64)).toEqual([])
    expect(db.headersByRange(9, 2).map((h) => h.header.height)).toEqual([9, 10])
    expect(db.bodiesByHash([blocks[7]!.hash])).toEqual([])
    expect(db.bodiesByHash([blocks[8]!.hash]).length).toBe(1)
    const bodiesOnly = new ChainDb({ bodyWindow: 10 })
    add(bodiesOnly)
    expect(bodiesOnly.status()).toMatchObject({ earliestHeader: 1, earliestBody: 31, latest: 40 })
  })
  it('a failed checkpoint drops its blocks and a rebuilt block at a held height replaces the rest', () => {
    const db = new ChainDb()
    add(db, blocks.slice(0, 10))
    db.abandon([blocks[8]!.hash, blocks[9]!.hash])
    expect(db.status()).toMatchObject({ latest: 8, headHash: blocks[7]!.hash })
    add(db, blocks.slice(8, 10))
    const other = new ChainBuilder(domain, L2, { seed: 'fork', tip: { hash: blocks[4]!.hash, height: 5, stateRoot: blocks[4]!.header.stateRoot, checkpointNumber: 1 } })
    const f = other.buildBlock({ slot: 50, indexInCheckpoint: 0, proposer: proposer! })
    db.add({ header: f.header, hash: f.hash, signature: f.proposal.signature, bodyBytes: f.bodyBytes })
    expect(db.status()).toMatchObject({ latest: 6, headHash: f.hash })
    expect(db.bodiesByHash([blocks[9]!.hash])).toEqual([])
  })
})

describe('PeerBook', () => {
  it('offers only peers whose announced range covers the need', () => {
    const book = new PeerBook(() => 0)
    book.setStatus('archival', { earliestHeader: 1, earliestBody: 1, latest: 100, headHash: ZERO_HASH })
    book.setStatus('pruned', { earliestHeader: 69, earliestBody: 69, latest: 100, headHash: ZERO_HASH })
    book.setStatus('light', { earliestHeader: 1, earliestBody: 101, latest: 100, headHash: ZERO_HASH })
    const ex = (id: string) => new Set([id])
    expect(book.pick({ kind: 'bodies', from: 10, to: 20 }, ex('archival'))).toBe(null)
    expect(book.pick({ kind: 'bodies', from: 70, to: 80 }, new Set(['archival', 'light']))).toBe('pruned')
    expect(book.pick({ kind: 'headers', from: 10, to: 73 }, ex('archival'))).toBe('light')
    expect(book.pick({ kind: 'headers', from: 101, to: 110 })).toBe(null)
    expect(book.earliestHeaderFrom(50)).toBe(50)
    expect(book.head()).toMatchObject({ height: 100 })
  })
  it('prefers throughput, spreads load, benches peers that sent bad data or rate-limited us', () => {
    let t = 0
    const book = new PeerBook(() => t)
    for (const id of ['fast', 'slow']) book.setStatus(id, { earliestHeader: 1, earliestBody: 1, latest: 100, headHash: ZERO_HASH })
    const need = { kind: 'headers' as const, from: 1, to: 64 }
    book.begin('fast')
    book.success('fast', 64, 14_000, 10) // 6400 items/s
    book.begin('slow')
    book.success('slow', 64, 14_000, 1000) // 64 items/s
    expect(book.pick(need)).toBe('fast')
    book.begin('fast')
    book.begin('fast')
    expect(book.pick(need)).toBe('slow') // fast has 2 in flight (the cap)
    book.cancel('fast')
    book.cancel('fast')
    book.penalize('fast', new VigilError('BAD_SIGNATURE', 'x'))
    expect(book.pick(need)).toBe('slow')
    expect(book.info('fast')!.benchedUntil).toBe(BAN_MS)
    t = BAN_MS + 1
    book.begin('slow')
    book.failure('slow', new VigilError('RATE_LIMITED', 'x', { severity: 'soft' }), 'rate-limited')
    expect(book.pick(need)).toBe('fast') // slow benched briefly; fast back with reliability 0 (still a candidate)
    expect(book.info('slow')).toMatchObject({ requests: 2, failures: 1 })
  })
})
