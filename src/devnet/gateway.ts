/**
 * The devnet's HTTP gateway (127.0.0.1): a CORS-adding proxy to anvil's beacon API (anvil
 * sends no CORS headers, so a page cannot read blobs from it directly) plus the devnet's
 * own routes (status, admin), added by whoever owns them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean

export interface Gateway {
  url: string
  server: Server
  /** Adds a route after the existing ones; `{ first: true }` puts it before them (e.g. a fault in front of the beacon proxy). */
  addRoute(route: Route, opts?: { first?: boolean }): void
  close(): Promise<void>
}

export function cors(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS')
  res.setHeader('access-control-allow-headers', 'content-type, accept')
  res.setHeader('access-control-expose-headers', 'content-length, content-type')
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  cors(res)
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

export async function startGateway(opts: { anvilUrl: string; port?: number }): Promise<Gateway> {
  const routes: Route[] = []
  const beacon: Route = async (req, res, url) => {
    if (!url.pathname.startsWith('/eth/v1/beacon/')) return false
    try {
      const upstream = await fetch(new URL(url.pathname + url.search, opts.anvilUrl), {
        headers: { accept: req.headers.accept ?? 'application/json' },
        signal: AbortSignal.timeout(15_000),
      })
      const body = Buffer.from(await upstream.arrayBuffer())
      cors(res)
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', 'content-length': body.length })
      res.end(body)
    } catch (e) {
      sendJson(res, 502, { code: 'SOURCE_UNAVAILABLE', message: `anvil beacon API unreachable: ${(e as Error).message}` })
    }
    return true
  }
  routes.push(beacon)
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (req.method === 'OPTIONS') {
      cors(res)
      res.writeHead(204)
      res.end()
      return
    }
    void (async () => {
      for (const r of routes) if (await r(req, res, url)) return
      sendJson(res, 404, { code: 'NOT_FOUND', message: `no route for ${req.method} ${url.pathname}` })
    })().catch((e) => sendJson(res, 500, { code: 'INTERNAL', message: (e as Error).message }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    addRoute: (r, o) => void (o?.first ? routes.unshift(r) : routes.push(r)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
