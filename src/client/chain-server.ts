/**
 * A light client as a req/resp responder (issue 3 item 8: browsers serve too): status,
 * headers by range and bodies by hash answered from what this client holds and verified.
 *
 * - Headers: the canonical chain the engine keeps in memory (its recent window), each row read
 *   from the store with the proposer signature it verified; a block without a signature (learnt
 *   from L1 only) cannot be served, so the announced range stops below it.
 * - status: `latest` = the highest canonical block (≤ 64 below the proposed tip) stored with its
 *   proposer signature; `earliestHeader` = the lowest height reached walking the canonical
 *   chain down from it without a hole or an unsigned block; bodies: the light mode holds
 *   none, so `earliestBody` > `latest` (nothing announced); `bodiesByHash` still answers
 *   whatever bodies the store holds.
 * - Bounded: one status walk per second at most (cached), ≤ 64 headers / ≤ 16 bodies per call
 *   (the protocol caps), the walk stops after MAX_WALK heights.
 */
import type { Hex } from '../core/types'
import { ZERO_HASH } from '../protocol/bytes'
import { decodeHeader } from '../protocol/header'
import { SIGNED_HEADER_VERSION, type SignedHeader } from '../protocol/signed-header'
import type { ChainServer, ChainStatus } from '../p2p/protocols/common'
import type { ChainStore } from '../store/chain-store'
import type { SyncEngine } from '../sync/engine'

const MAX_WALK = 100_000
const STATUS_CACHE_MS = 1_000

export function lightChainServer(engine: SyncEngine, store: ChainStore): ChainServer {
  let cached: { at: number; status: Promise<ChainStatus> } | null = null
  // hash → whether the stored row carries a proposer signature (bounded memo: status walks stay cheap)
  const signed = new Map<Hex, boolean>()
  const isSigned = async (hash: Hex): Promise<boolean> => {
    const known = signed.get(hash)
    if (known !== undefined) return known
    const row = await store.getBlock(hash)
    const ok = !!row?.proposalSignature && row.status !== 'invalid' && row.status !== 'orphaned'
    if (signed.size >= MAX_WALK) signed.clear()
    signed.set(hash, ok)
    return ok
  }
  const compute = async (): Promise<ChainStatus> => {
    const tip = engine.getTips().proposed
    const none: ChainStatus = { earliestHeader: 1, earliestBody: 1, latest: 0, headHash: ZERO_HASH }
    if (!tip || engine.canonicalBlock(tip.height)?.hash !== tip.hash) return none
    // the highest signed canonical block, then down without a hole or an unsigned block
    let hi = tip.height
    while (hi >= 1 && tip.height - hi < 64) {
      const b = engine.canonicalBlock(hi)
      if (b && (await isSigned(b.hash))) break
      hi--
    }
    const top = hi >= 1 ? engine.canonicalBlock(hi) : undefined
    if (!top) return none
    let lo = hi
    while (lo > 1 && hi - lo < MAX_WALK) {
      const b = engine.canonicalBlock(lo - 1)
      if (!b || !(await isSigned(b.hash))) break
      lo--
    }
    return { earliestHeader: lo, earliestBody: hi + 1, latest: hi, headHash: top.hash }
  }
  const status = (): Promise<ChainStatus> => {
    const now = Date.now()
    if (cached && now - cached.at < STATUS_CACHE_MS) return cached.status
    const p = compute()
    cached = { at: now, status: p }
    p.catch(() => (cached = null))
    return p
  }
  return {
    status,
    async headersByRange(from, count, signal) {
      const out: SignedHeader[] = []
      for (let h = from; h < from + Math.min(count, 64); h++) {
        if (signal.aborted) break
        const b = engine.canonicalBlock(h)
        if (!b) break
        const row = await store.getBlock(b.hash)
        if (!row?.proposalSignature || row.status === 'invalid' || row.status === 'orphaned') break
        out.push({ version: SIGNED_HEADER_VERSION, header: decodeHeader(row.headerBytes), signature: row.proposalSignature })
      }
      return out
    },
    async bodiesByHash(hashes, signal) {
      const out: { hash: Hex; bytes: Uint8Array }[] = []
      for (const hash of hashes.slice(0, 16)) {
        if (signal.aborted) break
        const body = await store.getBody(hash.toLowerCase() as Hex)
        if (body) out.push({ hash, bytes: body.bytes })
      }
      return out
    },
  }
}
