/**
 * Start from a trusted hash against a real devnet (docs/sync.md § Trusted hash): a Node light
 * client given `trustedHeader` = the archival full node's head at some height h fetches that
 * header over req/resp, checks its hash and proposer signature, and syncs h..head from the full
 * nodes, never asking for anything below h. A trusted hash no peer serves: every peer that
 * served another header at h is penalised (TRUSTED_HASH_MISMATCH), a soft
 * TRUSTED_HEADER_UNAVAILABLE says so after the timeout, and gossip is still followed.
 *
 * The client reaches L1 through a test proxy pinned at the rollup's deploy block: no mined
 * checkpoint is visible, so everything the client holds at h.. came over req/resp or gossip —
 * the test fails if the trusted start breaks. Then the L1 is let through: mined checkpoints
 * promote the blocks synced from the trusted header (the L1 path keeps working).
 */
import { beforeFirstCheckpoint } from './faults-admin'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { Hex } from '../../src/core/types'
import { fullNodes, startDevnetProcess, repoRoot, type DevnetProcess } from '../helpers/devnet'
import { pollUntil } from '../helpers/wait'
import { startL1Proxy, type L1Proxy } from '../helpers/l1-proxy'
import { waitForSnapshot } from '../helpers/client'

/** Records every headers-by-range request the client's req/resp source makes. */
function recordRequests(client: LightClient): { from: number; count: number }[] {
  const asked: { from: number; count: number }[] = []
  const orig = client.reqresp.headersByRange.bind(client.reqresp)
  client.reqresp.headersByRange = (from, count, opts) => {
    asked.push({ from, count })
    return orig(from, count, opts)
  }
  return asked
}

