/**
 * Snapshots (docs/snapshots.md): every few mined checkpoints (or every N seconds, checked as
 * checkpoints land) the devnet publishes the last SNAPSHOT_WINDOW mined checkpoints — signed
 * headers, L1 coordinates, the anchor's attestations (read back from its L1 calldata) and the
 * anchor epoch's committee — into the file store under `v1/<l2ChainId>/snapshots/`, and
 * rewrites `snapshots/index.json` to name it. Without a file store it serves the same paths
 * from the gateway. `ctx.info.snapshotUrl` is the index URL.
 *
 * Options: `npm run devnet -- --snapshot-every 4` (checkpoints, the default) or `--snapshot-every 30s`;
 * `--snapshot-window 16` (checkpoints per snapshot, the default).
 */
import { decodeFunctionData } from 'viem'
import type { Address, Hex } from '../../core/types'
import { bytesToHex, hexToBytes } from '../../protocol/bytes'
import { sha256 } from '../../protocol/hash'
import { decodeAttestationSignatures } from '../../protocol/checkpoint'
import { epochOfSlot } from '../../protocol/schedule'
import { SNAPSHOT_INDEX_VERSION, SNAPSHOT_VERSION, encodeSnapshot, type Snapshot, type SnapshotIndex, type SnapshotIndexEntry } from '../../protocol/snapshot'
import { vigilRollupAbi } from '../../contracts/abi'
import { sendJson, cors } from '../gateway'
import type { DevnetContext, DevnetEvents, DevnetService } from '../context'
import { fileStoreOf } from './filestore'

/** Mined checkpoints per snapshot (default; `--snapshot-window N`). */
export const SNAPSHOT_WINDOW = 16
/** Older snapshots still named in the index (and kept). */
const KEEP_SNAPSHOTS = 4
/** Whatever the interval, never let the latest snapshot get older than this while checkpoints land. */
const MAX_AGE_MS = 60 * 60 * 1000

export type SnapshotEvery = { checkpoints: number } | { seconds: number }

/** Parses `--snapshot-every`: "4" (checkpoints) or "30s" (seconds); null when malformed. */
export function parseSnapshotEvery(v: string): SnapshotEvery | null {
  const m = /^(\d{1,6})(s?)$/.exec(v.trim())
  if (!m || Number(m[1]) < 1) return null
  return m[2] ? { seconds: Number(m[1]) } : { checkpoints: Number(m[1]) }
}

type Mined = DevnetEvents['checkpoint'][0]

interface Publisher {
  url: string
  indexPath: string
  put(path: string, bytes: Uint8Array, mutable: boolean): void
}

/** The file store when it runs, else routes on the gateway serving the same layout. */
function publisherFor(ctx: DevnetContext): Publisher {
  const root = `v1/${ctx.opts.l2ChainId}/snapshots`
  try {
    const fs = fileStoreOf(ctx)
    return { url: fs.url, indexPath: fs.paths.snapshotIndex, put: (p, b, mutable) => fs.putObject(p, b, { mutable, contentType: p.endsWith('.json') ? 'application/json' : 'application/octet-stream' }) }
  } catch {
    const objects = new Map<string, Uint8Array>()
    ctx.gateway.addRoute((req, res, url) => {
      const path = url.pathname.replace(/^\/+/, '')
      if (!path.startsWith(`${root}/`)) return false
      const b = req.method === 'GET' || req.method === 'HEAD' ? objects.get(path) : undefined
      if (!b) {
        sendJson(res, 404, { code: 'NOT_FOUND', message: `no object ${path}` })
        return true
      }
      cors(res)
      res.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream', 'content-length': b.length, 'cache-control': 'no-cache' })
      res.end(req.method === 'HEAD' ? undefined : b)
      return true
    })
    return { url: ctx.gateway.url, indexPath: `${root}/index.json`, put: (p, b) => void objects.set(p, b) }
  }
}

