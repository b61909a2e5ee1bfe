#!/usr/bin/env node
// npm run build: production build of the page and the widget (vite, into dist-app/; the library
// package is `npm run build:lib`, into dist/), then the gzip size of every
// JS chunk — page, widget, worker — against the budgets, and which packages/modules dominate.
//
// Budgets (gzip) count what a visitor downloads before anything works: the entry chunk, its static
// imports, and the light-client worker it starts with the worker's static imports. Chunks loaded by
// dynamic import only when asked (KZG for "Verify now"/blob bodies, the noble fallback, …) are
// listed as "on demand" and not counted.
//   page   (index.html: explorer)          ≤ 350 kB
//   widget (widget.js: <vigil-widget>)     ≤ 200 kB
//
//   node scripts/build.js            build and report (exit 1 if vite build fails)
//   node scripts/build.js --strict   also exit 2 when over budget
//   node scripts/build.js --json     also print the report as JSON on stdout's last line
//
// Sizes are gzip (zlib level 9) of the emitted files, in kB = 1000 bytes. Per-package numbers are
// gzip of each module's rendered code summed, which over-counts a little (each piece is compressed
// alone) but ranks them right.
import { readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { listFiles } from './files.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BUDGET_TOTAL_KB = 350
const BUDGET_WIDGET_KB = 200
const args = new Set(process.argv.slice(2))
const kB = (n) => `${(n / 1000).toFixed(1)} kB`
const gz = (buf) => gzipSync(buf, { level: 9 }).length

/** Records, per emitted chunk, which build it came from and its modules' rendered code. */
const chunks = new Map() // fileName -> { build: 'page' | 'worker', name, modules: [{ id, code }] }
function sizeCollector(build) {
  return {
    name: `vigil:size-collector:${build}`,
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk') continue
        const modules = Object.entries(out.modules ?? {}).map(([id, m]) => ({ id, code: m.code ?? '' }))
        chunks.set(out.fileName, { build, name: out.name, modules, isEntry: out.isEntry, imports: out.imports ?? [], dynamicImports: out.dynamicImports ?? [], code: out.code })
      }
    },
  }
}

/** "react-dom", "@libp2p/gossipsub", or "src/ui" / "workers" for the project's own code. */
function packageOf(id) {
  const clean = id.replace(/^\0/, '').split('?')[0]
  const nm = clean.lastIndexOf(`node_modules${sep}`) >= 0 ? clean.lastIndexOf(`node_modules${sep}`) : clean.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = clean.slice(nm + 'node_modules/'.length).split(/[\\/]/)
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? clean)
  }
  if (clean.startsWith(root)) {
    const parts = relative(root, clean).split(/[\\/]/)
    return parts[0] === 'src' ? `src/${parts[1]}` : (parts[0] ?? clean)
  }
  return clean.startsWith('vite/') || clean.includes('rolldown') ? 'bundler runtime' : clean
}

