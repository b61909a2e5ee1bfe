/**
 * The healthy file store path against a real devnet: a full-mode client gets the bodies of
 * blocks it did not receive by gossip from the file store (stats show it, every one verified
 * and stored); a light client fetches one on demand; the published signed header ranges
 * verify like gossip.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hex } from '../../src/core/types'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import { FileStoreSource } from '../../src/sources/filestore'
import { HEADER_CHUNK_SIZE } from '../../src/protocol/filestore'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { bodiesUpTo, devnetHeight } from '../helpers/bodies'
import { waitForSnapshot } from '../helpers/client'

describe('bodies from a healthy file store', () => {
  let devnet: DevnetProcess
  const clients: LightClient[] = []

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '8'])
  }, 120_000)

  afterAll(async () => {
    for (const c of clients) await c.stop()
    await devnet?.stop()
  }, 60_000)

  it('full mode: bodies of history come from the file store, verified and stored', async () => {
    expect(devnet.info.fileStoreUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await devnetHeight(devnet, 24) // blocks built before the client connects: no gossip for them
    const client = await openNodeClient({ ...devnet.info, mode: 'full' }, { storeName: 'bodies-filestore-full' })
    clients.push(client)
    await client.start()
    const s = await waitForSnapshot(client, (x) => bodiesUpTo(x, 32), 60_000, 'bodies up to 32')
    const fs = s.sources.filestore!
    expect(fs.accepted).toBeGreaterThanOrEqual(16)
    expect(fs.rejected).toBe(0)
    expect(s.bodies!.verifiedBySource.filestore).toBe(fs.accepted)
    // file store first: the beacon was not needed
    expect(s.sources.beacon!.accepted).toBe(0)
    const rows = (await client.store.blocksFrom(1, 10_000)).filter((r) => r.height <= 32 && r.status !== 'orphaned' && r.status !== 'invalid')
    expect(rows.length).toBe(32)
    for (const r of rows) {
      expect(r.checks.body, `block ${r.height}`).toBe(true)
      expect((await client.store.getBody(r.hash))?.bytes.length, `block ${r.height}`).toBeGreaterThan(0)
    }
    // other sources (req/resp full nodes, the backup RPC) may deliver some first; the file store carried most
    expect(rows.filter((r) => r.bodySource === 'filestore').length).toBeGreaterThanOrEqual(8)
  }, 90_000)

  it('light mode: fetchBody on demand from the file store; unknown blocks are NOT_FOUND', async () => {
    const client = await openNodeClient({ ...devnet.info, mode: 'light' }, { storeName: 'bodies-filestore-light', noP2P: true })
    clients.push(client)
    await client.start()
    const s = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= 8, 60_000, 'a mined tip')
    const target = s.latest.find((b) => b.status === 'mined' || b.status === 'finalized')!
    const got = await client.fetchBody(target.hash)
    expect(got.source).toBe('filestore')
    expect(got.height).toBe(target.height)
    expect(got.body.txEffects.length).toBe(target.txCount)
    expect(await client.store.getBody(target.hash)).toBeUndefined()
    expect((await client.store.getBlock(target.hash))!.checks.body).toBe(true)
    expect(client.snapshot().sources.filestore!.accepted).toBe(1)
    const err = await client.fetchBody(`0x${'77'.repeat(32)}` as Hex).catch((e) => e)
    expect(err.code).toBe('NOT_FOUND')
  }, 90_000)

  it('publishes signed header ranges in chunks of 64 that verify like gossip', async () => {
    const src = new FileStoreSource(devnet.info.fileStoreUrl!, devnet.info.l2ChainId)
    const t0 = Date.now()
    for (;;) {
      const meta = await src.meta()
      expect(meta).toMatchObject({ layout: 1, l2ChainId: devnet.info.l2ChainId, headerChunkSize: HEADER_CHUNK_SIZE })
      if (meta!.headersUpTo >= HEADER_CHUNK_SIZE) break
      if (Date.now() - t0 > 60_000) throw new Error(`no header chunk after 60 s (meta ${JSON.stringify(meta)})`)
      await new Promise((r) => setTimeout(r, 500))
    }
    const range = await src.headerRange(1)
    expect(range!.length).toBe(HEADER_CHUNK_SIZE)
    // a fresh client with L1 only (no gossip) takes every signed header through the same checks as a proposal
    const client = await openNodeClient({ ...devnet.info, mode: 'light' }, { storeName: 'bodies-filestore-headers', noP2P: true })
    clients.push(client)
    client.engine.registerSource(src.stats)
    const verdicts = []
    for (const sh of range!) verdicts.push(await client.engine.onSignedHeader(sh.header, sh.signature, src.stats.name))
    expect(verdicts.every((v) => v === 'accept')).toBe(true)
    expect(src.stats.snapshot().accepted).toBe(HEADER_CHUNK_SIZE)
    expect(client.engine.getTips().proposed?.height).toBe(HEADER_CHUNK_SIZE)
  }, 90_000)
})
