/**
 * A light client as a req/resp responder (issue 3 item 8: browsers serve too): status,
 * headers by range and bodies by hash answered from what this client holds and verified.
 *
 * - Headers: every canonical header the store (IndexedDB) holds with the proposer signature it
 *   verified, not only the engine's in-memory window. "Canonical" below the window = the chain
 *   of parent links down from the window (the store may hold several candidates per height:
 *   orphaned ones, provisional forks); a block without a signature (learnt from L1 only)
 *   cannot be served, so the announced range stops above it.
 * - status: `latest` = the highest canonical block (≤ 64 below the proposed tip) stored with its
 *   proposer signature; `earliestHeader` = the lowest height reached walking the parent links
 *   down from it through the store without a hole or an unsigned block. The walk reads the
 *   store in batches of BATCH heights, at most WALK_BUDGET heights per status computation (a
 *   deeper store is finished over the next calls: the walk resumes where it stopped), and is
 *   memoised: the next walk stops at the previous top (its floor is known), so a status costs
 *   the blocks added since. Every ANCHOR_EVERY heights the walk notes the canonical hash, so a
 *   range below the window is found with one bounded read (range + ANCHOR_EVERY heights).
 * - bodies: the light mode holds none, so `earliestBody` > `latest` (nothing announced);
 *   `bodiesByHash` still answers whatever bodies the store holds.
 * - Bounded: one status computation per second at most (cached), ≤ 64 headers / ≤ 16 bodies
 *   per call (the protocol caps), every store read limited in heights and rows.
 */
import type { Hex } from '../../core/types'
import { ZERO_HASH } from '../../protocol/bytes'
import { decodeHeader } from '../../protocol/header'
import { SIGNED_HEADER_VERSION, type SignedHeader } from '../../protocol/signed-header'
import type { ChainServer, ChainStatus } from '../../p2p/protocols/common'
import type { ChainStore } from '../../store/chain-store'
import type { BlockRow } from '../../store/db'
import type { SyncEngine } from '../../sync/engine'

const STATUS_CACHE_MS = 1_000
/** How far below the proposed tip `latest` may sit (the newest blocks may not be signed/stored yet). */
const TIP_LAG = 64
const MAX_HEADERS = 64
const MAX_BODIES = 16
/** Heights per store read while walking down. */
const BATCH = 256
/** Rows per store read (forks leave several candidates per height). */
const BATCH_ROWS = 4_096
/** Heights walked per status computation. */
const WALK_BUDGET = 20_000
/** A canonical hash is noted every this many heights (for ranges below the in-memory window). */
const ANCHOR_EVERY = 128
/** Memoised walks are forgotten after this long (the store may have forgotten blocks since). */
const MEMO_TTL_MS = 10 * 60_000
const MAX_MEMO = 1_024
const MAX_ANCHORS = 65_536

/** What the server needs of the engine: the tips and its in-memory canonical chain. */
export type ServedEngine = Pick<SyncEngine, 'getTips' | 'canonicalBlock'>

export interface LightChainServerOptions {
  /** Heights walked per status computation (default 20 000). */
  walkBudget?: number
}

type Link = Pick<BlockRow, 'hash' | 'height' | 'parentHash'>

const servable = (row: BlockRow | undefined): row is BlockRow => !!row?.proposalSignature && row.status !== 'invalid' && row.status !== 'orphaned'