export const snapshotService: DevnetService = async (ctx) => {
  const every: SnapshotEvery = ctx.opts.snapshotEvery ?? { checkpoints: 4 }
  const windowSize = ctx.opts.snapshotWindow ?? SNAPSHOT_WINDOW
  const pub = publisherFor(ctx)
  const root = `v1/${ctx.opts.l2ChainId}/snapshots`
  const ring: Mined[] = []
  const published: SnapshotIndexEntry[] = []
  let since = 0
  let lastAt = Date.now()
  let chain: Promise<void> = Promise.resolve()

  const publish = async (window: Mined[]) => {
    const anchor = window.at(-1)!
    const tx = await ctx.l1.getTransaction({ hash: anchor.l1.txHash })
    const { args } = decodeFunctionData({ abi: vigilRollupAbi, data: tx.input }) as { args: readonly [Hex, Hex] }
    const attestations = decodeAttestationSignatures(hexToBytes(args[1]))
    const epoch = epochOfSlot(ctx.schedule, anchor.built.checkpoint.slot)
    const committee = (await ctx.committeeOf(epoch)).map((v) => v.address.toLowerCase() as Address)
    const snap: Snapshot = {
      version: SNAPSHOT_VERSION,
      l2ChainId: ctx.opts.l2ChainId,
      rollup: ctx.rollup,
      createdAt: Date.now(),
      checkpoints: window.map((m) => ({ checkpoint: m.built.checkpoint, headerSignatures: m.blocks.map((b) => b.proposal.signature), l1: m.l1 })),
      attestations,
      committee: { epoch, members: committee },
    }
    const bytes = encodeSnapshot(snap)
    const cp = anchor.built.checkpoint
    const last = anchor.blocks.at(-1)!
    const name = `snapshot-${String(cp.checkpointNumber).padStart(8, '0')}.bin`
    pub.put(`${root}/${name}`, bytes, false)
    const entry: SnapshotIndexEntry = {
      name,
      height: last.header.height,
      hash: last.hash,
      checkpointNumber: cp.checkpointNumber,
      l1BlockNumber: anchor.l1.blockNumber,
      createdAt: snap.createdAt,
      bytes: bytes.length,
      sha256: bytesToHex(sha256(bytes)),
    }
    published.unshift(entry)
    published.length = Math.min(published.length, KEEP_SNAPSHOTS + 1)
    const index: SnapshotIndex = { version: SNAPSHOT_INDEX_VERSION, l2ChainId: ctx.opts.l2ChainId, rollup: ctx.rollup, latest: entry, older: published.slice(1) }
    pub.put(pub.indexPath, new TextEncoder().encode(JSON.stringify(index)), true)
    ctx.log(`snapshot ${name}: checkpoints ${window[0]!.built.checkpoint.checkpointNumber}–${cp.checkpointNumber}, height ${entry.height}, ${bytes.length} bytes`)
  }

  const off = ctx.events.on('checkpoint', (m) => {
    const n = m.built.checkpoint.checkpointNumber
    // a re-posted checkpoint (after an L1 reorg) replaces what it replaced; a gap restarts the window
    while (ring.length && ring.at(-1)!.built.checkpoint.checkpointNumber >= n) ring.pop()
    if (ring.length && ring.at(-1)!.built.checkpoint.checkpointNumber + 1 !== n) ring.length = 0
    ring.push(m)
    if (ring.length > windowSize) ring.shift()
    since++
    const due = 'checkpoints' in every ? since >= every.checkpoints : Date.now() - lastAt >= every.seconds * 1000
    if (!due && Date.now() - lastAt < MAX_AGE_MS) return
    since = 0
    lastAt = Date.now()
    const window = [...ring]
    chain = chain.then(() => publish(window)).catch((e) => ctx.log.error('snapshot not published', e))
  })
  ctx.onStop(async () => {
    off()
    await chain
  })
  ctx.info.snapshotUrl = `${pub.url}/${pub.indexPath}`
  ctx.log(`snapshots at ${ctx.info.snapshotUrl} (every ${'checkpoints' in every ? `${every.checkpoints} checkpoints` : `${every.seconds} s`})`)
}
