/**
 * An invalid checkpoint whose L1 block is reorged away (docs/reorgs.md "Invalid checkpoints and
 * L1 reorgs"): crafted checkpoints posted to a real rollup on a real anvil, `anvil_reorg` drops
 * them, and the client's SyncEngine follows through the real L1 source. The invalid verdict goes
 * with the L1 block: blocks the client held provisionally go back to their status before, blocks
 * only that checkpoint had named are forgotten, the checkpoint row and a CHECKPOINT_REORGED_OUT
 * failure say it was reorged out, and a valid checkpoint for the same heights is mined.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestClient, http } from 'viem'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Address, Hex } from '../../src/core/types'
import { deployRollup, invalidateCheckpoint, l1PublicClient, proposeCheckpoint, registerValidators, startAnvil, type Anvil } from '../../src/devnet/l1'
import { nativeKzg } from '../../src/devnet/kzg'
import { ChainBuilder, validatorKeys, type BuiltBlock, type BuiltCheckpoint, type Validator } from '../../src/devnet/builder'
import { encodeAttestationSignatures } from '../../src/protocol/checkpoint'
import { epochSeed, proposerIndex } from '../../src/protocol/schedule'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { createProvenL1 } from '../../src/sources/l1-proven'
import { StatsRecorder } from '../../src/sources/stats'
import { SyncEngine } from '../../src/sync/engine'
import { DexieChainStore } from '../../src/store/chain-store'
import { initCrypto } from '../../src/verify/secp256k1'

const L2 = 7772
const SLOT = 12
const ZERO = `0x${'0'.repeat(64)}` as Hex
const validators = validatorKeys(48)
const outsider = validatorKeys(1, 'not-a-validator-')[0]!

let anvil: Anvil

beforeAll(async () => {
  await initCrypto()
  anvil = await startAnvil()
}, 60_000)
afterAll(async () => {
  await anvil?.stop()
})

async function anvilRpc(method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(10_000) })
  const json = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (json.error) throw new Error(`${method}: ${json.error.message}`)
  return json.result
}

/** A fresh rollup with 48 registered validators, a builder for its chain, and a client engine following it. */
async function freshRollup(name: string) {
  const client = await l1PublicClient(anvil.rpcUrl)
  const now = Number((await client.getBlock()).timestamp)
  const genesisTime = now + 60
  const deployed = await deployRollup(anvil.rpcUrl, { l2ChainId: L2, genesisTime, slotDuration: SLOT, epochDuration: 4, targetCommitteeSize: 48 })
  const rollup = deployed.address.toLowerCase() as Address
  await registerValidators(anvil.rpcUrl, rollup, validators)
  const domain = { l1ChainId: await client.getChainId(), rollup }
  const builder = new ChainBuilder(domain, L2, { blobToCommitment: nativeKzg.blobToKzgCommitment })
  const test = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
  const byAddr = new Map(validators.map((v) => [v.address.toLowerCase(), v]))

  const proposerOf = async (slot: number): Promise<Validator> => {
    const epoch = Math.floor(slot / 4)
    const committee = (await client.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epoch)] })) as readonly Address[]
    return byAddr.get(committee[proposerIndex(epochSeed(rollup, L2, epoch), slot, committee.length)]!.toLowerCase())!
  }

  /** The checkpoint of `slot` (3 blocks on the builder's tip). */
  // the client's clock follows the chain's: a block is gossiped during its slot (the gossip
  // rules ignore a slot ahead of the clock and reject a timestamp outside the slot)
  let clockMs = genesisTime * 1000
  const build = async (slot: number): Promise<{ blocks: BuiltBlock[]; cp: BuiltCheckpoint; proposer: Validator }> => {
    const proposer = await proposerOf(slot)
    clockMs = Math.max(clockMs, (genesisTime + slot * SLOT) * 1000 + 1000)
    const blocks = [0, 1, 2].map((i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer, timestamp: (genesisTime + slot * SLOT) * 1000 + 100 * (i + 1) }))
    return { blocks, cp: builder.buildCheckpoint(blocks, proposer), proposer }
  }

  /** Posts `cp` with `signers`' attestations (plus `extra` signatures) once L1 time has reached its slot; returns its L1 block number. */
  const submit = async (c: { cp: BuiltCheckpoint; proposer: Validator }, signers: Validator[], extra: Uint8Array[] = []): Promise<number> => {
    const target = genesisTime + c.cp.checkpoint.slot * SLOT
    if (Number((await client.getBlock()).timestamp) < target) {
      await test.setNextBlockTimestamp({ timestamp: BigInt(target) })
      await test.mine({ blocks: 1 })
    }
    const attestations = encodeAttestationSignatures([...builder.attest(c.cp.digest, signers), ...extra])
    posted.set(c.cp.checkpoint.checkpointNumber, attestations)
    const res = await proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: c.proposer.privateKey, checkpoint: c.cp.bytes, attestations, blobs: c.cp.blobs })
    return res.l1BlockNumber
  }
  /** The attestations each checkpoint number was last posted with. */
  const posted = new Map<number, Uint8Array>()

  /** The rollup's `invalidate(n, attestations)` (default: as posted), sent by validator 0; the revert's error name, or 'ok'. */
  const invalidate = async (n: number, attestations = posted.get(n) ?? new Uint8Array(2)): Promise<string> => {
    try {
      await invalidateCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: validators[0]!.privateKey, checkpointNumber: n, attestations })
      return 'ok'
    } catch (e) {
      return (e as { errorName?: string }).errorName ?? String(e)
    }
  }
  const tip = async () => {
    const [n, hash, height, slot] = (await client.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'tip' })) as readonly [bigint, Hex, bigint, bigint]
    return { checkpointNumber: Number(n), blockHash: hash, height: Number(height), slot: Number(slot) }
  }

  /** L1 drops every block from `l1Block` to the head (replaced by empty ones), as the devnet's l1-reorg fault does. */
  const reorgFrom = async (l1Block: number) => {
    const head = Number(await client.getBlockNumber())
    await anvilRpc('anvil_reorg', [head - l1Block + 1, []])
  }

  const store = await DexieChainStore.open(name, { indexedDB: new IDBFactory(), IDBKeyRange })
  const l1 = createProvenL1({ rollup, rpcUrls: [anvil.rpcUrl] })
  const open = async () => {
    const e = new SyncEngine({ store, l1, gossipStats: new StatsRecorder('gossip', 'gossip'), domain, l2ChainId: L2, deployBlock: deployed.deployBlock, mode: 'light', now: () => clockMs })
    for (const st of l1.stats) e.registerSource(st)
    await e.restore()
    return e
  }
  const engine = await open()
  /** Another engine on the same store: a restarted client. */
  const reopen = open
  return { builder, build, submit, invalidate, tip, reorgFrom, store, engine, reopen }
}

