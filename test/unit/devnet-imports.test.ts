/**
 * The devnet's files import each other without a circle: services and the proposer's fault
 * knobs import src/devnet/context.ts, network.ts imports them, never the reverse. A
 * deliberately circular pair of files proves the checker finds one.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? tsFiles(p) : /\.tsx?$/.test(n) ? [p] : []
  })
}

function resolveSpec(from: string, spec: string): string | null {
  const t = resolve(dirname(from), spec)
  for (const c of [t, `${t}.ts`, `${t}.tsx`, join(t, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c
  return null
}

/** Every import circle among the .ts files under `dir` (relative imports, `import type` included). */
function importCycles(dir: string): string[] {
  const graph = new Map<string, string[]>()
  for (const f of tsFiles(dir)) {
    const deps: string[] = []
    const re = /(?:import|export)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm
    for (const m of readFileSync(f, 'utf8').matchAll(re)) {
      const t = resolveSpec(f, (m[1] ?? m[2] ?? m[3])!)
      if (t?.startsWith(dir)) deps.push(t)
    }
    graph.set(f, deps)
  }
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const cycles: string[] = []
  const visit = (n: string): void => {
    state.set(n, 'open')
    stack.push(n)
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(dir, x)).join(' → '))
      else if (!state.has(d)) visit(d)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const f of graph.keys()) if (!state.has(f)) visit(f)
  return cycles
}

describe('devnet imports', () => {
  it('has no import circle among src/devnet files', () => {
    expect(importCycles(resolve(import.meta.dirname, '../../src/devnet'))).toEqual([])
  })

  it('the checker finds a circle through import type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cycles-'))
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b'\nexport const a = b\n")
    writeFileSync(join(dir, 'b.ts'), "import type { A } from './a'\nexport const b = 1 as unknown as A\nexport type B = number\n")
    expect(importCycles(dir)).toEqual(['a.ts → b.ts → a.ts'])
  })
})
