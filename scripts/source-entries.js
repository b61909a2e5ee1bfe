// Module resolve hook (scripts/register.js): inside this repo, the package's own name —
// `@vigil-lc/client`, `/node`, `/react`, `/widget`, and the old name `vigil` the docs' examples
// used — resolves to the TypeScript sources, not to dist/ (which exists only after build:lib).
// Under Node, `.` is the in-process client, as in the package's exports.
const ENTRIES = {
  '': 'src/client/node/api-node.ts',
  '/node': 'src/client/node/api-node.ts',
  '/react': 'src/client/page/react.ts',
  '/widget': 'src/widget/main.ts',
}
const root = new URL('../', import.meta.url)

export async function resolve(specifier, context, next) {
  const m = /^(?:@vigil-lc\/client|vigil)(\/node|\/react|\/widget)?$/.exec(specifier)
  if (m) return next(new URL(ENTRIES[m[1] ?? ''], root).href, context)
  return next(specifier, context)
}