describe('sync from a trusted hash (devnet)', () => {
  let devnet: DevnetProcess
  let proxy: L1Proxy
  const clients: LightClient[] = []
  const archival = async () => (await fullNodes(devnet)).find((n) => n.kind === 'archival')!
  /** The devnet's progress has no push channel: poll the archival node's status. */
  const untilArchivalHeight = async (h: number, timeoutMs: number) => {
    let at = -1
    return pollUntil(
      async () => {
        const a = await archival()
        at = a.status.latest
        return at >= h ? a : null
      },
      { timeoutMs, what: `archival node height ${h}`, context: () => `archival node at height ${at}` },
    )
  }
  // req/resp is the path under test: no backup L2 RPC, no file store header ranges
  const config = () => {
    const { l2RpcUrl: _rpc, ...info } = devnet.info
    return { ...info, l1: { ...devnet.info.l1, rpcUrls: [proxy.url], quorum: 1 } }
  }

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '8', '--committee', '8'])
    proxy = await startL1Proxy(devnet.info.devnet.rpcUrl)
  }, 120_000)

  afterAll(async () => {
    for (const c of clients) await c.stop().catch(() => undefined)
    await proxy?.close()
    await devnet?.stop()
  }, 60_000)

  it('syncs h..head over req/resp from the archival node’s header at h, nothing below h fetched; L1 then promotes it', async () => {
    // the trusted header: whatever the archival node holds as its head at some height h ≥ 12
    const a = await untilArchivalHeight(12, 60_000)
    const trusted = { height: a.status.latest, hash: a.status.headHash }
    const h = trusted.height
    await untilArchivalHeight(h + 16, 60_000)
    proxy.pin(await beforeFirstCheckpoint(devnet.info)) // no mined checkpoint visible: only peers can deliver h..
    const client = await openNodeClient({ ...config(), trustedHeader: trusted }, { storeName: 'trusted-hash-ok', reqresp: { statusIntervalMs: 1_000 } })
    clients.push(client)
    const asked = recordRequests(client)
    await client.start()
    const s = await waitForSnapshot(client, (x) => x.sync?.trusted?.state === 'anchored' && (x.sync?.base ?? 0) >= h + 16, 40_000, `anchored at ${h} and base ≥ ${h + 16}`)
    console.log(`[trusted-hash] anchored at ${h} from ${s.sync!.trusted!.peer}; base ${s.sync!.base}; ${s.sources.reqresp!.accepted} headers accepted over req/resp; requests ${JSON.stringify(asked.slice(0, 4))}…`)

    // the trusted header came first, alone, from a full node; nothing below it was asked
    expect(asked[0]).toEqual({ from: h, count: 1 })
    expect(Math.min(...asked.map((r) => r.from))).toBe(h)
    const fullNodeIds = devnet.info.fullNodes!.map((n) => n.peerId)
    expect(fullNodeIds).toContain(s.sync!.trusted!.peer)
    expect(s.sync!.trusted).toMatchObject({ height: h, hash: trusted.hash })
    expect(s.failures.filter((f) => f.severity === 'hard')).toEqual([])
    expect(s.sources.reqresp!.rejected).toBe(0)
    // (gossip delivers the newest few while the syncer works: only most of h..h+16 must come from peers)
    expect(s.sources.reqresp!.accepted).toBeGreaterThanOrEqual(8)
    // every block stored from peers was counted as accepted: bracketed by two reads of the
    // counter, since the syncer may take one more range between the snapshot and this read
    const fromPeers = client.engine.latest(1000).filter((b) => b.source === 'reqresp')
    const acceptedAfter = client.snapshot().sources.reqresp!.accepted
    expect(fromPeers.length).toBeGreaterThanOrEqual(s.sources.reqresp!.accepted)
    expect(fromPeers.length).toBeLessThanOrEqual(acceptedAfter)
    expect(Math.min(...fromPeers.map((b) => b.height))).toBe(h)
    expect(s.tips.mined).toBeNull()

    // history starts at h: no block below it is held; h.. are verified and link up from h
    const rows = await client.store.blocksFrom(0, 100_000)
    expect(Math.min(...rows.map((r) => r.height))).toBe(h)
    expect(client.engine.canonicalBlock(h)).toMatchObject({ hash: trusted.hash, checks: { proposerSignature: true } })
    for (let x = h + 1; x <= h + 16; x++) expect(client.engine.canonicalBlock(x)?.checks, `block ${x}`).toMatchObject({ proposerSignature: true, linkage: true })

    // the L1 catches up: mined checkpoints above h promote exactly the blocks synced from h (no reorg, nothing invalid)
    proxy.up()
    const m = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= h + 16, 40_000, `mined tip ≥ ${h + 16}`)
    expect(m.reorgs).toEqual([])
    expect(m.counts.invalid).toBe(0)
    for (let x = h; x <= h + 16; x++) {
      const b = client.engine.canonicalBlock(x)!
      expect(['mined', 'finalized'], `block ${x} ${b.status}`).toContain(b.status)
      expect(b.checks.quorum).toBe(true)
    }
    expect(asked.every((r) => r.from >= h)).toBe(true)
  }, 90_000)

  it('a trusted hash no peer serves: peers serving another header are penalised, a soft error says so, gossip is still followed', async () => {
    proxy.pin(await beforeFirstCheckpoint(devnet.info))
    const a = await untilArchivalHeight(8, 60_000)
    const wrong = { height: a.status.latest - 4, hash: `0x${'5a'.repeat(32)}` as Hex }
    const client = await openNodeClient({ ...config(), trustedHeader: wrong }, { storeName: 'trusted-hash-wrong', reqresp: { statusIntervalMs: 1_000, trustedTimeoutMs: 3_000 } })
    clients.push(client)
    const asked = recordRequests(client)
    await client.start()
    const s = await waitForSnapshot(
      client,
      (x) => x.sync?.trusted?.state === 'unavailable' && x.failures.some((f) => f.code === 'TRUSTED_HEADER_UNAVAILABLE') && x.tips.proposed !== null,
      30_000,
      'trusted header unavailable, gossip followed',
    )
    const mismatches = s.failures.filter((f) => f.code === 'TRUSTED_HASH_MISMATCH')
    expect(mismatches.length).toBeGreaterThanOrEqual(1)
    expect(mismatches.every((f) => f.severity === 'hard' && f.details?.height === wrong.height && f.details?.trusted === wrong.hash)).toBe(true)
    const unavailable = s.failures.find((f) => f.code === 'TRUSTED_HEADER_UNAVAILABLE')!
    expect(unavailable).toMatchObject({ severity: 'soft', details: { height: wrong.height, hash: wrong.hash } })
    // every peer that served height h was penalised (benched): see the peer book
    const penalised = client.peers().filter((p) => p.reqresp?.lastError?.code === 'TRUSTED_HASH_MISMATCH')
    expect(penalised.length).toBeGreaterThanOrEqual(1)
    expect(penalised.length).toBeLessThanOrEqual(mismatches.length)
    // only the trusted height was ever asked, one header at a time: no range sync without the base
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((r) => r.from === wrong.height && r.count === 1)).toBe(true)
    expect(s.sync!.base).toBe(0)
    // gossip is still followed (the provisional tip moves on), nothing below the trusted height fetched
    expect(s.tips.proposed!.height).toBeGreaterThan(wrong.height)

    // the L1 catches up: it mined another block at that height, so the trusted hash is on no chain L1
    // holds — recorded once (hard, source l1), and the client follows L1 from then on
    proxy.up()
    const c = await waitForSnapshot(client, (x) => x.sync?.trusted?.state === 'conflict' && (x.tips.mined?.height ?? 0) > wrong.height, 40_000, 'the L1 contradicts the trusted hash')
    const fromL1 = c.failures.filter((f) => f.code === 'TRUSTED_HASH_MISMATCH' && f.details?.source === 'l1')
    expect(fromL1).toHaveLength(1)
    expect(fromL1[0]).toMatchObject({ severity: 'hard', details: { height: wrong.height, trusted: wrong.hash, got: client.engine.canonicalBlock(wrong.height)!.hash } })
    expect(client.engine.canonicalBlock(wrong.height)!.status).toMatch(/mined|finalized/)
  }, 90_000)

  it('vigil sync --trusted-hash <h>:<0xhash> starts there and reports it', async () => {
    proxy.pin(await beforeFirstCheckpoint(devnet.info)) // the trusted header must come from a peer, not the L1
    const a = await untilArchivalHeight(8, 60_000)
    const h = a.status.latest
    const dir = await mkdtemp(join(tmpdir(), 'vigil-trusted-cli-'))
    try {
      const configPath = join(dir, 'devnet.json')
      await writeFile(configPath, JSON.stringify(config()))
      const args = ['bin/vigil.js', 'sync', '--config', configPath, '--trusted-hash', `${h}:${a.status.headHash}`, '--until-height', String(h + 4), '--tip', 'proposed', '--timeout', '40', '--json', '--verbose']
      const t0 = performance.now()
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, args, { cwd: repoRoot, timeout: 60_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 99) : 0, stdout, stderr }),
        ),
      )
      expect(r.code, r.stderr.slice(-2000)).toBe(0)
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { ok: boolean; elapsedMs: number; trusted: { height: number; hash: Hex; state: string; peer: string | null } | null }
      console.log(`[trusted-hash] vigil sync --trusted-hash ${h}:…: reached ${h + 4} in ${report.elapsedMs} ms; process exited after ${Math.round(performance.now() - t0)} ms`)
      expect(report.ok).toBe(true)
      expect(report.trusted, `${JSON.stringify(report).slice(0, 3000)}\n${r.stderr.slice(-3000)}`).toMatchObject({ height: h, hash: a.status.headHash, state: "anchored" })
      expect(devnet.info.fullNodes!.map((n) => n.peerId)).toContain(report.trusted!.peer)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 70_000)
})
