/**
 * BLS timings for docs/decisions/bls.md (not part of `npm test` or `npm run bench`):
 *
 *   node --import ./scripts/register.js bench/bls.ts [--runs N] [--no-browser] [--json FILE]
 *        [--chainsafe DIR [--blst DIR2]]
 *
 * `--chainsafe DIR` adds the comparison (bench/bls-chainsafe.ts): @chainsafe/bls (herumi WASM)
 * and @chainsafe/ssz loaded from DIR/node_modules, and @chainsafe/blst (native) from
 * DIR2/node_modules (default DIR) when it is there. They are not Vigil dependencies: install them
 * in a scratch directory, never in the repo (`mkdir -p /tmp/blsbench && cd /tmp/blsbench &&
 * npm init -y && npm install @chainsafe/bls @chainsafe/ssz --legacy-peer-deps`).
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
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bytesToHex } from '../src/protocol/bytes'
import { decodeUpdates } from '../src/protocol/eth/beacon'
import { decodeBootstrap } from '../src/protocol/eth/beacon'
import { DOMAIN_SYNC_COMMITTEE, beaconBlockHeaderRoot, computeDomain, computeSigningRoot, syncCommitteeRoot } from '../src/protocol/eth/ssz'
import { MAINNET, epochAtSlot, forkAtEpoch, hasBit } from '../src/verify/lightclient'
import { measureNoble, type BlsInput } from './bls-cases'
import { measureBlst, measureChainsafeBls, measureSsz, type ChainsafeBls, type ChainsafeBlst, type ChainsafeSsz, type SszInput } from './bls-chainsafe'

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

const boot = decodeBootstrap(JSON.parse(readFileSync(join(root, '../shared/vectors/helios/consensus/bootstrap.json'), 'utf8')))
const sszInput: SszInput = {
  pubkeys: boot.currentSyncCommittee.pubkeys.map(bytesToHex),
  aggregatePubkey: bytesToHex(boot.currentSyncCommittee.aggregatePubkey),
  header: { ...boot.header.beacon, parentRoot: bytesToHex(boot.header.beacon.parentRoot), stateRoot: bytesToHex(boot.header.beacon.stateRoot), bodyRoot: bytesToHex(boot.header.beacon.bodyRoot) },
}
const ownSsz = { syncCommitteeRoot, beaconBlockHeaderRoot }
const flag = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
const csDir = flag('--chainsafe') === undefined ? undefined : resolve(flag('--chainsafe')!)
const blstDir = flag('--blst') === undefined ? csDir : resolve(flag('--blst')!)
const pkg = (dir: string, rel: string): string => join(dir, 'node_modules', rel)
const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(file).href)) as T

const results: Record<string, unknown> = { input: { participants: input.participants.length, fork: fork.name, runs } }
results.node = { version: process.version, ...measureNoble(input, runs) }
console.log('node', JSON.stringify(results.node))
if (csDir) {
  const herumi = (await load<{ bls: ChainsafeBls }>(pkg(csDir, '@chainsafe/bls/lib/herumi/index.js'))).bls
  results.nodeChainsafeBls = measureChainsafeBls(herumi, input, runs)
  console.log('node @chainsafe/bls herumi', JSON.stringify(results.nodeChainsafeBls))
  const blstFile = pkg(blstDir!, '@chainsafe/blst/index.js')
  if (existsSync(blstFile)) {
    const m = await load<{ default?: ChainsafeBlst } & ChainsafeBlst>(blstFile)
    results.nodeBlst = measureBlst(m.default ?? m, input, runs)
    console.log('node @chainsafe/blst', JSON.stringify(results.nodeBlst))
  }
  const ssz = await load<ChainsafeSsz>(pkg(csDir, '@chainsafe/ssz/lib/index.js'))
  const hasherDir = pkg(csDir, '@chainsafe/persistent-merkle-tree/lib/hasher')
  const { setHasher } = await load<{ setHasher(h: unknown): void }>(join(hasherDir, 'index.js'))
  const sszRuns = Math.max(20, runs * 4)
  for (const h of ['noble', 'as-sha256', 'hashtree']) {
    try {
      setHasher((await load<{ hasher: unknown }>(join(hasherDir, `${h}.js`))).hasher)
    } catch (e) {
      console.log(`ssz hasher ${h}: not loadable here (${(e as Error).message.split('\n')[0]})`)
      continue
    }
    const r = measureSsz(ssz, ownSsz, sszInput, sszRuns)
    results[`nodeSsz_${h}`] = r
    console.log(`node ssz (@chainsafe/ssz hasher ${h})`, JSON.stringify(r))
  }
}

const chromium = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium'
if (!argv.includes('--no-browser') && existsSync(chromium)) {
  const { build } = await import('esbuild')
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bls-'))
  await build({ entryPoints: [join(import.meta.dirname, 'bls-cases.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'bls.js'), logLevel: 'warning' })
  await build({ entryPoints: [join(import.meta.dirname, 'bls-worker.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'bls-worker.js'), logLevel: 'warning' })
  if (csDir) {
    // the browser builds: @chainsafe/bls's herumi (bls-eth-wasm, WASM inlined), @chainsafe/ssz with its default hasher
    const imports = `import { bls } from ${JSON.stringify(pkg(csDir, '@chainsafe/bls/lib/herumi/index.js'))}
import * as ssz from ${JSON.stringify(pkg(csDir, '@chainsafe/ssz/lib/index.js'))}
import { measureChainsafeBls, measureSsz } from ${JSON.stringify(join(import.meta.dirname, 'bls-chainsafe.ts'))}
import { syncCommitteeRoot, beaconBlockHeaderRoot } from ${JSON.stringify(join(root, 'src/protocol/eth/ssz.ts'))}
const own = { syncCommitteeRoot, beaconBlockHeaderRoot }
const run = (d) => ({ bls: measureChainsafeBls(bls, d.input, d.runs), ssz: measureSsz(ssz, own, d.sszInput, d.sszRuns) })
`
    await writeFile(join(dir, 'cs-entry.js'), imports + 'export { run }\n')
    await writeFile(join(dir, 'cs-worker-entry.js'), imports + 'globalThis.onmessage = (e) => globalThis.postMessage(run(e.data))\nglobalThis.postMessage("ready")\n')
    const opts = { bundle: true, format: 'esm' as const, platform: 'browser' as const, target: 'es2022', external: ['fs', 'path', 'crypto', 'worker_threads', 'url', 'module'], logLevel: 'warning' as const }
    await build({ ...opts, entryPoints: [join(dir, 'cs-entry.js')], outfile: join(dir, 'cs.js') })
    await build({ ...opts, entryPoints: [join(dir, 'cs-worker-entry.js')], outfile: join(dir, 'cs-worker.js') })
  }
  await writeFile(
    join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><script type="module">import * as m from "./bls.js"; window.blsBench = m;${csDir ? ' window.csBench = await import("./cs.js");' : ''} window.ready = true</script>`,
  )
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
    page.on('pageerror', (e) => console.error('page error:', e.message))
    page.on('console', (m) => m.type() === 'error' && console.error('page console:', m.text()))
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
    if (csDir) {
      const data = { input, runs, sszInput, sszRuns: Math.max(20, runs * 4) }
      results.chromiumChainsafe = await page.evaluate((d) => (globalThis as unknown as { csBench: { run(x: unknown): unknown } }).csBench.run(d), data)
      console.log('chromium page @chainsafe', JSON.stringify(results.chromiumChainsafe))
      results.chromiumWorkerChainsafe = await page.evaluate(
        (d) =>
          new Promise((resolve, reject) => {
            type W = { onmessage: (e: { data: unknown }) => void; onerror: (e: { message: string }) => void; postMessage(v: unknown): void }
            const WorkerCtor = (globalThis as unknown as { Worker: new (url: string, o: { type: 'module' }) => W }).Worker
            // its module awaits the WASM before it listens: it says "ready" first
            const w = new WorkerCtor('./cs-worker.js', { type: 'module' })
            w.onmessage = (e) => (e.data === 'ready' ? w.postMessage(d) : resolve(e.data))
            w.onerror = (e) => reject(new Error(e.message))
          }),
        data,
      )
      console.log('chromium worker @chainsafe', JSON.stringify(results.chromiumWorkerChainsafe))
    }
  } finally {
    await browser.close()
    server.close()
    await rm(dir, { recursive: true, force: true })
  }
}
const out = argv.indexOf('--json')
if (out >= 0) await writeFile(argv[out + 1]!, JSON.stringify(results, null, 2))
