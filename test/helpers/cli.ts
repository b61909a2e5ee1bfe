/** Runs the CLI's `main()` in-process and returns its exit code with what it wrote to stdout and stderr. */
import { vi } from 'vitest'
import { main } from '../../src/cli/main'

export async function runMain(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true))
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true))
  try {
    return { code: await main(argv), stdout, stderr }
  } finally {
    vi.restoreAllMocks()
  }
}
