/**
 * The devnet's admin endpoint: fault knobs at run time, on its own 127.0.0.1 server
 * (never the CORS-enabled gateway), written to `.vigil/devnet.json` as `devnet.adminUrl`.
 *
 *   GET    /admin/faults                 { active, known, actions }   (?fault=NAME&since=SEQ filter actions)
 *   POST   /admin/faults/<name>          enable  → { active }
 *   DELETE /admin/faults/<name>          disable → { active }
 *
 * A request carrying an `Origin` header is refused (403): browsers send one on every
 * cross-origin POST/DELETE, so no web page can flip the knobs; curl and tests send none.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { DevnetContext, DevnetService } from '../context'
import { FAULTS } from '../faults'

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  // connection: close — no idle keep-alive sockets a client could reuse just as the server drops them
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', connection: 'close' })
  res.end(text)
}

function state(ctx: DevnetContext) {
  return { active: [...ctx.faults].sort() }
}

export function handleAdmin(ctx: DevnetContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (req.headers.origin !== undefined) return send(res, 403, { code: 'FORBIDDEN', message: 'the admin endpoint does not serve web pages (Origin header present)' })
  if (url.pathname === '/admin/faults' || url.pathname === '/admin/faults/') {
    if (req.method !== 'GET') return send(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${req.method} /admin/faults: use GET` })
    const fault = url.searchParams.get('fault') ?? undefined
    const since = Number(url.searchParams.get('since') ?? 0)
    if (!Number.isSafeInteger(since) || since < 0) return send(res, 400, { code: 'BAD_REQUEST', message: 'since must be a non-negative integer' })
    return send(res, 200, { ...state(ctx), known: FAULTS, actions: ctx.faultLog.list({ ...(fault ? { fault } : {}), since }) })
  }
  const m = /^\/admin\/faults\/([a-z0-9-]{1,64})$/.exec(url.pathname)
  if (!m) return send(res, 404, { code: 'NOT_FOUND', message: `no admin route ${url.pathname}` })
  const name = m[1]!
  if (!(name in FAULTS)) return send(res, 404, { code: 'NOT_FOUND', message: `unknown fault ${name}; known: ${Object.keys(FAULTS).join(', ')}` })
  if (req.method === 'POST') {
    ctx.faults.add(name)
    ctx.log(`admin: fault ${name} on`)
    return send(res, 200, state(ctx))
  }
  if (req.method === 'DELETE') {
    ctx.faults.delete(name)
    ctx.log(`admin: fault ${name} off`)
    return send(res, 200, state(ctx))
  }
  send(res, 405, { code: 'METHOD_NOT_ALLOWED', message: `${req.method} ${url.pathname}: use POST or DELETE` })
}

export const adminService: DevnetService = async (ctx) => {
  const server = createServer((req, res) => {
    // no body is read: every route is decided by method and path alone
    req.resume()
    try {
      handleAdmin(ctx, req, res)
    } catch (e) {
      send(res, 500, { code: 'INTERNAL', message: (e as Error).message })
    }
  })
  server.requestTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  ctx.info.devnet.adminUrl = `http://127.0.0.1:${port}`
  ctx.onStop(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
}
