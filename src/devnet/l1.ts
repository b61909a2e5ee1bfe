/**
 * The L1 side of the devnet (Node only): an anvil process started and stopped by PID, the
 * rollup deployment, validator registration and checkpoint proposals as EIP-4844 blob
 * transactions, plus a reader for anvil's beacon blob API.
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
import {
  BaseError,
  ContractFunctionRevertedError,
  bytesToHex,
  commitmentsToVersionedHashes,
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  defineChain,
  encodeFunctionData,
  http,
  keccak256,
  parseEventLogs,
  toBytes,
  type Account,
  type Chain,
  type Hex,
  type Kzg,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
} from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import type { Address, AbortOptions } from '../core/types'
import { vigilRollupAbi } from '../contracts/abi'
import { readRollupArtifact, type RollupArtifact } from '../contracts/compile'
import { hexToBytes } from '../protocol/bytes'
import { BYTES_PER_BLOB } from '../protocol/blob'
import { defaultKzg } from './kzg'

// ───────────────────────────────────────────────────────────────── anvil

/** anvil's default dev mnemonic: 10 accounts with 10,000 ETH each. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'
export const ANVIL_CHAIN_ID = 31337

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
    throw new Error(`anvil is not installed for ${process.platform}/${process.arch} (npm package ${pkg})`, { cause: e })
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
    timer = setTimeout(() => reject(new Error(`anvil did not listen within ${timeoutMs} ms:\n${tail.slice(-20).join('\n')}`)), timeoutMs)
    void exited.then((code) => reject(new Error(`anvil exited (${code}) before listening:\n${tail.slice(-20).join('\n')}`)))
    void spawnError.then((e) => reject(new Error(`anvil failed to start: ${e.message}`, { cause: e })))
    opts.signal?.addEventListener('abort', () => reject(opts.signal!.reason ?? new Error('aborted')), { once: true })
  })
  try {
    const { host, port } = await Promise.race([listening, failures])
    if (pid === undefined) throw new Error('anvil has no pid')
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
  if (accepted) throw new Error('anvil accepted a blob transaction with a wrong KZG proof')
}

// ───────────────────────────────────────────────────────────────── clients

const chains = new Map<string, Promise<Chain>>()

/** The L1 chain behind `rpcUrl` as a viem Chain (its id read once per URL). */
export function l1Chain(rpcUrl: string): Promise<Chain> {
  let c = chains.get(rpcUrl)
  if (!c) {
    c = createPublicClient({ transport: http(rpcUrl) })
      .getChainId()
      .then((id) =>
        defineChain({ id, name: `anvil-${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } }),
      )
    c.catch(() => chains.delete(rpcUrl))
    chains.set(rpcUrl, c)
  }
  return c
}

/** A public client without viem's 4 s block-number cache, polling receipts every 50 ms. */
export async function l1PublicClient(rpcUrl: string): Promise<PublicClient> {
  return createPublicClient({ chain: await l1Chain(rpcUrl), transport: http(rpcUrl), cacheTime: 0, pollingInterval: 50 }) as PublicClient
}

/** anvil's dev account `index` (mnemonic test … junk, m/44'/60'/0'/0/index). */
export function anvilAccount(index = 0): LocalAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index })
}

/** Serialises transactions per (rpcUrl, sender) so nonces never collide inside this process. */
const senderLocks = new Map<string, Promise<unknown>>()
async function withSender<T>(rpcUrl: string, sender: Address, fn: () => Promise<T>): Promise<T> {
  const key = `${rpcUrl}|${sender.toLowerCase()}`
  const prev = senderLocks.get(key) ?? Promise.resolve()
  const run = prev.then(fn, fn)
  const settled = run.catch(() => undefined)
  senderLocks.set(key, settled)
  void settled.then(() => {
    if (senderLocks.get(key) === settled) senderLocks.delete(key)
  })
  return run
}

/** Raised when the rollup rejects a call; `errorName`/`args` are its custom error, decoded from the ABI. */
export class RollupRevertedError extends Error {
  override readonly name = 'RollupRevertedError'
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
    message: string,
    readonly txHash?: Hex,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Turns a viem error into a RollupRevertedError when it carries a decodable rollup revert; otherwise returns it. */
export function asRollupRevert(e: unknown, txHash?: Hex): unknown {
  if (!(e instanceof BaseError)) return e
  const reverted = e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
  const name = reverted?.data?.errorName
  if (!reverted || !name) return e
  const args = reverted.data?.args ?? []
  return new RollupRevertedError(name, args, `rollup reverted: ${name}(${args.map(String).join(', ')})`, txHash, { cause: e })
}

async function waitForReceipt(client: PublicClient, hash: Hex, timeoutMs: number, signal?: AbortSignal): Promise<TransactionReceipt> {
  const receipt = client.waitForTransactionReceipt({ hash, timeout: timeoutMs, pollingInterval: 50 })
  if (!signal) return receipt
  return Promise.race([
    receipt,
    new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason)
      signal.addEventListener('abort', () => reject(signal.reason), { once: true })
    }),
  ])
}

function requireSuccess(receipt: TransactionReceipt, what: string): TransactionReceipt {
  if (receipt.status !== 'success') throw new Error(`${what} reverted (tx ${receipt.transactionHash}, block ${receipt.blockNumber})`)
  return receipt
}

// ───────────────────────────────────────────────────────────────── deployment

export interface RollupDeployParams {
  l2ChainId: number
  /** Unix seconds at which slot 0 starts. */
  genesisTime: number
  /** Seconds per slot. */
  slotDuration: number
  /** Slots per epoch. */
  epochDuration: number
  targetCommitteeSize: number
  /** Default 1 ether. */
  minimumStake?: bigint
}

export interface DeployRollupOptions extends AbortOptions {
  /** Default: anvil's dev account 0. */
  deployer?: Account | Hex
  /** Default: the committed artifact src/contracts/generated/VigilRollup.json. */
  artifact?: RollupArtifact
  timeoutMs?: number
}

export interface DeployedRollup {
  address: Address
  deployBlock: number
  deployBlockHash: Hex
  txHash: Hex
  deployer: Address
  params: Required<RollupDeployParams>
}

export const DEFAULT_MINIMUM_STAKE = 10n ** 18n

function toAccount(a: Account | Hex | undefined, fallback: () => Account): Account {
  if (a === undefined) return fallback()
  return typeof a === 'string' ? privateKeyToAccount(a) : a
}

/** Deploys VigilRollup and waits for its receipt. */
export async function deployRollup(rpcUrl: string, params: RollupDeployParams, opts: DeployRollupOptions = {}): Promise<DeployedRollup> {
  const full: Required<RollupDeployParams> = { ...params, minimumStake: params.minimumStake ?? DEFAULT_MINIMUM_STAKE }
  const account = toAccount(opts.deployer, () => anvilAccount(0))
  const artifact = opts.artifact ?? readRollupArtifact()
  const client = await l1PublicClient(rpcUrl)
  const chain = await l1Chain(rpcUrl)
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) })
  const hash = await withSender(rpcUrl, account.address, () =>
    wallet.deployContract({
      abi: vigilRollupAbi,
      bytecode: artifact.bytecode,
      args: [BigInt(full.l2ChainId), BigInt(full.genesisTime), full.slotDuration, full.epochDuration, full.targetCommitteeSize, full.minimumStake],
    }),
  )
  const receipt = requireSuccess(await waitForReceipt(client, hash, opts.timeoutMs ?? 30_000, opts.signal), 'rollup deployment')
  if (!receipt.contractAddress) throw new Error(`deployment ${hash} created no contract`)
  return {
    address: receipt.contractAddress.toLowerCase() as Address,
    deployBlock: Number(receipt.blockNumber),
    deployBlockHash: receipt.blockHash,
    txHash: hash,
    deployer: account.address.toLowerCase() as Address,
    params: full,
  }
}

// ───────────────────────────────────────────────────────────────── validators and funds

export interface RegisterValidatorsOptions extends AbortOptions {
  /** Who pays the stakes. Default: anvil's dev account 0. */
  payer?: Account | Hex
  /** Stake per validator. Default: the rollup's minimumStake(). */
  stake?: bigint
  /**
   * Make sure every attester holds at least this much (anvil_setBalance), so it can send its
   * own proposals. Default 10 ether; false to leave balances alone.
   */
  fund?: bigint | false
  timeoutMs?: number
}

export interface RegisteredValidator {
  attester: Address
  index: number
  activationEpoch: number
  txHash: Hex
}

/**
 * Deposits a stake for each attester (in order, so validator i gets index i after those already
 * registered) and waits for every receipt. Transactions are sent back to back with explicit
 * nonces; anvil may mine several in one block, which changes nothing.
 */
export async function registerValidators(
  rpcUrl: string,
  rollup: Address,
  attesters: readonly (Address | { address: Address })[],
  opts: RegisterValidatorsOptions = {},
): Promise<RegisteredValidator[]> {
  const addrs = attesters.map((a) => (typeof a === 'string' ? a : a.address))
  const client = await l1PublicClient(rpcUrl)
  const chain = await l1Chain(rpcUrl)
  const account = toAccount(opts.payer, () => anvilAccount(0))
  const stake = opts.stake ?? ((await client.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'minimumStake' })) as bigint)
  if (opts.fund !== false) await fundAccounts(rpcUrl, addrs, opts.fund ?? 10n ** 19n)
  const hashes = await withSender(rpcUrl, account.address, async () => {
    const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) })
    let nonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' })
    const fees = await client.estimateFeesPerGas()
    const out: Hex[] = []
    for (const attester of addrs) {
      opts.signal?.throwIfAborted()
      const data = encodeFunctionData({ abi: vigilRollupAbi, functionName: 'deposit', args: [attester] })
      out.push(
        await wallet.sendTransaction({
          to: rollup,
          data,
          value: stake,
          nonce: nonce++,
          gas: 200_000n,
          maxFeePerGas: fees.maxFeePerGas * 2n,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        }),
      )
    }
    return out
  })
  const receipts = await Promise.all(hashes.map((h) => waitForReceipt(client, h, opts.timeoutMs ?? 30_000, opts.signal)))
  return receipts.map((r, i) => {
    if (r.status !== 'success') {
      throw new Error(`deposit for ${addrs[i]} reverted (tx ${r.transactionHash}); already registered, or stake below minimum?`)
    }
    const ev = parseEventLogs({ abi: vigilRollupAbi, eventName: 'ValidatorRegistered', logs: r.logs })[0]
    if (!ev) throw new Error(`deposit ${r.transactionHash} emitted no ValidatorRegistered`)
    return { attester: ev.args.attester.toLowerCase() as Address, index: Number(ev.args.index), activationEpoch: Number(ev.args.activationEpoch), txHash: r.transactionHash }
  })
}

/** Raises each balance to at least `amountWei` with anvil_setBalance (no transactions, no nonces). */
export async function fundAccounts(rpcUrl: string, addresses: readonly Address[], amountWei: bigint): Promise<void> {
  const test = createTestClient({ mode: 'anvil', chain: await l1Chain(rpcUrl), transport: http(rpcUrl) })
  const client = await l1PublicClient(rpcUrl)
  for (const address of addresses) {
    const balance = await client.getBalance({ address })
    if (balance < amountWei) await test.setBalance({ address, value: amountWei })
  }
}

// ───────────────────────────────────────────────────────────────── checkpoints

export interface ProposeCheckpointParameters extends AbortOptions {
  rpcUrl: string
  rollup: Address
  /** The proposer: a private key or a viem local account. Must be the slot's proposer. */
  privateKey?: Hex
  account?: LocalAccount
  /** The checkpoint exactly as encodeCheckpoint() produced it. */
  checkpoint: Uint8Array
  /** encodeAttestationSignatures() of the collected attestations (carried, not checked, by the contract). */
  attestations: Uint8Array
  /** The blobs carrying the bodies (encodeBodiesToBlobs), in the checkpoint's versioned-hash order. */
  blobs: readonly Uint8Array[]
  /** Default: defaultKzg() (native c-kzg when it loads). */
  kzg?: Kzg
  /** Bound on waiting for the receipt. Default 30 s. */
  timeoutMs?: number
  /**
   * true (default): simulate first and throw the contract's error without sending. false: send
   * anyway with a fixed gas limit (fault injection: a reverted proposal mined on L1); a revert is
   * still thrown, after mining, with its txHash.
   */
  simulate?: boolean
}

/** Gas limit used without a simulation: ample (measured ≈75k + ≈5k per header, plus committee sampling). */
const UNSIMULATED_GAS = 1_500_000n

export interface ProposeCheckpointResult {
  txHash: Hex
  l1BlockNumber: number
  l1BlockHash: Hex
  gasUsed: bigint
  blobVersionedHashes: Hex[]
  /** Where the time went (ms): KZG commitments and proofs, the simulation, sending, the receipt. */
  timings: { kzgMs: number; simulateMs: number; sendMs: number; receiptMs: number; totalMs: number }
}

/**
 * Posts a checkpoint as an EIP-4844 (type-3) transaction and waits for its receipt.
 *
 * Robustness: commitments and proofs are computed once (not again inside viem); the call is
 * first simulated with the blob versioned hashes (eth_estimateGas), so a rejection surfaces as
 * a RollupRevertedError naming the contract's custom error and nothing is sent; nonces are
 * serialised per sender in this process; the L1 block is taken from the receipt, so anvil
 * merging back-to-back transactions into one block is harmless; a transaction that still
 * reverts on chain (e.g. raced by another) is decoded from its trace and thrown as well.
 */
export async function proposeCheckpoint(p: ProposeCheckpointParameters): Promise<ProposeCheckpointResult> {
  const t0 = performance.now()
  const account = p.account ?? (p.privateKey ? privateKeyToAccount(p.privateKey) : undefined)
  if (!account) throw new Error('proposeCheckpoint needs privateKey or account')
  if (p.blobs.length === 0) throw new Error('a checkpoint carries at least one blob')
  for (const b of p.blobs) if (b.length !== BYTES_PER_BLOB) throw new Error(`blob is ${b.length} bytes, expected ${BYTES_PER_BLOB}`)
  p.signal?.throwIfAborted()

  const kzg = p.kzg ?? (await defaultKzg())
  const commitments = p.blobs.map((b) => kzg.blobToKzgCommitment(b))
  const proofs = p.blobs.map((b, i) => kzg.computeBlobKzgProof(b, commitments[i]!))
  const blobVersionedHashes = commitmentsToVersionedHashes({ commitments, to: 'hex' }) as Hex[]
  const sidecars = p.blobs.map((b, i) => ({ blob: bytesToHex(b), commitment: bytesToHex(commitments[i]!), proof: bytesToHex(proofs[i]!) }))
  const tKzg = performance.now()

  const client = await l1PublicClient(p.rpcUrl)
  const chain = await l1Chain(p.rpcUrl)
  const data = encodeFunctionData({ abi: vigilRollupAbi, functionName: 'propose', args: [bytesToHex(p.checkpoint), bytesToHex(p.attestations)] })
  let tSim = 0
  let tSent = 0
  const txHash = await withSender(p.rpcUrl, account.address, async () => {
    const [fees, blobBaseFee, nonce] = await Promise.all([
      client.estimateFeesPerGas(),
      client.getBlobBaseFee(),
      client.getTransactionCount({ address: account.address, blockTag: 'pending' }),
    ])
    const maxFeePerBlobGas = blobBaseFee * 2n + 1_000_000_000n
    const gas = p.simulate === false ? UNSIMULATED_GAS : await simulatePropose(client, p.rollup, account, p.checkpoint, p.attestations, blobVersionedHashes, maxFeePerBlobGas)
    tSim = performance.now()
    p.signal?.throwIfAborted()
    const serializedTransaction = await account.signTransaction({
      type: 'eip4844',
      chainId: chain.id,
      nonce,
      to: p.rollup,
      data,
      gas,
      maxFeePerGas: fees.maxFeePerGas * 2n,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      maxFeePerBlobGas,
      blobVersionedHashes,
      sidecars,
    })
    const hash = await client.sendRawTransaction({ serializedTransaction })
    tSent = performance.now()
    return hash
  })
  const receipt = await waitForReceipt(client, txHash, p.timeoutMs ?? 30_000, p.signal)
  const tReceipt = performance.now()
  if (receipt.status !== 'success') throw await revertOfMined(client, txHash, receipt)
  return {
    txHash,
    l1BlockNumber: Number(receipt.blockNumber),
    l1BlockHash: receipt.blockHash,
    gasUsed: receipt.gasUsed,
    blobVersionedHashes,
    timings: { kzgMs: tKzg - t0, simulateMs: tSim - tKzg, sendMs: tSent - tSim, receiptMs: tReceipt - tSent, totalMs: tReceipt - t0 },
  }
}

/** eth_estimateGas of propose() with the blob hashes, against the pending block; +20 % headroom. Throws RollupRevertedError. */
async function simulatePropose(
  client: PublicClient,
  rollup: Address,
  account: LocalAccount,
  checkpoint: Uint8Array,
  attestations: Uint8Array,
  blobVersionedHashes: Hex[],
  maxFeePerBlobGas: bigint,
): Promise<bigint> {
  try {
    const gas = await client.estimateContractGas({
      address: rollup,
      abi: vigilRollupAbi,
      functionName: 'propose',
      args: [bytesToHex(checkpoint), bytesToHex(attestations)],
      account,
      blobVersionedHashes,
      maxFeePerBlobGas,
      // the next block's environment (its timestamp decides SlotInFuture), not the last mined block's
      blockTag: 'pending',
    })
    return (gas * 12n) / 10n
  } catch (e) {
    throw asRollupRevert(e)
  }
}

/** The custom error of a mined, reverted rollup transaction, from anvil's call trace. */
async function revertOfMined(client: PublicClient, txHash: Hex, receipt: TransactionReceipt): Promise<Error> {
  const fallbackError = new RollupRevertedError('Unknown', [], `propose reverted on chain (tx ${txHash}, block ${receipt.blockNumber})`, txHash)
  try {
    const trace = (await client.request({ method: 'debug_traceTransaction', params: [txHash, { tracer: 'callTracer' }] } as never)) as { output?: Hex }
    if (!trace.output || trace.output === '0x') return fallbackError
    const decoded = decodeErrorResult({ abi: vigilRollupAbi, data: trace.output })
    const args = (decoded.args ?? []) as readonly unknown[]
    return new RollupRevertedError(decoded.errorName, args, `propose reverted on chain: ${decoded.errorName}(${args.map(String).join(', ')}) (tx ${txHash})`, txHash)
  } catch {
    return fallbackError
  }
}

export interface InvalidateCheckpointResult {
  txHash: Hex
  l1BlockNumber: number
  l1BlockHash: Hex
}

/**
 * Calls the rollup's `invalidate(number, attestations)`: prunes checkpoint `number` (and every
 * later one) when `attestations` — exactly as it was posted with — do not reach quorum by the
 * clients' rule. Simulated first: a refusal (AttestationsValid, AttestationsMismatch,
 * CheckpointNotInChain) is thrown as a RollupRevertedError and nothing is sent.
 */
export async function invalidateCheckpoint(p: {
  rpcUrl: string
  rollup: Address
  privateKey: Hex
  checkpointNumber: number
  attestations: Uint8Array
  timeoutMs?: number
  signal?: AbortSignal
}): Promise<InvalidateCheckpointResult> {
  const account = privateKeyToAccount(p.privateKey)
  const client = await l1PublicClient(p.rpcUrl)
  const chain = await l1Chain(p.rpcUrl)
  const args = [BigInt(p.checkpointNumber), bytesToHex(p.attestations)] as const
  const txHash = await withSender(p.rpcUrl, account.address, async () => {
    let gas: bigint
    try {
      gas = await client.estimateContractGas({ address: p.rollup, abi: vigilRollupAbi, functionName: 'invalidate', args, account })
    } catch (e) {
      throw asRollupRevert(e)
    }
    p.signal?.throwIfAborted()
    const wallet = createWalletClient({ account, chain, transport: http(p.rpcUrl) })
    return wallet.writeContract({ address: p.rollup, abi: vigilRollupAbi, functionName: 'invalidate', args, gas: (gas * 12n) / 10n, chain })
  })
  const receipt = requireSuccess(await waitForReceipt(client, txHash, p.timeoutMs ?? 30_000, p.signal), `invalidate(${p.checkpointNumber})`)
  return { txHash, l1BlockNumber: Number(receipt.blockNumber), l1BlockHash: receipt.blockHash }
}

// ───────────────────────────────────────────────────────────────── beacon API

export interface GetBeaconBlobsOptions extends AbortOptions {
  /** Only these blobs (the API's `versioned_hashes` filter). */
  versionedHashes?: readonly Hex[]
  /** 'ssz' (default; ≈3× faster than JSON) or 'json'. */
  format?: 'ssz' | 'json'
  /** Default 10 s. */
  timeoutMs?: number
  /** Refuse more than this many blobs. Default 64. */
  maxBlobs?: number
}

/**
 * Blobs of an L1 block from a beacon API (anvil's: GET /eth/v1/beacon/blobs/{block_id}),
 * in transaction order. block_id: a number, a 0x block hash, 'latest' or 'finalized'.
 */
export async function getBeaconBlobs(beaconUrl: string, blockId: number | bigint | string, opts: GetBeaconBlobsOptions = {}): Promise<Uint8Array[]> {
  const url = new URL(`/eth/v1/beacon/blobs/${blockId.toString()}`, beaconUrl)
  if (opts.versionedHashes?.length) url.searchParams.set('versioned_hashes', opts.versionedHashes.join(','))
  const format = opts.format ?? 'ssz'
  const max = opts.maxBlobs ?? 64
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 10_000)
  const res = await fetch(url, {
    headers: { accept: format === 'ssz' ? 'application/octet-stream' : 'application/json' },
    signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
  })
  if (!res.ok) throw new Error(`beacon API ${url.pathname}: HTTP ${res.status} ${await res.text().catch(() => '')}`.trim())
  const declared = Number(res.headers.get('content-length') ?? 0)
  if (declared > max * BYTES_PER_BLOB * 2 + 1024) throw new Error(`beacon API ${url.pathname}: response of ${declared} bytes is too large`)
  if (format === 'ssz') {
    // SSZ List[Blob, N] of fixed-size items: the blobs back to back
    const body = new Uint8Array(await res.arrayBuffer())
    if (body.length % BYTES_PER_BLOB !== 0) throw new Error(`beacon API ${url.pathname}: SSZ body of ${body.length} bytes is not a whole number of blobs`)
    const n = body.length / BYTES_PER_BLOB
    if (n > max) throw new Error(`beacon API ${url.pathname}: ${n} blobs, at most ${max} allowed`)
    return Array.from({ length: n }, (_, i) => body.slice(i * BYTES_PER_BLOB, (i + 1) * BYTES_PER_BLOB))
  }
  const json = (await res.json()) as { data?: unknown }
  if (!Array.isArray(json.data)) throw new Error(`beacon API ${url.pathname}: no data array`)
  if (json.data.length > max) throw new Error(`beacon API ${url.pathname}: ${json.data.length} blobs, at most ${max} allowed`)
  return json.data.map((h, i) => {
    if (typeof h !== 'string') throw new Error(`beacon API ${url.pathname}: blob ${i} is not a hex string`)
    const b = hexToBytes(h)
    if (b.length !== BYTES_PER_BLOB) throw new Error(`beacon API ${url.pathname}: blob ${i} is ${b.length} bytes`)
    return b
  })
}
