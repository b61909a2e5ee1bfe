/**
 * The Ethereum consensus light client (src/protocol/eth, src/verify/lightclient) and
 * `vigil lc verify` on real mainnet Capella data (../shared/vectors/helios/consensus): the
 * bootstrap hashes to the checkpoint, six updates (periods 862-867) and the finality update
 * verify in sequence (every BLS aggregate and branch), the finality update yields execution
 * block 17923026, and single-byte mutations of signatures, branch nodes, header fields and
 * pubkeys are each rejected with a coded error.
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { VigilError, type ErrorCode } from '../../src/core/errors'
import { bytesToHex, hexToBytes } from '../../src/protocol/bytes'
import { decodeBootstrap, decodeUpdate, decodeUpdates, participantCount, type LightClientBootstrap, type LightClientUpdate } from '../../src/protocol/eth/beacon'
import { beaconBlockHeaderRoot, byteListRoot, computeDomain, DOMAIN_SYNC_COMMITTEE, gindexParts, merkleize, uint64Root } from '../../src/protocol/eth/ssz'
import {
  MAINNET,
  epochAtSlot,
  forceUpdate,
  forkAtSlot,
  gindicesFor,
  periodAtSlot,
  processFinalityUpdate,
  processOptimisticUpdate,
  processUpdate,
  verifyBootstrap,
  type LightClientStore,
} from '../../src/verify/lightclient'
import { runMain } from '../helpers/cli'

const DIR = join(__dirname, '../../../shared/vectors/helios/consensus')
const CHECKPOINT = '0x5afc212a7924789b2bc86acad3ab3a6ffb1f6e97253ea50bee7f4f51422c9275'
const ROOT = hexToBytes(CHECKPOINT)
const json = (f: string): unknown => JSON.parse(readFileSync(join(DIR, f), 'utf8'))

let bootstrap: LightClientBootstrap
let updates: LightClientUpdate[]
let finality: LightClientUpdate
/** stores[i] is the store update i is checked against; stores[6] the one the finality update is. */
const stores: LightClientStore[] = []

function codeOf(fn: () => unknown): ErrorCode | 'none' {
  try {
    fn()
    return 'none'
  } catch (e) {
    if (!(e instanceof VigilError)) throw e
    return e.code
  }
}

/** A copy with byte i of the array flipped (xor 0x01). */
function flip(b: Uint8Array, i: number, mask = 0x01): Uint8Array {
  const c = b.slice()
  c[i] = c[i]! ^ mask
  return c
}

const clone = <T>(x: T): T => structuredClone(x)

beforeAll(() => {
  bootstrap = decodeBootstrap(json('bootstrap.json'))
  updates = decodeUpdates(json('updates.json'))
  finality = decodeUpdate(json('finality.json'), 'finality')
})

describe('SSZ pieces', () => {
  it('merkleizes padded trees, byte lists and uint64s as the spec does', () => {
    expect(bytesToHex(uint64Root(7069376n)).slice(0, 18)).toBe('0xc0de6b0000000000')
    // merkleize of nothing with limit 4 = the depth-2 zero-tree root
    const z1 = merkleize([new Uint8Array(32), new Uint8Array(32)])
    expect(merkleize([], 4)).toEqual(merkleize([z1, z1]))
    // an empty ByteList[32] is mix_in_length(zero chunk, 0)
    expect(byteListRoot(new Uint8Array(0), 32)).toEqual(merkleize([new Uint8Array(32), new Uint8Array(32)]))
    expect(() => byteListRoot(new Uint8Array(33), 32)).toThrow(VigilError)
  })

  it('has the branch depths by fork (Electra one level deeper in the state)', () => {
    expect(gindexParts(gindicesFor('capella').finalizedRoot)).toEqual({ depth: 6, index: 41 })
    expect(gindexParts(gindicesFor('deneb').nextSyncCommittee)).toEqual({ depth: 5, index: 23 })
    expect(gindexParts(gindicesFor('electra').finalizedRoot)).toEqual({ depth: 7, index: 41 })
    expect(gindexParts(gindicesFor('electra').currentSyncCommittee)).toEqual({ depth: 6, index: 22 })
    expect(gindexParts(gindicesFor('electra').executionPayload)).toEqual({ depth: 4, index: 9 })
    expect(forkAtSlot(MAINNET, 7069376).name).toBe('capella')
    expect(forkAtSlot(MAINNET, 364032 * 32).name).toBe('electra')
    expect(forkAtSlot(MAINNET, 364032 * 32 - 1).name).toBe('deneb')
  })

  it('the sync-committee domain depends on the fork version', () => {
    const capella = computeDomain(DOMAIN_SYNC_COMMITTEE, hexToBytes('0x03000000'), MAINNET.genesisValidatorsRoot)
    const deneb = computeDomain(DOMAIN_SYNC_COMMITTEE, hexToBytes('0x04000000'), MAINNET.genesisValidatorsRoot)
    expect(bytesToHex(capella.subarray(0, 4))).toBe('0x07000000')
    expect(capella).not.toEqual(deneb)
  })
})

