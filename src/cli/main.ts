import { readFile } from 'node:fs/promises'
import { VigilError, toErrorRecord } from '../core/errors'
import { LIVE_STATUSES, type LiveStatus } from '../core/types'
import { createLogger } from '../core/logger'
import { parseClientConfig, parseTrustedHash, type ClientConfig } from '../client/shared/config'
import { openNodeClient } from '../client/node/node'
import type { LightClient } from '../client/worker/light-client'
import type { ClientSnapshot } from '../client/shared/types'
import { flagBool, flagInt, flagStr, parseArgs } from '../node/args'
import { EXPLORE_FLAGS, EXPLORE_USAGE, verifyCommand, watchCommand } from './explore'
import { PROOF_FLAGS, PROOF_USAGE, proofCommand } from './proof'
import { LC_FLAGS, LC_USAGE, lcCommand } from './lc'
import { TRUST_FLAGS, TRUST_USAGE, applyTrustFlags } from './trust'
import { aztecCommand } from './aztec'

const USAGE = `vigil — a light client for the Vigil L2 that verifies instead of trusting

usage:
  vigil sync --config FILE --until-height N [--tip mined|proposed|attested|finalized]
             [--timeout SECONDS] [--mode light|full] [--from-snapshot]
             [--trusted-hash HEIGHT:0xHASH] [--l1-rpc URL]... [--l1-quorum K]
             [--beacon-light-client URL --checkpoint 0xROOT] [--json] [--verbose]

  sync   follows the chain from the L1 and gossip, verifying every proposer signature and
         every checkpoint quorum, until the chosen tip (default: mined) reaches height N.
         Exits 0 when it does, 1 when the timeout passes first, 2 on bad usage.
         --mode full also fetches and verifies bodies (file store, beacon blobs, re-execution,
         req/resp) and waits until every canonical block up to N has one.
         --from-snapshot: a fresh store starts from the latest snapshot, verified against L1
         (quorum, digests, linkage); a snapshot that fails is rejected and sync starts at genesis.
         --trusted-hash H:0xHASH: start from the block at height H with that hash (weak
         subjectivity): it is fetched from peers, its hash and proposer signature checked, and
         peers are synced from it upward; nothing below H is fetched from peers. The wait also
         needs that header found and verified (else exit 1, TRUSTED_HEADER_UNAVAILABLE).

${TRUST_USAGE}

${EXPLORE_USAGE}

${PROOF_USAGE}

${LC_USAGE}`

const SYNC_FLAGS = { config: 'string', 'until-height': 'string', tip: 'string', timeout: 'string', mode: 'string', json: 'boolean', verbose: 'boolean', help: 'boolean', 'from-snapshot': 'boolean', 'trusted-hash': 'string' } as const

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'aztec') return aztecCommand(argv.slice(1))
  let args
  try {
    args = parseArgs(argv, { ...SYNC_FLAGS, ...TRUST_FLAGS, ...EXPLORE_FLAGS, ...PROOF_FLAGS, ...LC_FLAGS })
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  if (!args.command || flagBool(args, 'help') || args.command === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return args.command ? 0 : 2
  }
  try {
    if (args.command === 'sync') return await sync(args)
    if (args.command === 'proof') return await proofCommand(args)
    if (args.command === 'lc') return await lcCommand(args)
    if (args.command === 'verify' || args.command === 'watch') {
      const configPath = flagStr(args, 'config')
      if (!configPath) throw new VigilError('CONFIG_INVALID', '--config is required')
      const config = applyTrustFlags(args, await loadConfigFile(configPath))
      return await (args.command === 'verify' ? verifyCommand(args, config) : watchCommand(args, config))
    }
    throw new VigilError('CONFIG_INVALID', `unknown command "${args.command}"`)
  } catch (e) {
    const rec = toErrorRecord(e)
    if (flagBool(args, 'json')) process.stdout.write(JSON.stringify({ ok: false, error: rec }) + '\n')
    else process.stderr.write(`vigil: ${rec.code}: ${rec.message}\n`)
    return rec.code === 'CONFIG_INVALID' ? 2 : 1
  }
}

