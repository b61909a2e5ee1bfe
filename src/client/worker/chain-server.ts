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
 * - bodies (issue 12 item 4: full-mode clients serve the bodies they hold): the light mode
 *   keeps none, so `earliestBody` > `latest` (nothing announced). The full mode announces
 *   `earliestBody` = the lowest height from which it holds the verified body of every block up
 *   to `latest` (walking the same parent links down, a second memoised walk that resumes at the
 *   first block still missing its body: history bodies arrive oldest first, so the run grows
 *   down as they land). So that the run is not cut by the newest blocks, whose bodies often
 *   arrive after their headers, a full client's `latest` is the highest signed canonical block
 *   near the tip whose body it holds (the plain highest signed one when it holds none there).
 *   `bodiesByHash` serves a body only when its block is stored, not invalid, marked body-verified,
 *   and the stored bytes still hash to the header's `bodyHash` (never an unverified body).
 * - Bounded: one status computation per second at most (cached), ≤ 64 headers / ≤ 16 bodies
 *   per call (the protocol caps), every store read limited in heights and rows.
 */
import type { Hex } from '../../core/types'
import { ZERO_HASH } from '../../protocol/bytes'
import { decodeHeader } from '../../protocol/header'
import { keccak256Hex } from '../../protocol/hash'
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
  /** The client's mode: only `full` keeps bodies, so only a full client announces any (default light). */
  mode?: 'light' | 'full'
}

type Link = Pick<BlockRow, 'hash' | 'height' | 'parentHash'>

const servable = (row: BlockRow | undefined): row is BlockRow => !!row?.proposalSignature && row.status !== 'invalid' && row.status !== 'orphaned'
/** A full client stores a body only once it verified against the header (SyncEngine.acceptBody). */
const bodyHeld = (row: BlockRow): boolean => row.checks.body === true && !!row.bodySource

/** Where a walk down stopped: `bottom` is the lowest block reached; `done` when nothing below can ever join (a hole, height 1). */
interface Floor {
  bottom: Link
  done: boolean
}

export function lightChainServer(engine: ServedEngine, store: ChainStore, opts: LightChainServerOptions = {}): ChainServer {
  const walkBudget = Math.max(1, opts.walkBudget ?? WALK_BUDGET)
  const full = opts.mode === 'full'
  let cached: { at: number; status: Promise<ChainStatus> } | null = null
  // height → canonical hash, every ANCHOR_EVERY heights (noted by the walks)
  const anchors = new Map<number, Hex>()

  const noteAnchor = (row: Link) => {
    if (row.height % ANCHOR_EVERY !== 0) return
    if (anchors.size >= MAX_ANCHORS && !anchors.has(row.height)) anchors.clear()
    anchors.set(row.height, row.hash)
  }

  /**
   * A memoised walk down the parent links from a top through stored rows: `joins(parent)` says
   * whether the parent extends the run (`true`), ends it for good (`'end'`: a hole, an unsigned
   * block) or ends it for now (`'later'`: a body not held yet; the next walk retries there).
   */
  const walker = (joins: (parent: BlockRow | undefined, child: Link) => true | 'end' | 'later') => {
    let memo = new Map<Hex, Floor>()
    let memoAt = Date.now()
    return async (top: BlockRow): Promise<number> => {
      if (Date.now() - memoAt > MEMO_TTL_MS || memo.size >= MAX_MEMO) {
        memo = new Map()
        memoAt = Date.now()
      }
      const known0 = memo.get(top.hash)
      let bottom: Link = known0?.bottom ?? top
      let done = known0?.done ?? top.height <= 1
      let stalled = false
      let budget = walkBudget
      while (!done && !stalled && budget > 0) {
        const hi = bottom.height - 1
        const lo = Math.max(1, hi - BATCH + 1)
        const rows = await store.blocksBetween(lo, hi, BATCH_ROWS)
        const byHash = new Map(rows.map((r) => [r.hash, r]))
        while (!done && budget > 0 && bottom.height > lo) {
          const parent = byHash.get(bottom.parentHash)
          const verdict = joins(parent, bottom)
          if (verdict !== true || !parent) {
            if (verdict === 'later') stalled = true
            else done = true
            break
          }
          bottom = parent
          budget--
          noteAnchor(parent)
          const known = memo.get(parent.hash)
          if (known) {
            // an earlier walk went below this block already
            bottom = known.bottom
            done = known.done
            break
          }
          if (parent.height <= 1) done = true
        }
      }
      memo.set(top.hash, { bottom, done })
      return bottom.height
    }
  }

  const linked = (parent: BlockRow | undefined, child: Link): parent is BlockRow => servable(parent) && parent.height === child.height - 1
  /** The lowest height reachable from `top` by parent links through servable stored rows. */
  const floorOf = walker((parent, child) => (linked(parent, child) ? true : 'end'))
  /** The lowest height reachable from `top` (which holds its body) through servable rows that hold theirs. */
  const bodyFloorOf = walker((parent, child) => (!linked(parent, child) ? 'end' : bodyHeld(parent) ? true : 'later'))

  const compute = async (): Promise<ChainStatus> => {
    const tip = engine.getTips().proposed
    const none: ChainStatus = { earliestHeader: 1, earliestBody: 1, latest: 0, headHash: ZERO_HASH }
    if (!tip || engine.canonicalBlock(tip.height)?.hash !== tip.hash) return none
    // the highest signed canonical block near the tip (full mode: the highest such that holds its body, if any)
    let top: BlockRow | undefined
    let signedTop: BlockRow | undefined
    for (let h = tip.height; h >= 1 && tip.height - h < TIP_LAG && !top; h--) {
      const b = engine.canonicalBlock(h)
      if (!b) continue
      const row = await store.getBlock(b.hash)
      if (!servable(row)) continue
      signedTop ??= row
      if (!full || bodyHeld(row)) top = row
    }
    top ??= signedTop
    if (!top) return none
    noteAnchor(top)
    const lo = await floorOf(top)
    const earliestBody = full && bodyHeld(top) ? Math.max(lo, await bodyFloorOf(top)) : top.height + 1
    return { earliestHeader: lo, earliestBody, latest: top.height, headHash: top.hash }
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
      const asked = hashes.slice(0, MAX_BODIES)
      if (asked.length === 0 || signal.aborted) return out
      const rows = await Promise.all(asked.map((h) => store.getBlock(h.toLowerCase() as Hex)))
      // only bodies of stored, body-verified blocks that are not invalid
      const wanted = asked.flatMap((hash, i) => {
        const row = rows[i]
        return row && row.status !== 'invalid' && bodyHeld(row) ? [{ hash, row }] : []
      })
      if (wanted.length === 0 || signal.aborted) return out
      const bodies = await store.getBodies(wanted.map((w) => w.row.hash))
      wanted.forEach(({ hash, row }, i) => {
        const body = bodies[i]
        // the stored bytes must still be the body the header commits to
        if (body && keccak256Hex(body.bytes) === decodeHeader(row.headerBytes).bodyHash.toLowerCase()) out.push({ hash, bytes: body.bytes })
      })
      return out
    },
  }
}