describe('decoders', () => {
  it('reject wrong hex lengths and counts with DECODE_INVALID_FIELD', () => {
    const b = json('bootstrap.json') as { data: { current_sync_committee: { pubkeys: string[] }; header: { beacon: { state_root: string } } } }
    const short = clone(b)
    short.data.current_sync_committee.pubkeys.pop()
    expect(codeOf(() => decodeBootstrap(short))).toBe('DECODE_INVALID_FIELD')
    const badHex = clone(b)
    badHex.data.header.beacon.state_root = badHex.data.header.beacon.state_root.slice(0, -2)
    expect(codeOf(() => decodeBootstrap(badHex))).toBe('DECODE_INVALID_FIELD')
    const f = json('finality.json') as { data: { signature_slot: string } }
    const neg = clone(f)
    neg.data.signature_slot = '-1'
    expect(codeOf(() => decodeUpdate(neg))).toBe('DECODE_INVALID_FIELD')
  })
})

describe('mainnet light-client data', () => {
  it('the bootstrap header hashes to the checkpoint root and its committee branch verifies', () => {
    expect(bytesToHex(beaconBlockHeaderRoot(bootstrap.header.beacon))).toBe(CHECKPOINT)
    expect(bootstrap.header.beacon.slot).toBe(7069376)
    const store = verifyBootstrap(MAINNET, ROOT, bootstrap)
    expect(store.nextSyncCommittee).toBeNull()
    stores.push(store)
  })

  it('all six updates and the finality update verify in sequence (BLS aggregate and every branch)', () => {
    const periods: number[] = []
    const participants: number[] = []
    for (const [i, u] of updates.entries()) {
      const t0 = performance.now()
      const r = processUpdate(MAINNET, stores[i]!, u)
      if (i === 0) console.log(`first update (512 pubkeys decoded, aggregate, pairing): ${(performance.now() - t0).toFixed(0)} ms`)
      expect(r.applied).toBe(true)
      periods.push(r.signaturePeriod)
      participants.push(r.participants)
      stores.push(r.store)
    }
    expect(periods).toEqual([862, 863, 864, 865, 866, 867])
    expect(participants).toEqual([511, 512, 511, 510, 512, 512])
    const last = stores[6]!
    expect(periodAtSlot(last.finalizedHeader.beacon.slot)).toBe(867)
    expect(last.nextSyncCommittee).not.toBeNull()

    const t0 = performance.now()
    const r = processFinalityUpdate(MAINNET, last, finality)
    console.log(`finality update (keys cached): ${(performance.now() - t0).toFixed(0)} ms`)
    expect(r.applied).toBe(true)
    const ex = r.store.finalizedHeader.execution!
    expect(ex.blockNumber).toBe(17923026n)
    expect(bytesToHex(ex.blockHash)).toBe('0xbc8499537876e5406c7a65e25f99063f1cd85a17014a3aa5ade38271b1fbf64f')
    expect(r.store.optimisticHeader.execution!.blockNumber).toBe(17923112n)
  })

  it('an optimistic update (attested header and aggregate only) moves the optimistic header', () => {
    const r = processOptimisticUpdate(MAINNET, stores[6]!, finality)
    expect(r.applied).toBe(false)
    expect(r.store.optimisticHeader.beacon.slot).toBe(7109430)
    expect(r.store.finalizedHeader.beacon.slot).toBe(stores[6]!.finalizedHeader.beacon.slot)
  })
})

