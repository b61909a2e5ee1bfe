/**
 * Gossiped checkpoint proposals through the real SyncEngine (Dexie over fake-indexeddb), signed
 * by the devnet's ChainBuilder with the slot's real key, with an in-memory L1 whose committee can
 * be made unreadable: attested blocks keep the first header's link unchecked until its parent is
 * held (docs/sync.md § Attested blocks and their first link), and a proposal that hits a soft
 * failure is held and retried instead of dropped (§ Held checkpoint proposals).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Address } from '../../src/core/types'
import { DexieChainStore } from '../../src/store/chain-store'
import { SyncEngine } from '../../src/sync/engine'
import { HELD_PROPOSAL_DEFAULTS } from '../../src/sync/pending'
import { StatsRecorder } from '../../src/sources/stats'
import type { RollupParams } from '../../src/ports/l1'
import { ChainBuilder, validatorKeys, type BuiltBlock } from '../../src/devnet/builder'
import { slotProposer } from '../../src/protocol/schedule'
import { initCrypto } from '../../src/verify/secp256k1'
import { MemoryL1 } from '../helpers/memory-l1'

const L2 = 7771
const ROLLUP = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address
const domain = { l1ChainId: 31337, rollup: ROLLUP }
const validators = validatorKeys(6)
const committee = validators.map((v) => v.address.toLowerCase() as Address)
const GENESIS = Math.floor(Date.now() / 1000) - 3600
const params: RollupParams = { l2ChainId: L2, genesisTime: GENESIS, slotDuration: 4, epochDuration: 8, targetCommitteeSize: 6 }

const proposerOf = (slot: number) => {
  const address = slotProposer(ROLLUP, L2, Math.floor(slot / params.epochDuration), slot, committee)
  return validators.find((v) => v.address.toLowerCase() === address)!
}

let n = 0
/** An engine whose L1 answers the committee only while `l1.known` is true, on a clock tests can move (`clock.skew`). */
async function setup() {
  const state = { known: true }
  const clock = { skew: 0 }
  const l1 = new MemoryL1(params, () => (state.known ? [...committee] : []))
  const store = await DexieChainStore.open(`cp-gossip-${n++}`, { indexedDB: new IDBFactory(), IDBKeyRange })
  const engine = new SyncEngine({ store, l1, gossipStats: new StatsRecorder('gossip', 'gossip'), domain, l2ChainId: L2, deployBlock: 0, mode: 'light', now: () => Date.now() + clock.skew })
  await engine.restore()
  return { engine, state, clock }
}

/** Two slots (10, 11) of three blocks each and their checkpoints (quorum 5 of 6). */
function twoCheckpoints() {
  const builder = new ChainBuilder(domain, L2)
  const out: { slot: number; blocks: BuiltBlock[]; proposal: Uint8Array; attestations: Uint8Array[] }[] = []
  for (const slot of [10, 11]) {
    const proposer = proposerOf(slot)
    const blocks = [0, 1, 2].map((i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer, timestamp: (GENESIS + slot * 4) * 1000 + 100 + i }))
    const cp = builder.buildCheckpoint(blocks, proposer)
    out.push({ slot, blocks, proposal: cp.proposalBytes, attestations: validators.slice(0, 5).map((v) => builder.attestationMessage(cp.digest, slot, v)) })
  }
  return out
}

beforeAll(async () => {
  await initCrypto()
})

