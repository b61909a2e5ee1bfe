/**
 * `vigil aztec verify-propose` as a user runs it (node bin/vigil.js): exit 0 on the shared
 * mainnet checkpoint and on the same propose wrapped by a smart account's execute around a
 * Multicall3 aggregate3 (built here), 1 on a mutated copy, 2 on garbage; JSON carries
 * schemaVersion 1 and ok; --help exits 0.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeFunctionData, parseAbi } from 'viem'
import type { Hex } from '../../src/core/types'
import { runVigil } from '../helpers/bodies'

const VECTOR = join(import.meta.dirname, '../../../shared/vectors/aztec-packages/ignition_mainnet_propose.json')
const vector = JSON.parse(readFileSync(VECTOR, 'utf8')) as { proposeCalldata: Hex; rollup: Hex; expected: { payloadDigest: Hex } }
const dir = mkdtempSync(join(tmpdir(), 'vigil-aztec-cli-'))
const file = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

const multicall3 = parseAbi(['function aggregate3((address target, bool allowFailure, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)'])
const smartAccount = parseAbi(['function execute(address target, uint256 value, bytes data) payable returns (bytes)'])
const MULTICALL3 = '0xcA11bde05977b3631167028862bE2a173976CA11'

/** The propose as the mainnet transaction sent it: EOA → smart account execute → Multicall3 aggregate3 → rollup. */
function wrapped(calldata: Hex): Hex {
  const aggregate = encodeFunctionData({ abi: multicall3, functionName: 'aggregate3', args: [[{ target: vector.rollup, allowFailure: false, callData: calldata }]] })
  return encodeFunctionData({ abi: smartAccount, functionName: 'execute', args: [MULTICALL3, 0n, aggregate] })
}

function mutated(): Hex {
  // one byte of the first committee signature's r (the attestations' data starts after 3 words + the bitmap word)
  const b = Buffer.from(vector.proposeCalldata.slice(2), 'hex')
  const attAt = 4 + Number(BigInt(`0x${b.subarray(4 + 21 * 32, 4 + 22 * 32).toString('hex')}`))
  const dataAt = attAt + 0x80 + 32
  b[dataAt + 10] = b[dataAt + 10]! ^ 0x40
  return `0x${b.toString('hex')}`
}

type Run = Awaited<ReturnType<typeof runVigil>>

let runs: Record<'vector' | 'wrapped' | 'mutated' | 'garbage' | 'noPropose' | 'help' | 'text', Run>

beforeAll(async () => {
  const args = (input: string) => ['aztec', 'verify-propose', '--network', 'aztec-ignition', '--input', input, '--json']
  const [vectorRun, wrappedRun, mutatedRun, garbage, noPropose, help, text] = await Promise.all([
    runVigil(args(VECTOR)),
    runVigil(args(file('wrapped.hex', `${wrapped(vector.proposeCalldata)}\n`))),
    runVigil(args(file('mutated.json', JSON.stringify({ ...vector, proposeCalldata: mutated() })))),
    runVigil(args(file('garbage.txt', 'this is not a transaction input'))),
    runVigil(args(file('transfer.hex', '0xa9059cbb000000000000000000000000000000000000000000000000000000000000dead0000000000000000000000000000000000000000000000000000000000000001'))),
    runVigil(['aztec', 'verify-propose', '--help']),
    runVigil(['aztec', 'verify-propose', '--network', 'aztec-ignition', '--input', VECTOR]),
  ])
  runs = { vector: vectorRun, wrapped: wrappedRun, mutated: mutatedRun, garbage, noPropose, help, text }
}, 180_000)

describe('vigil aztec verify-propose', () => {
  it('exit 0 on the shared mainnet checkpoint, with every offline check', () => {
    const { code, report } = runs.vector
    expect(code).toBe(0)
    expect(report).toMatchObject({ schemaVersion: 1, ok: true, offlineOk: true, network: 'aztec-ignition', scheme: 'aztec-ignition-eip191-v1' })
    expect(report!.digests.payloadDigest).toBe(vector.expected.payloadDigest)
    expect(report!.quorum).toEqual({ needed: 17, got: 22, ok: true })
    expect(report!.checks.filter((c: { restsOn: string }) => c.restsOn === 'l1-proof').every((c: { ok: unknown }) => c.ok === null)).toBe(true)
  })

  it('exit 0 on the same propose inside a smart account execute around a Multicall3 aggregate3', () => {
    const { code, report } = runs.wrapped
    expect(code).toBe(0)
    expect(report).toMatchObject({ schemaVersion: 1, ok: true, call: { wrapped: true, calldata: vector.proposeCalldata } })
  })

  it('exit 1 on a mutated copy, naming the failure by code', () => {
    const { code, report } = runs.mutated
    expect(code).toBe(1)
    expect(report).toMatchObject({ schemaVersion: 1, ok: false })
    const failed = report!.checks.filter((c: { ok: unknown }) => c.ok === false)
    expect(failed.map((c: { name: string }) => c.name)).toContain('signatures')
    expect(failed.every((c: { code?: string }) => typeof c.code === 'string')).toBe(true)
  })

  it('exit 2 on garbage and on an input without a propose call, with a coded JSON error', () => {
    expect(runs.garbage.code).toBe(2)
    expect(runs.garbage.report).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'DECODE_INVALID_FIELD' } })
    expect(runs.noPropose.code).toBe(2)
    expect(runs.noPropose.report).toMatchObject({ schemaVersion: 1, ok: false, error: { code: 'PROPOSE_NOT_FOUND' } })
  })

  it('--help exits 0; the text report names every check', () => {
    expect(runs.help.code).toBe(0)
    expect(runs.help.out).toMatch(/verify-propose --network aztec-ignition --input FILE/)
    expect(runs.text.code).toBe(0)
    for (const name of ['call', 'header', 'blobs-hash', 'signatures', 'quorum', 'proposer-signature', 'proposer-in-committee', 'l1-committee-commitment', 'l1-stored-checkpoint']) expect(runs.text.out).toContain(`] ${name} (`)
    expect(runs.text.out).toMatch(/quorum: 22 of 24 signed, 17 needed: reached/)
  })
})
