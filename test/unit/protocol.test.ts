/**
 * Protocol golden vectors (docs/protocol.md): fixed messages with fixed field values must
 * encode to exactly these bytes (hand-assembled field by field from the documented
 * layouts), decode back, and every decoder must reject truncated input, trailing bytes,
 * unknown versions and oversized counts. EIP-712 signing digests are cross-checked with
 * viem's hashTypedData; blob packing round-trips and rejects non-canonical blobs.
 */
import { describe, expect, it } from 'vitest'
import { hashTypedData, keccak256 as viemKeccak } from 'viem'
import { VigilError, type ErrorCode } from '../../src/core/errors'
import type { Hex } from '../../src/core/types'
import { bytesToHex, concatBytes, hexToBytes } from '../../src/protocol/bytes'
import { BODY_VERSION, MAX_BODY_BYTES, decodeBody, encodeBody, type BlockBody } from '../../src/protocol/body'
import { HEADER_SIZE, decodeHeader, encodeHeader, headerHash, type BlockHeader } from '../../src/protocol/header'
import { decodeTx, encodeTx, executeTx, txHash, type Tx } from '../../src/protocol/tx'
import { decodeProposal, encodeProposal, type BlockProposal } from '../../src/protocol/proposal'
import {
  ATTESTATION_SIZE,
  checkpointDigest,
  decodeAttestation,
  decodeAttestationSignatures,
  decodeCheckpoint,
  decodeCheckpointProposal,
  encodeAttestation,
  encodeAttestationSignatures,
  encodeCheckpoint,
  encodeCheckpointProposal,
  type Checkpoint,
  type CheckpointAttestation,
  type CheckpointProposal,
} from '../../src/protocol/checkpoint'
import { DOMAIN_NAME, DOMAIN_VERSION, TYPES, signingDigestHex, type SignedKind, type SigningDomain } from '../../src/protocol/domain'
import { BYTES_PER_BLOB, USABLE_BYTES_PER_BLOB, decodeBodiesFromBlobs, encodeBodiesToBlobs } from '../../src/protocol/blob'
import { protocolIds, topics } from '../../src/protocol/topics'
import { epochOfSlot, epochSeed, proposerIndex, quorumOf, slotAt } from '../../src/protocol/schedule'

const rep = (byte: string, n: number) => byte.repeat(n)

function codeOf(fn: () => unknown): ErrorCode | null {
  try {
    fn()
    return null
  } catch (e) {
    if (!(e instanceof VigilError)) throw e
    return e.code
  }
}

// ------------------------------------------------------------------ fixed messages

const HEADER: BlockHeader = {
  version: 1,
  chainId: 1337,
  height: 42,
  slot: 100,
  checkpointNumber: 7,
  indexInCheckpoint: 2,
  timestamp: 1_700_000_000_123,
  parentHash: `0x${rep('11', 32)}`,
  bodyHash: `0x${rep('22', 32)}`,
  stateRoot: `0x${rep('33', 32)}`,
  proposer: `0x${rep('44', 20)}`,
  txCount: 3,
}

// Header v1, 162 bytes (docs/protocol.md § Block header)
const HEADER_HEX = [
  '0x',
  '01', //                                   0  version            u8
  '0000000000000539', //                     1  chainId            u64  1337
  '000000000000002a', //                     9  height             u64  42
  '0000000000000064', //                    17  slot               u64  100
  '0000000000000007', //                    25  checkpointNumber   u64  7
  '02', //                                  33  indexInCheckpoint  u8   2
  '0000018bcfe5687b', //                    34  timestamp          u64  1700000000123 ms
  rep('11', 32), //                         42  parentHash         bytes32
  rep('22', 32), //                         74  bodyHash           bytes32
  rep('33', 32), //                        106  stateRoot          bytes32
  rep('44', 20), //                        138  proposer           bytes20
  '00000003', //                           158  txCount            u32  3
].join('') //                              162

