/**
 * The devnet: a whole L2 network on 127.0.0.1 — anvil with the rollup contract, a validator
 * set, a proposer building blocks in chunks and posting checkpoints with blobs, a validator
 * node attesting over gossip, a libp2p bootstrap/relay node (WebSockets, WebRTC-direct,
 * circuit relay v2) and an HTTP gateway (CORS beacon proxy, status).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createPublicClient, http, type PublicClient } from 'viem'
import type { Address, Hex } from '../core/types'
import { createLogger } from '../core/logger'
import { delay } from '../core/abort'
import { topics as topicsFor } from '../protocol/topics'
import { checkpointDigest, encodeAttestationSignatures, type DecodedCheckpointProposal } from '../protocol/checkpoint'
import { epochOfSlot, slotAt, slotProposer, quorumOf, type Schedule } from '../protocol/schedule'
import type { SigningDomain } from '../protocol/domain'
import { vigilRollupAbi } from '../contracts/abi'
import { initCrypto } from '../verify/secp256k1'
import { VigilError } from '../core/errors'
import { ChainBuilder, validatorKeys, type BuiltBlock, type BuiltCheckpoint, type Validator } from './builder'
import { TypedEmitter, type DevnetContext, type DevnetEvents, type DevnetInfo, type DevnetOptions } from './context'
import { SERVICES } from './services'
import { startAnvil, deployRollup, registerValidators, proposeCheckpoint } from './l1'
import { nativeKzg } from './kzg'
import { startGateway, sendJson, type Gateway } from './gateway'
import { createP2PNode, publish, subscribeTopic, waitForSubscribers, type P2PNode } from '../p2p/node'
import { createGossipGuard, type GossipGuard, type GossipGuardDeps } from './gossip-guard'
import { AttestationCollector, checkPostable } from './attestations'
import { watchGossip } from './gossip-status'
import { relayBrowserPeers } from '../p2p/discovery'
import { FaultLog } from './faults'
import { ProposerFaults, type CheckpointPlan } from './proposer-faults'

export { TypedEmitter, type DevnetContext, type DevnetEvents, type DevnetInfo, type DevnetOptions, type DevnetService } from './context'

export const DEFAULT_DEVNET: DevnetOptions = {
  slotSeconds: 4,
  blocksPerSlot: 4,
  committeeSize: 48,
  validators: 48,
  epochSlots: 8,
  l2ChainId: 7771,
  outPath: '.vigil/devnet.json',
  l1SlotsInEpoch: 1,
  faults: [],
}

/** Checkpoint posts that may wait behind a slow one before the proposer loop waits too (and skips slots). */
export const MAX_QUEUED_POSTS = 3

export interface Devnet {
  info: DevnetInfo
  /** The proposer's counters, as of now. */
  stats(): DevnetStats
  stop(): Promise<void>
}

export interface DevnetStats {
  slot: number
  height: number
  checkpointsPosted: number
  checkpointsFailed: number
  /** Slots the proposer started too late to build (a loaded machine, a post that outlasted its slot). */
  slotsSkipped: number
  /** The last posted checkpoint: ms spent collecting attestations, then sending the L1 transaction, and how many it carried. */
  lastPost: { collectMs: number; sendMs: number; attestations: number } | null
  lastError: string | null
}

