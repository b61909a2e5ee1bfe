/**
 * The canonical chain as this client sees it: the recent blocks by hash, the canonical index
 * (height → hash, gaps allowed while blocks are missing), statuses and their counts, the tips
 * and the reorg records. It decides which block holds a height (adopt, with the orphaning
 * rules), raises statuses (promote), takes blocks off the chain (mark invalid, L1 rollback)
 * and links children that arrived before their parent.
 *
 * It knows neither the store nor L1: rows outside memory come from the injected `storedRow`,
 * the reorg cause asks the injected `hasDoubleProposal`, and every change it makes is put in
 * the step's `StoreUpdate`, which the engine commits in one transaction.
 */
import { VigilError, type ErrorRecord } from '../core/errors'
import { STATUS_RANK, ALL_STATUSES, type Address, type BlockStatus, type Hex, type LiveStatus, type Tips } from '../core/types'
import type { BlockChecks, BlockSummary, ReorgRecord } from '../core/records'
import { decodeHeader, toDecodedHeader, type BlockHeader, type DecodedHeader } from '../protocol/header'
import { verifyGenesisLink, verifyLinkage } from '../verify/rules'
import type { BlockRow, StoreUpdate } from '../ports/store'
import { blockRow, computeTips, emptyTips, raiseTips, statusBeforeInvalid, summarize, touch } from './rows'

/** Blocks this far below the proposed tip leave memory (the store keeps them). */
export const RECENT_WINDOW = 1024
const RECENT_REORGS = 25

export interface ChainDeps {
  now: () => number
  /** A stored row for a hash not in memory (the store has every block). */
  storedRow?: (hash: Hex) => Promise<BlockRow | undefined>
  /** True when this slot position was proposed twice (the reorg is then the equivocation's). */
  hasDoubleProposal?: (proposer: Address, slot: number, index: number) => boolean
  /** A child that arrived before its parent does not link to it (its `linkage` is now false). */
  onLinkFailure?: (child: BlockRow, error: unknown, update: StoreUpdate) => void
  log?: (msg: string) => void
}

const emptyCounts = (): Record<BlockStatus, number> => ({ proposed: 0, attested: 0, mined: 0, finalized: 0, orphaned: 0, invalid: 0 })

export class CanonicalChain {
  private readonly blocks = new Map<Hex, BlockRow>()
  private readonly canonical = new Map<number, Hex>()
  /** Each row's decoded header, so linking never decodes a parent again. */
  private readonly headers = new WeakMap<BlockRow, DecodedHeader>()
  private tips: Tips = emptyTips()
  private counts = emptyCounts()
  private reorgs: ReorgRecord[] = []

  constructor(private readonly deps: ChainDeps) {}

  // ------------------------------------------------------------ state in and out

  /** Restores from the store: tips, counts, recent reorgs and the recent rows (ascending). */
  restore(state: { tips: Tips | null; counts: Record<BlockStatus, number>; reorgs: ReorgRecord[]; rows: BlockRow[] }): void {
    this.counts = { ...emptyCounts(), ...state.counts }
    this.reorgs = state.reorgs.slice(0, RECENT_REORGS)
    if (state.tips) this.tips = { ...state.tips }
    for (const r of state.rows) {
      this.blocks.set(r.hash, r)
      if (r.status !== 'orphaned' && r.status !== 'invalid') this.canonical.set(r.height, r.hash)
    }
  }

  getTips(): Tips {
    return { ...this.tips }
  }
  getCounts(): Record<BlockStatus, number> {
    const out = {} as Record<BlockStatus, number>
    for (const s of ALL_STATUSES) out[s] = this.counts[s]
    return out
  }
  getReorgs(): ReorgRecord[] {
    return [...this.reorgs]
  }

  /** A block in memory. */
  peek(hash: Hex): BlockRow | undefined {
    return this.blocks.get(hash)
  }

  /** A block in memory or, through `storedRow`, in the store (then kept in memory). */
  async get(hash: Hex): Promise<BlockRow | undefined> {
    const mem = this.blocks.get(hash)
    if (mem) return mem
    const row = await this.deps.storedRow?.(hash)
    if (row) this.blocks.set(hash, row)
    return row
  }

  /** The decoded header of a row (decoded at most once per row). */
  headerOf(row: BlockRow): DecodedHeader {
    let h = this.headers.get(row)
    if (!h) {
      h = decodeHeader(row.headerBytes)
      this.headers.set(row, h)
    }
    return h
  }

  // ------------------------------------------------------------ rows and statuses

