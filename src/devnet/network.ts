/**
 * The devnet: a whole L2 network on 127.0.0.1 — anvil with the rollup contract, a validator
 * set, a proposer building blocks in chunks and posting checkpoints with blobs, a validator
 * node attesting over gossip, a libp2p bootstrap/relay node (WebSockets, WebRTC-direct,
 * circuit relay v2) and an HTTP gateway (CORS beacon proxy, status).
 */
import { EventEmitter } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { createPublicClient, http, type PublicClient } from 'viem'
import type { Address, Hex } from '../core/types'
import { createLogger, type Logger } from '../core/logger'
import { delay } from '../core/abort'
import { topics as topicsFor } from '../protocol/topics'
import { decodeAttestation, decodeCheckpointProposal, checkpointDigest, encodeAttestationSignatures } from '../protocol/checkpoint'
import { epochSeed, proposerIndex, slotAt, quorumOf, type Schedule } from '../protocol/schedule'
import type { SigningDomain } from '../protocol/domain'
import { vigilRollupAbi } from '../contracts/abi'
import type { ClientConfig } from '../client/config'
import { recoverAddress, initCrypto } from '../verify/secp256k1'
import { signingDigest } from '../protocol/domain'
import { ChainBuilder, validatorKeys, type BuiltBlock, type BuiltCheckpoint, type Validator } from './builder'
import { SERVICES } from './services'
import { startAnvil, deployRollup, registerValidators, proposeCheckpoint } from './l1'
import { nativeKzg } from './kzg'
import { startGateway, sendJson, type Gateway } from './gateway'
import { createP2PNode, publish, subscribeTopic, waitForSubscribers, type P2PNode } from '../p2p/node'

export interface DevnetOptions {
  slotSeconds: number
  blocksPerSlot: number
  committeeSize: number
  /** Validators registered (≥ committee size; the committee is sampled from them). */
  validators: number
  epochSlots: number
  l2ChainId: number
  /** Where to write the endpoints (the client config superset). */
  outPath: string | null
  appUrl?: string
  /** anvil's `--slots-in-an-epoch`: its `finalized` tag trails `latest` by 2 × this many blocks. */
  l1SlotsInEpoch: number
  /** Fault knobs active from the start (`--fault NAME`, repeatable). */
  faults: string[]
  logger?: Logger
}

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

/** `.vigil/devnet.json`: a ClientConfig plus what tools and tests need to find the devnet's parts. */
export interface DevnetInfo extends ClientConfig {
  devnet: {
    pid: number
    anvilPid: number
    rpcUrl: string
    gatewayUrl: string
    appUrl: string | null
    slotSeconds: number
    blocksPerSlot: number
    committeeSize: number
    epochSlots: number
    genesisTime: number
    startedAt: number
  }
}

export interface Devnet {
  info: DevnetInfo
  /** Resolves when the proposer has built `height` blocks. */
  stats(): DevnetStats
  stop(): Promise<void>
}

export interface DevnetStats {
  slot: number
  height: number
  checkpointsPosted: number
  checkpointsFailed: number
  lastError: string | null
}

/** What the devnet announces as it runs; services (file store, full nodes, faults, …) listen. */
export type DevnetEvents = {
  /** A block was built (before it is gossiped; `withheld` services may look at ctx.faults). */
  block: [BuiltBlock]
  /** A checkpoint landed on L1. */
  checkpoint: [{ built: BuiltCheckpoint; blocks: BuiltBlock[]; l1: { blockNumber: number; blockHash: Hex; txHash: Hex } }]
  /** A checkpoint could not be posted; its blocks will be orphaned. */
  'checkpoint-failed': [{ blocks: BuiltBlock[]; error: string }]
}

/**
 * Everything a devnet service needs. Services are functions `(ctx) => Promise<void>` listed
 * in src/devnet/services/index.ts; they start after the core network is up and before the
 * endpoints are written, may add fields to `ctx.info`, routes to `ctx.gateway`, and register
 * their cleanup with `ctx.onStop`.
 */
