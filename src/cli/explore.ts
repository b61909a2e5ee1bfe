/**
 * `vigil verify <height|hash>` and `vigil watch` (usage in main.ts; docs/explorer.md § CLI, docs/cli.md).
 *
 * verify: syncs from L1 (and gossip) until the block is held and the L1 scan has caught up
 * with the L1 head seen at start, then runs every check of `verifyBlock` and prints each.
 * Exit 0: no check failed and none was prevented by an error (checks that do not apply,
 * e.g. the quorum of a block not yet in a checkpoint, are reported as skipped and are fine);
 * 1: a check failed, a check could not run (a source did not answer), or the block was not
 * found before the timeout (NOT_FOUND, or SOURCE_UNAVAILABLE naming the URLs when no L1 RPC
 * ever answered); 2: bad usage. JSON: `ok` is exit 0, `valid` the block's verdict.
 *
 * watch: prints the tips whenever one changes, one line each (JSON lines with --json),
 * until Ctrl-C or --count lines.
 */
import { VigilError } from '../core/errors'
import { LIVE_STATUSES, type Tips } from '../core/types'
import { createLogger } from '../core/logger'
import type { ClientConfig } from '../client/shared/config'
import { configFromArgs } from './config'
import { jsonLine, type Out } from './output'
import { l1Unavailable } from './sources'
import { openNodeClient } from '../client/node/node'
import type { LightClient } from '../client/worker/light-client'
import { parseBlockQuery } from '../client/worker/explorer'
import type { CheckResult, VerifyReport } from '../client/shared/types'
import { flagBool, flagInt, type ParsedArgs } from '../node/args'

interface Io {
  stdout: Out
  stderr: Out
  /** Resolves on Ctrl-C (watch); default: process SIGINT/SIGTERM. */
  interrupted?: Promise<void>
}

const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr })

async function openClient(config: ClientConfig, args: ParsedArgs, io: Io): Promise<LightClient> {
  return openNodeClient(config, { noP2P: flagBool(args, 'no-p2p'), logger: createLogger('vigil', flagBool(args, 'verbose'), (l) => io.stderr.write(l + '\n')) })
}

/** Waits until `client` holds the block and its L1 scan reached the L1 head seen when it started. */
async function waitForBlock(client: LightClient, q: string, timeoutMs: number, io: Io, quiet: boolean): Promise<boolean> {
  const explorer = client.explorer
  const deadline = Date.now() + timeoutMs
  let target: number | null = null
  let lastNote = ''
  while (Date.now() < deadline) {
    const { l1 } = client.historyProgress()
    if (target === null && l1.head !== null) target = l1.head
    const caughtUp = target !== null && l1.cursor !== null && l1.cursor >= target
    const held = await explorer.resolve(q)
    const note = `${held ? `holding block ${held.height} (${held.status})` : 'block not held yet'}; L1 scanned to ${l1.cursor ?? '–'} of ${target ?? '–'}`
    if (!quiet && note !== lastNote) io.stderr.write(`${note}\n`)
    lastNote = note
    if (held && caughtUp) return true
    await new Promise((r) => setTimeout(r, 250))
  }
  return false
}

const MARK: Record<CheckResult['status'], string> = { pass: '✓', fail: '✗', skipped: '–' }

export function verifyExitCode(r: VerifyReport): number {
  return r.checks.some((c) => c.status === 'fail' || (c.status === 'skipped' && c.error !== null)) ? 1 : 0
}

function printReport(r: VerifyReport, status: string, out: Out): void {
  const w = Math.max(...r.checks.map((c) => c.name.length))
  const lines = [`block ${r.height} ${r.hash} (${status})`]
  for (const c of r.checks) {
    const why = c.error ? ` [${c.error.code}]` : ''
    lines.push(`  ${MARK[c.status]} ${c.name.padEnd(w)}  ${c.status === 'pass' ? '' : `${c.status.toUpperCase()}${why}: `}${c.detail}`)
  }
  const against = r.provenAgainst
  lines.push(against ? `  L1 proofs against L1 block ${against.blockNumber} ${against.blockHash} (${against.basis}):` : '  L1 not checked: no anchored L1 block')
  for (const p of r.proofs ?? []) lines.push(`    ${p.status === 'pass' ? MARK.pass : MARK.fail} ${p.kind} ${p.title}: ${p.status === 'pass' ? '' : `FAIL [${p.error?.code}]: `}${p.detail}`)
  const failed = r.checks.filter((c) => c.status === 'fail')
  const blocked = r.checks.filter((c) => c.status === 'skipped' && c.error)
  lines.push(
    failed.length > 0
      ? `INVALID: ${failed.map((c) => `${c.name} (${c.error?.code})`).join(', ')} failed`
      : blocked.length > 0
        ? `NOT VERIFIED: ${blocked.map((c) => `${c.name} (${c.error?.code})`).join(', ')} could not run`
        : `VALID: ${r.checks.filter((c) => c.status === 'pass').length} checks passed${r.complete ? '' : `, ${r.checks.filter((c) => c.status === 'skipped').length} not applicable`} (${r.ms} ms)`,
  )
  out.write(lines.join('\n') + '\n')
}

