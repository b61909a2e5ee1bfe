/**
 * Against a real devnet: `vigil verify` exits 0 on a good block and 1 on a block the devnet
 * made invalid (`short-quorum`: a checkpoint posted with quorum − 1 attestations), printing
 * each check; `vigil watch` streams tips; and every Node example of docs/library.md runs as
 * written (the library API: createLightClient, typed subscriptions, coded errors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startDevnetProcess, repoRoot, type DevnetProcess } from '../helpers/devnet'
import { createLightClient, type VigilClient } from '../../src/client/node/api-node'
import type { VerifyReport } from '../../src/client/shared/types'

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: repoRoot, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 99) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

const vigil = (args: string[]) => run(['bin/vigil.js', ...args])

/** The ```ts / ```tsx blocks of a markdown file that follow `<!-- example: NAME (WHERE) -->`. */
export function examplesOf(md: string): { name: string; where: string; code: string }[] {
  const out: { name: string; where: string; code: string }[] = []
  const re = /<!-- example: ([\w-]+) \((node|browser)\) -->\s*```tsx?\n([\s\S]*?)```/g
  for (const m of md.matchAll(re)) out.push({ name: m[1]!, where: m[2]!, code: m[3]! })
  return out
}

let devnet: DevnetProcess
let client: VigilClient | null = null
const tmp = join(repoRoot, '.vigil', 'examples')

beforeAll(async () => {
  devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '48'])
  await mkdir(tmp, { recursive: true })
}, 120_000)

afterAll(async () => {
  await client?.close()
  await devnet?.stop()
  await rm(tmp, { recursive: true, force: true })
}, 60_000)