const BODY: BlockBody = {
  version: 1,
  txEffects: [
    { txHash: `0x${rep('aa', 32)}`, fee: 5, noteHashes: [`0x${rep('bb', 32)}`], nullifiers: [], logs: '0x0102' },
    { txHash: `0x${rep('cc', 32)}`, fee: 0x0102030405, noteHashes: [], nullifiers: [`0x${rep('dd', 32)}`, `0x${rep('ee', 32)}`], logs: '0x' },
  ],
}

// Body v1 (docs/protocol.md § Block body)
const BODY_HEX = [
  '0x',
  '01', //                 version              u8
  '00000002', //           txEffect count       u32
  // tx effect 0
  rep('aa', 32), //        txHash               bytes32
  '0000000000000005', //   fee                  u64
  '01', //                 noteHashes count     u8
  rep('bb', 32), //        noteHash[0]
  '00', //                 nullifiers count     u8
  '0002', //               logs length          u16
  '0102', //               logs
  // tx effect 1
  rep('cc', 32),
  '0000000102030405', //   fee 0x0102030405
  '00', //                 no note hashes
  '02', //                 2 nullifiers
  rep('dd', 32),
  rep('ee', 32),
  '0000', //               empty logs
].join('')

const TX: Tx = { version: 1, sender: `0x${rep('55', 20)}`, nonce: 9, fee: 1000, payload: '0xdeadbeef' }

// Tx v1 (docs/protocol.md § Transaction)
const TX_HEX = [
  '0x',
  '01', //                 version          u8
  rep('55', 20), //        sender           bytes20
  '0000000000000009', //   nonce            u64
  '00000000000003e8', //   fee              u64  1000
  '0004', //               payload length   u16
  'deadbeef', //           payload
].join('')

const SIG_A = hexToBytes(`0x${rep('77', 64)}1b`)
const SIG_B = hexToBytes(`0x${rep('88', 64)}1c`)

const PROPOSAL: BlockProposal = {
  version: 1,
  header: HEADER,
  bodyBytes: hexToBytes(BODY_HEX),
  txHashes: [`0x${rep('aa', 32)}`, `0x${rep('cc', 32)}`],
  signature: SIG_A,
}
const BODY_LEN = (BODY_HEX.length - 2) / 2 // (1+4) + (32+8+1+32+1+2+2) + (32+8+1+1+64+2) = 191

// Block proposal v1 (docs/protocol.md § Block proposal)
const PROPOSAL_HEX = [
  '0x',
  '01', //                       version          u8
  HEADER_HEX.slice(2), //        header           162 bytes
  '000000bf', //                 body length      u32  191
  BODY_HEX.slice(2), //          body bytes
  '00000002', //                 txHashes count   u32
  rep('aa', 32),
  rep('cc', 32),
  rep('77', 64) + '1b', //       signature        65 bytes r ‖ s ‖ v
].join('')

const HEADER_2: BlockHeader = { ...HEADER, height: 43, indexInCheckpoint: 3, parentHash: `0x${rep('99', 32)}`, txCount: 0 }
const HEADER_2_HEX = [
  '0x',
  '01',
  '0000000000000539',
  '000000000000002b', // height 43
  '0000000000000064',
  '0000000000000007',
  '03', // index 3
  '0000018bcfe5687b',
  rep('99', 32),
  rep('22', 32),
  rep('33', 32),
  rep('44', 20),
  '00000000', // txCount 0
].join('')

const CHECKPOINT: Checkpoint = {
  version: 1,
  checkpointNumber: 7,
  slot: 100,
  headers: [HEADER, HEADER_2],
  blobVersionedHashes: [`0x01${rep('ab', 31)}`],
}

