/**
 * The anvil process (Node only): found in its npm platform package, spawned on 127.0.0.1,
 * ready when it prints its `Listening on` line (no sleeps), stopped by PID.
 *
 * anvil facts this file relies on (measured with @foundry-rs/anvil 1.7.1, see docs/contract.md):
 * - `--port 0` picks a free port and prints the real one in its `Listening on host:port` line.
 * - `--slots-in-an-epoch N`: the `safe` tag is latest − N and `finalized` is latest − 2N blocks.
 * - The beacon API shares the RPC port: GET /eth/v1/beacon/blobs/{block_id}.
 * - Automine mines each transaction as it arrives, but may merge back-to-back ones into one block.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { bytesToHex, commitmentsToVersionedHashes, createPublicClient, http, keccak256, toBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { AbortOptions } from '../../core/types'
import { BYTES_PER_BLOB } from '../../protocol/blob'
import { l1Chain } from './clients'
import { DevnetL1Error } from './errors'

export interface StartAnvilOptions extends AbortOptions {
  /** 0 (default): anvil picks a free port and reports it. */
  port?: number
  /** Interval mining in seconds; default: automine (a block per transaction). */
  blockTime?: number
  /** `finalized` trails `latest` by 2 × this many blocks (`safe` by 1 ×). Default 1. */
  slotsInAnEpoch?: number
  chainId?: number
  /** EVM hardfork (anvil's default: latest). The rollup needs cancun or later. */
  hardfork?: string
  /** How long to wait for anvil to listen. Default 15 s. */
  timeoutMs?: number
  /** Extra CLI arguments, appended last. */
  args?: string[]
  /** Receives every stdout/stderr line of anvil (default: dropped; the last 200 are kept for errors). */
  onLine?: (line: string) => void
  /**
   * anvil loads its KZG trusted setup on the first blob transaction (~3 s on this machine).
   * true (default): start that load in the background right away (see `warmUpBlobVerification`).
   */
  warmUpBlobs?: boolean
}

export interface Anvil {
  rpcUrl: string
  /** anvil serves the beacon API on the RPC port. */
  beaconUrl: string
  port: number
  pid: number
  /** Resolves when the process has exited. */
  exited: Promise<number | null>
  /** Resolves when anvil has loaded its KZG setup (at once when `warmUpBlobs` is false); never rejects. */
  blobsReady: Promise<void>
  /** Kills exactly this PID (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>
}

/** The anvil binary of this platform, from its npm platform package (not the `anvil` JS wrapper). */
export function anvilBinaryPath(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`
  let pkgJson: string
  try {
    pkgJson = createRequire(import.meta.url).resolve(`${pkg}/package.json`)
  } catch (e) {
    throw new DevnetL1Error('ANVIL_NOT_INSTALLED', `anvil is not installed for ${process.platform}/${process.arch} (npm package ${pkg})`, { cause: e })
  }
  return join(dirname(pkgJson), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
}

/** Starts anvil on 127.0.0.1 and resolves once it listens (its "Listening on" line; no sleeps). */
export async function startAnvil(opts: StartAnvilOptions = {}): Promise<Anvil> {
  opts.signal?.throwIfAborted()
  const args = ['--host', '127.0.0.1', '--port', String(opts.port ?? 0), '--slots-in-an-epoch', String(opts.slotsInAnEpoch ?? 1)]
  if (opts.blockTime !== undefined) args.push('--block-time', String(opts.blockTime))
  if (opts.chainId !== undefined) args.push('--chain-id', String(opts.chainId))
  if (opts.hardfork !== undefined) args.push('--hardfork', opts.hardfork)
  if (opts.args) args.push(...opts.args)

  const child: ChildProcess = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const pid = child.pid
  const tail: string[] = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))
  // an orphaned anvil outlives a crashed parent: kill it when this process exits
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)

  const stop = async (): Promise<void> => {
    process.off('exit', killOnExit)
    // a failed spawn has no pid and may never emit 'exit'
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(t)
  }

  // both pipes are drained for the process's whole life (anvil logs every RPC call; a full pipe would block it)
  const listening = new Promise<{ host: string; port: number }>((resolve) => {
    const onLine = (line: string) => {
      tail.push(line)
      if (tail.length > 200) tail.shift()
      opts.onLine?.(line)
      const m = /^Listening on ([\d.]+):(\d+)/.exec(line)
      if (m) resolve({ host: m[1]!, port: Number(m[2]) })
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', onLine)
  })

  const timeoutMs = opts.timeoutMs ?? 15_000
  let timer: NodeJS.Timeout | undefined
  const failures = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DevnetL1Error('ANVIL_START_TIMEOUT', `anvil did not listen within ${timeoutMs} ms:\n${tail.slice(-20).join('\n')}`)), timeoutMs)
    void exited.then((code) => reject(new DevnetL1Error('ANVIL_EXITED', `anvil exited (${code}) before listening:\n${tail.slice(-20).join('\n')}`)))
    void spawnError.then((e) => reject(new DevnetL1Error('ANVIL_SPAWN_FAILED', `anvil failed to start: ${e.message}`, { cause: e })))
    opts.signal?.addEventListener('abort', () => reject(opts.signal!.reason ?? new Error('aborted')), { once: true })
  })
  try {
    const { host, port } = await Promise.race([listening, failures])
    if (pid === undefined) throw new DevnetL1Error('ANVIL_SPAWN_FAILED', 'anvil has no pid')
    const rpcUrl = `http://${host}:${port}`
    const blobsReady = opts.warmUpBlobs === false ? Promise.resolve() : warmUpBlobVerification(rpcUrl).catch(() => undefined)
    return { rpcUrl, beaconUrl: rpcUrl, port, pid, exited, blobsReady, stop }
  } catch (e) {
    await stop()
    throw e
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Makes anvil load its KZG trusted setup now rather than on the first real blob transaction:
 * sends a blob transaction from an unfunded key whose (well-formed) proof is wrong. anvil
 * verifies the proof, rejects the transaction, and nothing reaches the chain or the pool.
 */
export async function warmUpBlobVerification(rpcUrl: string): Promise<void> {
  const chain = await l1Chain(rpcUrl)
  const account = privateKeyToAccount(keccak256(toBytes('vigil-anvil-kzg-warmup')))
  const blob = new Uint8Array(BYTES_PER_BLOB)
  blob[31] = 1 // not the zero polynomial, so the infinity commitment and proof below do not verify
  const infinity = new Uint8Array(48)
  infinity[0] = 0xc0
  const serializedTransaction = await account.signTransaction({
    type: 'eip4844',
    chainId: chain.id,
    nonce: 0,
    to: account.address,
    gas: 21_000n,
    maxFeePerGas: 1n,
    maxPriorityFeePerGas: 1n,
    maxFeePerBlobGas: 1n,
    blobVersionedHashes: commitmentsToVersionedHashes({ commitments: [infinity], to: 'hex' }),
    sidecars: [{ blob: bytesToHex(blob), commitment: bytesToHex(infinity), proof: bytesToHex(infinity) }],
  })
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 30_000 }) })
  const accepted = await client.sendRawTransaction({ serializedTransaction }).then(
    () => true,
    () => false,
  )
  if (accepted) throw new DevnetL1Error('ANVIL_KZG_UNCHECKED', 'anvil accepted a blob transaction with a wrong KZG proof')
}
