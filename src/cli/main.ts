/**
 * `vigil`: the command table and the conventions every command follows (docs/cli.md).
 *
 * A command is one entry of `COMMANDS` — its name, a one-line summary, its `--help` text, its
 * own flag set and a `run` that `import()`s the module doing the work. Nothing heavy (the
 * client, libp2p, c-kzg, the BLS and MPT code) is imported at the top of this file: `vigil
 * --help` and every usage error are answered before any of it loads. `test/unit/cli-conventions
 * .test.ts` holds this file's static imports to a short list.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { VigilError } from '../core/errors'
import { parseArgs, type FlagDef, type FlagSpec, type ParsedArgs } from '../node/args'
import { jsonLine, printError } from './output'
import { TRUST_FLAGS, TRUST_USAGE } from './trust'

interface CommandBase {
  name: string
  /** One line in `vigil --help`. */
  summary: string
}

/**
 * A command of the table. With `options`, the dispatcher parses the arguments against that set
 * (plus `--help`/`-h`), answers `--help` with `usage` itself and hands `run` the parsed flags.
 * With `options: null` the module owns its arguments and their conventions (`--help`/`-h` exit
 * 0, JSON errors under `--json`): `run` gets the arguments after the command's name, and
 * `vigil help <name>` runs `<name> --help`.
 */
export type Command = CommandBase &
  (
    | {
        options: FlagSpec
        /** The text of `vigil <name> --help` and `vigil help <name>`. */
        usage: string
        run(args: ParsedArgs): Promise<number>
      }
    | { options: null; run(argv: string[]): Promise<number> }
  )

const HELP: FlagDef = { type: 'boolean', short: 'h' }
const CONFIG: FlagDef = { type: 'string', env: 'VIGIL_CONFIG' }
const COMMON = { json: 'boolean', verbose: 'boolean' } as const

const CONVENTIONS = `environment (a flag given on the command line wins):
  VIGIL_CONFIG   the --config file of sync, verify and watch
  VIGIL_L1_RPC   the --l1-rpc URLs of sync, verify and watch, comma-separated

exit codes and JSON (--json): 0 = the command did what it was asked and its JSON says
  "ok": true; 1 = it did not (a timeout, a check that failed or could not run, a source that
  never answered), "ok": false; 2 = bad usage or a bad config, "ok": false with
  error.code CONFIG_INVALID. Every JSON document has "schemaVersion": 1; errors under --json
  are {"schemaVersion":1,"ok":false,"error":{"code","message",…}} on stdout.`

const SYNC_USAGE = `usage: vigil sync --config FILE --until-height N [--tip mined|proposed|attested|finalized]
                  [--timeout SECONDS] [--mode light|full] [--from-snapshot]
                  [--trusted-hash HEIGHT:0xHASH] [--l1-rpc URL]... [--l1-quorum K]
                  [--beacon-light-client URL --checkpoint 0xROOT] [--json] [--verbose]

  Follows the chain from the L1 and gossip, verifying every proposer signature and every
  checkpoint quorum, until the chosen tip (default: mined) reaches height N. Exits 0 when it
  does ("ok": true), 1 when the timeout (default 120 s) passes first, 2 on bad usage. The report
  lists every source with its last error; an L1 that never answered is SOURCE_UNAVAILABLE.
  --mode full also fetches and verifies bodies (file store, beacon blobs, re-execution,
         req/resp) and waits until every canonical block up to N has one.
  --from-snapshot: a fresh store starts from the latest snapshot, verified against L1
         (quorum, digests, linkage); a snapshot that fails is rejected and sync starts at genesis.
  --trusted-hash H:0xHASH: start from the block at height H with that hash (weak
         subjectivity): it is fetched from peers, its hash and proposer signature checked, and
         peers are synced from it upward; nothing below H is fetched from peers. The wait also
         needs that header found and verified (else exit 1, TRUSTED_HEADER_UNAVAILABLE).

${TRUST_USAGE}`

const VERIFY_USAGE = `usage: vigil verify <height|hash> --config FILE [--timeout SECONDS] [--no-p2p]
                    [--l1-rpc URL]... [--l1-quorum K] [--json] [--verbose]

  Syncs until it holds the block (L1 history, gossip), then re-runs every check on it: header
  fields, parent linkage, ancestry, the slot's proposer (committee re-read from L1), the
  proposer signature, the checkpoint commitment, the committee quorum (signatures
  re-verified), L1 inclusion, blobs (KZG) and the body. Prints each result; exits 0 when none
  failed ("ok": true; "valid" says whether the block is), 1 when one failed or could not run,
  or the block was not found before the timeout (NOT_FOUND; SOURCE_UNAVAILABLE when no L1 RPC
  answered), 2 on bad usage.

${TRUST_USAGE}`

