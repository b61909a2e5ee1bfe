/**
 * The body pipeline (src/sync/bodies.ts) over a real DexieChainStore (fake-indexeddb), real
 * blocks and blobs from the devnet's ChainBuilder, real KZG, the real ReexecSource and
 * in-memory body/blob sources; the engine port is a small in-memory engine that verifies
 * bodies exactly as SyncEngine.onBody does (verifyBody against the stored header).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { VigilError } from '../../src/core/errors'
import type { Hex, Tips } from '../../src/core/types'
import { decodeHeader, encodeHeader, headerHash } from '../../src/protocol/header'
import { encodeTx } from '../../src/protocol/tx'
import { DexieChainStore, type StoreUpdate } from '../../src/store/chain-store'
import type { BlockRow, CheckpointRow } from '../../src/store/db'
import { StatsRecorder } from '../../src/sources/stats'
import type { VerdictSink } from '../../src/ports/stats'
import { waitFor } from '../helpers/wait'
import { ReexecSource } from '../../src/sources/reexec'
import { verifyBody } from '../../src/verify/rules'
import { BodyPipeline, type BlobRef, type BlobSource, type BodyEnginePort, type BodyRef, type BodySource, type BodyStep } from '../../src/sync/bodies'
import { ChainBuilder, validatorKeys, type BuiltBlock, type BuiltCheckpoint } from '../../src/devnet/builder'
import { nativeKzg, nativeKzgAvailable } from '../../src/devnet/kzg'

const CHAIN = 7771
const domain = { l1ChainId: 31337, rollup: `0x${'22'.repeat(20)}` as Hex }
const [proposer] = validatorKeys(1)

/** Two checkpoints of 3 blocks: the first mined (with its blobs), the second provisional. */
function chain(): { mined: BuiltBlock[]; cp: BuiltCheckpoint; provisional: BuiltBlock[] } {
  const b = new ChainBuilder(domain, CHAIN, { seed: 'bodies-test', ...(nativeKzgAvailable() ? { blobToCommitment: (x: Uint8Array) => nativeKzg.blobToKzgCommitment(x) } : {}) })
  const mined = [0, 1, 2].map((i) => b.buildBlock({ slot: 5, indexInCheckpoint: i, proposer: proposer! }))
  const cp = b.buildCheckpoint(mined, proposer!)
  const provisional = [0, 1, 2].map((i) => b.buildBlock({ slot: 6, indexInCheckpoint: i, proposer: proposer! }))
  return { mined, cp, provisional }
}

function rowOf(b: BuiltBlock, status: BlockRow['status']): BlockRow {
  const h = b.header
  return {
    hash: b.hash,
    height: h.height,
    slot: h.slot,
    checkpointNumber: h.checkpointNumber,
    indexInCheckpoint: h.indexInCheckpoint,
    timestamp: h.timestamp,
    parentHash: h.parentHash,
    proposer: h.proposer,
    txCount: h.txCount,
    headerBytes: encodeHeader(h),
    proposalSignature: b.proposal.signature,
    status,
    checks: { proposerSignature: true },
    error: null,
    source: 'test',
    receivedAt: Date.now(),
    history: [[status, Date.now()]],
  }
}

function cpRow(cp: BuiltCheckpoint, versionedHashes = cp.checkpoint.blobVersionedHashes): CheckpointRow {
  return {
    id: `${cp.checkpoint.checkpointNumber}:${cp.digest}`,
    checkpointNumber: cp.checkpoint.checkpointNumber,
    slot: cp.checkpoint.slot,
    digest: cp.digest,
    headerHashes: cp.checkpoint.headers.map(headerHash),
    blobVersionedHashes: versionedHashes,
    signers: [],
    committeeSize: 1,
    quorum: 1,
    status: 'mined',
    error: null,
    l1: { blockNumber: 42, blockHash: `0x${'33'.repeat(32)}`, txHash: `0x${'44'.repeat(32)}` },
    updatedAt: Date.now(),
  }
}

