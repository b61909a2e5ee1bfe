/** Shared waits for the body-path integration tests (test/integration/bodies*.test.ts). */
import { spawn } from 'node:child_process'
import type { ClientSnapshot } from '../../src/client/shared/types'
import type { DevnetProcess } from './devnet'
import { repoRoot } from './devnet'
import { pollUntil } from './wait'

/** Full mode: the mined tip is at least `height` and every canonical block up to it has a verified body. */
export function bodiesUpTo(s: ClientSnapshot, height: number): boolean {
  const b = s.bodies
  return (s.tips.mined?.height ?? 0) >= height && !!b && b.ready && (b.lowestMissing === null || b.lowestMissing > height)
}

/** Polls the devnet's /status (gateway) until the proposer has built `height` blocks. */
export async function devnetHeight(devnet: DevnetProcess, height: number, timeoutMs = 60_000): Promise<void> {
  let now = -1
  await pollUntil(
    async () => {
      // a fresh connection per poll; a transient reset is retried
      now = ((await fetch(`${devnet.info.devnet.gatewayUrl}/status`, { headers: { connection: 'close' } }).then((r) => r.json())) as { height: number }).height
      return now >= height
    },
    { timeoutMs, what: `devnet height ${height}`, context: () => `devnet at height ${now}` },
  )
}

/** Runs `vigil ARGS`; resolves with the exit code and the last stdout line parsed as JSON (null if none). */
export function runVigil(args: string[]): Promise<{ code: number | null; report: Record<string, any> | null; stderr: string; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/vigil.js', ...args], { cwd: repoRoot })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1)
      let report: Record<string, any> | null = null
      try {
        report = last ? JSON.parse(last) : null
      } catch {
        report = null
      }
      resolve({ code, report, stderr: err, out })
    })
  })
}
