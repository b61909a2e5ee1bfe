/**
 * The lying L1 RPC (fault `lying-l1-rpc`, URL 0 of src/devnet/services/l1-rpcs.ts). It forges,
 * consistently, everything a client that believes one RPC takes as the truth:
 * - the committee: `getCommittee` and `getProposer` answer with its own keys (validator i ↦ its
 *   key i, so the contract's sampling order is kept);
 * - a checkpoint: after each real checkpoint lands, checkpoint tip+1 extending the real tip,
 *   proposed by its own proposer and attested by a quorum of its own committee. It is served
 *   as a `CheckpointProposed` log at the end of the real checkpoint's L1 block (the latest
 *   block when forged, made-up blobs), a signed type-3 `propose` transaction and its receipt
 *   (eth_getTransactionByHash / eth_getTransactionReceipt / eth_getBlockReceipts), and `tip()`;
 * - finality: `finalized` is the latest block;
 * - state: eth_getProof of the rollup keeps anvil's proof nodes but carries the forged values
 *   (validators' attesters, checkpoint log, tip), so those proofs do not verify;
 * - the head: the latest block with a made-up state root and its hash recomputed (a
 *   well-formed header that disagrees with the honest RPCs).
 * Each lie is recorded once in the fault log (per epoch, block, proof request, checkpoint).
 */
import { decodeFunctionData, decodeFunctionResult, encodeAbiParameters, encodeEventTopics, encodeFunctionData, encodeFunctionResult, keccak256 as keccakHex, parseTransaction } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Address, Hex } from '../core/types'
import { vigilRollupAbi } from '../contracts/abi'
import { checkpointLogSlot, SLOT_TIP, SLOT_TIP_BLOCK_HASH, validatorSlot } from '../contracts/layout'
import { bytesToHex, concatBytes, hexToBytes } from '../protocol/bytes'
import { encodeAttestationSignatures } from '../protocol/checkpoint'
import { headerFromRpc, headerHash } from '../protocol/eth/header'
import { keccak256, keccak256Hex, utf8 } from '../protocol/hash'
import { epochOfSlot, quorumOf, slotProposer } from '../protocol/schedule'
import { ChainBuilder, validatorKeys, type Validator } from './builder'
import type { DevnetContext, DevnetEvents } from './context'
import { forward, rpcResult, type RpcAnswer, type RpcCall } from './jsonrpc'
import { nativeKzg } from './kzg'

export const LYING_FAULT = 'lying-l1-rpc'

type Json = Record<string, unknown>

/** A checkpoint the liar made up, and how it serves it. */
interface Forged {
  number: number
  slot: number
  digest: Hex
  attestationsHash: Hex
  lastHash: Hex
  lastHeight: number
  l1Hash: Hex
  txHash: Hex
  tx: Json
  receipt: Json
  log: Json
}

/** An eth_getLogs filter, as sent. */
export interface LogFilter {
  fromBlock?: string
  toBlock?: string
  blockHash?: string
  address?: string | string[]
  topics?: (string | string[] | null)[]
}

export const CHECKPOINT_PROPOSED_TOPIC = encodeEventTopics({ abi: vigilRollupAbi, eventName: 'CheckpointProposed' })[0]
const MASK_160 = (1n << 160n) - 1n
const KEEP_FORGED = 16
const KEEP_HEADS = 64
/** Lies remembered as recorded (older ones would be recorded again if asked again). */
const KEEP_NOTED = 4096

export const toQuantity = (n: number | bigint): Hex => `0x${BigInt(n).toString(16)}`
const lower = (v: unknown): string => String(v).toLowerCase()

export class L1Liar {
  private readonly keys: Validator[]
  private readonly indexOf: Map<string, number>
  /** Storage key of validators[i]'s first word → i. */
  private readonly validatorWords = new Map<bigint, number>()
  private readonly forged: Forged[] = []
  /** Forged head hash → the real block number it stands for (eth_getBlockByHash of a forged head). */
  private readonly heads = new Map<string, number>()
  private readonly noted = new Set<string>()
  private work: Promise<void> = Promise.resolve()
  private nonce = 0

