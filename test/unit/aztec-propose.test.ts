/**
 * The Aztec Ignition adapter on a real mainnet checkpoint (../shared/vectors/aztec-packages/
 * ignition_mainnet_propose.json: L1 block 23931800, the propose calldata as it reached the
 * rollup, and the header sha256 and the two digests the rollup passed to sha256 and ecrecover).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeFunctionData, encodeFunctionData, parseAbi, toFunctionSelector } from 'viem'
import type { Hex } from '../../src/core/types'
import { VigilError } from '../../src/core/errors'
import { hexToBytes } from '../../src/protocol/bytes'
import { initCrypto } from '../../src/verify/secp256k1'
import {
  AZTEC_IGNITION,
  PROPOSE_SELECTOR,
  committeeSizeOf,
  decodePropose,
  findProposeCalls,
  headerHash,
  packHeader,
  sha256ToField,
  verifyAztecPropose,
  type AztecReport,
} from '../../src/networks/aztec'
import { aztecIgnitionRollupAbi } from '../../src/networks/aztec/abi'

const VECTORS = join(import.meta.dirname, '../../../shared/vectors/aztec-packages')
const readVector = (name: string) => JSON.parse(readFileSync(join(VECTORS, name), 'utf8'))
const vector = readVector('ignition_mainnet_propose.json') as {
  proposeCalldata: Hex
  expected: { headerSha256: Hex; payloadDigest: Hex; attestationsAndSignersDigest: Hex }
}
const calldata = hexToBytes(vector.proposeCalldata)
const opts = { network: AZTEC_IGNITION }

let report: AztecReport
beforeAll(async () => {
  await initCrypto()
  report = verifyAztecPropose(calldata, opts)
})

describe('decoding propose', () => {
  it('the selector is the keccak of the deployed signature', () => {
    const fn = aztecIgnitionRollupAbi.find((x) => x.type === 'function')!
    expect(toFunctionSelector(fn)).toBe(PROPOSE_SELECTOR)
    expect(vector.proposeCalldata.slice(0, 10)).toBe(PROPOSE_SELECTOR)
  })

  it('decodes the checkpoint', () => {
    const p = decodePropose(calldata)
    expect(p.header.slotNumber).toBe(24392n)
    expect(p.header.coinbase).toBe('0x84b4f526b3f4be78f967ebf566bbb65ffbb95226')
    expect(p.archive).toBe('0x0bf3b7150c20687badb924d180e3eaa507107b45648cee974c2c506a3a5847b0')
    expect(p.attestations.signatureIndices).toBe('0xfffff5')
    expect(p.signers).toHaveLength(22)
    expect(p.stateReference.l1ToL2MessageTree.nextAvailableLeafIndex).toBe(235680)
  })

  it('refuses trailing bytes and garbage', () => {
    const trailing = new Uint8Array(calldata.length + 1)
    trailing.set(calldata)
    expect(() => decodePropose(trailing)).toThrow(VigilError)
    expect(() => findProposeCalls(Uint8Array.of(1, 2, 3))).toThrow(/no propose call/)
    try {
      verifyAztecPropose('0xdeadbeef', opts)
    } catch (e) {
      expect((e as VigilError).code).toBe('PROPOSE_NOT_FOUND')
    }
  })
})

describe('digests of the real checkpoint', () => {
  it('header hash = 0x00 ‖ the first 31 bytes of the sha256 the rollup computed', () => {
    expect(report.digests.headerSha256).toBe(vector.expected.headerSha256)
    expect(report.digests.headerHash).toBe(`0x00${vector.expected.headerSha256.slice(2, 64)}`)
  })
  it('payload digest and attestations-and-signers digest are the ones the rollup passed to ecrecover', () => {
    expect(report.digests.payloadDigest).toBe(vector.expected.payloadDigest)
    expect(report.digests.attestationsAndSignersDigest).toBe(vector.expected.attestationsAndSignersDigest)
  })
})

describe('the committee and its signatures', () => {
  it('22 signers recovered in the listed order; 24 members, non-signers at 20 and 22; commitment; quorum 22 ≥ 17; proposer = coinbase at 8', () => {
    const p = decodePropose(calldata)
    expect(report.signers).toHaveLength(22)
    expect(report.signers.map((s) => s.recovered)).toEqual(p.signers)
    expect(report.signers.every((s) => s.ok)).toBe(true)
    expect(report.committee.size).toBe(24)
    expect(report.committee.members.filter((m) => !m.signed).map((m) => m.index)).toEqual([20, 22])
    expect(report.committee.commitment).toMatch(/^0x[0-9a-f]{64}$/)
    expect(report.quorum).toEqual({ needed: 17, got: 22, ok: true })
    expect(report.proposer).toEqual({ recovered: p.header.coinbase, coinbase: p.header.coinbase, committeeIndex: 8, ok: true })
    expect(report.ok).toBe(true)
    expect(report.offlineOk).toBe(true)
    // what needs L1 is listed, not claimed
    const l1 = report.checks.filter((c) => c.restsOn === 'l1-proof')
    expect(l1.length).toBeGreaterThan(0)
    expect(l1.every((c) => c.ok === null)).toBe(true)
    expect(report.checks.filter((c) => c.restsOn !== 'l1-proof').every((c) => c.ok === true)).toBe(true)
  })

  it('the committee size is the unique one that fits the bitmap and the data', () => {
    expect(committeeSizeOf(Uint8Array.of(0xff, 0xff, 0xf5), 22 * 65 + 2 * 20)).toBe(24)
    expect(() => committeeSizeOf(Uint8Array.of(0xff, 0xff, 0xf5), 22 * 65 + 2 * 20 + 1)).toThrow(VigilError)
  })

  it('a high-s twin of a valid signature is rejected (low-s enforced)', () => {
    const p = decodePropose(calldata)
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const data = hexToBytes(p.attestations.signaturesOrAddresses)
    const s = BigInt(`0x${Buffer.from(data.subarray(33, 65)).toString('hex')}`)
    const twin = (N - s).toString(16).padStart(64, '0')
    data.set(Buffer.from(twin, 'hex'), 33)
    data[0] = data[0] === 27 ? 28 : 27
    const mutated = encodeFunctionData({ abi: aztecIgnitionRollupAbi, functionName: 'propose', args: [decodeArgs(calldata)[0], { ...p.attestations, signaturesOrAddresses: `0x${Buffer.from(data).toString('hex')}` as Hex }, p.signers, p.proposerSignature, p.blobInput] as never })
    const r = verifyAztecPropose(mutated, opts)
    expect(r.ok).toBe(false)
    expect(r.signers[0]!.code).toBe('BAD_SIGNATURE')
  })
})

/** The raw viem args of the vector, to rebuild calls with one field changed. */
function decodeArgs(c: Uint8Array) {
  return decodeFunctionData({ abi: aztecIgnitionRollupAbi, data: `0x${Buffer.from(c).toString('hex')}` as Hex }).args
}

