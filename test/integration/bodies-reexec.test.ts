/**
 * Bodies when the easy sources fail, against a devnet with `--fault filestore-down --fault
 * withhold-gossip-bodies`: proposals are gossiped header-only and the file store answers 503.
 * - mined blocks' bodies come from L1 beacon blobs, verified by KZG;
 * - new blocks' bodies are rebuilt by re-executing their gossiped transactions;
 * - with `beacon-down` switched on at run time too, an on-demand fetch falls through to
 *   req/resp (the devnet's full nodes), the last resort.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { FetchedBody } from '../../src/sync/bodies'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { bodiesUpTo, devnetHeight } from '../helpers/bodies'
import { waitForSnapshot } from '../helpers/client'
import { pollUntil } from '../helpers/wait'

describe('bodies with the file store down and gossip withholding bodies', () => {
  let devnet: DevnetProcess
  let full: LightClient
  const clients: LightClient[] = []
  let startHeight = 0

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--fault', 'filestore-down', '--fault', 'withhold-gossip-bodies'])
  }, 120_000)

  afterAll(async () => {
    for (const c of clients) await c.stop()
    await devnet?.stop()
  }, 60_000)

  it('mined bodies come from L1 beacon blobs, KZG-verified; nothing from the file store or gossip', async () => {
    await devnetHeight(devnet, 16)
    full = await openNodeClient({ ...devnet.info, mode: 'full' }, { storeName: 'bodies-reexec-full' })
    clients.push(full)
    await full.start()
    startHeight = full.snapshot().tips.proposed?.height ?? 0
    const s = await waitForSnapshot(full, (x) => bodiesUpTo(x, 20), 60_000, 'bodies up to 20')
    expect(s.sources.beacon!.accepted).toBeGreaterThan(0)
    expect(s.sources.beacon!.rejected).toBe(0)
    expect(s.bodies!.blobs.verified).toBeGreaterThan(0)
    expect(s.bodies!.verifiedBySource['beacon:blob']).toBeGreaterThan(0)
    const fs = s.sources.filestore!
    expect(fs.accepted).toBe(0)
    expect(fs.failures).toBeGreaterThan(0)
    expect(fs.lastError?.code).toBe('SOURCE_UNAVAILABLE')
    // proposals arrived (headers verified) but carried no body
    expect(s.sources.gossip!.accepted).toBeGreaterThan(0)
    expect(s.bodies!.verifiedBySource.gossip).toBeUndefined()
    expect(s.counts.invalid).toBe(0)
  }, 100_000)

  it('re-execution rebuilds the bodies of header-only proposals from the tx topic', async () => {
    const s = await waitForSnapshot(full, (x) => (x.sources.reexec?.accepted ?? 0) >= 4, 40_000, 'four re-executed bodies')
    expect(s.sources.reexec!.rejected).toBe(0)
    expect(s.sources.reexec!.requests).toBeGreaterThan(0) // tx messages received
    const rows = (await full.store.blocksFrom(startHeight + 1, 10_000)).filter((r) => r.bodySource === 'reexec')
    expect(rows.length).toBeGreaterThanOrEqual(4)
    for (const r of rows) {
      expect(r.checks.body).toBe(true)
      expect((await full.store.getBody(r.hash))?.source).toBe('reexec')
    }
    expect(full.snapshot().bodies!.verifiedBySource.gossip).toBeUndefined()
  }, 60_000)

  it('beacon-down at run time: the gateway refuses blobs and an on-demand fetch falls through to req/resp', async () => {
    const admin = devnet.info.devnet.adminUrl
    expect(admin, 'the devnet admin endpoint (devnet.adminUrl)').toBeTruthy()
    const on = await fetch(`${admin}/admin/faults/beacon-down`, { method: 'POST' })
    expect(on.status).toBe(200)
    try {
      const beacon = await fetch(`${devnet.info.beaconUrl}/eth/v1/beacon/blobs/latest`)
      expect(beacon.status).toBe(503)
      expect(beacon.headers.get('access-control-allow-origin')).toBe('*')
      // a light client that holds no transactions: file store down, beacon down → req/resp
      const light = await openNodeClient({ ...devnet.info, mode: 'light' }, { storeName: 'bodies-reexec-light' })
      clients.push(light)
      await light.start()
      const s = await waitForSnapshot(light, (x) => (x.tips.mined?.height ?? 0) >= 8, 60_000, 'a mined tip')
      const target = s.latest.find((b) => b.status === 'mined' || b.status === 'finalized')!
      // req/resp answers once a full node's status has been heard: retry the on-demand fetch until then
      const got: FetchedBody = await pollUntil(() => light.fetchBody(target.hash), {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: `the body of ${target.hash} on demand`,
        fatal: (e) => (e as { code?: string }).code !== 'BODY_UNAVAILABLE',
      })
      expect(got.source).toBe('reqresp')
      expect(got.body.txEffects.length).toBe(target.txCount)
      const after = light.snapshot()
      expect(after.sources.beacon!.failures).toBeGreaterThan(0)
      expect(after.sources.beacon!.lastError?.code).toBe('SOURCE_UNAVAILABLE')
      expect(after.sources.beacon!.accepted).toBe(0)
      expect(after.sources.reqresp!.accepted).toBeGreaterThanOrEqual(1)
    } finally {
      await fetch(`${admin}/admin/faults/beacon-down`, { method: 'DELETE' })
    }
  }, 100_000)
})