  constructor(
    private readonly ctx: DevnetContext,
    private readonly url: string,
  ) {
    this.keys = validatorKeys(ctx.validators.length, `vigil-liar-${ctx.rollup}-`)
    this.indexOf = new Map(ctx.validators.map((v, i) => [v.address.toLowerCase(), i]))
    ctx.validators.forEach((_, i) => this.validatorWords.set(validatorSlot(i), i))
    const off = ctx.events.on('checkpoint', (e) => {
      if (!ctx.faults.has(LYING_FAULT)) return
      this.work = this.work.then(() => this.forge(e)).catch((err) => ctx.log.error('lying-l1-rpc: no checkpoint forged', err))
    })
    ctx.onStop(async () => {
      off()
      await this.work
    })
  }

  answer(call: RpcCall): Promise<RpcAnswer> {
    switch (call.method) {
      case 'eth_call':
        return this.ethCall(call)
      case 'eth_getLogs':
        return this.logs(call)
      case 'eth_getTransactionByHash':
        return this.byTx(call, 'tx')
      case 'eth_getTransactionReceipt':
        return this.byTx(call, 'receipt')
      case 'eth_getBlockReceipts':
        return this.blockReceipts(call)
      case 'eth_getBlockByNumber':
        return this.blockByNumber(call)
      case 'eth_getBlockByHash':
        return this.blockByHash(call)
      case 'eth_getProof':
        return this.proof(call)
      default:
        return this.up(call)
    }
  }

  private up(call: RpcCall): Promise<RpcAnswer> {
    return forward(this.ctx.rpcUrl, call, this.ctx.signal)
  }

  /** Records `detail` the first time `key` is seen. */
  private note(key: string, detail: () => Json): void {
    if (this.noted.has(key)) return
    this.noted.add(key)
    if (this.noted.size > KEEP_NOTED) this.noted.delete(this.noted.values().next().value!)
    this.ctx.faultLog.record(LYING_FAULT, { source: `l1:${new URL(this.url).host}`, url: this.url, ...detail() })
  }

  private liarOf(a: Address): Address {
    const i = this.indexOf.get(a.toLowerCase())
    return i === undefined ? a : this.keys[i]!.address
  }

  private newest(): Forged | undefined {
    return this.forged.at(-1)
  }

  private async ethCall(call: RpcCall): Promise<RpcAnswer> {
    const a = await this.up(call)
    const tx = call.params[0] as { to?: string; data?: Hex; input?: Hex } | undefined
    const data = tx?.data ?? tx?.input
    if (a.error || typeof a.result !== 'string' || lower(tx?.to) !== this.ctx.rollup || !data) return a
    let fn: ReturnType<typeof decodeFunctionData<typeof vigilRollupAbi>>
    try {
      fn = decodeFunctionData({ abi: vigilRollupAbi, data })
    } catch {
      return a
    }
    const result = a.result as Hex
    if (fn.functionName === 'getCommittee') {
      const committee = decodeFunctionResult({ abi: vigilRollupAbi, functionName: 'getCommittee', data: result }).map((x) => this.liarOf(x))
      const epoch = Number(fn.args[0])
      this.note(`committee:${epoch}`, () => ({ action: 'forged-committee', epoch, committee }))
      return { ...a, result: encodeFunctionResult({ abi: vigilRollupAbi, functionName: 'getCommittee', result: committee }) }
    }
    if (fn.functionName === 'getProposer') {
      const proposer = this.liarOf(decodeFunctionResult({ abi: vigilRollupAbi, functionName: 'getProposer', data: result }))
      this.note(`proposer:${fn.args[0]}`, () => ({ action: 'forged-proposer', slot: Number(fn.args![0]), proposer }))
      return { ...a, result: encodeFunctionResult({ abi: vigilRollupAbi, functionName: 'getProposer', result: proposer }) }
    }
    const f = this.newest()
    if (fn.functionName === 'tip' && f && f.number > Number(decodeFunctionResult({ abi: vigilRollupAbi, functionName: 'tip', data: result })[0])) {
      this.note(`tip:${f.number}`, () => ({ action: 'forged-tip', checkpointNumber: f.number, blockHash: f.lastHash, height: f.lastHeight, slot: f.slot }))
      return { ...a, result: encodeFunctionResult({ abi: vigilRollupAbi, functionName: 'tip', result: [BigInt(f.number), f.lastHash, BigInt(f.lastHeight), BigInt(f.slot)] }) }
    }
    return a
  }

