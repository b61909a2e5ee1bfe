#!/usr/bin/env node
// npm start: the devnet (anvil + rollup + proposer + validators + libp2p + gateway) and the app,
// together. Prints one line with the app URL when both are ready; Ctrl-C stops everything.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { dirname, resolve } from 'node:path'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const passthrough = process.argv.slice(2)
const appPort = Number(process.env.VIGIL_APP_PORT ?? 5173)
const appUrl = `http://127.0.0.1:${appPort}/`

const devnet = spawn(process.execPath, ['--import', './scripts/register.js', 'src/devnet/main.ts', '--app-url', appUrl, ...passthrough], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
})
let vite = null
let stopping = false

async function stop(code = 0) {
  if (stopping) return
  stopping = true
  if (vite) await vite.close().catch(() => {})
  if (devnet.exitCode === null) {
    devnet.kill('SIGINT')
    await new Promise((r) => devnet.once('exit', r))
  }
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))
devnet.on('exit', (code) => {
  if (!stopping) {
    console.error(`devnet exited (${code})`)
    void stop(code ?? 1)
  }
})

const lines = createInterface({ input: devnet.stdout })
lines.on('line', async (line) => {
  if (!line.startsWith('Vigil devnet ready')) {
    console.log(line)
    return
  }
  const { createServer } = await import('vite')
  vite = await createServer({ root, configFile: resolve(root, 'vite.config.ts'), server: { host: '127.0.0.1', port: appPort, strictPort: true } })
  await vite.listen()
  console.log(`Vigil is running: ${appUrl}  (devnet config .vigil/devnet.json; Ctrl-C stops everything)`)
})
