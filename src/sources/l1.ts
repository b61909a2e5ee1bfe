import { createClient, decodeFunctionData, fallback, http, type PublicClient } from 'viem'
import { getBlock, getBlockNumber, getContractEvents, getLogs, getTransaction, readContract } from 'viem/actions'
import { VigilError } from '../core/errors'
import type { AbortOptions, Address, Hex } from '../core/types'
import { vigilRollupAbi } from '../contracts/abi'
import { hexToBytes } from '../protocol/bytes'
import { StatsRecorder } from './stats'
import type { L1Block, L1Port, MinedCheckpoint, RollupParams } from '../ports/l1'

export type { L1Block, L1Port, MinedCheckpoint, RollupParams }

const MAX_LOG_RANGE = 2_000n

/**
 * The L1 Ethereum RPC source (viem): rollup parameters, committees, mined checkpoints and
 * L1 finality. Several RPC URLs are used through viem's fallback transport. Every HTTP
 * request is counted in `stats` (bytes, latency, failures).
 */
export class L1Source implements L1Port {
  readonly stats: StatsRecorder
  private readonly client: PublicClient
  private readonly committees = new Map<number, Promise<Address[]>>()
  private params: RollupParams | null = null

  constructor(
    readonly rollup: Address,
    rpcUrls: string[],
    /** `signal`: the owner stopping; every request in flight or to come is aborted with it. */
    opts: { name?: string; timeoutMs?: number; signal?: AbortSignal } = {},
  ) {
    const stats = (this.stats = new StatsRecorder(opts.name ?? 'l1', 'l1'))
    const stop = opts.signal
    const fetchFn: typeof fetch = async (input, init) => {
      const t0 = performance.now()
      try {
        const signal = stop ? (init?.signal ? AbortSignal.any([init.signal, stop]) : stop) : init?.signal
        const res = await fetch(input, signal ? { ...init, signal } : init)
        const body = await res.arrayBuffer()
        if (!res.ok) stats.failure(new VigilError('SOURCE_BAD_RESPONSE', `L1 RPC answered HTTP ${res.status}`, { severity: 'soft' }), performance.now() - t0)
        else stats.success(body.byteLength, performance.now() - t0)
        return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
      } catch (e) {
        if (stop?.aborted) throw e // the owner stopped: not a failure of the source
        stats.failure(new VigilError('SOURCE_UNAVAILABLE', `L1 RPC unreachable: ${(e as Error).message}`, { severity: 'soft', cause: e }), performance.now() - t0)
        throw e
      }
    }
    const transports = rpcUrls.map((u) => http(u, { fetchFn, timeout: opts.timeoutMs ?? 10_000, retryCount: 1 }))
    // a bare client with only the actions used here (tree-shaken: createPublicClient would bundle
    // every public action, ~90 kB gzip in the worker). Typed as PublicClient: add an action here
    // before calling another client method.
    const base = createClient({ transport: transports.length === 1 ? transports[0]! : fallback(transports), cacheTime: 0 })
    const actions = {
      readContract: (a: never) => readContract(base, a),
      getBlock: (a: never) => getBlock(base, a),
      getBlockNumber: (a?: never) => getBlockNumber(base, a),
      getContractEvents: (a: never) => getContractEvents(base, a),
      getLogs: (a: never) => getLogs(base, a),
      getTransaction: (a: never) => getTransaction(base, a),
    }
    this.client = Object.assign(base, actions) as unknown as PublicClient
  }

  /** Reads the rollup's chain parameters once (immutable after deployment). */
  async rollupParams(): Promise<RollupParams> {
    if (this.params) return this.params
    const read = <F extends 'l2ChainId' | 'genesisTime' | 'slotDuration' | 'epochDuration' | 'targetCommitteeSize'>(functionName: F) =>
      this.call(() => this.client.readContract({ address: this.rollup, abi: vigilRollupAbi, functionName } as never) as Promise<bigint | number>)
    const [l2ChainId, genesisTime, slotDuration, epochDuration, targetCommitteeSize] = await Promise.all([
      read('l2ChainId'),
      read('genesisTime'),
      read('slotDuration'),
      read('epochDuration'),
      read('targetCommitteeSize'),
    ])
    this.params = {
      l2ChainId: Number(l2ChainId),
      genesisTime: Number(genesisTime),
      slotDuration: Number(slotDuration),
      epochDuration: Number(epochDuration),
      targetCommitteeSize: Number(targetCommitteeSize),
    }
    return this.params
  }

