/**
 * Command-line flags for the CLI, the devnet and the bench, over Node's own `util.parseArgs`
 * (strict: an option the spec does not name is an error, so is a string option without a
 * value). Every flag may repeat; the last value wins for single-valued reads (`flagStr`), all
 * of them are kept for lists (`args.flags.get(name)`). A flag with an `env` fallback takes the
 * variable's value when it is not given on the command line (a `list` flag splits it on commas).
 * A boolean `help` answers to `-h` as well.
 */
import { parseArgs as nodeParseArgs } from 'node:util'
import { VigilError } from '../core/errors'

export type FlagKind = 'string' | 'boolean'

export interface FlagDef {
  type: FlagKind
  /** One-letter alias (`-h`). */
  short?: string
  /** Environment variable read when the flag is absent. */
  env?: string
  /** The variable holds a comma-separated list (each item one value of the flag). */
  list?: boolean
}

export type FlagSpec = Record<string, FlagKind | FlagDef>

export interface ParsedArgs {
  /** The first positional (`vigil <command>`), undefined when there is none. */
  command: string | undefined
  positionals: string[]
  /** Every value given, in order (booleans: `'true'`). */
  flags: Map<string, string[]>
  /** Flags whose values came from the environment, with the variable's name. */
  fromEnv: Map<string, string>
}

export interface ParseOptions {
  /** Where `env` fallbacks are read (default `process.env`). */
  env?: Record<string, string | undefined>
}

const def = (d: FlagKind | FlagDef): FlagDef => (typeof d === 'string' ? { type: d } : d)

/** The option a `util.parseArgs` error is about (`'--config <value>'` → `--config`). */
function optionOf(message: string): string {
  return /'(-{1,2}[^'\s<]+)/.exec(message)?.[1] ?? '?'
}

/** Parses `argv` against `spec`; a usage error is a CONFIG_INVALID VigilError with the option in `details.option`. */
export function parseArgs(argv: string[], spec: FlagSpec, opts: ParseOptions = {}): ParsedArgs {
  const options: Record<string, { type: FlagKind; short?: string; multiple: true }> = {}
  // a spec with --help gets -h too, unless it gave -h to something else
  const hTaken = Object.values(spec).some((d) => def(d).short === 'h')
  for (const [name, d] of Object.entries(spec)) {
    const { type } = def(d)
    const short = def(d).short ?? (name === 'help' && !hTaken && type === 'boolean' ? 'h' : undefined)
    options[name] = short ? { type, short, multiple: true } : { type, multiple: true }
  }
  let parsed: { values: Record<string, (string | boolean)[] | undefined>; positionals: string[] }
  try {
    parsed = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true })
  } catch (e) {
    const code = (e as { code?: string }).code
    const message = (e as Error).message
    const option = optionOf(message)
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new VigilError('CONFIG_INVALID', `unknown option ${option}`, { details: { option, reason: 'unknown' } })
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const takesNone = /does not take an argument/.test(message)
      throw new VigilError('CONFIG_INVALID', takesNone ? `option ${option} takes no value` : `option ${option} needs a value`, { details: { option, reason: takesNone ? 'value-given' : 'value-missing' } })
    }
    throw new VigilError('CONFIG_INVALID', message, { details: { option } })
  }
  const flags = new Map<string, string[]>()
  for (const [name, values] of Object.entries(parsed.values)) {
    if (values === undefined) continue
    flags.set(name, values.map((v) => (typeof v === 'boolean' ? String(v) : v)))
  }
  const fromEnv = new Map<string, string>()
  const env = opts.env ?? process.env
  for (const [name, d] of Object.entries(spec)) {
    const { env: variable, list, type } = def(d)
    if (!variable || flags.has(name)) continue
    const raw = env[variable]?.trim()
    if (!raw) continue
    const values = type === 'boolean' ? [raw === '0' || raw === 'false' ? 'false' : 'true'] : list ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [raw]
    if (values.length === 0) continue
    flags.set(name, values)
    fromEnv.set(name, variable)
  }
  const positionals = [...parsed.positionals]
  return { command: positionals.shift(), positionals, flags, fromEnv }
}

export function flagInt(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  const v = args.flags.get(name)?.at(-1)
  if (v === undefined) return fallback
  const n = Number(v)
  if (v.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new VigilError('CONFIG_INVALID', `--${name} must be a non-negative integer, got ${v}`)
  return n
}

export function flagStr(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.at(-1)
}

export function flagBool(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name)?.at(-1) === 'true'
}
