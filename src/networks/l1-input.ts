/**
 * A transaction's input by hash from one L1 JSON-RPC (`eth_getTransactionByHash`), for the
 * explorer's checkpoint page and `vigil` when the user gives a hash instead of the input. The
 * answer is NOT proven: the offline checks run on the input whatever its origin, and whether
 * that transaction is on L1 stays a `needs-l1` check until it is proven against an anchored
 * block. Bounded: a timeout, a size cap, the caller's signal.
 */
import { VigilError } from '../core/errors'
import type { AbortOptions, Hex } from '../core/types'

/** A propose() with 48 signatures and blob inputs is a few KB; a wrapper more. 1 MiB is the bound. */
export const MAX_TX_INPUT_BYTES = 1 << 20
export const TX_LOOKUP_TIMEOUT_MS = 15_000

export interface FetchedTxInput {
  hash: Hex
  input: Hex
  to: Hex | null
  from: Hex
  blockNumber: number | null
  /** The RPC that answered (not proven). */
  rpc: string
}

export function isTxHash(s: string): boolean {
  return /^0x[0-9a-fA-F]{64}$/.test(s.trim())
}

export async function fetchTxInput(rpcUrl: string, hash: Hex, opts: AbortOptions & { timeoutMs?: number; fetchFn?: typeof fetch } = {}): Promise<FetchedTxInput> {
  if (!/^https?:\/\//.test(rpcUrl)) throw new VigilError('CONFIG_INVALID', 'the L1 RPC URL must be http(s)')
  if (!isTxHash(hash)) throw new VigilError('DECODE_INVALID_FIELD', 'a transaction hash is 32 bytes of 0x hex')
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? TX_LOOKUP_TIMEOUT_MS)
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
  const host = (() => {
    try {
      return new URL(rpcUrl).host
    } catch {
      return rpcUrl.slice(0, 60)
    }
  })()
  let text: string
  try {
    const res = await (opts.fetchFn ?? fetch)(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getTransactionByHash', params: [hash] }), signal })
    if (!res.ok) throw new VigilError('SOURCE_UNAVAILABLE', `${host}: HTTP ${res.status}`, { severity: 'soft' })
    text = await res.text()
  } catch (e) {
    if (e instanceof VigilError) throw e
    if (timeout.aborted) throw new VigilError('SOURCE_TIMEOUT', `${host}: no answer in ${opts.timeoutMs ?? TX_LOOKUP_TIMEOUT_MS} ms`, { severity: 'soft' })
    if (opts.signal?.aborted) throw new VigilError('ABORTED', 'aborted', { severity: 'soft' })
    throw new VigilError('SOURCE_UNAVAILABLE', `${host}: ${(e as Error).message}`, { severity: 'soft' })
  }
  if (text.length > 2 * MAX_TX_INPUT_BYTES + 4096) throw new VigilError('DECODE_TOO_LARGE', `${host}: answer over ${MAX_TX_INPUT_BYTES} bytes`)
  let body: { result?: Record<string, unknown> | null; error?: { message?: string } }
  try {
    body = JSON.parse(text)
  } catch {
    throw new VigilError('SOURCE_BAD_RESPONSE', `${host}: not JSON`)
  }
  if (body.error) throw new VigilError('SOURCE_BAD_RESPONSE', `${host}: ${String(body.error.message ?? 'error').slice(0, 200)}`)
  const tx = body.result
  if (!tx) throw new VigilError('NOT_FOUND', `${host} does not know transaction ${hash}`, { severity: 'soft' })
  const input = tx.input
  if (typeof input !== 'string' || !/^0x[0-9a-fA-F]*$/.test(input)) throw new VigilError('SOURCE_BAD_RESPONSE', `${host}: the transaction has no hex input`)
  if (typeof tx.hash === 'string' && tx.hash.toLowerCase() !== hash.toLowerCase()) throw new VigilError('SOURCE_BAD_RESPONSE', `${host} answered for another transaction (${tx.hash})`)
  const blockNumber = typeof tx.blockNumber === 'string' ? Number(BigInt(tx.blockNumber)) : null
  return { hash: hash.toLowerCase() as Hex, input: input as Hex, to: typeof tx.to === 'string' ? (tx.to.toLowerCase() as Hex) : null, from: String(tx.from ?? '0x').toLowerCase() as Hex, blockNumber, rpc: host }
}
