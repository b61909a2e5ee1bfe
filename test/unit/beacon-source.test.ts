/**
 * BeaconSource (src/sources/beacon.ts) against local servers: one speaking anvil's beacon blob
 * API (block_id = execution block number; its genesis_validators_root is zero), one speaking
 * a real beacon node's (block_id = slot, from the L1 block's proven timestamp, the genesis
 * time and SECONDS_PER_SLOT). SSZ and JSON answers, the versioned_hashes filter, and coded
 * failures for every bad answer. (The real anvil path runs in test/integration/bodies-*.test.ts.)
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hex } from '../../src/core/types'
import { VigilError } from '../../src/core/errors'
import { BYTES_PER_BLOB } from '../../src/protocol/blob'
import { bytesToHex } from '../../src/protocol/bytes'
import { BeaconSource } from '../../src/sources/beacon'

const blobA = new Uint8Array(BYTES_PER_BLOB).fill(0).map((_, i) => (i % 32 === 0 ? 0 : i & 0xff))
const blobB = new Uint8Array(BYTES_PER_BLOB).fill(0).map((_, i) => (i % 32 === 0 ? 0 : (i * 3) & 0xff))
const vhA = `0x01${'aa'.repeat(31)}` as Hex
const vhB = `0x01${'bb'.repeat(31)}` as Hex

let server: Server
let url = ''
let mode: 'ok' | '503' | 'extra' | 'badssz' | '404' = 'ok'
let lastQuery = ''
let lastPath = ''
/** genesis_validators_root the server announces: zero = an execution dev node (anvil). */
let genesisRoot = `0x${'00'.repeat(32)}`
const GENESIS_TIME = 1_606_824_023
let specServed = true

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    if (u.pathname === '/eth/v1/beacon/genesis') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ data: { genesis_time: String(GENESIS_TIME), genesis_validators_root: genesisRoot, genesis_fork_version: '0x00000000' } }))
    }
    if (u.pathname === '/eth/v1/config/spec') {
      if (!specServed) return void res.writeHead(404).end('{}')
      res.writeHead(200, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ data: { SECONDS_PER_SLOT: '12' } }))
    }
    lastPath = u.pathname
    lastQuery = u.searchParams.get('versioned_hashes') ?? ''
    if (mode === '503') return void res.writeHead(503).end('down')
    if (mode === '404') return void res.writeHead(404).end('{}')
    const wanted = lastQuery.split(',')
    let blobs: Uint8Array[] = []
    if (wanted.includes(vhA)) blobs.push(blobA)
    if (wanted.includes(vhB)) blobs.push(blobB)
    if (mode === 'extra') blobs = [blobA, blobB, blobA]
    if (req.headers.accept === 'application/octet-stream') {
      const body = Buffer.concat(blobs.map((b) => Buffer.from(b)))
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': mode === 'badssz' ? body.length - 1 : body.length })
      return void res.end(mode === 'badssz' ? body.subarray(1) : body)
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ data: blobs.map(bytesToHex) }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p
    return null
  } catch (e) {
    return e instanceof VigilError ? e.code : `not a VigilError: ${String(e)}`
  }
}

