/**
 * `npm run fuzz` (not part of `npm test`): every decoder in src/protocol and every req/resp
 * handler (bench/fuzz/targets.ts) fed random and mutated inputs — mutations of real encoded
 * messages (bit flips, truncation, extension, length-field edits, splices) and of the real
 * JSON answers in ../shared/vectors.
 *
 *   npm run fuzz                              # 1,000,000 inputs over all targets (round robin)
 *   npm run fuzz -- --inputs 5000000          # more
 *   npm run fuzz -- --per-target 1000000      # 1,000,000 for EACH target (hours on 2 cores)
 *   npm run fuzz -- --target protocol/snapshot --inputs 200000
 *   npm run fuzz -- --seed 7 --json out.json  # another stream; numbers as JSON
 *
 * What fails a run (exit 1): an exception other than the project's VigilError (a coded
 * error), a responder that throws or answers what the requester cannot read, a call over
 * 100 ms (timed again by CPU time up to five times, so a GC pause or a busy machine alone
 * does not count), or the RSS over
 * --max-rss-mb. Each such input is written to test/fixtures/fuzz-corpus/<target>/ as hex;
 * test/unit/fuzz-corpus.test.ts replays the corpus in `npm test`, so a fix stays fixed.
 */
import '../../src/node/polyfills'
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { VigilError } from '../../src/core/errors'
import { bytesToHex } from '../../src/protocol/bytes'
import { Rng, mutateBytesDeep, mutateJson } from './mutate'
import { buildTargets, type Target } from './targets'

export const SLOW_MS = 100
export const CORPUS_DIR = resolve(import.meta.dirname, '../../test/fixtures/fuzz-corpus')

interface TargetStats {
  inputs: number
  accepted: number
  coded: Record<string, number>
  uncoded: number
  slow: number
  maxMs: number
  totalMs: number
}

interface Finding {
  target: string
  kind: 'uncoded' | 'slow'
  message: string
  file: string
}

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '1000000' },
    'per-target': { type: 'string' },
    target: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'max-rss-mb': { type: 'string', default: '1024' },
    json: { type: 'string' },
    'no-save': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  process.stdout.write('usage: npm run fuzz -- [--inputs N | --per-target N] [--target NAME] [--seed S] [--max-rss-mb MB] [--json FILE] [--no-save]\n')
  process.exit(0)
}

const perTarget = values['per-target'] === undefined ? undefined : Number(values['per-target'])
const maxRssMb = Number(values['max-rss-mb'])

const all = buildTargets()
const targets = values.target ? all.filter((t) => t.name === values.target) : all
if (targets.length === 0) throw new Error(`no target ${values.target}; targets: ${all.map((t) => t.name).join(', ')}`)
const totalInputs = perTarget === undefined ? Number(values.inputs) : perTarget * targets.length
if (!Number.isSafeInteger(totalInputs) || totalInputs < 1) throw new Error('--inputs and --per-target must be positive integers')

const rng = new Rng(Number(values.seed))
const stats = new Map<string, TargetStats>(targets.map((t) => [t.name, { inputs: 0, accepted: 0, coded: {}, uncoded: 0, slow: 0, maxMs: 0, totalMs: 0 }]))
const findings: Finding[] = []
let maxRss = process.memoryUsage().rss
const started = performance.now()

function nextInput(t: Target): unknown {
  const roll = rng.next()
  if (t.kind === 'json') return roll < 0.05 ? structuredClone(rng.pick(t.seeds)) : mutateJson(rng, rng.pick(t.seeds))
  if (roll < 0.02) return rng.pick(t.seeds).slice()
  return mutateBytesDeep(rng, rng.pick(t.seeds), t.seeds)
}

async function call(t: Target, input: unknown): Promise<{ ms: number; cpuMs: number; error: unknown }> {
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  let error: unknown = null
  try {
    await (t.run as (i: unknown) => unknown)(input)
  } catch (e) {
    error = e ?? new Error('thrown undefined')
  }
  const c = process.cpuUsage(c0)
  return { ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000, error }
}

