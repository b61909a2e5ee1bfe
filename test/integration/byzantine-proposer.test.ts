/**
 * A byzantine proposer (issue 12 item 1): someone holding the slot's REAL devnet key publishes,
 * from foreign libp2p nodes, each kind the audit got shown as valid "proposed" blocks:
 *
 * 1. a proposal for a slot 1,000+ ahead                     → SLOT_IN_FUTURE (ignore)
 * 2. a started slot with a timestamp outside it              → TIMESTAMP_OUT_OF_SLOT (reject)
 *    (and the next slot with a timestamp outside it: either code, depending on the clock)
 * 3. header-only headers: height 0 / checkpoint 0 / index ≥ 32 / txCount > 4096
 *                                                            → DECODE_INVALID_FIELD ×3, DECODE_TOO_LARGE (reject)
 * 4. a proposal whose tx-hash list is not its body's         → TX_HASHES_MISMATCH (reject)
 * 5. an equivocation twin (same slot, index, height, parent) → DOUBLE_PROPOSAL (ignore) + evidence
 *
 * None is ever shown as a block (store, snapshot), each is counted with its code and verdict
 * (`engine.verdictsByCode()`), named by source and peer in the failures, and the twin is evidence.
 * Each rejecting message comes from its own node: gossipsub graylists a node after three rejects,
 * and the test wants every message judged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { Address, Hex } from '../../src/core/types'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { ChainBuilder, validatorKeys, type Validator } from '../../src/devnet/builder'
import { createP2PNode, publish, subscribeTopic, waitForSubscribers, type P2PNode } from '../../src/p2p/node'
import { signingDigest } from '../../src/protocol/domain'
import { decodeHeader, headerHash, type BlockHeader } from '../../src/protocol/header'
import { PROPOSAL_VERSION, encodeProposal } from '../../src/protocol/proposal'
import { slotAt } from '../../src/protocol/schedule'
import { topics as topicsFor } from '../../src/protocol/topics'
import { slotStartMs } from '../../src/verify/gossip-rules'
import { initCrypto, signDigest } from '../../src/verify/secp256k1'
import { startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { l1Client, until } from './faults-admin'

const COMMITTEE = 16
/** The devnet registers 48 validators with deterministic keys (src/devnet/network.ts). */
const keys = validatorKeys(48)

