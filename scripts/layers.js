// The layering rules of ARCHITECTURE.md §5 plus the ports floor (docs/architecture.md § Layers),
// as folder rules over a source tree: a file's layer is its folder under src/ (for src/client,
// the folder under it: client/page, client/worker, client/node, client/shared). Every relative
// import — `import`, `import type`, `export … from`, a side-effect `import '…'`, a dynamic
// `import('…')` or a `typeof import('…')` — must name a file of its own layer or of a layer
// its layer may use. A file in no known layer is a problem too (new folders get a rule first).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/** Everything the worker side may build on (client/shared and client/worker use it all). */
const BELOW_CLIENT = ['core', 'protocol', 'verify', 'contracts', 'ports', 'p2p', 'store', 'sources', 'sync', 'networks']

/** layer → the layers it may import (its own layer is always allowed). */
export const ALLOWED = {
  core: [],
  protocol: ['core'],
  verify: ['core', 'protocol'],
  contracts: ['core', 'protocol'],
  ports: ['core', 'protocol'],
  p2p: ['core', 'protocol'],
  store: ['core', 'ports'],
  sources: ['core', 'protocol', 'p2p', 'ports', 'verify', 'contracts'],
  // network adapters (Vigil's own chain, Aztec): decoding, hashing, signing schemes, storage layouts
  networks: ['core', 'protocol', 'verify', 'contracts', 'ports'],
  // the sync layer depends on ports only, never on an adapter (sources, store, p2p) or the client
  sync: ['core', 'protocol', 'verify', 'ports'],
  // plain types and config both sides of the worker boundary import
  'client/shared': BELOW_CLIENT,
  // the LightClient, its composition, explorer, chain server (WebWorker lib: no DOM, no Node)
  'client/worker': [...BELOW_CLIENT, 'client/shared'],
  // the page side (DOM lib): the worker-backed client, React hooks, the tab's libp2p node (page-p2p)
  'client/page': ['core', 'protocol', 'p2p', 'client/shared'],
  // the in-process client under Node: the worker's service without comlink, the page's VigilClient wrapper
  'client/node': [...BELOW_CLIENT, 'client/shared', 'client/worker', 'client/page', 'node'],
  // the explorer's checkpoint page checks a pasted L1 input with a network adapter, offline (docs/networks.md)
  ui: ['core', 'client/shared', 'client/page', 'networks'],
  widget: ['core', 'client/shared', 'client/page'],
  // Node-only helpers the devnet and the CLI share (polyfills, argument parsing)
  node: ['core'],
  devnet: ['core', 'protocol', 'verify', 'ports', 'p2p', 'contracts', 'node'],
  cli: [...BELOW_CLIENT, 'client/shared', 'client/worker', 'client/node', 'node'],
}

/** Layers whose code runs in a browser (page or worker): they may not import Node built-ins. */
const BROWSER = new Set(['core', 'protocol', 'verify', 'ports', 'p2p', 'store', 'sources', 'sync', 'networks', 'client/shared', 'client/worker', 'client/page', 'ui', 'widget'])

/** The layer of a path relative to src/ ('a/b.ts' → 'a'; 'client/page/x.ts' → 'client/page'); null for a file directly in src/client. */
export function layerOf(rel) {
  const parts = rel.replaceAll('\\', '/').split('/')
  if (parts[0] === 'client') return parts.length > 2 ? `client/${parts[1]}` : null
  return parts.length > 1 ? parts[0] : null
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) {
      if (name !== 'node_modules' && name !== 'generated') yield* walk(p)
    } else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) yield p
  }
}

/** The file a relative specifier names (with or without extension, or a folder's index). */
function resolveSpec(fromDir, spec) {
  const t = resolve(fromDir, spec)
  for (const c of [t, `${t}.ts`, `${t}.tsx`, join(t, 'index.ts'), join(t, 'index.tsx')]) if (existsSync(c) && statSync(c).isFile()) return c
  return /\.[a-z]+$/.test(t) ? t : `${t}.ts`
}

const IMPORT = new RegExp(
  [
    String.raw`\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]`, // import x / import type x / export … from
    String.raw`\bimport\s*['"]([^'"]+)['"]`, // side effect
    String.raw`\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)`, // dynamic import() and typeof import()
  ].join('|'),
  'g',
)

/** Every module specifier a source text imports or re-exports. */
export function importsOf(text) {
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3])
}

/**
 * Checks every .ts/.tsx file under `srcDir`; returns the problems (empty: the tree keeps the
 * rules). There are no exceptions.
 */
export function checkLayers(srcDir) {
  const src = resolve(srcDir)
  const problems = []
  for (const file of walk(src)) {
    const rel = relative(src, file).replaceAll('\\', '/')
    const from = layerOf(rel)
    if (from === null || !(from in ALLOWED)) {
      problems.push(`src/${rel}: in no known layer (add its folder to ALLOWED in scripts/layers.js)`)
      continue
    }
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        if (BROWSER.has(from) && /^(node:|fs$|fs\/|path$|child_process$|os$|net$|http$|https$|crypto$|worker_threads$)/.test(spec))
          problems.push(`src/${rel}: layer "${from}" runs in a browser but imports the Node module "${spec}"`)
        continue
      }
      const target = resolveSpec(dirname(file), spec)
      const trel = relative(src, target).replaceAll('\\', '/')
      if (trel.startsWith('..')) continue // outside src (e.g. the repo's package.json)
      const to = layerOf(trel)
      if (to === from) continue
      if (to !== null && ALLOWED[from].includes(to)) continue
      problems.push(`src/${rel}: layer "${from}" may not import src/${trel} (layer "${to ?? 'none'}")`)
    }
  }
  return problems
}
