/**
 * The devnet's trusted L2 RPC (op-node's "backup sync" peer): plain HTTP JSON on the gateway.
 *
 *   GET /l2/head          → { height, hash }           (the proposer's current chain head)
 *   GET /l2/block/<n>     → { height, hash, signedHeader, body }   (hex; 404 when unknown)
 *
 * `signedHeader` is the SignedHeader codec (header + proposer signature), `body` the
 * canonical body bytes: a client verifies them exactly like gossip (docs/backup-sync.md).
 * Blocks are served as soon as they are built (they are the sequencer's own), and blocks of a
 * checkpoint that failed to land disappear with it. `ctx.info.l2RpcUrl` = `<gateway>/l2`.
 *
 * Faults: `corrupt-l2rpc` serves bodies with one byte flipped (the header stays valid).
 */
import type { Hex } from '../../core/types'
import { ZERO_HASH, bytesToHex } from '../../protocol/bytes'
import { encodeSignedHeader, SIGNED_HEADER_VERSION } from '../../protocol/signed-header'
import type { BuiltBlock } from '../builder'
import { sendJson } from '../gateway'
import type { DevnetService } from '../context'

export const L2RPC_PATH = '/l2'
/** Blocks kept for serving (older ones answer 404, like a pruned RPC). */
const KEEP_BLOCKS = 50_000

export interface L2RpcBlockJson {
  height: number
  hash: Hex
  /** encodeSignedHeader(): version ‖ header ‖ proposer signature. */
  signedHeader: Hex
  /** The canonical body bytes. */
  body: Hex
}

export const l2RpcService: DevnetService = async (ctx) => {
  const byHeight = new Map<number, BuiltBlock>()
  let head = 0
  const offBlock = ctx.events.on('block', (b) => {
    // a rebuilt height (after a failed checkpoint) replaces what was there
    byHeight.set(b.header.height, b)
    for (let h = b.header.height + 1; h <= head; h++) byHeight.delete(h)
    head = b.header.height
    byHeight.delete(head - KEEP_BLOCKS)
  })
  const offFailed = ctx.events.on('checkpoint-failed', ({ blocks }) => {
    for (const b of blocks) if (byHeight.get(b.header.height)?.hash === b.hash) byHeight.delete(b.header.height)
    while (head > 0 && !byHeight.has(head)) head--
  })
  ctx.onStop(async () => {
    offBlock()
    offFailed()
  })

  ctx.gateway.addRoute((req, res, url) => {
    if (!url.pathname.startsWith(`${L2RPC_PATH}/`)) return false
    if (req.method !== 'GET') {
      sendJson(res, 405, { code: 'CONFIG_INVALID', message: 'the L2 RPC answers GET only' })
      return true
    }
    const rest = url.pathname.slice(L2RPC_PATH.length)
    if (rest === '/head') {
      const b = byHeight.get(head)
      sendJson(res, 200, { height: b ? head : 0, hash: b?.hash ?? ZERO_HASH })
      return true
    }
    const m = /^\/block\/(\d{1,15})$/.exec(rest)
    if (!m) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: `no L2 RPC route ${url.pathname}` })
      return true
    }
    const b = byHeight.get(Number(m[1]))
    if (!b) {
      sendJson(res, 404, { code: 'NOT_FOUND', message: `no block at height ${m[1]}` })
      return true
    }
    let body = b.bodyBytes
    if (ctx.faults.has('corrupt-l2rpc')) {
      body = body.slice()
      body[body.length - 1] = body[body.length - 1]! ^ 0xff
    }
    const out: L2RpcBlockJson = {
      height: b.header.height,
      hash: b.hash,
      signedHeader: bytesToHex(encodeSignedHeader({ version: SIGNED_HEADER_VERSION, header: b.header, signature: b.proposal.signature })),
      body: bytesToHex(body),
    }
    sendJson(res, 200, out)
    return true
  })
  ctx.info.l2RpcUrl = `${ctx.gateway.url}${L2RPC_PATH}`
  ctx.log(`L2 RPC at ${ctx.info.l2RpcUrl}`)
}