// Checkpoint v1 (docs/protocol.md § Checkpoint)
const CHECKPOINT_HEX = [
  '0x',
  '01', //                       version              u8
  '0000000000000007', //         checkpointNumber     u64
  '0000000000000064', //         slot                 u64  100
  '02', //                       header count         u8
  HEADER_HEX.slice(2),
  HEADER_2_HEX.slice(2),
  '01', //                       blob count           u8
  '01' + rep('ab', 31), //       blob versioned hash  bytes32
].join('')
const CHECKPOINT_LEN = (CHECKPOINT_HEX.length - 2) / 2 // 1+8+8+1+2·162+1+32 = 375

const CHECKPOINT_PROPOSAL: CheckpointProposal = { version: 1, checkpoint: CHECKPOINT, signature: SIG_B }
// Checkpoint proposal v1 (docs/protocol.md § Checkpoint proposal)
const CHECKPOINT_PROPOSAL_HEX = [
  '0x',
  '01', //                       version            u8
  '00000177', //                 checkpoint length  u32  375
  CHECKPOINT_HEX.slice(2),
  rep('88', 64) + '1c', //       signature
].join('')

const ATTESTATION: CheckpointAttestation = { version: 1, checkpointDigest: `0x${rep('5a', 32)}`, slot: 100, signature: SIG_A }
// Checkpoint attestation v1, 106 bytes (docs/protocol.md § Checkpoint attestation)
const ATTESTATION_HEX = [
  '0x',
  '01', //                       version            u8
  rep('5a', 32), //              checkpointDigest   bytes32
  '0000000000000064', //         slot               u64
  rep('77', 64) + '1b', //       signature          65 bytes
].join('')

// Attestation signature list (L1 calldata): u16 count ‖ count × 65 bytes
const ATTESTATION_SIGS_HEX = ['0x', '0002', rep('77', 64) + '1b', rep('88', 64) + '1c'].join('')

// Hashes of the golden messages (regression goldens; the signing digests are also checked against viem below)
const GOLDEN_HEADER_HASH: Hex = '0x3588627183ca17082e306a03ad1829510cc01c3ecb80ef81e99e3607ae05be9e'
const GOLDEN_CHECKPOINT_DIGEST: Hex = '0x6be24b8c92c6ad14160ac99647dee403f6151df5768e9a682a3d79be7df2c867'

// ------------------------------------------------------------------ encodings

interface Codec<T> {
  name: string
  value: T
  hex: string
  encode: (v: T) => Uint8Array
  decode: (b: Uint8Array) => T
}

const codecs: Codec<any>[] = [
  { name: 'header', value: HEADER, hex: HEADER_HEX, encode: encodeHeader, decode: decodeHeader },
  { name: 'body', value: BODY, hex: BODY_HEX, encode: encodeBody, decode: decodeBody },
  { name: 'tx', value: TX, hex: TX_HEX, encode: encodeTx, decode: decodeTx },
  { name: 'block proposal', value: PROPOSAL, hex: PROPOSAL_HEX, encode: encodeProposal, decode: decodeProposal },
  { name: 'checkpoint', value: CHECKPOINT, hex: CHECKPOINT_HEX, encode: encodeCheckpoint, decode: decodeCheckpoint },
  { name: 'checkpoint proposal', value: CHECKPOINT_PROPOSAL, hex: CHECKPOINT_PROPOSAL_HEX, encode: encodeCheckpointProposal, decode: decodeCheckpointProposal },
  { name: 'attestation', value: ATTESTATION, hex: ATTESTATION_HEX, encode: encodeAttestation, decode: decodeAttestation },
  { name: 'attestation signatures', value: [SIG_A, SIG_B], hex: ATTESTATION_SIGS_HEX, encode: encodeAttestationSignatures, decode: decodeAttestationSignatures },
]