  private async logs(call: RpcCall): Promise<RpcAnswer> {
    const a = await this.up(call)
    if (a.error || !Array.isArray(a.result) || this.forged.length === 0) return a
    const filter = (call.params[0] ?? {}) as LogFilter
    let latest: Promise<number> | undefined
    const head = () => (latest ??= rpcResult<Hex>(this.ctx.rpcUrl, 'eth_blockNumber', [], this.ctx.signal).then(Number))
    const extra: Json[] = []
    for (const f of this.forged) if (await logMatches(filter, f.log, head)) extra.push(f.log)
    if (extra.length === 0) return a
    const at = (l: Json) => Number(l.blockNumber) * 1e6 + Number(l.logIndex)
    return { ...a, result: [...(a.result as Json[]), ...extra].sort((x, y) => at(x) - at(y)) }
  }

  private async byTx(call: RpcCall, kind: 'tx' | 'receipt'): Promise<RpcAnswer> {
    const f = this.forged.find((g) => g.txHash === lower(call.params[0]))
    return f ? { jsonrpc: '2.0', id: call.id, result: f[kind] } : this.up(call)
  }

  private async blockReceipts(call: RpcCall): Promise<RpcAnswer> {
    const a = await this.up(call)
    if (a.error || !Array.isArray(a.result) || a.result.length === 0) return a
    const hash = lower((a.result[0] as Json).blockHash)
    const extra = this.forged.filter((f) => f.l1Hash === hash).map((f) => f.receipt)
    return extra.length ? { ...a, result: [...a.result, ...extra] } : a
  }

  private async blockByNumber(call: RpcCall): Promise<RpcAnswer> {
    const tag = call.params[0]
    const finalized = tag === 'finalized'
    const a = await this.up(finalized ? { ...call, params: ['latest', ...call.params.slice(1)] } : call)
    const block = a.result as Json | null
    if (a.error || !block) return a
    const isHead =
      tag === 'latest' || finalized || (typeof tag === 'string' && /^0x[0-9a-f]+$/i.test(tag) && BigInt(tag) === BigInt(await rpcResult<Hex>(this.ctx.rpcUrl, 'eth_blockNumber', [], this.ctx.signal)))
    if (!isHead) return a
    const forged = this.forgeHead(block)
    if (finalized) {
      const number = Number(block.number)
      this.note(`finalized:${number}`, () => ({ action: 'finalized-ahead', l1BlockNumber: number, hash: forged.hash }))
    }
    return { ...a, result: forged }
  }

  private async blockByHash(call: RpcCall): Promise<RpcAnswer> {
    const number = this.heads.get(lower(call.params[0]))
    if (number === undefined) return this.up(call)
    const a = await this.up({ ...call, method: 'eth_getBlockByNumber', params: [toQuantity(number), call.params[1] ?? false] })
    return a.error || !a.result ? a : { ...a, result: this.forgeHead(a.result as Json) }
  }

  /** The block with a made-up state root and the hash of that header. */
  private forgeHead(block: Json): Json {
    const header = headerFromRpc(block)
    const stateRoot = keccak256Hex(concatBytes(utf8('vigil-liar-state'), hexToBytes(header.stateRoot)))
    const hash = headerHash({ ...header, stateRoot })
    const number = Number(header.number)
    this.heads.set(hash, number)
    if (this.heads.size > KEEP_HEADS) this.heads.delete(this.heads.keys().next().value!)
    this.note(`head:${number}`, () => ({ action: 'forged-head', l1BlockNumber: number, hash: block.hash, forgedHash: hash, stateRoot: header.stateRoot, forgedStateRoot: stateRoot }))
    return { ...block, stateRoot, hash }
  }

  private async proof(call: RpcCall): Promise<RpcAnswer> {
    const a = await this.up(call)
    const r = a.result as { storageProof?: { key: Hex; value: Hex }[] } | null
    if (a.error || !r?.storageProof || lower(call.params[0]) !== this.ctx.rollup) return a
    const keys: Hex[] = []
    const storageProof = r.storageProof.map((p) => {
      const value = BigInt(p.value)
      const forged = this.forgedWord(BigInt(p.key), value)
      if (forged === value) return p
      keys.push(p.key)
      return { ...p, value: toQuantity(forged) }
    })
    if (keys.length === 0) return a
    const block = call.params[2] ?? 'latest'
    this.note(`proof:${JSON.stringify(block)}:${keys.join()}`, () => ({ action: 'forged-proof', block, keys }))
    return { ...a, result: { ...r, storageProof } }
  }