describe('a byzantine proposer with the slot’s real key gets nothing shown', () => {
  let devnet: DevnetProcess
  let client: LightClient
  const nodes: P2PNode[] = []

  beforeAll(async () => {
    await initCrypto()
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', String(COMMITTEE)])
  }, 120_000)

  afterAll(async () => {
    await client?.stop()
    for (const n of nodes) await n.stop()
    await devnet?.stop()
  }, 60_000)

  async function sideNode(): Promise<{ node: P2PNode; addr: string; id: string }> {
    const node = await createP2PNode({ role: 'devnet', listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
    nodes.push(node)
    for (const topic of Object.values(topicsFor(devnet.info.l2ChainId))) subscribeTopic(node, topic, async () => 'accept')
    return { node, addr: node.getMultiaddrs().map(String).find((a) => a.includes('/ws'))!, id: node.peerId.toString() }
  }

  it('refuses all five kinds with their codes, shows none, and keeps the twin as evidence', async () => {
    const sides = await Promise.all(Array.from({ length: 9 }, () => sideNode()))
    client = await openNodeClient({ ...devnet.info, bootstrap: [...devnet.info.bootstrap, ...sides.map((s) => s.addr)] }, { storeName: `byzantine-${devnet.pid}` })
    await client.start()
    const t = topicsFor(devnet.info.l2ChainId)
    await until(client, (s) => ((s.tips.proposed?.height ?? 0) >= 6 && sides.every((x) => s.peers.some((p) => p.id === x.id)) ? true : null), 60_000, 'proposed ≥ 6 and every side node connected')
    for (const s of sides) await waitForSubscribers(s.node, t.blockProposal, 1, { timeoutMs: 30_000 })

    const domain = { l1ChainId: devnet.info.l1.chainId, rollup: devnet.info.l1.rollup.toLowerCase() as Address }
    const schedule = { genesisTime: devnet.info.devnet.genesisTime, slotDuration: devnet.info.devnet.slotSeconds, epochDuration: devnet.info.devnet.epochSlots }
    const proposerOf = async (slot: number): Promise<Validator> => {
      const a = ((await l1Client(devnet.info).readContract({ address: domain.rollup, abi: vigilRollupAbi, functionName: 'getProposer', args: [BigInt(slot)] })) as Address).toLowerCase()
      return keys.find((k) => k.address.toLowerCase() === a)!
    }
    const sign = (h: BlockHeader, key: Validator, body?: { bytes: Uint8Array; txHashes: Hex[] }) =>
      encodeProposal({
        version: PROPOSAL_VERSION,
        header: h,
        bodyBytes: body?.bytes ?? new Uint8Array(0),
        txHashes: body?.txHashes ?? [],
        signature: signDigest(key.privateKey, signingDigest(domain, 'BlockProposal', headerHash(h))),
      })

    // the real chain the forgeries build on: a proposed block the client holds, and its parent
    const { latest, real, parent } = await until(
      client,
      async (snap) => {
        for (const b of snap.latest.filter((x) => x.status === 'proposed' && x.height > 2)) {
          const row = await client.store.getBlock(b.hash)
          const parentRow = row && (await client.store.getBlock(row.parentHash))
          if (row && parentRow) return { latest: b, real: decodeHeader(row.headerBytes), parent: decodeHeader(parentRow.headerBytes) }
        }
        return null
      },
      30_000,
      'a proposed block whose parent is held',
    )
    const realKey = keys.find((k) => k.address.toLowerCase() === real.proposer.toLowerCase())!
    expect(realKey).toBeDefined()

    const slot = slotAt(schedule, Math.floor(Date.now() / 1000))
    const key = await proposerOf(slot)
    const onTip = (seed: string) => new ChainBuilder(domain, devnet.info.l2ChainId, { seed, tip: { hash: latest.hash, height: real.height, stateRoot: real.stateRoot, checkpointNumber: real.checkpointNumber } })
    const template = onTip('template').buildBlock({ slot, indexInCheckpoint: 0, proposer: key, timestamp: slotStartMs(schedule, slot) + 10 })
    const headerOnly = (o: Partial<BlockHeader>) => ({ ...template.header, ...o })

    type Case = { what: string; data: Uint8Array; hash: Hex; codes: string[]; verdict: 'reject' | 'ignore' }
    const cases: Case[] = []
    const add = (what: string, h: BlockHeader, data: Uint8Array, codes: string[], verdict: 'reject' | 'ignore') => cases.push({ what, data, hash: headerHash(h), codes, verdict })

    // 1. 1,000+ slots ahead, signed by that slot's proposer as L1 computes it
    const farSlot = slot + 1000
    const far = onTip('far').buildBlock({ slot: farSlot, indexInCheckpoint: 0, proposer: await proposerOf(farSlot).catch(() => key), timestamp: slotStartMs(schedule, farSlot) + 10 })
    add('slot 1,000 ahead', far.header, far.proposalBytes, ['SLOT_IN_FUTURE'], 'ignore')
    // 2. a started slot with a timestamp outside it (and the next slot, outside it too)
    const late = headerOnly({ timestamp: slotStartMs(schedule, slot) + 60_000 })
    add('timestamp outside its slot', late, sign(late, key), ['TIMESTAMP_OUT_OF_SLOT'], 'reject')
    const nextKey = await proposerOf(slot + 1)
    const next = { ...headerOnly({ slot: slot + 1, proposer: nextKey.address, timestamp: slotStartMs(schedule, slot + 1) - 5_000 }) }
    cases.push({ what: 'next slot, timestamp outside it', data: sign(next, nextKey), hash: headerHash(next), codes: ['TIMESTAMP_OUT_OF_SLOT', 'SLOT_IN_FUTURE'], verdict: 'reject' })
    // 3. header-only forms
    for (const [what, o, code] of [
      ['height 0', { height: 0 }, 'DECODE_INVALID_FIELD'],
      ['checkpoint 0', { checkpointNumber: 0 }, 'DECODE_INVALID_FIELD'],
      ['index 32', { indexInCheckpoint: 32, height: real.height + 33 }, 'DECODE_INVALID_FIELD'],
      ['txCount 5000', { txCount: 5000 }, 'DECODE_TOO_LARGE'],
    ] as const) {
      const h = headerOnly(o)
      add(what, h, sign(h, key), [code], 'reject')
    }
    // 4. a tx-hash list that is not the body's
    const lying = [...template.proposal.txHashes].reverse().concat([`0x${'ab'.repeat(32)}` as Hex])
    add('tx hashes not the body’s', template.header, sign(template.header, key, { bytes: template.bodyBytes, txHashes: lying }), ['TX_HASHES_MISMATCH'], 'reject')
    // 5. the equivocation twin of a block the client holds: same slot, index, height, parent
    const twin = new ChainBuilder(domain, devnet.info.l2ChainId, { seed: 'twin', tip: { hash: real.parentHash, height: parent.height, stateRoot: parent.stateRoot, checkpointNumber: real.checkpointNumber - 1 } }).buildBlock({
      slot: real.slot,
      indexInCheckpoint: real.indexInCheckpoint,
      proposer: realKey,
      timestamp: real.timestamp,
    })
    expect([twin.header.slot, twin.header.indexInCheckpoint, twin.header.height, twin.header.parentHash]).toEqual([real.slot, real.indexInCheckpoint, real.height, real.parentHash])
    add('equivocation twin', twin.header, twin.proposalBytes, ['DOUBLE_PROPOSAL'], 'ignore')
    expect(cases.length).toBe(9)

    const before = client.engine.verdictsByCode()
    for (let i = 0; i < cases.length; i++) expect(await publish(sides[i]!.node, t.blockProposal, cases[i]!.data), cases[i]!.what).toBeGreaterThan(0)

    // every case judged with its code, from its peer
    const failures = await until(
      client,
      async () => {
        const rows = await client.store.recentFailures(200)
        const got = cases.map((c, i) => rows.find((r) => r.peer === sides[i]!.id && c.codes.includes(r.error.code)))
        return got.every(Boolean) ? got.map((r) => r!) : null
      },
      30_000,
      'a coded failure from each side node',
    )
    cases.forEach((c, i) => {
      const f = failures[i]!
      expect(f.source, c.what).toBe('gossip')
      expect(f.error).toMatchObject({ source: 'gossip', peer: sides[i]!.id })
      if (c.codes.length === 1) expect(f.error.severity === 'hard' ? 'reject' : 'ignore', c.what).toBe(c.verdict)
    })
    const after = client.engine.verdictsByCode()
    const delta = (code: string, v: 'reject' | 'ignore') => (after[code]?.[v] ?? 0) - (before[code]?.[v] ?? 0)
    expect(delta('SLOT_IN_FUTURE', 'ignore')).toBeGreaterThanOrEqual(1)
    expect(delta('TIMESTAMP_OUT_OF_SLOT', 'reject')).toBeGreaterThanOrEqual(1)
    expect(delta('DECODE_INVALID_FIELD', 'reject')).toBeGreaterThanOrEqual(3)
    expect(delta('DECODE_TOO_LARGE', 'reject')).toBeGreaterThanOrEqual(1)
    expect(delta('TX_HASHES_MISMATCH', 'reject')).toBeGreaterThanOrEqual(1)
    expect(delta('DOUBLE_PROPOSAL', 'ignore')).toBe(1)

    // the twin is evidence: both blocks, both signatures by the real proposer
    const evidence = await client.evidence({ limit: 100 })
    expect(evidence.find((e) => e.kind === 'double-proposal' && e.slot === real.slot && e.index === real.indexInCheckpoint)).toMatchObject({
      offender: real.proposer.toLowerCase(),
      hashes: [latest.hash, twin.hash],
    })

    // none is ever shown as a block, however long the client runs on (two more slots)
    const h0 = client.snapshot().tips.proposed?.height ?? 0
    const s = await until(client, (x) => ((x.tips.proposed?.height ?? 0) >= h0 + 8 ? x : null), 30_000, 'two more slots')
    for (const c of cases) {
      expect(await client.store.getBlock(c.hash), c.what).toBeUndefined()
      expect(s.latest.some((b) => b.hash === c.hash), c.what).toBe(false)
    }
    expect((await client.store.getBlock(latest.hash))?.hash).toBe(latest.hash) // the first seen stays
    expect(await client.store.checkConsistency()).toEqual([])
  }, 180_000)
})
