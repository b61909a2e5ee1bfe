/**
 * The explorer's read side and on-demand verification, over what a LightClient holds:
 * block views (header, status history, provenance, checkpoint attestations, tx effects),
 * `verifyBlock` (every check re-run now, against the stored parent and L1 as it is now),
 * windows of the block list, search by height / block hash / tx hash / checkpoint digest,
 * evidence, storage. Read-only: it never changes a block's status (the sync engine owns
 * that); a failed on-demand check is reported, not applied.
 *
 * Every check returns pass, fail (with the coded error) or skipped (why, and the soft error
 * when a source could not answer), see docs/explorer.md.
 */
import { VigilError, toErrorRecord, type ErrorRecord } from '../../core/errors'
import type { AbortOptions, Address, BlockStatus, Hex } from '../../core/types'
import { bytesToHex, hexToBytes } from '../../protocol/bytes'
import { decodeBody, type BlockBody } from '../../protocol/body'
import { CHECKPOINT_VERSION, checkpointDigest, decodeAttestationSignatures, type Checkpoint } from '../../protocol/checkpoint'
import type { SigningDomain } from '../../protocol/domain'
import { decodeHeader, headerHash, type BlockHeader } from '../../protocol/header'
import { epochOfSlot } from '../../protocol/schedule'
import { judgeBlobs } from '../../verify/blobs'
import { vigilChainRules, type ChainRules } from '../../verify/chain-rules'
import { checkResult, type MinedCheckpointCheck, type MinedCheckpointVerdict } from '../../verify/checkpoint'
import { verifyBody, verifyCheckpointHeaders, verifyGenesisLink, verifyHeaderFields, verifyLinkage, verifyQuorum } from '../../verify/rules'
import { checkProposalHeader } from '../../verify/gossip-rules'
import type { BlockRow, ChainStore, CheckpointRow } from '../../ports/store'
import type { ProvenL1 } from '../../sources/l1-proven'
import type { MinedCheckpoint, RollupParams } from '../../ports/l1'
import { summarize } from '../../sync/engine'
import type { ClientConfig } from '../shared/config'
import type {
  BlockListPage,
  BlockListQuery,
  BlockListRow,
  BlockRef,
  BlockView,
  CheckName,
  CheckResult,
  CheckpointView,
  EvidenceItem,
  EvidenceRecord,
  HeaderView,
  ProofCheck,
  ProvenanceEvent,
  SearchResult,
  StorageInfo,
  TxEffectView,
  VerifyReport,
} from '../shared/types'

/** A source of blobs by L1 block (the beacon API); the explorer checks them with KZG. */
export interface BlobFetcher {
  fetchBlobs(ref: { l1BlockNumber: number; versionedHashes: Hex[] }, opts?: AbortOptions): Promise<(Uint8Array | null)[]>
}

/** A body fetched on demand for a block this client holds no body for (any source; verified here). */
export type BodyFetcher = (hash: Hex, opts?: AbortOptions) => Promise<{ bytes: Uint8Array; source: string } | null>

export interface ExplorerDeps {
  store: ChainStore
  l1: Pick<ProvenL1, 'rollupParams' | 'readCommittee' | 'committee' | 'block' | 'minedCheckpoints' | 'anchored'>
  config: ClientConfig
  beacon?: BlobFetcher | null
  fetchBody?: BodyFetcher | null
  /** The network's rules (the adapter's, from composeClient); Vigil's for the config's rollup when not given. */
  rules?: ChainRules
  now?: () => number
}

const MAX_LIST_HEIGHTS = 1000
const MAX_EVIDENCE = 500
/** On-demand checks that talk to L1 or the beacon API are bounded. */
const VERIFY_TIMEOUT_MS = 30_000

const LIVE_RANK: Record<BlockStatus, number> = { finalized: 5, mined: 4, attested: 3, proposed: 2, invalid: 1, orphaned: 0 }

/** The block at a height people mean: the canonical (live) one, else the strongest candidate. */
function preferred(rows: BlockRow[]): BlockRow | undefined {
  return [...rows].sort((a, b) => LIVE_RANK[b.status] - LIVE_RANK[a.status] || b.receivedAt - a.receivedAt)[0]
}

const isLive = (s: BlockStatus) => s !== 'orphaned' && s !== 'invalid'
const ref = (r: BlockRow): BlockRef => ({ hash: r.hash, height: r.height, status: r.status })
const short = (h: string) => `${h.slice(0, 10)}…`

function headerView(h: BlockHeader): HeaderView {
  return {
    version: h.version,
    chainId: h.chainId,
    height: h.height,
    slot: h.slot,
    checkpointNumber: h.checkpointNumber,
    indexInCheckpoint: h.indexInCheckpoint,
    timestamp: h.timestamp,
    parentHash: h.parentHash,
    bodyHash: h.bodyHash,
    stateRoot: h.stateRoot,
    proposer: h.proposer.toLowerCase() as Address,
    txCount: h.txCount,
  }
}

function txEffects(body: BlockBody): TxEffectView[] {
  return body.txEffects.map((e, index) => {
    const logBytes = (e.logs.length - 2) / 2
    return { index, txHash: e.txHash, fee: e.fee, noteHashes: e.noteHashes, nullifiers: e.nullifiers, logBytes, logsHead: (logBytes > 256 ? e.logs.slice(0, 2 + 512) : e.logs) as Hex }
  })
}

/** Parse "123", "0x…" (32-byte hash) or a number; anything else is a coded, soft error. */
export function parseBlockQuery(q: string | number): { height: number } | { hash: Hex } {
  if (typeof q === 'number') {
    if (!Number.isSafeInteger(q) || q < 0) throw new VigilError('DECODE_INVALID_FIELD', `not a block height: ${q}`, { severity: 'soft' })
    return { height: q }
  }
  const s = q.trim()
  if (/^\d{1,15}$/.test(s)) return { height: Number(s) }
  if (/^0x[0-9a-fA-F]{64}$/.test(s)) return { hash: s.toLowerCase() as Hex }
  throw new VigilError('DECODE_INVALID_FIELD', `not a block height or a 32-byte 0x hash: "${s.slice(0, 80)}"`, { severity: 'soft', details: { query: s.slice(0, 80) } })
}

