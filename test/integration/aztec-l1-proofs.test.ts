/**
 * The Aztec checks that rest on L1, through the real proving path: a real anvil holds, at the
 * Ignition rollup's address, the namespaced storage words the mainnet rollup would hold for the
 * shared checkpoint (set with anvil_setStorageAt at the slots src/networks/aztec/layout.ts
 * computes); ProvenL1 (the RPC quorum anchor, eth_getProof, proofs verified against the block's
 * state root) proves them and proveAztecPropose decides each check. A word that differs is a
 * coded failure; an RPC that is unreachable leaves the checks unknown, never passed.
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hex } from '../../src/core/types'
import { startAnvil, type Anvil } from '../../src/devnet/l1'
import { createProvenL1 } from '../../src/sources/l1-proven'
import { initCrypto } from '../../src/verify/secp256k1'
import {
  AZTEC_IGNITION,
  SLOT_COMMITTEE_CONFIG,
  SLOT_TIME,
  SLOT_TIPS,
  archiveSlot,
  committeeCommitmentSlot,
  encodeTimeWord,
  proveAztecPropose,
  roundaboutSize,
  tempBlockLogSlot,
  verifyAztecPropose,
  word32,
  type AztecReport,
} from '../../src/networks/aztec'

const VECTOR = join(import.meta.dirname, '../../../shared/vectors/aztec-packages/ignition_mainnet_propose.json')
const vector = JSON.parse(readFileSync(VECTOR, 'utf8')) as { proposeCalldata: Hex }
const ROLLUP = AZTEC_IGNITION.rollup
const TIME = { genesisTime: 1764751379 - 24392 * 72, slotDuration: 72, epochDuration: 32, proofSubmissionEpochs: 1 }
/** The checkpoint's number on this fake L1, and how many newer ones follow it. */
const N = 4_000
const NEWER = 3

let anvil: Anvil
let report: AztecReport

