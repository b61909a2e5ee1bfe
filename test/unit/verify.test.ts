/**
 * Verification rules (src/verify/rules.ts) on a crafted chain signed by a 48-member
 * committee of deterministic keys: every rule's accept path and each of its error codes.
 */
import { secp256k1 as noble } from '@noble/curves/secp256k1.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { VigilError, type ErrorCode } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { ZERO_HASH, bytesToHex, concatBytes, hexToBytes } from '../../src/protocol/bytes'
import { BODY_VERSION, bodyHashOf, decodeBody, encodeBody } from '../../src/protocol/body'
import { CHECKPOINT_VERSION, checkpointDigest, type Checkpoint } from '../../src/protocol/checkpoint'
import { signingDigest, type SigningDomain } from '../../src/protocol/domain'
import { HEADER_VERSION, headerHash, type BlockHeader } from '../../src/protocol/header'
import { quorumOf, type Schedule } from '../../src/protocol/schedule'
import { SECP256K1_N, joinSignature, splitSignature } from '../../src/protocol/signature'
import { keccak256Hex } from '../../src/protocol/hash'
import { TX_VERSION, executeTx, type Tx } from '../../src/protocol/tx'
import {
  QuorumTracker,
  nextStateRoot,
  verifyBody,
  verifyBodyFromTxs,
  verifyCheckpointHeaders,
  verifyCheckpointProposalSignature,
  verifyGenesisLink,
  verifyHeaderFields,
  verifyLinkage,
  verifyProposalTxHashes,
  verifyProposerSignature,
  verifyQuorum,
} from '../../src/verify/rules'
import { addressOf, cryptoBackend, initCrypto, recoverAddressNoble, signDigest } from '../../src/verify/secp256k1'

// ------------------------------------------------------------------ fixtures

