/**
 * Peer control (issue 3 item 9) with real libp2p nodes and a real devnet:
 * - allow / deny lists (ClientConfig.allowPeers / denyPeers → the connection gater): a denied
 *   or not-allowed peer in the client's own bootstrap list is never connected, while the client
 *   syncs from the allowed one;
 * - gossip validation with penalties: a rogue node publishing garbage, a block proposal naming the
 *   wrong proposer and one with a forged signature is rejected (hard) and its gossipsub score in the
 *   client's node drops below zero; a node sending only messages the client cannot check yet
 *   (attestations for checkpoints it has not seen: soft, ignore) is not penalised; the devnet's
 *   honest node keeps a non-negative score.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import { parseClientConfig } from '../../src/client/shared/config'
import type { LightClient } from '../../src/client/worker/light-client'
import { isVigilError } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { createP2PNode, publish, subscribeTopic, waitForSubscribers, type P2PNode } from '../../src/p2p/node'
import { topics as topicsFor } from '../../src/protocol/topics'
import { ATTESTATION_VERSION, encodeAttestation } from '../../src/protocol/checkpoint'
import { slotAt } from '../../src/protocol/schedule'
import { ChainBuilder, validatorKeys } from '../../src/devnet/builder'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { keccak256Hex } from '../../src/protocol/hash'
import { initCrypto } from '../../src/verify/secp256k1'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { l1Client, until } from './faults-admin'

const peerIdOf = (addr: string) => addr.split('/p2p/').at(-1)!

describe('allowPeers / denyPeers in the client config', () => {
  const base = { l2ChainId: 1, l1: { chainId: 31337, rpcUrls: ['http://127.0.0.1:1'], rollup: `0x${'11'.repeat(20)}`, deployBlock: 0 }, bootstrap: [] }
  it('accepts peer id lists and refuses anything else with CONFIG_INVALID', () => {
    const id = '12D3KooWKtWiymgXZqw1vNvSk7gzj9YobXkWEz5N4p12b9HPDiBD'
    expect(parseClientConfig({ ...base, allowPeers: [id, id], denyPeers: [] })).toMatchObject({ allowPeers: [id], denyPeers: [] })
    for (const bad of [{ allowPeers: 'x' }, { denyPeers: ['not-a-peer-id'] }, { denyPeers: [`/ip4/127.0.0.1/tcp/1/p2p/${id}`] }, { allowPeers: [42] }]) {
      let err: unknown
      try {
        parseClientConfig({ ...base, ...bad })
      } catch (e) {
        err = e
      }
      expect(isVigilError(err) && err.code).toBe('CONFIG_INVALID')
    }
  })
})

describe('peer control against a live devnet', () => {
  let devnet: DevnetProcess
  const clients: LightClient[] = []
  const nodes: P2PNode[] = []

  beforeAll(async () => {
    await initCrypto()
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16'])
  }, 120_000)

  afterAll(async () => {
    for (const c of clients) await c.stop()
    for (const n of nodes) await n.stop()
    await devnet?.stop()
  }, 60_000)

  async function sideNode(): Promise<{ node: P2PNode; addr: string; id: string; inbound: string[] }> {
    const node = await createP2PNode({ role: 'devnet', listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
    nodes.push(node)
    const t = topicsFor(devnet.info.l2ChainId)
    for (const topic of Object.values(t)) subscribeTopic(node, topic, async () => 'accept')
    const inbound: string[] = []
    node.addEventListener('peer:connect', (e) => inbound.push(e.detail.toString()))
    const addr = node.getMultiaddrs().map(String).find((a) => a.includes('/ws'))!
    return { node, addr, id: node.peerId.toString(), inbound }
  }

  it('never connects a denied peer nor one outside the allow list, and syncs from the allowed one', async () => {
    const denied = await sideNode()
    const stranger = await sideNode()
    const bootstrapNode = devnet.info.bootstrap.find((a) => a.includes('/ws'))!
    const allowed = peerIdOf(bootstrapNode)
    const client = await openNodeClient(
      { ...devnet.info, bootstrap: [...devnet.info.bootstrap, denied.addr, stranger.addr], allowPeers: [allowed, denied.id], denyPeers: [denied.id] },
      { storeName: `peer-gating-${devnet.pid}` },
    )
    clients.push(client)
    await client.start()
    const connected = new Set<string>()
    // synced through the allowed node for a few checkpoints (gossip and L1), every peer list recorded on the way
    await until(
      client,
      (s) => {
        for (const p of s.peers) connected.add(p.id)
        return (s.tips.proposed?.height ?? 0) >= 12 && (s.tips.attested?.height ?? 0) >= 8 ? true : null
      },
      60_000,
      'gossip through the allowed node',
    )
    expect(connected.has(allowed)).toBe(true)
    expect(connected.has(denied.id)).toBe(false) // denied wins over allowed
    expect(connected.has(stranger.id)).toBe(false) // not in the allow list
    expect([...connected].every((id) => id === allowed)).toBe(true)
    expect(denied.inbound).toEqual([])
    expect(stranger.inbound).toEqual([])
    expect(client.snapshot().sources.gossip!.accepted).toBeGreaterThan(0)
  }, 90_000)

  it("penalises a peer that sends invalid gossip (score < 0), not one whose messages can't be checked yet, nor the honest relay", async () => {
    const rogue = await sideNode()
    const unsure = await sideNode()
    const client = await openNodeClient({ ...devnet.info, bootstrap: [...devnet.info.bootstrap, rogue.addr, unsure.addr] }, { storeName: `peer-scoring-${devnet.pid}` })
    clients.push(client)
    await client.start()
    const t = topicsFor(devnet.info.l2ChainId)
    await until(client, (s) => ((s.tips.proposed?.height ?? 0) > 0 && s.peers.some((p) => p.id === rogue.id) && s.peers.some((p) => p.id === unsure.id) ? true : null), 60_000, 'connected to both side nodes')
    await waitForSubscribers(rogue.node, t.blockProposal, 1, { timeoutMs: 30_000 })
    await waitForSubscribers(unsure.node, t.checkpointAttestation, 1, { timeoutMs: 30_000 })

    // what a rogue can sign: its own key, over headers naming itself or the slot's real proposer
    const domain = { l1ChainId: devnet.info.l1.chainId, rollup: devnet.info.l1.rollup.toLowerCase() as Address }
    const schedule = { genesisTime: devnet.info.devnet.genesisTime, slotDuration: devnet.info.devnet.slotSeconds, epochDuration: devnet.info.devnet.epochSlots }
    const slot = slotAt(schedule, Math.floor(Date.now() / 1000))
    const realProposer = ((await l1Client(devnet.info).readContract({ address: domain.rollup, abi: vigilRollupAbi, functionName: 'getProposer', args: [BigInt(slot)] })) as Address).toLowerCase() as Address
    const rogueKey = validatorKeys(1, 'rogue-')[0]!
    const builder = new ChainBuilder(domain, devnet.info.l2ChainId, { seed: 'rogue' })
    // a timestamp inside the slot, whatever time the lookups above took (else TIMESTAMP_OUT_OF_SLOT would be the first rule to fail)
    const timestamp = (schedule.genesisTime + slot * schedule.slotDuration) * 1000 + 1
    const wrongProposer = builder.buildBlock({ slot, indexInCheckpoint: 0, proposer: rogueKey, timestamp })
    const forged = new ChainBuilder(domain, devnet.info.l2ChainId, { seed: 'forged' }).buildBlock({ slot, indexInCheckpoint: 0, proposer: { privateKey: rogueKey.privateKey, address: realProposer }, timestamp })
    const before = client.snapshot().sources.gossip!.rejected
    for (const data of [new TextEncoder().encode('garbage that decodes as nothing'), wrongProposer.proposalBytes, forged.proposalBytes]) {
      expect(await publish(rogue.node, t.blockProposal, data)).toBeGreaterThan(0)
    }
    // soft: attestations for checkpoints the client has not seen (kept aside, not forwarded, no penalty)
    for (let i = 0; i < 3; i++) {
      const digest = keccak256Hex(new TextEncoder().encode(`unknown checkpoint ${i}`)) as Hex
      const att = encodeAttestation({ version: ATTESTATION_VERSION, checkpointDigest: digest, slot, signature: builder.attest(digest, [rogueKey])[0]! })
      expect(await publish(unsure.node, t.checkpointAttestation, att)).toBeGreaterThan(0)
    }

    const scored = await until(
      client,
      (s) => {
        const r = s.peers.find((p) => p.id === rogue.id)
        return r?.score !== undefined && r.score < 0 ? s : null
      },
      30_000,
      "the rogue's score below zero",
    )
    expect(scored.sources.gossip!.rejected - before).toBeGreaterThanOrEqual(3)
    expect(scored.failures.map((f) => f.code)).toEqual(expect.arrayContaining(['WRONG_PROPOSER', 'BAD_SIGNATURE']))
    expect(scored.failures.some((f) => f.code.startsWith('DECODE_'))).toBe(true)
    expect(scored.peers.find((p) => p.id === unsure.id)!.score!).toBeGreaterThanOrEqual(0)
    const honest = scored.peers.find((p) => p.id === peerIdOf(devnet.info.bootstrap.find((a) => a.includes('/ws'))!))
    expect(honest?.score).toBeGreaterThanOrEqual(0)
    // none of it reached the chain
    expect(await client.store.getBlock(forged.hash)).toBeUndefined()
    expect(await client.store.getBlock(wrongProposer.hash)).toBeUndefined()
  }, 90_000)
})
