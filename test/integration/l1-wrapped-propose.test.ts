/**
 * A checkpoint posted through a wrapper, on real anvil: the proposer's EOA delegates (EIP-7702)
 * to a forwarder, and the transaction calls the EOA, whose code calls VigilRollup.propose — so
 * the CheckpointProposed event is in the receipt but the transaction's input is the wrapper's,
 * with junk after the inner call the way Multicall3's framing leaves it. The L1 scan finds the
 * inner call and proves it like a direct one; a transaction whose input holds no readable
 * propose() (an RPC that rewrites it here) is skipped with a coded failure, and the scan goes
 * on to the next checkpoint instead of wedging on it.
 */
import { createTestClient, http, type Hex as ViemHex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Address, Hex } from '../../src/core/types'
import { startAnvil, type Anvil } from '../../src/devnet/l1'
import { createProvenL1 } from '../../src/sources/l1-proven'
import { PROPOSE_SELECTOR } from '../../src/contracts/calldata'
import { initCrypto } from '../../src/verify/secp256k1'
import { freshRollup, rollupValidators } from '../helpers/rollup'
import { startL1Proxy, type L1Proxy } from '../helpers/l1-proxy'

/**
 * A forwarder, hand-assembled: input = 20-byte target ‖ call data; it CALLs target with the
 * call data (value forwarded) and bubbles a revert up.
 *   PUSH1 20 CALLDATASIZE SUB DUP1 PUSH1 20 PUSH1 0 CALLDATACOPY        mem[0..n] = input[20..]
 *   PUSH1 0 PUSH1 0 DUP3 PUSH1 0 CALLVALUE PUSH1 0 CALLDATALOAD PUSH1 96 SHR GAS CALL
 *   PUSH1 39 JUMPI RETURNDATASIZE PUSH1 0 PUSH1 0 RETURNDATACOPY RETURNDATASIZE PUSH1 0 REVERT
 *   JUMPDEST STOP
 */
const FORWARDER_CODE = '0x60143603806014600037600060008260003460003560601c5af16027573d600060003e3d6000fd5b00' as Hex
const FORWARDER = '0x00000000000000000000000000000000f0f0f0f0' as Address

let anvil: Anvil
let proxy: L1Proxy
let rollup: Awaited<ReturnType<typeof freshRollup>>

beforeAll(async () => {
  await initCrypto()
  anvil = await startAnvil()
  proxy = await startL1Proxy(anvil.rpcUrl)
  rollup = await freshRollup(anvil)
  const test = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
  await test.setCode({ address: FORWARDER, bytecode: FORWARDER_CODE })
  // every validator's EOA delegates to the forwarder (EIP-7702 designator 0xef0100 ‖ address)
  for (const v of rollupValidators) await test.setCode({ address: v.address, bytecode: `0xef0100${FORWARDER.slice(2)}` as ViemHex })
}, 120_000)
afterAll(async () => {
  await proxy?.close()
  await anvil?.stop()
})

const viaSmartAccount = async (proposer: { address: Address }) => ({
  to: proposer.address,
  // target ‖ propose calldata ‖ 64 bytes of trailing framing (what a batching wrapper leaves after the inner call)
  wrap: (data: Hex) => `0x${rollup.rollup.slice(2)}${data.slice(2)}${'ab'.repeat(64)}` as Hex,
})

describe('a checkpoint proposed through a wrapper', () => {
  it('is found inside the wrapper and proven like a direct call; an unreadable one is skipped with a coded failure, not a wedge', async () => {
    const all = (d: Hex) => rollup.builder.attest(d, rollupValidators)
    const first = await rollup.post(1, all, { via: viaSmartAccount })
    // the transaction really went to the proposer's own address, not to the rollup
    const tx = await rollup.client.getTransaction({ hash: first.posted.txHash })
    expect(tx.to?.toLowerCase()).toBe(first.proposer.address.toLowerCase())
    expect(tx.input.slice(0, 10)).not.toBe(PROPOSE_SELECTOR)
    const second = await rollup.post(2, all, { via: viaSmartAccount })
    const third = await rollup.post(3, all) // direct

    const failures: { source: string; code: string; details: Record<string, unknown> }[] = []
    const l1 = createProvenL1({ rollup: rollup.rollup, rpcUrls: [proxy.url], onFailure: (source, e) => failures.push({ source, code: e.code, details: e.details }) })
    const head = Number(await rollup.client.getBlockNumber())
    const mined = await l1.minedCheckpoints(rollup.deployed.deployBlock, head)
    expect(mined.map((m) => m.checkpointNumber)).toEqual([1, 2, 3])
    expect(Buffer.from(mined[0]!.checkpointBytes).equals(Buffer.from(first.cp.bytes))).toBe(true)
    expect(Buffer.from(mined[1]!.checkpointBytes).equals(Buffer.from(second.cp.bytes))).toBe(true)
    expect(mined[0]!.proof?.facts.join(' ')).toContain("hashes to the event's digest")
    expect(failures).toEqual([])

    // an RPC that answers checkpoint 2's transaction with an input holding no propose(): no
    // other RPC to ask, so checkpoint 2 is skipped with a coded failure naming the RPC, and
    // checkpoints 1 and 3 still come through
    const tx2 = second.posted
    proxy.tamper((req, a) => {
      if (req.method !== 'eth_getTransactionByBlockHashAndIndex' || !a.result) return a
      const r = a.result as { hash: string; input: string }
      return r.hash.toLowerCase() === tx2.txHash.toLowerCase() ? { ...a, result: { ...r, input: `0x${'00'.repeat(100)}` } } : a
    })
    try {
      const l1b = createProvenL1({ rollup: rollup.rollup, rpcUrls: [proxy.url], onFailure: (source, e) => failures.push({ source, code: e.code, details: e.details }) })
      const again = await l1b.minedCheckpoints(rollup.deployed.deployBlock, head)
      expect(again.map((m) => m.checkpointNumber)).toEqual([1, 3])
      expect(Buffer.from(again[1]!.checkpointBytes).equals(Buffer.from(third.cp.bytes))).toBe(true)
      expect(failures).toHaveLength(1)
      expect(failures[0]).toMatchObject({ code: 'L1_CALLDATA_UNREADABLE', details: { checkpoint: 2, l1Block: tx2.l1BlockNumber } })
      expect(failures[0]!.source).toMatch(/^l1:127\.0\.0\.1:\d+$/)
    } finally {
      proxy.tamper(null)
    }
  }, 120_000)
})
