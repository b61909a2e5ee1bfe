/** The rollup's `invalidate(number, attestations)`: prunes a checkpoint posted without quorum. */
import { createWalletClient, bytesToHex, http, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Address, AbortOptions } from '../../core/types'
import { vigilRollupAbi } from '../../contracts/abi'
import { l1Chain, l1PublicClient, requireSuccess, waitForReceipt, withSender } from './clients'
import { asRollupRevert } from './errors'

export interface InvalidateCheckpointParameters extends AbortOptions {
  rpcUrl: string
  rollup: Address
  privateKey: Hex
  checkpointNumber: number
  /** Exactly the attestations the checkpoint was posted with. */
  attestations: Uint8Array
  timeoutMs?: number
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
export async function invalidateCheckpoint(p: InvalidateCheckpointParameters): Promise<InvalidateCheckpointResult> {
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