describe('rejections, each with its code', () => {
  const fin = () => clone(finality)
  const finCheck = (u: LightClientUpdate) => codeOf(() => processFinalityUpdate(MAINNET, stores[6]!, u))

  it('every single-byte mutation of the finality update signature, and four bytes of each update signature: LC_BAD_SIGNATURE', () => {
    const t0 = performance.now()
    const codes = new Set<string>()
    for (let i = 0; i < 96; i++) {
      const u = fin()
      u.syncAggregate.signature = flip(u.syncAggregate.signature, i)
      codes.add(finCheck(u))
    }
    for (const [k, upd] of updates.entries()) {
      for (const i of [0, 31, 64, 95]) {
        const u = clone(upd)
        u.syncAggregate.signature = flip(u.syncAggregate.signature, i, 0x80)
        codes.add(codeOf(() => processUpdate(MAINNET, stores[k]!, u)))
      }
    }
    console.log(`120 signature mutations: ${(performance.now() - t0).toFixed(0)} ms`)
    expect([...codes]).toEqual(['LC_BAD_SIGNATURE'])
  })

  it('every single-byte mutation of every branch node (finality, next sync committee, execution, bootstrap): LC_INVALID_BRANCH', () => {
    const codes = new Set<string>()
    let n = 0
    const tryBranches = (upd: LightClientUpdate, store: LightClientStore, run: typeof processUpdate, bytes: number[]) => {
      const pick = (u: LightClientUpdate): Uint8Array[][] => [u.finalityBranch, u.nextSyncCommitteeBranch, u.attestedHeader.executionBranch, u.finalizedHeader?.executionBranch ?? []]
      pick(upd).forEach((br, which) => {
        for (let node = 0; node < br.length; node++) {
          for (const b of bytes) {
            const u = clone(upd)
            const target = pick(u)[which]!
            target[node] = flip(target[node]!, b)
            codes.add(codeOf(() => run(MAINNET, store, u)))
            n++
          }
        }
      })
    }
    const all = Array.from({ length: 32 }, (_, i) => i)
    tryBranches(finality, stores[6]!, processFinalityUpdate, all)
    for (const [k, upd] of updates.entries()) tryBranches(upd, stores[k]!, processUpdate, [0, 17, 31])
    for (let node = 0; node < bootstrap.currentSyncCommitteeBranch.length; node++) {
      for (const b of all) {
        const bs = clone(bootstrap)
        bs.currentSyncCommitteeBranch[node] = flip(bs.currentSyncCommitteeBranch[node]!, b)
        codes.add(codeOf(() => verifyBootstrap(MAINNET, ROOT, bs)))
        n++
      }
    }
    expect(n).toBe(950) // finality update 14 nodes × 32 bytes, six updates 19 nodes × 3 bytes, bootstrap 5 nodes × 32 bytes
    expect([...codes]).toEqual(['LC_INVALID_BRANCH'])
  })

  it('header field mutations: beacon fields break a branch, the signature or the bootstrap root; execution fields break the execution branch', () => {
    const got: Record<string, string> = {}
    const beaconFields = ['parentRoot', 'stateRoot', 'bodyRoot'] as const
    for (const which of ['attestedHeader', 'finalizedHeader'] as const) {
      for (const f of beaconFields) {
        for (const b of [0, 31]) {
          const u = fin()
          u[which]!.beacon[f] = flip(u[which]!.beacon[f], b)
          got[`${which}.${f}[${b}]`] = finCheck(u)
        }
      }
      const u = fin()
      u[which]!.beacon.proposerIndex += 1
      got[`${which}.proposerIndex`] = finCheck(u)
      const ex = ['parentHash', 'feeRecipient', 'stateRoot', 'receiptsRoot', 'logsBloom', 'prevRandao', 'extraData', 'blockHash', 'transactionsRoot', 'withdrawalsRoot'] as const
      for (const f of ex) {
        const v = fin()
        const e = v[which]!.execution!
        e[f] = flip(e[f], e[f].length - 1)
        got[`${which}.execution.${f}`] = finCheck(v)
      }
      for (const f of ['blockNumber', 'gasLimit', 'gasUsed', 'timestamp', 'baseFeePerGas'] as const) {
        const v = fin()
        v[which]!.execution![f] += 1n
        got[`${which}.execution.${f}`] = finCheck(v)
      }
    }
    const expected: Record<string, string> = {}
    for (const k of Object.keys(got)) {
      if (k.startsWith('attestedHeader.execution') || k.startsWith('finalizedHeader.execution') || k.includes('bodyRoot')) expected[k] = 'LC_INVALID_BRANCH'
      else if (k.startsWith('attestedHeader.stateRoot')) expected[k] = 'LC_INVALID_BRANCH'
      else if (k.startsWith('attestedHeader')) expected[k] = 'LC_BAD_SIGNATURE'
      else expected[k] = 'LC_INVALID_BRANCH' // a finalized-header field: the finality branch
    }
    expect(got).toEqual(expected)
    // attested slot moved past the signature slot
    const s = fin()
    s.attestedHeader.beacon.slot = s.signatureSlot
    expect(finCheck(s)).toBe('LC_INVALID_SLOTS')
    // any bootstrap header field: not the checkpoint
    for (const f of ['parentRoot', 'stateRoot', 'bodyRoot'] as const) {
      const bs = clone(bootstrap)
      bs.header.beacon[f] = flip(bs.header.beacon[f], 5)
      expect(codeOf(() => verifyBootstrap(MAINNET, ROOT, bs))).toBe(f === 'bodyRoot' ? 'LC_INVALID_BRANCH' : 'LC_BOOTSTRAP_MISMATCH')
    }
    const bs = clone(bootstrap)
    bs.header.beacon.slot += 1
    expect(codeOf(() => verifyBootstrap(MAINNET, ROOT, bs))).toBe('LC_BOOTSTRAP_MISMATCH')
  })

  it('pubkey mutations: in a committee they break its branch; in the store they break the aggregate', () => {
    const codes = new Set<string>()
    for (const i of [0, 1, 255, 511]) {
      for (const b of [0, 47]) {
        const bs = clone(bootstrap)
        bs.currentSyncCommittee.pubkeys[i] = flip(bs.currentSyncCommittee.pubkeys[i]!, b)
        codes.add(codeOf(() => verifyBootstrap(MAINNET, ROOT, bs)))
        const u = clone(updates[2]!)
        u.nextSyncCommittee!.pubkeys[i] = flip(u.nextSyncCommittee!.pubkeys[i]!, b)
        codes.add(codeOf(() => processUpdate(MAINNET, stores[2]!, u)))
      }
    }
    const agg = clone(updates[3]!)
    agg.nextSyncCommittee!.aggregatePubkey = flip(agg.nextSyncCommittee!.aggregatePubkey, 10)
    codes.add(codeOf(() => processUpdate(MAINNET, stores[3]!, agg)))
    expect([...codes]).toEqual(['LC_INVALID_BRANCH'])
    // a store whose committee key was tampered with after its branch was checked: the BLS check catches it
    for (const b of [0, 20, 47]) {
      const store = clone(stores[6]!)
      store.currentSyncCommittee.pubkeys[7] = flip(store.currentSyncCommittee.pubkeys[7]!, b)
      expect(codeOf(() => processFinalityUpdate(MAINNET, store, finality))).toBe('LC_BAD_SIGNATURE')
    }
  })

  it('participation bits, periods, the 2/3 rule and the clock', () => {
    // a flipped participation bit: another set of keys than signed
    const bit = fin()
    bit.syncAggregate.bits = flip(bit.syncAggregate.bits, 3)
    expect(finCheck(bit)).toBe('LC_BAD_SIGNATURE')
    const none = fin()
    none.syncAggregate.bits = new Uint8Array(64)
    expect(finCheck(none)).toBe('LC_INSUFFICIENT_PARTICIPATION')
    // an update two periods ahead of the bootstrap store
    expect(codeOf(() => processUpdate(MAINNET, stores[0]!, updates[2]!))).toBe('LC_WRONG_PERIOD')
    // the finality update against the bootstrap store: period 867 is not 862
    expect(codeOf(() => processFinalityUpdate(MAINNET, stores[0]!, finality))).toBe('LC_WRONG_PERIOD')
    // an update signed in a period the store has left
    expect(codeOf(() => processUpdate(MAINNET, stores[3]!, updates[1]!))).toBe('LC_WRONG_PERIOD')
    // an update older than the store's finalized header once its committee is known: irrelevant
    expect(codeOf(() => processUpdate(MAINNET, stores[1]!, updates[0]!))).toBe('LC_IRRELEVANT_UPDATE')
    // a signature slot in the future
    expect(codeOf(() => processFinalityUpdate(MAINNET, stores[6]!, finality, { currentSlot: finality.signatureSlot - 1 }))).toBe('LC_INVALID_SLOTS')
    // below 2/3 (341 of 512, signature not checked): valid but not applied
    const few = fin()
    few.syncAggregate.bits = new Uint8Array(64)
    for (let i = 0; i < 341; i++) few.syncAggregate.bits[i >> 3]! |= 1 << (i & 7)
    expect(participantCount(few.syncAggregate.bits)).toBe(341)
    const r = processFinalityUpdate(MAINNET, stores[6]!, few, { skipSignature: true })
    expect(r.applied).toBe(false)
    expect(r.store.finalizedHeader.beacon.slot).toBe(stores[6]!.finalizedHeader.beacon.slot)
    expect(r.store.bestValidUpdate).not.toBeNull()
    // after a period without finality the best valid update is forced in
    expect(forceUpdate(r.store, finality.signatureSlot).finalizedHeader.beacon.slot).toBe(stores[6]!.finalizedHeader.beacon.slot)
    const forced = forceUpdate(r.store, stores[6]!.finalizedHeader.beacon.slot + 8192 + 1)
    expect(forced.finalizedHeader.beacon.slot).toBe(7109344)
    expect(forced.bestValidUpdate).toBeNull()
  })

  it("the signature slot's fork version is in the domain, and the header's fork picks its execution layout", () => {
    // the Capella version replaced: the same signature no longer verifies
    const wrongVersion = { ...MAINNET, forks: MAINNET.forks.map((f) => (f.name === 'capella' ? { ...f, version: hexToBytes('0x04000000') } : f)) }
    expect(codeOf(() => processFinalityUpdate(wrongVersion, stores[6]!, finality))).toBe('LC_BAD_SIGNATURE')
    // Deneb moved to the attested header's epoch: a Deneb header needs blob_gas_used / excess_blob_gas
    const earlyDeneb = { ...MAINNET, forks: MAINNET.forks.map((f) => (f.name === 'deneb' ? { ...f, epoch: epochAtSlot(finality.attestedHeader.beacon.slot) } : f)) }
    expect(codeOf(() => processFinalityUpdate(earlyDeneb, stores[6]!, finality))).toBe('LC_INVALID_HEADER')
    // with the fields present (zero) the Deneb layout hashes 17 fields: the Capella branch no longer matches
    const withBlob = clone(finality)
    withBlob.attestedHeader.execution!.blobGasUsed = 0n
    withBlob.attestedHeader.execution!.excessBlobGas = 0n
    expect(codeOf(() => processFinalityUpdate(earlyDeneb, stores[6]!, withBlob))).toBe('LC_INVALID_BRANCH')
    // and zero blob fields on a Capella header are the Capella layout: still valid
    expect(codeOf(() => processFinalityUpdate(MAINNET, stores[6]!, withBlob))).toBe('none')
  })
})

