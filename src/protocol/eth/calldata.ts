/**
 * Finding a contract call inside a transaction's input when the transaction did not call the
 * contract directly: a forwarder, an EIP-7702 smart account, Multicall3 `aggregate3` or a
 * Safe all carry the inner call's bytes (selector ‖ ABI arguments) somewhere in their own
 * input, usually at a 32-byte-aligned offset after some ABI framing. So: every position where
 * the selector occurs is a candidate, the direct call (offset 0) first. A candidate is
 * worth nothing until the caller checks it against what L1 proves (a digest, a stored hash):
 * anyone can put a selector in calldata, and a decoy may come first.
 *
 * Debug traces (`debug_traceTransaction`) would show the real inner call, but nothing proves a
 * trace; this needs only the input, whose bytes the proven facts then pin down.
 */
import type { Hex } from '../../core/types'
import { hexToBytes } from '../bytes'

/** Most candidates looked at in one input (a wrapper batching hundreds of calls is not a checkpoint). */
export const MAX_CALL_CANDIDATES = 64

/** Each offset (in bytes) at which `selector` (4 bytes) occurs in `input`, the direct call first; at most `max`. */
export function selectorOffsets(input: Uint8Array | Hex, selector: Hex, max = MAX_CALL_CANDIDATES): number[] {
  const bytes = typeof input === 'string' ? hexToBytes(input) : input
  const sel = hexToBytes(selector)
  if (sel.length !== 4) throw new Error(`selector must be 4 bytes, got ${selector}`)
  const out: number[] = []
  for (let i = 0; i + 4 <= bytes.length && out.length < max; i++) if (bytes[i] === sel[0] && bytes[i + 1] === sel[1] && bytes[i + 2] === sel[2] && bytes[i + 3] === sel[3]) out.push(i)
  return out
}

/** The candidate inner calls of `input` for `selector`: the input from each occurrence to its end. */
export function callCandidates(input: Hex, selector: Hex): Hex[] {
  return selectorOffsets(input, selector).map((o) => `0x${input.slice(2 + 2 * o)}` as Hex)
}
