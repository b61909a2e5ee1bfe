/**
 * A JSON-RPC proxy in front of anvil that a test can switch between three real-world L1 RPC
 * conditions:
 * - `up`: forwards everything;
 * - `down`: answers every request with HTTP 503 (an RPC provider outage);
 * - `pinned(n)`: an RPC node that is behind — `latest`, `safe`, `finalized` and
 *   `eth_blockNumber` answer as if block `n` were the head; everything else is forwarded
 *   (so contract reads still work, but no checkpoint mined after `n` is visible);
 * and, in any mode but down, `tamper(fn)` rewrites each answer (a lying RPC: fn gets the call
 * and anvil's true answer, returns what to send instead).
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface L1Proxy {
  url: string
  up(): void
  down(): void
  pin(block: number): void
  /** Rewrites every answer from now on (null: stop lying). */
  tamper(fn: Tamper | null): void
  /** Requests answered (any mode). */
  readonly requests: number
  close(): Promise<void>
}

export interface RpcRequest {
  jsonrpc: string
  id: unknown
  method: string
  params?: unknown[]
}

/** A lie: the call as asked and anvil's answer (the whole JSON-RPC response) in, the response to send out. */
export type Tamper = (req: RpcRequest, answer: { jsonrpc: string; id: unknown; result?: unknown; error?: unknown }) => unknown | Promise<unknown>

const HEAD_TAGS = new Set(['latest', 'safe', 'finalized', 'pending'])

export async function startL1Proxy(upstream: string): Promise<L1Proxy> {
  let mode: { kind: 'up' } | { kind: 'down' } | { kind: 'pinned'; block: number } = { kind: 'up' }
  let requests = 0
  let tamper: Tamper | null = null
  const hex = (n: number) => `0x${n.toString(16)}`

  const one = async (req: RpcRequest): Promise<unknown> => {
    if (mode.kind === 'pinned') {
      const pinned = mode.block
      if (req.method === 'eth_blockNumber') return { jsonrpc: '2.0', id: req.id, result: hex(pinned) }
      if (req.method === 'eth_getBlockByNumber' && typeof req.params?.[0] === 'string' && HEAD_TAGS.has(req.params[0])) {
        req = { ...req, params: [hex(pinned), ...(req.params.slice(1) ?? [])] }
      }
    }
    const res = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req), signal: AbortSignal.timeout(10_000) })
    const answer = (await res.json()) as Parameters<Tamper>[1]
    return tamper ? tamper(req, answer) : answer
  }

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let s = ''
      req.setEncoding('utf8')
      req.on('data', (d) => (s += d))
      req.on('end', () => resolve(s))
      req.on('error', reject)
    })

  const server = createServer(async (req, res) => {
    requests++
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-allow-headers', 'content-type')
    if (req.method === 'OPTIONS') return res.writeHead(204).end()
    if (mode.kind === 'down') return res.writeHead(503, { 'content-type': 'text/plain' }).end('L1 RPC down (test proxy)')
    try {
      const body = JSON.parse(await readBody(req)) as RpcRequest | RpcRequest[]
      const out = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out))
    } catch (e) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(String(e))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    up: () => void (mode = { kind: 'up' }),
    down: () => void (mode = { kind: 'down' }),
    pin: (block) => void (mode = { kind: 'pinned', block }),
    tamper: (fn) => void (tamper = fn),
    get requests() {
      return requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
