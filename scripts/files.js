// Every file below `dir` (paths joined onto dir), for the build scripts' size reports and checks.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

export async function listFiles(dir) {
  const out = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...(await listFiles(p)))
    else out.push(p)
  }
  return out
}