const WATCH_USAGE = `usage: vigil watch --config FILE [--count N] [--no-p2p] [--l1-rpc URL]... [--json] [--verbose]

  Prints the tips (proposed, attested, mined, finalized) whenever one changes, until Ctrl-C or
  --count lines; --json prints JSON lines ({"schemaVersion":1,"at","tips","l1"}: events, not a
  result, so they carry no "ok"). Exits 0 when stopped.

${TRUST_USAGE}`

const PROOF_USAGE = `usage: vigil proof verify --block FILE --proof FILE [--receipts FILE] [--json]

  Checks an eth_getBlockByNumber answer (its header's RLP must hash to its hash) and an
  eth_getProof answer against that header's state root (account proof, every storage proof,
  every claimed value); --receipts: an eth_getBlockReceipts answer must rebuild its receipts
  root (and each receipt and log name this block, with consistent indices and gas used).
  Prints the proven values; exits 0 only if every check passed, 1 otherwise, 2 on bad usage.
  Offline: whether the block is canonical is not checked.`

const LC_USAGE = `usage: vigil lc verify --network mainnet --checkpoint 0xROOT --bootstrap FILE
                    [--updates FILE] [--finality FILE] [--optimistic FILE] [--current-slot N] [--json]

  Checks Ethereum consensus light-client data (Beacon API JSON) offline: the bootstrap against
  the trusted checkpoint block root, then each update (sync committee BLS aggregate, finality /
  next-committee / execution branches, periods, the 2/3 rule), the finality and optimistic
  updates. Prints the verified beacon and execution headers. Exits 0 only if every object
  verified, 1 otherwise (coded errors), 2 on bad usage.`

/** The commands, in the order `vigil --help` lists them. Add one with one entry (see the aztec note at the end). */
export const COMMANDS: Command[] = [
  {
    name: 'sync',
    summary: 'follow the chain, verifying, until a tip reaches a height',
    usage: SYNC_USAGE,
    options: { config: CONFIG, 'until-height': 'string', tip: 'string', timeout: 'string', mode: 'string', 'from-snapshot': 'boolean', 'trusted-hash': 'string', ...TRUST_FLAGS, ...COMMON },
    run: async (args: ParsedArgs) => (await import('./sync')).syncCommand(args),
  },
  {
    name: 'verify',
    summary: 're-run every check on one block against L1 as it is now',
    usage: VERIFY_USAGE,
    options: { config: CONFIG, timeout: 'string', 'no-p2p': 'boolean', ...TRUST_FLAGS, ...COMMON },
    run: async (args: ParsedArgs) => (await import('./explore')).verifyCommand(args),
  },
  {
    name: 'watch',
    summary: 'print the tips whenever one changes',
    usage: WATCH_USAGE,
    options: { config: CONFIG, count: 'string', 'no-p2p': 'boolean', ...TRUST_FLAGS, ...COMMON },
    run: async (args: ParsedArgs) => (await import('./explore')).watchCommand(args),
  },
  {
    name: 'proof',
    summary: 'proof verify: check eth_getProof / receipts answers against a block header, offline',
    usage: PROOF_USAGE,
    options: { block: 'string', proof: 'string', receipts: 'string', json: 'boolean' },
    run: async (args: ParsedArgs) => (await import('./proof')).proofCommand(args),
  },
  {
    name: 'lc',
    summary: 'lc verify: check Ethereum consensus light-client updates from a checkpoint, offline',
    usage: LC_USAGE,
    options: { network: 'string', checkpoint: 'string', bootstrap: 'string', updates: 'string', finality: 'string', optimistic: 'string', 'current-slot': 'string', json: 'boolean' },
    run: async (args: ParsedArgs) => (await import('./lc')).lcCommand(args),
  },
  // `options: null`: aztecCommand(argv) parses what follows `aztec` itself and prints its own help
  { name: 'aztec', summary: 'verify-propose: check an Aztec checkpoint from its L1 calldata, and by storage proof', options: null, run: async (argv: string[]) => (await import('./aztec')).aztecCommand(argv) },
]

const TOP_FLAGS: FlagSpec = { help: HELP, version: 'boolean', json: 'boolean' }