export interface DevnetContext {
  opts: DevnetOptions
  log: Logger
  signal: AbortSignal
  rpcUrl: string
  beaconUrl: string
  rollup: Address
  deployBlock: number
  domain: SigningDomain
  schedule: Schedule
  l1: PublicClient
  validators: Validator[]
  builder: ChainBuilder
  gateway: Gateway
  nodes: { bootstrap: P2PNode; proposer: P2PNode; validators: P2PNode }
  topics: ReturnType<typeof topicsFor>
  /** ws multiaddrs of the bootstrap node (what devnet-side nodes dial). */
  bootstrapWs: string[]
  /** Active fault knobs (see src/devnet/faults.ts when present); services consult it. */
  faults: Set<string>
  events: TypedEmitter<DevnetEvents>
  info: DevnetInfo
  committeeOf(epoch: number): Promise<Validator[]>
  proposerOf(slot: number): Promise<{ proposer: Validator; committee: Validator[] }>
  onStop(fn: () => Promise<void>): void
}

export type DevnetService = (ctx: DevnetContext) => Promise<void>

/** A typed EventEmitter. */
export class TypedEmitter<E extends Record<string, unknown[]>> {
  private readonly ee = new EventEmitter()
  constructor() {
    this.ee.setMaxListeners(64)
  }
  on<K extends keyof E & string>(name: K, fn: (...args: E[K]) => void): () => void {
    this.ee.on(name, fn as (...a: unknown[]) => void)
    return () => this.ee.off(name, fn as (...a: unknown[]) => void)
  }
  emit<K extends keyof E & string>(name: K, ...args: E[K]): void {
    this.ee.emit(name, ...args)
  }
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
    const latest = await l1.getBlock()
    // genesis a few seconds ahead so every validator registers before it (active from epoch 0)
    const genesisTime = Number(latest.timestamp) + 3
    const deployed = await deployRollup(anvil.rpcUrl, {
      l2ChainId: opts.l2ChainId,
      genesisTime,
      slotDuration: opts.slotSeconds,
      epochDuration: opts.epochSlots,
      targetCommitteeSize: opts.committeeSize,
    })
    const rollup = deployed.address.toLowerCase() as Address
    const validators = validatorKeys(opts.validators)
    await registerValidators(anvil.rpcUrl, rollup, validators)
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
    const validatorNode = await createP2PNode({ role: 'devnet', listen: ['/ip4/127.0.0.1/tcp/0/ws'], bootstrap: wsAddrs, seed: 'vigil-devnet-validators' })
    cleanups.push(() => validatorNode.stop())
    const t = topicsFor(opts.l2ChainId)
    // every devnet node relays every topic, so clients get gossip through the bootstrap node
    for (const n of [bootstrapNode, proposerNode, validatorNode]) for (const topic of Object.values(t)) subscribeTopic(n, topic, async () => 'accept')

