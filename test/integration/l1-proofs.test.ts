/**
 * No code path turns an unproven L1 answer into a fact: a real rollup on a real anvil, read
 * through an RPC proxy (test/helpers/l1-proxy.ts) that is honest, or returns correct values
 * with proofs that do not verify, or wrong values with no proofs. Only the honest one lets a
 * checkpoint become mined; the others are named in coded failures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Hex } from '../../src/core/types'
import { startAnvil, type Anvil } from '../../src/devnet/l1'
import { createProvenL1 } from '../../src/sources/l1-proven'
import { rpcName } from '../../src/sources/l1-rpc'
import { StatsRecorder } from '../../src/sources/stats'
import { SyncEngine } from '../../src/sync/engine'
import { DexieChainStore } from '../../src/store/chain-store'
import type { ProofCheck } from '../../src/core/records'
import { initCrypto } from '../../src/verify/secp256k1'
import { startL1Proxy, type L1Proxy, type Tamper } from '../helpers/l1-proxy'
import { ROLLUP_L2, freshRollup, rollupValidators } from '../helpers/rollup'

let anvil: Anvil
let proxy: L1Proxy
let rollup: Awaited<ReturnType<typeof freshRollup>>

beforeAll(async () => {
  await initCrypto()
  anvil = await startAnvil()
  proxy = await startL1Proxy(anvil.rpcUrl)
  rollup = await freshRollup(anvil)
  await rollup.post(1, (d) => rollup.builder.attest(d, rollupValidators))
}, 90_000)
afterAll(async () => {
  await proxy?.close()
  await anvil?.stop()
})

let n = 0
async function follow() {
  const store = await DexieChainStore.open(`l1-proofs-${++n}`, { indexedDB: new IDBFactory(), IDBKeyRange })
  const l1 = createProvenL1({ rollup: rollup.rollup, rpcUrls: [proxy.url], onFailure: (source, e, disproven) => engine.recordFailure(source, e, disproven) })
  const engine: SyncEngine = new SyncEngine({ store, l1, gossipStats: new StatsRecorder('gossip', 'gossip'), domain: rollup.domain, l2ChainId: ROLLUP_L2, deployBlock: rollup.deployed.deployBlock, mode: 'light' })
  for (const st of l1.stats) engine.registerSource(st)
  await engine.restore()
  const polled = await engine.pollL1().then(
    () => null,
    (e: unknown) => e,
  )
  return { engine, l1, polled }
}

/** Flips the last byte of every proof node of an eth_getProof answer: values as anvil says, proofs broken. */
const brokenProofs: Tamper = (req, a) => {
  if (req.method !== 'eth_getProof' || !a.result) return a
  const r = a.result as { accountProof: Hex[]; storageProof: { proof: Hex[] }[] }
  const flip = (h: Hex) => `${h.slice(0, -2)}${((parseInt(h.slice(-2), 16) ^ 1) & 0xff).toString(16).padStart(2, '0')}` as Hex
  return { ...a, result: { ...r, accountProof: r.accountProof.map(flip), storageProof: r.storageProof.map((s) => ({ ...s, proof: s.proof.map(flip) })) } }
}

describe('L1 facts are proven, never taken from an answer', () => {
  it('an honest RPC: the checkpoint is mined, with the proofs that show it', async () => {
    proxy.tamper(null)
    const { engine, l1, polled } = await follow()
    expect(polled).toBeNull()
    expect(engine.getTips().mined?.height).toBe(3)
    const [cp] = engine.getMinedCheckpoints()
    expect(cp!.proof!.rpc).toBe(rpcName(proxy.url))
    expect(cp!.proof!.facts.join('\n')).toMatch(/receipts rebuild receiptsRoot/)
    // the committee computed from the proven validator list is the contract's own
    expect(await l1.readCommittee(0)).toEqual(await rollup.committeeOf(0))
    const checks: ProofCheck[] = []
    const again = await l1.minedCheckpoints(cp!.l1!.blockNumber, cp!.l1!.blockNumber, { checks })
    expect(again.map((e) => e.digest)).toEqual([cp!.digest])
    expect(checks.map((c) => c.kind)).toEqual(expect.arrayContaining(['receipts', 'storage']))
    expect(checks.every((c) => c.status === 'pass')).toBe(true)
    expect(l1.trustView().proofs.failed).toBe(0)
  }, 60_000)

  it('correct answers with proofs that do not verify: nothing is mined; PROOF_INVALID names the RPC', async () => {
    proxy.tamper(brokenProofs)
    const { engine, l1, polled } = await follow()
    expect(engine.getTips().mined).toBeNull()
    expect(polled).toBeTruthy()
    const fails = engine.getFailures().filter((f) => f.details?.source === rpcName(proxy.url))
    expect(fails.map((f) => f.code)).toContain('PROOF_INVALID')
    expect(l1.trustView().proofs.failed).toBeGreaterThan(0)
    expect(l1.trustView().disagreements[0]!.rpc).toBe(rpcName(proxy.url))
  }, 60_000)

  it('wrong answers without proofs: nothing is mined', async () => {
    const forged = `0x${'ee'.repeat(32)}`
    // eth_getProof refused (no proofs at all); the contract reads a naive client would use answer lies
    proxy.tamper((req, a) => {
      if (req.method === 'eth_getProof') return { jsonrpc: '2.0', id: a.id, error: { code: -32601, message: 'the method eth_getProof does not exist' } }
      if (req.method === 'eth_call') return { ...a, result: forged }
      return a
    })
    const refused = await follow()
    expect(refused.engine.getTips().mined).toBeNull()
    expect(refused.polled).toBeTruthy()
    // … or storage values answered with empty proofs
    proxy.tamper((req, a) => {
      if (req.method !== 'eth_getProof' || !a.result) return a
      const r = a.result as { storageProof: { key: Hex; value: Hex; proof: Hex[] }[] }
      return { ...a, result: { ...r, accountProof: [], storageProof: r.storageProof.map((s) => ({ ...s, value: '0x1', proof: [] })) } }
    })
    const empty = await follow()
    expect(empty.engine.getTips().mined).toBeNull()
    expect(empty.engine.getFailures().map((f) => f.code)).toEqual(expect.arrayContaining([expect.stringMatching(/^PROOF_/)]))
    proxy.tamper(null)
  }, 60_000)
})
