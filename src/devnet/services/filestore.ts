/**
 * The devnet's HTTP file store (docs/filestore.md): a bucket on 127.0.0.1 with the layout of
 * src/protocol/filestore.ts, plain GETs, CORS on. The devnet uploads
 *   - each block's body the moment it is built (still provisional, before it is gossiped),
 *   - a checkpoint's blobs (by versioned hash) when it lands on L1,
 *   - signed header ranges (fixed chunks of 64) as mined blocks fill them, and meta.json.
 * Other services write their own objects (e.g. snapshots) with `fileStoreOf(ctx).putObject`.
 *
 * Faults, read from `ctx.faults` on every request (toggled at run time by the admin endpoint):
 *   filestore-down     every request answers 503
 *   corrupt-filestore  bodies and blobs are served with one byte flipped (they no longer match)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../../core/logger'
import { silentLogger } from '../../core/logger'
import { encodeSignedHeader, SIGNED_HEADER_VERSION } from '../../protocol/signed-header'
import { FILESTORE_LAYOUT_VERSION, HEADER_CHUNK_SIZE, fileStorePaths, type FileStoreMeta } from '../../protocol/filestore'
import { cors } from '../gateway'
import type { DevnetContext, DevnetService } from '../context'

interface StoredObject {
  /** The bytes without trailing zeros (a blob is mostly padding); `size` restores them. */
  data: Uint8Array
  size: number
  contentType: string
  /** Mutable objects (meta.json, the snapshot index) are served with no-cache and never evicted. */
  mutable: boolean
}

export interface PutOptions {
  contentType?: string
  /** Default: true for paths ending in .json that are indexes (meta.json, index.json), false otherwise. */
  mutable?: boolean
}

export interface FileStoreCounters {
  objects: number
  /** Stored bytes (without trailing zeros). */
  bytes: number
  /** GETs answered with an object (HEAD not counted). */
  served: number
  /** Served objects that were corrupted by the `corrupt-filestore` fault. */
  corrupted: number
  /** Requests refused by the `filestore-down` fault. */
  refused: number
  notFound: number
}

export interface DevnetFileStore {
  /** Base URL of the bucket (the client's `fileStoreUrl`). */
  readonly url: string
  readonly paths: ReturnType<typeof fileStorePaths>
  /** Stores (or replaces) an object; `path` is relative to the bucket root, e.g. `v1/7771/snapshots/index.json`. */
  putObject(path: string, bytes: Uint8Array, opts?: PutOptions): void
  getObject(path: string): Uint8Array | undefined
  counters(): FileStoreCounters
  close(): Promise<void>
}

export interface StartFileStoreOptions {
  l2ChainId: number
  /** Active fault names, consulted on every request. */
  faults?: () => ReadonlySet<string>
  /** Cap on stored bytes; the oldest immutable objects are evicted past it. Default 512 MiB. */
  maxBytes?: number
  port?: number
  log?: Logger
}

const NO_FAULTS: ReadonlySet<string> = new Set()

function normalize(path: string): string {
  const p = path.replace(/^\/+/, '')
  if (p === '' || p.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) throw new Error(`bad object path ${JSON.stringify(path)}`)
  return p
}

function contentTypeOf(path: string): string {
  return path.endsWith('.json') ? 'application/json' : 'application/octet-stream'
}

/** Flips one byte of a body or blob so it no longer matches (blobs: a payload byte, keeping every field element canonical). */
function corrupt(path: string, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  if (out.length === 0) return Uint8Array.of(0)
  const at = path.includes('/blobs/') ? Math.min(33, out.length - 1) : out.length - 1
  out[at] = out[at]! ^ 0x01
  return out
}

