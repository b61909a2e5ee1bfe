/**
 * The RPC-quorum anchor (src/sources/l1-anchor-quorum.ts) over real HTTP: small JSON-RPC
 * servers on 127.0.0.1 serve a chain of headers made from the real mainnet header of
 * ../shared/vectors/helios/rpc/block.json (number changed, hash recomputed), honestly or
 * with one lie each: a head of their own (that hashes), a hash that is not the header's,
 * finality ahead of the truth, or no answer at all.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { L1Disagreement } from '../../src/core/records'
import { headerFromRpc, headerHash } from '../../src/protocol/eth/header'
import { QuorumAnchor } from '../../src/sources/l1-anchor-quorum'
import { L1Rpc } from '../../src/sources/l1-rpc'

type Json = Record<string, unknown>
const BASE = (JSON.parse(readFileSync(join(__dirname, '../../../shared/vectors/helios/rpc/block.json'), 'utf8')) as { result?: Json } & Json)
const TEMPLATE: Json = { ...((BASE.result ?? BASE) as Json), transactions: [], withdrawals: [], uncles: [] }
const hex = (n: number) => `0x${n.toString(16)}`

/** Block `n` of the shared chain; `stateRoot` replaced for a forked one. Its hash is keccak of its RLP. */
function block(n: number, stateRoot?: string): Json {
  const b: Json = { ...TEMPLATE, number: hex(n), ...(stateRoot ? { stateRoot } : {}) }
  b.hash = headerHash(headerFromRpc(b))
  return b
}

interface Behaviour {
  latest?: number
  finalized?: number
  /** The head (and that number) is a block of its own. */
  forkedHead?: boolean
  /** Claims a hash that is not the header's. */
  badHash?: boolean
  down?: boolean
}

const servers: Server[] = []
async function rpcServer(b: Behaviour): Promise<string> {
  const latest = b.latest ?? 110
  const finalized = b.finalized ?? 108
  const answer = (tag: string): Json | null => {
    const n = tag === 'latest' ? latest : tag === 'finalized' ? finalized : Number(tag)
    if (n > latest) return null
    const x = block(n, b.forkedHead && n === latest ? `0x${'ab'.repeat(32)}` : undefined)
    return b.badHash && n === latest ? { ...x, hash: `0x${'cd'.repeat(32)}` } : x
  }
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      if (b.down) return res.writeHead(503).end('down')
      const calls = JSON.parse(body) as Json | Json[]
      const one = (c: Json) => ({ jsonrpc: '2.0', id: c.id, result: answer((c.params as string[])[0]!) })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Array.isArray(calls) ? calls.map(one) : one(calls)))
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()))
})

async function quorum(behaviours: Behaviour[], k: number) {
  const rpcs = await Promise.all(behaviours.map(async (b) => new L1Rpc(await rpcServer(b), { timeoutMs: 5_000 })))
  const seen: Omit<L1Disagreement, 'firstAt' | 'lastAt' | 'count'>[] = []
  const anchor = new QuorumAnchor(rpcs, { k, onDisagreement: (d) => seen.push(d) })
  const heads = await anchor.update()
  return { rpcs, anchor, heads, seen }
}

describe('QuorumAnchor', () => {
  it('three honest RPCs, k = 2: the head and the finalized block, each header hashing to its hash', async () => {
    const { heads, anchor, seen } = await quorum([{}, {}, {}], 2)
    expect(heads.latest).toMatchObject({ number: 110, hash: block(110).hash, stateRoot: TEMPLATE.stateRoot, anchor: 'rpc-quorum', basis: '3 of 3 RPCs agree at L1 block 110' })
    expect(heads.finalized).toMatchObject({ number: 108, hash: block(108).hash })
    expect(anchor.view()).toMatchObject({ state: 'synced', quorum: { k: 2, n: 3, at: 110 } })
    expect(seen).toEqual([])
  })

  it('a head of its own (that hashes) is outvoted and named', async () => {
    const { heads, rpcs, anchor, seen } = await quorum([{}, { forkedHead: true }, {}], 2)
    expect(heads.latest!.hash).toBe(block(110).hash)
    expect(anchor.view().quorum!.dissenting).toEqual([rpcs[1]!.name])
    expect(seen).toEqual([expect.objectContaining({ rpc: rpcs[1]!.name, what: 'head', l1Block: 110, code: 'L1_RPC_DISAGREES' })])
  })

  it('compares at the k-th highest head: a lagging RPC still counts', async () => {
    const { heads, anchor } = await quorum([{}, { latest: 109 }, {}], 3)
    expect(heads.latest!.number).toBe(109)
    expect(anchor.view().quorum!.agreeing).toHaveLength(3)
  })

  it('a hash that is not its header’s is HEADER_HASH_MISMATCH evidence; the others still anchor', async () => {
    const { heads, rpcs, seen } = await quorum([{ badHash: true }, {}, {}], 2)
    expect(heads.latest!.number).toBe(110)
    expect(seen).toContainEqual(expect.objectContaining({ rpc: rpcs[0]!.name, what: 'header', code: 'HEADER_HASH_MISMATCH' }))
  })

  it('finality claimed ahead of what the quorum finalizes is evidence', async () => {
    const { heads, rpcs, seen } = await quorum([{}, {}, { finalized: 110 }], 2)
    expect(heads.finalized!.number).toBe(108)
    expect(seen).toEqual([expect.objectContaining({ rpc: rpcs[2]!.name, what: 'finalized', l1Block: 110, code: 'L1_RPC_DISAGREES' })])
  })

  it('without k in agreement nothing is anchored, and the view says who claimed what', async () => {
    const { heads, rpcs, anchor, seen } = await quorum([{}, { forkedHead: true }, { down: true }], 2)
    expect(heads).toEqual({ latest: null, finalized: null })
    const v = anchor.view()
    expect(v.state).toBe('stalled')
    expect(v.error).toMatchObject({ code: 'L1_QUORUM_NOT_REACHED', severity: 'soft' })
    expect(v.error!.message).toContain(rpcs[0]!.name)
    expect(v.error!.message).toContain(rpcs[1]!.name)
    expect(v.quorum!.unavailable).toEqual([rpcs[2]!.name])
    expect(rpcs[2]!.stats.snapshot().failures).toBe(1)
    expect(seen).toEqual([]) // nobody is known to be wrong
  })

  it('refuses a k it cannot meet', () => {
    expect(() => new QuorumAnchor([new L1Rpc('http://127.0.0.1:9')], { k: 2 })).toThrow(/from 1 to 1/)
  })
})
