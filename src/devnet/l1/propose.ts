/**
 * Posts a checkpoint as an EIP-4844 (type-3) blob transaction: KZG commitments and proofs once,
 * a simulation that surfaces the rollup's custom error before anything is sent, per-sender
 * nonces, and the L1 block taken from the receipt.
 */
import { bytesToHex, commitmentsToVersionedHashes, decodeErrorResult, encodeFunctionData, type Hex, type Kzg, type LocalAccount, type PublicClient, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Address, AbortOptions } from '../../core/types'
import { vigilRollupAbi } from '../../contracts/abi'
import { BYTES_PER_BLOB } from '../../protocol/blob'
import { defaultKzg } from '../kzg'
import { l1Chain, l1PublicClient, waitForReceipt, withSender } from './clients'
import { DevnetL1Error, RollupRevertedError, asRollupRevert } from './errors'

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
  /**
   * Send the call through a wrapper instead of to the rollup: the transaction goes to `to` with
   * input `wrap(proposeCalldata)` (a forwarder, an EIP-7702 smart account, Multicall3). Not
   * simulated (the wrapper's ABI is its own); a revert is still thrown after mining.
   */
  via?: { to: Address; wrap(proposeCalldata: Hex): Hex }
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
  if (!account) throw new DevnetL1Error('INVALID_ARGUMENT', 'proposeCheckpoint needs privateKey or account')
  if (p.blobs.length === 0) throw new DevnetL1Error('INVALID_ARGUMENT', 'a checkpoint carries at least one blob')
  for (const b of p.blobs) if (b.length !== BYTES_PER_BLOB) throw new DevnetL1Error('INVALID_ARGUMENT', `blob is ${b.length} bytes, expected ${BYTES_PER_BLOB}`)
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
    const gas = p.simulate === false || p.via ? UNSIMULATED_GAS : await simulatePropose(client, p.rollup, account, p.checkpoint, p.attestations, blobVersionedHashes, maxFeePerBlobGas)
    tSim = performance.now()
    p.signal?.throwIfAborted()
    const serializedTransaction = await account.signTransaction({
      type: 'eip4844',
      chainId: chain.id,
      nonce,
      to: p.via ? p.via.to : p.rollup,
      data: p.via ? p.via.wrap(data) : data,
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
