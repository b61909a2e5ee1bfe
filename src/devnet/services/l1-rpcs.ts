/**
 * The devnet's L1 RPCs: three JSON-RPC endpoints in front of anvil, each its own HTTP server
 * on 127.0.0.1 (its own origin, so each is its own source `l1:127.0.0.1:PORT`), with CORS
 * (browsers POST JSON after a preflight) and JSON-RPC batches (a JSON array: every call
 * answered under its own id). `info.l1.rpcUrls` lists them, `info.l1.quorum` is 2 and
 * `info.devnet.l1Rpcs` gives each URL's role under the faults active at start; anvil's own
 * URL stays `info.devnet.rpcUrl` (the proposer and the rest of the devnet use anvil directly).
 *
 * Faults, read from ctx.faults on every request (the admin endpoint can flip them):
 * - `lying-l1-rpc`: URL 0 forges (src/devnet/l1-liar.ts);
 * - `l1-rpc-hides-checkpoint`: URL 1 drops from eth_getLogs answers the CheckpointProposed log
 *   of every checkpoint whose number is 2 mod 3; everything else is honest;
 * - `l1-rpc-down`: URL 2 answers every POST (and GET) with HTTP 503. Its CORS preflight still
 *   succeeds, so a page sees the 503 as Node does (not an opaque network error).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Hex } from '../../core/types'
import { cors } from '../gateway'
import type { DevnetContext, DevnetService, L1RpcRole } from '../context'
import { asCall, forward, rpcError, type RpcAnswer, type RpcCall } from '../jsonrpc'
import { CHECKPOINT_PROPOSED_TOPIC, L1Liar, LYING_FAULT } from '../l1-liar'

export const HIDING_FAULT = 'l1-rpc-hides-checkpoint'
export const DOWN_FAULT = 'l1-rpc-down'
/** The URL each fault acts on, by index in `info.l1.rpcUrls`. */
const LIAR = 0
const HIDER = 1
const DOWN = 2
const MAX_BODY = 1 << 20
const MAX_BATCH = 1000

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  cors(res)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** The request body, or null past MAX_BODY bytes. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length
    if (size > MAX_BODY) return null
    chunks.push(c)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  })
}

function roleOf(ctx: DevnetContext, i: number): L1RpcRole {
  if (i === LIAR && ctx.faults.has(LYING_FAULT)) return 'liar'
  if (i === HIDER && ctx.faults.has(HIDING_FAULT)) return 'hider'
  if (i === DOWN && ctx.faults.has(DOWN_FAULT)) return 'down'
  return 'honest'
}

export const l1RpcsService: DevnetService = async (ctx) => {
  const servers = [0, 1, 2].map(() => createServer())
  const urls: string[] = []
  for (const s of servers) urls.push(await listen(s))
  const source = (i: number) => ({ source: `l1:${new URL(urls[i]!).host}`, url: urls[i]! })
  const liar = new L1Liar(ctx, urls[LIAR]!)

  const hidden = new Set<string>()
  const hide = async (call: RpcCall): Promise<RpcAnswer> => {
    const a = await forward(ctx.rpcUrl, call, ctx.signal)
    if (a.error || !Array.isArray(a.result)) return a
    const result = (a.result as { address: string; topics: Hex[]; blockNumber: Hex; blockHash: Hex; transactionHash: Hex }[]).filter((l) => {
      if (l.address.toLowerCase() !== ctx.rollup || l.topics[0] !== CHECKPOINT_PROPOSED_TOPIC) return true
      const checkpointNumber = Number(BigInt(l.topics[1]!))
      if (checkpointNumber % 3 !== 2) return true
      const key = `${checkpointNumber}:${l.blockHash}`
      if (!hidden.has(key)) {
        hidden.add(key)
        ctx.faultLog.record(HIDING_FAULT, { ...source(HIDER), action: 'hidden-log', checkpointNumber, l1BlockNumber: Number(l.blockNumber), l1BlockHash: l.blockHash, txHash: l.transactionHash })
      }
      return false
    })
    return { ...a, result }
  }

  const answer = (i: number, v: unknown): Promise<RpcAnswer> => {
    const call = asCall(v)
    if (!call) return Promise.resolve(rpcError((v as { id?: unknown } | null)?.id, -32600, 'invalid request'))
    if (i === LIAR && ctx.faults.has(LYING_FAULT)) return liar.answer(call)
    if (i === HIDER && ctx.faults.has(HIDING_FAULT) && call.method === 'eth_getLogs') return hide(call)
    return forward(ctx.rpcUrl, call, ctx.signal)
  }

  let down = false
  const serve = async (i: number, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'OPTIONS') {
      cors(res)
      res.writeHead(204).end()
      return
    }
    if (i === DOWN && ctx.faults.has(DOWN_FAULT)) {
      if (!down) ctx.faultLog.record(DOWN_FAULT, { ...source(DOWN), action: 'down', status: 503 })
      down = true
      req.resume()
      res.setHeader('retry-after', '1')
      return send(res, 503, rpcError(null, -32603, `L1 RPC down (fault ${DOWN_FAULT})`))
    }
    if (i === DOWN) down = false
    if (req.method !== 'POST') {
      req.resume()
      return send(res, 405, rpcError(null, -32600, 'JSON-RPC over POST only'))
    }
    const text = await readBody(req)
    if (text === null) return send(res, 413, rpcError(null, -32600, `request larger than ${MAX_BODY} bytes`))
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return send(res, 400, rpcError(null, -32700, 'parse error'))
    }
    if (!Array.isArray(body)) return send(res, 200, await answer(i, body))
    if (body.length === 0 || body.length > MAX_BATCH) return send(res, 400, rpcError(null, -32600, `a batch holds 1..${MAX_BATCH} calls`))
    send(res, 200, await Promise.all(body.map((c) => answer(i, c))))
  }

  servers.forEach((s, i) => s.on('request', (req, res) => void serve(i, req, res).catch((e) => send(res, 500, rpcError(null, -32603, (e as Error).message)))))
  ctx.onStop(async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.closeAllConnections()
            s.close(() => resolve())
          }),
      ),
    )
  })
  ctx.info.l1.rpcUrls = urls
  ctx.info.l1.quorum = 2
  ctx.info.devnet.l1Rpcs = urls.map((url, i) => ({ url, role: roleOf(ctx, i) }))
  ctx.log(`L1 RPCs at ${urls.join(', ')} (${ctx.info.devnet.l1Rpcs.map((r) => r.role).join(', ')})`)
}