export function lightChainServer(engine: ServedEngine, store: ChainStore, opts: LightChainServerOptions = {}): ChainServer {
  const walkBudget = Math.max(1, opts.walkBudget ?? WALK_BUDGET)
  let cached: { at: number; status: Promise<ChainStatus> } | null = null
  // hash → the lowest block reached walking down from it, and whether the walk is complete there
  let floors = new Map<Hex, { bottom: Link; done: boolean }>()
  let floorsAt = Date.now()
  // height → canonical hash, every ANCHOR_EVERY heights (noted by the walks)
  const anchors = new Map<number, Hex>()

  const noteAnchor = (row: Link) => {
    if (row.height % ANCHOR_EVERY !== 0) return
    if (anchors.size >= MAX_ANCHORS && !anchors.has(row.height)) anchors.clear()
    anchors.set(row.height, row.hash)
  }

  /** The lowest height reachable from `top` by parent links through servable stored rows. */
  const floorOf = async (top: BlockRow): Promise<number> => {
    if (Date.now() - floorsAt > MEMO_TTL_MS || floors.size >= MAX_MEMO) {
      floors = new Map()
      floorsAt = Date.now()
    }
    const memo = floors.get(top.hash)
    let bottom: Link = memo?.bottom ?? top
    let done = memo?.done ?? top.height <= 1
    let budget = walkBudget
    while (!done && budget > 0) {
      const hi = bottom.height - 1
      const lo = Math.max(1, hi - BATCH + 1)
      const rows = await store.blocksBetween(lo, hi, BATCH_ROWS)
      const byHash = new Map(rows.map((r) => [r.hash, r]))
      while (!done && budget > 0 && bottom.height > lo) {
        const parent = byHash.get(bottom.parentHash)
        if (!servable(parent) || parent.height !== bottom.height - 1) {
          done = true
          break
        }
        bottom = parent
        budget--
        noteAnchor(parent)
        const known = floors.get(parent.hash)
        if (known) {
          // an earlier walk went below this block already
          bottom = known.bottom
          done = known.done
          break
        }
        if (parent.height <= 1) done = true
      }
    }
    floors.set(top.hash, { bottom, done })
    return bottom.height
  }

  const compute = async (): Promise<ChainStatus> => {
    const tip = engine.getTips().proposed
    const none: ChainStatus = { earliestHeader: 1, earliestBody: 1, latest: 0, headHash: ZERO_HASH }
    if (!tip || engine.canonicalBlock(tip.height)?.hash !== tip.hash) return none
    // the highest signed canonical block near the tip
    let top: BlockRow | undefined
    for (let h = tip.height; h >= 1 && tip.height - h < TIP_LAG && !top; h--) {
      const b = engine.canonicalBlock(h)
      if (!b) continue
      const row = await store.getBlock(b.hash)
      if (servable(row)) top = row
    }
    if (!top) return none
    noteAnchor(top)
    const lo = await floorOf(top)
    return { earliestHeader: lo, earliestBody: top.height + 1, latest: top.height, headHash: top.hash }
  }
  const status = (): Promise<ChainStatus> => {
    const now = Date.now()
    if (cached && now - cached.at < STATUS_CACHE_MS) return cached.status
    const p = compute()
    cached = { at: now, status: p }
    p.catch(() => (cached = null))
    return p
  }

  /** The canonical hash at `height` if known: the engine's window, else a walk's anchor. */
  const knownHash = (height: number): Hex | undefined => engine.canonicalBlock(height)?.hash ?? anchors.get(height)

  return {
    status,
    async headersByRange(from, count, signal) {
      const n = Math.min(count, MAX_HEADERS)
      if (n <= 0 || from < 1) return []
      const to = from + n - 1
      // one bounded read: the range and the heights above it up to the next anchor
      const rows = await store.blocksBetween(from, to + ANCHOR_EVERY, BATCH_ROWS)
      if (signal.aborted) return []
      const byHash = new Map(rows.map((r) => [r.hash, r]))
      // anchors to walk down from: the lowest known canonical block at or above `to`, else the highest below it
      const candidates: number[] = []
      for (let h = to; h <= to + ANCHOR_EVERY; h++) candidates.push(h)
      for (let h = to - 1; h >= from; h--) candidates.push(h)
      let below = Infinity // a walk broke above this height: anchors at or above it cannot reach `from`
      for (const h of candidates) {
        if (h >= below) continue
        const hash = knownHash(h)
        const anchor = hash ? byHash.get(hash) : undefined
        if (!anchor) continue
        const chain: BlockRow[] = []
        let cur: BlockRow | undefined = anchor
        while (cur && cur.height > from) {
          if (cur.height <= to) chain.push(cur)
          const parent: BlockRow | undefined = byHash.get(cur.parentHash)
          if (!parent || parent.height !== cur.height - 1) {
            below = Math.min(below, cur.height)
            cur = undefined
            break
          }
          cur = parent
        }
        if (!cur) continue
        chain.push(cur)
        const out: SignedHeader[] = []
        for (let i = chain.length - 1; i >= 0; i--) {
          const row = chain[i]!
          const signature = row.proposalSignature
          if (!signature || !servable(row)) break
          out.push({ version: SIGNED_HEADER_VERSION, header: decodeHeader(row.headerBytes), signature })
        }
        return out
      }
      return []
    },
    async bodiesByHash(hashes, signal) {
      const out: { hash: Hex; bytes: Uint8Array }[] = []
      for (const hash of hashes.slice(0, MAX_BODIES)) {
        if (signal.aborted) break
        const body = await store.getBody(hash.toLowerCase() as Hex)
        if (body) out.push({ hash, bytes: body.bytes })
      }
      return out
    },
  }
}
