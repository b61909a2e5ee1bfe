/**
 * Trust only Ethereum (docs/trust.md), against a devnet whose first L1 RPC lies
 * (`lying-l1-rpc`: a committee of its own keys, a forged checkpoint signed by it, finality
 * ahead of the truth, storage proofs that do not verify, a forged head that hashes) and whose
 * second hides every checkpoint ≡ 2 (mod 3) from its logs:
 * - `vigil sync --until-height 30 --json` over the three (k = 2) reaches 30 on the true chain,
 *   nothing forged is mined, finalized or verified, and the failures name the liar;
 * - over the hiding RPC alone, every hidden checkpoint is still found (the proven tip) and mined;
 * - with one RPC of three down, sync continues at k = 2;
 * - with k = 3 while one disagrees, mined does not advance and the trust view says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { ClientConfig } from '../../src/core/config'
import type { Hex } from '../../src/core/types'
import { rpcName } from '../../src/sources/l1-rpc'
import { repoRoot, startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { waitForSnapshot } from '../helpers/client'
import { adminGet, adminSet } from './faults-admin'

let devnet: DevnetProcess
let urls: string[]

beforeAll(async () => {
  devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--fault', 'lying-l1-rpc', '--fault', 'l1-rpc-hides-checkpoint'])
  urls = devnet.info.l1.rpcUrls
}, 120_000)

afterAll(async () => {
  await devnet?.stop()
}, 60_000)

const withL1 = (rpcUrls: string[], quorum: number): ClientConfig => ({ ...devnet.info, l1: { ...devnet.info.l1, rpcUrls, quorum } })

/** What the liar forged so far: checkpoint digests and block hashes. */
async function forgeries(): Promise<{ digests: Set<Hex>; hashes: Set<Hex> }> {
  const acts = (await adminGet(devnet.info, '?fault=lying-l1-rpc')).actions.filter((a) => a.detail.action === 'forged-checkpoint')
  return { digests: new Set(acts.map((a) => a.detail.digest as Hex)), hashes: new Set(acts.flatMap((a) => a.detail.headerHashes as Hex[])) }
}

async function expectNothingForged(client: LightClient): Promise<void> {
  const { digests, hashes } = await forgeries()
  expect(digests.size).toBeGreaterThan(0) // the liar did forge
  for (const c of client.engine.getMinedCheckpoints()) expect(digests.has(c.digest)).toBe(false)
  for (const h of hashes) {
    const row = await client.store.getBlock(h)
    expect(row === undefined || (row.status !== 'mined' && row.status !== 'finalized')).toBe(true)
  }
}

describe('an L1 RPC that lies', () => {
  it('vigil sync --until-height 30 --json over three RPCs (k = 2) reaches 30 on the true chain and names the liar', async () => {
    const out: string[] = []
    const child = spawn(process.execPath, ['bin/vigil.js', 'sync', '--config', devnet.configPath, '--until-height', '30', '--timeout', '120', '--json'], { cwd: repoRoot })
    child.stdout.on('data', (d) => out.push(String(d)))
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    const report = JSON.parse(out.join('').trim().split('\n').at(-1)!)
    expect(code).toBe(0)
    expect(report.tips.mined.height).toBeGreaterThanOrEqual(30)
    expect(report.counts.invalid).toBe(0)
    const liar = rpcName(urls[0]!)
    const named = (report.failures as { code: string; details?: { source?: string } }[]).filter((f) => f.details?.source === liar)
    expect(named.length).toBeGreaterThan(0)
    expect(named.map((f) => f.code)).toEqual(expect.arrayContaining([expect.stringMatching(/^(L1_RPC_DISAGREES|PROOF_INVALID|PROOF_VALUE_MISMATCH|HEADER_HASH_MISMATCH|ROOT_MISMATCH|RECEIPT_MISMATCH)$/)]))
    // nothing is held against an honest RPC (a head outvoted in a race is only a soft note)
    expect((report.failures as { severity: string; details?: { source?: string } }[]).filter((f) => f.details?.source === rpcName(urls[2]!) && f.severity === 'hard')).toEqual([])
  }, 180_000)

  it('in process: nothing the liar forged is mined or finalized; the trust view names it; mined checkpoints say what they rest on', async () => {
    const client = await openNodeClient(withL1(urls, 2), { storeName: 'l1-trust-liar', noP2P: true })
    try {
      await client.start()
      const s = await waitForSnapshot(client, (x) => (x.tips.finalized?.height ?? 0) >= 8 && (x.trust?.disagreements.length ?? 0) > 0, 120_000, 'finalized ≥ 8 and a disagreement')
      await expectNothingForged(client)
      const liar = rpcName(urls[0]!)
      expect(s.trust!.active).toBe('rpc-quorum')
      expect(s.trust!.disagreements.some((d) => d.rpc === liar)).toBe(true)
      expect(s.trust!.disagreements.filter((d) => d.rpc === rpcName(urls[2]!) && d.what !== 'head')).toEqual([])
      expect(s.trust!.proofs.verified).toBeGreaterThan(0)
      for (const c of client.engine.getMinedCheckpoints()) {
        expect(c.proof?.anchor).toBe('rpc-quorum')
        expect(c.proof?.rpc).not.toBe(liar)
        expect(c.proof?.facts.length).toBeGreaterThanOrEqual(4)
        if (c.status === 'finalized') expect(c.finality?.blockNumber).toBeGreaterThanOrEqual(c.l1!.blockNumber)
      }
      // each L1 RPC is its own source
      for (const u of urls) expect(s.sources[rpcName(u)]?.kind).toBe('l1')
    } finally {
      await client.stop()
    }
  }, 180_000)
})

