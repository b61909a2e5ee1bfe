/**
 * What every `vigil` command prints, in one place (docs/cli.md): JSON documents carry
 * `schemaVersion` first and `ok` (the command achieved what it was asked: exit 0), errors are
 * `vigil: CODE: message` on stderr or `{ schemaVersion, ok: false, error }` on stdout under
 * `--json`, and the exit code follows from the error's code (2: CONFIG_INVALID, bad usage or
 * config; 1: anything else). Imports nothing heavy: `vigil --help` loads this.
 */
import { toErrorRecord, type ErrorRecord } from '../core/errors'

/** Bumped when a field of a JSON output changes meaning or goes away (adding fields does not bump it). */
export const SCHEMA_VERSION = 1

export type Out = { write(s: string): unknown }

/** One JSON document on one line, `schemaVersion` first. */
export function jsonLine(value: object): string {
  return JSON.stringify({ schemaVersion: SCHEMA_VERSION, ...value }) + '\n'
}

/** 2 for bad usage or a bad config (CONFIG_INVALID), 1 for every other failure. */
export function exitCodeOf(error: ErrorRecord): 1 | 2 {
  return error.code === 'CONFIG_INVALID' ? 2 : 1
}

/** Prints an error the way every command does and returns its exit code; `hint` goes to stderr only, after the message. */
export function printError(e: unknown, json: boolean, io: { stdout: Out; stderr: Out } = process, hint?: string): 1 | 2 {
  const error = toErrorRecord(e)
  if (json) io.stdout.write(jsonLine({ ok: false, error }))
  else io.stderr.write(`vigil: ${error.code}: ${error.message}\n${hint ? `${hint}\n` : ''}`)
  return exitCodeOf(error)
}