const statuses = (history: [string, number][]) => history.map(([s]) => s)
/** Blocks on L1's chain for the client (anvil finalizes quickly: mined or finalized). */
const onL1 = (c: { mined: number; finalized: number }) => c.mined + c.finalized

describe('an invalid checkpoint reorged out of L1', () => {
  it('blocks only it named are forgotten (with what built on it), and a valid checkpoint for those heights is mined', async () => {
    const r = await freshRollup('invalid-reorged-forget')
    const short = await r.build(1)
    const shortL1 = await r.submit(short, validators.slice(0, 32)) // quorum is 33
    const next = await r.build(2)
    await r.submit(next, validators)
    await r.engine.pollL1()
    for (const b of short.blocks) expect((await r.store.getBlock(b.hash))?.error?.code).toBe('QUORUM_NOT_REACHED')
    for (const b of next.blocks) expect((await r.store.getBlock(b.hash))?.error?.code).toBe('PARENT_MISMATCH')
    expect(r.engine.getCounts().invalid).toBe(6)

    // L1 reorgs both away; the proposer of a later slot posts a valid checkpoint 1 instead
    await r.reorgFrom(shortL1)
    r.builder.rewindTo(ZERO, 0)
    const valid = await r.build(3)
    const validL1 = await r.submit(valid, validators.slice(0, 33))
    await r.engine.pollL1()

    for (const b of [...short.blocks, ...next.blocks]) expect(await r.store.getBlock(b.hash)).toBeUndefined()
    for (const b of valid.blocks) {
      const row = await r.store.getBlock(b.hash)
      expect(row?.status).toBe('mined')
      expect(row?.checks).toMatchObject({ quorum: true, l1Inclusion: true, linkage: true })
    }
    expect(r.engine.getTips().mined?.hash).toBe(valid.blocks[2]!.hash)
    expect(r.engine.getCounts().invalid).toBe(0)
    expect(onL1(r.engine.getCounts())).toBe(3)
    // both verdicts are recorded as reorged out, with why they had been invalid
    const reorgedOut = r.engine.getFailures().filter((f) => f.code === 'CHECKPOINT_REORGED_OUT')
    expect(reorgedOut.map((f) => [f.details?.checkpoint, f.details?.wasCode, f.severity]).sort()).toEqual([
      [1, 'QUORUM_NOT_REACHED', 'soft'],
      [2, 'PARENT_MISMATCH', 'soft'],
    ])
    const old = await r.store.checkpointByDigest(short.cp.digest)
    expect(old).toMatchObject({ status: 'orphaned', l1: null, error: { code: 'QUORUM_NOT_REACHED', details: { reorgedOut: true, l1BlockNumber: shortL1 } } })
    expect((await r.store.checkpointByDigest(next.cp.digest))?.status).toBe('orphaned')
    expect(await r.store.checkpointsWithStatus('invalid', 10)).toEqual([])
    expect((await r.store.checkpointByDigest(valid.cp.digest))?.l1?.blockNumber).toBe(validL1)
    expect(await r.store.checkConsistency()).toEqual([])

    // the chain goes on from the valid checkpoint
    const after = await r.build(4)
    await r.submit(after, validators)
    await r.engine.pollL1()
    expect(r.engine.getTips().mined?.hash).toBe(after.blocks[2]!.hash)
    expect(r.engine.getCounts().invalid).toBe(0)
  }, 60_000)

  it('blocks the client had proposals for go back to proposed, and are mined when the checkpoint lands again with quorum', async () => {
    const r = await freshRollup('invalid-reorged-provisional')
    const cp = await r.build(1)
    for (const b of cp.blocks) expect(await r.engine.onBlockProposal(b.proposalBytes)).toBe('accept')
    expect(r.engine.getTips().proposed?.hash).toBe(cp.blocks[2]!.hash)
    const shortL1 = await r.submit(cp, validators.slice(0, 32))
    await r.engine.pollL1()
    for (const b of cp.blocks) expect((await r.store.getBlock(b.hash))?.status).toBe('invalid')
    expect(r.engine.getTips().proposed).toBeNull()

    // L1 drops it: the verdict goes, the blocks are provisional again
    await r.reorgFrom(shortL1)
    await r.engine.pollL1()
    for (const b of cp.blocks) {
      const row = await r.store.getBlock(b.hash)
      expect(row?.status).toBe('proposed')
      expect(row?.error).toBeNull()
    }
    expect(r.engine.getTips().proposed?.hash).toBe(cp.blocks[2]!.hash)
    expect(r.engine.getCounts()).toMatchObject({ invalid: 0, proposed: 3 })
    expect(r.engine.getFailures()[0]).toMatchObject({ code: 'CHECKPOINT_REORGED_OUT', details: { checkpoint: 1, wasCode: 'QUORUM_NOT_REACHED', l1BlockNumber: shortL1 } })

    // the same checkpoint re-included with its quorum: mined at the new L1 block
    const validL1 = await r.submit(cp, validators.slice(0, 40))
    await r.engine.pollL1()
    for (const b of cp.blocks) {
      const row = await r.store.getBlock(b.hash)
      expect(row?.status).toBe('mined')
      expect(statuses(row!.history)).toEqual(['proposed', 'invalid', 'proposed', 'mined'])
    }
    const row = await r.store.checkpointByDigest(cp.cp.digest)
    expect(row).toMatchObject({ status: 'mined', error: null, l1: { blockNumber: validL1 } })
    expect(row?.signers).toHaveLength(40)
    expect(r.engine.getTips().mined?.hash).toBe(cp.blocks[2]!.hash)
    expect(await r.store.checkConsistency()).toEqual([])
  }, 60_000)
})