export class Explorer {
  private readonly store: ChainStore
  private readonly domain: SigningDomain
  private readonly rules: ChainRules
  private readonly now: () => number

  constructor(private readonly deps: ExplorerDeps) {
    this.store = deps.store
    this.rules = deps.rules ?? vigilChainRules({ l1ChainId: deps.config.l1.chainId, rollup: deps.config.l1.rollup.toLowerCase() as Address }, deps.config.l2ChainId)
    this.domain = this.rules.domain
    this.now = deps.now ?? Date.now
  }

  // ------------------------------------------------------------------ lookups

  /** The stored block for a height (the canonical one) or hash; undefined when not held. */
  async resolve(q: string | number): Promise<BlockRow | undefined> {
    const p = parseBlockQuery(q)
    if ('hash' in p) return this.store.getBlock(p.hash)
    return preferred(await this.store.blocksAtHeight(p.height))
  }

  async getBlock(q: string | number): Promise<BlockView | null> {
    const row = await this.resolve(q)
    if (!row) return null
    const h = decodeHeader(row.headerBytes)
    const [cps, parentRow, next, same, bodyRow, params] = await Promise.all([
      this.store.checkpointsWithBlock(row.checkpointNumber, row.hash),
      row.height > 1 ? this.store.getBlock(row.parentHash) : Promise.resolve(undefined),
      this.store.blocksAtHeight(row.height + 1),
      this.store.blocksAtHeight(row.height),
      this.store.getBody(row.hash),
      this.deps.l1.rollupParams().catch(() => null),
    ])
    let body: BlockBody | null = null
    let bodyState: BlockView['bodyState'] = row.bodySource ? 'verified-not-held' : 'unknown'
    let bodySource = row.bodySource ?? null
    if (bodyRow) {
      try {
        body = decodeBody(bodyRow.bytes)
        bodyState = 'held'
        bodySource = row.bodySource ?? bodyRow.source
      } catch {
        body = null
      }
    }
    return {
      summary: summarize(row),
      header: headerView(h),
      history: row.history.map(([s, t]) => [s, t] as [BlockStatus, number]),
      provenance: this.provenance(row, cps),
      proposalSignature: row.proposalSignature ? bytesToHex(row.proposalSignature) : null,
      checkpoints: await Promise.all(sortCheckpoints(cps).map(async (c) => checkpointView(c, params, params ? await this.cachedCommittee(params, c.slot) : null))),
      bodyState,
      bodySource,
      txEffects: body ? txEffects(body) : null,
      parent: parentRow ? ref(parentRow) : null,
      children: next.filter((b) => b.parentHash === row.hash).map(ref),
      siblings: same.filter((b) => b.hash !== row.hash).map(ref),
      canonical: isLive(row.status),
    }
  }

  /** The committee of a slot's epoch from the L1 source's cache (one RPC the first time); null when L1 cannot be read. */
  private async cachedCommittee(params: RollupParams, slot: number): Promise<Address[] | null> {
    const epoch = epochOfSlot(params, slot)
    const current = epochOfSlot(params, Math.max(0, Math.floor((this.now() / 1000 - params.genesisTime) / params.slotDuration)))
    return this.deps.l1.committee(epoch, current).catch(() => null)
  }

  /** Tx effects of a block, fetching (and verifying) its body when this client holds none. */
  async fetchTxEffects(q: string | number, opts: AbortOptions = {}): Promise<{ source: string; txEffects: TxEffectView[] } | null> {
    const row = await this.resolve(q)
    if (!row) throw new VigilError('NOT_FOUND', `block ${String(q)} is not held by this client`, { severity: 'soft' })
    const got = await this.bodyFor(row, opts)
    if (!got) return null
    return { source: got.source, txEffects: txEffects(verifyBody(decodeHeader(row.headerBytes), got.bytes)) }
  }

  private provenance(row: BlockRow, cps: CheckpointRow[]): ProvenanceEvent[] {
    const out: ProvenanceEvent[] = [{ what: 'header', source: row.source, at: row.receivedAt, latencyMs: Math.max(0, row.receivedAt - row.timestamp) }]
    if (row.bodySource) out.push({ what: 'body', source: row.bodySource, at: row.bodyAt ?? row.receivedAt, latencyMs: row.bodyAt ? Math.max(0, row.bodyAt - row.timestamp) : null, attempts: row.bodyAttempts ?? null })
    const mined = cps.find((c) => c.l1)
    for (const [status, at] of row.history.slice(1)) {
      const fromL1 = status === 'mined' || status === 'finalized' || (status === 'invalid' && cps.some((c) => c.l1 && c.status === 'invalid'))
      const ev: ProvenanceEvent = { what: status, source: fromL1 ? mined?.proof?.rpc || 'l1' : status === 'attested' ? 'gossip' : status === 'invalid' ? 'verification' : status === 'orphaned' ? 'reorg' : row.source, at }
      if (status === 'invalid' && row.error) ev.ref = row.error.code
      if ((status === 'mined' || status === 'finalized') && mined?.l1) ev.ref = `L1 block ${mined.l1.blockNumber} · tx ${mined.l1.txHash}`
      out.push(ev)
    }
    return out.sort((a, b) => a.at - b.at)
  }

  // ------------------------------------------------------------------ the block list