describe('docs/library.md examples (Node)', () => {
  it('every Node example runs as written and prints what it promises', async () => {
    const md = await readFile(join(repoRoot, 'docs/library.md'), 'utf8')
    const examples = examplesOf(md).filter((e) => e.where === 'node')
    expect(examples.map((e) => e.name)).toEqual(['tips', 'verify', 'errors', 'explore'])
    const expected: Record<string, RegExp[]> = {
      tips: [/mined tip at height \d+/, /L1 \(3 RPCs\): \d+ requests, [1-9]\d* checkpoints accepted, 0 rejected/],
      // signers: every member, or (on a loaded machine) the devnet settles for a quorum of 33
      verify: [/pass\s+quorum/, /pass\s+l1Inclusion/, /pass\s+proposer /, /block 2 is valid/, /\d+ L1 proofs against L1 block \d+ \(\d of 3 RPCs agree at L1 block \d+\)/, /block 2 is (mined|finalized); header from [\w:.]+; (3[3-9]|4[0-8]) of 48 signed/],
      errors: [/rejected: CONFIG_INVALID \(hard\)/, /unknown block: NOT_FOUND, severity soft/],
      explore: [/holding heights 1\.\.\d+; newest: \d+ \w+/, /search "4": block 4/, /stored \d+ blocks, \d+ checkpoints; evidence items: 0/],
    }
    // each in its own process, two at a time (2 cores, and the devnet runs too)
    const runOne = async (ex: (typeof examples)[number]) => {
      const file = join(tmp, `${ex.name}.mts`)
      await writeFile(file, ex.code)
      return { ex, r: await run(['--import', './scripts/register.js', file], { VIGIL_CONFIG: devnet.configPath }, 60_000) }
    }
    const results = [...(await Promise.all(examples.slice(0, 2).map(runOne))), ...(await Promise.all(examples.slice(2).map(runOne)))]
    for (const { ex, r } of results) {
      expect(r.code, `example ${ex.name} exited ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0)
      for (const re of expected[ex.name]!) expect(r.stdout, `example ${ex.name}`).toMatch(re)
    }
  }, 150_000)
})

describe('vigil verify and vigil watch', () => {
  it('watch --count 3 --json streams three tip lines, each higher than the last', async () => {
    const r = await vigil(['watch', '--config', devnet.configPath, '--count', '3', '--json', '--no-p2p'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { tips: Record<string, { height: number } | null> })
    expect(lines).toHaveLength(3)
    const mined = lines.map((l) => l.tips.mined?.height ?? 0)
    expect(mined[2]!).toBeGreaterThan(0)
  }, 60_000)

  it('verify <height> of a mined block: exit 0, every applicable check passes (quorum, L1, blobs/KZG, body)', async () => {
    const r = await vigil(['verify', '3', '--config', devnet.configPath, '--json', '--no-p2p'])
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    const rep = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as VerifyReport & { ok: boolean; valid: boolean; status: string }
    expect(rep.valid).toBe(true)
    expect(rep.height).toBe(3)
    const by = Object.fromEntries(rep.checks.map((c) => [c.name, c]))
    for (const name of ['header', 'linkage', 'ancestry', 'proposer', 'checkpoint', 'quorum', 'l1Inclusion', 'blobs', 'body']) expect(by[name]?.status, `${name}: ${by[name]?.detail}`).toBe('pass')
    // learned from L1 (no proposal signature to check: skipped, said why) or from a source that kept it (checked)
    expect(['pass', 'skipped']).toContain(by.proposerSignature?.status)
    expect(by.proposerSignature?.error ?? null).toBeNull()
  }, 60_000)

  it('verify on a block the devnet made invalid (short-quorum): exit 1, quorum fails with QUORUM_NOT_REACHED', async () => {
    const admin = (devnet.info.devnet as { adminUrl?: string }).adminUrl
    expect(admin, 'the devnet exposes its admin endpoint').toBeTruthy()
    client = await createLightClient(devnet.configPath, { noP2P: true })
    const before = client.snapshot().tips.mined?.height ?? 0
    const res = await fetch(`${admin}/admin/faults/short-quorum`, { method: 'POST' })
    expect(res.status).toBe(200)
    // the next checkpoint lands with quorum − 1 signatures; the client marks it invalid
    const invalid = await new Promise<{ hash: string; height: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no invalid block within 45 s')), 45_000)
      const off = client!.subscribe((s) => {
        if (s.counts.invalid === 0) return
        clearTimeout(timer)
        off()
        void client!.evidence().then((items) => {
          const b = items.find((i) => i.kind === 'invalid-block' && i.error?.code === 'QUORUM_NOT_REACHED')
          if (b && b.height !== null) resolve({ hash: b.hashes[0]!, height: b.height })
          else reject(new Error(`no QUORUM_NOT_REACHED block in evidence: ${JSON.stringify(items.map((i) => [i.kind, i.error?.code]))}`))
        }, reject)
      })
    })
    expect(invalid.height).toBeGreaterThan(before)
    await client.close()
    client = null

    const r = await vigil(['verify', invalid.hash, '--config', devnet.configPath, '--json', '--no-p2p'])
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
    const rep = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as VerifyReport & { status: string; valid: boolean }
    expect(rep.status).toBe('invalid')
    expect(rep.valid).toBe(false)
    const quorum = rep.checks.find((c) => c.name === 'quorum')!
    expect(quorum.status).toBe('fail')
    expect(quorum.error?.code).toBe('QUORUM_NOT_REACHED')
    expect(quorum.error?.details).toMatchObject({ quorum: 33, committeeSize: 48, signers: 32 })
    // the other checks still pass: the block is well-formed and on L1, just not attested by enough of the committee
    for (const name of ['header', 'linkage', 'ancestry', 'proposer', 'checkpoint', 'l1Inclusion', 'blobs', 'body']) expect(rep.checks.find((c) => c.name === name)?.status, name).toBe('pass')
    const human = await vigil(['verify', invalid.hash, '--config', devnet.configPath, '--no-p2p'])
    expect(human.code).toBe(1)
    expect(human.stdout).toMatch(/✗ quorum\s+FAIL \[QUORUM_NOT_REACHED\]/)
    expect(human.stdout).toMatch(/^INVALID: quorum \(QUORUM_NOT_REACHED\) failed/m)
  }, 120_000)

  it('bad usage exits 2 with a coded message', async () => {
    const r = await vigil(['verify', 'not-a-block', '--config', devnet.configPath])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('CONFIG_INVALID')
  }, 30_000)
})
