/**
 * The devnet under a gossip flood (issue 12 item 2, docs/faults.md "Under a flood"): a
 * foreign libp2p node (the repo's own src/p2p/node.ts) dials every devnet gossip node and,
 * for FLOOD_MS, publishes on every topic a mix of junk — random bytes, empty, truncated,
 * bit-flipped and extended real messages, and validly-encoded messages signed by outsider
 * keys: block and checkpoint proposals, attestations by non-committee keys for the current
 * checkpoint, committee signatures for another rollup, high-s twins of real attestations,
 * real signatures with a lying slot. A second, quiet foreign node only listens, so the
 * flooder always has the current checkpoint to attack even once the devnet graylisted it.
 *
 * Asserted: every slot whose blocks were built during the flood has its checkpoint on L1, and
 * every posted attestation (decoded from the `propose` calldata) is by a distinct member of
 * the epoch's committee with quorum reached; the devnet posted no failed checkpoint; each
 * devnet gossip node graylisted the flooder and counted its rejects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPublicClient, decodeEventLog, decodeFunctionData, http, type PublicClient } from 'viem'
import type { Address, Hex } from '../../src/core/types'
import { createP2PNode, publish, subscribeTopic, waitForSubscribers, type P2PNode } from '../../src/p2p/node'
import { VIGIL_SCORE_THRESHOLDS } from '../../src/p2p/gossip'
import { topics as topicsFor } from '../../src/protocol/topics'
import { bytesToHex, hexToBytes } from '../../src/protocol/bytes'
import { keccak256Hex } from '../../src/protocol/hash'
import { signingDigest, type SigningDomain } from '../../src/protocol/domain'
import { epochOfSlot, slotAt, type Schedule } from '../../src/protocol/schedule'
import { decodeProposal, encodeProposal } from '../../src/protocol/proposal'
import {
  ATTESTATION_VERSION,
  CHECKPOINT_PROPOSAL_VERSION,
  CHECKPOINT_VERSION,
  checkpointDigest,
  decodeAttestation,
  decodeAttestationSignatures,
  decodeCheckpoint,
  decodeCheckpointProposal,
  encodeAttestation,
  encodeCheckpointProposal,
  type Checkpoint,
} from '../../src/protocol/checkpoint'
import { encodeTx, TX_VERSION } from '../../src/protocol/tx'
import { SECP256K1_N, joinSignature, splitSignature } from '../../src/protocol/signature'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { verifyQuorum } from '../../src/verify/rules'
import { initCrypto, signDigest } from '../../src/verify/secp256k1'
import { ChainBuilder, validatorKeys, type Validator } from '../../src/devnet/builder'
import type { GossipNodeStatus } from '../../src/devnet/gossip-status'
import { TOPIC_MAX_BYTES, type GuardedTopic } from '../../src/devnet/gossip-guard'
import type { DevnetStats } from '../../src/devnet/network'
import { gatewayJson, startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { pollUntil } from '../helpers/wait'

const FLOOD_MS = 40_000
/** Target rate of the flood (messages/s): over twice the audit's (~3,400 in a minute); reached when the machine allows. */
const RATE = 150
/** Publishes in flight at once. */
const CONCURRENCY = 16
const SLOT = 5
const outsiders = validatorKeys(8, 'flood-outsider-')