  /**
   * The committee of `epoch`, as the rollup contract samples it. Cached once the epoch has
   * started (validators activate from the next epoch, so a started epoch's committee is fixed).
   */
  committee(epoch: number, currentEpoch: number): Promise<Address[]> {
    const cached = this.committees.get(epoch)
    if (cached) return cached
    const p = this.call(() => this.client.readContract({ address: this.rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epoch)] }) as Promise<readonly Address[]>).then(
      (c) => c.map((a) => a.toLowerCase() as Address),
    )
    if (epoch <= currentEpoch) {
      this.committees.set(epoch, p)
      p.catch(() => this.committees.delete(epoch))
    }
    return p
  }

  /** The committee of `epoch` read from the rollup contract now, bypassing the cache (on-demand re-verification). */
  async readCommittee(epoch: number): Promise<Address[]> {
    const c = await this.call(() => this.client.readContract({ address: this.rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epoch)] }) as Promise<readonly Address[]>)
    return c.map((a) => a.toLowerCase() as Address)
  }

  async block(tag: 'latest' | 'finalized' | number): Promise<L1Block | null> {
    const b = await this.call(() => (typeof tag === 'number' ? this.client.getBlock({ blockNumber: BigInt(tag) }) : this.client.getBlock({ blockTag: tag })))
    if (!b || b.number === null || b.hash === null) return null
    return { number: Number(b.number), hash: b.hash, timestamp: Number(b.timestamp) }
  }

  /** All CheckpointProposed events in [from, to], in L1 order, joined with their transactions. */
  async minedCheckpoints(from: number, to: number, opts: AbortOptions = {}): Promise<MinedCheckpoint[]> {
    const out: MinedCheckpoint[] = []
    for (let start = BigInt(from); start <= BigInt(to); start += MAX_LOG_RANGE) {
      opts.signal?.throwIfAborted()
      const end = start + MAX_LOG_RANGE - 1n < BigInt(to) ? start + MAX_LOG_RANGE - 1n : BigInt(to)
      const logs = await this.call(() =>
        this.client.getContractEvents({ address: this.rollup, abi: vigilRollupAbi, eventName: 'CheckpointProposed', fromBlock: start, toBlock: end, strict: true }),
      )
      const txs = await Promise.all(logs.map((l) => this.call(() => this.client.getTransaction({ hash: l.transactionHash! }))))
      logs.forEach((log, i) => {
        const tx = txs[i]!
        const args = log.args as { checkpointNumber: bigint; slot: bigint; checkpointDigest: Hex }
        let decoded: { args: readonly unknown[] }
        try {
          decoded = decodeFunctionData({ abi: vigilRollupAbi, data: tx.input }) as { args: readonly unknown[] }
        } catch (e) {
          throw new VigilError('SOURCE_BAD_RESPONSE', `transaction ${tx.hash} of checkpoint ${args.checkpointNumber} is not a propose() call`, { cause: e })
        }
        const [checkpointHex, attestationsHex] = decoded.args as [Hex, Hex]
        out.push({
          checkpointNumber: Number(args.checkpointNumber),
          slot: Number(args.slot),
          digest: args.checkpointDigest,
          checkpointBytes: hexToBytes(checkpointHex),
          attestationsBytes: hexToBytes(attestationsHex),
          txBlobVersionedHashes: (tx.blobVersionedHashes ?? []) as Hex[],
          txFrom: tx.from.toLowerCase() as Address,
          txHash: tx.hash,
          l1BlockNumber: Number(log.blockNumber),
          l1BlockHash: log.blockHash!,
          logIndex: Number(log.logIndex),
        })
      })
    }
    return out
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      if (e instanceof VigilError) throw e
      throw new VigilError('SOURCE_UNAVAILABLE', `L1 RPC: ${(e as Error).message.split('\n')[0]}`, { severity: 'soft', cause: e })
    }
  }
}