    const committees = new Map<number, Validator[]>()
    const committeeOf = async (epoch: number): Promise<Validator[]> => {
      let c = committees.get(epoch)
      if (!c) {
        const addrs = (await l1.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epoch)] })) as readonly Address[]
        c = addrs.map((a) => byAddress.get(a.toLowerCase())!)
        committees.set(epoch, c)
      }
      return c
    }
    const proposerOf = async (slot: number): Promise<{ proposer: Validator; committee: Validator[] }> => {
      const epoch = Math.floor(slot / opts.epochSlots)
      const committee = await committeeOf(epoch)
      const idx = proposerIndex(epochSeed(rollup, opts.l2ChainId, epoch), slot, committee.length)
      return { proposer: committee[idx]!, committee }
    }

    // validators: attest to every checkpoint proposal of the expected proposer whose headers link up
    subscribeTopic(validatorNode, t.checkpointProposal, async (data) => {
      const cp = decodeCheckpointProposal(data)
      const { proposer, committee } = await proposerOf(cp.checkpoint.slot)
      const digest = checkpointDigest(cp.checkpoint)
      const signer = recoverAddress(signingDigest(domain, 'CheckpointProposal', digest), cp.signature)
      if (signer !== proposer.address.toLowerCase()) return 'reject'
      for (const v of committee) await publish(validatorNode, t.checkpointAttestation, builder.attestationMessage(digest, cp.checkpoint.slot, v))
      return 'accept'
    })

    // proposer: collects attestations for the checkpoint it is waiting on
    const collected = new Map<Hex, Map<Address, Uint8Array>>()
    const waiters = new Map<Hex, () => void>()
    let needed = 0
    subscribeTopic(proposerNode, t.checkpointAttestation, async (data) => {
      const a = decodeAttestation(data)
      const sigs = collected.get(a.checkpointDigest)
      if (!sigs) return 'ignore'
      const signer = recoverAddress(signingDigest(domain, 'CheckpointAttestation', a.checkpointDigest), a.signature)
      if (!sigs.has(signer)) sigs.set(signer, a.signature)
      if (sigs.size >= needed) waiters.get(a.checkpointDigest)?.()
      return 'accept'
    })

    const gateway: Gateway = await startGateway({ anvilUrl: anvil.rpcUrl })
    cleanups.push(() => gateway.close())

    const builder = new ChainBuilder(domain, opts.l2ChainId, { seed: `vigil-devnet-${rollup}`, blobToCommitment: nativeKzg.blobToKzgCommitment })
    const stats: DevnetStats = { slot: 0, height: 0, checkpointsPosted: 0, checkpointsFailed: 0, lastError: null }
    gateway.addRoute((_req, res, url) => {
      if (url.pathname !== '/status') return false
      sendJson(res, 200, { ...stats, rollup, genesisTime })
      return true
    })

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


    const postCheckpoint = async (blocks: BuiltBlock[], proposer: Validator, committee: Validator[]) => {
      const built = builder.buildCheckpoint(blocks, proposer)
      const sigs = new Map<Address, Uint8Array>()
      collected.set(built.digest, sigs)
      needed = committee.length
      const all = new Promise<void>((resolve) => waiters.set(built.digest, resolve))
      await publish(proposerNode, t.checkpointProposal, built.proposalBytes)
      // wait for every member, or settle for quorum after a grace period
      const graceMs = Math.max(500, opts.slotSeconds * 250)
      await Promise.race([all, delay(graceMs, abort.signal)])
      waiters.delete(built.digest)
      collected.delete(built.digest)
      if (sigs.size < quorumOf(committee.length)) throw new Error(`only ${sigs.size} attestations, quorum is ${quorumOf(committee.length)}`)
      const attestations = encodeAttestationSignatures([...sigs.values()])
      const posted = await proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: built.bytes, attestations, blobs: built.blobs })
      stats.checkpointsPosted++
      events.emit('checkpoint', { built, blocks, l1: { blockNumber: posted.l1BlockNumber, blockHash: posted.l1BlockHash, txHash: posted.txHash } })
    }

    const run = async () => {
      const signal = abort.signal
      let slot = Math.max(0, slotAt(schedule, Date.now() / 1000)) + 1
      let posting: Promise<void> = Promise.resolve()
      while (!signal.aborted) {
        const start = (genesisTime + slot * opts.slotSeconds) * 1000
        if (Date.now() > start + 500) {
          slot = slotAt(schedule, Date.now() / 1000) + 1
          continue
        }
        await delay(Math.max(0, start - Date.now()), signal)
        stats.slot = slot
        const { proposer, committee } = await proposerOf(slot)
        const blocks: BuiltBlock[] = []
        for (let i = 0; i < opts.blocksPerSlot; i++) {
          await delay(Math.max(0, start + (i * opts.slotSeconds * 1000) / opts.blocksPerSlot - Date.now()), signal)
          const b = builder.buildBlock({ slot, indexInCheckpoint: i, proposer })
          blocks.push(b)
          stats.height = b.header.height
          events.emit('block', b)
          await publish(proposerNode, t.blockProposal, b.proposalBytes)
        }
        await delay(Math.max(0, start + opts.slotSeconds * 1000 - Date.now()), signal)
        await posting
        posting = postCheckpoint(blocks, proposer, committee).catch(async (e) => {
          stats.checkpointsFailed++
          stats.lastError = (e as Error).message
          log.error(`checkpoint for slot ${blocks[0]!.header.slot} not posted`, e)
          events.emit('checkpoint-failed', { blocks, error: (e as Error).message })
          // rebuild from what L1 has: the provisional blocks that did not land become orphans
          const [cpNumber, blockHash] = (await l1.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'tip' })) as readonly [bigint, Hex, bigint, bigint]
          builder.rewindTo(blockHash, Number(cpNumber))
        })
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
