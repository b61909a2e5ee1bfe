/**
 * The worker-side stand-in for the page's node (src/p2p/bridge.ts): a ReqRespSource attached
 * to a RemoteNode whose requests a real libp2p node performs (as the page does in a tab),
 * against a real responder. Also: refusals cross as ErrorRecords and come back as the same
 * VigilError codes, and the caller's abort stops the wait.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { VigilError, toErrorRecord } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import { ChainBuilder, validatorKeys, type BuiltBlock } from '../../src/devnet/builder'
import { ChainDb } from '../../src/devnet/chain-db'
import { createP2PNode, type P2PNode } from '../../src/p2p/node'
import { request } from '../../src/p2p/stream'
import { RemoteNode, type PageNet } from '../../src/p2p/bridge'
import { serveChain, statusProtocol } from '../../src/p2p/protocols'
import { ReqRespSource } from '../../src/sources/reqresp'
import { initCrypto } from '../../src/verify/secp256k1'
import type { Libp2p } from '@libp2p/interface'

const L2 = 7772
const domain = { l1ChainId: 31337, rollup: '0x00000000000000000000000000000000000000aa' as Hex }
const [proposer] = validatorKeys(1)

let blocks: BuiltBlock[]
let page: P2PNode
let server: P2PNode
const calls: string[] = []

beforeAll(async () => {
  await initCrypto()
  const b = new ChainBuilder(domain, L2, { seed: 'p2p-bridge' })
  blocks = Array.from({ length: 20 }, (_, i) => b.buildBlock({ slot: 10 + Math.floor(i / 4), indexInCheckpoint: i % 4, proposer: proposer! }))
  const db = new ChainDb()
  for (const x of blocks) db.add({ header: x.header, hash: x.hash, signature: x.proposal.signature, bodyBytes: x.bodyBytes })
  ;[page, server] = await Promise.all([createP2PNode({ role: 'client-node' }), createP2PNode({ role: 'client-node', listen: ['/ip4/127.0.0.1/tcp/0/ws'] })])
  await serveChain(server, L2, db)
  await page.dial(server.getMultiaddrs()[0]!, { signal: AbortSignal.timeout(10_000) })
}, 60_000)

afterAll(async () => {
  await Promise.all([page?.stop(), server?.stop()])
})

// what src/client/page/page-p2p.ts does on the page, minus comlink
const pageNet = (): PageNet => ({
  async request(peer, protocol, payload, o) {
    calls.push(protocol)
    try {
      return await request(page, peerIdFromString(peer), protocol, payload, o)
    } catch (e) {
      throw toErrorRecord(e)
    }
  },
})

describe('RemoteNode: req/resp through the page', () => {
  it('status on identify, then headers by range and bodies, all performed by the page node', async () => {
    const remote = new RemoteNode()
    remote.setNet(pageNet())
    const src = new ReqRespSource({ l2ChainId: L2, statusIntervalMs: 60_000 })
    src.attach(remote as unknown as Libp2p)
    const got = new Promise<void>((r) => src.onStatus(() => r()))
    remote.peerEvent({ kind: 'identify', peer: server.peerId.toString(), protocols: [statusProtocol(L2)] })
    await got
    expect(src.networkHead()).toMatchObject({ height: 20, peer: server.peerId.toString() })
    const { headers, peer } = await src.headersByRange(5, 8)
    expect(peer).toBe(server.peerId.toString())
    expect(headers.map((h) => h.header.height)).toEqual([5, 6, 7, 8, 9, 10, 11, 12])
    const bodies = await src.bodies([{ hash: blocks[3]!.hash, height: 4 }])
    expect(bodies.get(blocks[3]!.hash.toLowerCase() as Hex)).toEqual(blocks[3]!.bodyBytes)
    expect(calls.length).toBeGreaterThanOrEqual(3)
    // a disconnect removes the peer from the book
    remote.peerEvent({ kind: 'disconnect', peer: server.peerId.toString() })
    expect(src.networkHead()).toBeNull()
    src.detach()
  })

  it('errors cross as records and come back as VigilErrors; no page net → SOURCE_UNAVAILABLE; abort stops the wait', async () => {
    const remote = new RemoteNode()
    await expect(remote.remoteRequest(server.peerId.toString(), '/x/1', new Uint8Array(1), { timeoutMs: 1000, maxResponseBytes: 10 })).rejects.toMatchObject({ code: 'SOURCE_UNAVAILABLE' })
    remote.setNet({ request: () => Promise.reject(toErrorRecord(new VigilError('RATE_LIMITED', 'slow down', { severity: 'soft' }))) })
    const e = await remote.remoteRequest('p', '/x/1', new Uint8Array(1), { timeoutMs: 1000, maxResponseBytes: 10 }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(VigilError)
    expect(e).toMatchObject({ code: 'RATE_LIMITED', severity: 'soft' })
    remote.setNet({ request: () => new Promise<Uint8Array>(() => {}) })
    const ac = new AbortController()
    const p = remote.remoteRequest('p', '/x/1', new Uint8Array(1), { timeoutMs: 1000, maxResponseBytes: 10, signal: ac.signal })
    ac.abort()
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' })
    remote.setNet({ request: async () => new Uint8Array(11) })
    await expect(remote.remoteRequest('p', '/x/1', new Uint8Array(1), { timeoutMs: 1000, maxResponseBytes: 10 })).rejects.toMatchObject({ code: 'DECODE_TOO_LARGE' })
  })
})