function save(t: Target, input: unknown, kind: Finding['kind'], message: string): void {
  const text = t.kind === 'bytes' ? bytesToHex(input as Uint8Array) : JSON.stringify(input)
  const id = createHash('sha256').update(text).digest('hex').slice(0, 16)
  const dir = resolve(CORPUS_DIR, t.name.replace('/', '__'))
  const file = resolve(dir, `${kind}-${id}.${t.kind === 'bytes' ? 'hex' : 'json'}`)
  if (!values['no-save']) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(file, text + '\n')
  }
  if (findings.length < 200) findings.push({ target: t.name, kind, message: message.slice(0, 300), file })
}

for (let i = 0; i < totalInputs; i++) {
  const t = targets[i % targets.length]!
  const s = stats.get(t.name)!
  const input = nextInput(t)
  let { ms, error } = await call(t, input)
  if (ms > SLOW_MS) {
    // time it again, by CPU time, five times: only an input slow every time is slow (the
    // machine is shared; a GC pause or a busy neighbour alone does not make an input slow)
    for (let k = 0; k < 5 && ms > SLOW_MS; k++) ms = Math.min(ms, (await call(t, input)).cpuMs)
    if (ms > SLOW_MS) {
      s.slow++
      save(t, input, 'slow', `${ms.toFixed(1)} ms`)
    }
  }
  s.inputs++
  s.totalMs += ms
  if (ms > s.maxMs) s.maxMs = ms
  if (error === null) s.accepted++
  else if (error instanceof VigilError) s.coded[error.code] = (s.coded[error.code] ?? 0) + 1
  else {
    s.uncoded++
    save(t, input, 'uncoded', (error as Error)?.stack ?? String(error))
  }
  if (i % 5000 === 0) {
    maxRss = Math.max(maxRss, process.memoryUsage().rss)
    if (i % 100_000 === 0 && i > 0) process.stderr.write(`  ${i.toLocaleString('en')} inputs, ${((performance.now() - started) / 1000).toFixed(0)} s, rss ${(maxRss / 2 ** 20).toFixed(0)} MB\n`)
  }
}
maxRss = Math.max(maxRss, process.memoryUsage().rss)

const seconds = (performance.now() - started) / 1000
const rows = [...stats].map(([name, s]) => ({ name, ...s, topCodes: Object.entries(s.coded).sort((a, b) => b[1] - a[1]).slice(0, 3) }))
const w = Math.max(...rows.map((r) => r.name.length))
process.stdout.write(`\n${'target'.padEnd(w)}  ${'inputs'.padStart(9)}  ${'accepted'.padStart(8)}  ${'coded'.padStart(9)}  uncoded  slow  max ms  most common codes\n`)
for (const r of rows) {
  const coded = Object.values(r.coded).reduce((a, b) => a + b, 0)
  process.stdout.write(
    `${r.name.padEnd(w)}  ${r.inputs.toLocaleString('en').padStart(9)}  ${r.accepted.toLocaleString('en').padStart(8)}  ${coded.toLocaleString('en').padStart(9)}  ${String(r.uncoded).padStart(7)}  ${String(r.slow).padStart(4)}  ${r.maxMs.toFixed(1).padStart(6)}  ${r.topCodes.map(([c, n]) => `${c} ${n}`).join(', ')}\n`,
  )
}
const total = rows.reduce((a, r) => a + r.inputs, 0)
const uncoded = rows.reduce((a, r) => a + r.uncoded, 0)
const slow = rows.reduce((a, r) => a + r.slow, 0)
const rssMb = maxRss / 2 ** 20
const ok = uncoded === 0 && slow === 0 && rssMb <= maxRssMb
process.stdout.write(
  `\n${total.toLocaleString('en')} inputs over ${rows.length} targets in ${seconds.toFixed(1)} s (${Math.round(total / seconds).toLocaleString('en')}/s); uncoded ${uncoded}, slow (> ${SLOW_MS} ms) ${slow}, max RSS ${rssMb.toFixed(0)} MB (limit ${maxRssMb}) — ${ok ? 'OK' : 'FAILED'}\n`,
)
for (const f of findings.slice(0, 20)) process.stdout.write(`  ${f.kind} ${f.target}: ${f.message.split('\n')[0]}\n    ${f.file}\n`)
if (values.json) writeFileSync(values.json, JSON.stringify({ schemaVersion: 1, ok, inputs: total, seconds, uncoded, slow, maxRssMb: rssMb, seed: Number(values.seed), targets: rows, findings }, null, 2) + '\n')
process.exitCode = ok ? 0 : 1