  /** A new row for header `h` (counted in `status`). The row is not on the chain until adopted. */
  newRow(header: BlockHeader, status: BlockStatus, checks: BlockChecks, source: string, sig: Uint8Array | null): BlockRow {
    const h = toDecodedHeader(header)
    this.counts[status]++
    const row = blockRow(h, status, checks, source, sig, this.deps.now())
    this.headers.set(row, h)
    return row
  }

  setStatus(row: BlockRow, status: BlockStatus): void {
    if (row.status === status) return
    this.counts[row.status] = Math.max(0, this.counts[row.status] - 1)
    this.counts[status]++
    row.status = status
    row.history.push([status, this.deps.now()])
  }

  /** Raises a block's status (never lowers it) and merges check results. */
  promote(row: BlockRow, status: LiveStatus, checks: BlockChecks, update?: StoreUpdate): void {
    row.checks = { ...row.checks, ...checks }
    const cur = row.status
    if (cur === 'invalid' || cur === 'orphaned') return
    if (STATUS_RANK[status] > STATUS_RANK[cur as LiveStatus]) {
      this.setStatus(row, status)
      if (this.canonical.get(row.height) === row.hash) this.raiseTips(row)
    }
    if (update) touch(update, row)
  }

  /**
   * Rows for headers about to reach `status` (one checkpoint's, in order): existing rows are
   * promoted (orphaned ones revived), unknown ones created. A new row's `linkage` is true for
   * the headers after the first (the checkpoint's own headers were checked against each other)
   * and, for the first, `firstLink`: true when its link to its parent was checked (the parent
   * held), false when it failed, unset while the parent is unknown (`linkChildren` checks it when
   * the parent arrives). Without `firstLink`, `checks` decides (the mined path checks the link to
   * the previous mined checkpoint itself).
   */
  async rowsForHeaders(headers: BlockHeader[], status: LiveStatus, checks: BlockChecks, source: string, opts: { firstLink?: boolean | null } = {}): Promise<BlockRow[]> {
    const rows: BlockRow[] = []
    for (const [i, header] of headers.entries()) {
      const h = toDecodedHeader(header)
      const existing = await this.get(h.hash)
      if (existing) {
        if (existing.status === 'orphaned') {
          existing.history.push([status, this.deps.now()])
          this.counts.orphaned--
          this.counts[status]++
          existing.status = status
          existing.checks = { ...existing.checks, ...checks }
        } else this.promote(existing, status, checks)
        rows.push(existing)
      } else {
        const c: BlockChecks = { ...checks, linkage: true }
        if (i === 0 && opts.firstLink !== undefined) {
          if (opts.firstLink === null) delete c.linkage
          else c.linkage = opts.firstLink
        }
        rows.push(this.newRow(h, status, c, source, null))
      }
    }
    return rows
  }

  /** Marks a block invalid; a canonical one leaves the canonical chain and the tips are recomputed. */
  markInvalid(row: BlockRow, error: ErrorRecord, update: StoreUpdate): void {
    const wasCanonical = this.canonical.get(row.height) === row.hash
    this.setStatus(row, 'invalid')
    row.error = error
    this.blocks.set(row.hash, row)
    if (wasCanonical) {
      this.canonical.delete(row.height)
      this.recomputeTips()
    }
    touch(update, row)
  }

  // ------------------------------------------------------------ the canonical chain