  /**
   * A window of the block list, one row per height (the canonical block, plus a count of
   * other candidates): `{ fromHeight, toHeight }` for a virtualised list, or the `limit`
   * heights below `beforeHeight`. Heights this client does not hold are simply absent.
   */
  async listBlocks(q: BlockListQuery = {}): Promise<BlockListPage> {
    const limit = Math.min(Math.max(1, q.limit ?? 100), MAX_LIST_HEIGHTS)
    const range = await this.store.heightRange()
    if (!range) return { rows: [], lowest: null, highest: null }
    let rows: BlockRow[]
    if (q.fromHeight !== undefined || q.toHeight !== undefined) {
      const from = Math.max(q.fromHeight ?? range.lowest, range.lowest)
      const to = Math.min(q.toHeight ?? from + limit - 1, from + limit - 1, range.highest)
      rows = await this.store.blocksBetween(from, to, limit * 8)
    } else {
      rows = await this.store.blocksBefore(q.beforeHeight ?? range.highest + 1, limit * 2)
    }
    const byHeight = new Map<number, BlockRow[]>()
    for (const r of rows) byHeight.set(r.height, [...(byHeight.get(r.height) ?? []), r])
    const out: BlockListRow[] = [...byHeight.entries()]
      .sort((a, b) => b[0] - a[0])
      .slice(0, limit)
      .map(([height, list]) => ({ height, block: summarize(preferred(list)!), others: list.length - 1 }))
    return { rows: out, lowest: range.lowest, highest: range.highest }
  }

  // ------------------------------------------------------------------ search

