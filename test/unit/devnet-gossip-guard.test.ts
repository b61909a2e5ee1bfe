/**
 * The devnet's gossip guard and attestation collector (src/devnet/gossip-guard.ts,
 * src/devnet/attestations.ts) on crafted inputs: what is rejected (and so penalised), what
 * is ignored, and that nothing but distinct committee members' signatures can be posted.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Address } from '../../src/core/types'
import { isVigilError } from '../../src/core/errors'
import { topics as topicsFor } from '../../src/protocol/topics'
import { signingDigest, type SigningDomain } from '../../src/protocol/domain'
import { slotAt, type Schedule } from '../../src/protocol/schedule'
import { ATTESTATION_VERSION, decodeAttestation, encodeAttestation } from '../../src/protocol/checkpoint'
import { SECP256K1_N, joinSignature, splitSignature } from '../../src/protocol/signature'
import { initCrypto, signDigest } from '../../src/verify/secp256k1'
import { ChainBuilder, validatorKeys } from '../../src/devnet/builder'
import { createGossipGuard } from '../../src/devnet/gossip-guard'
import { AttestationCollector, checkPostable } from '../../src/devnet/attestations'
import type { PeerId } from '@libp2p/interface'

const L2 = 7771
const domain: SigningDomain = { l1ChainId: 31337, rollup: `0x${'ab'.repeat(20)}` as Address }
const schedule: Schedule = { genesisTime: Math.floor(Date.now() / 1000) - 100, slotDuration: 4, epochDuration: 8 }
const committee = validatorKeys(6)
const members = committee.map((v) => v.address.toLowerCase() as Address)
const outsider = validatorKeys(1, 'outsider-')[0]!
const t = topicsFor(L2)
const slot = slotAt(schedule, Date.now() / 1000)
const digest = `0x${'cd'.repeat(32)}` as const
const from = {} as PeerId
const meta = { topic: '', msgId: '', origin: null, signal: new AbortController().signal }

const att = (signer: { privateKey: `0x${string}` }, s = slot, d: SigningDomain = domain) =>
  encodeAttestation({ version: ATTESTATION_VERSION, checkpointDigest: digest, slot: s, signature: signDigest(signer.privateKey, signingDigest(d, 'CheckpointAttestation', digest)) })

function guard(opts: { collector?: AttestationCollector } = {}) {
  const g = createGossipGuard({
    domain,
    l2ChainId: L2,
    schedule,
    topics: t,
    committeeOf: async () => members,
    proposerOf: async () => committee[0]!.address,
    ...(opts.collector ? { onAttestation: (a) => opts.collector!.offer(a) } : {}),
  })
  const handler = (topic: string) => g.handlers.find((h) => h.topic === topic)!.handler
  return { g, judge: (topic: string, data: Uint8Array) => handler(topic)(data, from, { ...meta, topic }) }
}

beforeAll(async () => {
  await initCrypto()
})

describe('devnet gossip guard', () => {
  it('attestations: a member is accepted; an outsider, another rollup, a high-s twin, junk are rejected; a far slot is ignored', async () => {
    const { g, judge } = guard()
    expect(await judge(t.checkpointAttestation, att(committee[1]!))).toBe('accept')
    expect(await judge(t.checkpointAttestation, att(outsider))).toBe('reject')
    expect(await judge(t.checkpointAttestation, att(committee[1]!, slot, { ...domain, rollup: `0x${'11'.repeat(20)}` as Address }))).toBe('reject')
    const real = decodeAttestation(att(committee[2]!))
    const { r, s, recovery } = splitSignature(real.signature)
    expect(await judge(t.checkpointAttestation, encodeAttestation({ ...real, signature: joinSignature(r, SECP256K1_N - s, 1 - recovery) }))).toBe('reject')
    expect(await judge(t.checkpointAttestation, new Uint8Array(106))).toBe('reject')
    expect(await judge(t.checkpointAttestation, att(committee[1]!, slot + 1000))).toBe('ignore')
    expect(g.counters.checkpointAttestation).toMatchObject({ accept: 1, reject: 4, ignore: 1 })
    expect(g.counters.checkpointAttestation.byCode.SIGNER_NOT_IN_COMMITTEE).toBe(2)
    expect(g.counters.checkpointAttestation.byCode.BAD_SIGNATURE).toBe(1)
  })

  it('block proposals: the slot proposer’s is accepted; an outsider’s, one naming the proposer but signed by another, another chain’s are rejected', async () => {
    const { judge } = guard()
    const b = new ChainBuilder(domain, L2)
    expect(await judge(t.blockProposal, b.buildBlock({ slot, indexInCheckpoint: 0, proposer: committee[0]! }).proposalBytes)).toBe('accept')
    expect(await judge(t.blockProposal, b.buildBlock({ slot, indexInCheckpoint: 1, proposer: outsider }).proposalBytes)).toBe('reject')
    expect(await judge(t.blockProposal, b.buildBlock({ slot, indexInCheckpoint: 1, proposer: { privateKey: outsider.privateKey, address: committee[0]!.address } }).proposalBytes)).toBe('reject')
    expect(await judge(t.blockProposal, new ChainBuilder(domain, L2 + 1).buildBlock({ slot, indexInCheckpoint: 0, proposer: committee[0]! }).proposalBytes)).toBe('reject')
    expect(await judge(t.blockProposal, crypto.getRandomValues(new Uint8Array(300)))).toBe('reject')
  })
})

describe('attestation collector', () => {
  it('keeps one signature per member of the checkpoint’s committee with its slot; rejects outsiders and a lying slot; ignores a second copy', async () => {
    const collector = new AttestationCollector(domain)
    const c = collector.collect(digest, slot, members.slice(0, 3)) // the checkpoint's committee: 3 of the 6
    const { judge } = guard({ collector })
    expect(await judge(t.checkpointAttestation, att(committee[0]!))).toBe('accept')
    expect(await judge(t.checkpointAttestation, att(committee[0]!))).toBe('ignore')
    // a member of the slot's epoch committee (as the guard sees it) but not of this checkpoint's
    expect(await judge(t.checkpointAttestation, att(committee[4]!))).toBe('reject')
    expect(await judge(t.checkpointAttestation, att(committee[1]!, slot - 1))).toBe('reject')
    expect(await judge(t.checkpointAttestation, att(committee[1]!))).toBe('accept')
    expect(c.count).toBe(2)
    expect(c.refused).toMatchObject({ outsider: 1, duplicate: 1, wrongSlot: 1 })
    await c.until(2, new AbortController().signal)
    expect(checkPostable(domain, digest, c.signatures(), members.slice(0, 3))).toEqual(members.slice(0, 2))
    collector.close(digest)
  })

  it('checkPostable refuses a list holding an outsider or a member twice', () => {
    const sig = (k: { privateKey: `0x${string}` }) => signDigest(k.privateKey, signingDigest(domain, 'CheckpointAttestation', digest))
    const refused = (sigs: Uint8Array[]) => {
      try {
        checkPostable(domain, digest, sigs, members)
        return null
      } catch (e) {
        return isVigilError(e) ? e.code : 'not coded'
      }
    }
    expect(refused([sig(committee[0]!), sig(outsider)])).toBe('SIGNER_NOT_IN_COMMITTEE')
    expect(refused([sig(committee[0]!), sig(committee[0]!)])).toBe('DUPLICATE_SIGNER')
    expect(refused([sig(committee[0]!), sig(committee[1]!)])).toBeNull()
  })
})
