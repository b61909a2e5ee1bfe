/**
 * The devnet's three L1 RPCs (src/devnet/services/l1-rpcs.ts) and their faults, against a live
 * devnet started with `--fault lying-l1-rpc --fault l1-rpc-hides-checkpoint`: URL 0 forges
 * (committee, checkpoint log + propose tx, finality, storage values, head), URL 1 hides the
 * CheckpointProposed logs of checkpoints ≡ 2 (mod 3); then, with both faults switched off
 * through the admin endpoint, all three are plain CORS JSON-RPC proxies of anvil; and
 * `l1-rpc-down` turns URL 2 into a 503.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { createPublicClient, decodeEventLog, decodeFunctionData, encodeEventTopics, http, type PublicClient } from 'viem'
import type { Address, Hex } from '../../src/core/types'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { checkpointLogSlot, SLOT_TIP_BLOCK_HASH, validatorSlot } from '../../src/contracts/layout'
import { hexToBytes } from '../../src/protocol/bytes'
import { decodeAttestationSignatures, decodeCheckpoint } from '../../src/protocol/checkpoint'
import { signingDigest } from '../../src/protocol/domain'
import { headerFromRpc, headerHash } from '../../src/protocol/eth/header'
import { keccak256Hex } from '../../src/protocol/hash'
import { quorumOf } from '../../src/protocol/schedule'
import { verifyStorageProof } from '../../src/verify/mpt'
import { initCrypto, recoverAddress } from '../../src/verify/secp256k1'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { pollUntil } from '../helpers/wait'
import { adminGet, adminSet, rollupTip } from './faults-admin'

type Json = Record<string, any>

async function rpc<T = any>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const a = (await res.json()) as { result?: T; error?: { message: string } }
  if (a.error) throw new Error(`${method}: ${a.error.message}`)
  return a.result as T
}

const client = (url: string) => createPublicClient({ transport: http(url), cacheTime: 0 }) as PublicClient
const topic = (n: number) => `0x${n.toString(16).padStart(64, '0')}`

describe("the devnet's L1 RPCs", () => {
  let devnet: DevnetProcess
  let anvil: string
  let urls: string[]
  let rollup: Address

  beforeAll(async () => {
    await initCrypto()
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '2', '--fault', 'lying-l1-rpc', '--fault', 'l1-rpc-hides-checkpoint'])
    anvil = devnet.info.devnet.rpcUrl
    urls = devnet.info.l1.rpcUrls
    rollup = devnet.info.l1.rollup
  }, 120_000)

  afterAll(async () => {
    await devnet?.stop()
  }, 60_000)

  it('devnet.json lists three RPCs on their own origins, quorum 2, and their roles; anvil stays devnet.rpcUrl', () => {
    expect(urls).toHaveLength(3)
    for (const u of urls) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(new Set(urls.map((u) => new URL(u).port)).size).toBe(3)
    expect(urls).not.toContain(anvil)
    expect(devnet.info.l1.quorum).toBe(2)
    expect(devnet.info.devnet.l1Rpcs).toEqual([
      { url: urls[0], role: 'liar' },
      { url: urls[1], role: 'hider' },
      { url: urls[2], role: 'honest' },
    ])
  })

  it('lying-l1-rpc: URL 0 forges the committee, finality, storage values, the head and a checkpoint signed by its own committee', async () => {
    onTestFailed(() => console.error(`devnet output:\n${devnet.output.slice(-40).join('\n')}`))
    const forged = await pollUntil(async () => (await adminGet(devnet.info, '?fault=lying-l1-rpc')).actions.filter((a) => a.detail.action === 'forged-checkpoint').at(-1) ?? null, {
      timeoutMs: 60_000,
      what: 'a forged checkpoint',
    })
    const f = forged.detail as { checkpointNumber: number; digest: Hex; headerHashes: Hex[]; parentHash: Hex; proposer: Address; txHash: Hex; l1BlockNumber: number; source: string }
    expect(f.source).toBe(`l1:${new URL(urls[0]!).host}`)

    // the committee: 48 keys of its own, none of the real ones
    const committee = (rpcUrl: string) => client(rpcUrl).readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [0n] })
    const real = await committee(anvil)
    const lie = await committee(urls[0]!)
    expect(lie).toHaveLength(48)
    expect(lie.filter((a) => real.includes(a))).toEqual([])
    expect(await committee(urls[1]!)).toEqual(real)

    // the forged checkpoint: a log at the end of a real L1 block, a propose() tx, a receipt
    const filter = { address: rollup, topics: [null, topic(f.checkpointNumber)], fromBlock: `0x${f.l1BlockNumber.toString(16)}`, toBlock: 'latest' }
    const logs = await rpc<Json[]>(urls[0]!, 'eth_getLogs', [filter])
    const log = logs.find((l) => l.transactionHash === f.txHash)!
    expect(log).toBeTruthy()
    expect((await rpc<Json[]>(anvil, 'eth_getLogs', [filter])).map((l) => l.transactionHash)).not.toContain(f.txHash)
    const event = decodeEventLog({ abi: vigilRollupAbi, data: log.data, topics: log.topics }) as { eventName: string; args: { checkpointNumber: bigint; checkpointDigest: Hex; proposer: Address } }
    expect(event.eventName).toBe('CheckpointProposed')
    expect(Number(event.args.checkpointNumber)).toBe(f.checkpointNumber)
    const tx = await rpc<Json>(urls[0]!, 'eth_getTransactionByHash', [f.txHash])
    expect(tx.type).toBe('0x3')
    expect(tx.from).toBe(f.proposer)
    expect(await rpc(anvil, 'eth_getTransactionByHash', [f.txHash])).toBeNull()
    const call = decodeFunctionData({ abi: vigilRollupAbi, data: tx.input })
    expect(call.functionName).toBe('propose')
    const [checkpointHex, attestationsHex] = call.args as [Hex, Hex]
    expect(keccak256Hex(hexToBytes(checkpointHex))).toBe(event.args.checkpointDigest)
    expect(event.args.checkpointDigest).toBe(f.digest)
    const cp = decodeCheckpoint(hexToBytes(checkpointHex))
    expect(cp.checkpointNumber).toBe(f.checkpointNumber)
    expect(cp.headers.map((h) => h.hash)).toEqual(f.headerHashes)
    expect(cp.headers[0]!.parentHash).toBe(f.parentHash)
    expect(cp.headers.every((h) => h.proposer === f.proposer)).toBe(true)
    // signed by a quorum of its forged committee (domain: L1 chain id, rollup)
    const domain = { l1ChainId: devnet.info.l1.chainId, rollup }
    const signers = decodeAttestationSignatures(hexToBytes(attestationsHex)).map((s) => recoverAddress(signingDigest(domain, 'CheckpointAttestation', f.digest), s))
    expect(signers.length).toBe(quorumOf(48))
    expect(signers.every((s) => lie.map((a) => a.toLowerCase()).includes(s))).toBe(true)
    // what a naive viem-based client reads (src/sources/l1.ts before issue 8) takes it as it is
    const naive = client(urls[0]!)
    const events = await naive.getContractEvents({ address: rollup, abi: vigilRollupAbi, eventName: 'CheckpointProposed', fromBlock: BigInt(f.l1BlockNumber), toBlock: BigInt(f.l1BlockNumber), strict: true })
    expect(events.map((e) => e.transactionHash)).toContain(f.txHash)
    const viemTx = await naive.getTransaction({ hash: f.txHash })
    expect(viemTx.blobVersionedHashes).toEqual(cp.blobVersionedHashes)
    expect(viemTx.from).toBe(f.proposer)
    const receipt = await rpc<Json>(urls[0]!, 'eth_getTransactionReceipt', [f.txHash])
    expect(receipt.logs).toEqual([log])
    const blockReceipts = await rpc<Json[]>(urls[0]!, 'eth_getBlockReceipts', [log.blockNumber])
    expect(blockReceipts.at(-1)).toEqual(receipt)
    expect(await rpc<Json[]>(anvil, 'eth_getBlockReceipts', [log.blockNumber])).toHaveLength(blockReceipts.length - 1)

    // finality ahead of the truth: its finalized is its latest (anvil's trails by 2 blocks)
    const [fin, latest] = await pollUntil(
      async () => {
        const b = (await (await fetch(urls[0]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([
          { jsonrpc: '2.0', id: 1, method: 'eth_getBlockByNumber', params: ['finalized', false] },
          { jsonrpc: '2.0', id: 2, method: 'eth_getBlockByNumber', params: ['latest', false] },
        ]) })).json()) as { id: number; result: Json }[]
        return b[0]!.result.number === b[1]!.result.number ? [b[0]!.result, b[1]!.result] : null
      },
      { timeoutMs: 20_000, what: 'finalized and latest of one L1 block' },
    )
    expect(fin.hash).toBe(latest.hash)
    expect(Number((await rpc<Json>(anvil, 'eth_getBlockByNumber', ['finalized', false])).number)).toBeLessThan(Number(latest.number))

    // the head: a well-formed header (it hashes to its claimed hash) that is not anvil's
    expect(headerHash(headerFromRpc(latest))).toBe(latest.hash)
    const truth = await rpc<Json>(anvil, 'eth_getBlockByNumber', [latest.number, false])
    expect(headerHash(headerFromRpc(truth))).toBe(truth.hash)
    expect(latest.hash).not.toBe(truth.hash)
    expect(latest.stateRoot).not.toBe(truth.stateRoot)
    expect(latest.parentHash).toBe(truth.parentHash)

    // storage: the same proof nodes with forged values (which those nodes do not prove); URLs 1 and 2 answer as anvil
    const base = checkpointLogSlot(f.checkpointNumber)
    const keys = [validatorSlot(0), validatorSlot(1), SLOT_TIP_BLOCK_HASH, base + 1n, base + 2n].map((k) => `0x${k.toString(16).padStart(64, '0')}`)
    const at = truth.number as string
    const [mine, ...others] = await Promise.all([anvil, ...urls].map((u) => rpc<Json>(u, 'eth_getProof', [rollup, keys, at])))
    expect(others[1]).toEqual(mine)
    expect(others[2]).toEqual(mine)
    const liar = others[0]!
    expect(liar.accountProof).toEqual(mine!.accountProof)
    liar.storageProof.forEach((p: Json, i: number) => {
      const honest = mine!.storageProof[i]
      expect(p.proof).toEqual(honest.proof)
      expect(p.value).not.toBe(honest.value)
      expect(verifyStorageProof(liar.storageHash, BigInt(p.key), p.proof)).toBe(BigInt(honest.value))
      expect(verifyStorageProof(liar.storageHash, BigInt(p.key), p.proof)).not.toBe(BigInt(p.value))
    })

    const kinds = new Set((await adminGet(devnet.info, '?fault=lying-l1-rpc')).actions.map((a) => a.detail.action))
    for (const k of ['forged-checkpoint', 'forged-committee', 'finalized-ahead', 'forged-head', 'forged-proof']) expect(kinds).toContain(k)
  }, 120_000)

  it('l1-rpc-hides-checkpoint: URL 1 lacks exactly the logs of checkpoints 2 mod 3 that anvil has', async () => {
    await pollUntil(async () => ((await rollupTip(devnet.info)).checkpointNumber >= 5 ? true : null), { timeoutMs: 60_000, what: 'checkpoint 5 on L1' })
    const to = await rpc<Hex>(anvil, 'eth_blockNumber')
    const filter = { address: rollup, topics: encodeEventTopics({ abi: vigilRollupAbi, eventName: 'CheckpointProposed' }), fromBlock: `0x${devnet.info.l1.deployBlock.toString(16)}`, toBlock: to }
    const numbers = async (u: string) => (await rpc<Json[]>(u, 'eth_getLogs', [filter])).map((l) => Number(BigInt(l.topics[1])))
    const all = await numbers(anvil)
    expect(all.filter((n) => n % 3 === 2).length).toBeGreaterThanOrEqual(2)
    expect(await numbers(urls[1]!)).toEqual(all.filter((n) => n % 3 !== 2))
    expect(await numbers(urls[2]!)).toEqual(all)
    const hidden = (await adminGet(devnet.info, '?fault=l1-rpc-hides-checkpoint')).actions.map((a) => a.detail.checkpointNumber as number)
    for (const n of all.filter((k) => k % 3 === 2)) expect(hidden).toContain(n)
    // everything else is honest: receipts, blocks
    const b = await rpc<Json>(anvil, 'eth_getBlockByNumber', [to, false])
    expect(await rpc<Json>(urls[1]!, 'eth_getBlockByNumber', [to, false])).toEqual(b)
    expect(await rpc<Json[]>(urls[1]!, 'eth_getBlockReceipts', [to])).toEqual(await rpc<Json[]>(anvil, 'eth_getBlockReceipts', [to]))
  }, 90_000)

  it('with no fault, all three answer a call, a batch (ids kept) and a CORS preflight, and URL 0 tells the truth', async () => {
    for (const name of ['lying-l1-rpc', 'l1-rpc-hides-checkpoint']) expect((await adminSet(devnet.info, name, false)).status).toBe(200)
    for (const u of urls) {
      expect(Number(await rpc<Hex>(u, 'eth_blockNumber'))).toBeGreaterThan(0)
      const res = await fetch(u, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' },
        body: JSON.stringify([
          { jsonrpc: '2.0', id: 'a', method: 'eth_chainId', params: [] },
          { jsonrpc: '2.0', id: 7, method: 'eth_getBlockByNumber', params: ['0x1', false] },
        ]),
      })
      expect(res.headers.get('access-control-allow-origin')).toBe('*')
      const batch = (await res.json()) as { id: unknown; result: any }[]
      expect(batch.map((a) => a.id)).toEqual(['a', 7])
      expect(Number(batch[0]!.result)).toBe(devnet.info.l1.chainId)
      expect(batch[1]!.result.number).toBe('0x1')
      const pre = await fetch(u, { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
      expect(pre.status).toBe(204)
      expect(pre.headers.get('access-control-allow-origin')).toBe('*')
      expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
      expect(pre.headers.get('access-control-allow-headers')).toContain('content-type')
    }
    const committee = (rpcUrl: string) => client(rpcUrl).readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [0n] })
    expect(await committee(urls[0]!)).toEqual(await committee(anvil))
    const n = await rpc<Hex>(anvil, 'eth_blockNumber')
    expect((await rpc<Json>(urls[0]!, 'eth_getBlockByNumber', [n, false])).hash).toBe((await rpc<Json>(anvil, 'eth_getBlockByNumber', [n, false])).hash)
  })

  it('l1-rpc-down: URL 2 answers 503 while the fault is on, and again when it is off', async () => {
    expect((await adminSet(devnet.info, 'l1-rpc-down', true)).status).toBe(200)
    const post = () => fetch(urls[2]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }) })
    expect((await post()).status).toBe(503)
    expect(Number(await rpc<Hex>(urls[0]!, 'eth_blockNumber'))).toBeGreaterThan(0)
    const down = (await adminGet(devnet.info, '?fault=l1-rpc-down')).actions
    expect(down.map((a) => a.detail)).toEqual([{ source: `l1:${new URL(urls[2]!).host}`, url: urls[2], action: 'down', status: 503 }])
    expect((await adminSet(devnet.info, 'l1-rpc-down', false)).status).toBe(200)
    expect((await post()).status).toBe(200)
  })
})