  /** By height (digits), block hash, tx hash or checkpoint digest (0x + 64 hex). Empty when nothing matches. */
  async search(q: string): Promise<SearchResult[]> {
    const s = q.trim()
    if (s === '') return []
    const p = parseBlockQuery(s.replace(/^#/, ''))
    if ('height' in p) {
      const rows = await this.store.blocksAtHeight(p.height)
      return rows.sort((a, b) => LIVE_RANK[b.status] - LIVE_RANK[a.status]).map((r) => ({ kind: 'block' as const, hash: r.hash, height: r.height, status: r.status, match: 'height' as const }))
    }
    const [block, txs, cp] = await Promise.all([this.store.getBlock(p.hash), this.store.txLocations(p.hash), this.store.checkpointByDigest(p.hash)])
    const out: SearchResult[] = []
    if (block) out.push({ kind: 'block', hash: block.hash, height: block.height, status: block.status, match: 'hash' })
    const holders = await Promise.all(txs.map((t) => this.store.getBlock(t.blockHash)))
    txs.forEach((t, i) => out.push({ kind: 'tx', txHash: t.txHash, hash: t.blockHash, height: t.height, index: t.index, status: holders[i]?.status ?? 'proposed' }))
    if (cp && cp.headerHashes[0]) {
      const first = await this.store.getBlock(cp.headerHashes[0])
      out.push({ kind: 'checkpoint', digest: cp.digest, checkpointNumber: cp.checkpointNumber, hash: cp.headerHashes[0], height: first?.height ?? 0, status: first?.status ?? 'proposed' })
    }
    // a tx in a live block first, then in orphaned/invalid ones
    return out.sort((a, b) => (a.kind === b.kind ? LIVE_RANK[b.status] - LIVE_RANK[a.status] : 0))
  }

  // ------------------------------------------------------------------ evidence

  /**
   * Equivocations (the evidence table, when this build has one) and data that failed
   * verification: invalid checkpoints with their attestation signatures, invalid blocks,
   * hard-rejected deliveries. Newest first, bounded.
   */
  async evidence(): Promise<EvidenceItem[]> {
    const items: EvidenceItem[] = []
    {
      const recs: EvidenceRecord[] = await this.store.recentEvidence(MAX_EVIDENCE)
      for (const r of recs)
        items.push({
          id: `equivocation:${r.id}`,
          kind: 'equivocation',
          at: r.at,
          source: r.source,
          summary: `${r.kind} by ${r.offender} in slot ${r.slot}${r.index >= 0 ? `, position ${r.index}` : ''}`,
          error: null,
          height: null,
          hashes: [...r.hashes],
          data: { ...r },
        })
    }
    const invalidCps = await this.store.checkpointsWithStatus('invalid', MAX_EVIDENCE)
    /** Blocks made invalid by a checkpoint L1 carried: L1 delivered the data that failed. */
    const byL1 = new Set(invalidCps.filter((c) => c.l1).flatMap((c) => c.headerHashes))
    const cpNumbers = new Set(invalidCps.map((c) => c.checkpointNumber))
    for (const c of invalidCps) {
      items.push({
        id: `checkpoint:${c.id}`,
        kind: 'invalid-checkpoint',
        at: c.updatedAt,
        source: c.l1 ? 'l1' : 'gossip',
        summary: `checkpoint ${c.checkpointNumber} (slot ${c.slot}) failed verification: ${c.error?.code ?? 'invalid'}`,
        error: c.error,
        height: null,
        hashes: [c.digest, ...c.headerHashes],
        data: {
          checkpointNumber: c.checkpointNumber,
          slot: c.slot,
          digest: c.digest,
          headerHashes: c.headerHashes,
          blobVersionedHashes: c.blobVersionedHashes,
          signers: c.signers,
          committeeSize: c.committeeSize,
          quorum: c.quorum,
          attestations: c.attestations ?? [],
          l1: c.l1,
        },
      })
    }
    for (const b of await this.store.blocksWithStatus('invalid', MAX_EVIDENCE)) {
      items.push({
        id: `block:${b.hash}`,
        kind: 'invalid-block',
        at: b.history.at(-1)?.[1] ?? b.receivedAt,
        source: byL1.has(b.hash) ? 'l1' : b.source,
        summary: `block ${b.height} invalid: ${b.error?.code ?? 'failed verification'}`,
        error: b.error,
        height: b.height,
        hashes: [b.hash],
        data: {
          hash: b.hash,
          height: b.height,
          slot: b.slot,
          checkpointNumber: b.checkpointNumber,
          header: bytesToHex(b.headerBytes),
          proposalSignature: b.proposalSignature ? bytesToHex(b.proposalSignature) : null,
          history: b.history,
        },
      })
    }
    for (const f of await this.store.recentFailures(200)) {
      if (f.error.severity !== 'hard') continue
      // the failure log entry of an invalid checkpoint already listed above
      if (typeof f.error.details?.checkpoint === 'number' && cpNumbers.has(f.error.details.checkpoint)) continue
      items.push({ id: `failure:${f.id ?? f.at}`, kind: 'invalid-data', at: f.at, source: f.source, summary: `${f.source} delivered data that failed verification: ${f.error.code}`, error: f.error, height: typeof f.error.details?.height === 'number' ? f.error.details.height : null, hashes: [], data: { error: f.error } })
    }
    const kindOrder: Record<EvidenceItem['kind'], number> = { equivocation: 0, 'invalid-checkpoint': 1, 'invalid-block': 2, 'invalid-data': 3 }
    return items.sort((a, b) => b.at - a.at || kindOrder[a.kind] - kindOrder[b.kind] || (a.height ?? 0) - (b.height ?? 0)).slice(0, MAX_EVIDENCE * 2)
  }

  // ------------------------------------------------------------------ storage

  async storage(): Promise<StorageInfo> {
    const counts = await this.store.tableCounts()
    const sm = (globalThis as { navigator?: { storage?: { estimate?: () => Promise<{ usage?: number; quota?: number }>; persisted?: () => Promise<boolean> } } }).navigator?.storage
    const est = sm?.estimate ? await sm.estimate().catch(() => null) : null
    const persisted = sm?.persisted ? await sm.persisted().catch(() => null) : null
    return { usage: est?.usage ?? null, quota: est?.quota ?? null, persisted, counts, storeName: this.store.name }
  }

  // ------------------------------------------------------------------ verify now

  /**
   * Runs every check for one block now and returns each result: header fields, linkage to
   * the stored parent, ancestry, proposer (committee re-read from L1), proposer signature,
   * checkpoint commitment, attestation quorum (signatures re-verified against the committee
   * re-read from L1; for a mined checkpoint, taken from its L1 calldata now), L1 inclusion
   * (the event re-read from L1), blobs (fetched from the beacon API, KZG against the
   * versioned hashes) and the body commitment.
   */
  async verifyBlock(q: string | number, opts: AbortOptions = {}): Promise<VerifyReport> {
    const row = await this.resolve(q)
    if (!row) throw new VigilError('NOT_FOUND', `block ${String(q)} is not held by this client: sync to it first`, { severity: 'soft', details: { query: String(q) } })
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(VERIFY_TIMEOUT_MS)]) : AbortSignal.timeout(VERIFY_TIMEOUT_MS)
    const startedAt = this.now()
    const t0 = performance.now()
    const checks: CheckResult[] = []
    const ctx: VerifyContext = { row, header: null, params: null, committees: new Map(), l1Event: undefined, checkpoint: null, blobBodies: null, proofs: [] }

    const run = async (name: CheckName, title: string, fn: () => Promise<Outcome> | Outcome): Promise<CheckResult> => {
      const s = performance.now()
      let res: CheckResult
      try {
        signal.throwIfAborted()
        const o = await fn()
        res = { name, title, status: o.status, detail: o.detail, error: o.error ?? null, ms: 0 }
      } catch (e) {
        const rec = signal.aborted ? toErrorRecord(new VigilError('SOURCE_TIMEOUT', `verification did not finish within ${VERIFY_TIMEOUT_MS / 1000} s`, { severity: 'soft' })) : toErrorRecord(e)
        // soft: not enough information to decide (a source did not answer): reported as not run, with why
        res = { name, title, status: rec.severity === 'soft' ? 'skipped' : 'fail', detail: rec.message, error: rec, ms: 0 }
      }
      res.ms = Math.round((performance.now() - s) * 10) / 10
      checks.push(res)
      return res
    }

    await run('header', 'Header fields', () => this.checkHeader(ctx))
    await run('linkage', 'Links to its parent', () => this.checkLinkage(ctx))
    await run('ancestry', 'Builds on a valid chain', () => this.checkAncestry(ctx))
    const proposer = await run('proposer', 'Slot proposer (committee from L1)', () => this.checkProposer(ctx))
    await run('proposerSignature', 'Proposer signature', () => this.checkProposerSignature(ctx, proposer))
    await run('checkpoint', 'Checkpoint commitment', () => this.checkCheckpoint(ctx, signal))
    await run('quorum', 'Committee quorum', () => this.checkQuorum(ctx))
    await run('l1Inclusion', 'Included on L1', () => this.checkL1Inclusion(ctx))
    await run('blobs', 'Blobs (KZG) carry the bodies', () => this.checkBlobs(ctx, signal))
    await run('body', 'Body commitment', () => this.checkBody(ctx, signal))
    const anchored = this.deps.l1.anchored()

    return {
      hash: row.hash,
      height: row.height,
      ok: checks.every((c) => c.status !== 'fail'),
      complete: checks.every((c) => c.status !== 'skipped'),
      checks,
      proofs: ctx.proofs,
      provenAgainst: anchored ? { blockNumber: anchored.number, blockHash: anchored.hash, anchor: anchored.anchor, basis: anchored.basis } : null,
      startedAt,
      ms: Math.round(performance.now() - t0),
    }
  }

  private async params(ctx: VerifyContext): Promise<RollupParams> {
    ctx.params ??= await this.deps.l1.rollupParams()
    return ctx.params
  }

  /** The committee of an epoch, read from the rollup contract now (once per verification). */
  private committee(ctx: VerifyContext, epoch: number): Promise<Address[]> {
    let c = ctx.committees.get(epoch)
    if (!c) {
      c = this.deps.l1.readCommittee(epoch, { checks: ctx.proofs })
      ctx.committees.set(epoch, c)
    }
    return c
  }