export async function loadConfigFile(path: string): Promise<ClientConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `cannot read config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (is the devnet running? npm run devnet)`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', `config ${path} is not JSON: ${(e as Error).message}`)
  }
  return parseClientConfig(json)
}

async function sync(args: ReturnType<typeof parseArgs>): Promise<number> {
  const configPath = flagStr(args, 'config')
  if (!configPath) throw new VigilError('CONFIG_INVALID', '--config is required')
  const until = flagInt(args, 'until-height')
  if (until === undefined) throw new VigilError('CONFIG_INVALID', '--until-height is required')
  const tip = (flagStr(args, 'tip') ?? 'mined') as LiveStatus
  if (!LIVE_STATUSES.includes(tip)) throw new VigilError('CONFIG_INVALID', `--tip must be one of ${LIVE_STATUSES.join(', ')}`)
  const timeoutS = flagInt(args, 'timeout', 120)!
  const json = flagBool(args, 'json')
  const trustedText = flagStr(args, 'trusted-hash')
  const trusted = trustedText === undefined ? undefined : parseTrustedHash(trustedText)
  const config = applyTrustFlags(args, await loadConfigFile(configPath))
  if (trusted) config.trustedHeader = trusted
  const mode = flagStr(args, 'mode')
  if (mode !== undefined) {
    if (mode !== 'light' && mode !== 'full') throw new VigilError('CONFIG_INVALID', '--mode must be light or full')
    config.mode = mode
  }
  const t0 = performance.now()
  const client = await openNodeClient(config, { logger: createLogger('vigil', flagBool(args, 'verbose'), (l) => process.stderr.write(l + '\n')), fromSnapshot: flagBool(args, 'from-snapshot') })
  let reached = false
  try {
    await client.start()
    reached = await waitForHeight(client, tip, until, timeoutS * 1000, json)
  } finally {
    const stopping = performance.now()
    // stop fetching bodies first: every item a source served then has its verdict in the report
    const bodies = client.bodies.progress()
    await client.bodies.stop()
    const report = syncReport(client, reached, until, tip, performance.now() - t0)
    if (config.mode === 'full') report.bodies = { ...bodies, upTo: await bodyCoverage(client, until).catch(() => null) }
    // a clean stop closes every socket and timer (docs/decisions/p2p.md): the process then exits by itself
    await client.stop()
    report.stopMs = Math.round(performance.now() - stopping)
    if (json) process.stdout.write(JSON.stringify(report) + '\n')
    else printHuman(report)
  }
  return reached ? 0 : 1
}

/** Full mode waits for bodies too: every canonical block up to `height` has one (light mode: nothing to wait for). */
function bodiesDone(s: ClientSnapshot, height: number): boolean {
  const b = s.bodies
  if (!b || b.mode !== 'full') return true
  return b.ready && (b.lowestMissing === null || b.lowestMissing > height)
}

interface BodyCoverage {
  height: number
  /** Canonical (not orphaned, not invalid) blocks at heights 1..height. */
  canonical: number
  /** Of those, with a body that verified against the header (checks.body). */
  verified: number
  /** Of those, with the body stored. */
  stored: number
  /** Heights still lacking a body (first 20). */
  missing: number[]
}

async function bodyCoverage(client: LightClient, height: number): Promise<BodyCoverage> {
  const rows = (await client.store.blocksFrom(1, 1_000_000)).filter((r) => r.height <= height && r.status !== 'orphaned' && r.status !== 'invalid')
  const stored = await client.store.getBodies(rows.map((r) => r.hash))
  return {
    height,
    canonical: rows.length,
    verified: rows.filter((r) => r.checks.body === true).length,
    stored: stored.filter(Boolean).length,
    missing: rows.filter((r) => r.checks.body !== true).map((r) => r.height).slice(0, 20),
  }
}

