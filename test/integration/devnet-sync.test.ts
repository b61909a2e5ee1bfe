/**
 * The walking skeleton end to end under Node: a real devnet (anvil + rollup + proposer +
 * 48 validators + libp2p) and the LightClient following it from gossip and L1.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import { alive, repoRoot, startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { waitForSnapshot } from '../helpers/client'
import { l1Totals } from '../helpers/l1-stats'

describe('devnet + Node light client', () => {
  let devnet: DevnetProcess
  let client: LightClient

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '48'])
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    const { pid } = devnet ?? {}
    const anvilPid = devnet?.info.devnet.anvilPid
    await devnet?.stop()
    if (pid) expect(alive(pid)).toBe(false)
    if (anvilPid) expect(alive(anvilPid)).toBe(false)
  }, 60_000)

  it('follows gossip and L1 to height ≥ 20 with every mined checkpoint quorum-verified', async () => {
    client = await openNodeClient(devnet.info, { storeName: 'devnet-sync-test' })
    await client.start()
    const s = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= 20, 120_000, 'mined tip ≥ 20')
    expect(s.tips.proposed!.height).toBeGreaterThanOrEqual(s.tips.mined!.height)
    expect(s.tips.attested!.height).toBeGreaterThanOrEqual(s.tips.mined!.height)
    const mined = client.engine.getMinedCheckpoints()
    expect(mined.length).toBeGreaterThanOrEqual(5)
    for (const c of mined) {
      expect(c.committeeSize).toBe(48)
      expect(c.quorum).toBe(33)
      expect(c.signers.length).toBeGreaterThanOrEqual(33)
      expect(new Set(c.signers).size).toBe(c.signers.length)
    }
    // gossip delivered proposals, verified by proposer signature; L1 delivered checkpoints
    expect(s.sources.gossip!.accepted).toBeGreaterThan(0)
    expect(s.sources.gossip!.rejected).toBe(0)
    expect(l1Totals(s.sources).requests).toBeGreaterThan(0)
    expect(s.latest.some((b) => b.checks.proposerSignature === true)).toBe(true)
    expect(s.counts.invalid).toBe(0)
    expect(s.failures).toEqual([])
    // finality follows L1 finality
    await waitForSnapshot(client, (x) => (x.tips.finalized?.height ?? 0) > 0, 60_000, 'a finalized tip')
    expect(await client.store.checkConsistency()).toEqual([])
  }, 200_000)

  it('vigil sync --json against the running devnet exits 0 with an empty failures list', async () => {
    const out: string[] = []
    const child = spawn(process.execPath, ['bin/vigil.js', 'sync', '--config', devnet.configPath, '--until-height', '20', '--timeout', '90', '--json'], { cwd: repoRoot })
    child.stdout.on('data', (d) => out.push(String(d)))
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    const report = JSON.parse(out.join('').trim().split('\n').at(-1)!)
    expect(code).toBe(0)
    expect(report.ok).toBe(true)
    expect(report.tips.mined.height).toBeGreaterThanOrEqual(20)
    expect(report.tips.proposed.height).toBeGreaterThanOrEqual(20)
    expect(report.checkpoints.mined).toBeGreaterThan(0)
    expect(report.checkpoints.quorumVerified).toBe(report.checkpoints.mined)
    expect(report.counts.invalid).toBe(0)
    expect(l1Totals(report.sources).requests).toBeGreaterThan(0)
    expect(report.sources.gossip.requests).toBeGreaterThanOrEqual(0)
    expect(report.failures).toEqual([])
  }, 150_000)

  it('vigil sync exits non-zero when the height is not reached in time, and 2 on bad usage', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, ['bin/vigil.js', ...args], { cwd: repoRoot })
        let out = ''
        c.stdout.on('data', (d) => (out += d))
        c.stderr.on('data', (d) => (out += d))
        c.once('exit', (code) => resolve({ code, out }))
      })
    const late = await run(['sync', '--config', devnet.configPath, '--until-height', '100000', '--timeout', '3', '--json'])
    expect(late.code).toBe(1)
    expect(JSON.parse(late.out.trim().split('\n').at(-1)!).ok).toBe(false)
    const bad = await run(['sync', '--config', devnet.configPath, '--until-height', 'x'])
    expect(bad.code).toBe(2)
    expect(bad.out).toContain('--until-height must be a non-negative integer')
    const missing = await run(['sync', '--config', '/nonexistent/devnet.json', '--until-height', '1'])
    expect(missing.code).toBe(2)
    expect(missing.out).toContain('CONFIG_INVALID')
  }, 60_000)
})