describe('BeaconSource', () => {
  it('reads SSZ (the default) and JSON answers, asking only for the versioned hashes it needs', async () => {
    mode = 'ok'
    const ssz = new BeaconSource(url)
    const got = await ssz.fetchBlobs({ l1BlockNumber: 7, versionedHashes: [vhA, vhB] })
    expect(lastQuery).toBe(`${vhA},${vhB}`)
    expect(got.map((b) => b && bytesToHex(b))).toEqual([bytesToHex(blobA), bytesToHex(blobB)])
    const json = new BeaconSource(url, { format: 'json' })
    const one = await json.fetchBlobs({ l1BlockNumber: 7, versionedHashes: [vhB] })
    expect(one.length).toBe(1)
    expect(one[0]).toEqual(blobB)
    expect(lastPath).toBe('/eth/v1/beacon/blobs/7') // anvil: the execution block number
    // one genesis request (asked once), one blob request
    expect(ssz.stats.snapshot()).toMatchObject({ requests: 2, failures: 0 })
  })

  it('answers every bad response with a coded failure in its stats', async () => {
    const src = new BeaconSource(url)
    const ref = { l1BlockNumber: 7, versionedHashes: [vhA] }
    mode = '503'
    expect(await codeOf(src.fetchBlobs(ref))).toBe('SOURCE_UNAVAILABLE')
    mode = '404'
    expect(await codeOf(src.fetchBlobs(ref))).toBe('NOT_FOUND')
    mode = 'extra'
    expect(await codeOf(src.fetchBlobs(ref))).toBe('SOURCE_BAD_RESPONSE') // more blobs than asked for (capped by size first)
    mode = 'badssz'
    expect(await codeOf(src.fetchBlobs({ l1BlockNumber: 7, versionedHashes: [vhA, vhB] }))).toBe('SOURCE_BAD_RESPONSE')
    mode = 'ok'
    expect(await codeOf(src.fetchBlobs({ l1BlockNumber: 7, versionedHashes: [] }))).toBe('DECODE_INVALID_FIELD')
    expect(src.stats.snapshot()).toMatchObject({ requests: 5, failures: 4 })
    expect(() => new BeaconSource('file:///x')).toThrow(VigilError)
  })

  it('asks a real beacon node by slot: (proven L1 timestamp − genesis) / SECONDS_PER_SLOT', async () => {
    mode = 'ok'
    genesisRoot = `0x${'4b'.repeat(32)}`
    try {
      const asked: number[] = []
      const src = new BeaconSource(url, {
        l1Timestamp: async (n) => {
          asked.push(n)
          return n === 21_000_000 ? GENESIS_TIME + 12 * 10_500_123 : null
        },
      })
      const got = await src.fetchBlobs({ l1BlockNumber: 21_000_000, versionedHashes: [vhA] })
      expect(got[0]).toEqual(blobA)
      expect(lastPath).toBe('/eth/v1/beacon/blobs/10500123')
      expect(asked).toEqual([21_000_000])
      // a timestamp the caller already holds is used as is
      await src.fetchBlobs({ l1BlockNumber: 5, l1Timestamp: GENESIS_TIME + 12 * 7, versionedHashes: [vhA] })
      expect(lastPath).toBe('/eth/v1/beacon/blobs/7')
      // no proven timestamp: no slot to ask for (soft: the anchor may catch up)
      const e1 = await src.fetchBlobs({ l1BlockNumber: 6, versionedHashes: [vhA] }).catch((e: unknown) => e as VigilError)
      expect(e1).toMatchObject({ code: 'L1_NOT_ANCHORED', severity: 'soft' })
      // a timestamp off the slot grid: the API serves another chain (or lies about genesis)
      expect(await codeOf(src.fetchBlobs({ l1BlockNumber: 8, l1Timestamp: GENESIS_TIME + 13, versionedHashes: [vhA] }))).toBe('SOURCE_BAD_RESPONSE')
      expect(await codeOf(src.fetchBlobs({ l1BlockNumber: 8, l1Timestamp: GENESIS_TIME - 12, versionedHashes: [vhA] }))).toBe('SOURCE_BAD_RESPONSE')
      // forced modes
      await new BeaconSource(url, { blockId: 'execution-block-number' }).fetchBlobs({ l1BlockNumber: 9, versionedHashes: [vhA] })
      expect(lastPath).toBe('/eth/v1/beacon/blobs/9')
      genesisRoot = `0x${'00'.repeat(32)}`
      await new BeaconSource(url, { blockId: 'slot' }).fetchBlobs({ l1BlockNumber: 9, l1Timestamp: GENESIS_TIME + 24, versionedHashes: [vhA] })
      expect(lastPath).toBe('/eth/v1/beacon/blobs/2')
      // no spec endpoint: 12 s slots
      specServed = false
      genesisRoot = `0x${'4b'.repeat(32)}`
      await new BeaconSource(url).fetchBlobs({ l1BlockNumber: 9, l1Timestamp: GENESIS_TIME + 36, versionedHashes: [vhA] })
      expect(lastPath).toBe('/eth/v1/beacon/blobs/3')
    } finally {
      genesisRoot = `0x${'00'.repeat(32)}`
      specServed = true
    }
  })
})