  private async expectedProposer(ctx: VerifyContext, slot: number): Promise<{ expected: Address; epoch: number; committee: Address[]; index: number }> {
    const params = await this.params(ctx)
    const epoch = epochOfSlot(params, slot)
    const committee = await this.committee(ctx, epoch)
    if (committee.length === 0) throw new VigilError('COMMITTEE_UNKNOWN', `the rollup has no committee for epoch ${epoch}`, { severity: 'soft', details: { epoch } })
    const expected = this.rules.proposerOf(epoch, slot, committee)!
    return { expected, epoch, committee, index: committee.indexOf(expected) }
  }

  private async checkHeader(ctx: VerifyContext): Promise<Outcome> {
    const h = decodeHeader(ctx.row.headerBytes)
    const hash = headerHash(h)
    if (hash !== ctx.row.hash) throw new VigilError('DECODE_INVALID_FIELD', `the stored header hashes to ${hash}, not to the block hash ${ctx.row.hash}`)
    ctx.header = h
    const params = await this.params(ctx).catch(() => null)
    // the same header rules sync applies to every entry (src/verify/gossip-rules.ts), the clock window included
    if (params) checkProposalHeader(h, { l2ChainId: this.deps.config.l2ChainId, schedule: params, nowMs: this.now() })
    else verifyHeaderFields(h, { l2ChainId: this.deps.config.l2ChainId })
    return pass(`${ctx.row.headerBytes.length}-byte v${h.version} header hashes to the block hash; L2 chain ${h.chainId}, height ${h.height}, ${h.txCount} txs${params ? `, slot ${h.slot} started, timestamp inside it, height/checkpoint/index consistent` : ''}`)
  }

  private async checkLinkage(ctx: VerifyContext): Promise<Outcome> {
    const h = ctx.header ?? decodeHeader(ctx.row.headerBytes)
    if (h.height === 1) {
      verifyGenesisLink(h)
      return pass('block 1: zero parent hash, state root follows from genesis, opens checkpoint 1')
    }
    const parent = await this.store.getBlock(h.parentHash)
    if (!parent) return skip(`parent ${short(h.parentHash)} (height ${h.height - 1}) is not held by this client`)
    verifyLinkage(decodeHeader(parent.headerBytes), h)
    return pass(`extends block ${parent.height} ${short(parent.hash)}: parent hash, height + 1, state root, slot and checkpoint sequencing`)
  }

  /**
   * The chain this block's checkpoint builds on is valid: the last block before its checkpoint
   * (reached by parent hashes through the checkpoint's earlier blocks, whose validity is this
   * checkpoint's own) is not invalid, and not orphaned when this block is live.
   */
  private async checkAncestry(ctx: VerifyContext): Promise<Outcome> {
    const { row } = ctx
    let parent: BlockRow | undefined = row
    for (let i = 0; i <= 32 && parent && parent.checkpointNumber === row.checkpointNumber; i++) {
      if (parent.height === 1) return pass(`block 1${parent === row ? '' : `, the first of checkpoint ${row.checkpointNumber},`} builds on genesis`)
      parent = await this.store.getBlock(parent.parentHash)
    }
    if (!parent) return skip(`the block before checkpoint ${row.checkpointNumber} is not held by this client`)
    if (parent.status === 'invalid')
      throw new VigilError('PARENT_MISMATCH', `builds on block ${parent.height} ${short(parent.hash)}, which is invalid (${parent.error?.code ?? 'failed verification'})`, {
        details: { parent: parent.hash, parentError: parent.error?.code ?? null },
      })
    if (parent.status === 'orphaned' && isLive(row.status)) throw new VigilError('PARENT_MISMATCH', `builds on block ${parent.height} ${short(parent.hash)}, which was orphaned`, { details: { parent: parent.hash } })
    return pass(`checkpoint ${row.checkpointNumber} builds on block ${parent.height} (checkpoint ${parent.checkpointNumber}), which is ${parent.status}`)
  }

  private async checkProposer(ctx: VerifyContext): Promise<Outcome> {
    const h = ctx.header ?? decodeHeader(ctx.row.headerBytes)
    const { expected, epoch, committee, index } = await this.expectedProposer(ctx, h.slot)
    if (h.proposer.toLowerCase() !== expected)
      throw new VigilError('WRONG_PROPOSER', `block ${h.height} names proposer ${h.proposer}, slot ${h.slot} belongs to ${expected}`, { details: { got: h.proposer, expected, slot: h.slot, epoch } })
    return pass(`slot ${h.slot} (epoch ${epoch}): committee of ${committee.length} read from L1 now, proposer index ${index} = ${expected}`)
  }

  private async checkProposerSignature(ctx: VerifyContext, proposer: CheckResult): Promise<Outcome> {
    const h = ctx.header ?? decodeHeader(ctx.row.headerBytes)
    const sig = ctx.row.proposalSignature
    if (!sig) return skip('no proposal signature held: this block was learned from its checkpoint (covered by the checkpoint, quorum and L1 checks)')
    if (proposer.status === 'skipped') return skip(`the slot's proposer is unknown: ${proposer.detail}`, proposer.error)
    const { expected } = await this.expectedProposer(ctx, h.slot)
    this.rules.verifyBlockSignature(h, sig, expected)
    return pass(`EIP-712 BlockProposal signature recovers to ${expected}`)
  }

