/**
 * BLS timings for docs/decisions/bls.md (not part of `npm test` or `npm run bench`):
 *
 *   node --import ./scripts/register.js bench/bls.ts [--runs N] [--no-browser]
 *
 * The input is real: mainnet update 5 of ../shared/vectors/helios/consensus (period 867,
 * 512 of 512 signed), its committee the next_sync_committee of update 4. The same code
 * (bench/bls-cases.ts) runs in Node and, bundled with esbuild, in headless Chromium
 * (playwright-core, /usr/bin/chromium or $VIGIL_CHROMIUM), on the page and in a module Web Worker.
 */
import { readFileSync, existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bytesToHex } from '../src/protocol/bytes'
import { decodeUpdates } from '../src/protocol/eth/beacon'
import { DOMAIN_SYNC_COMMITTEE, beaconBlockHeaderRoot, computeDomain, computeSigningRoot } from '../src/protocol/eth/ssz'
import { MAINNET, epochAtSlot, forkAtEpoch, hasBit } from '../src/verify/lightclient'
import { measureNoble, type BlsInput } from './bls-cases'

const argv = process.argv.slice(2)
const runs = Number(argv[argv.indexOf('--runs') + 1] || 5) || 5
const root = join(import.meta.dirname, '..')
const updates = decodeUpdates(JSON.parse(readFileSync(join(root, '../shared/vectors/helios/consensus/updates.json'), 'utf8')))
const u = updates[5]!
const committee = updates[4]!.nextSyncCommittee!
const fork = forkAtEpoch(MAINNET, epochAtSlot(u.signatureSlot - 1))
const input: BlsInput = {
  pubkeys: committee.pubkeys.map(bytesToHex),
  participants: Array.from({ length: 512 }, (_, i) => i).filter((i) => hasBit(u.syncAggregate.bits, i)),
  signingRoot: bytesToHex(computeSigningRoot(beaconBlockHeaderRoot(u.attestedHeader.beacon), computeDomain(DOMAIN_SYNC_COMMITTEE, fork.version, MAINNET.genesisValidatorsRoot))),
  signature: bytesToHex(u.syncAggregate.signature),
}

const results: Record<string, unknown> = { input: { participants: input.participants.length, fork: fork.name, runs } }
results.node = { version: process.version, ...measureNoble(input, runs) }
console.log('node', JSON.stringify(results.node))

const chromium = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium'
if (!argv.includes('--no-browser') && existsSync(chromium)) {
  const { build } = await import('esbuild')
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bls-'))
  await build({ entryPoints: [join(import.meta.dirname, 'bls-cases.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'bls.js'), logLevel: 'warning' })
  await build({ entryPoints: [join(import.meta.dirname, 'bls-worker.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'bls-worker.js'), logLevel: 'warning' })
  await writeFile(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module">import * as m from "./bls.js"; window.blsBench = m; window.ready = true</script>')
  const server = createServer((req, res) => {
    const f = join(dir, req.url === '/' ? 'index.html' : req.url!.slice(1))
    if (!existsSync(f)) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': f.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(readFileSync(f))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const { chromium: pw } = await import('playwright-core')
  const browser = await pw.launch({ executablePath: chromium, args: ['--headless', '--no-sandbox', '--disable-gpu'] })
  try {
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true)
    const version = browser.version()
    const timings = await page.evaluate(
      ([inp, n]) => (globalThis as unknown as { blsBench: { measureNoble: typeof measureNoble } }).blsBench.measureNoble(inp as BlsInput, n as number),
      [input, runs] as const,
    )
    results.chromium = { version, ...timings }
    console.log('chromium page', JSON.stringify(results.chromium))
    const inWorker = await page.evaluate(
      ([inp, n]) =>
        new Promise((resolve, reject) => {
          type W = { onmessage: (e: { data: unknown }) => void; onerror: (e: { message: string }) => void; postMessage(v: unknown): void }
          const WorkerCtor = (globalThis as unknown as { Worker: new (url: string, o: { type: 'module' }) => W }).Worker
          const w = new WorkerCtor('./bls-worker.js', { type: 'module' })
          w.onmessage = (e) => resolve(e.data)
          w.onerror = (e) => reject(new Error(e.message))
          w.postMessage({ input: inp, runs: n })
        }),
      [input, runs] as const,
    )
    results.chromiumWorker = { version, ...(inWorker as object) }
    console.log('chromium worker', JSON.stringify(results.chromiumWorker))
  } finally {
    await browser.close()
    server.close()
    await rm(dir, { recursive: true, force: true })
  }
}
const out = argv.indexOf('--json')
if (out >= 0) await writeFile(argv[out + 1]!, JSON.stringify(results, null, 2))
