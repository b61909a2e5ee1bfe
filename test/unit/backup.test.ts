/**
 * The backup-sync queue (src/sync/backup.ts) against a real HTTP server started here, through
 * the real L2 RPC source (src/sources/l2rpc.ts): one block per request, exponential backoff
 * with jitter (1 s → 20 s by default), 5 attempts, failures re-queued at the end, new requests
 * dropped when the queue is full, and every block handed to a verifying sink.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { backoffMs } from '../../src/core/abort'
import type { Hex } from '../../src/core/types'
import { bytesToHex } from '../../src/protocol/bytes'
import { decodeHeader, encodeHeader } from '../../src/protocol/header'
import { SIGNED_HEADER_VERSION, encodeSignedHeader } from '../../src/protocol/signed-header'
import type { BlockHeader } from '../../src/protocol/header'
import { ChainBuilder, validatorKeys, type BuiltBlock } from '../../src/devnet/builder'
import { L2RpcSource } from '../../src/sources/l2rpc'
import { BackupSyncQueue, runBackupSync, type BackupEvent, type BackupSink } from '../../src/sync/backup'
import { verifyBody, verifyProposerSignature } from '../../src/verify/rules'
import { initCrypto } from '../../src/verify/secp256k1'
import { parseClientConfig } from '../../src/client/shared/config'
import { snapshotIndexUrl } from '../../src/sources/snapshot'

const DOMAIN = { l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Hex }
const proposer = validatorKeys(1)[0]!
let blocks: BuiltBlock[] = []

/** What the server does for a height, per request: 'ok' | 'fail' (503) | 'hang' (never answers) | 'corrupt' (body byte flipped). */
type Behaviour = (attempt: number) => 'ok' | 'fail' | 'hang' | 'corrupt' | '404'

interface RpcServer {
  url: string
  /** Heights in the order requests arrived, with arrival times (ms). */
  log: { height: number; at: number }[]
  behave: Map<number, Behaviour>
  head: number
  /** While set, block requests wait for it. */
  gate: Promise<void> | null
  close(): Promise<void>
}

let server: RpcServer

