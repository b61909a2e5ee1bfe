/**
 * The network adapter (src/networks): presets and the config's `network` field, Vigil's adapter
 * wrapping the existing rules unchanged (the same proposer, quorum and verdicts as before), and
 * Vigil's offline `checkInput` on a real propose() call — bare and inside a Multicall3
 * aggregate3 wrapper — with every check named and every failure coded.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { encodeFunctionData, parseAbi } from 'viem'
import type { Address, Hex } from '../../src/core/types'
import { VigilError } from '../../src/core/errors'
import { ZERO_HASH, bytesToHex } from '../../src/protocol/bytes'
import { keccak256Hex, utf8 } from '../../src/protocol/hash'
import { HEADER_VERSION, decodeHeader, encodeHeader, type BlockHeader, type DecodedHeader } from '../../src/protocol/header'
import { CHECKPOINT_VERSION, checkpointDigest, encodeAttestationSignatures, encodeCheckpoint, type Checkpoint } from '../../src/protocol/checkpoint'
import { signingDigest, type SigningDomain } from '../../src/protocol/domain'
import { quorumOf, slotProposer } from '../../src/protocol/schedule'
import { nextStateRoot } from '../../src/verify/rules'
import { addressOf, signDigest } from '../../src/verify/secp256k1'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { vigilChainRules } from '../../src/verify/chain-rules'
import { NETWORK_IDS, networkAdapter, networkFor, networkPreset, PRESETS } from '../../src/networks/presets'
import { VIGIL_PROPOSE_SELECTOR } from '../../src/networks/vigil'
import { inputBytes, selectorOffsets } from '../../src/networks/adapter'
import { parseClientConfig } from '../../src/client/shared/config'
import type { ClientConfig } from '../../src/core/config'

const L2 = 5151
/** The shared real checkpoint (../shared/vectors from the repo root). */
const VECTOR = join(import.meta.dirname, '../../../shared/vectors/aztec-packages/ignition_mainnet_propose.json')
const ROLLUP = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address
const DOMAIN: SigningDomain = { l1ChainId: 31337, rollup: ROLLUP }
const CONFIG: ClientConfig = { l2ChainId: L2, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:8545'], rollup: ROLLUP, deployBlock: 0 }, bootstrap: [], mode: 'light' }
const member = (label: string) => {
  const key = keccak256Hex(utf8(label))
  return { key, address: addressOf(key) }
}
const MEMBERS = Array.from({ length: 4 }, (_, i) => member(`networks-${i}`))

function header(parent: BlockHeader | null, over: Pick<BlockHeader, 'slot' | 'checkpointNumber' | 'indexInCheckpoint'>): DecodedHeader {
  const height = parent ? parent.height + 1 : 1
  const bodyHash = keccak256Hex(utf8(`body-${height}`))
  return decodeHeader(
    encodeHeader({
      version: HEADER_VERSION,
      chainId: L2,
      height,
      timestamp: 1_700_000_000_000 + height,
      parentHash: parent ? decodeHeader(encodeHeader(parent)).hash : ZERO_HASH,
      bodyHash,
      stateRoot: nextStateRoot(parent ? parent.stateRoot : ZERO_HASH, bodyHash),
      proposer: MEMBERS[1]!.address,
      txCount: 0,
      ...over,
    }),
  )
}

const h1 = header(null, { slot: 5, checkpointNumber: 1, indexInCheckpoint: 0 })
const h2 = header(h1, { slot: 5, checkpointNumber: 1, indexInCheckpoint: 1 })
const CP: Checkpoint = { version: CHECKPOINT_VERSION, checkpointNumber: 1, slot: 5, headers: [h1, h2], blobVersionedHashes: [`0x01${'ab'.repeat(31)}` as Hex] }
const DIGEST = checkpointDigest(CP)
const SIGS = MEMBERS.slice(0, 3).map((m) => signDigest(m.key, signingDigest(DOMAIN, 'CheckpointAttestation', DIGEST)))
const propose = (sigs = SIGS, cp = encodeCheckpoint(CP)) => encodeFunctionData({ abi: vigilRollupAbi, functionName: 'propose', args: [bytesToHex(cp), bytesToHex(encodeAttestationSignatures(sigs))] })

const MULTICALL3 = parseAbi(['struct Call3 { address target; bool allowFailure; bytes callData; }', 'function aggregate3(Call3[] calls) payable returns ((bool success, bytes returnData)[])'])
const wrapped = (inner: Hex) =>
  encodeFunctionData({
    abi: MULTICALL3,
    functionName: 'aggregate3',
    args: [
      [
        { target: '0x000000000000000000000000000000000000dEaD', allowFailure: true, callData: '0x12345678' },
        { target: ROLLUP, allowFailure: false, callData: inner },
      ],
    ],
  })

describe('presets and config', () => {
  it('names every preset; an unknown one is CONFIG_INVALID naming the known ones', () => {
    expect(NETWORK_IDS).toEqual(['vigil', 'aztec-ignition'])
    expect(PRESETS['aztec-ignition'].l1).toEqual({ chainId: 1, rollup: '0x603bb2c05d474794ea97805e8de69bccfb3bca12', deployBlock: 23786836 })
    expect(PRESETS['aztec-ignition'].schemes.attestation).toBe('aztec-ignition-eip191-v1')
    expect(() => networkPreset('polygon')).toThrow(/unknown network "polygon": known networks are vigil, aztec-ignition/)
    expect(() => networkAdapter('vigil')).toThrow(VigilError)
    expect(networkAdapter('aztec-ignition').rules).toBeNull()
  })

  it('a config without `network` is Vigil for its own deployment, with the rules sync used before adapters', () => {
    const net = networkFor(CONFIG)
    expect(net.id).toBe('vigil')
    expect(net.l1).toMatchObject({ chainId: 31337, address: ROLLUP, deployBlock: 0, propose: { selector: VIGIL_PROPOSE_SELECTOR }, checkpointEvent: 'CheckpointProposed' })
    const rules = net.rules!
    const direct = vigilChainRules(DOMAIN, L2)
    const committee = MEMBERS.map((m) => m.address)
    for (let slot = 0; slot < 40; slot++) expect(rules.proposerOf(Math.floor(slot / 8), slot, committee)).toBe(slotProposer(ROLLUP, L2, Math.floor(slot / 8), slot, committee))
    for (const n of [0, 1, 3, 4, 24, 48]) expect(rules.quorumOf(n)).toBe(quorumOf(n))
    expect(rules.domain).toEqual(direct.domain)
    expect(net.committee.quorumOf(24)).toBe(17)
  })

  it('config.network: a preset fills its L1 facts; given ones must match; unknown names are rejected', () => {
    const c = parseClientConfig({ network: 'aztec-ignition', l1: { rpcUrls: ['https://eth.example'] } })
    expect(c).toMatchObject({ network: 'aztec-ignition', l2ChainId: 0, l1: { chainId: 1, rollup: '0x603bb2c05d474794ea97805e8de69bccfb3bca12', deployBlock: 23786836 }, bootstrap: [] })
    expect(networkFor(c).id).toBe('aztec-ignition')
    expect(() => parseClientConfig({ network: 'aztec-ignition', l1: { rpcUrls: ['https://eth.example'], chainId: 5 } })).toThrow(/l1.chainId must be 1 for network aztec-ignition/)
    expect(() => parseClientConfig({ network: 'aztec-ignition', l1: { rpcUrls: ['https://eth.example'], rollup: ROLLUP } })).toThrow(/l1.rollup must be 0x603b/)
    expect(() => parseClientConfig({ ...CONFIG, network: 'nope' })).toThrow(/network must be one of vigil, aztec-ignition/)
    expect(parseClientConfig({ ...CONFIG, network: 'vigil' }).network).toBe('vigil')
    expect(parseClientConfig(CONFIG).network).toBeUndefined()
  })
})

describe('Vigil checkInput (offline)', () => {
  const net = networkFor(CONFIG)

  it('passes every offline check of a propose() call and marks the L1 ones as needing L1', () => {
    const r = net.checkInput({ input: propose() })
    expect(r.ok).toBe(true)
    expect(r.foundAt).toBe(0)
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([
      ['call', 'pass'],
      ['checkpoint', 'pass'],
      ['headers', 'pass'],
      ['attestations', 'pass'],
      ['committee', 'needs-l1'],
      ['proposer', 'needs-l1'],
      ['quorum', 'needs-l1'],
      ['l1Inclusion', 'needs-l1'],
    ])
    expect(r.fields).toContainEqual({ name: 'digest', value: DIGEST })
    expect(r.fields).toContainEqual({ name: 'signers', value: '3' })
  })

  it('finds the call inside a Multicall3 aggregate3 wrapper', () => {
    const w = wrapped(propose())
    const r = net.checkInput({ input: w })
    expect(r.ok).toBe(true)
    expect(r.foundAt).toBeGreaterThan(0)
    expect(selectorOffsets(inputBytes(w)!, inputBytes(VIGIL_PROPOSE_SELECTOR)!)).toContain(r.foundAt)
  })

  it('a mutated input fails with a coded error, never throws', () => {
    const dup = net.checkInput({ input: propose([SIGS[0]!, SIGS[0]!]) })
    expect(dup.ok).toBe(false)
    expect(dup.checks.find((c) => c.name === 'attestations')).toMatchObject({ status: 'fail', error: { code: 'DUPLICATE_SIGNER' } })

    const badSig = SIGS[1]!.slice()
    badSig[64] = 9 // recovery id out of range
    expect(net.checkInput({ input: propose([SIGS[0]!, badSig]) }).checks.find((c) => c.name === 'attestations')).toMatchObject({ status: 'fail', error: { code: 'BAD_SIGNATURE' } })

    const cpBytes = encodeCheckpoint(CP)
    cpBytes[0] = 7 // unknown checkpoint version
    const undecodable = net.checkInput({ input: propose(SIGS, cpBytes) })
    expect(undecodable.checks.map((c) => c.status)).toEqual(['pass', 'fail', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped'])
    expect(undecodable.checks[1]!.error?.code).toBe('DECODE_UNKNOWN_VERSION')

    const unlinked = { ...CP, headers: [h1, { ...h2, parentHash: ZERO_HASH }] }
    expect(net.checkInput({ input: propose(SIGS, encodeCheckpoint(unlinked)) }).checks.find((c) => c.name === 'headers')).toMatchObject({ status: 'fail', error: { code: 'PARENT_MISMATCH' } })

    for (const input of ['0xzz', '0x', '0xdeadbeef'] as Hex[]) {
      const r = net.checkInput({ input })
      expect(r.ok).toBe(false)
      expect(r.checks[0]).toMatchObject({ name: 'call', status: 'fail', error: { code: 'DECODE_INVALID_FIELD' } })
    }
  })
})

describe('Aztec Ignition through the adapter (the shared mainnet checkpoint)', () => {
  const vector = JSON.parse(readFileSync(VECTOR, 'utf8')) as { proposeCalldata: Hex; rollup: Address }
  const net = networkAdapter('aztec-ignition')

  it('is the preset: L1 contract, scheme, storage layout, header hash; not followable', () => {
    expect(net.l1).toMatchObject({ chainId: 1, address: vector.rollup, deployBlock: 23786836, propose: { selector: '0x48aeda19' }, checkpointEvent: 'L2BlockProposed' })
    expect(net.schemes).toEqual({ attestation: 'aztec-ignition-eip191-v1', proposal: 'aztec-ignition-eip191-v1' })
    expect(net.l1.storage.slots.map((s) => s.name)).toContain('committeeCommitments')
    expect(net.rules).toBeNull()
    expect(net.committee.quorumOf(24)).toBe(17)
  })

  it('every offline check passes on the real propose(), the L1 ones need L1, nothing fails', () => {
    const r = net.checkInput({ input: vector.proposeCalldata })
    expect(r.ok).toBe(true)
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([])
    const offline = r.checks.filter((c) => !c.name.startsWith('l1-') && c.name !== 'slot-proposer' && c.name !== 'tx-blob-hashes')
    expect(offline.every((c) => c.status === 'pass')).toBe(true)
    expect(r.checks.filter((c) => c.name.startsWith('l1-')).every((c) => c.status === 'needs-l1')).toBe(true)
    expect(r.fields).toContainEqual({ name: 'header sha256', value: '0x3131d173805cf8f10d0772243bc1324bcb0392f149ef6c581d49ad217d345f3d' })
    expect(r.fields).toContainEqual({ name: 'payload digest', value: '0xd5cc9c705df8994be4ed72c4cdc12307683dc8ea0321c425ac95ab292e119044' })
    expect(r.committee).toHaveLength(24)
    expect(r.committee.filter((m) => !m.signed).map((m) => m.index)).toEqual([20, 22])
    expect(r.quorum).toEqual({ required: 17, signed: 22, committeeSize: 24 })
    expect(r.foundAt).toBe(0)
  })

  it('inside a Multicall3 wrapper it is found; a mutated signature or garbage fails with a code', () => {
    const w = net.checkInput({ input: wrapped(vector.proposeCalldata) })
    expect(w.ok).toBe(true)
    expect(w.foundAt).toBeGreaterThan(0)
    const b = inputBytes(vector.proposeCalldata)!.slice()
    b[b.length - 200]! ^= 0x01 // inside the proposer's signature / blob input tail
    const m = net.checkInput({ input: bytesToHex(b) })
    expect(m.ok).toBe(false)
    const failedCheck = m.checks.find((c) => c.status === 'fail')!
    expect(failedCheck.error?.code).toMatch(/^[A-Z_]+$/)
    for (const input of ['0xzz', '0xdeadbeef'] as Hex[]) {
      const r = net.checkInput({ input })
      expect(r.ok).toBe(false)
      expect(r.checks).toHaveLength(1)
      expect(r.checks[0]).toMatchObject({ name: 'call', status: 'fail' })
      expect(r.checks[0]!.error?.code).toMatch(/^(PROPOSE_NOT_FOUND|DECODE_[A-Z_]+)$/)
    }
  })
})