  /** The checkpoint naming this block: mined first, then attested; L1's calldata when mined. */
  private async checkCheckpoint(ctx: VerifyContext, signal: AbortSignal): Promise<Outcome> {
    const cps = sortCheckpoints(await this.store.checkpointsWithBlock(ctx.row.checkpointNumber, ctx.row.hash))
    const cp = cps[0]
    if (!cp) return skip(`no checkpoint naming this block seen yet (checkpoint ${ctx.row.checkpointNumber} not attested or mined)`)
    ctx.cpRow = cp
    let checkpoint: Checkpoint
    let from: string
    if (cp.l1) {
      const ev = await this.l1Event(ctx, cp, signal)
      if (!ev) {
        // re-encode from the stored headers instead; L1 inclusion reports the missing event
        checkpoint = await this.checkpointFromStore(cp)
        from = 'stored headers (its L1 event is gone)'
      } else {
        checkpoint = this.rules.decodeMinedCheckpoint(ev.checkpointBytes)
        from = `L1 calldata of tx ${short(ev.txHash)}`
      }
    } else {
      checkpoint = await this.checkpointFromStore(cp)
      from = 'stored headers'
    }
    const digest = checkpointDigest(checkpoint)
    if (digest !== cp.digest) throw new VigilError('CHECKPOINT_MISMATCH', `checkpoint ${cp.checkpointNumber} from ${from} has digest ${digest}, the one attested is ${cp.digest}`, { details: { got: digest, expected: cp.digest } })
    const i = checkpoint.headers.findIndex((x) => headerHash(x) === ctx.row.hash)
    if (i < 0) throw new VigilError('CHECKPOINT_MISMATCH', `checkpoint ${cp.checkpointNumber} (${from}) does not contain block ${ctx.row.hash}`)
    const ev = ctx.l1Event
    if (cp.l1 && ev) {
      // mined: the very checks the L1 follower ran when it applied this checkpoint, on L1's data now
      const v = await this.judgeMined(ctx, ev, checkpoint)
      const headers = outcomeOf(v, 'headers')
      if (headers) return headers
      ctx.checkpoint = checkpoint
      const parent = checkResult(v, 'parentKnown').status === 'pass' ? `, and to the last block of mined checkpoint ${cp.checkpointNumber - 1}` : ''
      return pass(`checkpoint ${cp.checkpointNumber} (slot ${cp.slot}, ${cp.status}) from ${from}: digest ${short(digest)} recomputed; block ${i + 1} of ${checkpoint.headers.length}; headers link up${parent}`)
    }
    verifyCheckpointHeaders(checkpoint)
    ctx.checkpoint = checkpoint
    return pass(`checkpoint ${cp.checkpointNumber} (slot ${cp.slot}, ${cp.status}) from ${from}: digest ${short(digest)} recomputed; block ${i + 1} of ${checkpoint.headers.length}; headers link up`)
  }

  private async checkQuorum(ctx: VerifyContext): Promise<Outcome> {
    const cp = ctx.cpRow
    if (!cp) return skip('no checkpoint naming this block yet: nothing attested')
    let sigs: Uint8Array[]
    let from: string
    const ev = ctx.l1Event
    if (ev && ctx.mined) {
      const v = ctx.mined
      const failed = outcomeOf(v, 'committee') ?? outcomeOf(v, 'quorum')
      if (failed) return failed
      const epoch = epochOfSlot(await this.params(ctx), cp.slot)
      return pass(`${v.signers.length} of ${v.committeeSize} committee members (epoch ${epoch}, read from L1 now) signed checkpoint ${cp.checkpointNumber}; quorum is ${v.quorum}; ${v.attestations.length} signatures from the L1 calldata re-verified`)
    }
    if (ev) {
      sigs = decodeAttestationSignatures(ev.attestationsBytes)
      from = 'the L1 calldata'
    } else if (cp.attestations && cp.attestations.length > 0) {
      sigs = cp.attestations.map((s) => hexToBytes(s))
      from = 'gossip (stored)'
    } else return skip(`no attestation signatures held for checkpoint ${cp.checkpointNumber}`)
    const params = await this.params(ctx)
    const epoch = epochOfSlot(params, cp.slot)
    const committee = await this.committee(ctx, epoch)
    const q = verifyQuorum(this.domain, cp.digest, sigs, committee)
    if (!q.valid) throw q.error ? VigilError.fromRecord({ ...q.error, details: { ...(q.error.details ?? {}), signers: q.signers.length, committeeSize: q.committeeSize, quorum: q.quorum } }) : new VigilError('QUORUM_NOT_REACHED', 'quorum not reached')
    return pass(`${q.signers.length} of ${q.committeeSize} committee members (epoch ${epoch}, read from L1 now) signed checkpoint ${cp.checkpointNumber}; quorum is ${q.quorum}; ${sigs.length} signatures from ${from} re-verified`)
  }

  private async checkL1Inclusion(ctx: VerifyContext): Promise<Outcome> {
    const cp = ctx.cpRow
    if (!cp) return skip('not in a checkpoint yet')
    if (!cp.l1) return skip(`checkpoint ${cp.checkpointNumber} is ${cp.status}, not mined on L1 yet`)
    if (ctx.l1Error !== undefined) throw ctx.l1Error
    const ev = ctx.l1Event
    if (!ev) throw new VigilError('CHECKPOINT_MISMATCH', `no CheckpointProposed event for checkpoint ${cp.checkpointNumber} in L1 block ${cp.l1.blockNumber} any more (L1 reorg?)`, { details: { l1Block: cp.l1.blockNumber } })
    if (ev.l1BlockHash !== cp.l1.blockHash)
      throw new VigilError('CHECKPOINT_MISMATCH', `L1 block ${cp.l1.blockNumber} is now ${ev.l1BlockHash}, the checkpoint was mined in ${cp.l1.blockHash} (L1 reorg)`, { severity: 'soft' })
    if (ev.digest !== cp.digest) throw new VigilError('CHECKPOINT_MISMATCH', `the L1 event names digest ${ev.digest}, expected ${cp.digest}`)
    const tx = ev.txBlobVersionedHashes
    if (ctx.mined) {
      for (const check of ['digest', 'number', 'blobCount', 'blobHashes', 'committee', 'txProposer', 'headerProposers'] as const) {
        const o = outcomeOf(ctx.mined, check)
        if (o) return o
      }
    }
    const fin = await this.deps.l1.block('finalized').catch(() => null)
    const finalized = fin !== null && fin.number >= ev.l1BlockNumber
    const proven = ev.proof ? `; proven against L1 block ${ev.proof.blockNumber} (${ev.proof.basis}): ${ev.proof.facts.length} facts` : ''
    return pass(`CheckpointProposed in L1 block ${ev.l1BlockNumber} (${finalized ? 'finalized' : 'not finalized yet'}), tx ${short(ev.txHash)} from the slot's proposer; digest and ${tx.length} blob hash${tx.length === 1 ? '' : 'es'} match${proven}`)
  }

