/**
 * viem clients and accounts for the devnet's L1 (anvil), and the small transaction plumbing
 * every operation shares: per-sender serialisation, bounded receipt waits, success checks.
 */
import { createPublicClient, defineChain, http, type Account, type Chain, type Hex, type LocalAccount, type PublicClient, type TransactionReceipt } from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import type { Address } from '../../core/types'
import { DevnetL1Error } from './errors'

/** anvil's default dev mnemonic: 10 accounts with 10,000 ETH each. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

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

/** An account given as a viem Account or a private key; `fallback()` when none is given. */
export function toAccount(a: Account | Hex | undefined, fallback: () => Account): Account {
  if (a === undefined) return fallback()
  return typeof a === 'string' ? privateKeyToAccount(a) : a
}

/** Serialises transactions per (rpcUrl, sender) so nonces never collide inside this process. */
const senderLocks = new Map<string, Promise<unknown>>()
export async function withSender<T>(rpcUrl: string, sender: Address, fn: () => Promise<T>): Promise<T> {
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

/** The receipt of `hash`, bounded by `timeoutMs` and `signal`. */
export async function waitForReceipt(client: PublicClient, hash: Hex, timeoutMs: number, signal?: AbortSignal): Promise<TransactionReceipt> {
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

/** `receipt`, or a TX_REVERTED error naming `what` when it reverted. */
export function requireSuccess(receipt: TransactionReceipt, what: string): TransactionReceipt {
  if (receipt.status !== 'success') throw new DevnetL1Error('TX_REVERTED', `${what} reverted (tx ${receipt.transactionHash}, block ${receipt.blockNumber})`)
  return receipt
}