describe('golden encodings', () => {
  it('sizes: header 162, attestation 106, body 191, checkpoint 375', () => {
    expect((HEADER_HEX.length - 2) / 2).toBe(HEADER_SIZE)
    expect(HEADER_SIZE).toBe(162)
    expect((ATTESTATION_HEX.length - 2) / 2).toBe(ATTESTATION_SIZE)
    expect(ATTESTATION_SIZE).toBe(106)
    expect(BODY_LEN).toBe(191)
    expect(CHECKPOINT_LEN).toBe(375)
  })

  for (const c of codecs) {
    it(`${c.name}: encodes to the golden bytes and decodes back`, () => {
      const bytes = c.encode(c.value)
      expect(bytesToHex(bytes)).toBe(c.hex)
      expect(c.decode(hexToBytes(c.hex))).toEqual(c.value)
      expect(bytesToHex(c.encode(c.decode(bytes)))).toBe(c.hex)
    })
  }

  it('hashes: headerHash and checkpointDigest are keccak256 of the golden bytes', () => {
    expect(headerHash(HEADER)).toBe(viemKeccak(HEADER_HEX as Hex))
    expect(checkpointDigest(CHECKPOINT)).toBe(viemKeccak(CHECKPOINT_HEX as Hex))
    expect(headerHash(HEADER)).toBe(GOLDEN_HEADER_HASH)
    expect(checkpointDigest(CHECKPOINT)).toBe(GOLDEN_CHECKPOINT_DIGEST)
  })

  it('tx: txHash is keccak256 of the encoding; executeTx derives the documented effects', () => {
    expect(txHash(TX)).toBe(viemKeccak(TX_HEX as Hex))
    const e = executeTx(TX)
    expect(e.txHash).toBe(txHash(TX))
    expect(e.fee).toBe(1000)
    expect(e.logs).toBe('0xdeadbeef')
    // payload[0] = 0xde = 222 → 1 + 222 % 4 = 3 note hashes; payload[1] = 0xad = 173 → 1 + 173 % 2 = 2 nullifiers
    expect(e.noteHashes.length).toBe(3)
    expect(e.nullifiers.length).toBe(2)
    const tag = (s: string, i: number) => viemKeccak(bytesToHex(concatBytes(hexToBytes(e.txHash), new TextEncoder().encode(s), Uint8Array.of(i))))
    expect(e.noteHashes).toEqual([0, 1, 2].map((i) => tag('note', i)))
    expect(e.nullifiers).toEqual([0, 1].map((i) => tag('nullifier', i)))
  })
})

// ------------------------------------------------------------------ rejections

