/**
 * `npm run devnet`: the whole network on 127.0.0.1 until Ctrl-C.
 * Prints one line starting with "Vigil devnet ready" when the endpoints are written.
 */
import '../node/polyfills'
import { parseArgs, flagInt, flagStr } from '../node/args'
import type { DevnetOptions } from './context'
import { DEFAULT_DEVNET, startDevnet } from './network'
import { createLogger } from '../core/logger'
import { FAULTS, checkFaults } from './faults'
import { parseSnapshotEvery } from './services/snapshots'

const USAGE = `npm run devnet -- [--slot SECONDS] [--blocks-per-slot N] [--committee N] [--validators N]
                    [--epoch-slots N] [--chain-id N] [--out FILE] [--app-url URL]
                    [--fault NAME]... [--snapshot-every N|Ns] [--snapshot-window N] [--verbose]`

async function main(): Promise<void> {
  let args
  try {
    args = parseArgs(process.argv.slice(2), {
      slot: 'string',
      'blocks-per-slot': 'string',
      committee: 'string',
      validators: 'string',
      'epoch-slots': 'string',
      'chain-id': 'string',
      out: 'string',
      'app-url': 'string',
      fault: 'string',
      'snapshot-every': 'string',
      'snapshot-window': 'string',
      verbose: 'boolean',
      help: 'boolean',
    })
  } catch (e) {
    console.error(`${(e as Error).message}\nusage: ${USAGE}`)
    process.exit(2)
  }
  if (args.flags.has('help')) {
    const width = Math.max(...Object.keys(FAULTS).map((n) => n.length))
    console.log(`usage: ${USAGE}\n\nfaults (--fault NAME, repeatable; they combine):\n${Object.entries(FAULTS).map(([n, d]) => `  ${n.padEnd(width)}  ${d}`).join('\n')}`)
    return
  }
  const opts: Partial<DevnetOptions> = {
    slotSeconds: flagInt(args, 'slot', DEFAULT_DEVNET.slotSeconds),
    blocksPerSlot: flagInt(args, 'blocks-per-slot', DEFAULT_DEVNET.blocksPerSlot),
    committeeSize: flagInt(args, 'committee', DEFAULT_DEVNET.committeeSize),
    epochSlots: flagInt(args, 'epoch-slots', DEFAULT_DEVNET.epochSlots),
    l2ChainId: flagInt(args, 'chain-id', DEFAULT_DEVNET.l2ChainId),
    outPath: flagStr(args, 'out') ?? DEFAULT_DEVNET.outPath,
    logger: createLogger('devnet', args.flags.has('verbose'), (l) => console.error(l)),
  }
  const validators = flagInt(args, 'validators')
  if (validators !== undefined) opts.validators = validators
  const appUrl = flagStr(args, 'app-url')
  if (appUrl) opts.appUrl = appUrl
  const bad: string[] = []
  opts.faults = args.flags.get('fault') ?? []
  const snapshotEvery = flagStr(args, 'snapshot-every')
  if (snapshotEvery !== undefined) {
    const every = parseSnapshotEvery(snapshotEvery)
    if (every) opts.snapshotEvery = every
    else bad.push('--snapshot-every must be N (checkpoints) or Ns (seconds), N ≥ 1')
  }
  const snapshotWindow = flagInt(args, 'snapshot-window')
  if (snapshotWindow !== undefined) {
    if (snapshotWindow < 1 || snapshotWindow > 1024) bad.push('--snapshot-window must be 1..1024')
    else opts.snapshotWindow = snapshotWindow
  }
  const unknown = checkFaults(opts.faults)
  if (unknown.length) bad.push(`unknown fault(s): ${unknown.join(', ')}; known: ${Object.keys(FAULTS).join(', ') || '(none)'}`)
  if (opts.slotSeconds! < 1) bad.push('--slot must be ≥ 1 second')
  if (opts.blocksPerSlot! < 1 || opts.blocksPerSlot! > 32) bad.push('--blocks-per-slot must be 1..32')
  if (opts.committeeSize! < 1 || opts.committeeSize! > 1024) bad.push('--committee must be 1..1024')
  if (opts.epochSlots! < 1) bad.push('--epoch-slots must be ≥ 1')
  if (bad.length) {
    console.error(`${bad.join('\n')}\nusage: ${USAGE}`)
    process.exit(2)
  }
  const devnet = await startDevnet(opts)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await devnet.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
  const d = devnet.info.devnet
  console.log(
    `Vigil devnet ready — app: ${d.appUrl ?? 'npm start'} · config: ${opts.outPath} · L1: ${d.rpcUrl} (RPCs ${devnet.info.l1.rpcUrls.join(', ')}, quorum ${devnet.info.l1.quorum}) · rollup ${devnet.info.l1.rollup} · ` +
      `${opts.committeeSize}-member committee, ${opts.blocksPerSlot} blocks per ${opts.slotSeconds}s slot`,
  )
}

main().catch((e) => {
  console.error(`devnet failed: ${(e as Error).stack ?? e}`)
  process.exit(1)
})