describe('the devnet under a gossip flood', () => {
  let devnet: DevnetProcess
  const started: P2PNode[] = []

  beforeAll(async () => {
    await initCrypto()
    devnet = await startDevnetProcess(['--slot', String(SLOT), '--blocks-per-slot', '2', '--committee', '48'])
  }, 120_000)

  afterAll(async () => {
    for (const n of started) await n.stop()
    await devnet?.stop()
  }, 60_000)

  it('posts every slot’s checkpoint with a valid, outsider-free quorum while a foreign node floods every topic, and graylists the flooder', async () => {
    const info = devnet.info
    const t = topicsFor(info.l2ChainId)
    const domain: SigningDomain = { l1ChainId: info.l1.chainId, rollup: info.l1.rollup }
    const schedule: Schedule = { genesisTime: info.devnet.genesisTime, slotDuration: info.devnet.slotSeconds, epochDuration: info.devnet.epochSlots }
    const l1 = createPublicClient({ transport: http(info.devnet.rpcUrl) }) as PublicClient
    const status = () => gatewayJson<DevnetStats>(devnet, '/status')
    const gossip = () => gatewayJson<GossipNodeStatus[]>(devnet, '/gossip')

    // steady state first: a checkpoint landed
    await pollUntil(async () => (await status()).checkpointsPosted >= 1, { timeoutMs: 60_000, what: 'a first checkpoint posted' })
    const devnetNodes = await gossip()
    const devnetIds = new Set(devnetNodes.map((n) => n.peerId))
    const dialAll = devnetNodes.flatMap((n) => n.addrs.filter((a) => a.includes('/ws/')))

    // the quiet node: hears real gossip, so the flooder has fresh material
    const latest = new Map<string, Uint8Array[]>()
    let current: { digest: Hex; slot: number; checkpoint: Checkpoint } | null = null
    const observer = await createP2PNode({ role: 'client-node', bootstrap: dialAll })
    started.push(observer)
    for (const topic of [t.blockProposal, t.checkpointProposal, t.checkpointAttestation, t.tx]) {
      subscribeTopic(observer, topic, async (data, from) => {
        // only what a devnet node forwarded (the devnet validates before forwarding; the flooder may reach this node too)
        if (!devnetIds.has(from.toString())) return 'ignore'
        const list = latest.get(topic) ?? []
        list.push(data)
        if (list.length > 16) list.shift()
        latest.set(topic, list)
        if (topic === t.checkpointProposal) {
          const cp = decodeCheckpointProposal(data)
          current = { digest: checkpointDigest(cp.checkpoint), slot: cp.checkpoint.slot, checkpoint: cp.checkpoint }
        }
        return 'ignore' // listen only: forward nothing
      })
    }
    await pollUntil(() => current !== null && (latest.get(t.checkpointAttestation)?.length ?? 0) > 0 && (latest.get(t.blockProposal)?.length ?? 0) > 0, {
      timeoutMs: 30_000,
      what: 'real gossip reaching the quiet node',
    })

    // the flooder: dials every devnet gossip node and publishes on every topic
    const flooder = await createP2PNode({ role: 'client-node', bootstrap: dialAll })
    started.push(flooder)
    const floodTopics = [t.blockProposal, t.checkpointProposal, t.checkpointAttestation, t.tx]
    for (const topic of floodTopics) subscribeTopic(flooder, topic, async () => 'ignore')
    for (const topic of floodTopics) await waitForSubscribers(flooder, topic, devnetNodes.length, { timeoutMs: 30_000 })
    const flooderId = flooder.peerId.toString()

    const rand = (n: number) => {
      const b = new Uint8Array(n)
      for (let o = 0; o < n; o += 65_536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65_536)))
      return b
    }
    const pick = <T,>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!
    const realOf = (topic: string): Uint8Array => pick(latest.get(topic) ?? [rand(100)])
    const flip = (b: Uint8Array) => {
      const c = b.slice()
      const i = Math.floor(Math.random() * c.length)
      c[i]! ^= 1 << Math.floor(Math.random() * 8)
      return c
    }
    const nowSlot = () => slotAt(schedule, Date.now() / 1000)
    const outsiderBuilder = new ChainBuilder(domain, info.l2ChainId, { seed: `flood-${Math.random()}` })
    const otherDomain: SigningDomain = { l1ChainId: domain.l1ChainId, rollup: `0x${'11'.repeat(20)}` as Address }
    const committeeKeys = validatorKeys(48) // the devnet's validator keys (registered); some are in the committee
    const attestationBytes = (digest: Hex, slot: number, sig: Uint8Array) => encodeAttestation({ version: ATTESTATION_VERSION, checkpointDigest: digest, slot, signature: sig })
    const outsiderCheckpoint = (signer: Validator, named: Address): Uint8Array => {
      const slot = nowSlot()
      const blocks = [0, 1].map((i) => outsiderBuilder.buildBlock({ slot, indexInCheckpoint: i, proposer: { privateKey: signer.privateKey, address: named } }))
      const checkpoint: Checkpoint = {
        version: CHECKPOINT_VERSION,
        checkpointNumber: blocks[0]!.header.checkpointNumber,
        slot,
        headers: blocks.map((b) => b.header),
        blobVersionedHashes: [`0x01${bytesToHex(rand(31)).slice(2)}` as Hex],
      }
      const signature = signDigest(signer.privateKey, signingDigest(domain, 'CheckpointProposal', checkpointDigest(checkpoint)))
      return encodeCheckpointProposal({ version: CHECKPOINT_PROPOSAL_VERSION, checkpoint, signature })
    }
    const realProposer = (): Address => decodeProposal(realOf(t.blockProposal)).header.proposer

    // the kinds of junk, each [topic, make]
    const kinds: [string, string, () => Uint8Array][] = []
    const guarded: Record<string, GuardedTopic> = { [t.blockProposal]: 'blockProposal', [t.checkpointProposal]: 'checkpointProposal', [t.checkpointAttestation]: 'checkpointAttestation', [t.tx]: 'tx' }
    for (const topic of floodTopics) {
      const name = topic.split('/')[3]
      kinds.push(
        [`${name}:random`, topic, () => rand(1 + Math.floor(Math.random() * 2000))],
        [`${name}:empty`, topic, () => new Uint8Array(0)],
        [`${name}:truncated`, topic, () => realOf(topic).slice(0, Math.floor(Math.random() * realOf(topic).length))],
        [`${name}:bit-flip`, topic, () => flip(realOf(topic))],
        [`${name}:extended`, topic, () => new Uint8Array([...realOf(topic), ...rand(1 + Math.floor(Math.random() * 64))])],
        [`${name}:oversized`, topic, () => rand(TOPIC_MAX_BYTES[guarded[topic]!] + 1 + Math.floor(Math.random() * 100))],
      )
    }
    kinds.push(
      // attestations
      ['attestation:outsider-current', t.checkpointAttestation, () => {
        const c = current!
        return attestationBytes(c.digest, c.slot, signDigest(pick(outsiders).privateKey, signingDigest(domain, 'CheckpointAttestation', c.digest)))
      }],
      ['attestation:outsider-random-digest', t.checkpointAttestation, () => {
        const d = bytesToHex(rand(32))
        return attestationBytes(d, nowSlot(), signDigest(pick(outsiders).privateKey, signingDigest(domain, 'CheckpointAttestation', d)))
      }],
      ['attestation:member-other-rollup', t.checkpointAttestation, () => {
        const c = current!
        return attestationBytes(c.digest, c.slot, signDigest(pick(committeeKeys).privateKey, signingDigest(otherDomain, 'CheckpointAttestation', c.digest)))
      }],
      ['attestation:member-wrong-kind', t.checkpointAttestation, () => {
        const c = current!
        return attestationBytes(c.digest, c.slot, signDigest(pick(committeeKeys).privateKey, signingDigest(domain, 'CheckpointProposal', c.digest)))
      }],
      ['attestation:high-s-twin', t.checkpointAttestation, () => {
        const a = decodeAttestation(realOf(t.checkpointAttestation))
        const { r, s, recovery } = splitSignature(a.signature)
        return attestationBytes(a.checkpointDigest, a.slot, joinSignature(r, SECP256K1_N - s, 1 - recovery))
      }],
      ['attestation:lying-slot', t.checkpointAttestation, () => {
        const a = decodeAttestation(realOf(t.checkpointAttestation))
        return attestationBytes(a.checkpointDigest, a.slot + 1 + Math.floor(Math.random() * 2), a.signature)
      }],
      ['attestation:bad-v', t.checkpointAttestation, () => {
        const b = realOf(t.checkpointAttestation).slice()
        b[b.length - 1] = 29
        return b
      }],
      ['attestation:far-future', t.checkpointAttestation, () => {
        const d = bytesToHex(rand(32))
        return attestationBytes(d, 1_000_000 + Math.floor(Math.random() * 1e6), signDigest(pick(outsiders).privateKey, signingDigest(domain, 'CheckpointAttestation', d)))
      }],
      // block proposals
      ['block:outsider-proposer', t.blockProposal, () => {
        const o = pick(outsiders)
        return outsiderBuilder.buildBlock({ slot: nowSlot(), indexInCheckpoint: 0, proposer: o }).proposalBytes
      }],
      ['block:named-proposer-outsider-signed', t.blockProposal, () =>
        outsiderBuilder.buildBlock({ slot: nowSlot(), indexInCheckpoint: 1, proposer: { privateKey: pick(outsiders).privateKey, address: realProposer() } }).proposalBytes],
      ['block:wrong-chain', t.blockProposal, () => new ChainBuilder(domain, info.l2ChainId + 1).buildBlock({ slot: nowSlot(), indexInCheckpoint: 0, proposer: pick(outsiders) }).proposalBytes],
      ['block:body-swapped', t.blockProposal, () => {
        const p = decodeProposal(realOf(t.blockProposal))
        const other = outsiderBuilder.buildBlock({ slot: nowSlot(), indexInCheckpoint: 0, proposer: pick(outsiders) })
        return encodeProposal({ ...p, bodyBytes: other.bodyBytes })
      }],
      // checkpoint proposals
      ['checkpoint:outsider-signed', t.checkpointProposal, () => {
        const o = pick(outsiders)
        return outsiderCheckpoint(o, o.address)
      }],
      ['checkpoint:named-proposer-outsider-signed', t.checkpointProposal, () => outsiderCheckpoint(pick(outsiders), realProposer())],
      ['checkpoint:real-resigned-by-outsider', t.checkpointProposal, () => {
        const c = current!
        return encodeCheckpointProposal({ version: CHECKPOINT_PROPOSAL_VERSION, checkpoint: c.checkpoint, signature: signDigest(pick(outsiders).privateKey, signingDigest(domain, 'CheckpointProposal', c.digest)) })
      }],
      // txs: well-formed junk (a mempool takes it) and a lying length field
      ['tx:well-formed', t.tx, () => encodeTx({ version: TX_VERSION, sender: bytesToHex(rand(20)), nonce: Math.floor(Math.random() * 1e9), fee: 1, payload: bytesToHex(rand(16)) })],
      ['tx:lying-length', t.tx, () => {
        const b = encodeTx({ version: TX_VERSION, sender: bytesToHex(rand(20)), nonce: 1, fee: 1, payload: bytesToHex(rand(16)) })
        b[1 + 20 + 8 + 8] = 0xff
        return b
      }],
    )

    // flood
    const before = await status()
    const sent = new Map<string, number>()
    let failedPublishes = 0
    const floodStart = Date.now()
    let i = 0
    const inflight = new Set<Promise<void>>()
    while (Date.now() - floodStart < FLOOD_MS) {
      const due = Math.floor(((Date.now() - floodStart) / 1000) * RATE)
      while (i < due && inflight.size < CONCURRENCY) {
        const [name, topic, make] = kinds[i++ % kinds.length]!
        const p: Promise<void> = Promise.resolve().then(() => publish(flooder, topic, make())).then(
          () => void sent.set(name, (sent.get(name) ?? 0) + 1),
          () => void failedPublishes++,
        )
        inflight.add(p)
        void p.finally(() => inflight.delete(p))
      }
      await new Promise((r) => setTimeout(r, 5)) // pacing of the flood itself
    }
    await Promise.all(inflight)
    const floodEnd = Date.now()
    const total = [...sent.values()].reduce((a, b) => a + b, 0)

    // the slots whose blocks were built during the flood: from the first that started after it began to the one it ended in
    const firstSlot = slotAt(schedule, floodStart / 1000) + 1
    const lastSlot = slotAt(schedule, floodEnd / 1000)
    const posted = new Map<number, { digest: Hex; signatures: Uint8Array[] }>()
    await pollUntil(
      async () => {
        const logs = await l1.getLogs({ address: info.l1.rollup, fromBlock: BigInt(info.l1.deployBlock), toBlock: 'latest' })
        for (const log of logs) {
          let ev
          try {
            ev = decodeEventLog({ abi: vigilRollupAbi, data: log.data, topics: log.topics })
          } catch {
            continue
          }
          if (ev.eventName !== 'CheckpointProposed') continue
          const tx = await l1.getTransaction({ hash: log.transactionHash! })
          const { args } = decodeFunctionData({ abi: vigilRollupAbi, data: tx.input }) as { args: readonly [Hex, Hex] }
          const cp = decodeCheckpoint(hexToBytes(args[0]))
          posted.set(cp.slot, { digest: keccak256Hex(hexToBytes(args[0])), signatures: decodeAttestationSignatures(hexToBytes(args[1])) })
        }
        return posted.has(lastSlot) || null
      },
      { timeoutMs: 4 * SLOT * 1000 + 30_000, intervalMs: 500, what: `the checkpoint of slot ${lastSlot} on L1`, context: () => `posted slots ${[...posted.keys()].join(',')}; devnet said:\n${devnet.output.slice(-20).join('\n')}` },
    )
    const after = await status()
    const nodes = await gossip()

    const missing: number[] = []
    let outsiderSignatures = 0
    for (let slot = firstSlot; slot <= lastSlot; slot++) {
      const p = posted.get(slot)
      if (!p) {
        missing.push(slot)
        continue
      }
      const committee = (
        (await l1.readContract({ address: info.l1.rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epochOfSlot(schedule, slot))] })) as readonly Address[]
      ).map((a) => a.toLowerCase() as Address)
      const q = verifyQuorum(domain, p.digest, p.signatures, committee)
      outsiderSignatures += p.signatures.length - q.signers.length
      expect(q.error, `slot ${slot}: ${q.error?.message}`).toBeUndefined()
      expect(q.valid).toBe(true)
      expect(q.signers.length).toBe(p.signatures.length)
      for (const s of q.signers) expect(committee).toContain(s)
    }
    const graylistedBy = nodes.filter((n) => n.graylisted[flooderId]).map((n) => n.name)
    const rejects = Object.fromEntries(nodes.map((n) => [n.name, Object.values(n.counters).reduce((a, c) => a + c.reject, 0)]))
    const lowest = Object.fromEntries(nodes.map((n) => [n.name, Math.round(n.lowest[flooderId] ?? 0)]))
    console.log(
      `flood: ${total} messages of ${sent.size} kinds in ${floodEnd - floodStart} ms (${failedPublishes} publishes failed); ` +
        `slots ${firstSlot}..${lastSlot}: ${lastSlot - firstSlot + 1 - missing.length} of ${lastSlot - firstSlot + 1} checkpoints posted, ${outsiderSignatures} outsider signatures; ` +
        `devnet checkpoints posted ${after.checkpointsPosted - before.checkpointsPosted}, failed ${after.checkpointsFailed - before.checkpointsFailed}, slots skipped ${after.slotsSkipped - before.slotsSkipped}, last post ${JSON.stringify(after.lastPost)}; ` +
        `flooder graylisted by ${graylistedBy.join(', ') || 'none'}; lowest score ${JSON.stringify(lowest)}; rejects ${JSON.stringify(rejects)}; ` +
        `codes ${JSON.stringify(Object.fromEntries(nodes.map((n) => [n.name, Object.fromEntries(Object.entries(n.counters).map(([k, c]) => [k, c.byCode]))])))}`,
    )

    expect(total).toBeGreaterThanOrEqual(1500)
    expect(sent.size).toBeGreaterThanOrEqual(40)
    expect(lastSlot - firstSlot + 1).toBeGreaterThanOrEqual(Math.floor(FLOOD_MS / (SLOT * 1000)) - 1)
    expect(missing, `slots without a checkpoint on L1; devnet said:\n${devnet.output.slice(-20).join('\n')}`).toEqual([])
    expect(outsiderSignatures).toBe(0)
    expect(after.checkpointsFailed).toBe(before.checkpointsFailed)
    expect(after.slotsSkipped).toBe(before.slotsSkipped)
    // every devnet gossip node the flooder reached graylisted it, after rejecting what it sent
    expect(graylistedBy.sort()).toEqual(nodes.map((n) => n.name).sort())
    for (const n of nodes) {
      expect(rejects[n.name]).toBeGreaterThan(0)
      expect(n.lowest[flooderId]!).toBeLessThan(VIGIL_SCORE_THRESHOLDS.graylistThreshold)
    }
  }, 240_000)
})
