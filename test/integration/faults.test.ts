/**
 * Fault knobs (issue 3 item 10): `--fault NAME` is checked against the registry, and the
 * loopback admin endpoint lists, enables and disables faults at run time. Driven through it on
 * a live devnet: `divergent-checkpoint` switched on and off, then `short-quorum` (one-shot),
 * whose checkpoint the client marks invalid with QUORUM_NOT_REACHED; the devnet prunes it on L1
 * (the rollup's `invalidate`) and the client follows the chain that continues from the last
 * valid checkpoint (docs/faults.md, docs/reorgs.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import { FAULTS } from '../../src/devnet/faults'
import type { Hex } from '../../src/core/types'
import { repoRoot, startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { adminGet, adminSet, until } from './faults-admin'
import { l1Totals } from '../helpers/l1-stats'

describe('--fault on the command line', () => {
  it('refuses an unknown fault name with exit code 2 and the list of known ones', async () => {
    const child = spawn(process.execPath, ['--import', './scripts/register.js', 'src/devnet/main.ts', '--fault', 'bogus', '--fault', 'l1-reorg'], { cwd: repoRoot })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    expect(code).toBe(2)
    expect(err).toContain('unknown fault(s): bogus')
    for (const name of ['divergent-checkpoint', 'equivocate', 'short-quorum', 'l1-reorg']) expect(err).toContain(name)
  }, 30_000)
})

describe('the admin endpoint on a live devnet', () => {
  let devnet: DevnetProcess
  let client: LightClient

  beforeAll(async () => {
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16'])
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    await devnet?.stop()
  }, 60_000)

  it('lists every known fault, refuses unknown names, other methods and web pages, and is not on the gateway', async () => {
    const admin = devnet.info.devnet.adminUrl!
    expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const state = await adminGet(devnet.info)
    expect(state.active).toEqual([])
    expect(state.known).toEqual(FAULTS)
    for (const name of ['divergent-checkpoint', 'equivocate', 'short-quorum', 'l1-reorg']) expect(state.known[name]).toBeTruthy()
    expect((await adminSet(devnet.info, 'no-such-fault', true)).status).toBe(404)
    expect((await fetch(`${admin}/admin/faults/l1-reorg`, { method: 'PUT' })).status).toBe(405)
    expect((await fetch(`${admin}/admin/faults`, { method: 'POST' })).status).toBe(405)
    // a browser always sends Origin on a cross-origin POST: refused, so no page can flip a knob
    expect((await fetch(`${admin}/admin/faults/l1-reorg`, { method: 'POST', headers: { origin: 'http://evil.example' } })).status).toBe(403)
    expect((await adminGet(devnet.info)).active).toEqual([])
    expect((await fetch(`${devnet.info.devnet.gatewayUrl}/admin/faults`)).status).toBe(404)
    // enable / disable round trip (equivocate is harmless for the next test: switched off at once)
    expect(await (await adminSet(devnet.info, 'equivocate', true)).json()).toEqual({ active: ['equivocate'] })
    expect(await (await adminSet(devnet.info, 'equivocate', false)).json()).toEqual({ active: [] })
  })

  it('switches divergent-checkpoint on and off at run time, then short-quorum: invalid, pruned on L1, and the chain goes on from the last valid checkpoint', async () => {
    client = await openNodeClient(devnet.info, { storeName: `faults-${devnet.pid}` })
    await client.start()
    await until(client, (s) => ((s.tips.mined?.height ?? 0) >= 8 ? true : null), 60_000, 'mined tip ≥ 8')

    // divergent-checkpoint for one checkpoint: an action, then a reorg in the client
    expect((await adminSet(devnet.info, 'divergent-checkpoint', true)).status).toBe(200)
    const action = await until(
      client,
      async () => (await adminGet(devnet.info, '?fault=divergent-checkpoint')).actions[0] ?? null,
      30_000,
      'a divergent-checkpoint action',
    )
    expect(((await (await adminSet(devnet.info, 'divergent-checkpoint', false)).json()) as { active: string[] }).active).toEqual([])
    const d = action.detail as { fromHeight: number; replaced: number; posted: Hex[] }
    await until(client, () => client.engine.getReorgs().find((r) => r.fromHeight === d.fromHeight) ?? null, 30_000, `a reorg from height ${d.fromHeight}`)
    // off: two more checkpoints land without another divergence
    const after = client.snapshot().tips.mined!.height
    await until(client, (s) => ((s.tips.mined?.height ?? 0) >= after + 8 ? true : null), 30_000, 'two more checkpoints mined')
    const count = (await adminGet(devnet.info, '?fault=divergent-checkpoint')).actions.length
    expect(count).toBeLessThanOrEqual(2) // at most one more slot was already past its decision when switched off
    const validMinedTip = client.snapshot().tips.mined!

    // short-quorum: one-shot; its checkpoint is invalid, the devnet prunes it on L1, and the chain goes on
    expect((await adminSet(devnet.info, 'short-quorum', true)).status).toBe(200)
    const sq = await until(client, async () => (await adminGet(devnet.info, '?fault=short-quorum')).actions[0] ?? null, 30_000, 'a short-quorum action')
    const n = (sq.detail as { checkpointNumber: number; attestations: number; quorum: number }).checkpointNumber
    expect(sq.detail).toMatchObject({ attestations: 10, quorum: 11, committeeSize: 16 })
    expect((await adminGet(devnet.info)).active).not.toContain('short-quorum') // switched itself off
    const pruned = await until(
      client,
      async () => (await adminGet(devnet.info, '?fault=short-quorum')).actions.find((a) => a.detail.kind === 'invalidated') ?? null,
      30_000,
      `checkpoint ${n} pruned on L1`,
    )
    expect(pruned.detail).toMatchObject({ checkpointNumber: n })
    const shortHashes = (pruned.detail as unknown as { headerHashes: Hex[] }).headerHashes
    // the client: n invalid; a later, valid checkpoint n (built on n − 1) mined, and two more on it
    const found = await until(
      client,
      async (s) => {
        const short = (await client.store.checkpointsWithStatus('invalid', 100)).find((c) => c.checkpointNumber === n)
        const replacement = client.engine.getMinedCheckpoints().find((c) => c.checkpointNumber === n)
        const top = client.engine.getMinedCheckpoints().at(-1)
        return short && replacement && top && top.checkpointNumber >= n + 2 && s.tips.mined ? { short, replacement } : null
      },
      45_000,
      `checkpoint ${n} invalid, then a valid ${n} and two more mined`,
    )
    expect(found.short.error?.code).toBe('QUORUM_NOT_REACHED')
    expect(found.short.signers).toHaveLength(10)
    expect(found.short.headerHashes).toEqual(shortHashes)
    expect(found.replacement.digest).not.toBe(found.short.digest)
    expect(found.replacement.l1!.blockNumber).toBeGreaterThan(found.short.l1!.blockNumber)
    for (const h of found.short.headerHashes) {
      const row = await client.store.getBlock(h)
      expect(row?.status).toBe('invalid')
      expect(row?.error?.code).toBe('QUORUM_NOT_REACHED')
    }
    // the replacement continues from the last valid checkpoint, at the short one's heights
    const first = (await client.store.getBlock(found.replacement.headerHashes[0]!))!
    expect(first.height).toBe((await client.store.getBlock(found.short.headerHashes[0]!))!.height)
    expect(first.parentHash).toBe(client.engine.getMinedCheckpoints().find((c) => c.checkpointNumber === n - 1)!.headerHashes.at(-1))
    const s = client.snapshot()
    expect(s.tips.mined!.height).toBeGreaterThan(first.height)
    expect(s.tips.mined!.height).toBeGreaterThanOrEqual(validMinedTip.height)
    // only the short checkpoint's blocks are invalid: nothing after it builds on it
    expect(s.counts.invalid).toBe(found.short.headerHashes.length)
    expect(s.failures.map((f) => f.code)).not.toContain('PARENT_MISMATCH')
    expect(l1Totals(s.sources).rejected).toBe(1)
    expect(await client.store.checkConsistency()).toEqual([])
  }, 170_000)
})