describe('attested blocks and the first link', () => {
  it('the first header of an attested checkpoint stays unchecked until its parent (the previous checkpoint’s last block) is held, then links', async () => {
    const { engine } = await setup()
    const [first, second] = twoCheckpoints()
    // the second checkpoint reaches quorum first: blocks 4..6 come from it, block 3 is not held
    expect(await engine.onCheckpointProposal(second!.proposal)).toBe('accept')
    for (const a of second!.attestations) await engine.onAttestation(a)
    expect(engine.getTips().attested?.height).toBe(6)
    expect(engine.canonicalBlock(4)!.status).toBe('attested')
    expect(engine.canonicalBlock(4)!.checks.linkage).toBeUndefined() // not "link ✓": its parent was never checked
    expect(engine.canonicalBlock(5)!.checks.linkage).toBe(true) // inside the checkpoint: checked against block 4
    expect(engine.canonicalBlock(6)!.checks.linkage).toBe(true)
    expect(engine.unlinkedBlocks().map((b) => b.height)).toEqual([4])
    // the first checkpoint arrives: block 1 links the genesis, block 3 is held, and block 4 is checked against it
    expect(await engine.onCheckpointProposal(first!.proposal)).toBe('accept')
    for (const a of first!.attestations) await engine.onAttestation(a)
    expect(engine.canonicalBlock(1)!.checks.linkage).toBe(true)
    expect(engine.canonicalBlock(4)!.checks.linkage).toBe(true)
    expect(engine.unlinkedBlocks()).toEqual([])
  })

  it('links the first header at once when its parent is already held (gossiped block)', async () => {
    const { engine } = await setup()
    const [first, second] = twoCheckpoints()
    for (const b of first!.blocks) expect(await engine.onBlockProposal(b.proposalBytes)).toBe('accept')
    expect(await engine.onCheckpointProposal(second!.proposal)).toBe('accept')
    for (const a of second!.attestations) await engine.onAttestation(a)
    expect(engine.canonicalBlock(4)!).toMatchObject({ status: 'attested', checks: { quorum: true, linkage: true } })
  })
})

describe('held checkpoint proposals (soft failure → retried)', () => {
  it('a proposal that arrives before its committee is known is applied once the committee becomes known', async () => {
    const { engine, state, clock } = await setup()
    const [first] = twoCheckpoints()
    state.known = false
    expect(await engine.onCheckpointProposal(first!.proposal, 'gossip', 'peerA')).toBe('ignore')
    for (const a of first!.attestations) expect(await engine.onAttestation(a)).toBe('ignore') // held early: no checkpoint yet
    expect(engine.heldProposals()).toMatchObject([{ checkpointNumber: 1, slot: 10, source: 'gossip', peer: 'peerA', cause: { code: 'COMMITTEE_UNKNOWN' } }])
    // still unknown at the next L1 poll: kept, backed off
    clock.skew += 1_000
    await engine.pollL1()
    expect(engine.heldProposals()).toHaveLength(1)
    expect(engine.getTips().attested).toBeNull()
    // the committee becomes readable: the next L1 poll applies it, with the attestations that came early
    state.known = true
    clock.skew += 10_000
    await engine.pollL1()
    expect(engine.heldProposals()).toEqual([])
    expect(engine.getTips().attested?.height).toBe(3)
    for (const h of [1, 2, 3]) expect(engine.canonicalBlock(h)!).toMatchObject({ status: 'attested', checks: { quorum: true, linkage: true } })
    // the same bytes gossiped again are known now
    expect(await engine.onCheckpointProposal(first!.proposal)).toBe('ignore')
  })

  it('drops a held proposal after the timeout with a coded PENDING_TIMEOUT record naming its source and peer', async () => {
    const { engine, state, clock } = await setup()
    const [first] = twoCheckpoints()
    state.known = false
    expect(await engine.onCheckpointProposal(first!.proposal, 'gossip', 'peerB')).toBe('ignore')
    expect(engine.heldProposals()).toHaveLength(1)
    clock.skew += HELD_PROPOSAL_DEFAULTS.timeoutMs + 1_000
    await engine.pollL1()
    expect(engine.heldProposals()).toEqual([])
    const f = engine.getFailures().find((e) => e.code === 'PENDING_TIMEOUT')
    expect(f).toMatchObject({ severity: 'soft', source: 'gossip', peer: 'peerB', details: { kind: 'checkpoint-proposal', checkpoint: 1, cause: 'COMMITTEE_UNKNOWN' } })
    // the committee arriving later changes nothing for the dropped proposal (it must be gossiped again)
    state.known = true
    await engine.pollL1()
    expect(engine.getTips().attested).toBeNull()
  })
})
