#!/usr/bin/env node
// npm run build:lib: the installable package in dist/ (docs/library.md "As a package").
//
//   dist/client.worker.js   the light client's module worker, ONE self-contained file (every
//                           dependency bundled, no imports): a consumer's bundler may re-bundle it
//                           (`new Worker(new URL(...))`: Vite, webpack, Rollup) or copy it as an
//                           asset (`new URL(...)`: the widget, esbuild + a copy), and a plain
//                           `<script type="module">` page can load it from node_modules as it is.
//   dist/index.js           `.` in a browser: createLightClient in a Web Worker
//   dist/node.js            `./node` and `.` under Node: the client in-process
//   dist/react.js           `./react`: hooks (react is a peer, never bundled)
//   dist/widget.js          `./widget`: registers <vigil-widget>
//   dist/cli.js             what bin/vigil.js runs
//   dist/*-[hash].js        chunks shared by those entries
//   dist/types/**.d.ts      declarations (tsc --emitDeclarationOnly, tsconfig.build.json)
//
// Entries keep every package import bare (dependencies and peers resolve in the consumer's
// node_modules: one React, one viem), and find the worker next to them with
// `new Worker(new URL('./client.worker.js', import.meta.url), { type: 'module' })` — the one
// form every bundler and the browser itself understand. The app's own build (scripts/build.js)
// keeps Vite's `?worker&url` and `import.meta.env`; here they are replaced (vigilLibWorker).
//
//   node scripts/build-lib.js          build (about 30 s)
//   node scripts/build-lib.js --quiet  print only the summary line
import { spawnSync } from 'node:child_process'
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { listFiles } from './files.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = resolve(root, 'dist')
const quiet = process.argv.includes('--quiet')
const WORKER_FILE = 'client.worker.js'
/** A free identifier the entries' code carries until renderChunk turns it into the literal './client.worker.js'. */
const WORKER_PLACEHOLDER = '__VIGIL_LIB_WORKER_URL__'

export const LIB_ENTRIES = {
  index: 'src/client/page/api.ts',
  node: 'src/client/node/api-node.ts',
  react: 'src/client/page/react.ts',
  widget: 'src/widget/main.ts',
  cli: 'src/cli/main.ts',
}

/**
 * Points the entries at dist/client.worker.js instead of letting Vite bundle the worker into them:
 * page.ts's `new URL('…/workers/client.worker.ts', import.meta.url)` and the widget's
 * `…/client.worker.ts?worker&url` both become `new URL('./client.worker.js', import.meta.url)`.
 * The placeholder keeps Vite's own worker/asset transforms (which match string literals) away.
 */
function vigilLibWorker() {
  const VIRTUAL = '\0vigil-lib-worker-url'
  return {
    name: 'vigil:lib-worker',
    enforce: 'pre',
    resolveId(source) {
      if (/client\.worker\.ts\?worker&url$/.test(source)) return VIRTUAL
      return null
    },
    load(id) {
      if (id === VIRTUAL) return `export default new URL(${WORKER_PLACEHOLDER}, import.meta.url).href\n`
      return null
    },
    transform(code, id) {
      if (id.endsWith('/src/p2p/node.ts')) {
        // the devnet's role (a relay server, WebRTC-direct listener) is not part of the package
        const devnet = "import('./roles/devnet')"
        if (!code.includes(devnet)) this.error('p2p/node.ts no longer loads the devnet role with import(\'./roles/devnet\'): update vigilLibWorker')
        return { code: code.replace(devnet, "Promise.reject(new Error('the devnet p2p role is not part of the package'))"), map: null }
      }
      if (!id.endsWith('/src/client/page/page.ts')) return null
      const re = /new URL\((['"])[./]*workers\/client\.worker\.ts\1, import\.meta\.url\)/g
      if (!re.test(code)) this.error('page.ts no longer starts its worker with new URL(…/workers/client.worker.ts, import.meta.url): update vigilLibWorker')
      return { code: code.replace(re, `new URL(${WORKER_PLACEHOLDER}, import.meta.url)`), map: null }
    },
    renderChunk(code) {
      if (!code.includes(WORKER_PLACEHOLDER)) return null
      return { code: code.replaceAll(WORKER_PLACEHOLDER, JSON.stringify(`./${WORKER_FILE}`)), map: null }
    },
  }
}

const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])
/** A package import (relative and absolute paths and Vite's virtual modules are the project's own code). */
const isBare = (id) => !/^[./\0]/.test(id) && !/^[A-Za-z]:[\\/]/.test(id)
const packageName = (id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0])
const inNodeModules = (file) => /[\\/]node_modules[\\/]/.test(file ?? '')

/**
 * What stays an import in the entries: Node built-ins, and every package the project's code
 * imports (a dependency or peer: resolved in the consumer's node_modules, one React, one viem).
 * One exception: @libp2p/webrtc is an OPTIONAL peer (it depends on react-native-webrtc, whose
 * peer react-native npm would install into every consumer). The tab's libp2p node
 * (src/p2p/roles/page.ts, `pageP2P`) gets its browser build bundled in, with whatever of its
 * own dependencies the package does not declare; under Node (src/p2p/roles/client-node.ts) it
 * stays an import that may be missing (WebSockets only then).
 */
