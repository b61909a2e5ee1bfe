/**
 * findProposeCall (src/contracts/calldata.ts): VigilRollup.propose() found in a transaction's
 * input — direct, behind a forwarder prefix, inside Multicall3 `aggregate3` next to other
 * calls, after a decoy propose() whose arguments do not hash to what L1 proves — and nothing
 * accepted that does not hash to the proven digest and attestations hash.
 */
import { encodeFunctionData, parseAbi } from 'viem'
import { describe, expect, it } from 'vitest'
import type { Address, Hex } from '../../src/core/types'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { PROPOSE_SELECTOR, findProposeCall } from '../../src/contracts/calldata'
import { MAX_CALL_CANDIDATES, selectorOffsets } from '../../src/protocol/eth/calldata'
import { bytesToHex } from '../../src/protocol/bytes'
import { keccak256Hex } from '../../src/protocol/hash'

const rollup = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address
const multicall3 = parseAbi(['struct Call3 { address target; bool allowFailure; bytes callData; }', 'function aggregate3(Call3[] calls) payable returns ((bool success, bytes returnData)[])'])

const checkpoint = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff)
const attestations = Uint8Array.from({ length: 2 + 65 * 3 }, (_, i) => (i * 13) & 0xff)
const digest = keccak256Hex(checkpoint)
const attHash = keccak256Hex(attestations)
const propose = (cp: Uint8Array, att: Uint8Array) => encodeFunctionData({ abi: vigilRollupAbi, functionName: 'propose', args: [bytesToHex(cp), bytesToHex(att)] }) as Hex

describe('findProposeCall', () => {
  it('takes a direct call', () => {
    const found = findProposeCall(propose(checkpoint, attestations), digest, attHash)
    expect(found?.offset).toBe(0)
    expect(found?.checkpointBytes).toEqual(checkpoint)
    expect(found?.attestationsBytes).toEqual(attestations)
  })

  it('finds the call behind a forwarder prefix and inside Multicall3 aggregate3, after a decoy', () => {
    const forwarded = `0x${rollup.slice(2)}${propose(checkpoint, attestations).slice(2)}${'ee'.repeat(40)}` as Hex
    expect(findProposeCall(forwarded, digest, attHash)?.offset).toBe(20)
    const decoy = propose(checkpoint.map((b) => b ^ 1), attestations)
    const multicall = encodeFunctionData({
      abi: multicall3,
      functionName: 'aggregate3',
      args: [
        [
          { target: rollup, allowFailure: true, callData: decoy },
          { target: '0x000000000000000000000000000000000000dead', allowFailure: true, callData: '0x12345678' },
          { target: rollup, allowFailure: false, callData: propose(checkpoint, attestations) },
        ],
      ],
    }) as Hex
    expect(selectorOffsets(multicall, PROPOSE_SELECTOR).length).toBeGreaterThanOrEqual(2)
    const found = findProposeCall(multicall, digest, attHash)
    expect(found).not.toBeNull()
    expect(found!.checkpointBytes).toEqual(checkpoint)
    expect(found!.offset).toBeGreaterThan(selectorOffsets(multicall, PROPOSE_SELECTOR)[0]!) // not the decoy
  })

  it('accepts nothing that does not hash to the proven values', () => {
    const input = propose(checkpoint, attestations)
    expect(findProposeCall(input, keccak256Hex(new Uint8Array(1)), attHash)).toBeNull()
    expect(findProposeCall(input, digest, keccak256Hex(new Uint8Array(1)))).toBeNull()
    expect(findProposeCall(`0x${'00'.repeat(100)}` as Hex, digest, attHash)).toBeNull()
    // a selector at an odd nibble position is not a byte offset
    expect(selectorOffsets(`0x0${PROPOSE_SELECTOR.slice(2)}0` as Hex, PROPOSE_SELECTOR)).toEqual([])
    // truncated inner call: no decode, no match
    expect(findProposeCall(input.slice(0, input.length - 64) as Hex, digest, attHash)).toBeNull()
  })

  it('looks at a bounded number of candidates', () => {
    const many = `0x${PROPOSE_SELECTOR.slice(2).repeat(MAX_CALL_CANDIDATES + 10)}` as Hex
    expect(selectorOffsets(many, PROPOSE_SELECTOR)).toHaveLength(MAX_CALL_CANDIDATES)
  })
})
