/** Hand-written trust records shared by test/unit/ui-trust.test.tsx and ui-widget.test.tsx (plain data, as the worker pushes it). */
import type { Hex } from '../../src/core/types'
import type { AnchoredBlock, BlockView, CheckpointView, ClientSnapshot, L1Proof, L1TrustView, SourceStats, VerifyReport } from '../../src/client/shared/types'

export const NOW = 1_700_000_100_000
export const h = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(32)}` as `0x${string}`
const PROPOSER: Hex = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'

export const RPC_A = 'l1:127.0.0.1:8545'
export const RPC_B = 'l1:127.0.0.1:8546'
export const LIAR = 'l1:127.0.0.1:8547'

const stats = (name: string, over: Partial<SourceStats> = {}): SourceStats => ({
  name, kind: 'l1', requests: 100, bytes: 20_000, failures: 0, rejected: 0, accepted: 50, latencyMs: { last: 3, avg: 4, max: 9 }, lastError: null, lastAt: NOW - 1_000, ...over,
})

export const anchored = (n: number, basis: string, anchor: AnchoredBlock['anchor'] = 'rpc-quorum'): AnchoredBlock => ({
  number: n, hash: h(n), stateRoot: h(n + 1), receiptsRoot: h(n + 2), timestamp: Math.floor(NOW / 1000) - 12, anchor, basis,
})

/** Two of three RPCs agree at L1 block 118; the third forged a head and a committee. */
export const quorumTrust: L1TrustView = {
  active: 'rpc-quorum',
  anchors: [
    {
      kind: 'rpc-quorum', state: 'synced', summary: '2 of 3 RPCs agree at L1 block 118',
      latest: anchored(118, '2 of 3 RPCs agree at L1 block 118'), finalized: anchored(96, '2 of 3 RPCs agree at the finalized tag (L1 block 96)'),
      quorum: { k: 2, n: 3, depth: 2, at: 118, agreeing: [RPC_A, RPC_B], dissenting: [LIAR], unavailable: [] },
      error: null, updatedAt: NOW - 2_000,
    },
  ],
  rpcs: [
    { name: RPC_A, url: 'http://127.0.0.1:8545' },
    { name: RPC_B, url: 'http://127.0.0.1:8546' },
    { name: LIAR, url: 'http://127.0.0.1:8547' },
  ],
  disagreements: [
    { rpc: LIAR, url: 'http://127.0.0.1:8547', what: 'head', l1Block: 118, claimed: h(0xee), expected: h(118), code: 'L1_RPC_DISAGREES', firstAt: NOW - 60_000, lastAt: NOW - 3_000, count: 7 },
    { rpc: LIAR, url: 'http://127.0.0.1:8547', what: 'committee', l1Block: 110, claimed: 'committee of 48 keys 0xabcd…', expected: '', code: 'PROOF_INVALID', firstAt: NOW - 50_000, lastAt: NOW - 50_000, count: 1 },
  ],
  proofs: { verified: 412, failed: 9 },
}

export const quorumSources: Record<string, SourceStats> = {
  gossip: { ...stats('gossip'), kind: 'gossip' },
  [RPC_A]: stats(RPC_A, { requests: 1_234 }),
  [RPC_B]: stats(RPC_B, { failures: 2, lastError: { code: 'SOURCE_TIMEOUT', severity: 'soft', message: 'eth_getProof timed out' } }),
  [LIAR]: stats(LIAR, { rejected: 9, lastError: { code: 'PROOF_INVALID', severity: 'hard', message: 'storage proof of committeeCommitments[3] does not verify' } }),
}

/** The consensus light client active (outranking a quorum that is still starting). */
export const lcTrust: L1TrustView = {
  active: 'light-client',
  anchors: [
    {
      kind: 'light-client', state: 'synced', summary: 'sync committee, period 867, 511 of 512 signed',
      latest: anchored(17_923_040, 'sync committee, period 867, 511 of 512 signed', 'light-client'),
      finalized: anchored(17_923_026, 'sync committee, period 867, finalized slot 7,104,608', 'light-client'),
      lightClient: { url: 'http://127.0.0.1:5052', checkpoint: h(0x5a), period: 867, participants: 511, committeeSize: 512, finalizedSlot: 7_104_608, optimisticSlot: 7_104_672 },
      error: null, updatedAt: NOW - 4_000,
    },
    {
      kind: 'rpc-quorum', state: 'stalled', summary: '1 of 3 RPCs agree', latest: null, finalized: null,
      quorum: { k: 2, n: 3, depth: 0, at: 120, agreeing: [RPC_A], dissenting: [], unavailable: [RPC_B, LIAR] },
      error: { code: 'L1_QUORUM_NOT_REACHED', severity: 'soft', message: 'only 1 of 3 L1 RPCs answered for block 120; 2 needed' }, updatedAt: NOW - 4_000,
    },
  ],
  rpcs: [
    { name: RPC_A, url: 'http://127.0.0.1:8545' },
    { name: RPC_B, url: 'http://127.0.0.1:8546' },
    { name: LIAR, url: 'http://127.0.0.1:8547' },
  ],
  disagreements: [],
  proofs: { verified: 20, failed: 0 },
}

/** An anchor configured, nothing verified yet. */
export const startingTrust: L1TrustView = {
  active: null,
  anchors: [{ kind: 'rpc-quorum', state: 'starting', summary: 'starting', latest: null, finalized: null, quorum: { k: 2, n: 3, depth: 2, at: null, agreeing: [], dissenting: [], unavailable: [] }, error: null, updatedAt: null }],
  rpcs: quorumTrust.rpcs,
  disagreements: [],
  proofs: { verified: 0, failed: 0 },
}

export function snapshot(trust: L1TrustView | undefined, sources: Record<string, SourceStats> = quorumSources): ClientSnapshot {
  return {
    chain: { l2ChainId: 31_337_001, l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' },
    tips: { proposed: null, attested: null, mined: null, finalized: null },
    latest: [], reorgs: [], sources, peers: [],
    counts: { proposed: 0, attested: 0, mined: 0, finalized: 0, orphaned: 0, invalid: 0 },
    failures: [], l1: { head: 120, finalized: 96 },
    ...(trust ? { trust } : {}),
    restoredFromStore: false, startedAt: NOW - 100_000, updatedAt: NOW - 1_000,
  }
}

export const minedProof: L1Proof = {
  blockNumber: 118, blockHash: h(118), anchor: 'rpc-quorum', basis: '2 of 3 RPCs agree at L1 block 118', rpc: RPC_A,
  facts: ['header 0x7676…7676 hashes to the anchored chain', 'account 0x5fbd…0aa3 (rollup) against state root 0x7777…7777', 'storage checkpointLog[5].digest', 'storage checkpointLog[5].attestationsHash'],
  at: NOW - 30_000,
}
export const finalityProof: L1Proof = { ...minedProof, blockNumber: 96, blockHash: h(96), basis: '2 of 3 RPCs agree at the finalized tag (L1 block 96)', facts: ['L1 block 118 is an ancestor of finalized L1 block 96'] }

export function checkpoint(status: CheckpointView['status'], over: Partial<CheckpointView> = {}): CheckpointView {
  return {
    id: 'cp5', checkpointNumber: 5, slot: 12, epoch: 3, digest: h(0xd5), status, error: null, headerHashes: [h(0x30)], blobVersionedHashes: [],
    committeeSize: 4, quorum: 3, signers: [PROPOSER, PROPOSER.replace('7', '8') as Hex, PROPOSER.replace('7', '9') as Hex], committee: null, attestationCount: 3,
    l1: status === 'mined' || status === 'finalized' ? { blockNumber: 117, blockHash: h(117), txHash: h(0x7a) } : null,
    updatedAt: NOW - 30_000, ...over,
  }
}

export function blockView(status: BlockView['summary']['status'], checkpoints: CheckpointView[]): BlockView {
  return {
    summary: {
      hash: h(0x30), height: 30, slot: 12, checkpointNumber: 5, indexInCheckpoint: 0, timestamp: NOW - 60_000, proposer: PROPOSER, parentHash: h(0x29), txCount: 0, status,
      checks: { proposerSignature: true, linkage: true, quorum: true, l1Inclusion: true }, error: null, source: 'gossip', receivedAt: NOW - 59_000,
    },
    header: { version: 1, chainId: 31_337_001, height: 30, slot: 12, checkpointNumber: 5, indexInCheckpoint: 0, timestamp: NOW - 60_000, parentHash: h(0x29), bodyHash: h(0xb0), stateRoot: h(0x50), proposer: PROPOSER, txCount: 0 },
    history: [['proposed', NOW - 59_000], [status, NOW - 30_000]],
    provenance: [], proposalSignature: null, checkpoints, bodyState: 'unknown', bodySource: null, txEffects: null, parent: null, children: [], siblings: [], canonical: true,
  }
}

const pass = (name: VerifyReport['checks'][number]['name'], title: string) => ({ name, title, status: 'pass' as const, detail: `${title}: ok`, error: null, ms: 1 })

export function report(over: Partial<VerifyReport> = {}): VerifyReport {
  return {
    hash: h(0x30), height: 30, ok: true, complete: true,
    checks: [pass('header', 'Header fields'), pass('proposerSignature', 'Proposer signature'), pass('quorum', 'Committee quorum'), pass('l1Inclusion', 'Included on L1')],
    proofs: [
      { kind: 'anchor', title: 'L1 block 118 is anchored', status: 'pass', detail: '2 of 3 RPCs agree at L1 block 118', error: null },
      { kind: 'header', title: 'header of L1 block 118', status: 'pass', detail: `keccak(rlp(header)) = ${h(118)}`, error: null },
      { kind: 'account', title: 'account 0x5fbd…0aa3 (rollup)', status: 'pass', detail: `storage root 0x1111… against state root ${h(119)}`, error: null },
      { kind: 'storage', title: 'checkpointLog[5].digest (slot 0x05)', status: 'pass', detail: `= ${h(0xd5)}`, error: null },
    ],
    provenAgainst: { blockNumber: 118, blockHash: h(118), anchor: 'rpc-quorum', basis: '2 of 3 RPCs agree at L1 block 118' },
    startedAt: NOW - 1_000, ms: 42, ...over,
  }
}

/** The same report with its storage proof failing (the worker also sets ok=false). */
export function failingReport(okFlag = false): VerifyReport {
  const r = report({ ok: okFlag })
  r.proofs = r.proofs!.map((p) =>
    p.kind === 'storage' ? { ...p, status: 'fail' as const, detail: 'the proof for slot 0x05 does not lead to the account’s storage root', error: { code: 'PROOF_INVALID', severity: 'hard' as const, message: 'storage proof node 2 does not hash to its reference' } } : p,
  )
  return r
}