  private async checkBlobs(ctx: VerifyContext, signal: AbortSignal): Promise<Outcome> {
    const cp = ctx.cpRow
    if (!cp?.l1) return skip('bodies travel in blobs only once the checkpoint is mined')
    if (!ctx.l1Event || !ctx.checkpoint) return skip('the checkpoint could not be read from L1')
    const beacon = this.deps.beacon
    if (!beacon) return skip('no beacon API configured (beaconUrl)')
    if (cp.blobVersionedHashes.length === 0) throw new VigilError('BLOB_COUNT_MISMATCH', `checkpoint ${cp.checkpointNumber} names no blobs`)
    const got = await beacon.fetchBlobs({ l1BlockNumber: cp.l1.blockNumber, versionedHashes: cp.blobVersionedHashes }, { signal })
    // the same judgement the body pipeline makes (src/verify/blobs.ts)
    const bodies = await judgeCheckpointBlobs(ctx.checkpoint, got)
    const blobs = got
    const i = ctx.checkpoint.headers.findIndex((x) => headerHash(x) === ctx.row.hash)
    ctx.blobBodies = bodies
    if (i >= 0) ctx.blobBody = bodies[i]
    return pass(`${blobs.length} blob${blobs.length === 1 ? '' : 's'} from the beacon API: KZG commitments hash to the versioned hashes; they unpack into ${bodies.length} bodies matching the checkpoint's headers`)
  }

  private async checkBody(ctx: VerifyContext, signal: AbortSignal): Promise<Outcome> {
    const h = ctx.header ?? decodeHeader(ctx.row.headerBytes)
    let bytes: Uint8Array | undefined
    let source: string
    const stored = await this.store.getBody(ctx.row.hash)
    if (stored) {
      bytes = stored.bytes
      source = `stored body (from ${stored.source})`
    } else if (ctx.blobBody) {
      bytes = ctx.blobBody
      source = 'the blobs just verified'
    } else {
      const got = await this.bodyFor(ctx.row, { signal })
      if (!got) return skip(h.txCount === 0 && !this.deps.fetchBody ? 'no body held and no body source to ask' : 'no body held (light mode) and none could be fetched now')
      bytes = got.bytes
      source = `fetched from ${got.source}`
    }
    const body = verifyBody(h, bytes)
    return pass(`${bytes.length} bytes from ${source}: keccak256 = the header's bodyHash; ${body.txEffects.length} tx effects as the header says`)
  }

  /** A body for `row`: stored, else from the body pipeline (when wired), else from the mined checkpoint's blobs (KZG-checked). */
  private async bodyFor(row: BlockRow, opts: AbortOptions): Promise<{ bytes: Uint8Array; source: string } | null> {
    const stored = await this.store.getBody(row.hash)
    if (stored) return { bytes: stored.bytes, source: stored.source }
    if (this.deps.fetchBody) {
      const got = await this.deps.fetchBody(row.hash, opts).catch(() => null)
      if (got) return got
    }
    return this.bodyFromBlobs(row, opts)
  }

  private async bodyFromBlobs(row: BlockRow, opts: AbortOptions): Promise<{ bytes: Uint8Array; source: string } | null> {
    const beacon = this.deps.beacon
    if (!beacon) return null
    const cp = sortCheckpoints(await this.store.checkpointsWithBlock(row.checkpointNumber, row.hash)).find((c) => c.l1 && (c.status === 'mined' || c.status === 'finalized'))
    if (!cp?.l1 || cp.blobVersionedHashes.length === 0) return null
    const checkpoint = await this.checkpointFromStore(cp)
    const got = await beacon.fetchBlobs({ l1BlockNumber: cp.l1.blockNumber, versionedHashes: cp.blobVersionedHashes }, opts)
    const bodies = await judgeCheckpointBlobs(checkpoint, got).catch((e: unknown) => {
      if (e instanceof VigilError && e.code === 'SOURCE_UNAVAILABLE') return null
      throw e
    })
    if (!bodies) return null
    const i = checkpoint.headers.findIndex((h) => headerHash(h) === row.hash)
    return i >= 0 && bodies[i] ? { bytes: bodies[i], source: 'beacon blobs (KZG-verified)' } : null
  }

  private async checkpointFromStore(cp: CheckpointRow): Promise<Checkpoint> {
    const rows = await Promise.all(cp.headerHashes.map((h) => this.store.getBlock(h)))
    const missing = rows.findIndex((r) => !r)
    if (missing >= 0) throw new VigilError('NOT_FOUND', `header ${missing} of checkpoint ${cp.checkpointNumber} is not stored`, { severity: 'soft' })
    return { version: CHECKPOINT_VERSION, checkpointNumber: cp.checkpointNumber, slot: cp.slot, headers: rows.map((r) => decodeHeader(r!.headerBytes)), blobVersionedHashes: cp.blobVersionedHashes }
  }