describe('decoders reject malformed input', () => {
  for (const c of codecs) {
    it(`${c.name}: every truncation → DECODE_TRUNCATED`, () => {
      const bytes = hexToBytes(c.hex)
      for (let n = 0; n < bytes.length; n++) {
        expect(codeOf(() => c.decode(bytes.subarray(0, n))), `${c.name} cut to ${n} bytes`).toBe('DECODE_TRUNCATED')
      }
    })
    it(`${c.name}: a trailing byte → DECODE_TRAILING_BYTES`, () => {
      expect(codeOf(() => c.decode(concatBytes(hexToBytes(c.hex), Uint8Array.of(0))))).toBe('DECODE_TRAILING_BYTES')
    })
  }

  const versioned = codecs.filter((c) => c.name !== 'attestation signatures')
  for (const c of versioned) {
    it(`${c.name}: versions 0, 2 and 255 → DECODE_UNKNOWN_VERSION`, () => {
      for (const v of [0, 2, 255]) {
        const b = hexToBytes(c.hex)
        b[0] = v
        expect(codeOf(() => c.decode(b))).toBe('DECODE_UNKNOWN_VERSION')
      }
    })
  }

  it('nested versions are checked too (header inside a proposal / checkpoint, checkpoint inside its proposal)', () => {
    const p = hexToBytes(PROPOSAL_HEX)
    p[1] = 2 // header version
    expect(codeOf(() => decodeProposal(p))).toBe('DECODE_UNKNOWN_VERSION')
    const c = hexToBytes(CHECKPOINT_HEX)
    c[18] = 2 // first header's version
    expect(codeOf(() => decodeCheckpoint(c))).toBe('DECODE_UNKNOWN_VERSION')
    const cp = hexToBytes(CHECKPOINT_PROPOSAL_HEX)
    cp[5] = 2 // inner checkpoint version
    expect(codeOf(() => decodeCheckpointProposal(cp))).toBe('DECODE_UNKNOWN_VERSION')
  })

  it('the attestation signature list is unversioned (it lives in versioned L1 calldata)', () => {
    expect(decodeAttestationSignatures(hexToBytes('0x0000'))).toEqual([])
  })

  const patch = (hex: string, at: number, bytes: string) => {
    const b = hexToBytes(hex)
    b.set(hexToBytes(`0x${bytes}`), at)
    return b
  }
  const tooLarge: [string, () => unknown][] = [
    ['body: 4097 tx effects', () => decodeBody(patch(BODY_HEX, 1, '00001001'))],
    ['body: 65 note hashes', () => decodeBody(patch(BODY_HEX, 5 + 32 + 8, '41'))],
    ['body: 65 nullifiers', () => decodeBody(patch(BODY_HEX, 5 + 32 + 8 + 1 + 32, '41'))],
    ['body: 4097 log bytes', () => decodeBody(patch(BODY_HEX, 5 + 32 + 8 + 1 + 32 + 1, '1001'))],
    ['body: over MAX_BODY_BYTES', () => decodeBody(new Uint8Array(MAX_BODY_BYTES + 1))],
    ['tx: 1025-byte payload', () => decodeTx(patch(TX_HEX, 1 + 20 + 8 + 8, '0401'))],
    ['proposal: body over MAX_BODY_BYTES', () => decodeProposal(patch(PROPOSAL_HEX, 1 + 162, '00100001'))],
    ['proposal: 4097 tx hashes', () => decodeProposal(patch(PROPOSAL_HEX, 1 + 162 + 4 + BODY_LEN, '00001001'))],
    ['checkpoint: 33 headers', () => decodeCheckpoint(patch(CHECKPOINT_HEX, 17, '21'))],
    ['checkpoint: 0 headers', () => decodeCheckpoint(patch(CHECKPOINT_HEX, 17, '00'))],
    ['checkpoint: 10 blobs', () => decodeCheckpoint(patch(CHECKPOINT_HEX, 18 + 2 * 162, '0a'))],
    ['checkpoint proposal: checkpoint over 64 KiB', () => decodeCheckpointProposal(patch(CHECKPOINT_PROPOSAL_HEX, 1, '00010001'))],
    ['attestation signatures: 1025', () => decodeAttestationSignatures(patch(ATTESTATION_SIGS_HEX, 0, '0401'))],
  ]
  for (const [name, run] of tooLarge) it(`${name} → DECODE_TOO_LARGE (before allocating)`, () => expect(codeOf(run)).toBe('DECODE_TOO_LARGE'))

  it('u64 fields above 2^53 - 1 → DECODE_INVALID_FIELD', () => {
    expect(codeOf(() => decodeHeader(patch(HEADER_HEX, 1, '0020000000000000')))).toBe('DECODE_INVALID_FIELD')
    expect(codeOf(() => decodeHeader(patch(HEADER_HEX, 1, '001fffffffffffff')))).toBeNull()
  })

  it('encoders refuse what decoders would refuse', () => {
    expect(codeOf(() => encodeCheckpoint({ ...CHECKPOINT, headers: [] }))).toBe('DECODE_TOO_LARGE')
    expect(codeOf(() => encodeBody({ version: BODY_VERSION, txEffects: [{ ...BODY.txEffects[0]!, logs: `0x${rep('00', 4097)}` }] }))).toBe('DECODE_TOO_LARGE')
    expect(codeOf(() => encodeTx({ ...TX, payload: `0x${rep('00', 1025)}` }))).toBe('DECODE_TOO_LARGE')
    expect(codeOf(() => encodeHeader({ ...HEADER, proposer: '0x1234' }))).toBe('DECODE_INVALID_FIELD')
  })
})

// ------------------------------------------------------------------ EIP-712

