/**
 * The committed contract artifacts are exactly what the source compiles to today, and the
 * Solidity mirrors the wire-format constants of src/protocol. When this fails after an edit
 * to VigilRollup.sol, regenerate with `node --import tsx src/contracts/compile.ts`.
 */
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { vigilRollupAbi } from '../../src/contracts/abi'
import {
  ABI_TS_PATH,
  ARTIFACT_PATH,
  compileRollup,
  readRollupArtifact,
  readRollupSource,
  renderAbiModule,
  renderArtifactJson,
  sha256Hex,
  type RollupArtifact,
} from '../../src/contracts/compile'
import { HEADER_SIZE, HEADER_VERSION } from '../../src/protocol/header'
import { CHECKPOINT_VERSION, MAX_BLOBS_PER_CHECKPOINT, MAX_BLOCKS_PER_CHECKPOINT } from '../../src/protocol/checkpoint'

let compiled: RollupArtifact
let compileMs = 0

beforeAll(() => {
  const t0 = performance.now()
  compiled = compileRollup()
  compileMs = performance.now() - t0
  console.log(`compiled VigilRollup with solc ${compiled.solcVersion} in ${compileMs.toFixed(0)} ms`)
})

describe('contract artifact', () => {
  it('compiles with solc 0.8.37, optimizer on, evm cancun', () => {
    expect(compiled.solcVersion).toMatch(/^0\.8\.37\+/)
    expect(compiled.settings).toEqual({ optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun', metadata: { bytecodeHash: 'none' } })
    expect(compiled.bytecode.length).toBeGreaterThan(compiled.deployedBytecode.length)
  })

  it('the committed generated/VigilRollup.json is what the source compiles to now', () => {
    const committed = readRollupArtifact()
    expect(committed.sourceSha256).toBe(sha256Hex(readRollupSource()))
    expect(committed).toEqual(compiled)
    expect(readFileSync(ARTIFACT_PATH, 'utf8')).toBe(renderArtifactJson(compiled))
  })

  it('abi.ts equals the compiled ABI', () => {
    expect(JSON.parse(JSON.stringify(vigilRollupAbi))).toEqual(compiled.abi)
    expect(readFileSync(ABI_TS_PATH, 'utf8')).toBe(renderAbiModule(compiled))
  })

  it('the ABI has what the client and the devnet call', () => {
    const names = new Set(compiled.abi.map((x) => ('name' in x ? `${x.type}:${x.name}` : x.type)))
    for (const n of [
      'function:propose',
      'function:getCommittee',
      'function:getProposer',
      'function:epochSeed',
      'function:tip',
      'function:deposit',
      'function:l2ChainId',
      'function:genesisTime',
      'function:slotDuration',
      'function:epochDuration',
      'function:targetCommitteeSize',
      'event:CheckpointProposed',
      'event:ValidatorRegistered',
      'error:NotProposer',
      'error:HeaderWrongParent',
      'error:BlobHashMismatch',
      'error:UnsupportedCheckpointVersion',
      'error:InvalidCheckpointNumber',
    ]) {
      expect(names, n).toContain(n)
    }
  })
})

describe('VigilRollup.sol mirrors src/protocol', () => {
  const source = readRollupSource()
  const constant = (name: string): number => {
    const m = new RegExp(`constant ${name} = (\\d+);`).exec(source)
    if (!m) throw new Error(`constant ${name} not found in VigilRollup.sol`)
    return Number(m[1])
  }

  it('sizes, limits and versions', () => {
    expect(constant('HEADER_SIZE')).toBe(HEADER_SIZE)
    expect(constant('HEADER_VERSION')).toBe(HEADER_VERSION)
    expect(constant('CHECKPOINT_VERSION')).toBe(CHECKPOINT_VERSION)
    expect(constant('MAX_BLOCKS_PER_CHECKPOINT')).toBe(MAX_BLOCKS_PER_CHECKPOINT)
    expect(constant('MAX_BLOBS_PER_CHECKPOINT')).toBe(MAX_BLOBS_PER_CHECKPOINT)
  })

  it('header field offsets follow encodeHeader', () => {
    // version u8 | chainId u64 | height u64 | slot u64 | checkpointNumber u64 | index u8 | timestamp u64 | parentHash 32 | bodyHash 32 | stateRoot 32 | proposer 20 | txCount u32
    expect(constant('H_CHAIN_ID')).toBe(1)
    expect(constant('H_HEIGHT')).toBe(9)
    expect(constant('H_SLOT')).toBe(17)
    expect(constant('H_CHECKPOINT_NUMBER')).toBe(25)
    expect(constant('H_INDEX')).toBe(33)
    expect(constant('H_PARENT_HASH')).toBe(42)
    expect(constant('H_PROPOSER')).toBe(138)
    expect(138 + 20 + 4).toBe(HEADER_SIZE)
    expect(constant('CP_HEADERS')).toBe(1 + 8 + 8 + 1)
  })
})
