#!/usr/bin/env node
// npm run lint: the layering rules of docs/architecture.md (what may import what), plus unused
// locals/parameters in every tsconfig. Exits non-zero on any violation.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

/** layer → layers it may import (itself always allowed). */
const ALLOWED = {
  core: [],
  protocol: ['core'],
  verify: ['core', 'protocol'],
  contracts: ['core'],
  p2p: ['core', 'protocol', 'client-types'],
  ports: ['core', 'protocol'],
  store: ['core', 'ports', 'client-types'],
  sources: ['core', 'protocol', 'p2p', 'contracts', 'verify', 'store', 'ports', 'client-types'],
  sync: ['core', 'protocol', 'verify', 'ports'],
  client: ['core', 'protocol', 'verify', 'ports', 'store', 'sources', 'sync', 'p2p', 'contracts', 'node'],
  ui: ['core', 'client-types', 'client-page'],
  widget: ['core', 'client-types', 'client-page', 'ui'],
  devnet: ['core', 'protocol', 'verify', 'ports', 'p2p', 'contracts', 'client-types', 'node'],
  cli: ['core', 'client', 'client-types', 'protocol', 'verify', 'ports', 'store', 'sources', 'sync', 'node'],
  /** Node-only helpers shared by the devnet, the CLI and the Node client (polyfills, flag parsing) */
  node: ['core'],
}
/** files of the client layer that lower layers may use: plain types, the page bridge */
const layerOf = (file) => {
  const rel = relative(src, file).replaceAll('\\', '/')
  if (rel === 'client/types.ts' || rel === 'client/bridge.ts' || rel === 'client/config.ts') return 'client-types'
  if (rel === 'client/page.ts') return 'client-page'
  // the page side of the library (worker-backed client, React hooks): what src/ui and src/widget build on
  if (rel === 'client/api.ts' || rel === 'client/remote.ts' || rel === 'client/react.ts') return 'client-page'
  return rel.split('/')[0]
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) yield* walk(p)
    else if (/\.(ts|tsx)$/.test(name)) yield p
  }
}

const problems = []
for (const file of walk(src)) {
  const from = layerOf(file)
  const own = from === 'client-types' || from === 'client-page' ? 'client' : from
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]
    let target = resolve(dirname(file), spec)
    if (!/\.(ts|tsx|json)$/.test(target)) target += '.ts'
    if (!target.startsWith(src)) continue
    const to = layerOf(target)
    const toOwn = to === 'client-types' || to === 'client-page' ? 'client' : to
    if (toOwn === own) continue
    const allowed = ALLOWED[own] ?? []
    if (!allowed.includes(to) && !allowed.includes(toOwn)) problems.push(`${relative(root, file)}: layer "${own}" may not import ${relative(root, target)} (layer "${to}")`)
  }
}
// client code must never pull in the devnet or Node-only modules
for (const file of walk(join(src, 'client'))) {
  if (file.endsWith('node.ts')) continue
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/from\s+['"](node:[^'"]+|fs|path|child_process)['"]/g)) problems.push(`${relative(root, file)}: client code imports Node-only module ${m[1]}`)
}

for (const p of ['tsconfig.json', 'tsconfig.worker.json', 'tsconfig.node.json']) {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', p, '--noEmit', '--noUnusedLocals', '--noUnusedParameters'], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) problems.push(...r.stdout.trim().split('\n').map((l) => `${p}: ${l}`))
}

if (problems.length) {
  console.error(problems.join('\n'))
  console.error(`\n${problems.length} lint problem(s)`)
  process.exit(1)
}
console.log('lint: layering and unused-code checks passed')