function topUsage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length), 'help [command]'.length)
  return `vigil — a light client for the Vigil L2 that verifies instead of trusting

usage: vigil <command> [options]
       vigil <command> --help | vigil help [command] | vigil --version

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`).join('\n')}
  ${'help [command]'.padEnd(w)}  this text, or a command's options

${CONVENTIONS}`
}

function commandUsage(c: Command & { usage: string }): string {
  return `${c.usage}\n\n${CONVENTIONS}`
}

/** The nearest package.json with a name and a version, looking up from this module (src/cli/ here, dist/… when built). */
export function packageInfo(from: string = dirname(fileURLToPath(import.meta.url))): { name: string; version: string } {
  let dir = from
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown }
      if (typeof pkg.name === 'string' && typeof pkg.version === 'string') return { name: pkg.name, version: pkg.version }
    } catch {
      // no package.json here (or a partial one, e.g. dist/package.json with only "type"): look further up
    }
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  throw new VigilError('INTERNAL', `no package.json with a version above ${from}`)
}

/** The arguments before `--` (after it everything is a positional). */
const beforeDashDash = (argv: string[]): string[] => (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv)

/** A usage error: exit 2, JSON under --json, else the message and where to read more on stderr. */
function usageError(message: string, json: boolean, hint: string, details: Record<string, string> = {}): number {
  return printError(new VigilError('CONFIG_INVALID', message, { details }), json, process, hint)
}

/** Which other commands take `option` (for the message when it was given to the wrong one). */
function ownersOf(option: string): string[] {
  const name = option.replace(/^--?/, '')
  return COMMANDS.filter((c) => c.options && (name in c.options || Object.values(c.options).some((d) => typeof d !== 'string' && d.short === name))).map((c) => c.name)
}

export async function main(argv: string[]): Promise<number> {
  const json = beforeDashDash(argv).includes('--json')
  if (argv.length === 0) {
    process.stderr.write(`${topUsage()}\n`)
    return 2
  }
  // options before the command: --help/-h, --version, --json (passed on to the command)
  const first = argv.findIndex((a) => !a.startsWith('-'))
  const head = first === -1 ? argv : argv.slice(0, first)
  if (head.length > 0) {
    let top: ParsedArgs
    try {
      top = parseArgs(head, TOP_FLAGS, { env: {} })
    } catch (e) {
      const err = e as VigilError
      return usageError(`${err.message} before the command (a command's options go after its name)`, json, 'run "vigil --help" for the commands', { option: String(err.details?.option ?? '') })
    }
    if (top.flags.has('help')) {
      process.stdout.write(`${topUsage()}\n`)
      return 0
    }
    if (top.flags.has('version')) {
      const pkg = packageInfo()
      process.stdout.write(json ? jsonLine({ ok: true, name: pkg.name, version: pkg.version }) : `${pkg.version}\n`)
      return 0
    }
    if (first === -1) return usageError('no command given', json, 'run "vigil --help" for the commands')
  }
  const name = argv[first]!
  const rest = [...argv.slice(first + 1), ...(head.includes('--json') && !argv.slice(first + 1).includes('--json') ? ['--json'] : [])]

  if (name === 'help') {
    const topic = rest.filter((a) => !a.startsWith('-'))
    if (topic.length === 0) {
      process.stdout.write(`${topUsage()}\n`)
      return 0
    }
    const c = COMMANDS.find((x) => x.name === topic[0])
    if (!c || topic.length > 1) return usageError(`no help for "${topic.join(' ')}": not a command`, json, 'run "vigil --help" for the commands')
    if (c.options === null) return c.run(['--help'])
    process.stdout.write(`${commandUsage(c)}\n`)
    return 0
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) return usageError(`unknown command "${name}"`, json, 'run "vigil --help" for the commands', { command: name })
  if (command.options === null) return command.run(rest)

  const own = beforeDashDash(rest)
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(`${commandUsage(command)}\n`)
    return 0
  }
  const hint = `run "vigil ${command.name} --help" for its options`
  let args: ParsedArgs
  try {
    args = parseArgs([name, ...rest], { ...command.options, help: HELP })
  } catch (e) {
    const err = e as VigilError
    const option = String(err.details?.option ?? '')
    const owners = err.details?.reason === 'unknown' ? ownersOf(option) : []
    const message = owners.length > 0 ? `${option} is not an option of "vigil ${command.name}" (it belongs to: ${owners.map((o) => `vigil ${o}`).join(', ')})` : `vigil ${command.name}: ${err.message}`
    return usageError(message, json, hint, { command: command.name, option })
  }
  try {
    return await command.run(args)
  } catch (e) {
    return printError(e, json)
  }
}