describe('every single-byte mutation fails with a coded error', () => {
  // byte ranges of the calldata (offsets after the 4-byte selector, from its ABI layout)
  const word = (i: number) => 4 + 32 * i
  const attBase = 4 + Number(BigInt(`0x${vector.proposeCalldata.slice(2 + 8 + 21 * 64, 2 + 8 + 22 * 64)}`))
  const signersBase = 4 + Number(BigInt(`0x${vector.proposeCalldata.slice(2 + 8 + 22 * 64, 2 + 8 + 23 * 64)}`))
  const bitmapAt = attBase + 0x60 // offsets (2 words), bitmap length word, then the bitmap
  const dataLenAt = attBase + 0x80
  const dataAt = dataLenAt + 32

  function failsCoded(at: number): string | null {
    const m = calldata.slice()
    m[at] = m[at]! ^ 0x01
    try {
      const r = verifyAztecPropose(m, { ...opts, stopAtFirstFailure: true })
      if (r.offlineOk) return `byte ${at}: the report passes`
      const failed = r.checks.find((c) => c.ok === false)
      if (!failed?.code) return `byte ${at}: a failing check without a code`
      return null
    } catch (e) {
      if (e instanceof VigilError && e.code) return null
      return `byte ${at}: threw an uncoded ${String(e)}`
    }
  }

  function all(from: number, to: number): string[] {
    const bad: string[] = []
    for (let i = from; i < to; i++) {
      const why = failsCoded(i)
      if (why) bad.push(why)
    }
    return bad
  }

  it('of the header (every byte of its 11 ABI words)', () => {
    expect(all(word(10), word(21))).toEqual([])
  })
  it('of the bitmap (and its length word)', () => {
    expect(all(bitmapAt - 32, bitmapAt + 32)).toEqual([])
  })
  it('of every signature (v, r, s of all 22)', () => {
    const p = decodePropose(calldata)
    const bits = hexToBytes(p.attestations.signatureIndices)
    let at = dataAt
    const ranges: [number, number][] = []
    for (let i = 0; i < 24; i++) {
      const sig = ((bits[i >> 3]! >> (7 - (i & 7))) & 1) === 1
      if (sig) ranges.push([at, at + 65])
      at += sig ? 65 : 20
    }
    expect(ranges).toHaveLength(22)
    expect(ranges.flatMap(([a, b]) => all(a, b))).toEqual([])
  })
  it('of the signer list (length word and every word of the 22 addresses)', () => {
    expect(all(signersBase, signersBase + 32 * 23)).toEqual([])
  })
  it('of the proposer signature and the blob input', () => {
    const blobBase = 4 + Number(BigInt(`0x${vector.proposeCalldata.slice(2 + 8 + 26 * 64, 2 + 8 + 27 * 64)}`))
    expect([...all(word(23), word(26)), ...all(blobBase, calldata.length)]).toEqual([])
  })
})