  /** The storage word the liar claims at `key` (see src/contracts/layout.ts). */
  private forgedWord(key: bigint, value: bigint): bigint {
    const i = this.validatorWords.get(key)
    if (i !== undefined) return (value & ~MASK_160) | BigInt(this.keys[i]!.address)
    const f = this.newest()
    if (!f) return value
    if (key === SLOT_TIP) return BigInt(f.number) | (BigInt(f.lastHeight) << 64n) | (BigInt(f.slot) << 128n)
    if (key === SLOT_TIP_BLOCK_HASH) return BigInt(f.lastHash)
    for (const g of [...this.forged].reverse()) {
      const base = checkpointLogSlot(g.number)
      if (key >= base && key < base + 4n) return [BigInt(g.lastHash), BigInt(g.digest), BigInt(g.attestationsHash), BigInt(g.lastHeight) | (BigInt(g.slot) << 64n)][Number(key - base)]!
    }
    return value
  }

  /** Checkpoint tip+1 on the real tip, just after checkpoint `e` landed (skipped if the tip is no longer `e`). */
  private async forge(e: DevnetEvents['checkpoint'][0]): Promise<void> {
    const { ctx } = this
    const last = e.blocks.at(-1)!
    const [number, tipHash, height, lastSlot] = await ctx.l1.readContract({ address: ctx.rollup, abi: vigilRollupAbi, functionName: 'tip' })
    if (lower(tipHash) !== last.hash) return
    const receipts = await rpcResult<Json[]>(ctx.rpcUrl, 'eth_getBlockReceipts', [toQuantity(e.l1.blockNumber)], ctx.signal)
    const real = receipts.find((r) => r.transactionHash === e.l1.txHash)
    if (!real || lower(real.blockHash) !== e.l1.blockHash.toLowerCase()) return
    const template = await rpcResult<Json>(ctx.rpcUrl, 'eth_getTransactionByHash', [e.l1.txHash], ctx.signal)

    const slot = Number(lastSlot) + 1
    const epoch = epochOfSlot(ctx.schedule, slot)
    const committee = (await ctx.committeeOf(epoch)).map((v) => this.keys[this.indexOf.get(v.address.toLowerCase())!]!)
    const proposerAddress = slotProposer(ctx.rollup, ctx.opts.l2ChainId, epoch, slot, committee.map((v) => v.address))
    const proposer = committee.find((v) => v.address === proposerAddress)!
    const builder = new ChainBuilder(ctx.domain, ctx.opts.l2ChainId, {
      tip: { hash: last.hash, height: Number(height), stateRoot: last.header.stateRoot, checkpointNumber: Number(number) },
      seed: `vigil-liar-${ctx.rollup}-${number}`,
      blobToCommitment: nativeKzg.blobToKzgCommitment,
    })
    const start = (ctx.schedule.genesisTime + slot * ctx.schedule.slotDuration) * 1000
    const n = ctx.opts.blocksPerSlot
    const blocks = Array.from({ length: n }, (_, i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer, timestamp: start + Math.floor((i * ctx.schedule.slotDuration * 1000) / n) }))
    const built = builder.buildCheckpoint(blocks, proposer)
    const attestations = bytesToHex(encodeAttestationSignatures(builder.attest(built.digest, committee.slice(0, quorumOf(committee.length)))))
    const input = encodeFunctionData({ abi: vigilRollupAbi, functionName: 'propose', args: [bytesToHex(built.bytes), attestations] })
    const lastBlock = blocks.at(-1)!

