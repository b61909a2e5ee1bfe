/**
 * Golden vectors of every registered signing scheme. Each is pinned (a change to a digest is a
 * change of scheme, so it needs a new id) and, where an independent implementation exists,
 * recomputed by it: viem's hashTypedData for the EIP-712 schemes, the Aztec mainnet rollup's
 * own ecrecover inputs (the shared Ignition vector) for the EIP-191 scheme.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeFunctionData, hashMessage, hashTypedData } from 'viem'
import { VigilError } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import { signingDigestHex } from '../../src/protocol/domain'
import { SCHEMES, checkNetworkScheme, getScheme, messageDigest, aztecIgnitionStructHash } from '../../src/networks/schemes'
import { AZTEC_IGNITION, headerHash } from '../../src/networks/aztec'
import { aztecIgnitionRollupAbi } from '../../src/networks/aztec/abi'

const V = `0x${'11'.repeat(32)}` as Hex
const VIGIL_DOMAIN = { l1ChainId: 31337, verifyingContract: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as const }
const AZTEC_DOMAIN = { l1ChainId: 1, verifyingContract: '0x603bb2c05d474794ea97805e8de69bccfb3bca12' as const }

const GOLDEN: { scheme: string; kind: string; domain: typeof VIGIL_DOMAIN | typeof AZTEC_DOMAIN; digest: Hex }[] = [
  { scheme: 'vigil-eip712-v1', kind: 'BlockProposal', domain: VIGIL_DOMAIN, digest: '0x386b816dae37602cd30d0b249f809cf1f772cf11460b0828f25abe05456200e0' },
  { scheme: 'vigil-eip712-v1', kind: 'CheckpointProposal', domain: VIGIL_DOMAIN, digest: '0x700a3e1cfc91a68f35520657442bc9bf05d12c33ce9987b208bcc2ce0cb2382c' },
  { scheme: 'vigil-eip712-v1', kind: 'CheckpointAttestation', domain: VIGIL_DOMAIN, digest: '0xd933100665bbd7d704cac5bdba3ea57c92a2ea6bb1016f691e61ae7b31d55330' },
  { scheme: 'aztec-eip712-v1', kind: 'BlockProposal', domain: AZTEC_DOMAIN, digest: '0xd80bc7ab5e6668885dcb09eb7f456198b64cf3a908d3dac8328f115ffe163a66' },
  { scheme: 'aztec-eip712-v1', kind: 'CheckpointProposal', domain: AZTEC_DOMAIN, digest: '0x4bd1bf31246c4a0444c5822002cdd341dcc1dbf610c78997eca7c211a01067db' },
  { scheme: 'aztec-eip712-v1', kind: 'CheckpointAttestation', domain: AZTEC_DOMAIN, digest: '0x5efba247278b5b683b955c0f0af194d256c930d7bbacf335e562f0df9225f374' },
  { scheme: 'aztec-eip712-v1', kind: 'AttestationsAndSigners', domain: AZTEC_DOMAIN, digest: '0x6f98a98f496d5e016da6c135b109c6c645853eacdca9e7b0b50f9adf33ff9941' },
]

const vector = JSON.parse(readFileSync('/work/shared/vectors/aztec-packages/ignition_mainnet_propose.json', 'utf8')) as { proposeCalldata: Hex; expected: { payloadDigest: Hex; attestationsAndSignersDigest: Hex } }

describe('the registry', () => {
  it('holds the three schemes, each versioned', () => {
    expect(SCHEMES.map((s) => `${s.id}@${s.version}`)).toEqual(['vigil-eip712-v1@1', 'aztec-ignition-eip191-v1@1', 'aztec-eip712-v1@1'])
  })
  it('rejects an unknown scheme and an unknown kind with coded errors', () => {
    expect(() => getScheme('aztec-v9')).toThrow(VigilError)
    try {
      messageDigest({ scheme: 'nope', kind: 'BlockProposal', values: [V] })
    } catch (e) {
      expect((e as VigilError).code).toBe('SCHEME_UNKNOWN')
    }
    try {
      messageDigest({ scheme: 'aztec-ignition-eip191-v1', kind: 'BlockProposal', values: [V] })
      expect.unreachable()
    } catch (e) {
      expect((e as VigilError).code).toBe('SCHEME_KIND_UNKNOWN')
    }
    try {
      checkNetworkScheme(AZTEC_IGNITION, 'vigil-eip712-v1')
      expect.unreachable()
    } catch (e) {
      expect((e as VigilError).code).toBe('SCHEME_UNKNOWN')
    }
    expect(checkNetworkScheme(AZTEC_IGNITION, 'aztec-ignition-eip191-v1').id).toBe('aztec-ignition-eip191-v1')
  })
  it('an EIP-712 scheme without a domain is a config error', () => {
    expect(() => messageDigest({ scheme: 'aztec-eip712-v1', kind: 'BlockProposal', values: [V] })).toThrow(/needs a domain/)
  })
})

describe('golden vectors', () => {
  it.each(GOLDEN)('$scheme $kind', ({ scheme, kind, domain, digest }) => {
    expect(messageDigest({ scheme, kind, values: [V], domain })).toBe(digest)
  })

  it('Vigil v1 is src/protocol/domain.ts unchanged, and viem agrees', () => {
    for (const g of GOLDEN.filter((x) => x.scheme === 'vigil-eip712-v1')) {
      expect(signingDigestHex({ l1ChainId: VIGIL_DOMAIN.l1ChainId, rollup: VIGIL_DOMAIN.verifyingContract }, g.kind as 'BlockProposal', V)).toBe(g.digest)
      const field = g.kind === 'BlockProposal' ? 'headerHash' : 'checkpointDigest'
      expect(hashTypedData({ domain: { name: 'Vigil', version: '1', chainId: VIGIL_DOMAIN.l1ChainId, verifyingContract: VIGIL_DOMAIN.verifyingContract }, types: { [g.kind]: [{ name: field, type: 'bytes32' }] }, primaryType: g.kind, message: { [field]: V } })).toBe(g.digest)
    }
  })

  it('Aztec EIP-712 ("Aztec Rollup", version 1): viem agrees', () => {
    for (const g of GOLDEN.filter((x) => x.scheme === 'aztec-eip712-v1')) {
      expect(hashTypedData({ domain: { name: 'Aztec Rollup', version: '1', chainId: AZTEC_DOMAIN.l1ChainId, verifyingContract: AZTEC_DOMAIN.verifyingContract }, types: { [g.kind]: [{ name: 'payloadHash', type: 'bytes32' }] }, primaryType: g.kind, message: { payloadHash: V } })).toBe(g.digest)
    }
  })

  it('Aztec Ignition EIP-191: the digests the mainnet rollup passed to ecrecover', () => {
    const { args } = decodeFunctionData({ abi: aztecIgnitionRollupAbi, data: vector.proposeCalldata })
    const [a, attestations, signers] = args as unknown as [{ archive: Hex; stateReference: unknown; oracleInput: unknown; header: never }, { signatureIndices: Hex; signaturesOrAddresses: Hex }, Hex[]]
    const payload = { archive: a.archive, stateReference: a.stateReference, oracleInput: a.oracleInput, headerHash: headerHash(a.header).hash }
    expect(messageDigest({ scheme: 'aztec-ignition-eip191-v1', kind: 'checkpointAttestation', values: [payload] })).toBe(vector.expected.payloadDigest)
    expect(messageDigest({ scheme: 'aztec-ignition-eip191-v1', kind: 'attestationsAndSigners', values: [attestations, signers] })).toBe(vector.expected.attestationsAndSignersDigest)
    // EIP-191 = viem's hashMessage of the raw 32-byte hash
    expect(hashMessage({ raw: aztecIgnitionStructHash('checkpointAttestation', [payload]) })).toBe(vector.expected.payloadDigest)
    // the pre-EIP-191 hash (what the rollup stores as the checkpoint's payloadDigest), pinned
    expect(aztecIgnitionStructHash('checkpointAttestation', [payload])).toBe('0x076a4aca49fac83c55eafdffd124101024e0c960957edd9d8efaba88f2caa81d')
  })
})
