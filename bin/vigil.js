#!/usr/bin/env node
// `vigil`: runs the built CLI (dist/cli.js, from `npm run build:lib`) — all an installed package
// has. In a dev checkout (src/ next to dist/) the build is used only while it is newer than every
// source file; otherwise the sources run through tsx, so an old dist/ never hides an edit.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const built = new URL('../dist/cli.js', import.meta.url)
const src = new URL('../src/', import.meta.url)

/** Newest mtime (ms) of the files under dir. */
function newest(dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

function useBuilt() {
  if (!existsSync(built)) return false
  if (!existsSync(src)) return true
  return statSync(built).mtimeMs >= newest(fileURLToPath(src).replace(/\/$/, ''))
}

let main
if (useBuilt()) ({ main } = await import(built.href))
else {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import('../src/cli/main.ts'))
}
process.exitCode = await main(process.argv.slice(2))