    // a genuinely signed type-3 transaction (never broadcast), appended to the real block
    const signed = await privateKeyToAccount(proposer.privateKey).signTransaction({
      type: 'eip4844',
      chainId: ctx.domain.l1ChainId,
      nonce: this.nonce++,
      to: ctx.rollup,
      data: input,
      gas: BigInt(template.gas as Hex),
      maxFeePerGas: BigInt(template.maxFeePerGas as Hex),
      maxPriorityFeePerGas: BigInt(template.maxPriorityFeePerGas as Hex),
      maxFeePerBlobGas: BigInt(template.maxFeePerBlobGas as Hex),
      blobVersionedHashes: built.checkpoint.blobVersionedHashes,
    })
    const { r, s, yParity } = parseTransaction(signed)
    const txHash = keccakHex(signed)
    const place = { blockHash: real.blockHash, blockNumber: real.blockNumber, transactionIndex: toQuantity(receipts.length) }
    const realLog = (real.logs as Json[]).find((l) => (l.topics as Hex[])[0] === CHECKPOINT_PROPOSED_TOPIC)!
    const log: Json = {
      ...realLog,
      ...place,
      transactionHash: txHash,
      logIndex: toQuantity(receipts.reduce((k, x) => k + (x.logs as unknown[]).length, 0)),
      topics: encodeEventTopics({ abi: vigilRollupAbi, eventName: 'CheckpointProposed', args: { checkpointNumber: BigInt(built.checkpoint.checkpointNumber), slot: BigInt(slot) } }),
      data: encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'bytes32' }, { type: 'uint64' }, { type: 'address' }],
        [built.digest, lastBlock.hash, BigInt(lastBlock.header.height), proposer.address],
      ),
    }
    const tx: Json = { ...template, ...place, hash: txHash, from: proposer.address, nonce: toQuantity(this.nonce - 1), input, blobVersionedHashes: built.checkpoint.blobVersionedHashes, r, s, yParity: toQuantity(yParity ?? 0), v: toQuantity(yParity ?? 0) }
    const cumulative = BigInt(receipts.at(-1)!.cumulativeGasUsed as Hex) + BigInt(real.gasUsed as Hex)
    const receipt: Json = { ...real, ...place, transactionHash: txHash, from: proposer.address, logs: [log], logsBloom: logsBloom([log]), cumulativeGasUsed: toQuantity(cumulative) }

    this.forged.push({
      number: built.checkpoint.checkpointNumber,
      slot,
      digest: built.digest,
      attestationsHash: keccak256Hex(hexToBytes(attestations)),
      lastHash: lastBlock.hash,
      lastHeight: lastBlock.header.height,
      l1Hash: lower(real.blockHash) as Hex,
      txHash,
      tx,
      receipt,
      log,
    })
    if (this.forged.length > KEEP_FORGED) this.forged.shift()
    this.note(`checkpoint:${txHash}`, () => ({
      action: 'forged-checkpoint',
      checkpointNumber: built.checkpoint.checkpointNumber,
      slot,
      digest: built.digest,
      headerHashes: blocks.map((b) => b.hash),
      parentHash: last.hash,
      lastHeight: lastBlock.header.height,
      proposer: proposer.address,
      attestations: quorumOf(committee.length),
      txHash,
      l1BlockNumber: Number(real.blockNumber),
      l1BlockHash: real.blockHash,
    }))
  }
}

/** Whether an eth_getLogs `filter` selects `log`; `head()` resolves a block tag (the liar's `finalized` is its latest). */
export async function logMatches(filter: LogFilter, log: Json, head: () => Promise<number>): Promise<boolean> {
  const at = async (tag: string | undefined) => (tag === 'earliest' ? 0 : tag && /^0x[0-9a-f]+$/i.test(tag) ? Number(tag) : head())
  const n = Number(log.blockNumber)
  if (filter.blockHash !== undefined) {
    if (lower(filter.blockHash) !== lower(log.blockHash)) return false
  } else if (n < (await at(filter.fromBlock)) || n > (await at(filter.toBlock))) return false
  const one = (want: string | string[] | null | undefined, got: unknown) => want == null || [want].flat().some((w) => lower(w) === lower(got))
  if (!one(filter.address, log.address)) return false
  const topics = log.topics as Hex[]
  return (filter.topics ?? []).every((t, i) => one(t, topics[i]))
}

/** The 2048-bit bloom of logs' addresses and topics (yellow paper §4.3.1). */
function logsBloom(logs: Json[]): Hex {
  const bloom = new Uint8Array(256)
  for (const l of logs)
    for (const item of [l.address as Hex, ...(l.topics as Hex[])]) {
      const h = keccak256(hexToBytes(item))
      for (let i = 0; i < 6; i += 2) {
        const bit = ((h[i]! << 8) | h[i + 1]!) & 2047
        bloom[255 - (bit >> 3)]! |= 1 << (bit & 7)
      }
    }
  return bytesToHex(bloom)
}
