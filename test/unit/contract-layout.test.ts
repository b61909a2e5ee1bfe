/**
 * src/contracts/layout.ts (the slots the client proves) is exactly the compiler's storage
 * layout of VigilRollup.sol, and its decoders read what the contract packs.
 */
import { describe, expect, it } from 'vitest'
import { rollupStorageLayout } from '../../src/contracts/compile'
import {
  SLOT_CHECKPOINT_LOG,
  SLOT_PARAMS,
  SLOT_TIP,
  SLOT_TIP_BLOCK_HASH,
  SLOT_VALIDATORS,
  checkpointLogSlot,
  decodeCheckpointLog,
  decodeParamsWord,
  decodeTipWord,
  decodeValidatorWord,
  sampleCommittee,
  validatorSlot,
} from '../../src/contracts/layout'
import { abiEncodeWords, keccak256Hex } from '../../src/protocol/hash'
import type { Address, Hex } from '../../src/core/types'

const layout = rollupStorageLayout()
const at = (label: string) => layout.storage.find((s) => s.label === label)!
const member = (struct: string, label: string) => layout.structs[struct]!.find((m) => m.label === label)!

describe('VigilRollup storage layout', () => {
  it('state variables sit where layout.ts says', () => {
    expect([at('l2ChainId'), at('genesisTime'), at('slotDuration'), at('epochDuration'), at('targetCommitteeSize')].map((s) => [s.slot, s.offset])).toEqual([
      [String(SLOT_PARAMS), 0],
      [String(SLOT_PARAMS), 8],
      [String(SLOT_PARAMS), 16],
      [String(SLOT_PARAMS), 20],
      [String(SLOT_PARAMS), 24],
    ])
    expect(at('validators').slot).toBe(String(SLOT_VALIDATORS))
    expect([at('tipCheckpointNumber'), at('tipHeight'), at('lastSlot')].map((s) => [s.slot, s.offset])).toEqual([
      [String(SLOT_TIP), 0],
      [String(SLOT_TIP), 8],
      [String(SLOT_TIP), 16],
    ])
    expect(at('tipBlockHash').slot).toBe(String(SLOT_TIP_BLOCK_HASH))
    expect(at('checkpointLog').slot).toBe(String(SLOT_CHECKPOINT_LOG))
  })

  it('struct members sit where the decoders read them', () => {
    expect(['attester', 'activationEpoch', 'stake'].map((l) => [member('Validator', l).slot, member('Validator', l).offset])).toEqual([
      ['0', 0],
      ['0', 20],
      ['1', 0],
    ])
    expect(['lastBlockHash', 'digest', 'attestationsHash', 'lastHeight', 'slot'].map((l) => [member('CheckpointLog', l).slot, member('CheckpointLog', l).offset])).toEqual([
      ['0', 0],
      ['1', 0],
      ['2', 0],
      ['3', 0],
      ['3', 8],
    ])
  })

  it('mapping and array slots follow Solidity’s keccak rules', () => {
    const base = BigInt(keccak256Hex(abiEncodeWords(2n)))
    expect(validatorSlot(0)).toBe(base)
    expect(validatorSlot(3)).toBe(base + 6n)
    expect(checkpointLogSlot(5)).toBe(BigInt(keccak256Hex(abiEncodeWords(5n, 6n))))
  })

  it('decoders unpack packed words from the low-order end', () => {
    const w = (parts: [bigint, number][]) => parts.reduce((acc, [v, off]) => acc | (v << BigInt(off * 8)), 0n)
    expect(decodeParamsWord(w([[7771n, 0], [1_700_000_000n, 8], [4n, 16], [8n, 20], [48n, 24]]))).toEqual({ l2ChainId: 7771, genesisTime: 1_700_000_000, slotDuration: 4, epochDuration: 8, targetCommitteeSize: 48 })
    expect(decodeValidatorWord(w([[0xabcdefn, 0], [3n, 20]]))).toEqual({ attester: `0x${'0'.repeat(34)}abcdef`, activationEpoch: 3 })
    expect(decodeTipWord(w([[9n, 0], [36n, 8], [12n, 16]]))).toEqual({ checkpointNumber: 9, height: 36, lastSlot: 12 })
    const h = (b: string) => BigInt(`0x${b.repeat(32)}`)
    expect(decodeCheckpointLog([h('11'), h('22'), h('33'), w([[36n, 0], [12n, 8]])])).toEqual({ lastBlockHash: `0x${'11'.repeat(32)}`, digest: `0x${'22'.repeat(32)}`, attestationsHash: `0x${'33'.repeat(32)}`, lastHeight: 36, slot: 12 })
  })

  it('sampleCommittee takes only validators active at the epoch and k = min(target, n)', () => {
    const vs = Array.from({ length: 6 }, (_, i) => ({ attester: `0x${String(i + 1).padStart(40, '0')}` as Address, activationEpoch: i < 4 ? 0 : 2 }))
    const seed = `0x${'ab'.repeat(32)}` as Hex
    const c0 = sampleCommittee(vs, 0, 3, seed)
    expect(c0).toHaveLength(3)
    expect(new Set(c0).size).toBe(3)
    for (const a of c0) expect(vs.slice(0, 4).map((v) => v.attester)).toContain(a)
    expect(sampleCommittee(vs, 2, 10, seed)).toHaveLength(6)
    expect(sampleCommittee(vs, 0, 3, seed)).toEqual(c0) // deterministic
  })
})