  /**
   * Puts `rows` (consecutive blocks, ascending) on the canonical chain. Where the canonical
   * chain holds a different, not-yet-mined block at one of their heights, that block and every
   * canonical block above it are orphaned and a reorg is recorded. A provisional block
   * conflicting with the mined chain never wins: it is orphaned instead.
   */
  adopt(rows: BlockRow[], update: StoreUpdate, cause: ReorgRecord['cause']): void {
    if (rows.length === 0) return
    const orphaned: BlockRow[] = []
    for (const row of rows) {
      const current = this.canonical.get(row.height)
      if (current && current !== row.hash) {
        const cur = this.blocks.get(current)
        if (cur && (cur.status === 'mined' || cur.status === 'finalized') && row.status !== 'mined') {
          // a provisional block conflicting with the mined chain never wins
          this.setStatus(row, 'orphaned')
          update.blocks!.push(row)
          this.blocks.set(row.hash, row)
          return
        }
        if (orphaned.length === 0) {
          const top = Math.max(...this.canonical.keys())
          const last = rows[rows.length - 1]!
          // canonical blocks above the adopted rows that descend from them stay: they arrived
          // before their parent (e.g. built on a block that was never gossiped); linkChildren links them
          let descends: Hex | null = last.hash
          for (let h = row.height; h <= top; h++) {
            const hh = this.canonical.get(h)
            const b = hh ? this.blocks.get(hh) : undefined
            if (h > last.height) {
              if (descends !== null && b && b.parentHash === descends) {
                descends = b.hash
                continue
              }
              descends = null
            }
            if (b && !rows.some((r) => r.hash === b.hash)) orphaned.push(b)
          }
        }
      }
    }
    for (const b of orphaned) {
      this.canonical.delete(b.height)
      this.setStatus(b, 'orphaned')
      update.blocks!.push(b)
    }
    for (const row of rows) {
      this.blocks.set(row.hash, row)
      this.canonical.set(row.height, row.hash)
      touch(update, row)
    }
    if (orphaned.length > 0) {
      const fromHeight = Math.min(...orphaned.map((b) => b.height))
      // a replaced block whose slot position was proposed twice: the reorg is the equivocation's
      const equivocated = orphaned.some((b) => this.deps.hasDoubleProposal?.(b.proposer, b.slot, b.indexInCheckpoint) ?? false)
      this.recordReorg(
        {
          depth: orphaned.length,
          fromHeight,
          oldHashes: orphaned.sort((a, b) => a.height - b.height).map((b) => b.hash),
          newHashes: rows.filter((r) => r.height >= fromHeight).map((r) => r.hash),
          cause: equivocated ? 'equivocation' : cause,
        },
        update,
      )
      this.recomputeTips()
    } else {
      for (const row of rows) this.raiseTips(row)
    }
    this.linkChildren(rows, update)
    this.evict()
  }

  /**
   * The link of a new header to its parent: 'linked' (verified, or block 1 on the genesis),
   * 'unknown' (parent not seen yet), or the linkage error.
   */
  async linkParent(h: BlockHeader): Promise<'linked' | 'unknown' | VigilError> {
    try {
      if (h.height === 1) {
        verifyGenesisLink(h)
        return 'linked'
      }
      const parent = await this.get(h.parentHash)
      if (!parent) return 'unknown'
      verifyLinkage(this.headerOf(parent), h)
      return 'linked'
    } catch (e) {
      return e instanceof VigilError ? e : new VigilError('INTERNAL', String(e))
    }
  }

  /**
   * Blocks that arrived before their parent (accepted unlinked) are linked once the parent is
   * here: the same verifyLinkage as for a block whose parent was known. A child that does not
   * link (e.g. wrong stateRoot) gets `linkage: false` and `onLinkFailure`.
   */
  linkChildren(parents: BlockRow[], update: StoreUpdate): void {
    const byHash = new Map(parents.map((p) => [p.hash, p]))
    for (const child of this.blocks.values()) {
      if (child.checks.linkage !== undefined || child.status === 'orphaned' || child.status === 'invalid') continue
      const parent = byHash.get(child.parentHash)
      if (!parent) continue
      try {
        verifyLinkage(this.headerOf(parent), this.headerOf(child))
        child.checks = { ...child.checks, linkage: true }
      } catch (e) {
        child.checks = { ...child.checks, linkage: false }
        this.deps.onLinkFailure?.(child, e, update)
      }
      touch(update, child)
    }
  }

  /**
   * L1 dropped the blocks of these (formerly mined) checkpoint headers: mined / finalized ones
   * fall back to attested (`l1Inclusion: false`); one reorg record (cause `l1-reorg`) covers
   * them. Tips are recomputed. Returns the hashes rolled back.
   */
  async unmine(hashes: Hex[], update: StoreUpdate): Promise<Hex[]> {
    const rolled: BlockRow[] = []
    for (const h of hashes) {
      const row = await this.get(h)
      if (!row || (row.status !== 'mined' && row.status !== 'finalized')) continue
      this.setStatus(row, 'attested')
      row.checks = { ...row.checks, l1Inclusion: false }
      update.blocks!.push(row)
      rolled.push(row)
    }
    if (rolled.length > 0) {
      this.recordReorg(
        { depth: rolled.length, fromHeight: Math.min(...rolled.map((r) => r.height)), oldHashes: rolled.map((r) => r.hash), newHashes: [], cause: 'l1-reorg' },
        update,
      )
    }
    this.recomputeTips()
    return rolled.map((r) => r.hash)
  }

