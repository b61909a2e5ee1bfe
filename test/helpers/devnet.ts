/** Starts the devnet as a child process (exactly as `npm run devnet` does) and stops exactly that PID. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Hex } from '../../src/core/types'
import type { DevnetInfo } from '../../src/devnet/context'
import type { FullNodeCounters, FullNodeInfo } from '../../src/devnet/services/full-nodes'

export const repoRoot = resolve(import.meta.dirname, '../..')

export interface DevnetProcess {
  info: DevnetInfo
  configPath: string
  pid: number
  output: string[]
  stop(): Promise<void>
}

export async function startDevnetProcess(args: string[] = [], timeoutMs = 90_000): Promise<DevnetProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-devnet-'))
  const configPath = join(dir, 'devnet.json')
  const child: ChildProcess = spawn(process.execPath, ['--import', './scripts/register.js', 'src/devnet/main.ts', '--out', configPath, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  createInterface({ input: child.stderr! }).on('line', (l) => output.push(l))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT')
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(t)
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`devnet not ready after ${timeoutMs} ms:\n${output.slice(-30).join('\n')}`)), timeoutMs)
      createInterface({ input: child.stdout! }).on('line', (l) => {
        output.push(l)
        if (l.startsWith('Vigil devnet ready')) {
          clearTimeout(timer)
          resolve()
        }
      })
      void exited.then((code) => {
        clearTimeout(timer)
        reject(new Error(`devnet exited (${code}) before it was ready:\n${output.slice(-30).join('\n')}`))
      })
    })
  } catch (e) {
    await stop()
    throw e
  }
  const info = JSON.parse(await readFile(configPath, 'utf8')) as DevnetInfo
  return { info, configPath, pid: child.pid!, output, stop }
}

/** True while a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A devnet full node as its gateway route `/full-nodes` shows it. */
export type FullNodeView = FullNodeInfo & {
  status: { earliestHeader: number; earliestBody: number; latest: number; headHash: Hex }
  counters: FullNodeCounters
}

/** GET a devnet gateway JSON route (one retry: a loaded machine sometimes resets a kept-alive socket). */
export async function gatewayJson<T>(devnet: DevnetProcess, path: string): Promise<T> {
  const url = `${devnet.info.devnet.gatewayUrl}${path}`
  try {
    return (await (await fetch(url)).json()) as T
  } catch {
    return (await (await fetch(url, { headers: { connection: 'close' } })).json()) as T
  }
}

/** The devnet's full nodes (archival first, then pruned), with their status and counters. */
export const fullNodes = (devnet: DevnetProcess) => gatewayJson<FullNodeView[]>(devnet, '/full-nodes')