describe('an invalid checkpoint pruned on L1 (the rollup\'s invalidate)', () => {
  it('the contract prunes exactly what clients find invalid, and the client follows the chain from the last valid checkpoint', async () => {
    const r = await freshRollup('invalid-pruned')
    const good = await r.build(1)
    await r.submit(good, validators.slice(0, 33))
    const short = await r.build(2)
    await r.submit(short, validators.slice(0, 32))
    const onShort = await r.build(3)
    await r.submit(onShort, validators)
    await r.engine.pollL1()
    expect(r.engine.getCounts().invalid).toBe(6)
    expect(onL1(r.engine.getCounts())).toBe(3)

    // refused: a valid checkpoint, attestations other than those posted, a number not in the chain
    expect(await r.invalidate(1)).toBe('AttestationsValid')
    expect(await r.invalidate(3)).toBe('AttestationsValid')
    expect(await r.invalidate(2, encodeAttestationSignatures(r.builder.attest(short.cp.digest, validators)))).toBe('AttestationsMismatch')
    expect(await r.invalidate(4)).toBe('CheckpointNotInChain')
    expect(await r.invalidate(0)).toBe('CheckpointNotInChain')
    // 32 of 48: pruned, with the checkpoint built on it; the tip is checkpoint 1 again (the last slot stays)
    expect(await r.invalidate(2)).toBe('ok')
    expect(await r.tip()).toEqual({ checkpointNumber: 1, blockHash: good.blocks[2]!.hash, height: 3, slot: 3 })

    // the next proposer continues from checkpoint 1
    r.builder.rewindTo(good.blocks[2]!.hash, 1)
    const again = await r.build(4)
    expect(again.cp.checkpoint.checkpointNumber).toBe(2)
    await r.submit(again, validators.slice(0, 40))
    const next = await r.build(5)
    await r.submit(next, validators.slice(0, 33))
    await r.engine.pollL1()
    for (const b of [...again.blocks, ...next.blocks]) expect(['mined', 'finalized']).toContain((await r.store.getBlock(b.hash))?.status)
    // the pruned checkpoints' blocks stay invalid, for their reasons
    for (const b of short.blocks) expect((await r.store.getBlock(b.hash))?.error?.code).toBe('QUORUM_NOT_REACHED')
    for (const b of onShort.blocks) expect((await r.store.getBlock(b.hash))?.status).toBe('invalid')
    expect(r.engine.getTips().mined?.hash).toBe(next.blocks[2]!.hash)
    expect(r.engine.getCounts().invalid).toBe(6)
    expect(onL1(r.engine.getCounts())).toBe(9)
    expect(r.engine.getMinedCheckpoints().map((c) => c.digest)).toEqual([good.cp.digest, again.cp.digest, next.cp.digest])
    expect(await r.store.checkConsistency()).toEqual([])

    // a restarted client (same store) keeps following: the pruned checkpoints do not block checkpoint 4
    const four = await r.build(6)
    await r.submit(four, validators)
    const restarted = await r.reopen()
    await restarted.pollL1()
    expect(restarted.getTips().mined?.hash).toBe(four.blocks[2]!.hash)
    expect(restarted.getCounts().invalid).toBe(6)
  }, 60_000)

  it("an outsider's or a repeated signature makes it prunable even with quorum; the whole chain can be pruned", async () => {
    const r = await freshRollup('invalid-pruned-signers')
    const first = await r.build(1)
    await r.submit(first, validators.slice(0, 33), r.builder.attest(first.cp.digest, [outsider]))
    await r.engine.pollL1()
    expect((await r.store.getBlock(first.blocks[0]!.hash))?.error?.code).toBe('SIGNER_NOT_IN_COMMITTEE')
    expect(await r.invalidate(1)).toBe('ok')
    expect(await r.tip()).toMatchObject({ checkpointNumber: 0, height: 0, blockHash: ZERO })

    r.builder.rewindTo(ZERO, 0)
    const dup = await r.build(1) // slot 1 is not after the pruned checkpoint's slot
    expect(dup.cp.checkpoint.checkpointNumber).toBe(1)
    await expect(r.submit(dup, validators)).rejects.toThrow(/SlotNotAfterTip/)
    r.builder.rewindTo(ZERO, 0)
    const second = await r.build(2)
    const sigs = r.builder.attest(second.cp.digest, validators.slice(0, 40))
    await r.submit(second, [], [...sigs, sigs[3]!])
    await r.engine.pollL1()
    expect((await r.store.getBlock(second.blocks[0]!.hash))?.error?.code).toBe('DUPLICATE_SIGNER')
    expect(await r.invalidate(1)).toBe('ok')

    r.builder.rewindTo(ZERO, 0)
    const valid = await r.build(3)
    await r.submit(valid, validators.slice(0, 33))
    await r.engine.pollL1()
    expect(r.engine.getTips().mined?.hash).toBe(valid.blocks[2]!.hash)
    expect(r.engine.getCounts().invalid).toBe(6)
    expect(onL1(r.engine.getCounts())).toBe(3)
  }, 60_000)
})