  /**
   * An invalid checkpoint's verdict went with its L1 block: its invalid blocks (`hashes`, in
   * checkpoint order) go back to the status they had before — provisional ones rejoin the
   * canonical chain where the height is free, else are orphaned — or are forgotten when they
   * were created invalid and no held block builds on them.
   */
  async reinstate(hashes: Hex[], update: StoreUpdate): Promise<BlockRow[]> {
    const back: BlockRow[] = []
    // highest first: a block forgotten no longer holds its parent back
    for (const h of [...hashes].reverse()) {
      const row = await this.get(h)
      if (!row || row.status !== 'invalid') continue
      row.error = null
      const before = statusBeforeInvalid(row)
      if (before === null && ![...this.blocks.values()].some((x) => x.parentHash === h)) {
        this.blocks.delete(h)
        this.counts.invalid = Math.max(0, this.counts.invalid - 1)
        update.blocks = update.blocks!.filter((x) => x.hash !== h)
        ;(update.forgetBlocks ??= []).push(h)
        continue
      }
      if (before === 'mined' || before === 'finalized') row.checks = { ...row.checks, l1Inclusion: false }
      const status: BlockStatus = before === 'mined' || before === 'finalized' ? 'attested' : (before ?? 'orphaned')
      this.setStatus(row, status)
      if (status !== 'orphaned') back.push(row)
      touch(update, row)
    }
    return back
  }

  /** Rows reinstated by `reinstate` (over one or more checkpoints) rejoin the canonical chain where the height is free, and link their children. */
  rejoin(back: BlockRow[], update: StoreUpdate): void {
    back.sort((a, b) => a.height - b.height)
    for (const row of back) {
      const cur = this.canonical.get(row.height)
      if (cur === undefined || cur === row.hash) this.canonical.set(row.height, row.hash)
      else this.setStatus(row, 'orphaned')
    }
    if (back.length > 0) this.linkChildren(back, update)
  }

  /** A canonical block reached its status: the tips it now is (never lowers one). */
  raiseTips(row: BlockRow): void {
    raiseTips(this.tips, row)
  }

  /** The tips from the canonical chain in memory (after blocks left it). */
  recomputeTips(): void {
    this.tips = computeTips(this.canonical, this.blocks, this.tips)
  }

  private recordReorg(r: Omit<ReorgRecord, 'id' | 'at'>, update: StoreUpdate): void {
    const at = this.deps.now()
    const rec: ReorgRecord = { id: `${at}-${r.fromHeight}-${r.oldHashes[0] ?? ''}`, at, ...r }
    this.reorgs = [rec, ...this.reorgs].slice(0, RECENT_REORGS)
    update.reorgs = [...(update.reorgs ?? []), rec]
    this.deps.log?.(`reorg (${r.cause}) depth ${r.depth} from height ${r.fromHeight}`)
  }

  private evict(): void {
    const top = this.tips.proposed?.height ?? 0
    if (this.blocks.size < RECENT_WINDOW * 2) return
    for (const [hash, row] of this.blocks) {
      if (row.height < top - RECENT_WINDOW) {
        this.blocks.delete(hash)
        if (this.canonical.get(row.height) === hash) this.canonical.delete(row.height)
      }
    }
  }

  // ------------------------------------------------------------ lookups

  /** Heights in [from, to] with no canonical block in memory, ascending, at most `max`. */
  canonicalGaps(from: number, to: number, max: number): number[] {
    const out: number[] = []
    for (let h = Math.max(1, from); h <= to && out.length < max; h++) if (!this.canonical.has(h)) out.push(h)
    return out
  }

  /** The canonical block at `height` if it is in memory. */
  canonicalBlock(height: number): BlockSummary | undefined {
    const hash = this.canonical.get(height)
    const row = hash ? this.blocks.get(hash) : undefined
    return row ? summarize(row) : undefined
  }

  /** Canonical blocks whose parent is not known yet (`checks.linkage` unset), lowest first, at most `limit`. */
  unlinkedBlocks(limit = 64): BlockSummary[] {
    const out: BlockRow[] = []
    for (const hash of this.canonical.values()) {
      const row = this.blocks.get(hash)
      if (row && row.height > 1 && row.checks.linkage === undefined && row.status !== 'orphaned' && row.status !== 'invalid') out.push(row)
    }
    return out
      .sort((a, b) => a.height - b.height)
      .slice(0, limit)
      .map(summarize)
  }

  /** The newest blocks in memory, whatever their status. */
  latest(limit = 25): BlockSummary[] {
    return [...this.blocks.values()]
      .sort((a, b) => b.height - a.height || b.receivedAt - a.receivedAt)
      .slice(0, limit)
      .map(summarize)
  }
}