/** An engine that verifies bodies like SyncEngine.onBody and counts verdicts in registered stats. */
class MemEngine implements BodyEnginePort {
  private readonly fns = new Set<(u: Readonly<StoreUpdate>) => void>()
  private readonly stats = new Map<string, VerdictSink>()
  tips: Tips = { proposed: null, attested: null, mined: null, finalized: null }
  constructor(
    private readonly store: DexieChainStore,
    private readonly mode: 'light' | 'full',
  ) {}
  register(...s: VerdictSink[]): void {
    for (const x of s) this.stats.set(x.name, x)
  }
  onCommitted(fn: (u: Readonly<StoreUpdate>) => void): () => void {
    this.fns.add(fn)
    return () => this.fns.delete(fn)
  }
  getTips(): Tips {
    return this.tips
  }
  async apply(u: StoreUpdate): Promise<void> {
    await this.store.apply(u)
    for (const fn of this.fns) fn(u)
    for (const r of u.blocks ?? []) if (!this.tips.proposed || r.height > this.tips.proposed.height) this.tips = { ...this.tips, proposed: { height: r.height, hash: r.hash, timestamp: r.timestamp } }
  }
  async onBody(hash: Hex, bytes: Uint8Array, source: string): Promise<boolean> {
    const row = await this.store.getBlock(hash)
    if (!row) throw new VigilError('NOT_FOUND', `no header ${hash}`, { severity: 'soft' })
    try {
      verifyBody(decodeHeader(row.headerBytes), bytes)
    } catch (e) {
      this.stats.get(source)?.verdict(false, e)
      return false
    }
    row.checks = { ...row.checks, body: true }
    await this.apply({ blocks: [row], ...(this.mode === 'full' ? { bodies: [{ hash, bytes, source }] } : {}) })
    this.stats.get(source)?.verdict(true)
    return true
  }
}

/** Bodies by hash from memory; `corrupt` flips a byte of each, `failFirst` fails that many calls. */
class MemBodies implements BodySource {
  readonly stats: StatsRecorder
  calls = 0
  asked: Hex[] = []
  constructor(
    readonly name: string,
    private readonly bodies: Map<Hex, Uint8Array>,
    private readonly opts: { corrupt?: boolean; failFirst?: number } = {},
  ) {
    this.stats = new StatsRecorder(name, 'filestore')
  }
  async fetchBodies(refs: BodyRef[]): Promise<Map<Hex, Uint8Array>> {
    this.calls++
    const out = new Map<Hex, Uint8Array>()
    for (const { hash } of refs) {
      this.asked.push(hash)
      const b = this.bodies.get(hash)
      if (!b || this.calls <= (this.opts.failFirst ?? 0)) {
        this.stats.failure(new VigilError('NOT_FOUND', 'miss', { severity: 'soft' }))
        continue
      }
      const served = this.opts.corrupt ? b.map((x, i) => (i === b.length - 1 ? x ^ 1 : x)) : b
      this.stats.success(served.length, 1)
      out.set(hash, served)
    }
    return out
  }
}

class MemBlobs implements BlobSource {
  readonly stats: StatsRecorder
  calls = 0
  constructor(
    readonly name: string,
    private readonly blobs: Uint8Array[],
    private readonly opts: { corrupt?: boolean } = {},
  ) {
    this.stats = new StatsRecorder(name, 'beacon')
  }
  async fetchBlobs(ref: BlobRef): Promise<(Uint8Array | null)[]> {
    this.calls++
    expect(ref.l1BlockNumber).toBe(42)
    return this.blobs.map((b) => {
      const out = b.slice()
      if (this.opts.corrupt) out[33] = out[33]! ^ 1
      this.stats.success(out.length, 1)
      return out
    })
  }
}

const stores: DexieChainStore[] = []
const pipelines: BodyPipeline[] = []
afterEach(async () => {
  for (const p of pipelines.splice(0)) await p.stop()
  for (const s of stores.splice(0)) s.close()
})