export async function verifyCommand(args: ParsedArgs, io: Io = defaultIo()): Promise<number> {
  const q = args.positionals[0]
  if (q === undefined) throw new VigilError('CONFIG_INVALID', 'verify needs a block height or hash: vigil verify <height|hash> --config FILE')
  if (args.positionals.length > 1) throw new VigilError('CONFIG_INVALID', `verify takes one block, got ${args.positionals.join(' ')}`)
  try {
    parseBlockQuery(q)
  } catch (e) {
    throw new VigilError('CONFIG_INVALID', (e as Error).message)
  }
  const json = flagBool(args, 'json')
  const timeoutS = flagInt(args, 'timeout', 120)!
  const config = await configFromArgs(args)
  const client = await openClient(config, args, io)
  try {
    await client.start()
    const found = await waitForBlock(client, q, timeoutS * 1000, io, json)
    if (!found) {
      const { l1 } = client.historyProgress()
      const err =
        l1Unavailable(config, client.snapshot().sources) ??
        new VigilError('NOT_FOUND', `block ${q} was not found within ${timeoutS} s (L1 scanned to ${l1.cursor ?? '–'} of ${l1.head ?? '–'}; is it on this chain?)`, { severity: 'soft', details: { query: q } })
      if (json) io.stdout.write(jsonLine({ ok: false, query: q, error: err.toRecord() }))
      else io.stderr.write(`vigil: ${err.code}: ${err.message}\n`)
      return 1
    }
    const explorer = client.explorer
    const report = await explorer.verifyBlock(q)
    const row = await explorer.resolve(q)
    const code = verifyExitCode(report)
    if (json) io.stdout.write(jsonLine({ ...report, valid: report.ok, ok: code === 0, query: q, status: row?.status ?? null, error: row?.error ?? null }))
    else printReport(report, `${row?.status ?? '?'}${row?.error ? ` · ${row.error.code}` : ''}`, io.stdout)
    return code
  } finally {
    await client.stop()
  }
}

function tipsLine(t: Tips): string {
  return LIVE_STATUSES.map((s) => `${s} ${t[s] ? `${t[s]!.height} ${t[s]!.hash.slice(0, 10)}…` : '–'}`).join('  ')
}

export async function watchCommand(args: ParsedArgs, io: Io = defaultIo()): Promise<number> {
  if (args.positionals.length > 0) throw new VigilError('CONFIG_INVALID', `watch takes no positional arguments, got ${args.positionals.join(' ')}`)
  const json = flagBool(args, 'json')
  const count = flagInt(args, 'count')
  if (count === 0) throw new VigilError('CONFIG_INVALID', '--count must be at least 1')
  const config = await configFromArgs(args)
  const client = await openClient(config, args, io)
  let printed = 0
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => (done = r))
  const onSignal = () => done()
  if (!io.interrupted) {
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  } else void io.interrupted.then(onSignal)
  let last = ''
  const unsubscribe = client.subscribe((s) => {
    const key = JSON.stringify(s.tips)
    if (key === last || (count !== undefined && printed >= count)) return
    last = key
    const tips = Object.fromEntries(LIVE_STATUSES.map((k) => [k, s.tips[k] ? { height: s.tips[k]!.height, hash: s.tips[k]!.hash, timestamp: s.tips[k]!.timestamp } : null]))
    io.stdout.write(json ? jsonLine({ at: Date.now(), tips, l1: s.l1 }) : `${new Date().toISOString().slice(11, 19)}  ${tipsLine(s.tips)}\n`)
    printed++
    if (count !== undefined && printed >= count) done()
  })
  try {
    await client.start()
    await finished
  } finally {
    unsubscribe()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await client.stop()
  }
  return 0
}
