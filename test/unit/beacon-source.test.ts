/**
 * BeaconSource (src/sources/beacon.ts) against a local server speaking anvil's beacon blob
 * API: SSZ and JSON answers, the versioned_hashes filter, and coded failures for every bad
 * answer. (The real anvil path runs in test/integration/bodies-*.test.ts.)
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

beforeAll(async () => {
  server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
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
    expect(ssz.stats.snapshot()).toMatchObject({ requests: 1, failures: 0, bytes: 2 * BYTES_PER_BLOB })
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
    expect(src.stats.snapshot()).toMatchObject({ requests: 4, failures: 4 })
    expect(() => new BeaconSource('file:///x')).toThrow(VigilError)
  })
})
