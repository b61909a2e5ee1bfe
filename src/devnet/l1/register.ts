/** Validator registration (a stake deposit per attester) and dev funding with anvil_setBalance. */
import { createTestClient, createWalletClient, encodeFunctionData, http, parseEventLogs, type Account, type Hex } from 'viem'
import type { Address, AbortOptions } from '../../core/types'
import { vigilRollupAbi } from '../../contracts/abi'
import { anvilAccount, l1Chain, l1PublicClient, toAccount, waitForReceipt, withSender } from './clients'
import { DevnetL1Error } from './errors'

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
      throw new DevnetL1Error('TX_REVERTED', `deposit for ${addrs[i]} reverted (tx ${r.transactionHash}); already registered, or stake below minimum?`)
    }
    const ev = parseEventLogs({ abi: vigilRollupAbi, eventName: 'ValidatorRegistered', logs: r.logs })[0]
    if (!ev) throw new DevnetL1Error('UNEXPECTED_RECEIPT', `deposit ${r.transactionHash} emitted no ValidatorRegistered`)
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