async function startRpc(): Promise<RpcServer> {
  const hanging: ServerResponse[] = []
  const s: RpcServer = { url: '', log: [], behave: new Map(), head: blocks.length, gate: null, close: async () => undefined }
  const attempts = new Map<number, number>()
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname
      if (path === '/l2/head') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ height: s.head, hash: blocks[s.head - 1]?.hash ?? `0x${'00'.repeat(32)}` }))
        return
      }
      const m = /^\/l2\/block\/(\d+)$/.exec(path)
      if (!m) return void res.writeHead(404).end()
      const height = Number(m[1])
      s.log.push({ height, at: performance.now() })
      const n = (attempts.get(height) ?? 0) + 1
      attempts.set(height, n)
      if (s.gate) await s.gate
      const what = s.behave.get(height)?.(n) ?? 'ok'
      const b = blocks[height - 1]
      if (what === 'hang') return void hanging.push(res)
      if (what === 'fail') return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"SOURCE_UNAVAILABLE"}')
      if (what === '404' || !b) return void res.writeHead(404).end()
      const body = b.bodyBytes.slice()
      if (what === 'corrupt') body[body.length - 1]! ^= 0xff
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          height,
          hash: b.hash,
          signedHeader: bytesToHex(encodeSignedHeader({ version: SIGNED_HEADER_VERSION, header: b.header, signature: b.proposal.signature })),
          body: bytesToHex(body),
        }),
      )
    })()
  })
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
  s.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/l2`
  s.close = () =>
    new Promise<void>((r) => {
      for (const h of hanging) h.destroy()
      http.closeAllConnections()
      http.close(() => r())
    })
  return s
}

/** A sink that verifies like the engine does (proposer signature, body against header) and remembers what it holds. */
class VerifyingSink implements BackupSink {
  readonly headers = new Map<Hex, BlockHeader>()
  readonly bodies = new Set<Hex>()
  readonly rejected: string[] = []
  async onSignedHeader(header: BlockHeader, signature: Uint8Array): Promise<'accept' | 'ignore' | 'reject'> {
    try {
      verifyProposerSignature(DOMAIN, header, signature, proposer.address)
    } catch {
      this.rejected.push(`header ${header.height}`)
      return 'reject'
    }
    const hash = blocks[header.height - 1]!.hash
    if (this.headers.has(hash)) return 'ignore'
    this.headers.set(hash, decodeHeader(encodeHeader(header)))
    return 'accept'
  }
  async onBody(hash: Hex, body: Uint8Array): Promise<boolean> {
    const h = this.headers.get(hash)
    if (!h) throw new Error('no header')
    try {
      verifyBody(h, body)
    } catch {
      this.rejected.push(`body ${h.height}`)
      return false
    }
    this.bodies.add(hash)
    return true
  }
  heights(): number[] {
    return [...this.headers.values()].map((h) => h.height).sort((a, b) => a - b)
  }
}

function queue(opts: Partial<ConstructorParameters<typeof BackupSyncQueue>[0]> & { events?: BackupEvent[] } = {}) {
  const sink = new VerifyingSink()
  const events = opts.events ?? []
  const q = new BackupSyncQueue({ fetcher: new L2RpcSource(server.url, { timeoutMs: 2000 }), sink, concurrency: 1, baseDelayMs: 20, maxDelayMs: 400, ...opts, onEvent: (e) => events.push(e) })
  return { q, sink, events }
}

beforeAll(async () => {
  await initCrypto()
  const b = new ChainBuilder(DOMAIN, 7771, { blobToCommitment: () => new Uint8Array(48) })
  blocks = Array.from({ length: 12 }, (_, i) => b.buildBlock({ slot: 1 + Math.floor(i / 4), indexInCheckpoint: i % 4, proposer }))
})

afterEach(async () => {
  await server?.close()
})

describe('BackupSyncQueue over a real HTTP L2 RPC', () => {
  const fresh = async () => {
    server = await startRpc()
  }

  it('fetches one block per request and hands header and body to the verifying sink', async () => {
    await fresh()
    const { q, sink, events } = queue()
    q.start()
    for (const h of [1, 2, 3, 4, 5]) expect(q.request(h)).toBe(true)
    await q.idle()
    await q.stop()
    expect(server.log.map((r) => r.height)).toEqual([1, 2, 3, 4, 5])
    expect(sink.heights()).toEqual([1, 2, 3, 4, 5])
    expect(sink.bodies.size).toBe(5)
    expect(q.stats()).toMatchObject({ completed: 5, failed: 0, dropped: 0, retries: 0, queued: 0, inFlight: 0 })
    expect(events.filter((e) => e.type === 'done')).toHaveLength(5)
  })

  it('backs off exponentially with jitter between attempts, from baseDelayMs up to maxDelayMs', async () => {
    await fresh()
    server.behave.set(2, (n) => (n <= 5 ? 'fail' : 'ok'))
    const { q, events, sink } = queue({ baseDelayMs: 30, maxDelayMs: 100, maxAttempts: 6, random: () => 1 })
    q.start()
    q.request(2)
    await q.idle()
    await q.stop()
    const retries = events.filter((e): e is Extract<BackupEvent, { type: 'retry' }> => e.type === 'retry')
    // ceiling = min(max, base·2^(attempt-1)); with random()=1 the delay is the ceiling: 30, 60, 100 (capped), 100, 100
    expect(retries.map((r) => r.delayMs)).toEqual([30, 60, 100, 100, 100])
    expect(retries.every((r) => r.error.code === 'SOURCE_UNAVAILABLE' && r.error.severity === 'soft')).toBe(true)
    const times = server.log.filter((r) => r.height === 2).map((r) => r.at)
    expect(times).toHaveLength(6)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(retries[i - 1]!.delayMs - 5)
    expect(sink.heights()).toEqual([2])
    expect(q.stats()).toMatchObject({ completed: 1, retries: 5, failed: 0 })
  })

  it('defaults: first retry after 0.5–1 s (1 s with jitter), capped at 20 s, 5 attempts', async () => {
    await fresh()
    server.behave.set(1, () => 'fail')
    for (const [random, expected] of [
      [() => 0, 500],
      [() => 0.999999, 1000],
    ] as const) {
      const events: BackupEvent[] = []
      const q = new BackupSyncQueue({ fetcher: new L2RpcSource(server.url), sink: new VerifyingSink(), random, onEvent: (e) => events.push(e) })
      q.start()
      q.request(1)
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (events.some((e) => e.type === 'retry')) {
            clearInterval(t)
            resolve()
          }
        }, 5)
      })
      await q.stop()
      expect(events.find((e) => e.type === 'retry')).toMatchObject({ attempt: 1, delayMs: expected })
    }
    // the schedule the defaults give: 1 s, 2 s, 4 s, 8 s, 16 s, then 20 s (cap), before jitter
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, 1000, 20_000, () => 1))).toEqual([1000, 2000, 4000, 8000, 16000, 20000, 20000])
  })

  it('gives up after 5 attempts and reports the failure', async () => {
    await fresh()
    server.behave.set(3, () => 'fail')
    const { q, events, sink } = queue()
    q.start()
    q.request(3)
    await q.idle()
    await q.stop()
    expect(server.log.filter((r) => r.height === 3)).toHaveLength(5)
    const failed = events.find((e) => e.type === 'failed')
    expect(failed).toMatchObject({ height: 3, attempt: 5, error: { code: 'SOURCE_UNAVAILABLE' } })
    expect(q.stats()).toMatchObject({ failed: 1, retries: 4, completed: 0 })
    expect(sink.heights()).toEqual([])
  })

  it('re-queues a failed request at the end of the queue', async () => {
    await fresh()
    server.behave.set(1, (n) => (n === 1 ? 'fail' : 'ok'))
    // no delay, so only the queue order decides what runs next
    const { q, sink } = queue({ baseDelayMs: 0, maxDelayMs: 0 })
    for (const h of [1, 2, 3, 4]) q.request(h)
    q.start()
    await q.idle()
    await q.stop()
    expect(server.log.map((r) => r.height)).toEqual([1, 2, 3, 4, 1])
    expect(sink.heights()).toEqual([1, 2, 3, 4])
  })

  it('drops new requests when the queue is full (too busy) and duplicates of queued heights', async () => {
    await fresh()
    let release!: () => void
    server.gate = new Promise<void>((r) => (release = r))
    const { q, events, sink } = queue({ maxQueue: 3 })
    q.start()
    expect([1, 2, 3, 4, 5].map((h) => q.request(h))).toEqual([true, true, true, false, false])
    expect(q.request(2)).toBe(false) // already queued
    expect(q.stats()).toMatchObject({ dropped: 2 })
    expect(events.filter((e) => e.type === 'dropped').map((e) => (e as { reason: string }).reason)).toEqual(['full', 'full', 'duplicate'])
    release()
    server.gate = null
    await q.idle()
    await q.stop()
    expect(server.log.map((r) => r.height)).toEqual([1, 2, 3])
    expect(sink.heights()).toEqual([1, 2, 3])
  })

  it('data that fails verification is not retried (hard) and is never stored', async () => {
    await fresh()
    server.behave.set(4, () => 'corrupt')
    const { q, events, sink } = queue()
    q.start()
    q.request(4)
    await q.idle()
    await q.stop()
    expect(server.log.filter((r) => r.height === 4)).toHaveLength(1)
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ height: 4, error: { code: 'BODY_MISMATCH', severity: 'hard' } })
    expect(sink.rejected).toEqual(['body 4'])
    expect(sink.bodies.size).toBe(0)
  })

  it('a request that hangs times out (soft) and is retried', async () => {
    await fresh()
    server.behave.set(5, (n) => (n === 1 ? 'hang' : 'ok'))
    const { q, events, sink } = queue({ requestTimeoutMs: 200 })
    q.start()
    q.request(5)
    await q.idle()
    await q.stop()
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ height: 5, error: { code: 'SOURCE_TIMEOUT', severity: 'soft' } })
    expect(sink.heights()).toEqual([5])
  })

  it('runBackupSync fills the gaps between the settled height and the RPC head, once announced twice', async () => {
    await fresh()
    server.head = 10
    const sink = new VerifyingSink()
    // the engine already holds 1–4 (settled) and 7 (gossip)
    const held = new Set([1, 2, 3, 4, 7])
    const q = new BackupSyncQueue({ fetcher: new L2RpcSource(server.url), sink, concurrency: 2 })
    const abort = new AbortController()
    const loop = runBackupSync({
      fetcher: new L2RpcSource(server.url),
      queue: q,
      missing: (from, to, max) => {
        const out: number[] = []
        for (let h = from; h <= to && out.length < max; h++) if (!held.has(h) && !sink.heights().includes(h)) out.push(h)
        return out
      },
      settledHeight: () => 4,
      pollMs: 20,
      signal: abort.signal,
    })
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (sink.heights().length === 5) {
          clearInterval(t)
          resolve()
        }
      }, 10)
    })
    abort.abort()
    await loop
    expect(sink.heights()).toEqual([5, 6, 8, 9, 10])
    expect(new Set(server.log.map((r) => r.height))).toEqual(new Set([5, 6, 8, 9, 10]))
  })
})


describe('ClientConfig.l2RpcUrl / snapshotUrl', () => {
  const base = { l2ChainId: 7771, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:8545'], rollup: DOMAIN.rollup, deployBlock: 1 }, bootstrap: [], mode: 'light' }
  it('are optional, validated as http(s) URLs, trailing slashes of the RPC base dropped', () => {
    expect(parseClientConfig(base).l2RpcUrl).toBeUndefined()
    const cfg = parseClientConfig({ ...base, l2RpcUrl: 'http://127.0.0.1:9000/l2/', snapshotUrl: 'https://bucket.example/v1/7771/snapshots/index.json' })
    expect(cfg.l2RpcUrl).toBe('http://127.0.0.1:9000/l2')
    expect(cfg.snapshotUrl).toBe('https://bucket.example/v1/7771/snapshots/index.json')
    for (const bad of [{ l2RpcUrl: 'ftp://x' }, { l2RpcUrl: 42 }, { snapshotUrl: 'not a url' }]) {
      expect(() => parseClientConfig({ ...base, ...bad })).toThrow(/must be an http\(s\) URL/)
    }
  })
  it('the snapshot index URL is derived from a file store URL when not given', () => {
    expect(snapshotIndexUrl({ l2ChainId: 7771, fileStoreUrl: 'http://127.0.0.1:5000/' })).toBe('http://127.0.0.1:5000/v1/7771/snapshots/index.json')
    expect(snapshotIndexUrl({ l2ChainId: 7771, snapshotUrl: 'http://a/i.json', fileStoreUrl: 'http://b' })).toBe('http://a/i.json')
    expect(snapshotIndexUrl({ l2ChainId: 7771 })).toBeNull()
  })
})
