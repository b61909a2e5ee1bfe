/**
 * The lint's layering check (scripts/layers.js) itself: a small tree with each kind of upward
 * import is reported, file by file; the real src/ passes.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkLayers, importsOf, layerOf } from '../../scripts/layers.js'

const root = mkdtempSync(join(tmpdir(), 'vigil-lint-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Writes `files` (path under src → text) into a fresh tree; returns its src dir. */
function tree(name: string, files: Record<string, string>): string {
  const src = join(root, name, 'src')
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, p)), { recursive: true })
    writeFileSync(join(src, p), text)
  }
  return src
}

/** A tree every rule accepts: each layer importing only what it may. */
const base: Record<string, string> = {
  'core/types.ts': 'export type Hex = `0x${string}`\n',
  'protocol/header.ts': "import type { Hex } from '../core/types'\nexport const h: Hex = '0x'\n",
  'ports/l1.ts': "import type { Hex } from '../core/types'\nexport interface L1Port { head(): Hex }\n",
  'sources/l1.ts': "import type { L1Port } from '../ports/l1'\nexport class L1Source {}\nexport type { L1Port }\n",
  'store/chain-store.ts': "import type { L1Port } from '../ports/l1'\nexport type X = L1Port\n",
  'sync/engine.ts': "import { h } from '../protocol/header'\nimport type { L1Port } from '../ports/l1'\nexport const e = h\nexport type P = L1Port\n",
  'client/shared/types.ts': "export type { Hex } from '../../core/types'\n",
  'client/worker/light-client.ts': "import { L1Source } from '../../sources/l1'\nimport { e } from '../../sync/engine'\nexport const c = [L1Source, e]\n",
  'client/page/api.ts': "import type { Hex } from '../shared/types'\nexport type A = Hex\n",
  'ui/App.tsx': "import type { A } from '../client/page/api'\nexport type U = A\n",
  'devnet/network.ts': "import { h } from '../protocol/header'\nexport const n = h\n",
}

describe('layering check (scripts/layers.js)', () => {
  it('knows each file\'s layer by its folder', () => {
    expect(layerOf('sync/engine.ts')).toBe('sync')
    expect(layerOf('client/page/api.ts')).toBe('client/page')
    expect(layerOf('client/shared/types.ts')).toBe('client/shared')
    expect(layerOf('client/stray.ts')).toBeNull()
  })

  it('finds every import form: import, import type, export from, side effect, dynamic, typeof import', () => {
    const text = [
      "import { a } from './a'",
      "import type { B } from './b'",
      "export { c } from './c'",
      "export type * from './d'",
      "import './e'",
      "const f = await import('./f')",
      "type G = typeof import('./g')",
      'import {\n  h,\n  type H,\n} from "./h"',
    ].join('\n')
    expect(importsOf(text)).toEqual(['./a', './b', './c', './d', './e', './f', './g', './h'])
  })

  it('accepts a tree that keeps the rules', () => {
    expect(checkLayers(tree('ok', base))).toEqual([])
  })

  it('reports each upward import, including import type, export from and dynamic import()', () => {
    const src = tree('bad', {
      ...base,
      // sync → an adapter
      'sync/syncer.ts': "import { L1Source } from '../sources/l1'\nexport const s = L1Source\n",
      // a client type into sync, type-only
      'sync/bodies.ts': "import type { Hex } from '../client/shared/types'\nexport type B = Hex\n",
      // store → sync, as a re-export
      'store/db.ts': "export { e } from '../sync/engine'\n",
      // client → devnet, dynamically
      'client/worker/explorer.ts': "export const load = () => import('../../devnet/network')\n",
      // the page reaching into the worker side
      'client/page/remote.ts': "import type { c } from '../worker/light-client'\nexport type R = typeof c\n",
      // a file in no layer folder
      'client/stray.ts': 'export const x = 1\n',
      // Node built-ins in browser code
      'sources/file.ts': "import { readFile } from 'node:fs/promises'\nexport const r = readFile\n",
    })
    const problems = checkLayers(src)
    const has = (file: string, what: RegExp) => expect(problems.some((p) => p.startsWith(`src/${file}:`) && what.test(p)), `${file} ${what}\n${problems.join('\n')}`).toBe(true)
    has('sync/syncer.ts', /layer "sync" may not import src\/sources\/l1\.ts/)
    has('sync/bodies.ts', /layer "sync" may not import src\/client\/shared\/types\.ts/)
    has('store/db.ts', /layer "store" may not import src\/sync\/engine\.ts/)
    has('client/worker/explorer.ts', /layer "client\/worker" may not import src\/devnet\/network\.ts/)
    has('client/page/remote.ts', /layer "client\/page" may not import src\/client\/worker\/light-client\.ts/)
    has('client/stray.ts', /in no known layer/)
    has('sources/file.ts', /Node module "node:fs\/promises"/)
    expect(problems).toHaveLength(7)
  })

  it('npm run lint exits non-zero on an upward import and names it', () => {
    const lint = resolve(import.meta.dirname, '../../scripts/lint.js')
    const ok = spawnSync(process.execPath, [lint, '--layers-only', '--src', tree('cli-ok', base)], { encoding: 'utf8' })
    expect(ok.status, ok.stderr).toBe(0)
    const bad = spawnSync(process.execPath, [lint, '--layers-only', '--src', tree('cli-bad', { ...base, 'sync/syncer.ts': "import type { L1Source } from '../sources/l1'\nexport type S = L1Source\n" })], { encoding: 'utf8' })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain('src/sync/syncer.ts: layer "sync" may not import src/sources/l1.ts')
  })

  it('the real src/ keeps the rules', () => {
    expect(checkLayers(resolve(import.meta.dirname, '../../src'))).toEqual([])
  })
})
