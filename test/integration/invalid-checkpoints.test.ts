/**
 * Crafted checkpoints posted to a real rollup on a real anvil (the contract, like Aztec's,
 * does not check attestations), then followed by the client's SyncEngine through the real
 * L1 source: a checkpoint short of quorum, or carrying an outsider's or a duplicate
 * signature, is marked invalid with a coded reason; anything built on it is invalid too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestClient, http } from 'viem'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Address, Hex } from '../../src/core/types'
import { deployRollup, l1PublicClient, proposeCheckpoint, registerValidators, startAnvil, type Anvil } from '../../src/devnet/l1'
import { nativeKzg } from '../../src/devnet/kzg'
import { ChainBuilder, validatorKeys, type BuiltBlock, type Validator } from '../../src/devnet/builder'
import { encodeAttestationSignatures } from '../../src/protocol/checkpoint'
import { epochSeed, proposerIndex } from '../../src/protocol/schedule'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { createProvenL1 } from '../../src/sources/l1-proven'
import { l1Totals } from '../helpers/l1-stats'
import { StatsRecorder } from '../../src/sources/stats'
import { SyncEngine } from '../../src/sync/engine'
import { DexieChainStore } from '../../src/store/chain-store'
import { initCrypto } from '../../src/verify/secp256k1'

const L2 = 7771
const SLOT = 12
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

/** A fresh rollup with 48 registered validators, and a builder for its chain. */
async function freshRollup() {
  const client = await l1PublicClient(anvil.rpcUrl)
  const now = Number((await client.getBlock()).timestamp)
  // far enough ahead that every validator registers before genesis (active from epoch 0), however loaded the machine is
  const genesisTime = now + 60
  const deployed = await deployRollup(anvil.rpcUrl, { l2ChainId: L2, genesisTime, slotDuration: SLOT, epochDuration: 4, targetCommitteeSize: 48 })
  const rollup = deployed.address.toLowerCase() as Address
  await registerValidators(anvil.rpcUrl, rollup, validators)
  const chainId = await client.getChainId()
  const domain = { l1ChainId: chainId, rollup }
  const builder = new ChainBuilder(domain, L2, { blobToCommitment: nativeKzg.blobToKzgCommitment })
  const test = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
  const byAddr = new Map(validators.map((v) => [v.address.toLowerCase(), v]))

  const proposerOf = async (slot: number): Promise<Validator> => {
    const epoch = Math.floor(slot / 4)
    const committee = (await client.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epoch)] })) as readonly Address[]
    return byAddr.get(committee[proposerIndex(epochSeed(rollup, L2, epoch), slot, committee.length)]!.toLowerCase())!
  }

  /** Builds the checkpoint of `slot`, signs it with `sign(validators)` and posts it once L1 time has reached the slot. */
  const post = async (slot: number, attest: (digest: Hex) => Uint8Array[]) => {
    const proposer = await proposerOf(slot)
    const blocks: BuiltBlock[] = [0, 1, 2].map((i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer }))
    const cp = builder.buildCheckpoint(blocks, proposer)
    const target = genesisTime + slot * SLOT
    const latest = Number((await client.getBlock()).timestamp)
    if (latest < target) {
      await test.setNextBlockTimestamp({ timestamp: BigInt(target) })
      await test.mine({ blocks: 1 })
    }
    await proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: cp.bytes, attestations: encodeAttestationSignatures(attest(cp.digest)), blobs: cp.blobs })
    return { blocks, cp }
  }

  const follow = async () => {
    const store = await DexieChainStore.open('invalid', { indexedDB: new IDBFactory(), IDBKeyRange })
    const l1 = createProvenL1({ rollup, rpcUrls: [anvil.rpcUrl] })
    const engine = new SyncEngine({ store, l1, gossipStats: new StatsRecorder('gossip', 'gossip'), domain, l2ChainId: L2, deployBlock: deployed.deployBlock, mode: 'light' })
    for (const st of l1.stats) engine.registerSource(st)
    await engine.restore()
    await engine.pollL1()
    return { store, engine, l1 }
  }

  return { builder, post, follow }
}

const sign = (b: ChainBuilder, digest: Hex, signers: Validator[]) => b.attest(digest, signers)

describe('crafted checkpoints on L1', () => {
  it('a checkpoint with exactly quorum (33 of 48) is mined', async () => {
    const r = await freshRollup()
    const { blocks } = await r.post(1, (d) => sign(r.builder, d, validators.slice(0, 33)))
    const { store, engine, l1 } = await r.follow()
    for (const b of blocks) expect((await store.getBlock(b.hash))?.status).toBe('mined')
    expect(engine.getTips().mined?.height).toBe(3)
    expect(engine.getFailures()).toEqual([])
    expect(l1Totals(l1.stats.map((st) => st.snapshot())).accepted).toBe(1)
    expect(await store.checkConsistency()).toEqual([])
  }, 60_000)

  it('short of quorum (32 of 48): invalid with QUORUM_NOT_REACHED, and so is what builds on it', async () => {
    const r = await freshRollup()
    const first = await r.post(1, (d) => sign(r.builder, d, validators.slice(0, 32)))
    const second = await r.post(2, (d) => sign(r.builder, d, validators.slice(0, 48)))
    const { store, engine, l1 } = await r.follow()
    for (const b of first.blocks) {
      const row = await store.getBlock(b.hash)
      expect(row?.status).toBe('invalid')
      expect(row?.error?.code).toBe('QUORUM_NOT_REACHED')
    }
    for (const b of second.blocks) {
      const row = await store.getBlock(b.hash)
      expect(row?.status).toBe('invalid')
      expect(row?.error?.code).toBe('PARENT_MISMATCH')
    }
    expect(engine.getTips().mined).toBeNull()
    expect(engine.getFailures().map((f) => f.code)).toEqual(expect.arrayContaining(['QUORUM_NOT_REACHED']))
    expect(l1Totals(l1.stats.map((st) => st.snapshot())).rejected).toBe(2)
    expect(engine.getCounts().invalid).toBe(6)
  }, 60_000)

  it("an outsider's signature: invalid with SIGNER_NOT_IN_COMMITTEE", async () => {
    const r = await freshRollup()
    const { blocks } = await r.post(1, (d) => [...sign(r.builder, d, validators.slice(0, 33)), ...sign(r.builder, d, [outsider])])
    const { store } = await r.follow()
    const row = await store.getBlock(blocks[0]!.hash)
    expect(row?.status).toBe('invalid')
    expect(row?.error?.code).toBe('SIGNER_NOT_IN_COMMITTEE')
    expect(row?.error?.severity).toBe('hard')
  }, 60_000)

  it('a duplicate signature: invalid with DUPLICATE_SIGNER', async () => {
    const r = await freshRollup()
    const { blocks } = await r.post(1, (d) => {
      const sigs = sign(r.builder, d, validators.slice(0, 33))
      return [...sigs, sigs[5]!]
    })
    const { store } = await r.follow()
    const row = await store.getBlock(blocks[2]!.hash)
    expect(row?.status).toBe('invalid')
    expect(row?.error?.code).toBe('DUPLICATE_SIGNER')
  }, 60_000)
})
