/**
 * The file store: the bucket layout (src/protocol/filestore.ts), the devnet's HTTP server
 * (src/devnet/services/filestore.ts) with its faults, and the client source
 * (src/sources/filestore.ts) against it — including its stats bookkeeping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hex } from '../../src/core/types'
import { VigilError } from '../../src/core/errors'
import { BYTES_PER_BLOB } from '../../src/protocol/blob'
import { bytesToHex } from '../../src/protocol/bytes'
import { HEADER_CHUNK_SIZE, decodeHeaderRange, encodeHeaderRange, fileStorePaths, headerChunkOf } from '../../src/protocol/filestore'
import { SIGNED_HEADER_SIZE, SIGNED_HEADER_VERSION, type SignedHeader } from '../../src/protocol/signed-header'
import { ChainBuilder, validatorKeys } from '../../src/devnet/builder'
import { HeaderChunks, startFileStore, type DevnetFileStore } from '../../src/devnet/services/filestore'
import { FileStoreSource } from '../../src/sources/filestore'

const CHAIN = 7771
const domain = { l1ChainId: 31337, rollup: `0x${'11'.repeat(20)}` as Hex }
const [proposer] = validatorKeys(1)

function signedHeaders(n: number): SignedHeader[] {
  const b = new ChainBuilder(domain, CHAIN, { seed: 'filestore-test' })
  return Array.from({ length: n }, (_, i) => {
    const blk = b.buildBlock({ slot: 1 + i, indexInCheckpoint: 0, proposer: proposer! })
    b.tip = { ...b.tip, checkpointNumber: b.tip.checkpointNumber + 1 }
    return { version: SIGNED_HEADER_VERSION, header: blk.header, signature: blk.proposal.signature }
  })
}

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p
    return null
  } catch (e) {
    return e instanceof VigilError ? e.code : `not a VigilError: ${String(e)}`
  }
}

describe('file store layout', () => {
  it('names objects under v1/<chain>/ and refuses malformed keys', () => {
    const p = fileStorePaths(CHAIN)
    const h = `0x${'ab'.repeat(32)}`
    expect(p.body(h)).toBe(`v1/7771/bodies/${h}`)
    expect(p.body(h.toUpperCase().replace('0X', '0x'))).toBe(`v1/7771/bodies/${h}`)
    expect(p.blob(h)).toBe(`v1/7771/blobs/${h}`)
    expect(p.headers(1, 64)).toBe('v1/7771/headers/1-64')
    expect(p.headers(65, 128)).toBe('v1/7771/headers/65-128')
    expect(p.snapshotIndex).toBe('v1/7771/snapshots/index.json')
    expect(p.meta).toBe('v1/7771/meta.json')
    expect(() => p.body('0x1234')).toThrow(VigilError)
    expect(() => p.body(`../${h}`)).toThrow(VigilError)
    expect(() => p.headers(2, 65)).toThrow(VigilError)
    expect(() => p.snapshot('../index.json')).toThrow(VigilError)
  })

  it('cuts heights into fixed chunks of 64 from height 1', () => {
    expect(HEADER_CHUNK_SIZE).toBe(64)
    expect(headerChunkOf(1)).toEqual({ from: 1, to: 64 })
    expect(headerChunkOf(64)).toEqual({ from: 1, to: 64 })
    expect(headerChunkOf(65)).toEqual({ from: 65, to: 128 })
    expect(() => headerChunkOf(0)).toThrow(VigilError)
  })

  it('encodes a header range as back-to-back signed headers and decodes it strictly', () => {
    const hs = signedHeaders(4)
    const bytes = encodeHeaderRange(hs)
    expect(bytes.length).toBe(4 * SIGNED_HEADER_SIZE)
    const back = decodeHeaderRange(bytes, 1, 4)
    expect(back.map((s) => s.header)).toEqual(hs.map((s) => s.header))
    expect(back.map((s) => bytesToHex(s.signature))).toEqual(hs.map((s) => bytesToHex(s.signature)))
    const code = (f: () => unknown) => {
      try {
        f()
        return null
      } catch (e) {
        return (e as VigilError).code
      }
    }
    expect(code(() => decodeHeaderRange(bytes.subarray(1), 1, 4))).toBe('DECODE_TRUNCATED')
    expect(code(() => decodeHeaderRange(new Uint8Array([...bytes, 0]), 1, 4))).toBe('DECODE_TRAILING_BYTES')
    expect(code(() => decodeHeaderRange(bytes, 2, 5))).toBe('DECODE_INVALID_FIELD') // heights do not start at 2
    const swapped = encodeHeaderRange([hs[1]!, hs[0]!, hs[2]!, hs[3]!])
    expect(code(() => decodeHeaderRange(swapped, 1, 4))).toBe('DECODE_INVALID_FIELD')
  })
})

describe('devnet file store + FileStoreSource', () => {
  let fs: DevnetFileStore
  const faults = new Set<string>()
  const body = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 1) & 0xff)
  const hash = `0x${'cd'.repeat(32)}` as Hex
  const vh = `0x01${'ee'.repeat(31)}` as Hex
  const blob = new Uint8Array(BYTES_PER_BLOB)
  blob.set([0, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3], 0)

  beforeAll(async () => {
    fs = await startFileStore({ l2ChainId: CHAIN, faults: () => faults, maxBytes: 1_000_000 })
    fs.putObject(fs.paths.body(hash), body)
    fs.putObject(fs.paths.blob(vh), blob)
  })
  afterAll(async () => {
    await fs?.close()
  })

  it('serves bodies and blobs byte for byte, with CORS and immutable caching; 404 is a miss counted as a failure', async () => {
    const src = new FileStoreSource(fs.url, CHAIN)
    const got = await src.fetchBodies([{ hash }, { hash: `0x${'00'.repeat(32)}` as Hex }])
    expect(got.get(hash)).toEqual(body)
    expect(got.size).toBe(1)
    const blobs = await src.fetchBlobs({ l1BlockNumber: 1, versionedHashes: [vh] })
    expect(blobs[0]!.length).toBe(BYTES_PER_BLOB) // stored without its zero padding, served whole
    expect(blobs[0]).toEqual(blob)
    const s = src.stats.snapshot()
    expect(s.requests).toBe(3)
    expect(s.failures).toBe(1)
    expect(s.lastError?.code).toBe('NOT_FOUND')
    expect(s.bytes).toBe(body.length + BYTES_PER_BLOB)
    const res = await fetch(`${fs.url}/${fs.paths.body(hash)}`)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('cache-control')).toContain('immutable')
    const pre = await fetch(`${fs.url}/${fs.paths.body(hash)}`, { method: 'OPTIONS' })
    expect(pre.status).toBe(204)
    expect((await fetch(`${fs.url}/${fs.paths.body(hash)}`, { method: 'POST' })).status).toBe(405)
  })

  it('serves header ranges and meta-style mutable objects', async () => {
    const hs = signedHeaders(HEADER_CHUNK_SIZE)
    fs.putObject(fs.paths.headers(1, HEADER_CHUNK_SIZE), encodeHeaderRange(hs))
    fs.putObject(fs.paths.meta, new TextEncoder().encode(JSON.stringify({ layout: 1, l2ChainId: CHAIN, headerChunkSize: 64, headersUpTo: 64 })))
    const src = new FileStoreSource(fs.url, CHAIN)
    const range = await src.headerRange(10)
    expect(range!.length).toBe(HEADER_CHUNK_SIZE)
    expect(range![9]!.header.height).toBe(10)
    expect(await src.headerRange(65)).toBeNull()
    expect(await src.meta()).toEqual({ layout: 1, l2ChainId: CHAIN, headerChunkSize: 64, headersUpTo: 64 })
    const res = await fetch(`${fs.url}/${fs.paths.meta}`)
    expect(res.headers.get('cache-control')).toBe('no-cache')
  })

  it('corrupt-filestore flips a byte of bodies and blobs (read on every request, not cached)', async () => {
    const src = new FileStoreSource(fs.url, CHAIN)
    faults.add('corrupt-filestore')
    try {
      const bad = (await src.fetchBodies([{ hash }])).get(hash)!
      expect(bad.length).toBe(body.length)
      expect(bad).not.toEqual(body)
      const badBlob = (await src.fetchBlobs({ l1BlockNumber: 1, versionedHashes: [vh] }))[0]!
      expect(badBlob.length).toBe(BYTES_PER_BLOB)
      expect(badBlob).not.toEqual(blob)
      // every field element keeps its zero high byte: still a well-formed blob, just not the one committed to
      for (let i = 0; i < BYTES_PER_BLOB; i += 32) expect(badBlob[i]).toBe(0)
    } finally {
      faults.delete('corrupt-filestore')
    }
    expect((await src.fetchBodies([{ hash }])).get(hash)).toEqual(body)
    expect(fs.counters().corrupted).toBe(2)
  })

  it('filestore-down answers 503: a soft SOURCE_UNAVAILABLE failure, nothing served', async () => {
    const src = new FileStoreSource(fs.url, CHAIN)
    faults.add('filestore-down')
    try {
      expect((await src.fetchBodies([{ hash }])).size).toBe(0)
      expect(await codeOf(src.getObject(fs.paths.body(hash), 1 << 20))).toBe('SOURCE_UNAVAILABLE')
    } finally {
      faults.delete('filestore-down')
    }
    const s = src.stats.snapshot()
    expect(s.requests).toBe(2)
    expect(s.failures).toBe(2)
    expect(s.lastError?.code).toBe('SOURCE_UNAVAILABLE')
    expect(s.lastError?.severity).toBe('soft')
  })

  it('bounds every request: oversized answers and unreachable stores are coded failures', async () => {
    const src = new FileStoreSource(fs.url, CHAIN)
    expect(await codeOf(src.getObject(fs.paths.blob(vh), 1000))).toBe('SOURCE_BAD_RESPONSE')
    const dead = new FileStoreSource('http://127.0.0.1:9', CHAIN, { timeoutMs: 2000 })
    expect(await codeOf(dead.getObject(dead.paths.body(hash), 1000))).toBe('SOURCE_UNAVAILABLE')
    const ac = new AbortController()
    ac.abort()
    expect(await codeOf(src.getObject(fs.paths.body(hash), 1 << 20, { signal: ac.signal }))).toBe('ABORTED')
    expect(() => new FileStoreSource('ftp://x', CHAIN)).toThrow(VigilError)
  })

  it('evicts the oldest immutable objects past its byte cap, never the mutable ones', async () => {
    const small = await startFileStore({ l2ChainId: CHAIN, maxBytes: 1000 })
    try {
      small.putObject(small.paths.meta, new TextEncoder().encode('{"layout":1}'))
      for (let i = 0; i < 10; i++) small.putObject(small.paths.body(`0x${i.toString(16).padStart(64, '0')}`), new Uint8Array(200).fill(1))
      expect(small.counters().bytes).toBeLessThanOrEqual(1000)
      expect(small.getObject(small.paths.meta)).toBeDefined()
      expect(small.getObject(small.paths.body(`0x${'0'.repeat(64)}`))).toBeUndefined()
      expect(small.getObject(small.paths.body(`0x${(9).toString(16).padStart(64, '0')}`))).toBeDefined()
    } finally {
      await small.close()
    }
  })
})

describe('HeaderChunks: what the devnet file store may publish as header ranges', () => {
  const hdr = (height: number, tag = 'a') => ({ height, hash: `0x${tag}${height}`, bytes: Uint8Array.of(height & 0xff, tag.charCodeAt(0)) })
  const cpOf = (cp: number, from: number, to: number, tag = 'a') => [cp, Array.from({ length: to - from + 1 }, (_, i) => hdr(from + i, tag))] as const

  it('publishes a full chunk only once a later checkpoint has landed above it, in order, each height once', () => {
    const c = new HeaderChunks(0, 4)
    expect(c.mined(...cpOf(1, 1, 3))).toEqual([])
    expect(c.mined(...cpOf(2, 4, 6))).toEqual([]) // 1..4 complete, but height 4 is in the latest checkpoint
    const settled = c.mined(...cpOf(3, 7, 9))
    expect(settled.map((x) => [x.from, x.to])).toEqual([[1, 4]])
    expect([...settled[0]!.bytes]).toEqual([1, 97, 2, 97, 3, 97, 4, 97])
    expect(c.mined(...cpOf(4, 10, 12)).map((x) => [x.from, x.to])).toEqual([[5, 8]])
    expect(c.upTo).toBe(8)
  })

  it('a checkpoint pruned on L1 (failed, then replaced under the same number) never reaches a chunk', () => {
    const c = new HeaderChunks(0, 4)
    c.mined(...cpOf(1, 1, 2))
    // checkpoint 2 completes the chunk but is invalid: nothing is published while it is the latest
    expect(c.mined(...cpOf(2, 3, 4, 'x'))).toEqual([])
    c.failed([hdr(3, 'x'), hdr(4, 'x')])
    // its replacement (same number, other blocks), then checkpoint 3: the chunk holds the replacement
    expect(c.mined(...cpOf(2, 3, 4, 'b'))).toEqual([])
    const [chunk] = c.mined(...cpOf(3, 5, 6, 'b'))
    expect([...chunk!.bytes]).toEqual([1, 97, 2, 97, 3, 98, 4, 98])
  })

  it('a replacement with fewer blocks leaves nothing of the checkpoint it replaced', () => {
    const c = new HeaderChunks(0, 4)
    c.mined(...cpOf(1, 1, 2))
    c.mined(...cpOf(2, 3, 6, 'x')) // re-posted after an L1 reorg as a shorter checkpoint 2
    c.mined(...cpOf(2, 3, 3, 'b'))
    expect(c.mined(...cpOf(3, 4, 4, 'c'))).toEqual([])
    expect(c.mined(...cpOf(4, 5, 5, 'c')).map((x) => [...x.bytes])).toEqual([[1, 97, 2, 97, 3, 98, 4, 99]])
  })

  it('failed() forgets only the blocks it names', () => {
    const c = new HeaderChunks(0, 2)
    c.mined(...cpOf(1, 1, 2))
    c.failed([hdr(2, 'z')]) // another block at height 2: not ours
    expect(c.mined(...cpOf(2, 3, 3)).map((x) => [x.from, x.to])).toEqual([[1, 2]])
  })
})
