/**
 * Acceptance (issue 3): `vigil sync --mode full` against `--fault corrupt-filestore` ends with
 * every body verified, fetched from another source, and the file store's rejected count in
 * `sources` equal to what it served. Plus: an on-demand fetch in light mode skips the
 * corrupt store and verifies the L1 blob by KZG.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { devnetHeight, runVigil } from '../helpers/bodies'
import { waitForSnapshot } from '../helpers/client'

describe('bodies with --fault corrupt-filestore', () => {
  let devnet: DevnetProcess
  let client: LightClient | null = null

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--fault', 'corrupt-filestore'])
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await devnet?.stop()
  }, 60_000)

  it('vigil sync --mode full: every body verified from another source; file store rejected = served', async () => {
    await devnetHeight(devnet, 24) // history whose bodies the client must fetch (not gossiped to it)
    const { code, report, stderr } = await runVigil(['sync', '--config', devnet.configPath, '--mode', 'full', '--until-height', '24', '--timeout', '70', '--json'])
    expect(report, stderr.slice(-2000)).not.toBeNull()
    expect(code).toBe(0)
    expect(report!.ok).toBe(true)
    const up = report!.bodies.upTo
    expect(up).toMatchObject({ height: 24, canonical: 24, verified: 24, stored: 24, missing: [] })
    const fs = report!.sources.filestore
    const served = fs.requests - fs.failures
    expect(served).toBeGreaterThan(0)
    expect(fs.rejected).toBe(served)
    expect(fs.accepted).toBe(0)
    // the bodies came from L1 blobs (KZG-verified) and whatever else had them, never the file store
    expect(report!.sources.beacon.accepted).toBeGreaterThan(0)
    expect(report!.bodies.blobs.verified).toBeGreaterThan(0)
    expect(report!.bodies.verifiedBySource.filestore).toBeUndefined()
    expect(report!.bodies.verifiedBySource['filestore:blob']).toBeUndefined()
    expect(report!.counts.invalid).toBe(0)
    // every failure names where it came from (issue 12 item 3): the file store's bad bodies name `filestore`
    for (const f of report!.failures) expect(f.source, JSON.stringify(f)).toBeTruthy()
    expect(report!.failures.some((f: { source?: string }) => f.source === 'filestore')).toBe(true)
    for (const f of report!.failures) if (f.code === 'BODY_MISMATCH') expect(f.source).toMatch(/^filestore/)
    for (const f of report!.failures) expect(['BODY_MISMATCH', 'BLOB_HASH_MISMATCH', 'BLOB_INVALID', 'BLOB_COUNT_MISMATCH', 'DECODE_TRUNCATED', 'DECODE_INVALID_FIELD', 'DECODE_TOO_LARGE']).toContain(f.code)
  }, 100_000)

  it('light mode: fetchBody on demand rejects the corrupt file store and verifies the beacon blob by KZG', async () => {
    client = await openNodeClient({ ...devnet.info, mode: 'light' }, { storeName: 'bodies-corrupt-light', noP2P: true })
    await client.start()
    const s = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= 8, 60_000, 'mined tip ≥ 8 from L1')
    const target = s.latest.find((b) => b.status === 'mined' || b.status === 'finalized')!
    expect(target).toBeDefined()
    const got = await client.fetchBody(target.hash)
    expect(got.source).toBe('beacon:blob')
    expect(got.body.txEffects.length).toBe(target.txCount)
    expect(await client.store.getBody(target.hash)).toBeUndefined() // light: verified, not kept
    const after = client.snapshot()
    expect(after.sources.filestore!.rejected).toBeGreaterThanOrEqual(1)
    expect(after.sources.filestore!.accepted).toBe(0)
    expect(after.sources.beacon!.accepted).toBeGreaterThanOrEqual(1)
    expect(after.bodies!.missing).toBe(0) // light mode keeps no background work
  }, 90_000)
})