function makeExternal(declared) {
  return (id, importer) => {
    if (nodeBuiltins.has(id)) return true
    if (!isBare(id)) return false
    const name = packageName(id)
    if (name === '@libp2p/webrtc') return !/[\\/]src[\\/]p2p[\\/]roles[\\/]page\.ts$/.test(importer ?? '')
    if (inNodeModules(importer)) return declared.has(name)
    return true
  }
}

/** Every package an emitted entry or chunk imports must be declared, or a consumer's install lacks it. */
function checkImportsDeclared(declared) {
  return {
    name: 'vigil:lib-imports-declared',
    generateBundle(_options, bundle) {
      const missing = new Map()
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk') continue
        for (const id of [...out.imports, ...out.dynamicImports]) {
          if (id in bundle || nodeBuiltins.has(id) || declared.has(packageName(id))) continue
          missing.set(packageName(id), out.fileName)
        }
      }
      if (missing.size > 0) this.error(`dist imports packages that package.json does not declare (dependencies or peerDependencies): ${[...missing].map(([p, f]) => `${p} (${f})`).join(', ')}`)
    },
  }
}

async function exists(p) {
  return stat(p).then(
    () => true,
    () => false,
  )
}

/**
 * tsc writes the sources' extensionless relative specifiers into the .d.ts files; Node's ESM
 * resolution (TypeScript `NodeNext`) needs the real file: `./remote` → `./remote.js`, `./x` →
 * `./x/index.js`.
 */
async function fixDeclarationSpecifiers(typesDir) {
  const files = (await listFiles(typesDir)).filter((f) => f.endsWith('.d.ts'))
  const re = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g
  for (const f of files) {
    const text = await readFile(f, 'utf8')
    const parts = []
    let last = 0
    for (const m of text.matchAll(re)) {
      const spec = m[3]
      let fixed = spec
      if (!/\.(js|mjs|cjs|json)$/.test(spec)) {
        const base = resolve(dirname(f), spec)
        if (await exists(`${base}.d.ts`)) fixed = `${spec}.js`
        else if (await exists(join(base, 'index.d.ts'))) fixed = `${spec}/index.js`
        else throw new Error(`${relative(root, f)}: cannot resolve ${spec}`)
      }
      parts.push(text.slice(last, m.index), `${m[1]}${m[2]}${fixed}${m[2]}`)
      last = m.index + m[0].length
    }
    parts.push(text.slice(last))
    const out = parts.join('')
    if (out !== text) await writeFile(f, out)
  }
  return files.length
}

async function main() {
  const started = Date.now()
  const { build, loadConfigFromFile } = await import('vite')
  // the app config's worker plugins (one protons-runtime for every @libp2p package)
  const app = await loadConfigFromFile({ command: 'build', mode: 'production' }, resolve(root, 'vite.config.ts'), root, 'silent')
  const workerPlugins = app?.config.worker?.plugins?.() ?? []
  const logLevel = quiet ? 'warn' : 'info'
  const pkg = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8'))
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})])
  await rm(outDir, { recursive: true, force: true })

  // 1. the worker: everything bundled into one file
  await build({
    configFile: false,
    root,
    logLevel,
    publicDir: false,
    plugins: workerPlugins,
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      target: 'es2022',
      outDir,
      emptyOutDir: false,
      minify: true,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 4096,
      lib: { entry: resolve(root, 'workers/client.worker.ts'), formats: ['es'], fileName: () => WORKER_FILE },
      rolldownOptions: { output: { codeSplitting: false } },
    },
  })

  // 2. the entries: package imports stay bare
  await build({
    configFile: false,
    root,
    logLevel,
    publicDir: false,
    plugins: [vigilLibWorker(), checkImportsDeclared(declared)],
    // the widget's default config and iframe page live at the root of the site serving the script
    define: { 'import.meta.env.BASE_URL': '"/"' },
    build: {
      target: 'es2022',
      outDir,
      emptyOutDir: false,
      minify: false,
      reportCompressedSize: false,
      lib: {
        entry: Object.fromEntries(Object.entries(LIB_ENTRIES).map(([k, v]) => [k, resolve(root, v)])),
        formats: ['es'],
        fileName: (_format, name) => `${name}.js`,
      },
      rolldownOptions: {
        external: makeExternal(declared),
        output: {
          chunkFileNames: '[name]-[hash].js',
          // the Node polyfills (Promise.withResolvers, a global WebSocket) run on import: their own chunk, listed in `sideEffects`
          codeSplitting: { groups: [{ name: 'node-polyfills', test: /[\\/]src[\\/]node[\\/]polyfills\.ts$/ }] },
        },
      },
    },
  })

  // 3. declarations
  const tsc = spawnSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', resolve(root, 'tsconfig.build.json')], { stdio: 'inherit' })
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status})`)
  const nTypes = await fixDeclarationSpecifiers(join(outDir, 'types'))

  const js = (await listFiles(outDir)).filter((f) => f.endsWith('.js'))
  let bytes = 0
  for (const f of js) bytes += (await stat(f)).size
  console.log(`build:lib: dist/ ${js.length} JS files (${(bytes / 1e6).toFixed(1)} MB), ${nTypes} .d.ts, in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

main().catch((e) => {
  console.error(`build:lib failed: ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 1
})
