/**
 * VigilRollup.propose(checkpoint, attestations) found in a transaction's input — the direct
 * call or one inside any wrapper (src/protocol/eth/calldata.ts) — and accepted only when its
 * checkpoint hashes to the proven event's digest and its attestations to the proven
 * checkpointLog entry's attestationsHash. Trailing bytes after a candidate's ABI arguments (the
 * rest of a wrapper's input) are ignored, as Solidity's decoder ignores them.
 */
import { decodeFunctionData, toFunctionSelector } from 'viem'
import type { Hex } from '../core/types'
import { hexToBytes } from '../protocol/bytes'
import { keccak256Hex } from '../protocol/hash'
import { callCandidates } from '../protocol/eth/calldata'
import { vigilRollupAbi } from './abi'

const proposeItem = vigilRollupAbi.find((x) => x.type === 'function' && x.name === 'propose')!
export const PROPOSE_SELECTOR = toFunctionSelector(proposeItem as Parameters<typeof toFunctionSelector>[0])

export interface ProposeCall {
  checkpointBytes: Uint8Array
  attestationsBytes: Uint8Array
  /** Byte offset of the call in the transaction input (0: a direct call). */
  offset: number
}

/** The propose() call of `input` whose arguments hash to `digest` and `attestationsHash`, or null when there is none. */
export function findProposeCall(input: Hex, digest: Hex, attestationsHash: Hex): ProposeCall | null {
  const candidates = callCandidates(input, PROPOSE_SELECTOR)
  for (const call of candidates) {
    let args: readonly unknown[]
    try {
      args = decodeFunctionData({ abi: vigilRollupAbi, data: call }).args as readonly unknown[]
    } catch {
      continue
    }
    const [cpHex, attHex] = args as [Hex, Hex]
    if (keccak256Hex(hexToBytes(cpHex)) !== digest.toLowerCase()) continue
    if (keccak256Hex(hexToBytes(attHex)) !== attestationsHash.toLowerCase()) continue
    return { checkpointBytes: hexToBytes(cpHex), attestationsBytes: hexToBytes(attHex), offset: (input.length - call.length) / 2 }
  }
  return null
}
