/**
 * The explorer's read side and on-demand verification over a real SyncEngine + DexieChainStore
 * (fake-indexeddb), fed real signed proposals, checkpoint proposals and attestations from the
 * devnet's ChainBuilder, with an in-memory L1 (the committee and schedule); plus the pure parts
 * of the page (routes, settings, the virtual list's index math, the evidence export).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Address, Hex } from '../../src/core/types'
import { DexieChainStore } from '../../src/store/chain-store'
import { SyncEngine } from '../../src/sync/engine'
import { MemoryL1 } from '../helpers/memory-l1'
import { StatsRecorder } from '../../src/sources/stats'
import type { RollupParams } from '../../src/ports/l1'
import { Explorer, parseBlockQuery } from '../../src/client/worker/explorer'
import { ChainBuilder, validatorKeys, type BuiltBlock } from '../../src/devnet/builder'
import { slotProposer } from '../../src/protocol/schedule'
import { initCrypto } from '../../src/verify/secp256k1'
import { parseRoute, href } from '../../src/ui/router'
import { applySettings, chainKey } from '../../src/ui/settings'
import { visibleRows, ROW_H } from '../../src/ui/pages/BlocksPage'
import { evidenceExport } from '../../src/ui/pages/EvidencePage'
import { formatEta, rateOf } from '../../src/ui/SyncProgress'
import { niceMax, seriesOf, type SourceSample } from '../../src/ui/SourceCharts'
import type { ClientConfig } from '../../src/client/shared/config'
import { VigilError } from '../../src/core/errors'

const L2 = 7771
const ROLLUP = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address
const domain = { l1ChainId: 31337, rollup: ROLLUP }
const validators = validatorKeys(6)
const committee = validators.map((v) => v.address.toLowerCase() as Address)
const GENESIS = Math.floor(Date.now() / 1000) - 3600
const params: RollupParams = { l2ChainId: L2, genesisTime: GENESIS, slotDuration: 4, epochDuration: 8, targetCommitteeSize: 6 }
const config: ClientConfig = { l2ChainId: L2, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:1'], rollup: ROLLUP, deployBlock: 0 }, bootstrap: [], mode: 'light' }

/** The L1 as far as these tests need it: schedule and committee; nothing mined. */
const l1 = new MemoryL1(params, committee)

const proposerOf = (slot: number) => {
  const epoch = Math.floor(slot / params.epochDuration)
  const address = slotProposer(ROLLUP, L2, epoch, slot, committee)
  return validators.find((v) => v.address.toLowerCase() === address)!
}

async function chain() {
  const store = await DexieChainStore.open('explorer', { indexedDB: new IDBFactory(), IDBKeyRange })
  const engine = new SyncEngine({ store, l1, gossipStats: new StatsRecorder('gossip', 'gossip'), domain, l2ChainId: L2, deployBlock: 0, mode: 'full' })
  await engine.restore()
  const builder = new ChainBuilder(domain, L2)
  const blocks: BuiltBlock[] = []
  // two slots of 3 blocks; the first checkpoint is attested over gossip (5 of 6 sign; quorum 5)
  for (const slot of [10, 11]) {
    const proposer = proposerOf(slot)
    const these = [0, 1, 2].map((i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer, timestamp: (GENESIS + slot * 4) * 1000 + 100 + i }))
    for (const b of these) expect(await engine.onBlockProposal(b.proposalBytes)).toBe('accept')
    blocks.push(...these)
    const cp = builder.buildCheckpoint(these, proposer)
    if (slot === 10) {
      expect(await engine.onCheckpointProposal(cp.proposalBytes)).toBe('accept')
      for (const v of validators.slice(0, 5)) await engine.onAttestation(builder.attestationMessage(cp.digest, slot, v))
    }
  }
  const explorer = new Explorer({ store, l1, config })
  return { store, engine, explorer, blocks }
}