export async function startDevnet(partial: Partial<DevnetOptions> = {}): Promise<Devnet> {
  const opts: DevnetOptions = { ...DEFAULT_DEVNET, ...partial }
  if (opts.validators < opts.committeeSize) opts.validators = opts.committeeSize
  const log = opts.logger ?? createLogger('devnet', true)
  const abort = new AbortController()
  const cleanups: (() => Promise<void>)[] = []
  const stopAll = async () => {
    abort.abort()
    for (const c of cleanups.reverse()) await c().catch((e) => log.error('cleanup failed', e))
  }
  try {
    await initCrypto()
    const anvil = await startAnvil({ slotsInAnEpoch: opts.l1SlotsInEpoch })
    cleanups.push(() => anvil.stop())
    const l1 = createPublicClient({ transport: http(anvil.rpcUrl), cacheTime: 0 }) as PublicClient
    // genesis a few seconds ahead so every validator registers before it (active from epoch 0);
    // on a loaded machine registering can outlast the margin (epoch 0 would have no committee):
    // then deploy again with a wider one
    const validators = validatorKeys(opts.validators)
    let genesisTime = 0
    let deployed: Awaited<ReturnType<typeof deployRollup>> | null = null
    for (let margin = 3; !deployed; margin *= 2) {
      const latest = await l1.getBlock()
      genesisTime = Number(latest.timestamp) + margin
      const attempt = await deployRollup(anvil.rpcUrl, {
        l2ChainId: opts.l2ChainId,
        genesisTime,
        slotDuration: opts.slotSeconds,
        epochDuration: opts.epochSlots,
        targetCommitteeSize: opts.committeeSize,
      })
      const regs = await registerValidators(anvil.rpcUrl, attempt.address, validators)
      if (regs.every((r) => r.activationEpoch === 0)) deployed = attempt
      else if (margin >= 48) throw new Error(`validators registered after genesis even with a ${margin} s margin`)
      else log.error(`validators registered after genesis (a ${margin} s margin was too short on this machine); deploying again`)
    }
    const rollup = deployed.address.toLowerCase() as Address
    const byAddress = new Map(validators.map((v) => [v.address.toLowerCase(), v]))
    const chainId = await l1.getChainId()
    const domain: SigningDomain = { l1ChainId: chainId, rollup }
    const schedule: Schedule = { genesisTime, slotDuration: opts.slotSeconds, epochDuration: opts.epochSlots }

    // libp2p: a bootstrap/relay node browsers reach, and the proposer's and validators' nodes
    const bootstrapNode = await createP2PNode({
      role: 'devnet',
      listen: ['/ip4/127.0.0.1/tcp/0/ws', '/ip4/127.0.0.1/udp/0/webrtc-direct'],
      relayServer: true,
      seed: 'vigil-devnet-bootstrap',
      logger: log.child('p2p'),
    })
    cleanups.push(() => bootstrapNode.stop())
    const bootstrapAddrs = bootstrapNode.getMultiaddrs().map((a) => a.toString())
    const wsAddrs = bootstrapAddrs.filter((a) => a.includes('/ws'))
    const proposerNode = await createP2PNode({ role: 'devnet', listen: ['/ip4/127.0.0.1/tcp/0/ws'], bootstrap: wsAddrs, seed: 'vigil-devnet-proposer' })
    cleanups.push(() => proposerNode.stop())
    // the validators also dial the proposer directly: their attestations reach it in one hop,
    // whatever load a flood puts on the hub's streams
    const proposerWs = proposerNode.getMultiaddrs().map((a) => a.toString())
    const validatorNode = await createP2PNode({ role: 'devnet', listen: ['/ip4/127.0.0.1/tcp/0/ws'], bootstrap: [...wsAddrs, ...proposerWs], seed: 'vigil-devnet-validators' })
    cleanups.push(() => validatorNode.stop())
    const t = topicsFor(opts.l2ChainId)

    // committees by epoch, each looked up once (concurrent asks share the L1 call)
    const committees = new Map<number, Promise<Validator[]>>()
    const committeeOf = (epoch: number): Promise<Validator[]> => {
      let c = committees.get(epoch)
      if (!c) {
        c = (async () => {
          const addrs = (await l1.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epoch)] })) as readonly Address[]
          return addrs.map((a) => byAddress.get(a.toLowerCase())!)
        })()
        committees.set(epoch, c)
        c.catch(() => committees.delete(epoch))
      }
      return c
    }
    const proposerOf = async (slot: number): Promise<{ proposer: Validator; committee: Validator[] }> => {
      const epoch = epochOfSlot(schedule, slot)
      const committee = await committeeOf(epoch)
      // the derivation sync and Verify now use (src/protocol/schedule.ts), over the committee's addresses
      const address = slotProposer(rollup, opts.l2ChainId, epoch, slot, committee.map((v) => v.address))
      if (address === null) throw new VigilError('COMMITTEE_UNKNOWN', `epoch ${epoch} has no committee (slot ${slot})`, { severity: 'soft', details: { epoch, slot } })
      return { proposer: byAddress.get(address.toLowerCase())!, committee }
    }

    // every devnet node relays every topic (clients get gossip through the bootstrap node), and
    // judges each message first with the client's rules (src/devnet/gossip-guard.ts): junk is
    // rejected, not forwarded, and its sender scored down until gossipsub graylists it
    // (browser peer records are checked before they are forwarded: src/p2p/discovery.ts)
    const collector = new AttestationCollector(domain)
    const guards = new Map<string, GossipGuard>()
    const guardDeps = {
      domain,
      l2ChainId: opts.l2ChainId,
      schedule,
      topics: t,
      committeeOf: async (epoch: number) => (await committeeOf(epoch)).map((v) => v.address.toLowerCase() as Address),
      proposerOf: async (slot: number) => (await proposerOf(slot)).proposer.address,
    }
    // validators: attest to every checkpoint proposal the guard accepted (signed by the slot's
    // proposer, headers that belong together), one attestation per committee member
    const attest = (cp: DecodedCheckpointProposal) => {
      void (async () => {
        const { committee } = await proposerOf(cp.checkpoint.slot)
        const digest = checkpointDigest(cp.checkpoint)
        for (const v of committee) await publish(validatorNode, t.checkpointAttestation, builder.attestationMessage(digest, cp.checkpoint.slot, v))
      })().catch((e) => log.error('attesting failed', e))
    }
    const nodes: [string, P2PNode, Partial<GossipGuardDeps>][] = [
      ['bootstrap', bootstrapNode, {}],
      // proposer: collects the attestations of the checkpoint it is waiting on (src/devnet/attestations.ts)
      ['proposer', proposerNode, { onAttestation: (a) => collector.offer(a) }],
      ['validators', validatorNode, { onCheckpointProposal: attest }],
    ]
    for (const [name, n, extra] of nodes) {
      const guard = createGossipGuard({ ...guardDeps, ...extra })
      guards.set(name, guard)
      for (const h of guard.handlers) subscribeTopic(n, h.topic, h.handler, { maxBytes: h.maxBytes })
      relayBrowserPeers(n, t.browserPeers, log.child('browser-peers'))
    }

    const gateway: Gateway = await startGateway({ anvilUrl: anvil.rpcUrl })
    cleanups.push(() => gateway.close())

    const builder = new ChainBuilder(domain, opts.l2ChainId, { seed: `vigil-devnet-${rollup}`, blobToCommitment: nativeKzg.blobToKzgCommitment })
    const stats: DevnetStats = { slot: 0, height: 0, checkpointsPosted: 0, checkpointsFailed: 0, slotsSkipped: 0, lastPost: null, lastError: null }
    const gossipWatch = watchGossip(nodes.map(([name, node]) => ({ name, node, guard: guards.get(name)! })))
    cleanups.push(async () => gossipWatch.stop())
    gateway.addRoute((_req, res, url) => {
      if (url.pathname !== '/gossip') return false
      sendJson(res, 200, gossipWatch.status())
      return true
    })
    gateway.addRoute((_req, res, url) => {
      if (url.pathname !== '/status') return false
      sendJson(res, 200, { ...stats, rollup, genesisTime })
      return true
    })

    await waitForSubscribers(validatorNode, t.checkpointAttestation, 1, { signal: AbortSignal.timeout(15_000) })
    await waitForSubscribers(proposerNode, t.checkpointAttestation, 1, { signal: AbortSignal.timeout(15_000) })
    await waitForSubscribers(validatorNode, t.checkpointProposal, 1, { signal: AbortSignal.timeout(15_000) })

    const info: DevnetInfo = {
      l2ChainId: opts.l2ChainId,
      l1: { chainId, rpcUrls: [anvil.rpcUrl], rollup, deployBlock: deployed.deployBlock },
      beaconUrl: gateway.url,
      bootstrap: bootstrapAddrs,
      mode: 'light',
      l1PollMs: 500,
      devnet: {
        pid: process.pid,
        anvilPid: anvil.pid,
        rpcUrl: anvil.rpcUrl,
        gatewayUrl: gateway.url,
        appUrl: opts.appUrl ?? null,
        slotSeconds: opts.slotSeconds,
        blocksPerSlot: opts.blocksPerSlot,
        committeeSize: opts.committeeSize,
        epochSlots: opts.epochSlots,
        genesisTime,
        startedAt: Date.now(),
      },
    }
    const events = new TypedEmitter<DevnetEvents>()
    const ctx: DevnetContext = {
      opts,
      log,
      signal: abort.signal,
      rpcUrl: anvil.rpcUrl,
      beaconUrl: gateway.url,
      rollup,
      deployBlock: deployed.deployBlock,
      domain,
      schedule,
      l1,
      validators,
      builder,
      gateway,
      nodes: { bootstrap: bootstrapNode, proposer: proposerNode, validators: validatorNode },
      topics: t,
      bootstrapWs: wsAddrs,
      faults: new Set(opts.faults),
      faultLog: new FaultLog(),
      events,
      info,
      committeeOf,
      proposerOf,
      onStop: (fn) => void cleanups.push(fn),
    }
    for (const service of SERVICES) await service(ctx)
    if (opts.outPath) {
      await mkdir(dirname(opts.outPath), { recursive: true })
      await writeFile(opts.outPath, JSON.stringify(info, null, 2) + '\n')
    }


    const proposerFaults = new ProposerFaults(ctx)
    const postCheckpoint = async (built: BuiltCheckpoint, blocks: BuiltBlock[], proposer: Validator, committee: Validator[], plan: CheckpointPlan = {}) => {
      const t0 = Date.now()
      const members = committee.map((v) => v.address.toLowerCase() as Address)
      const quorum = quorumOf(committee.length)
      let sigs: Uint8Array[]
      if (plan.directAttestations) {
        // fault divergent-checkpoint: never gossiped; the committee's keys sign it directly
        sigs = proposerFaults.directAttestations(built.digest, committee)
      } else {
        const c = collector.collect(built.digest, built.checkpoint.slot, members)
        try {
          if (plan.rival) await publish(proposerNode, t.checkpointProposal, plan.rival.proposalBytes) // fault equivocate
          await publish(proposerNode, t.checkpointProposal, built.proposalBytes)
          // wait for every member, or settle for quorum after a grace period
          const graceMs = Math.max(500, opts.slotSeconds * 250)
          await c.until(committee.length, AbortSignal.any([abort.signal, AbortSignal.timeout(graceMs)]))
          // a loaded machine: settle for quorum, waiting up to one more slot for it
          if (c.count < quorum) await c.until(quorum, AbortSignal.any([abort.signal, AbortSignal.timeout(opts.slotSeconds * 1000)]))
          sigs = c.signatures()
          const r = c.refused
          if (r.outsider + r.bad + r.wrongSlot > 0) log(`checkpoint ${built.checkpoint.checkpointNumber}: refused ${r.outsider} outsider, ${r.bad} bad and ${r.wrongSlot} wrong-slot attestations`)
        } finally {
          collector.close(built.digest)
        }
      }
      if (sigs.length < quorum) throw new Error(`only ${sigs.length} attestations, quorum is ${quorum}`)
      const toPost = proposerFaults.trimAttestations(sigs, committee.length, built.checkpoint.checkpointNumber)
      // never post what does not verify: every signature a distinct member of this epoch's committee
      checkPostable(domain, built.digest, toPost, members)
      const attestations = encodeAttestationSignatures(toPost)
      const t1 = Date.now()
      const posted = await proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: built.bytes, attestations, blobs: built.blobs })
      stats.checkpointsPosted++
      stats.lastPost = { collectMs: t1 - t0, sendMs: Date.now() - t1, attestations: toPost.length }
      events.emit('checkpoint', { built, blocks, l1: { blockNumber: posted.l1BlockNumber, blockHash: posted.l1BlockHash, txHash: posted.txHash } })
      // fault l1-reorg: the L1 drops that block; the same checkpoint lands again
      const again = await proposerFaults.afterPosted({ built, posted, attestations, proposer })
      if (again) events.emit('checkpoint', { built, blocks, l1: { blockNumber: again.l1BlockNumber, blockHash: again.l1BlockHash, txHash: again.txHash } })
    }

    const run = async () => {
      const signal = abort.signal
      let slot = Math.max(0, slotAt(schedule, Date.now() / 1000)) + 1
      let posting: Promise<void> = Promise.resolve()
      // after a failed post: where to continue from (L1's tip), applied at the next slot's start
      let rewind = null as { hash: Hex; checkpointNumber: number } | null
      // rewinds applied so far: a slot built before the latest rewind is not posted
      let generation = 0
      // posts queued or running
      let queued = 0
      while (!signal.aborted) {
        const start = (genesisTime + slot * opts.slotSeconds) * 1000
        // late (a loaded machine): the slot is still built while a quarter of it is left (its
        // blocks come at once, timestamps inside the slot), else skipped
        if (Date.now() > start + Math.max(500, (opts.slotSeconds * 1000 * 3) / 4)) {
          const next = slotAt(schedule, Date.now() / 1000) + 1
          if (stats.slot > 0) {
            stats.slotsSkipped += next - slot
            log.error(`proposer late by ${Date.now() - start} ms: slots ${slot}..${next - 1} skipped (last post ${JSON.stringify(stats.lastPost)})`)
          }
          slot = next
          continue
        }
        await delay(Math.max(0, start - Date.now()), signal)
        stats.slot = slot
        if (rewind) {
          builder.rewindTo(rewind.hash, rewind.checkpointNumber)
          rewind = null
          generation++
        }
        const { proposer, committee } = await proposerOf(slot)
        const blocks: BuiltBlock[] = []
        for (let i = 0; i < opts.blocksPerSlot; i++) {
          await delay(Math.max(0, start + (i * opts.slotSeconds * 1000) / opts.blocksPerSlot - Date.now()), signal)
          // a late block (loaded machine) still carries a timestamp inside its slot: clients reject one outside it (TIMESTAMP_OUT_OF_SLOT)
          const b = builder.buildBlock({ slot, indexInCheckpoint: i, proposer, timestamp: Math.min(Date.now(), start + opts.slotSeconds * 1000 - 1) })
          blocks.push(b)
          stats.height = b.header.height
          events.emit('block', b)
          await publish(proposerNode, t.blockProposal, b.proposalBytes)
          // fault equivocate: a second block for the same position, gossiped too; the slot continues on it
          const twin = proposerFaults.twinOf(blocks, i, proposer)
          if (twin) {
            blocks[i] = twin
            events.emit('block', twin)
            await publish(proposerNode, t.blockProposal, twin.proposalBytes)
          }
        }
        await delay(Math.max(0, start + opts.slotSeconds * 1000 - Date.now()), signal)
        // posts go out one after another, each after the previous one landed, while the next slot
        // is built: a post that outlasts its slot (a loaded machine, a slow L1) delays the next
        // post, it does not cost a slot. Bounded: past MAX_QUEUED_POSTS the loop waits.
        if (queued >= MAX_QUEUED_POSTS) await posting
        if (rewind) {
          // this slot was built on the checkpoint that did not land: it can never land either
          stats.checkpointsFailed++
          events.emit('checkpoint-failed', { blocks, error: 'builds on a checkpoint that did not land' })
          slot++
          continue
        }
        // fault divergent-checkpoint: post other blocks than those gossiped (announced, never gossiped)
        const planned = proposerFaults.checkpointPlan(blocks, proposer)
        for (const b of planned.replacements) events.emit('block', b)
        // the checkpoint is built now (the builder's checkpoint number moves on before the next slot's blocks)
        const built = builder.buildCheckpoint(planned.blocks, proposer)
        const builtIn = generation
        const previous = posting
        queued++
        posting = (async () => {
          await previous
          if (rewind !== null || generation !== builtIn) {
            // an earlier post failed after this slot was built on it
            stats.checkpointsFailed++
            events.emit('checkpoint-failed', { blocks, error: 'builds on a checkpoint that did not land' })
            return
          }
          await postCheckpoint(built, planned.blocks, proposer, committee, planned.plan).catch(async (e) => {
            stats.checkpointsFailed++
            stats.lastError = (e as Error).message
            log.error(`checkpoint for slot ${blocks[0]!.header.slot} not posted`, e)
            events.emit('checkpoint-failed', { blocks, error: (e as Error).message })
            // rebuild from what L1 has: the provisional blocks that did not land become orphans
            const [cpNumber, blockHash] = (await l1.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'tip' })) as readonly [bigint, Hex, bigint, bigint]
            rewind = { hash: blockHash, checkpointNumber: Number(cpNumber) }
          })
        })()
          .catch((e) => {
            if (!signal.aborted) log.error(`after the post of slot ${blocks[0]!.header.slot} failed, the rewind failed too`, e)
          })
          .finally(() => queued--)
        slot++
      }
    }
    const loop = run().catch((e) => {
      if (!abort.signal.aborted) log.error('proposer stopped', e)
    })
    cleanups.push(async () => {
      abort.abort()
      await loop
    })
    return { info, stats: () => ({ ...stats }), stop: stopAll }
  } catch (e) {
    await stopAll()
    throw e
  }
}