describe('EIP-712 signing digests equal viem hashTypedData', () => {
  const domains: SigningDomain[] = [
    { l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
    { l1ChainId: 1, rollup: '0x00000000219ab540356cBB839Cbe05303d7705Fa' }, // checksummed input
  ]
  const fieldOf: Record<SignedKind, string> = { BlockProposal: 'headerHash', CheckpointProposal: 'checkpointDigest', CheckpointAttestation: 'checkpointDigest' }
  for (const d of domains) {
    for (const kind of Object.keys(TYPES) as SignedKind[]) {
      it(`${kind} on L1 ${d.l1ChainId}`, () => {
        const value = kind === 'BlockProposal' ? headerHash(HEADER) : checkpointDigest(CHECKPOINT)
        const expected = hashTypedData({
          domain: { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId: d.l1ChainId, verifyingContract: d.rollup },
          types: { [kind]: [{ name: fieldOf[kind], type: 'bytes32' }] },
          primaryType: kind,
          message: { [fieldOf[kind]]: value },
        })
        expect(signingDigestHex(d, kind, value)).toBe(expected)
      })
    }
  }
  it('golden digests of the golden header / checkpoint on L1 31337, rollup 0x5fbd…0aa3', () => {
    const d = domains[0]!
    expect(signingDigestHex(d, 'BlockProposal', GOLDEN_HEADER_HASH)).toBe('0x99164636ea5541218b37a36f75064218bd86d29e33215c357dc2bd740081a7dd')
    expect(signingDigestHex(d, 'CheckpointProposal', GOLDEN_CHECKPOINT_DIGEST)).toBe('0x947593d8e7d1e376ea81e7314d19dbdf1221a7c3288054a40a8af40569b13017')
    expect(signingDigestHex(d, 'CheckpointAttestation', GOLDEN_CHECKPOINT_DIGEST)).toBe('0xb4fb487fbe6b0d2cdd2e15f41c16e7ef6f93e99e03d5494f6f6b353a05933839')
  })
  it('type strings and domain are the documented ones', () => {
    expect(DOMAIN_NAME).toBe('Vigil')
    expect(DOMAIN_VERSION).toBe('1')
    expect(TYPES).toEqual({
      BlockProposal: 'BlockProposal(bytes32 headerHash)',
      CheckpointProposal: 'CheckpointProposal(bytes32 checkpointDigest)',
      CheckpointAttestation: 'CheckpointAttestation(bytes32 checkpointDigest)',
    })
  })
  it('kinds and domains separate: the same value gives different digests', () => {
    const v = checkpointDigest(CHECKPOINT)
    const all = [
      signingDigestHex(domains[0]!, 'CheckpointProposal', v),
      signingDigestHex(domains[0]!, 'CheckpointAttestation', v),
      signingDigestHex(domains[1]!, 'CheckpointAttestation', v),
      signingDigestHex({ ...domains[0]!, l1ChainId: 1 }, 'CheckpointAttestation', v),
    ]
    expect(new Set(all).size).toBe(4)
  })
})

// ------------------------------------------------------------------ blobs

describe('blob packing', () => {
  const bodies = [encodeBody(BODY), hexToBytes('0x0100000000'), encodeBody({ version: 1, txEffects: [] })]

  it('golden layout: u32 count ‖ (u32 len ‖ body)*, 31 bytes per field element behind a zero byte', () => {
    const [blob] = encodeBodiesToBlobs([hexToBytes('0xc0ffee')])
    expect(blob!.length).toBe(BYTES_PER_BLOB)
    // payload = 00000001 00000003 c0ffee (11 bytes) → first field element 0x00 ‖ payload ‖ zeros
    expect(bytesToHex(blob!.subarray(0, 32))).toBe(`0x00${'00000001' + '00000003' + 'c0ffee'}${rep('00', 20)}`)
    expect(blob!.subarray(32).every((b) => b === 0)).toBe(true)
  })

  it('round-trips one blob and many blobs', () => {
    expect(decodeBodiesFromBlobs(encodeBodiesToBlobs(bodies)).map(bytesToHex)).toEqual(bodies.map(bytesToHex))
    const big = [new Uint8Array(USABLE_BYTES_PER_BLOB).fill(7), new Uint8Array(1000).fill(9)]
    const blobs = encodeBodiesToBlobs(big)
    expect(blobs.length).toBe(2)
    expect(decodeBodiesFromBlobs(blobs).map(bytesToHex)).toEqual(big.map(bytesToHex))
    expect(decodeBodiesFromBlobs(encodeBodiesToBlobs([]))).toEqual([])
  })

  it('every field element has a zero high byte (so it is below the BLS modulus)', () => {
    const big = [new Uint8Array(USABLE_BYTES_PER_BLOB + 5).fill(0xff)]
    for (const blob of encodeBodiesToBlobs(big)) for (let fe = 0; fe < 4096; fe++) expect(blob[fe * 32]).toBe(0)
  })

  it('rejects a non-zero high byte, a wrong size, no blobs, junk after the payload, a bad length: BLOB_INVALID', () => {
    const [blob] = encodeBodiesToBlobs(bodies)
    const high = blob!.slice()
    high[32 * 17] = 1
    expect(codeOf(() => decodeBodiesFromBlobs([high]))).toBe('BLOB_INVALID')
    expect(codeOf(() => decodeBodiesFromBlobs([blob!.subarray(1)]))).toBe('BLOB_INVALID')
    expect(codeOf(() => decodeBodiesFromBlobs([]))).toBe('BLOB_INVALID')
    const junk = blob!.slice()
    junk[BYTES_PER_BLOB - 1] = 1
    expect(codeOf(() => decodeBodiesFromBlobs([junk]))).toBe('BLOB_INVALID')
    const badLen = blob!.slice()
    badLen.set([0xff, 0xff, 0xff], 1 + 4) // first body length → huge
    expect(codeOf(() => decodeBodiesFromBlobs([badLen]))).toBe('BLOB_INVALID')
  })
})

// ------------------------------------------------------------------ names and schedule

describe('topics, protocol ids, schedule', () => {
  it('topics and protocol ids for L2 chain 1337', () => {
    expect(topics(1337)).toEqual({
      blockProposal: '/vigil/1337/block_proposal/1',
      checkpointProposal: '/vigil/1337/checkpoint_proposal/1',
      checkpointAttestation: '/vigil/1337/checkpoint_attestation/1',
      tx: '/vigil/1337/tx/1',
      browserPeers: '/vigil/1337/browser_peers/1',
    })
    expect(protocolIds(1337)).toEqual({
      status: '/vigil/1337/req/status/1',
      headersByRange: '/vigil/1337/req/headers_by_range/1',
      bodiesByHash: '/vigil/1337/req/bodies_by_hash/1',
    })
  })
  it('slots, epochs, quorum, proposer index', () => {
    const s = { genesisTime: 1000, slotDuration: 12, epochDuration: 32 }
    expect(slotAt(s, 999)).toBe(0)
    expect(slotAt(s, 1000 + 12 * 33 + 11)).toBe(33)
    expect(epochOfSlot(s, 33)).toBe(1)
    expect([1, 2, 3, 4, 47, 48, 100].map(quorumOf)).toEqual([1, 2, 3, 3, 32, 33, 67])
    const seed = epochSeed('0x5fbdb2315678afecb367f032d93f642f64180aa3', 1337, 1)
    expect(seed).toBe(viemKeccak(`0x${rep('00', 12)}5fbdb2315678afecb367f032d93f642f64180aa3${'0'.repeat(61)}539${'0'.repeat(63)}1`))
    const i = proposerIndex(seed, 33, 48)
    expect(i).toBe(Number(BigInt(viemKeccak(`${seed}${(33).toString(16).padStart(64, '0')}`)) % 48n))
    expect(proposerIndex(seed, 33, 0)).toBe(-1)
  })
})