async function main() {
  const { build } = await import('vite')
  const started = Date.now()
  try {
    await build({
      configFile: resolve(root, 'vite.config.ts'),
      plugins: [sizeCollector('page')],
      worker: { plugins: () => [sizeCollector('worker')] },
    })
  } catch (e) {
    console.error(`\nvite build failed: ${e instanceof Error ? e.message : String(e)}`)
    process.exitCode = 1
    return
  }
  const outDir = resolve(root, 'dist-app')
  const files = (await listFiles(outDir)).filter((f) => f.endsWith('.js'))
  const rows = []
  for (const f of files) {
    const rel = relative(outDir, f).split(sep).join('/')
    const buf = await readFile(f)
    const info = chunks.get(rel)
    rows.push({ file: rel, build: info?.build ?? (rel.includes('.worker') ? 'worker' : 'page'), raw: (await stat(f)).size, gzip: gz(buf) })
  }
  rows.sort((a, b) => b.gzip - a.gzip)
  const sum = (rs, k) => rs.reduce((n, r) => n + r[k], 0)
  const page = rows.filter((r) => r.build === 'page')
  const worker = rows.filter((r) => r.build === 'worker')
  const total = sum(rows, 'gzip')
  const over = total > BUDGET_TOTAL_KB * 1000

  const w = Math.max(10, ...rows.map((r) => r.file.length))
  console.log(`\nJS chunks (gzip -9), built in ${((Date.now() - started) / 1000).toFixed(1)} s:`)
  console.log(`  ${'chunk'.padEnd(w)}  ${'build'.padEnd(6)}  ${'raw'.padStart(10)}  ${'gzip'.padStart(10)}`)
  for (const r of rows) console.log(`  ${r.file.padEnd(w)}  ${r.build.padEnd(6)}  ${kB(r.raw).padStart(10)}  ${kB(r.gzip).padStart(10)}`)
  console.log(`  ${'page (main thread)'.padEnd(w)}  ${''.padEnd(6)}  ${kB(sum(page, 'raw')).padStart(10)}  ${kB(sum(page, 'gzip')).padStart(10)}`)
  console.log(`  ${'worker'.padEnd(w)}  ${''.padEnd(6)}  ${kB(sum(worker, 'raw')).padStart(10)}  ${kB(sum(worker, 'gzip')).padStart(10)}`)
  console.log(`  ${'TOTAL'.padEnd(w)}  ${''.padEnd(6)}  ${kB(sum(rows, 'raw')).padStart(10)}  ${kB(total).padStart(10)}   budget ≤ ${BUDGET_TOTAL_KB} kB gzip: ${over ? 'OVER' : 'ok'}`)

  // Which packages dominate (always shown: it is short and the first thing to look at).
  const byPkg = new Map()
  const byModule = []
  for (const [file, info] of chunks) {
    for (const m of info.modules) {
      if (!m.code) continue
      const g = gz(Buffer.from(m.code))
      const pkg = packageOf(m.id)
      const cur = byPkg.get(pkg) ?? { pkg, gzip: 0, builds: new Set(), perBuild: { page: 0, worker: 0 } }
      cur.gzip += g
      cur.builds.add(info.build)
      cur.perBuild[info.build] += g
      byPkg.set(pkg, cur)
      byModule.push({ id: relative(root, m.id.replace(/^\0/, '')) || m.id, file, gzip: g })
    }
  }
  const pkgs = [...byPkg.values()].sort((a, b) => b.gzip - a.gzip)
  const top = over ? 15 : 8
  if (pkgs.length > 0) {
    console.log(`\nLargest packages (gzip of rendered code, summed per module):`)
    for (const p of pkgs.slice(0, top)) console.log(`  ${kB(p.gzip).padStart(9)}  ${p.pkg}  [${[...p.builds].join('+')}]`)
    // comlink and a few shared types/errors belong on both sides; anything big there is loaded twice
    const twice = pkgs.filter((p) => p.builds.size > 1 && Math.min(p.perBuild.page, p.perBuild.worker) > 5000)
    if (twice.length > 0) console.log(`  bundled twice (page and worker): ${twice.map((p) => `${p.pkg} (${kB(p.perBuild.page)} on the page)`).join(', ')}`)
  }
  if (over) {
    byModule.sort((a, b) => b.gzip - a.gzip)
    console.log(`\nOver budget by ${kB(total - BUDGET_TOTAL_KB * 1000)}. Largest chunks: ${rows.slice(0, 3).map((r) => `${r.file} (${kB(r.gzip)})`).join(', ')}.`)
    console.log('Largest modules:')
    for (const m of byModule.slice(0, 12)) console.log(`  ${kB(m.gzip).padStart(9)}  ${m.id}  → ${m.file}`)
  }

  // ---- what each entry loads up front (static import closure), plus the worker it starts
  const gzOf = new Map(rows.map((r) => [r.file, r.gzip]))
  // widget.js is a loader whose one dynamic import is the widget itself: follow the entry's own dynamic imports
  const closure = (start) => {
    const seen = new Set()
    const walk = (f, followDynamic = false) => {
      if (seen.has(f) || !chunks.has(f)) return
      seen.add(f)
      for (const i of chunks.get(f).imports) walk(i)
      if (followDynamic) for (const i of chunks.get(f).dynamicImports) walk(i)
    }
    walk(start, start === 'widget.js')
    return seen
  }
  const entryFile = (build, name) => [...chunks.entries()].find(([, c]) => c.build === build && c.isEntry && c.name === name)?.[0]
  const workerEntry = [...chunks.entries()].find(([, c]) => c.build === 'worker' && c.isEntry)?.[0]
  const startsWorker = (files) => [...files].some((f) => /client\.worker-[\w-]+\.js/.test(chunks.get(f)?.code ?? ''))
  const sumGz = (files) => [...files].reduce((n, f) => n + (gzOf.get(f) ?? 0), 0)
  const workerFiles = workerEntry ? closure(workerEntry) : new Set()
  const entries = [
    { name: 'page', what: 'index.html (explorer)', file: entryFile('page', 'main'), budget: BUDGET_TOTAL_KB },
    { name: 'widget', what: 'widget.js (<vigil-widget>)', file: entryFile('page', 'widget'), budget: BUDGET_WIDGET_KB },
  ].filter((e) => e.file)
  const loaded = new Set([...workerFiles])
  console.log('\nWhat a visitor downloads up front (entry + static imports, and the light-client worker it starts), gzip:')
  const budgets = []
  for (const e of entries) {
    const files = closure(e.file)
    for (const f of files) loaded.add(f)
    const main = sumGz(files)
    const worker = startsWorker(files) ? sumGz(workerFiles) : 0
    const total = main + worker
    const overBy = total - e.budget * 1000
    budgets.push({ name: e.name, mainGzip: main, workerGzip: worker, totalGzip: total, budgetKB: e.budget, over: overBy > 0 })
    console.log(`  ${e.name.padEnd(7)} ${e.what.padEnd(28)} main thread ${kB(main).padStart(9)} + worker ${kB(worker).padStart(9)} = ${kB(total).padStart(9)}   budget ≤ ${e.budget} kB: ${overBy > 0 ? `OVER by ${kB(overBy)}` : 'ok'}`)
  }
  const onDemand = rows.filter((r) => !loaded.has(r.file) && !entries.some((e) => closure(e.file).has(r.file)) && r.file !== 'widget.js')
  const lazy = onDemand.filter((r) => r.build === 'worker' || r.build === 'page')
  if (lazy.length) console.log(`  dynamic imports, loaded when first used (not counted): ${lazy.map((r) => `${r.file} ${kB(r.gzip)}`).join(', ')}`)
  // what dominates the worker (it is most of both budgets)
  const workerPkgs = new Map()
  for (const f of workerFiles) for (const m of chunks.get(f)?.modules ?? []) {
    if (!m.code) continue
    const pkg = packageOf(m.id)
    workerPkgs.set(pkg, (workerPkgs.get(pkg) ?? 0) + gz(Buffer.from(m.code)))
  }
  if (budgets.some((b) => b.over)) {
    const top = [...workerPkgs.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)
    console.log(`  over budget: the worker dominates; its largest packages: ${top.map(([p, g]) => `${p} ${kB(g)}`).join(', ')}`)
  }

  const report = {
    budgets,
    budgetKB: BUDGET_TOTAL_KB,
    totalGzip: total,
    pageGzip: sum(page, 'gzip'),
    workerGzip: sum(worker, 'gzip'),
    over,
    chunks: rows,
    packages: pkgs.map((p) => ({ pkg: p.pkg, gzip: p.gzip, builds: [...p.builds] })),
  }
  await writeFile(join(outDir, 'size-report.json'), JSON.stringify(report, null, 2) + '\n')
  console.log(`\nreport: ${relative(root, join(outDir, 'size-report.json'))}`)
  if (args.has('--json')) console.log(JSON.stringify({ totalGzip: total, pageGzip: report.pageGzip, workerGzip: report.workerGzip, over, budgets }))
  if ((over || budgets.some((b) => b.over)) && args.has('--strict')) process.exitCode = 2
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
