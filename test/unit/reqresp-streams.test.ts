/**
 * Req/resp over real libp2p streams between local nodes on loopback (no devnet): the three
 * protocols served from a ChainDb, the client's ReqRespSource (status on identify, asking
 * only peers that announced a range, failover), and the bounds — rate limits, size caps,
 * timeouts, unknown versions.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { VigilError } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import { ChainBuilder, validatorKeys, type BuiltBlock } from '../../src/devnet/builder'
import { ChainDb } from '../../src/devnet/chain-db'
import { createP2PNode, type P2PNode } from '../../src/p2p/node'
import { handle, request } from '../../src/p2p/stream'
import {
  RateLimiter,
  Result,
  bodiesByHashProtocol,
  encodeResponse,
  headersByRangeProtocol,
  requestBodiesByHash,
  requestHeadersByRange,
  requestStatus,
  serveChain,
  statusProtocol,
  type ChainServer,
  type ServedEvent,
} from '../../src/p2p/protocols'
import { ReqRespSource } from '../../src/sources/reqresp'
import { initCrypto } from '../../src/verify/secp256k1'

const L2 = 7771
const domain = { l1ChainId: 31337, rollup: '0x00000000000000000000000000000000000000aa' as Hex }
const [proposer] = validatorKeys(1)

const nodes: P2PNode[] = []
async function node(): Promise<P2PNode> {
  const n = await createP2PNode({ role: 'client-node', listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
  nodes.push(n)
  return n
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return e instanceof VigilError ? `${e.code}:${e.severity}` : `other:${String(e)}`
  }
  return 'no error'
}

let blocks: BuiltBlock[]
let client: P2PNode
let archival: P2PNode
let pruned: P2PNode
let odd: P2PNode
const served: Record<string, ServedEvent[]> = { archival: [], pruned: [], odd: [] }

beforeAll(async () => {
  await initCrypto()
  const b = new ChainBuilder(domain, L2, { seed: 'reqresp-streams' })
  blocks = Array.from({ length: 40 }, (_, i) => b.buildBlock({ slot: 10 + Math.floor(i / 4), indexInCheckpoint: i % 4, proposer: proposer! }))
  const fill = (db: ChainDb) => {
    for (const x of blocks) db.add({ header: x.header, hash: x.hash, signature: x.proposal.signature, bodyBytes: x.bodyBytes })
    return db
  }
  ;[client, archival, pruned, odd] = await Promise.all([node(), node(), node(), node()])
  await serveChain(archival, L2, fill(new ChainDb()), { onServed: (e) => served.archival!.push(e) })
  await serveChain(pruned, L2, fill(new ChainDb({ headerWindow: 8, bodyWindow: 8 })), {
    onServed: (e) => served.pruned!.push(e),
    // tight budget: one 64-header request, then a refill of 1 header per second
    limiter: new RateLimiter({ status: { capacity: 100, perSecond: 100 }, headers_by_range: { capacity: 64, perSecond: 1 }, bodies_by_hash: { capacity: 100, perSecond: 100 } }),
  })
  for (const n of [archival, pruned, odd]) await client.dial(n.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(10_000) })
}, 60_000)

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()))
})

describe('req/resp between two local libp2p nodes', () => {
  it('status, headers by range (partial answers) and bodies by hash (missing omitted) round-trip', async () => {
    const s = await requestStatus(client, archival.peerId, L2)
    expect(s).toEqual({ earliestHeader: 1, earliestBody: 1, latest: 40, headHash: blocks[39]!.hash })
    const ps = await requestStatus(client, pruned.peerId, L2)
    expect(ps).toMatchObject({ earliestHeader: 33, earliestBody: 33, latest: 40 })
    const { headers } = await requestHeadersByRange(client, archival.peerId, L2, { from: 30, count: 64 })
    expect(headers.map((h) => h.header.height)).toEqual(Array.from({ length: 11 }, (_, i) => 30 + i))
    expect(headers[0]!.signature).toEqual(blocks[29]!.proposal.signature)
    const none = await requestHeadersByRange(client, archival.peerId, L2, { from: 41, count: 10 })
    expect(none.headers).toEqual([])
    const { bodies } = await requestBodiesByHash(client, pruned.peerId, L2, [blocks[0]!.hash, blocks[35]!.hash, `0x${'77'.repeat(32)}`])
    expect(bodies.map((b) => b.hash)).toEqual([blocks[35]!.hash])
    expect(bodies[0]!.bytes).toEqual(blocks[35]!.bodyBytes)
    expect(served.pruned!.at(-1)).toMatchObject({ protocol: 'bodies_by_hash', asked: 3, served: 1 })
  })

  it('rate limits per peer: the answer is RATE_LIMITED (soft), not a reset stream', async () => {
    const first = await requestHeadersByRange(client, pruned.peerId, L2, { from: 33, count: 64 })
    expect(first.headers.length).toBe(8)
    expect(await codeOf(requestHeadersByRange(client, pruned.peerId, L2, { from: 33, count: 64 }))).toBe('RATE_LIMITED:soft')
    expect(served.pruned!.filter((e) => e.result === Result.RATE_LIMITED).length).toBeGreaterThan(0)
    // another peer's budget is untouched
    const other = await node()
    await other.dial(pruned.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(10_000) })
    expect((await requestHeadersByRange(other, pruned.peerId, L2, { from: 33, count: 64 })).headers.length).toBe(8)
  })

  it('caps sizes both ways: an oversized request is refused, an oversized response is refused before it is buffered', async () => {
    // a request frame over the handler's 32-byte cap: the responder resets the stream
    expect(await codeOf(request(client, archival.peerId, headersByRangeProtocol(L2), new Uint8Array(100), { timeoutMs: 5_000 }))).toBe('SOURCE_UNAVAILABLE:soft')
    // a responder that answers 20 KB to a headers request (cap 16 KiB): DECODE_TOO_LARGE, hard
    await handle(odd, headersByRangeProtocol(L2), () => new Uint8Array(20_000), { maxResponseBytes: 64 * 1024 })
    expect(await codeOf(requestHeadersByRange(client, odd.peerId, L2, { from: 1, count: 64 }))).toBe('DECODE_TOO_LARGE:hard')
    await odd.unhandle(headersByRangeProtocol(L2))
  })

  it('times out a responder that never answers, and frees the stream', async () => {
    const stuck: ChainServer = {
      status: () => ({ earliestHeader: 1, earliestBody: 1, latest: 40, headHash: blocks[39]!.hash }),
      headersByRange: (_f, _c, signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      bodiesByHash: () => [],
    }
    const off = await serveChain(odd, L2, stuck, { timeoutMs: 2_000 })
    const t0 = performance.now()
    expect(await codeOf(requestHeadersByRange(client, odd.peerId, L2, { from: 1, count: 4 }, { timeoutMs: 300 }))).toBe('SOURCE_TIMEOUT:soft')
    expect(performance.now() - t0).toBeLessThan(2_000)
    await off()
  })

  it('rejects unknown versions: a v2 request gets INVALID_REQUEST, a v2 response is DECODE_UNKNOWN_VERSION (hard)', async () => {
    const res = await request(client, archival.peerId, statusProtocol(L2), new Uint8Array([2]))
    expect([...res]).toEqual([1, Result.INVALID_REQUEST])
    expect(served.archival!.at(-1)).toMatchObject({ protocol: 'status', result: Result.INVALID_REQUEST })
    await handle(odd, bodiesByHashProtocol(L2), () => new Uint8Array([2, 0, 0, 0]))
    expect(await codeOf(requestBodiesByHash(client, odd.peerId, L2, [blocks[0]!.hash]))).toBe('DECODE_UNKNOWN_VERSION:hard')
    await handle(odd, statusProtocol(L2), () => encodeResponse(Result.UNAVAILABLE))
    expect(await codeOf(requestStatus(client, odd.peerId, L2))).toBe('SOURCE_UNAVAILABLE:soft')
    await odd.unhandle([bodiesByHashProtocol(L2), statusProtocol(L2)])
  })
})

describe('ReqRespSource over local peers', () => {
  it('learns status on identify, asks only peers that announced a range, fails over from a refusing peer', async () => {
    // fresh nodes, so status arrives through identify
    const me = await node()
    const a = await node()
    const p = await node()
    const refusing = await node()
    const byId = new Map<string, string>([
      [a.peerId.toString(), 'archival'],
      [p.peerId.toString(), 'pruned'],
      [refusing.peerId.toString(), 'refusing'],
    ])
    const log: { who: string; ev: ServedEvent }[] = []
    const fill = (db: ChainDb) => {
      for (const x of blocks) db.add({ header: x.header, hash: x.hash, signature: x.proposal.signature, bodyBytes: x.bodyBytes })
      return db
    }
    const db = fill(new ChainDb())
    await serveChain(a, L2, db, { onServed: (ev) => log.push({ who: 'archival', ev }) })
    await serveChain(p, L2, fill(new ChainDb({ headerWindow: 8, bodyWindow: 8 })), { onServed: (ev) => log.push({ who: 'pruned', ev }) })
    // claims everything, serves nothing (the devnet's refuse-ranges fault)
    await serveChain(refusing, L2, { status: () => db.status(), headersByRange: () => [], bodiesByHash: () => [] }, { onServed: (ev) => log.push({ who: 'refusing', ev }) })

    const src = new ReqRespSource({ l2ChainId: L2, statusIntervalMs: 60_000 })
    const seen = new Set<string>()
    const allStatus = new Promise<void>((resolve) =>
      src.onStatus((peer) => {
        seen.add(byId.get(peer) ?? peer)
        if (seen.size === 3) resolve()
      }),
    )
    src.attach(me)
    for (const n of [a, p, refusing]) await me.dial(multiaddr(n.getMultiaddrs()[0]!.toString()), { signal: AbortSignal.timeout(10_000) })
    await Promise.race([allStatus, new Promise((_, rej) => setTimeout(() => rej(new Error(`status from ${[...seen]}`)), 10_000))])
    expect(src.networkHead()).toMatchObject({ height: 40 })
    expect(src.earliestAvailable(1)).toBe(1)

    // old headers: only the archival and the refusing peer announced them. Prime the refusing
    // peer with the best score so it is asked first: it answers empty → the next peer is asked.
    const refId = refusing.peerId.toString()
    src.book.begin(refId)
    src.book.success(refId, 64, 1_000, 1)
    for (let i = 0; i < 4; i++) {
      const r = await src.headersByRange(1, 16)
      expect(byId.get(r.peer)).toBe('archival')
      expect(r.headers.length).toBe(16)
    }
    expect(log.filter((l) => l.who === 'pruned' && l.ev.protocol === 'headers_by_range').length).toBe(0)
    const refInfo = src.peerInfo(refId)!
    expect(refInfo.failures).toBeGreaterThanOrEqual(1)
    expect(refInfo.lastError?.code).toBe('SOURCE_UNAVAILABLE')
    expect(log.some((l) => l.who === 'refusing' && l.ev.protocol === 'headers_by_range' && l.ev.served === 0)).toBe(true)
    expect(src.stats.snapshot().failures).toBeGreaterThanOrEqual(1)

    // old bodies: never asked of the pruned peer; recent bodies are
    const old = blocks.slice(0, 20).map((b) => ({ hash: b.hash, height: b.header.height }))
    const got = await src.bodies(old)
    expect(got.size).toBe(20)
    for (const [h, bytes] of got) expect(bytes).toEqual(blocks.find((b) => b.hash === h)!.bodyBytes)
    const prunedBodyAsks = log.filter((l) => l.who === 'pruned' && l.ev.protocol === 'bodies_by_hash')
    expect(prunedBodyAsks.length).toBe(0)

    // stats: every request counted; the peer book shows announced ranges and scores
    const st = src.stats.snapshot()
    expect(st.name).toBe('reqresp')
    expect(st.requests).toBeGreaterThanOrEqual(3 + 4 + 2)
    expect(st.bytes).toBeGreaterThan(0)
    expect(src.peerInfo(p.peerId.toString())!.announced).toMatchObject({ earliestHeader: 33, earliestBody: 33, latest: 40 })
    expect(src.peerInfo(a.peerId.toString())!.throughput).toBeGreaterThan(0)

    // nobody announced height 41
    expect(await codeOf(src.headersByRange(41, 4))).toBe('NO_PEER_FOR_RANGE:soft')

    // a peer that disconnects leaves the book
    const gone = new Promise<void>((resolve) => me.addEventListener('peer:disconnect', (e) => e.detail.equals(p.peerId) && resolve()))
    await me.hangUp(p.peerId as PeerId)
    await gone
    expect(src.peerInfo(p.peerId.toString())).toBeUndefined()
    src.detach()
  }, 30_000)
})