async function setup(mode: 'light' | 'full', steps: { mined: BodyStep[]; provisional: BodyStep[] }, extra: Partial<ConstructorParameters<typeof BodyPipeline>[0]> = {}) {
  const store = await DexieChainStore.open(`bodies-${Math.random()}`, { indexedDB: new IDBFactory(), IDBKeyRange })
  stores.push(store)
  const engine = new MemEngine(store, mode)
  for (const s of [...steps.mined, ...steps.provisional]) engine.register(s.source.stats)
  const pipeline = new BodyPipeline({ engine, store, mode, ...steps, provisionalGraceMs: 0, retry: { nearTip: { baseMs: 50, maxMs: 200 }, far: { baseMs: 50, maxMs: 200 } }, ...extra })
  pipelines.push(pipeline)
  return { store, engine, pipeline }
}

/** The tests' one wait (test/helpers/wait.ts), polling: the conditions here mix pipeline progress, source stats and stand-in call counts. */
const until = (pred: () => boolean, ms = 10_000, what = 'condition'): Promise<true> => waitFor({ check: () => pred(), timeoutMs: ms, what, intervalMs: 10 })

describe('BodyPipeline', () => {
  it('full mode: fetches provisional bodies from the file store and stores them; every verdict lands on the source', async () => {
    const { provisional } = chain()
    const fs = new MemBodies('filestore', new Map(provisional.map((b) => [b.hash, b.bodyBytes])))
    const { engine, pipeline, store } = await setup('full', { mined: [{ kind: 'bodies', source: fs }], provisional: [{ kind: 'bodies', source: fs }] })
    pipeline.start()
    await engine.apply({ blocks: provisional.map((b) => rowOf(b, 'proposed')) })
    await until(() => pipeline.progress().missing === 0 && pipeline.progress().ready, 5000, 'bodies')
    const p = pipeline.progress()
    expect(p.lowestMissing).toBeNull()
    expect(p.verifiedBySource).toEqual({ filestore: 3 })
    expect(fs.stats.snapshot()).toMatchObject({ requests: 3, failures: 0, accepted: 3, rejected: 0 })
    for (const b of provisional) expect((await store.getBody(b.hash))?.bytes).toEqual(b.bodyBytes)
    // and fetchBody answers from the store
    const got = await pipeline.fetchBody(provisional[1]!.hash)
    expect(got.source).toBe('filestore')
    expect(got.body.txEffects.length).toBe(provisional[1]!.header.txCount)
  })

  it('mined blocks: a corrupt file store is rejected item by item (bodies and blob), the beacon blob verifies by KZG', async () => {
    const { mined, cp } = chain()
    const fs = new MemBodies('filestore', new Map(mined.map((b) => [b.hash, b.bodyBytes])), { corrupt: true })
    const fsBlobs = new MemBlobs('filestore', cp.blobs, { corrupt: true })
    Object.defineProperty(fsBlobs, 'stats', { value: fs.stats }) // one file store, one stats
    const beacon = new MemBlobs('beacon', cp.blobs)
    const { engine, pipeline } = await setup('full', {
      mined: [
        { kind: 'bodies', source: fs },
        { kind: 'blobs', source: fsBlobs },
        { kind: 'blobs', source: beacon },
      ],
      provisional: [{ kind: 'bodies', source: fs }],
    })
    pipeline.start()
    await engine.apply({ blocks: mined.map((b) => rowOf(b, 'mined')), checkpoints: [cpRow(cp)] })
    await until(() => pipeline.progress().missing === 0, 15_000, 'bodies from blobs')
    const f = fs.stats.snapshot()
    const served = f.requests - f.failures
    expect(served).toBe(4) // three bodies and one blob
    expect(f.rejected).toBe(served)
    expect(f.accepted).toBe(0)
    expect(beacon.stats.snapshot()).toMatchObject({ accepted: 1, rejected: 0 })
    expect(pipeline.progress().blobs).toEqual({ verified: 1, rejected: 1 })
    expect(pipeline.progress().verifiedBySource).toEqual({ 'beacon:blob': 3 })
  }, 30_000)

  it('blobs are checked by KZG against the versioned hashes, not only unpacked', async () => {
    const { mined, cp } = chain()
    const beacon = new MemBlobs('beacon', cp.blobs)
    const { engine, pipeline } = await setup('full', { mined: [{ kind: 'blobs', source: beacon }], provisional: [] })
    pipeline.start()
    // the bodies in the blob match the headers, but the checkpoint names another versioned hash
    const wrong = `0x01${'ab'.repeat(31)}` as Hex
    await engine.apply({ blocks: mined.map((b) => rowOf(b, 'mined')), checkpoints: [cpRow(cp, [wrong])] })
    await until(() => beacon.stats.snapshot().rejected >= 1, 15_000, 'a KZG rejection')
    expect(beacon.stats.snapshot().lastError?.code).toBe('BLOB_HASH_MISMATCH')
    expect(pipeline.progress().missing).toBe(3)
    expect(pipeline.progress().verifiedBySource).toEqual({})
  }, 30_000)

  it('re-execution rebuilds a header-only block from gossiped transactions as soon as the last one arrives', async () => {
    const { provisional } = chain()
    const reexec = new ReexecSource()
    const none = new MemBodies('filestore', new Map())
    const { engine, pipeline } = await setup(
      'full',
      { mined: [{ kind: 'bodies', source: reexec }], provisional: [{ kind: 'bodies', source: reexec }, { kind: 'bodies', source: none }] },
      { retry: { nearTip: { baseMs: 60_000, maxMs: 60_000 }, far: { baseMs: 60_000, maxMs: 60_000 } } },
    )
    reexec.onReady((h) => pipeline.poke(h))
    pipeline.start()
    const b = provisional[0]!
    reexec.noteBlock(b.hash, b.proposal.txHashes)
    await engine.apply({ blocks: [rowOf(b, 'proposed')] })
    await until(() => none.calls >= 1, 5000, 'a first round')
    expect(pipeline.progress().missing).toBe(1)
    // the transactions arrive after the proposal; the retry would be a minute away: onReady pokes it
    const t0 = Date.now()
    for (const tx of b.txs) expect(reexec.addTx(encodeTx(tx))).toBe('accept')
    await until(() => pipeline.progress().missing === 0, 5000, 'the rebuilt body')
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(pipeline.progress().verifiedBySource).toEqual({ reexec: 1 })
    expect(reexec.stats.snapshot()).toMatchObject({ accepted: 1, rejected: 0, requests: b.txs.length })
    expect(reexec.addTx(new Uint8Array([9, 9]))).toBe('reject')
  })

  it('a wrong tx hash list yields a body that fails verification: rejected, never accepted', async () => {
    const { provisional } = chain()
    const reexec = new ReexecSource()
    const { engine, pipeline } = await setup('full', { mined: [], provisional: [{ kind: 'bodies', source: reexec }] })
    pipeline.start()
    const [a, b] = provisional
    for (const tx of [...a!.txs, ...b!.txs]) reexec.addTx(encodeTx(tx))
    reexec.noteBlock(a!.hash, b!.proposal.txHashes) // a's header, b's transactions
    await engine.apply({ blocks: [rowOf(a!, 'proposed')] })
    await until(() => reexec.stats.snapshot().rejected >= 1, 5000, 'a rejection')
    expect(reexec.stats.snapshot().accepted).toBe(0)
    expect(pipeline.progress().missing).toBe(1)
  })

  it('retries with backoff, sooner near the tip', async () => {
    const { provisional } = chain()
    const fs = new MemBodies('filestore', new Map())
    const { engine, pipeline } = await setup(
      'full',
      { mined: [], provisional: [{ kind: 'bodies', source: fs }] },
      { nearTipBlocks: 2, retry: { nearTip: { baseMs: 40, maxMs: 80 }, far: { baseMs: 1500, maxMs: 3000 } } },
    )
    pipeline.start()
    const [far, , near] = provisional
    const rows = [rowOf(far!, 'proposed'), rowOf(near!, 'proposed')]
    rows[0]!.height = 1 // far from the tip
    rows[1]!.height = 100
    await engine.apply({ blocks: rows })
    await new Promise((r) => setTimeout(r, 1200))
    const count = (h: Hex) => fs.asked.filter((x) => x === h).length
    expect(count(near!.hash)).toBeGreaterThanOrEqual(5)
    expect(count(far!.hash)).toBeLessThanOrEqual(2)
    expect(pipeline.progress().failedRounds).toBeGreaterThanOrEqual(3)
  })

  it('a source that fails at first is retried until the body verifies', async () => {
    const { provisional } = chain()
    const fs = new MemBodies('filestore', new Map(provisional.map((b) => [b.hash, b.bodyBytes])), { failFirst: 2 })
    const { engine, pipeline } = await setup('full', { mined: [], provisional: [{ kind: 'bodies', source: fs }] })
    pipeline.start()
    await engine.apply({ blocks: provisional.map((b) => rowOf(b, 'proposed')) })
    await until(() => pipeline.progress().missing === 0, 5000, 'bodies after retries')
    expect(fs.calls).toBeGreaterThanOrEqual(3)
    expect(fs.stats.snapshot().accepted).toBe(3)
  })

  it('light mode keeps headers only, fetches on demand, and answers with coded errors', async () => {
    const { provisional } = chain()
    const [a, b] = provisional
    const fs = new MemBodies('filestore', new Map([[a!.hash, a!.bodyBytes]]))
    const { engine, pipeline, store } = await setup('light', { mined: [], provisional: [{ kind: 'bodies', source: fs }] })
    pipeline.start()
    await engine.apply({ blocks: [rowOf(a!, 'proposed'), rowOf(b!, 'proposed')] })
    await new Promise((r) => setTimeout(r, 100))
    expect(fs.calls).toBe(0) // nothing fetched in the background
    const got = await pipeline.fetchBody(a!.hash)
    expect(got.bytes).toEqual(a!.bodyBytes)
    expect(got.source).toBe('filestore')
    expect(await store.getBody(a!.hash)).toBeUndefined() // light mode stores no body
    expect((await store.getBlock(a!.hash))!.checks.body).toBe(true)
    const err = await pipeline.fetchBody(b!.hash).catch((e) => e)
    expect(err).toBeInstanceOf(VigilError)
    expect(err.code).toBe('BODY_UNAVAILABLE')
    expect(err.severity).toBe('soft')
    const unknown = await pipeline.fetchBody(`0x${'99'.repeat(32)}`).catch((e) => e)
    expect(unknown.code).toBe('NOT_FOUND')
    expect(pipeline.progress().missing).toBe(0)
  })

  it('on-demand fetches are bounded: a hanging source gives SOURCE_TIMEOUT, a caller abort gives ABORTED', async () => {
    const { provisional } = chain()
    const hanging: BodySource = {
      name: 'slow',
      stats: new StatsRecorder('slow', 'reqresp'),
      fetchBodies: (_refs, opts) => new Promise((resolve) => opts?.signal?.addEventListener('abort', () => resolve(new Map()))),
    }
    const { engine, pipeline } = await setup('light', { mined: [], provisional: [{ kind: 'bodies', source: hanging }] })
    pipeline.start()
    await engine.apply({ blocks: [rowOf(provisional[0]!, 'proposed')] })
    const t0 = Date.now()
    const err = await pipeline.fetchBody(provisional[0]!.hash, { timeoutMs: 200 }).catch((e) => e)
    expect(err.code).toBe('SOURCE_TIMEOUT')
    expect(Date.now() - t0).toBeLessThan(2000)
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    const aborted = await pipeline.fetchBody(provisional[0]!.hash, { signal: ac.signal }).catch((e) => e)
    expect(aborted.code).toBe('ABORTED')
  })

  it('full mode at start: blocks stored earlier without a body are found and fetched', async () => {
    const { provisional } = chain()
    const fs = new MemBodies('filestore', new Map(provisional.map((b) => [b.hash, b.bodyBytes])))
    const { store, engine } = await setup('full', { mined: [], provisional: [] }) // its own pipeline is never started
    await store.apply({ blocks: provisional.map((b) => rowOf(b, 'attested')) })
    const pipeline = new BodyPipeline({ engine, store, mode: 'full', mined: [], provisional: [{ kind: 'bodies', source: fs }], provisionalGraceMs: 0 })
    pipelines.push(pipeline)
    pipeline.start()
    await until(() => pipeline.progress().ready && pipeline.progress().missing === 0, 5000, 'the scan')
    expect(fs.calls).toBeGreaterThanOrEqual(1)
    expect(Object.values(pipeline.progress().verifiedBySource).reduce((a, b) => a + b, 0)).toBe(3)
  })
})