describe('Explorer over a real engine and store', () => {
  let c: Awaited<ReturnType<typeof chain>>
  beforeAll(async () => {
    await initCrypto()
    c = await chain()
  })

  it('getBlock: header, history, provenance, attestations with the committee, tx effects of a held body', async () => {
    const b = c.blocks[1]!
    const view = (await c.explorer.getBlock(b.hash))!
    expect(view.summary.status).toBe('attested')
    expect(view.header).toMatchObject({ height: 2, slot: 10, indexInCheckpoint: 1, bodyHash: b.header.bodyHash, txCount: b.txs.length })
    expect(view.history.map(([s]) => s)).toEqual(['proposed', 'attested'])
    expect(view.provenance.map((p) => [p.what, p.source])).toEqual([
      ['header', 'gossip'],
      ['body', 'gossip'],
      ['attested', 'gossip'],
    ])
    expect(view.checkpoints).toHaveLength(1)
    expect(view.checkpoints[0]).toMatchObject({ status: 'attested', committeeSize: 6, quorum: 5, attestationCount: 5 })
    expect(view.checkpoints[0]!.signers).toHaveLength(5)
    expect(view.checkpoints[0]!.committee).toEqual(committee)
    expect(view.bodyState).toBe('held')
    expect(view.txEffects!.map((t) => t.txHash)).toEqual(b.body.txEffects.map((t) => t.txHash))
    expect(view.parent?.height).toBe(1)
    expect(view.children.map((x) => x.height)).toEqual([3])
    // by height: the same block
    expect((await c.explorer.getBlock(2))!.summary.hash).toBe(b.hash)
    expect(await c.explorer.getBlock(99)).toBeNull()
  })

  it('verifyBlock on an attested block: every check that applies passes, L1-only checks are skipped with why', async () => {
    const r = await c.explorer.verifyBlock(2)
    const by = Object.fromEntries(r.checks.map((x) => [x.name, x]))
    for (const n of ['header', 'linkage', 'ancestry', 'proposer', 'proposerSignature', 'checkpoint', 'quorum', 'body']) expect(by[n]!.status, `${n}: ${by[n]!.detail}`).toBe('pass')
    expect(by.quorum!.detail).toContain('5 of 6 committee members')
    expect(by.quorum!.detail).toContain('gossip (stored)')
    expect(by.l1Inclusion!.status).toBe('skipped')
    expect(by.blobs!.status).toBe('skipped')
    expect(r.ok).toBe(true)
    expect(r.complete).toBe(false)
  })

  it('verifyBlock on a provisional block: quorum and checkpoint skipped, not failed', async () => {
    const r = await c.explorer.verifyBlock(5)
    const by = Object.fromEntries(r.checks.map((x) => [x.name, x]))
    expect(by.proposerSignature!.status).toBe('pass')
    expect(by.checkpoint!.status).toBe('skipped')
    expect(by.quorum!.status).toBe('skipped')
    expect(r.ok).toBe(true)
  })

  it('verifyBlock catches tampered stored data with the right codes', async () => {
    const row = (await c.store.getBlock(c.blocks[4]!.hash))!
    // a signature by someone else
    const forged = { ...row, proposalSignature: c.blocks[0]!.proposal.signature }
    await c.store.apply({ blocks: [forged] })
    const bad = await c.explorer.verifyBlock(row.hash)
    expect(bad.ok).toBe(false)
    const sig = bad.checks.find((x) => x.name === 'proposerSignature')!
    expect(sig.status).toBe('fail')
    expect(sig.error?.code).toBe('BAD_SIGNATURE')
    // a body that does not hash to the header's commitment
    await c.store.apply({ blocks: [row], bodies: [{ hash: row.hash, bytes: c.blocks[0]!.bodyBytes, source: 'evil' }] })
    const body = (await c.explorer.verifyBlock(row.hash)).checks.find((x) => x.name === 'body')!
    expect(body.status).toBe('fail')
    expect(body.error?.code).toBe('BODY_MISMATCH')
    await c.store.apply({ bodies: [{ hash: row.hash, bytes: c.blocks[4]!.bodyBytes, source: 'gossip' }] })
  })

  it('verifyBlock of a block that is not held: NOT_FOUND (soft)', async () => {
    await expect(c.explorer.verifyBlock(`0x${'ab'.repeat(32)}`)).rejects.toMatchObject({ code: 'NOT_FOUND', severity: 'soft' })
  })

  it('search: by height, block hash, tx hash (indexed from verified bodies) and checkpoint digest; a malformed query is a coded error', async () => {
    const b = c.blocks[2]!
    expect(await c.explorer.search('3')).toMatchObject([{ kind: 'block', hash: b.hash, height: 3, match: 'height' }])
    expect(await c.explorer.search(b.hash.toUpperCase().replace('0X', '0x'))).toMatchObject([{ kind: 'block', hash: b.hash, match: 'hash' }])
    const tx = b.body.txEffects.at(-1)!.txHash
    expect(await c.explorer.search(tx)).toMatchObject([{ kind: 'tx', txHash: tx, hash: b.hash, height: 3, index: b.body.txEffects.length - 1 }])
    const cp = (await c.explorer.getBlock(1))!.checkpoints[0]!
    expect(await c.explorer.search(cp.digest)).toMatchObject([{ kind: 'checkpoint', checkpointNumber: 1, hash: c.blocks[0]!.hash }])
    expect(await c.explorer.search(`0x${'cd'.repeat(32)}`)).toEqual([])
    await expect(c.explorer.search('hello')).rejects.toMatchObject({ code: 'DECODE_INVALID_FIELD', severity: 'soft' })
    expect(() => parseBlockQuery(-1)).toThrow(VigilError)
  })

  it('listBlocks: windows by height, newest first, one row per height', async () => {
    const all = await c.explorer.listBlocks({})
    expect(all.rows.map((r) => r.height)).toEqual([6, 5, 4, 3, 2, 1])
    expect(all).toMatchObject({ lowest: 1, highest: 6 })
    expect((await c.explorer.listBlocks({ fromHeight: 2, toHeight: 3 })).rows.map((r) => r.height)).toEqual([3, 2])
    expect((await c.explorer.listBlocks({ beforeHeight: 3, limit: 5 })).rows.map((r) => r.height)).toEqual([2, 1])
  })

  it('storage counts the tables; evidence is empty on a clean chain', async () => {
    const s = await c.explorer.storage()
    expect(s.counts).toMatchObject({ blocks: 6, checkpoints: 1 })
    expect(s.counts.txs).toBe(c.blocks.reduce((n, b) => n + b.txs.length, 0))
    expect(await c.explorer.evidence()).toEqual([])
  })
})