describe('an L1 RPC that hides checkpoints', () => {
  it('over the hiding RPC alone, every hidden checkpoint is found through the proven tip and mined', async () => {
    const client = await openNodeClient(withL1([urls[1]!], 1), { storeName: 'l1-trust-hider', noP2P: true })
    try {
      await client.start()
      const hider = rpcName(urls[1]!)
      const s = await waitForSnapshot(client, (x) => client.engine.getMinedCheckpoints().length >= 6 && (x.trust?.disagreements.some((d) => d.code === 'L1_CHECKPOINT_HIDDEN') ?? false), 120_000, '6 mined checkpoints and a hidden one detected')
      const hidden = new Set((await adminGet(devnet.info, '?fault=l1-rpc-hides-checkpoint')).actions.map((a) => a.detail.checkpointNumber as number))
      const mined = client.engine.getMinedCheckpoints().map((c) => c.checkpointNumber)
      const maxMined = Math.max(...mined)
      // contiguous from 1: nothing hidden is missing
      expect(mined.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: mined.length }, (_, i) => i + 1))
      const hiddenBelow = [...hidden].filter((n) => n <= maxMined)
      expect(hiddenBelow.length).toBeGreaterThan(0)
      for (const n of hiddenBelow) expect(mined).toContain(n)
      expect(s.trust!.disagreements.find((d) => d.code === 'L1_CHECKPOINT_HIDDEN')!.rpc).toBe(hider)
    } finally {
      await client.stop()
    }
  }, 180_000)
})

describe('the quorum', () => {
  it('with one RPC of three down, sync continues at k = 2', async () => {
    expect((await adminSet(devnet.info, 'lying-l1-rpc', false)).status).toBe(200)
    expect((await adminSet(devnet.info, 'l1-rpc-down', true)).status).toBe(200)
    const client = await openNodeClient(withL1(urls, 2), { storeName: 'l1-trust-down', noP2P: true })
    try {
      await client.start()
      const s = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= 12, 120_000, 'mined ≥ 12 with one RPC down')
      const q = s.trust!.anchors.find((a) => a.kind === 'rpc-quorum')!.quorum!
      expect(q.unavailable).toEqual([rpcName(urls[2]!)])
      expect(s.sources[rpcName(urls[2]!)]!.failures).toBeGreaterThan(0)
    } finally {
      await client.stop()
      await adminSet(devnet.info, 'l1-rpc-down', false)
      await adminSet(devnet.info, 'lying-l1-rpc', true)
    }
  }, 180_000)

  it('with k = 3 while one RPC disagrees, mined does not advance and the trust view says why', async () => {
    const client = await openNodeClient(withL1(urls, 3), { storeName: 'l1-trust-k3', noP2P: true })
    try {
      await client.start()
      const liar = rpcName(urls[0]!)
      // several quorum rounds, each asking the liar again
      const s = await waitForSnapshot(
        client,
        (x) => {
          const a = x.trust?.anchors.find((y) => y.kind === 'rpc-quorum')
          return a?.state === 'stalled' && a.error?.code === 'L1_QUORUM_NOT_REACHED' && (x.sources[liar]?.requests ?? 0) >= 10
        },
        90_000,
        'the k = 3 quorum stalled for 10 rounds',
      )
      expect(s.tips.mined).toBeNull()
      expect(s.trust!.active).toBeNull()
      const a = s.trust!.anchors.find((y) => y.kind === 'rpc-quorum')!
      expect(a.error!.message).toContain(liar)
      expect(a.summary).toMatch(/stalled/)
    } finally {
      await client.stop()
    }
  }, 150_000)
})
