/**
 * `vigil sync` (usage in main.ts): follows the chain until a tip reaches a height, then prints
 * a report — tips, counts, checkpoints, every source with its last error, bodies in full mode,
 * the snapshot and trusted-header starts, failures. `ok` is true exactly when the target was
 * reached (exit 0). When it was not and no L1 RPC ever answered, the report's `error` is
 * SOURCE_UNAVAILABLE naming the URLs (sources.ts).
 */
import { VigilError, type ErrorRecord } from '../core/errors'
import { LIVE_STATUSES, type LiveStatus } from '../core/types'
import { createLogger } from '../core/logger'
import { parseTrustedHash } from '../client/shared/config'
import { openNodeClient } from '../client/node/node'
import type { LightClient } from '../client/worker/light-client'
import type { ClientSnapshot } from '../client/shared/types'
import { flagBool, flagInt, flagStr, type ParsedArgs } from '../node/args'
import { configFromArgs } from './config'
import { jsonLine } from './output'
import { l1Unavailable, sourceLines, sourceText } from './sources'

export async function syncCommand(args: ParsedArgs): Promise<number> {
  if (args.positionals.length > 0) throw new VigilError('CONFIG_INVALID', `sync takes no positional arguments, got ${args.positionals.join(' ')}`)
  if (!flagStr(args, 'config')) throw new VigilError('CONFIG_INVALID', '--config is required (or set VIGIL_CONFIG)')
  const until = flagInt(args, 'until-height')
  if (until === undefined) throw new VigilError('CONFIG_INVALID', '--until-height is required')
  const tip = (flagStr(args, 'tip') ?? 'mined') as LiveStatus
  if (!LIVE_STATUSES.includes(tip)) throw new VigilError('CONFIG_INVALID', `--tip must be one of ${LIVE_STATUSES.join(', ')}`)
  const timeoutS = flagInt(args, 'timeout', 120)!
  const json = flagBool(args, 'json')
  const trustedText = flagStr(args, 'trusted-hash')
  const trusted = trustedText === undefined ? undefined : parseTrustedHash(trustedText)
  const config = await configFromArgs(args)
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
    if (!reached) report.error = l1Unavailable(config, client.snapshot().sources)?.toRecord() ?? null
    // a clean stop closes every socket and timer (docs/decisions/p2p.md): the process then exits by itself
    await client.stop()
    report.stopMs = Math.round(performance.now() - stopping)
    if (json) process.stdout.write(jsonLine(report))
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
    /** The tip reached the height (and, in full mode, the bodies are there): exit 0. */
    ok: reached,
    /** Why not, when the CLI can say (no L1 RPC ever answered: SOURCE_UNAVAILABLE); filled in by `sync`. */
    error: null as ErrorRecord | null,
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
    /** Every source's counters and its last error. */
    sources: sourceLines(s.sources),
    reorgs: s.reorgs.length,
    /** What this client's libp2p node served to other peers over req/resp (status, headers by range, bodies by hash). */
    served: { ...client.served, byProtocol: { ...client.served.byProtocol } },
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
    ...Object.entries(r.sources).flatMap(([k, v]) => sourceText(k, v)),
    ...(r.bodies?.upTo ? [`  bodies up to ${r.bodies.upTo.height}: ${r.bodies.upTo.verified}/${r.bodies.upTo.canonical} verified (${Object.entries(r.bodies.verifiedBySource).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`] : []),
    ...(r.trusted ? [`  trusted header ${r.trusted.height} ${r.trusted.hash}: ${r.trusted.state}${r.trusted.peer ? ` (from ${r.trusted.peer})` : ''}; history from height ${r.trusted.height}`] : []),
    r.failures.length === 0 ? '  failures: none' : `  failures (${r.failures.length}${r.failures.length > 10 ? ', the last 10' : ''}):`,
    ...r.failures.slice(-10).map((f) => `    ${f.code}: ${f.message}`),
  ]
  process.stdout.write(lines.join('\n') + '\n')
  if (r.error) process.stderr.write(`vigil: ${r.error.code}: ${r.error.message}\n`)
}
