/**
 * Crafted checkpoints posted to a real rollup on a real anvil (the contract, like Aztec's,
 * does not check attestations), then followed by the client's SyncEngine through the real
 * L1 source: a checkpoint short of quorum, or carrying an outsider's or a duplicate
 * signature, is marked invalid with a coded reason; anything built on it is invalid too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Hex } from '../../src/core/types'
import { startAnvil, type Anvil } from '../../src/devnet/l1'
import { validatorKeys, type ChainBuilder, type Validator } from '../../src/devnet/builder'
import { ROLLUP_L2 as L2, freshRollup as createRollup, rollupValidators as validators } from '../helpers/rollup'
import { createProvenL1 } from '../../src/sources/l1-proven'
import { l1Totals } from '../helpers/l1-stats'
import { StatsRecorder } from '../../src/sources/stats'
import { SyncEngine } from '../../src/sync/engine'
import { DexieChainStore } from '../../src/store/chain-store'
import { initCrypto } from '../../src/verify/secp256k1'

const outsider = validatorKeys(1, 'not-a-validator-')[0]!

let anvil: Anvil

beforeAll(async () => {
  await initCrypto()
  anvil = await startAnvil()
}, 60_000)
afterAll(async () => {
  await anvil?.stop()
})

/** A fresh rollup (test/helpers/rollup.ts) and a client following it through the proven L1 port. */
async function freshRollup() {
  const { rollup, deployed, domain, builder, post } = await createRollup(anvil)
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