describe('listBlocks over 100,000 stored blocks', () => {
  it('reads a window without scanning the store', async () => {
    const store = await DexieChainStore.open('big', { indexedDB: new IDBFactory(), IDBKeyRange })
    const h = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`
    const N = 100_000
    for (let start = 1; start <= N; start += 10_000) {
      const rows = Array.from({ length: 10_000 }, (_, i) => {
        const height = start + i
        return {
          hash: h(height),
          height,
          slot: height,
          checkpointNumber: height,
          indexInCheckpoint: 0,
          timestamp: 0,
          parentHash: h(height - 1),
          proposer: `0x${'11'.repeat(20)}` as Address,
          txCount: 0,
          headerBytes: new Uint8Array(0),
          proposalSignature: null,
          status: 'finalized' as const,
          checks: {},
          error: null,
          source: 'l1',
          receivedAt: 0,
          history: [],
        }
      })
      await store.apply({ blocks: rows })
    }
    const explorer = new Explorer({ store, l1, config })
    const t0 = performance.now()
    const page = await explorer.listBlocks({ fromHeight: 50_001, toHeight: 50_100 })
    const ms = performance.now() - t0
    expect(page.rows).toHaveLength(100)
    expect(page.rows[0]!.height).toBe(50_100)
    expect(page).toMatchObject({ lowest: 1, highest: N })
    // an index range read: milliseconds, not a scan of 100k rows
    expect(ms).toBeLessThan(500)
    store.close()
  }, 60_000)
})

describe('page helpers', () => {
  it('routes', () => {
    expect(parseRoute('')).toEqual({ page: 'dashboard' })
    expect(parseRoute('#/blocks/42')).toEqual({ page: 'blocks', height: 42 })
    expect(parseRoute(href.block('0xab', '0xcd'))).toEqual({ page: 'block', q: '0xab', tx: '0xcd' })
    expect(parseRoute(href.search('12 3'))).toEqual({ page: 'search', q: '12 3' })
    expect(parseRoute('#/evidence')).toEqual({ page: 'evidence' })
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope' })
  })

  it('settings apply per chain and switch sources off', () => {
    const cfg = { ...config, beaconUrl: 'http://b' } as ClientConfig
    const out = applySettings(cfg, { mode: 'full', chains: { [chainKey(cfg)]: { l1RpcUrls: ['http://a', 'http://c'], bootstrap: [], sources: { beaconUrl: null } } } })
    expect(out.mode).toBe('full')
    expect(out.l1.rpcUrls).toEqual(['http://a', 'http://c'])
    expect(out.bootstrap).toEqual([])
    expect('beaconUrl' in out).toBe(false)
    // another chain's settings do not apply
    expect(applySettings(cfg, { chains: { '1:0xother': { l1RpcUrls: ['http://x'] } } }).l1.rpcUrls).toEqual(config.l1.rpcUrls)
  })

  it('virtual list math: 1,000,000 rows fit a capped spacer and map scroll positions onto every height', () => {
    const top = visibleRows(1_000_000, 0, 700)
    expect(top.first).toBe(0)
    expect(top.spacer).toBeLessThan(1_000_000 * ROW_H)
    const bottom = visibleRows(1_000_000, top.spacer - 700, 700)
    expect(bottom.last).toBe(999_999)
    const middle = visibleRows(1_000_000, (top.spacer - 700) / 2, 700)
    expect(Math.abs(middle.first - 500_000)).toBeLessThan(20)
    expect(visibleRows(10, 0, 700)).toMatchObject({ first: 0, last: 9, ratio: 1 })
  })

  it('ETA, rates and chart scales', () => {
    expect(rateOf([{ t: 0, v: 0 }, { t: 10_000, v: 100 }])).toBe(10)
    expect(rateOf([{ t: 0, v: 0 }, { t: 1_000, v: 100 }])).toBeNull()
    expect(formatEta(42)).toBe('42 s')
    expect(formatEta(3_900)).toBe('1 h 5 min')
    expect(formatEta(null)).toBeNull()
    expect(niceMax(0)).toBe(1)
    expect(niceMax(37)).toBe(50)
    const samples: SourceSample[] = [
      { t: 0, sources: { l1: { requests: 1, bytes: 1000, failures: 0, rejected: 0, latency: 5 } } },
      { t: 1000, sources: { l1: { requests: 3, bytes: 3000, failures: 1, rejected: 0, latency: 9 } } },
    ]
    expect(seriesOf(samples, 'l1', 'throughput')).toEqual([[1000, 2000]])
    expect(seriesOf(samples, 'l1', 'failures')).toEqual([[1000, 1]])
    expect(seriesOf(samples, 'l1', 'latency')).toEqual([[1000, 9]])
  })

  it('evidence export is self-describing JSON', () => {
    const json = JSON.parse(evidenceExport([], config, Date.UTC(2025, 0, 1)))
    expect(json).toMatchObject({ format: 'vigil-evidence/1', exportedAt: '2025-01-01T00:00:00.000Z', chain: { l2ChainId: L2, l1ChainId: 31337, rollup: ROLLUP }, items: [] })
  })
})