/** Starts a file store HTTP server on 127.0.0.1. */
export async function startFileStore(opts: StartFileStoreOptions): Promise<DevnetFileStore> {
  const log = opts.log ?? silentLogger
  const faults = opts.faults ?? (() => NO_FAULTS)
  const maxBytes = opts.maxBytes ?? 512 * 1024 * 1024
  const objects = new Map<string, StoredObject>()
  const counters: FileStoreCounters = { objects: 0, bytes: 0, served: 0, corrupted: 0, refused: 0, notFound: 0 }

  const evict = () => {
    for (const [p, o] of objects) {
      if (counters.bytes <= maxBytes) return
      if (o.mutable) continue
      objects.delete(p)
      counters.bytes -= o.data.length
      counters.objects--
    }
  }

  const putObject = (path: string, bytes: Uint8Array, po: PutOptions = {}) => {
    const p = normalize(path)
    let end = bytes.length
    while (end > 0 && bytes[end - 1] === 0) end--
    const obj: StoredObject = {
      data: bytes.slice(0, end),
      size: bytes.length,
      contentType: po.contentType ?? contentTypeOf(p),
      mutable: po.mutable ?? /(^|\/)(meta|index)\.json$/.test(p),
    }
    const old = objects.get(p)
    if (old) {
      objects.delete(p)
      counters.bytes -= old.data.length
      counters.objects--
    }
    objects.set(p, obj)
    counters.bytes += obj.data.length
    counters.objects++
    evict()
  }

  const getObject = (path: string): Uint8Array | undefined => {
    const o = objects.get(normalize(path))
    if (!o) return undefined
    if (o.data.length === o.size) return o.data.slice()
    const out = new Uint8Array(o.size)
    out.set(o.data)
    return out
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    cors(res)
    if (req.method === 'OPTIONS') {
      res.writeHead(204)
      res.end()
      return
    }
    const active = faults()
    if (active.has('filestore-down')) {
      counters.refused++
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' })
      res.end(JSON.stringify({ code: 'SOURCE_UNAVAILABLE', message: 'file store is down (fault filestore-down)' }))
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD, OPTIONS', 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: 'NOT_FOUND', message: `method ${req.method} not allowed` }))
      return
    }
    let path: string
    try {
      path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname))
    } catch {
      path = ''
    }
    const o = path ? objects.get(path) : undefined
    if (!o) {
      counters.notFound++
      res.writeHead(404, { 'content-type': 'application/json', 'cache-control': 'no-cache' })
      res.end(JSON.stringify({ code: 'NOT_FOUND', message: `no object ${path || req.url}` }))
      return
    }
    let body = getObject(path)!
    if (req.method === 'GET') {
      counters.served++
      if (active.has('corrupt-filestore') && (path.includes('/bodies/') || path.includes('/blobs/'))) {
        body = corrupt(path, body)
        counters.corrupted++
      }
    }
    res.writeHead(200, {
      'content-type': o.contentType,
      'content-length': body.length,
      'cache-control': o.mutable ? 'no-cache' : 'public, max-age=31536000, immutable',
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res)
    } catch (e) {
      log.error('file store request failed', e)
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: 'INTERNAL', message: (e as Error).message }))
    }
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    paths: fileStorePaths(opts.l2ChainId),
    putObject,
    getObject,
    counters: () => ({ ...counters }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const stores = new WeakMap<DevnetContext, DevnetFileStore>()

/**
 * The devnet's file store, for other services (e.g. snapshots: `fileStoreOf(ctx).putObject(
 * fileStoreOf(ctx).paths.snapshotIndex, bytes)`). The file store service starts first in
 * SERVICES; this throws if it has not started.
 */
export function fileStoreOf(ctx: DevnetContext): DevnetFileStore {
  const fs = stores.get(ctx)
  if (!fs) throw new Error('the devnet file store has not started (fileStoreService must come first in SERVICES)')
  return fs
}

export interface SettledChunk {
  from: number
  to: number
  bytes: Uint8Array
}

/**
 * Which signed header ranges the file store may publish. A height joins when its checkpoint
 * lands on L1; a chunk of `size` heights is published once all of them are in and a checkpoint
 * numbered above the one holding its last height has landed too. So a checkpoint that L1
 * prunes (`invalidate` after short-quorum: the proposer then reports it failed, and a
 * replacement with the same number follows) or that an L1 reorg replaces never reaches a
 * published chunk: chunks are immutable objects, and a public bucket cannot take them back.
 */
export class HeaderChunks {
  private readonly pending = new Map<number, { cp: number; hash: string; bytes: Uint8Array }>()
  private latestCp = 0

  constructor(
    /** Highest height already published in chunks. */
    public upTo = 0,
    private readonly size = HEADER_CHUNK_SIZE,
  ) {}

  /** Checkpoint `cp` landed with these headers; returns the chunks that are now settled (in order). */
  mined(cp: number, headers: { height: number; hash: string; bytes: Uint8Array }[]): SettledChunk[] {
    // a re-posted or replacement checkpoint `cp` supersedes what was held at `cp` and above
    for (const [h, e] of this.pending) if (e.cp >= cp) this.pending.delete(h)
    for (const x of headers) if (x.height > this.upTo) this.pending.set(x.height, { cp, hash: x.hash, bytes: x.bytes })
    this.latestCp = cp
    return this.settle()
  }

  /** These blocks' checkpoint did not stand (pruned, or never landed): forget them. */
  failed(blocks: { height: number; hash: string }[]): void {
    for (const b of blocks) if (this.pending.get(b.height)?.hash === b.hash) this.pending.delete(b.height)
  }

  private settle(): SettledChunk[] {
    const out: SettledChunk[] = []
    for (;;) {
      const from = this.upTo + 1
      const to = this.upTo + this.size
      const last = this.pending.get(to)
      if (!last || last.cp >= this.latestCp) break
      const parts: Uint8Array[] = []
      for (let h = from; h <= to; h++) {
        const p = this.pending.get(h)
        if (!p) return out
        parts.push(p.bytes)
      }
      const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
      let o = 0
      for (const p of parts) {
        bytes.set(p, o)
        o += p.length
      }
      for (let h = from; h <= to; h++) this.pending.delete(h)
      this.upTo = to
      out.push({ from, to, bytes })
    }
    return out
  }
}

/** Devnet service: starts the file store, writes `fileStoreUrl` into the devnet info, uploads as the chain grows. */
export const fileStoreService: DevnetService = async (ctx) => {
  const fs = await startFileStore({ l2ChainId: ctx.opts.l2ChainId, faults: () => ctx.faults, log: ctx.log.child('filestore') })
  stores.set(ctx, fs)
  ctx.onStop(() => fs.close())
  ctx.info.fileStoreUrl = fs.url
  const paths = fs.paths

  let headersUpTo = 0
  const writeMeta = () => {
    const meta: FileStoreMeta = { layout: FILESTORE_LAYOUT_VERSION, l2ChainId: ctx.opts.l2ChainId, headerChunkSize: HEADER_CHUNK_SIZE, headersUpTo }
    fs.putObject(paths.meta, new TextEncoder().encode(JSON.stringify(meta)), { mutable: true })
  }
  writeMeta()

  // provisional bodies: uploaded before the proposal is gossiped
  ctx.events.on('block', (b) => fs.putObject(paths.body(b.hash), b.bodyBytes))

  // mined: blobs by versioned hash, and header chunks once every height in them is mined and a
  // later checkpoint landed above them (a checkpoint pruned on L1 never reaches a chunk)
  const chunks = new HeaderChunks()
  const write = (settled: SettledChunk[]) => {
    for (const c of settled) fs.putObject(paths.headers(c.from, c.to), c.bytes)
    if (settled.length > 0) {
      headersUpTo = chunks.upTo
      writeMeta()
    }
  }
  ctx.events.on('checkpoint', ({ built, blocks }) => {
    built.blobs.forEach((blob, i) => fs.putObject(paths.blob(built.checkpoint.blobVersionedHashes[i]!), blob))
    const headers = blocks.map((b) => ({ height: b.header.height, hash: b.hash, bytes: encodeSignedHeader({ version: SIGNED_HEADER_VERSION, header: b.header, signature: b.proposal.signature }) }))
    write(chunks.mined(built.checkpoint.checkpointNumber, headers))
  })
  ctx.events.on('checkpoint-failed', ({ blocks }) => chunks.failed(blocks.map((b) => ({ height: b.header.height, hash: b.hash }))))
  ctx.log(`file store at ${fs.url}`)
}
