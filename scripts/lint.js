#!/usr/bin/env node
// npm run lint: the layering rules (scripts/layers.js: ARCHITECTURE.md §5 plus the ports floor, by
// folder; docs/architecture.md § Layers), plus unused locals/parameters in every tsconfig.
// Exits non-zero on any violation. The lint's own test: test/unit/lint.test.ts.
import { join, resolve, dirname } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { checkLayers } from './layers.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// `--src <dir>` checks another tree's layering, `--layers-only` skips tsc (the lint's own test uses both)
const args = process.argv.slice(2)
const srcArg = args.indexOf('--src')
const src = srcArg >= 0 ? resolve(args[srcArg + 1]) : join(root, 'src')
const layersOnly = args.includes('--layers-only')

const problems = checkLayers(src)

for (const p of layersOnly ? [] : ['tsconfig.json', 'tsconfig.worker.json', 'tsconfig.node.json']) {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', p, '--noEmit', '--noUnusedLocals', '--noUnusedParameters'], { cwd: root, encoding: 'utf8' })
  if (r.status !== 0) problems.push(...r.stdout.trim().split('\n').map((l) => `${p}: ${l}`))
}

if (problems.length) {
  console.error(problems.join('\n'))
  console.error(`\n${problems.length} lint problem(s)`)
  process.exit(1)
}
console.log(layersOnly ? 'lint: layering check passed' : 'lint: layering and unused-code checks passed')
