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

/** Most candidates looked at in one input (a wrapper batching hundreds of calls is not a checkpoint). */
export const MAX_CALL_CANDIDATES = 64

/** Each offset (in bytes) at which `selector` (4 bytes, 0x-hex) occurs in `input`, the direct call first; at most MAX_CALL_CANDIDATES. */
export function selectorOffsets(input: Hex, selector: Hex): number[] {
  const hay = input.slice(2).toLowerCase()
  const needle = selector.slice(2).toLowerCase()
  if (needle.length !== 8) throw new Error(`selector must be 4 bytes, got ${selector}`)
  const out: number[] = []
  for (let at = hay.indexOf(needle); at !== -1 && out.length < MAX_CALL_CANDIDATES; at = hay.indexOf(needle, at + 1)) if (at % 2 === 0) out.push(at / 2)
  return out
}

/** The candidate inner calls of `input` for `selector`: the input from each occurrence to its end. */
export function callCandidates(input: Hex, selector: Hex): Hex[] {
  return selectorOffsets(input, selector).map((o) => `0x${input.slice(2 + 2 * o)}` as Hex)
}