const L2 = 1337
const DOMAIN: SigningDomain = { l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' }
const OTHER_ROLLUP: SigningDomain = { l1ChainId: 31337, rollup: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' }
const OTHER_L1: SigningDomain = { l1ChainId: 1, rollup: DOMAIN.rollup }

interface Member {
  key: Hex
  address: Address
}
const member = (label: string): Member => {
  const key = keccak256Hex(new TextEncoder().encode(label))
  return { key, address: addressOf(key) }
}
const MEMBERS: Member[] = Array.from({ length: 48 }, (_, i) => member(`vigil-test-validator-${i}`))
const COMMITTEE: Address[] = MEMBERS.map((m) => m.address)
const OUTSIDER = member('vigil-test-outsider')
const PROPOSER = MEMBERS[7]!

function codeOf(fn: () => unknown): ErrorCode | null {
  try {
    fn()
    return null
  } catch (e) {
    if (!(e instanceof VigilError)) throw e
    return e.code
  }
}

function txs(start: number, count: number): Tx[] {
  return Array.from({ length: count }, (_, k) => {
    const i = start + k
    return { version: TX_VERSION, sender: `0x${(0xa000 + i).toString(16).padStart(40, '0')}`, nonce: i, fee: 10 + i, payload: bytesToHex(Uint8Array.from([i, i >> 8, 1, 2, 3])) }
  })
}

interface Block {
  header: BlockHeader
  bodyBytes: Uint8Array
  txs: Tx[]
}

/** A chain from the genesis: checkpoint c (1-based) has blocksPer[c-1] blocks in slot 10 + 2c. */
function chain(blocksPer: number[]): { blocks: Block[]; checkpoints: Checkpoint[] } {
  const blocks: Block[] = []
  const checkpoints: Checkpoint[] = []
  let parentHash = ZERO_HASH
  let stateRoot = ZERO_HASH
  let n = 0
  blocksPer.forEach((count, c) => {
    const headers: BlockHeader[] = []
    for (let i = 0; i < count; i++) {
      const t = txs(n, 1 + ((n * 3) % 4))
      n += t.length
      const bodyBytes = encodeBody({ version: BODY_VERSION, txEffects: t.map(executeTx) })
      const bodyHash = bodyHashOf(bodyBytes)
      stateRoot = nextStateRoot(stateRoot, bodyHash)
      const header: BlockHeader = {
        version: HEADER_VERSION,
        chainId: L2,
        height: blocks.length + 1,
        slot: 10 + 2 * (c + 1),
        checkpointNumber: c + 1,
        indexInCheckpoint: i,
        timestamp: 1_700_000_000_000 + blocks.length * 1000,
        parentHash,
        bodyHash,
        stateRoot,
        proposer: PROPOSER.address,
        txCount: t.length,
      }
      parentHash = headerHash(header)
      blocks.push({ header, bodyBytes, txs: t })
      headers.push(header)
    }
    checkpoints.push({ version: CHECKPOINT_VERSION, checkpointNumber: c + 1, slot: 10 + 2 * (c + 1), headers, blobVersionedHashes: [`0x01${'ab'.repeat(31)}`] })
  })
  return { blocks, checkpoints }
}

const { blocks, checkpoints } = chain([3, 2, 4])
const CP = checkpoints[1]!
const DIGEST = checkpointDigest(CP)
const attestDigest = (d: SigningDomain = DOMAIN, digest: Hex = DIGEST) => signingDigest(d, 'CheckpointAttestation', digest)
const attest = (m: Member, d: SigningDomain = DOMAIN, digest: Hex = DIGEST) => signDigest(m.key, attestDigest(d, digest))
const highS = (sig: Uint8Array) => {
  const p = splitSignature(sig)
  return joinSignature(p.r, SECP256K1_N - p.s, 1 - p.recovery)
}
/** A second, different valid signature by the same key (random k instead of RFC 6979). */
const resign = (m: Member, digest: Uint8Array) => {
  const rec = noble.sign(digest, hexToBytes(m.key), { prehash: false, lowS: true, format: 'recovered', extraEntropy: true })
  return joinSignature(BigInt(bytesToHex(rec.subarray(1, 33))), BigInt(bytesToHex(rec.subarray(33, 65))), rec[0]!)
}
const with_ = (h: BlockHeader, patch: Partial<BlockHeader>): BlockHeader => ({ ...h, ...patch })

// ------------------------------------------------------------------ tests

describe('before initCrypto: the rules run on the noble fallback', () => {
  it('verifyQuorum and verifyProposerSignature give the same answers', () => {
    expect(cryptoBackend()).toBe('noble')
    const sigs = MEMBERS.slice(0, 33).map((m) => attest(m))
    expect(verifyQuorum(DOMAIN, DIGEST, sigs, COMMITTEE).valid).toBe(true)
    const h = blocks[0]!.header
    verifyProposerSignature(DOMAIN, h, signDigest(PROPOSER.key, signingDigest(DOMAIN, 'BlockProposal', headerHash(h))), PROPOSER.address)
  })
})

describe('with the WASM backend', () => {
  beforeAll(async () => {
    await initCrypto()
    expect(cryptoBackend()).toBe('libsecp256k1-wasm')
  })

  describe('verifyHeaderFields', () => {
    const h = blocks[4]!.header
    it('accepts a well-formed header', () => expect(codeOf(() => verifyHeaderFields(h, { l2ChainId: L2 }))).toBeNull())
    const cases: [string, Partial<BlockHeader>, ErrorCode][] = [
      ['another L2 chain', { chainId: L2 + 1 }, 'WRONG_CHAIN'],
      ['an unknown version', { version: 2 }, 'DECODE_UNKNOWN_VERSION'],
      ['height 0', { height: 0 }, 'DECODE_INVALID_FIELD'],
      ['checkpoint 0', { checkpointNumber: 0 }, 'DECODE_INVALID_FIELD'],
      ['index 32', { indexInCheckpoint: 32 }, 'DECODE_INVALID_FIELD'],
      ['4097 txs', { txCount: 4097 }, 'DECODE_TOO_LARGE'],
      ['the zero proposer', { proposer: `0x${'00'.repeat(20)}` }, 'WRONG_PROPOSER'],
    ]
    for (const [name, patch, code] of cases) it(`rejects ${name}: ${code}`, () => expect(codeOf(() => verifyHeaderFields(with_(h, patch), { l2ChainId: L2 }))).toBe(code))

    it('with a schedule, the timestamp must lie in the header slot (SLOT_MISMATCH)', () => {
      const schedule: Schedule = { genesisTime: 1_700_000_000, slotDuration: 12, epochDuration: 32 }
      // slot 10 runs from genesis + 120 s to genesis + 132 s
      const inSlot = with_(h, { slot: 10, timestamp: (1_700_000_000 + 120 + 5) * 1000 })
      expect(codeOf(() => verifyHeaderFields(inSlot, { l2ChainId: L2, schedule }))).toBeNull()
      expect(codeOf(() => verifyHeaderFields(with_(inSlot, { slot: 11 }), { l2ChainId: L2, schedule }))).toBe('SLOT_MISMATCH')
    })
  })

  describe('verifyLinkage / verifyGenesisLink', () => {
    it('accepts every link of a 9-block chain over 3 checkpoints, and block 1 on the genesis', () => {
      verifyGenesisLink(blocks[0]!.header)
      for (let i = 1; i < blocks.length; i++) verifyLinkage(blocks[i - 1]!.header, blocks[i]!.header)
    })

    const parent = blocks[3]!.header // checkpoint 2, index 0
    const child = blocks[4]!.header // checkpoint 2, index 1
    const nextCp = blocks[5]!.header // checkpoint 3, index 0
    const cases: [string, BlockHeader, BlockHeader, ErrorCode][] = [
      ['another chain id', parent, with_(child, { chainId: L2 + 1 }), 'WRONG_CHAIN'],
      ['a height gap', parent, with_(child, { height: child.height + 1 }), 'HEIGHT_NOT_CONSECUTIVE'],
      ['the same height', parent, with_(child, { height: parent.height }), 'HEIGHT_NOT_CONSECUTIVE'],
      ['a wrong parent hash', parent, with_(child, { parentHash: keccak256Hex(Uint8Array.of(1)) }), 'PARENT_MISMATCH'],
      ['a parent from another branch', with_(parent, { timestamp: parent.timestamp + 1 }), child, 'PARENT_MISMATCH'],
      ['a state root that does not follow', parent, with_(child, { stateRoot: keccak256Hex(Uint8Array.of(2)) }), 'PARENT_MISMATCH'],
      ['a body hash the state root does not cover', parent, with_(child, { bodyHash: keccak256Hex(Uint8Array.of(3)) }), 'PARENT_MISMATCH'],
      ['a slot before the parent', parent, with_(child, { slot: parent.slot - 1 }), 'SLOT_MISMATCH'],
      ['another slot inside one checkpoint', parent, with_(child, { slot: child.slot + 1 }), 'SLOT_MISMATCH'],
      ['a wrong index inside one checkpoint', parent, with_(child, { indexInCheckpoint: 2 }), 'CHECKPOINT_MISMATCH'],
      ['a checkpoint number going back', child, with_(nextCp, { checkpointNumber: 1 }), 'CHECKPOINT_MISMATCH'],
      ['a skipped checkpoint number', child, with_(nextCp, { checkpointNumber: 4 }), 'CHECKPOINT_MISMATCH'],
      ['a new checkpoint in the same slot', child, with_(nextCp, { slot: child.slot }), 'SLOT_MISMATCH'],
      ['a new checkpoint in an earlier slot', child, with_(nextCp, { slot: child.slot - 1 }), 'SLOT_MISMATCH'],
      ['a new checkpoint not at index 0', child, with_(nextCp, { indexInCheckpoint: 1 }), 'CHECKPOINT_MISMATCH'],
    ]
    for (const [name, p, c, code] of cases) {
      it(`rejects ${name}: ${code}`, () => {
        // re-link hashes where the case is about another field, so that field is what fails
        const relinked = code === 'PARENT_MISMATCH' || code === 'HEIGHT_NOT_CONSECUTIVE' || code === 'WRONG_CHAIN' ? c : with_(c, { parentHash: headerHash(p) })
        expect(codeOf(() => verifyLinkage(p, relinked))).toBe(code)
      })
    }

    it('the slot check fires on a correctly hashed child whose slot goes back', () => {
      const p = blocks[2]!.header // checkpoint 1, last block
      const c = with_(blocks[3]!.header, { slot: p.slot - 1 })
      expect(codeOf(() => verifyLinkage(p, c))).toBe('SLOT_MISMATCH')
    })

    it('errors are hard and carry details', () => {
      try {
        verifyLinkage(parent, with_(child, { parentHash: ZERO_HASH }))
        expect.unreachable()
      } catch (e) {
        const r = (e as VigilError).toRecord()
        expect(r).toMatchObject({ code: 'PARENT_MISMATCH', severity: 'hard', details: { height: child.height, got: ZERO_HASH, expected: headerHash(parent) } })
      }
    })

    it('genesis link: zero parent hash, state root from ZERO_HASH, checkpoint 1 at index 0', () => {
      const g = blocks[0]!.header
      expect(g.stateRoot).toBe(keccak256Hex(concatBytes(hexToBytes(ZERO_HASH), hexToBytes(g.bodyHash))))
      expect(codeOf(() => verifyGenesisLink(with_(g, { parentHash: keccak256Hex(Uint8Array.of(9)) })))).toBe('PARENT_MISMATCH')
      expect(codeOf(() => verifyGenesisLink(with_(g, { stateRoot: g.bodyHash })))).toBe('PARENT_MISMATCH')
      expect(codeOf(() => verifyGenesisLink(with_(g, { checkpointNumber: 2 })))).toBe('CHECKPOINT_MISMATCH')
      expect(codeOf(() => verifyGenesisLink(blocks[5]!.header))).toBeNull() // not block 1: nothing to check
    })
  })

  describe('verifyCheckpointHeaders', () => {
    it('accepts each checkpoint, on its parent or (checkpoint 1) on the genesis', () => {
      verifyCheckpointHeaders(checkpoints[0]!)
      verifyCheckpointHeaders(checkpoints[1]!, { parent: checkpoints[0]!.headers.at(-1)! })
      verifyCheckpointHeaders(checkpoints[2]!, { parent: checkpoints[1]!.headers.at(-1)! })
      verifyCheckpointHeaders(checkpoints[2]!) // parent unknown: internal checks only
    })
    const cp = checkpoints[2]!
    it('CHECKPOINT_MISMATCH: wrong indices, number, or no headers', () => {
      expect(codeOf(() => verifyCheckpointHeaders({ ...cp, headers: [cp.headers[1]!, cp.headers[0]!, ...cp.headers.slice(2)] }))).toBe('CHECKPOINT_MISMATCH')
      expect(codeOf(() => verifyCheckpointHeaders({ ...cp, checkpointNumber: 2 }))).toBe('CHECKPOINT_MISMATCH')
      expect(codeOf(() => verifyCheckpointHeaders({ ...cp, headers: [] }))).toBe('CHECKPOINT_MISMATCH')
    })
    it('SLOT_MISMATCH: headers in another slot than the checkpoint', () => {
      expect(codeOf(() => verifyCheckpointHeaders({ ...cp, slot: cp.slot + 1 }))).toBe('SLOT_MISMATCH')
    })
    it('PARENT_MISMATCH: a header not linked to the one before it, or to the given parent', () => {
      const broken = cp.headers.map((h, i) => (i === 2 ? with_(h, { parentHash: ZERO_HASH }) : h))
      expect(codeOf(() => verifyCheckpointHeaders({ ...cp, headers: broken }))).toBe('PARENT_MISMATCH')
      expect(codeOf(() => verifyCheckpointHeaders(cp, { parent: checkpoints[0]!.headers.at(-1)! }))).toBe('HEIGHT_NOT_CONSECUTIVE')
      expect(codeOf(() => verifyCheckpointHeaders(cp, { parent: with_(checkpoints[1]!.headers.at(-1)!, { timestamp: 1 }) }))).toBe('PARENT_MISMATCH')
    })
    it('checkpoint 1 without a parent must start on the genesis', () => {
      const c1 = checkpoints[0]!
      const h0 = with_(c1.headers[0]!, { parentHash: keccak256Hex(Uint8Array.of(7)) })
      expect(codeOf(() => verifyCheckpointHeaders({ ...c1, headers: [h0] }))).toBe('PARENT_MISMATCH')
    })
  })

  describe('verifyProposerSignature', () => {
    const h = blocks[4]!.header
    const sign = (m: Member, header = h, d = DOMAIN, kind: 'BlockProposal' | 'CheckpointProposal' = 'BlockProposal') =>
      signDigest(m.key, signingDigest(d, kind, headerHash(header)))
    it('accepts the slot proposer’s signature over the header hash (checksummed or not)', () => {
      verifyProposerSignature(DOMAIN, h, sign(PROPOSER), PROPOSER.address)
      verifyProposerSignature(DOMAIN, with_(h, {}), sign(PROPOSER), PROPOSER.address.toUpperCase().replace('0X', '0x') as Address)
    })
    it('WRONG_PROPOSER: the header names someone else than the slot’s proposer', () => {
      expect(codeOf(() => verifyProposerSignature(DOMAIN, h, sign(PROPOSER), MEMBERS[0]!.address))).toBe('WRONG_PROPOSER')
    })
    const bad: [string, () => Uint8Array, BlockHeader?][] = [
      ['signed by another member', () => sign(MEMBERS[0]!)],
      ['signed over another header', () => sign(PROPOSER, blocks[3]!.header)],
      ['a tampered header (txCount)', () => sign(PROPOSER), with_(h, { txCount: h.txCount + 1 })],
      ['signed for another rollup', () => sign(PROPOSER, h, OTHER_ROLLUP)],
      ['signed for another L1', () => sign(PROPOSER, h, OTHER_L1)],
      ['signed as another message kind', () => sign(PROPOSER, h, DOMAIN, 'CheckpointProposal')],
      ['high-s twin of a valid signature', () => highS(sign(PROPOSER))],
      ['64 bytes', () => sign(PROPOSER).subarray(0, 64)],
    ]
    for (const [name, make, header] of bad) {
      it(`BAD_SIGNATURE: ${name}`, () => expect(codeOf(() => verifyProposerSignature(DOMAIN, header ?? h, make(), PROPOSER.address))).toBe('BAD_SIGNATURE'))
    }
  })

  describe('verifyCheckpointProposalSignature', () => {
    const sig = signDigest(PROPOSER.key, signingDigest(DOMAIN, 'CheckpointProposal', DIGEST))
    it('accepts the proposer’s signature over the checkpoint digest', () => verifyCheckpointProposalSignature(DOMAIN, CP, sig, PROPOSER.address))
    it('WRONG_PROPOSER: the slot belongs to someone else, or a header names someone else', () => {
      expect(codeOf(() => verifyCheckpointProposalSignature(DOMAIN, CP, sig, MEMBERS[1]!.address))).toBe('WRONG_PROPOSER')
      const cp = { ...CP, headers: CP.headers.map((h, i) => (i === 1 ? with_(h, { proposer: MEMBERS[1]!.address }) : h)) }
      expect(codeOf(() => verifyCheckpointProposalSignature(DOMAIN, cp, sig, PROPOSER.address))).toBe('WRONG_PROPOSER')
    })
    it('BAD_SIGNATURE: other signer, other checkpoint, other kind, other domain, high s', () => {
      const cases = [
        signDigest(MEMBERS[1]!.key, signingDigest(DOMAIN, 'CheckpointProposal', DIGEST)),
        signDigest(PROPOSER.key, signingDigest(DOMAIN, 'CheckpointProposal', checkpointDigest(checkpoints[2]!))),
        signDigest(PROPOSER.key, signingDigest(DOMAIN, 'CheckpointAttestation', DIGEST)),
        signDigest(PROPOSER.key, signingDigest(OTHER_ROLLUP, 'CheckpointProposal', DIGEST)),
        highS(sig),
      ]
      for (const s of cases) expect(codeOf(() => verifyCheckpointProposalSignature(DOMAIN, CP, s, PROPOSER.address))).toBe('BAD_SIGNATURE')
      // a changed blob hash changes the digest
      expect(codeOf(() => verifyCheckpointProposalSignature(DOMAIN, { ...CP, blobVersionedHashes: [`0x01${'cd'.repeat(31)}`] }, sig, PROPOSER.address))).toBe('BAD_SIGNATURE')
    })
  })

  describe('verifyQuorum (48-member committee, quorum 33)', () => {
    const all = MEMBERS.map((m) => attest(m))
    it('quorumOf(48) = 33', () => expect(quorumOf(48)).toBe(33))

    it('exactly quorum (33 signatures) passes', () => {
      const r = verifyQuorum(DOMAIN, DIGEST, all.slice(0, 33), COMMITTEE)
      expect(r).toEqual({ signers: COMMITTEE.slice(0, 33), committeeSize: 48, quorum: 33, valid: true })
    })
    it('all 48 pass, in any order', () => {
      const r = verifyQuorum(DOMAIN, DIGEST, [...all].reverse(), COMMITTEE)
      expect(r.valid).toBe(true)
      expect(r.signers.length).toBe(48)
    })
    it('32 signatures fail: QUORUM_NOT_REACHED (hard)', () => {
      const r = verifyQuorum(DOMAIN, DIGEST, all.slice(0, 32), COMMITTEE)
      expect(r.valid).toBe(false)
      expect(r.signers.length).toBe(32)
      expect(r.error).toMatchObject({ code: 'QUORUM_NOT_REACHED', severity: 'hard', details: { signers: 32, committeeSize: 48, quorum: 33 } })
    })
    it('an outsider’s signature: SIGNER_NOT_IN_COMMITTEE (hard), even with quorum otherwise', () => {
      const r = verifyQuorum(DOMAIN, DIGEST, [...all.slice(0, 33), attest(OUTSIDER)], COMMITTEE)
      expect(r.valid).toBe(false)
      expect(r.error).toMatchObject({ code: 'SIGNER_NOT_IN_COMMITTEE', severity: 'hard', details: { index: 33, signer: OUTSIDER.address } })
      expect(r.signers.length).toBe(33)
    })
    it('the same signature twice: DUPLICATE_SIGNER (hard)', () => {
      const r = verifyQuorum(DOMAIN, DIGEST, [...all.slice(0, 33), all[5]!], COMMITTEE)
      expect(r.error).toMatchObject({ code: 'DUPLICATE_SIGNER', severity: 'hard', details: { index: 33, signer: COMMITTEE[5]! } })
      expect(r.valid).toBe(false)
    })
    it('two different valid signatures by one member: DUPLICATE_SIGNER, and it counts once', () => {
      const second = resign(MEMBERS[5]!, attestDigest())
      expect(bytesToHex(second)).not.toBe(bytesToHex(all[5]!))
      const r = verifyQuorum(DOMAIN, DIGEST, [...all.slice(0, 32), second], COMMITTEE)
      expect(r.error?.code).toBe('DUPLICATE_SIGNER')
      expect(r.signers.length).toBe(32)
    })
    it('the high-s twin of a valid signature: BAD_SIGNATURE', () => {
      const r = verifyQuorum(DOMAIN, DIGEST, [...all.slice(0, 33), highS(all[40]!)], COMMITTEE)
      expect(r.error).toMatchObject({ code: 'BAD_SIGNATURE', details: { index: 33 } })
      expect(r.valid).toBe(false)
    })
    it('garbage bytes: BAD_SIGNATURE', () => {
      const r = verifyQuorum(DOMAIN, DIGEST, [new Uint8Array(65), ...all.slice(0, 33)], COMMITTEE)
      expect(r.error).toMatchObject({ code: 'BAD_SIGNATURE', details: { index: 0 } })
    })
    it('a signature over another rollup’s (or L1’s) domain does not count: it recovers to a stranger', () => {
      const foreign = attest(MEMBERS[40]!, OTHER_ROLLUP)
      const r = verifyQuorum(DOMAIN, DIGEST, [...all.slice(0, 32), foreign], COMMITTEE)
      expect(r.signers.length).toBe(32)
      expect(r.signers).not.toContain(MEMBERS[40]!.address)
      expect(r.valid).toBe(false)
      expect(r.error?.code).toBe('SIGNER_NOT_IN_COMMITTEE')
      // the foreign-domain signature is valid where it belongs
      expect(verifyQuorum(OTHER_ROLLUP, DIGEST, MEMBERS.slice(8, 41).map((m) => attest(m, OTHER_ROLLUP)), COMMITTEE).valid).toBe(true)
      const onOtherL1 = MEMBERS.slice(0, 33).map((m) => attest(m, OTHER_L1))
      expect(verifyQuorum(DOMAIN, DIGEST, onOtherL1, COMMITTEE).signers).toEqual([])
    })
    it('a quorum for another checkpoint does not count for this one', () => {
      const other = MEMBERS.slice(0, 33).map((m) => attest(m, DOMAIN, checkpointDigest(checkpoints[2]!)))
      const r = verifyQuorum(DOMAIN, DIGEST, other, COMMITTEE)
      expect(r.valid).toBe(false)
      expect(r.signers).toEqual([])
    })
    it('an empty committee: COMMITTEE_UNKNOWN (soft)', () => {
      const r = verifyQuorum(DOMAIN, DIGEST, all.slice(0, 33), [])
      expect(r.valid).toBe(false)
      expect(r.error).toMatchObject({ code: 'COMMITTEE_UNKNOWN', severity: 'soft' })
    })
    it('committee addresses compare case-insensitively', () => {
      const mixed = COMMITTEE.map((a) => a.toUpperCase().replace('0X', '0x') as Address)
      expect(verifyQuorum(DOMAIN, DIGEST, all.slice(0, 33), mixed).valid).toBe(true)
    })
    it('agrees with a naive reference (noble recover + count) on random subsets', () => {
      let seed = 12345
      const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff)
      for (let round = 0; round < 12; round++) {
        const size = Math.floor(rand() * 49)
        const picked = [...MEMBERS.keys()].sort(() => rand() - 0.5).slice(0, size)
        const sigs = picked.map((i) => all[i]!)
        const naive = new Set(sigs.map((s) => recoverAddressNoble(attestDigest(), s)).filter((a) => COMMITTEE.includes(a)))
        const r = verifyQuorum(DOMAIN, DIGEST, sigs, COMMITTEE)
        expect(new Set(r.signers)).toEqual(naive)
        expect(r.valid).toBe(naive.size >= 33)
      }
    })
  })

  describe('QuorumTracker (gossip, one attestation at a time)', () => {
    it('reaches quorum exactly at the 33rd distinct member', () => {
      const t = new QuorumTracker(DOMAIN, DIGEST, COMMITTEE)
      expect(t.quorum).toBe(33)
      expect(t.committeeSize).toBe(48)
      for (let i = 0; i < 33; i++) {
        expect(t.reached).toBe(false)
        expect(t.add(attest(MEMBERS[i]!))).toEqual({ signer: COMMITTEE[i], status: 'accepted' })
      }
      expect(t.reached).toBe(true)
      expect(t.signers).toEqual(COMMITTEE.slice(0, 33))
      expect(t.count).toBe(33)
      expect(t.has(COMMITTEE[0]!)).toBe(true)
    })
    it('duplicates (same bytes or a re-signature) are ignored and not counted', () => {
      const t = new QuorumTracker(DOMAIN, DIGEST, COMMITTEE)
      const s = attest(MEMBERS[3]!)
      expect(t.add(s).status).toBe('accepted')
      expect(t.add(s)).toEqual({ signer: COMMITTEE[3], status: 'duplicate' })
      expect(t.add(resign(MEMBERS[3]!, attestDigest()))).toEqual({ signer: COMMITTEE[3], status: 'duplicate' })
      expect(t.count).toBe(1)
    })
    it('outsiders, foreign domains and bad signatures are reported and not counted', () => {
      const t = new QuorumTracker(DOMAIN, DIGEST, COMMITTEE)
      expect(t.add(attest(OUTSIDER))).toMatchObject({ signer: OUTSIDER.address, status: 'outsider', error: { code: 'SIGNER_NOT_IN_COMMITTEE' } })
      expect(t.add(attest(MEMBERS[1]!, OTHER_ROLLUP)).status).toBe('outsider')
      expect(t.add(highS(attest(MEMBERS[1]!)))).toMatchObject({ signer: null, status: 'bad', error: { code: 'BAD_SIGNATURE' } })
      expect(t.add(new Uint8Array(10)).status).toBe('bad')
      expect(t.count).toBe(0)
      // the member's own valid signature still counts afterwards
      expect(t.add(attest(MEMBERS[1]!)).status).toBe('accepted')
    })
    it('an empty committee cannot be tracked: COMMITTEE_UNKNOWN (soft)', () => {
      try {
        new QuorumTracker(DOMAIN, DIGEST, [])
        expect.unreachable()
      } catch (e) {
        expect((e as VigilError).toRecord()).toMatchObject({ code: 'COMMITTEE_UNKNOWN', severity: 'soft' })
      }
    })
    it('agrees with verifyQuorum on the same stream', () => {
      const stream = [...MEMBERS.slice(10, 44).map((m) => attest(m)), attest(OUTSIDER), attest(MEMBERS[10]!)]
      const t = new QuorumTracker(DOMAIN, DIGEST, COMMITTEE)
      for (const s of stream) t.add(s)
      expect(t.signers).toEqual(verifyQuorum(DOMAIN, DIGEST, stream, COMMITTEE).signers)
      expect(t.reached).toBe(true)
    })
  })

  describe('verifyBody / verifyBodyFromTxs / verifyProposalTxHashes', () => {
    const b = blocks[6]!
    it('accepts the body the header commits to, and returns it decoded', () => {
      const body = verifyBody(b.header, b.bodyBytes)
      expect(body).toEqual(decodeBody(b.bodyBytes))
      expect(body.txEffects.length).toBe(b.header.txCount)
    })
    it('BODY_MISMATCH: another body, a flipped byte, or a wrong tx count', () => {
      expect(codeOf(() => verifyBody(b.header, blocks[5]!.bodyBytes))).toBe('BODY_MISMATCH')
      const flipped = b.bodyBytes.slice()
      flipped[10]! ^= 0x80
      expect(codeOf(() => verifyBody(b.header, flipped))).toBe('BODY_MISMATCH')
      expect(codeOf(() => verifyBody(with_(b.header, { txCount: b.header.txCount + 1 }), b.bodyBytes))).toBe('BODY_MISMATCH')
    })
    it('DECODE_*: bytes that match the hash but do not decode', () => {
      const truncated = b.bodyBytes.subarray(0, b.bodyBytes.length - 1)
      expect(codeOf(() => verifyBody(with_(b.header, { bodyHash: bodyHashOf(truncated) }), truncated))).toBe('DECODE_TRUNCATED')
      const trailing = concatBytes(b.bodyBytes, Uint8Array.of(0))
      expect(codeOf(() => verifyBody(with_(b.header, { bodyHash: bodyHashOf(trailing) }), trailing))).toBe('DECODE_TRAILING_BYTES')
      const v2 = Uint8Array.from(b.bodyBytes)
      v2[0] = 2
      expect(codeOf(() => verifyBody(with_(b.header, { bodyHash: bodyHashOf(v2) }), v2))).toBe('DECODE_UNKNOWN_VERSION')
    })
    it('re-execution: the block’s txs rebuild its body', () => {
      expect(encodeBody(verifyBodyFromTxs(b.header, b.txs))).toEqual(b.bodyBytes)
    })
    it('re-execution: BODY_MISMATCH for a missing, changed, extra or reordered tx', () => {
      expect(codeOf(() => verifyBodyFromTxs(b.header, b.txs.slice(1)))).toBe('BODY_MISMATCH')
      expect(codeOf(() => verifyBodyFromTxs(b.header, [{ ...b.txs[0]!, fee: b.txs[0]!.fee + 1 }, ...b.txs.slice(1)]))).toBe('BODY_MISMATCH')
      expect(codeOf(() => verifyBodyFromTxs(b.header, [...b.txs, b.txs[0]!]))).toBe('BODY_MISMATCH')
      expect(b.txs.length).toBeGreaterThan(1)
      expect(codeOf(() => verifyBodyFromTxs(b.header, [...b.txs].reverse()))).toBe('BODY_MISMATCH')
      expect(codeOf(() => verifyBodyFromTxs(b.header, [{ ...b.txs[0]!, version: 9 }, ...b.txs.slice(1)]))).toBe('DECODE_UNKNOWN_VERSION')
    })
    it('proposal tx hashes must list the body’s txs in order', () => {
      const body = decodeBody(b.bodyBytes)
      const hashes = body.txEffects.map((e) => e.txHash)
      verifyProposalTxHashes(b.header, body, hashes)
      expect(codeOf(() => verifyProposalTxHashes(b.header, body, hashes.slice(1)))).toBe('TX_HASHES_MISMATCH')
      expect(codeOf(() => verifyProposalTxHashes(b.header, body, [...hashes].reverse()))).toBe('TX_HASHES_MISMATCH')
    })
  })
})