async function rpc(method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(anvil.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const j = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (j.error) throw new Error(`${method}: ${j.error.message}`)
  return j.result
}

const setWord = (slot: bigint, value: bigint | Hex) => rpc('anvil_setStorageAt', [ROLLUP, word32(slot), typeof value === 'string' ? value : word32(value)])

/** The storage the rollup holds after checkpoint N (and NEWER more), as its libraries lay it out. */
async function writeRollupState(r: AztecReport, overrides: { archive?: Hex; commitment?: Hex } = {}) {
  await rpc('anvil_setCode', [ROLLUP, '0x00'])
  const size = roundaboutSize(TIME)
  const pending = N + NEWER
  await setWord(SLOT_TIME, encodeTimeWord(TIME))
  await setWord(SLOT_COMMITTEE_CONFIG, 24n | (2n << 32n))
  await setWord(SLOT_TIPS, (BigInt(pending) << 128n) | BigInt(N - 10))
  await setWord(committeeCommitmentSlot(r.checkpoint.epoch), overrides.commitment ?? r.committee.commitment)
  await setWord(archiveSlot(N), overrides.archive ?? r.checkpoint.archive)
  // the circular buffer: every readable checkpoint has a log; slots grow with the number
  for (let k = pending - size + 1; k <= pending; k++) {
    const base = tempBlockLogSlot(k, size)
    const mine = k === N
    await setWord(base, mine ? r.digests.headerHash : word32(BigInt(k)))
    await setWord(base + 1n, word32(0xb10bn))
    await setWord(base + 2n, mine ? r.digests.attestationsHash : word32(BigInt(k) + 1n))
    await setWord(base + 3n, mine ? r.digests.payloadHash : word32(BigInt(k) + 2n))
    await setWord(base + 4n, BigInt(r.checkpoint.slot + (k - N) * 2))
  }
  await rpc('evm_mine', [])
}

beforeAll(async () => {
  await initCrypto()
  anvil = await startAnvil({ warmUpBlobs: false })
  report = verifyAztecPropose(vector.proposeCalldata, { network: AZTEC_IGNITION })
}, 60_000)
afterAll(async () => {
  await anvil?.stop()
})

const l1 = () => createProvenL1({ rollup: ROLLUP, rpcUrls: [anvil.rpcUrl] })
const check = (r: AztecReport, name: string) => r.checks.find((c) => c.name === name)!

describe('Aztec facts proven on a real anvil', () => {
  it('the rollup\'s storage proves every L1 check; the checkpoint number is found by bisection over proven slots', async () => {
    await writeRollupState(report)
    const proven = await proveAztecPropose(report, l1())
    for (const name of ['l1-time-config', 'l1-committee-size', 'l1-committee-commitment', 'l1-stored-checkpoint']) expect(check(proven, name), name).toMatchObject({ ok: true })
    expect(proven.l1?.l2BlockNumber).toBe(N)
    expect(proven.l1?.anchor).toBe('rpc-quorum')
    expect(proven.ok).toBe(true)
    // the given number is used as is
    const named = await proveAztecPropose(report, l1(), { l2BlockNumber: N })
    expect(check(named, 'l1-stored-checkpoint').ok).toBe(true)
    // the offline report is untouched
    expect(check(report, 'l1-stored-checkpoint').ok).toBeNull()
  }, 120_000)

  it('a stored archive or committee commitment that differs fails with its code', async () => {
    await writeRollupState(report, { archive: `0x${'ab'.repeat(32)}`, commitment: `0x${'cd'.repeat(32)}` })
    const proven = await proveAztecPropose(report, l1(), { l2BlockNumber: N })
    expect(check(proven, 'l1-stored-checkpoint')).toMatchObject({ ok: false, code: 'CHECKPOINT_MISMATCH' })
    expect(check(proven, 'l1-committee-commitment')).toMatchObject({ ok: false, code: 'COMMITTEE_MISMATCH' })
    expect(proven.ok).toBe(false)
    expect(proven.offlineOk).toBe(true)
  }, 120_000)

  it('a contract with no Aztec storage is not this rollup; an unreachable RPC leaves the checks unknown', async () => {
    // another contract: code, one unrelated word, none of the rollup's namespaces (not the rollup's
    // own word set back to 0: anvil_setStorageAt(0) keeps a zero leaf in the trie, which no real
    // node does and which the proof verifier rightly refuses)
    const other = '0x00000000000000000000000000000000000a2bec' as const
    await rpc('anvil_setCode', [other, '0x00'])
    await rpc('anvil_setStorageAt', [other, word32(0n), word32(1n)])
    await rpc('evm_mine', [])
    const empty = await proveAztecPropose({ ...report, rollup: other }, l1())
    expect(check(empty, 'l1-stored-checkpoint')).toMatchObject({ ok: false, code: 'PROOF_VALUE_MISMATCH' })
    const down = await proveAztecPropose(report, createProvenL1({ rollup: ROLLUP, rpcUrls: ['http://127.0.0.1:9'] }))
    for (const name of ['l1-time-config', 'l1-committee-commitment', 'l1-stored-checkpoint']) expect(check(down, name).ok, name).toBeNull()
    expect(down.ok).toBe(true) // nothing failed; nothing on L1 was claimed either
    expect(check(down, 'l1-stored-checkpoint').code).toBeDefined()
  }, 120_000)

  it('vigil aztec verify-propose --l1-rpc proves through the same code (exit 0)', async () => {
    await writeRollupState(report)
    const dir = mkdtempSync(join(tmpdir(), 'vigil-aztec-l1-'))
    const input = join(dir, 'propose.hex')
    writeFileSync(input, vector.proposeCalldata)
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/vigil.js', 'aztec', 'verify-propose', '--network', 'aztec-ignition', '--input', input, '--l1-rpc', anvil.rpcUrl, '--json'], { cwd: join(import.meta.dirname, '../..') })
      let o = ''
      child.stdout.on('data', (d) => (o += d))
      child.once('exit', (c) => resolve({ code: c, out: o }))
    })
    expect(code).toBe(0)
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as AztecReport
    expect(r.l1?.l2BlockNumber).toBe(N)
    expect(r.checks.filter((c) => c.name.startsWith('l1-')).every((c) => c.ok === true)).toBe(true)
  }, 120_000)
})