  /**
   * Judges a mined checkpoint with `verifyMinedCheckpoint`, the function the L1 follower applies
   * (so Verify now cannot drift from what sync decided), on what L1 and the store hold now: the
   * event and calldata re-read from L1, the committee re-read from the rollup contract, the last
   * header of mined checkpoint n-1 from the store (not held: the linkage to it is not checked).
   */
  private async judgeMined(ctx: VerifyContext, ev: MinedCheckpoint, checkpoint: Checkpoint): Promise<MinedCheckpointVerdict> {
    if (ctx.mined) return ctx.mined
    const n = checkpoint.checkpointNumber
    let parent: BlockHeader | null | undefined = null
    let parentInvalid = false
    if (n > 1) {
      const prev = await this.store.checkpointsNumbered(n - 1)
      const mined = prev.find((c) => c.l1 && (c.status === 'mined' || c.status === 'finalized'))
      const last = mined ? await this.store.getBlock(mined.headerHashes.at(-1)!) : undefined
      parent = last ? decodeHeader(last.headerBytes) : undefined
      parentInvalid = !mined && prev.some((c) => c.l1 && c.status === 'invalid')
    }
    let committee: Address[] = []
    let expected = '0x' as Address
    let committeeError: unknown
    try {
      const p = await this.expectedProposer(ctx, checkpoint.slot)
      committee = p.committee
      expected = p.expected
    } catch (e) {
      committeeError = e
    }
    ctx.mined = this.rules.verifyMinedCheckpoint({ event: ev, checkpoint, parent, parentInvalid, committee, expectedProposer: expected, ...(committeeError !== undefined ? { committeeError } : {}) })
    return ctx.mined
  }

  /** The CheckpointProposed event of a mined checkpoint, re-read from its L1 block (cached per verification). */
  private async l1Event(ctx: VerifyContext, cp: CheckpointRow, signal: AbortSignal): Promise<MinedCheckpoint | null> {
    if (ctx.l1Event !== undefined) return ctx.l1Event
    const n = cp.l1!.blockNumber
    let events: MinedCheckpoint[]
    try {
      events = await this.deps.l1.minedCheckpoints(n, n, { signal, checks: ctx.proofs })
    } catch (e) {
      // no RPC's answer proved: when one gave a proof that failed, Verify now fails with its code
      const failed = ctx.proofs.find((p) => p.status === 'fail')
      ctx.l1Error = e instanceof VigilError && failed?.error ? new VigilError(failed.error.code, `L1 facts for checkpoint ${cp.checkpointNumber} not proven: ${failed.detail}`, { details: failed.error.details ?? {} }) : e
      throw ctx.l1Error
    }
    ctx.l1Event = events.find((e) => e.txHash === cp.l1!.txHash) ?? events.find((e) => e.checkpointNumber === cp.checkpointNumber) ?? null
    return ctx.l1Event
  }
}

interface VerifyContext {
  row: BlockRow
  header: BlockHeader | null
  params: RollupParams | null
  committees: Map<number, Promise<Address[]>>
  cpRow?: CheckpointRow
  /** undefined: not read yet; null: read, not there. */
  l1Event: MinedCheckpoint | null | undefined
  checkpoint: Checkpoint | null
  blobBodies: Uint8Array[] | null
  blobBody?: Uint8Array | undefined
  /** A mined checkpoint judged as sync judges it (src/verify/checkpoint.ts), from L1 as it is now. */
  mined?: MinedCheckpointVerdict
  /** Every L1 proof checked on the way (against the anchored block). */
  proofs: ProofCheck[]
  /** Why the checkpoint's L1 facts could not be read and proven (set with l1Event undefined). */
  l1Error?: unknown
}

interface Outcome {
  status: 'pass' | 'skipped'
  detail: string
  error?: ErrorRecord | null
}

const pass = (detail: string): Outcome => ({ status: 'pass', detail })
const skip = (detail: string, error: ErrorRecord | null = null): Outcome => ({ status: 'skipped', detail, error })

const CP_RANK: Record<CheckpointRow['status'], number> = { finalized: 5, mined: 4, attested: 3, proposed: 2, invalid: 1, orphaned: 0 }

/** What L1 says first (mined, finalized, or invalid as posted), then attested, then the rest. */
function sortCheckpoints(cps: CheckpointRow[]): CheckpointRow[] {
  return [...cps].sort((a, b) => Number(b.l1 !== null) - Number(a.l1 !== null) || CP_RANK[b.status] - CP_RANK[a.status] || b.updatedAt - a.updatedAt)
}

function checkpointView(c: CheckpointRow, params: RollupParams | null, committee: Address[] | null): CheckpointView {
  return {
    id: c.id,
    checkpointNumber: c.checkpointNumber,
    slot: c.slot,
    epoch: params ? epochOfSlot(params, c.slot) : null,
    digest: c.digest,
    status: c.status,
    error: c.error,
    headerHashes: c.headerHashes,
    blobVersionedHashes: c.blobVersionedHashes,
    committeeSize: c.committeeSize,
    quorum: c.quorum,
    signers: c.signers,
    committee,
    attestationCount: c.attestations?.length ?? 0,
    l1: c.l1,
    proof: c.proof ?? null,
    finality: c.finality ?? null,
    updatedAt: c.updatedAt,
  }
}

/**
 * A mined checkpoint's blobs as the beacon API served them, judged exactly as the body pipeline
 * judges them (src/verify/blobs.ts): the bodies in header order, or the coded reason
 * (SOURCE_UNAVAILABLE when not every blob was served). KZG and its trusted setup are loaded only
 * when someone asks: they are not needed to sync headers.
 */
async function judgeCheckpointBlobs(checkpoint: Checkpoint, served: (Uint8Array | null)[]): Promise<Uint8Array[]> {
  const kzg = await import('../../verify/kzg')
  const j = await judgeBlobs({ blobs: served, versionedHashes: checkpoint.blobVersionedHashes, blockCount: checkpoint.headers.length, headers: checkpoint.headers }, kzg)
  if (!j.bodies) throw j.error ?? new VigilError('INTERNAL', 'blob judgement gave neither bodies nor a reason')
  return j.bodies
}

/** A mined-checkpoint check that did not pass, as a Verify now outcome (thrown: fail when hard, skipped when soft); null when it passed. */
function outcomeOf(v: MinedCheckpointVerdict, check: MinedCheckpointCheck): Outcome | null {
  const r = checkResult(v, check)
  if (r.status === 'pass') return null
  if (r.error) throw r.error
  return skip(`not checked: ${r.detail}`)
}
