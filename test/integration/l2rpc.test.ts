/**
 * Backup sync from the devnet's trusted L2 RPC (op-node style), with a client that has NO
 * libp2p: only L1 + the RPC. It still reaches the provisional tip, every block from the RPC
 * verified like gossip (proposer signature, body against header); and with
 * `--fault corrupt-l2rpc` the RPC's bad bodies are rejected and counted, never stored.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { waitForSnapshot } from '../helpers/client'

async function rpcHead(url: string): Promise<number> {
  const res = await fetch(`${url}/head`)
  return ((await res.json()) as { height: number }).height
}

const DEVNET_ARGS = ['--slot', '2', '--blocks-per-slot', '4', '--committee', '16']

describe('backup sync from the trusted L2 RPC (no libp2p)', () => {
  let devnet: DevnetProcess
  let client: LightClient | undefined

  beforeAll(async () => {
    devnet = await startDevnetProcess(DEVNET_ARGS)
  }, 120_000)
  afterAll(async () => {
    await client?.stop()
    await devnet?.stop()
  }, 60_000)

  it('the devnet writes l2RpcUrl into its info and serves head and blocks', async () => {
    expect(devnet.info.l2RpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/l2$/)
    const res = await fetch(`${devnet.info.l2RpcUrl}/block/999999999`)
    expect(res.status).toBe(404)
  })

  it('reaches the provisional tip through the RPC alone, every block verified', async () => {
    onTestFailed(() => console.error(`devnet output:\n${devnet.output.slice(-40).join('\n')}`))
    client = await openNodeClient(devnet.info, { noP2P: true, storeName: 'l2rpc-test', throttleMs: 50 })
    await client.start()
    // the RPC's head now; the client, with no gossip at all, must get there and beyond
    await waitForSnapshot(client, (s) => (s.tips.mined?.height ?? 0) >= 8, 60_000, 'a mined tip ≥ 8 (L1)')
    const target = await rpcHead(devnet.info.l2RpcUrl!)
    await waitForSnapshot(client, (x) => (x.tips.proposed?.height ?? 0) >= target, 30_000, `proposed tip ≥ RPC head ${target}`)
    // header and body are two engine steps: look when no RPC block is half-way through
    await client.backupQueue!.idle()
    const s = client.snapshot()
    expect(s.tips.proposed!.height).toBeGreaterThan(s.tips.mined!.height)
    expect(s.peers).toEqual([])
    expect(s.sources.gossip!.requests).toBe(0)
    const rpc = s.sources.l2rpc!
    expect(rpc.kind).toBe('l2rpc')
    expect(rpc.requests).toBeGreaterThan(0)
    expect(rpc.accepted).toBeGreaterThan(0)
    expect(rpc.rejected).toBe(0)
    // the blocks above the mined tip came from the RPC, each with its proposer signature and body checked
    const provisional = s.latest.filter((b) => b.height > s.tips.mined!.height && b.status === 'proposed')
    expect(provisional.length).toBeGreaterThan(0)
    for (const b of provisional) {
      expect(b.source).toBe('l2rpc')
      expect(b.checks.proposerSignature).toBe(true)
      expect(b.checks.body).toBe(true)
    }
    expect(client.backupQueue!.stats().completed).toBeGreaterThan(0)
    expect(s.failures).toEqual([])
    expect(await client.store.checkConsistency()).toEqual([])
  }, 120_000)

  it('later, L1 promotes the RPC blocks to mined without refetching them', async () => {
    const before = client!.snapshot()
    const h = before.tips.proposed!.height
    const s = await waitForSnapshot(client!, (x) => (x.tips.mined?.height ?? 0) >= h, 60_000, `mined tip ≥ ${h}`)
    const promoted = s.latest.filter((b) => b.height <= h && b.source === 'l2rpc')
    expect(promoted.length).toBeGreaterThan(0)
    for (const b of promoted) expect(['mined', 'finalized']).toContain(b.status)
    expect(s.counts.orphaned).toBe(0)
  }, 90_000)
})

describe('backup sync against a lying L2 RPC (--fault corrupt-l2rpc)', () => {
  let devnet: DevnetProcess
  let client: LightClient | undefined

  beforeAll(async () => {
    devnet = await startDevnetProcess([...DEVNET_ARGS, '--fault', 'corrupt-l2rpc'])
  }, 120_000)
  afterAll(async () => {
    await client?.stop()
    await devnet?.stop()
  }, 60_000)

  it('bodies that do not match their headers are rejected with BODY_MISMATCH and counted against the RPC', async () => {
    client = await openNodeClient(devnet.info, { noP2P: true, storeName: 'l2rpc-corrupt-test', throttleMs: 50 })
    await client.start()
    const s = await waitForSnapshot(client, (x) => (x.sources.l2rpc?.rejected ?? 0) >= 3, 60_000, 'three rejected RPC bodies')
    expect(s.failures.some((f) => f.code === 'BODY_MISMATCH')).toBe(true)
    // the (valid) headers were accepted, no body from the RPC ever passed
    expect(s.latest.some((b) => b.source === 'l2rpc' && b.checks.proposerSignature === true)).toBe(true)
    const q = client.backupQueue!.stats()
    expect(q.completed).toBe(0)
    // a hard failure is not retried: one block request per rejected body
    expect(q.failed).toBeGreaterThanOrEqual(3)
    expect(q.retries).toBe(0)
  }, 90_000)
})
