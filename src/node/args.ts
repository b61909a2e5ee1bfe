import { VigilError } from '../core/errors'

export interface ParsedArgs {
  command: string | undefined
  positionals: string[]
  flags: Map<string, string[]>
}

/** Minimal, strict flag parser: --name value, --name=value, --bool; unknown flags are errors. */
export function parseArgs(argv: string[], spec: Record<string, 'string' | 'boolean'>): ParsedArgs {
  const flags = new Map<string, string[]>()
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) {
      positionals.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const name = a.slice(2, eq === -1 ? undefined : eq)
    const kind = spec[name]
    if (!kind) throw new VigilError('CONFIG_INVALID', `unknown option --${name}`)
    let value: string
    if (kind === 'boolean') value = eq === -1 ? 'true' : a.slice(eq + 1)
    else if (eq !== -1) value = a.slice(eq + 1)
    else {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) throw new VigilError('CONFIG_INVALID', `option --${name} needs a value`)
      value = next
      i++
    }
    flags.set(name, [...(flags.get(name) ?? []), value])
  }
  return { command: positionals.shift(), positionals, flags }
}

export function flagInt(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  const v = args.flags.get(name)?.at(-1)
  if (v === undefined) return fallback
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 0) throw new VigilError('CONFIG_INVALID', `--${name} must be a non-negative integer, got ${v}`)
  return n
}

export function flagStr(args: ParsedArgs, name: string): string | undefined {
  return args.flags.get(name)?.at(-1)
}

export function flagBool(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name)?.at(-1) === 'true'
}