describe('the header hash on Aztec fixtures', () => {
  it('packs to 284 bytes and hashes like the rollup (empty checkpoint fixtures are a later header format)', () => {
    // The empty_checkpoint_*.json fixtures come from a later commit whose header adds blockHeadersHash:
    // their headerHash is sha256ToField of a 316-byte packing; the same sha256ToField applies.
    for (const name of ['empty_checkpoint_1.json', 'empty_checkpoint_2.json']) {
      const f = JSON.parse(JSON.stringify(readVector(name))) as { checkpoint: { headerHash: Hex; header: Record<string, unknown> & { gasFees: { feePerDaGas: number; feePerL2Gas: number } } } }
      const h = f.checkpoint.header as unknown as { lastArchiveRoot: Hex; blockHeadersHash: Hex; blobsHash: Hex; inHash: Hex; outHash: Hex; slotNumber: number; timestamp: number; coinbase: Hex; feeRecipient: Hex; totalManaUsed: number }
      const later = laterPacked(h, f.checkpoint.header.gasFees)
      expect(later.length).toBe(316)
      expect(sha256ToField(later)).toBe(f.checkpoint.headerHash)
    }
  })
  it('the Ignition packing is 284 bytes', () => {
    const p = decodePropose(calldata)
    expect(packHeader(p.header).length).toBe(284)
    expect(headerHash(p.header).sha256).toBe(vector.expected.headerSha256)
  })
})

function laterPacked(h: { lastArchiveRoot: Hex; blockHeadersHash: Hex; blobsHash: Hex; inHash: Hex; outHash: Hex; slotNumber: number; timestamp: number; coinbase: Hex; feeRecipient: Hex; totalManaUsed: number }, g: { feePerDaGas: number; feePerL2Gas: number }): Uint8Array {
  const u = (v: number | bigint, size: number) => BigInt(v).toString(16).padStart(size * 2, '0')
  const x = (v: Hex) => v.slice(2)
  const hex = [x(h.lastArchiveRoot), x(h.blockHeadersHash), x(h.blobsHash), x(h.inHash), x(h.outHash), u(h.slotNumber, 32), u(h.timestamp, 8), x(h.coinbase), x(h.feeRecipient), u(g.feePerDaGas, 16), u(g.feePerL2Gas, 16), u(h.totalManaUsed, 32)].join('')
  return hexToBytes(`0x${hex}`)
}

describe('wrapped calls', () => {
  it('finds propose inside Multicall3 aggregate3 inside a smart account execute', () => {
    const multicall = parseAbi(['function aggregate3((address target, bool allowFailure, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[])'])
    const account = parseAbi(['function execute(address to, uint256 value, bytes data)'])
    const inner = encodeFunctionData({ abi: multicall, functionName: 'aggregate3', args: [[{ target: '0x0000000000000000000000000000000000000001', allowFailure: true, callData: '0x48aeda19' }, { target: AZTEC_IGNITION.rollup, allowFailure: false, callData: vector.proposeCalldata }]] })
    const outer = encodeFunctionData({ abi: account, functionName: 'execute', args: ['0xcA11bde05977b3631167028862bE2a173976CA11', 0n, inner] })
    const r = verifyAztecPropose(outer, opts)
    expect(r.call.wrapped).toBe(true)
    expect(r.call.candidates).toBe(2)
    expect(r.call.calldata).toBe(vector.proposeCalldata)
    expect(r.ok).toBe(true)
    expect(r.digests.payloadDigest).toBe(vector.expected.payloadDigest)
  })
})