describe('vigil lc verify', () => {
  let dir = ''
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-lc-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })
  const run = runMain

  const args = (finalityFile: string) => ['lc', 'verify', '--network', 'mainnet', '--checkpoint', CHECKPOINT, '--bootstrap', join(DIR, 'bootstrap.json'), '--updates', join(DIR, 'updates.json'), '--finality', finalityFile, '--json']

  it('verifies the vectors: exit 0, every object ok, execution block 17923026', async () => {
    // the finality update's attested header and aggregate also make an optimistic update
    const r = await run([...args(join(DIR, 'finality.json')), '--optimistic', join(DIR, 'finality.json')])
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.ok).toBe(true)
    expect(out.objects.map((o: { kind: string; ok: boolean }) => `${o.kind}:${o.ok}`)).toEqual(['bootstrap:true', ...Array(6).fill('update:true'), 'finality:true', 'optimistic:true'])
    expect(out.optimistic.execution.blockNumber).toBe('17923112')
    expect(out.objects.slice(1, 7).map((o: { signaturePeriod: number; participants: number }) => [o.signaturePeriod, o.participants])).toEqual([[862, 511], [863, 512], [864, 511], [865, 510], [866, 512], [867, 512]])
    expect(out.finalized.execution).toMatchObject({ blockNumber: '17923026', blockHash: '0xbc8499537876e5406c7a65e25f99063f1cd85a17014a3aa5ade38271b1fbf64f' })
    expect(out.period).toBe(867)
  })

  it('a mutated finality update: exit 1 with a coded error', async () => {
    const text = readFileSync(join(DIR, 'finality.json'), 'utf8')
    const f = JSON.parse(text) as { data: { sync_aggregate: { sync_committee_signature: string } } }
    const s = f.data.sync_aggregate.sync_committee_signature
    f.data.sync_aggregate.sync_committee_signature = s.slice(0, 40) + (s[40] === '0' ? '1' : '0') + s.slice(41)
    const path = join(dir, 'finality-mutated.json')
    await writeFile(path, JSON.stringify(f))
    const r = await run(args(path))
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.ok).toBe(false)
    expect(out.objects.at(-1)).toMatchObject({ kind: 'finality', ok: false, error: { code: 'LC_BAD_SIGNATURE' } })
    // the wrong checkpoint: nothing verifies
    const w = await run(['lc', 'verify', '--checkpoint', `0x${'11'.repeat(32)}`, '--bootstrap', join(DIR, 'bootstrap.json'), '--json'])
    expect(w.code).toBe(1)
    expect(JSON.parse(w.stdout).objects[0]).toMatchObject({ kind: 'bootstrap', ok: false, error: { code: 'LC_BOOTSTRAP_MISMATCH' } })
  })
})