function waitForHeight(client: LightClient, tip: LiveStatus, height: number, timeoutMs: number, quiet: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    let last = -1
    const timer = setTimeout(() => {
      unsubscribe()
      resolve(false)
    }, timeoutMs)
    const unsubscribe = client.subscribe((s) => {
      const h = s.tips[tip]?.height ?? -1
      if (!quiet && h !== last) process.stderr.write(`${tip} tip: ${h}\n`)
      last = h
      // --trusted-hash: done only once the trusted header is the syncer's base (gossip alone can raise a tip)
      if (h >= height && bodiesDone(s, height) && (!s.sync?.trusted || s.sync.trusted.state === 'anchored')) {
        clearTimeout(timer)
        queueMicrotask(() => unsubscribe())
        resolve(true)
      }
    })
  })
}

export function syncReport(client: LightClient, reached: boolean, until: number, tip: LiveStatus, elapsedMs: number) {
  const s = client.snapshot()
  const mined = client.engine.getMinedCheckpoints()
  return {
    ok: reached,
    untilHeight: until,
    tip,
    elapsedMs: Math.round(elapsedMs),
    /** From the end of the wait (target reached or timeout) to client.stop() resolved; filled in by `sync`. */
    stopMs: null as number | null,
    tips: Object.fromEntries(LIVE_STATUSES.map((k) => [k, s.tips[k] ? { height: s.tips[k]!.height, hash: s.tips[k]!.hash } : { height: null, hash: null }])),
    counts: s.counts,
    checkpoints: {
      mined: mined.length,
      quorumVerified: mined.filter((c) => c.signers.length >= c.quorum && c.quorum > 0).length,
      list: mined.map((c) => ({ number: c.checkpointNumber, slot: c.slot, blocks: c.headerHashes.length, signers: c.signers.length, committee: c.committeeSize, quorum: c.quorum, status: c.status, l1Block: c.l1?.blockNumber ?? null })),
    },
    sources: Object.fromEntries(Object.entries(s.sources).map(([k, v]) => [k, { kind: v.kind, requests: v.requests, bytes: v.bytes, failures: v.failures, accepted: v.accepted, rejected: v.rejected, latencyMs: v.latencyMs }])),
    reorgs: s.reorgs.length,
    /** Full mode: the body pipeline, and (filled in by `sync`) which canonical blocks up to the target height have a verified body. */
    bodies: s.bodies ? { ...s.bodies, upTo: null as BodyCoverage | null } : null,
    snapshot: client.snapshotImport,
    /** The trusted-hash start (--trusted-hash / config.trustedHeader): where history starts and whether it was found. */
    trusted: s.sync?.trusted ?? null,
    failures: s.failures,
  }
}

function printHuman(r: ReturnType<typeof syncReport>): void {
  const lines = [
    r.ok ? `reached ${r.tip} height ${r.untilHeight} in ${(r.elapsedMs / 1000).toFixed(1)} s` : `did NOT reach ${r.tip} height ${r.untilHeight} in ${(r.elapsedMs / 1000).toFixed(1)} s`,
    ...LIVE_STATUSES.map((k) => `  ${k.padEnd(9)} ${String((r.tips[k] as { height: number | null }).height ?? '-')}`),
    `  checkpoints mined ${r.checkpoints.mined}, quorum verified ${r.checkpoints.quorumVerified}`,
    ...Object.entries(r.sources).map(([k, v]) => `  source ${k}: ${v.requests} requests, ${v.bytes} bytes, ${v.failures} failures, ${v.accepted} accepted, ${v.rejected} rejected`),
    ...(r.bodies?.upTo ? [`  bodies up to ${r.bodies.upTo.height}: ${r.bodies.upTo.verified}/${r.bodies.upTo.canonical} verified (${Object.entries(r.bodies.verifiedBySource).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`] : []),
    ...(r.trusted ? [`  trusted header ${r.trusted.height} ${r.trusted.hash}: ${r.trusted.state}${r.trusted.peer ? ` (from ${r.trusted.peer})` : ''}; history from height ${r.trusted.height}`] : []),
    `  failures: ${r.failures.length === 0 ? 'none' : r.failures.map((f) => f.code).join(', ')}`,
  ]
  process.stdout.write(lines.join('\n') + '\n')
}
