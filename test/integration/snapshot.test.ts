/**
 * Snapshots against a real devnet: the devnet publishes them into its file store
 * (`v1/<chain>/snapshots/index.json`); a fresh client starts from the latest one — verified
 * against L1 (digests, quorum of L1's committee, linkage) and imported in one transaction —
 * and syncs forward from there. Tampered snapshots are rejected with coded errors and the
 * client falls back to syncing from genesis.
 */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { openNodeClient } from '../../src/client/node/node'
import type { LightClient } from '../../src/client/worker/light-client'
import type { ErrorCode } from '../../src/core/errors'
import { VigilError } from '../../src/core/errors'
import type { Address, Hex } from '../../src/core/types'
import { bytesToHex } from '../../src/protocol/bytes'
import { sha256 } from '../../src/protocol/hash'
import { headerHash } from '../../src/protocol/header'
import { signingDigest, type SigningDomain } from '../../src/protocol/domain'
import { decodeSnapshot, encodeSnapshot, parseSnapshotIndex, type Snapshot, type SnapshotIndex } from '../../src/protocol/snapshot'
import { createProvenL1 } from '../../src/sources/l1-proven'
import { verifySnapshot } from '../../src/sources/snapshot'
import { validatorKeys } from '../../src/devnet/builder'
import { initCrypto, signDigest } from '../../src/verify/secp256k1'
import { repoRoot, startDevnetProcess, type DevnetProcess } from '../helpers/devnet'
import { waitForSnapshot } from '../helpers/client'
import { l1Totals } from '../helpers/l1-stats'

/** Polls the devnet's snapshot index (an HTTP object, no push channel) until it names checkpoint ≥ n. */
async function indexAtLeast(url: string, n: number, timeoutMs: number): Promise<SnapshotIndex> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const res = await fetch(url)
    if (res.ok) {
      const index = parseSnapshotIndex(await res.json())
      if (index.latest.checkpointNumber >= n) return index
    } else await res.body?.cancel()
    if (Date.now() > end) throw new Error(`snapshot index never reached checkpoint ${n}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

const keys = new Map(validatorKeys(48).map((v) => [v.address.toLowerCase(), v.privateKey]))

describe('snapshots', () => {
  let devnet: DevnetProcess
  let domain: SigningDomain
  let index: SnapshotIndex
  let genuine: Uint8Array
  const clients: LightClient[] = []
  let tamperServer: Server | undefined

  const fetchSnapshot = async () => {
    index = await indexAtLeast(devnet.info.snapshotUrl!, 6, 60_000)
    const res = await fetch(new URL(index.latest.name, devnet.info.snapshotUrl!))
    genuine = new Uint8Array(await res.arrayBuffer())
  }
  const verify = (snap: Snapshot, opts: { maxAgeMs?: number } = {}) =>
    verifySnapshot(snap, createProvenL1({ rollup: devnet.info.l1.rollup, rpcUrls: devnet.info.l1.rpcUrls }), { domain, l2ChainId: devnet.info.l2ChainId, ...opts })
  const codeOf = async (p: Promise<unknown>): Promise<ErrorCode | 'ok'> => {
    try {
      await p
      return 'ok'
    } catch (e) {
      if (!(e instanceof VigilError)) throw e
      return e.code
    }
  }
  /** Re-signs a header with its proposer's (deterministic devnet) key, so only the L1 checks can catch the change. */
  const resign = (snap: Snapshot, ci: number, hi: number) => {
    const h = snap.checkpoints[ci]!.checkpoint.headers[hi]!
    snap.checkpoints[ci]!.headerSignatures[hi] = signDigest(keys.get(h.proposer.toLowerCase())!, signingDigest(domain, 'BlockProposal', headerHash(h)))
  }

  beforeAll(async () => {
    await initCrypto()
    devnet = await startDevnetProcess(['--slot', '2', '--blocks-per-slot', '4', '--committee', '16', '--snapshot-every', '2', '--snapshot-window', '4'])
    domain = { l1ChainId: devnet.info.l1.chainId, rollup: devnet.info.l1.rollup.toLowerCase() as Address }
  }, 120_000)
  afterAll(async () => {
    for (const c of clients) await c.stop()
    await new Promise<void>((r) => (tamperServer ? tamperServer.close(() => r()) : r()))
    await devnet?.stop()
  }, 60_000)

  it('the devnet publishes snapshots in its file store, named by an index', async () => {
    expect(devnet.info.snapshotUrl).toBe(`${devnet.info.fileStoreUrl}/v1/${devnet.info.l2ChainId}/snapshots/index.json`)
    await fetchSnapshot()
    const snap = decodeSnapshot(genuine)
    const anchor = snap.checkpoints.at(-1)!
    expect(anchor.checkpoint.checkpointNumber).toBe(index.latest.checkpointNumber)
    expect(headerHash(anchor.checkpoint.headers.at(-1)!)).toBe(index.latest.hash)
    expect(bytesToHex(sha256(genuine))).toBe(index.latest.sha256)
    expect(snap.committee.members).toHaveLength(16)
    expect(snap.attestations.length).toBeGreaterThanOrEqual(11)
    // a snapshot is bounded: a window of recent checkpoints, not the whole history
    expect(snap.checkpoints).toHaveLength(4)
    expect(Date.now() - index.latest.createdAt).toBeLessThan(24 * 3600_000)
  }, 90_000)

  it('a fresh client starts from the latest snapshot, verified against L1, then syncs forward', async () => {
    onTestFailed(() => console.error(devnet.output.slice(-30).join('\n')))
    const t0 = performance.now()
    const client = await openNodeClient(devnet.info, { noP2P: true, fromSnapshot: true, storeName: 'snapshot-start', throttleMs: 50 })
    clients.push(client)
    await client.start()
    const start = await waitForSnapshot(client, (s) => (s.tips.mined?.height ?? 0) >= index.latest.height, 30_000, 'the snapshot imported')
    const fromSnapshotMs = performance.now() - t0
    const imported = client.snapshotImport!
    expect(imported).not.toBeNull()
    expect(imported.height).toBeGreaterThanOrEqual(index.latest.height)
    expect(start.sources.snapshot!.accepted).toBe(1)
    expect(start.sources.snapshot!.rejected).toBe(0)
    expect(start.failures).toEqual([])
    // it did not start at genesis: the lowest block held is the first of the snapshot's window
    const range = await client.store.heightRange()
    expect(range!.lowest).toBeGreaterThan(1)
    const low = (await client.store.blocksFrom(range!.lowest, 1))[0]!
    expect(low.source).toBe('snapshot')
    expect(['mined', 'finalized']).toContain(low.status)
    expect(low.checks).toMatchObject({ proposerSignature: true, quorum: true, l1Inclusion: true })
    // every imported checkpoint was quorum-verified against L1's committee
    for (const c of client.engine.getMinedCheckpoints()) expect(c.signers.length).toBeGreaterThanOrEqual(c.quorum)
    // and it continues from the anchor's L1 block: new checkpoints arrive through L1 as usual
    const target = imported.height + 8
    const s = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= target, 60_000, `mined tip ≥ ${target}`)
    expect(l1Totals(s.sources).accepted).toBeGreaterThanOrEqual(2)
    expect(s.counts.invalid).toBe(0)
    expect(await client.store.checkConsistency()).toEqual([])

    // the same client work from genesis, for comparison (L1 requests and time to the snapshot's height)
    const t1 = performance.now()
    const genesis = await openNodeClient(devnet.info, { noP2P: true, storeName: 'snapshot-genesis', throttleMs: 50 })
    clients.push(genesis)
    await genesis.start()
    const g = await waitForSnapshot(genesis, (x) => (x.tips.mined?.height ?? 0) >= index.latest.height, 60_000, 'genesis client at the snapshot height')
    const fromGenesisMs = performance.now() - t1
    expect((await genesis.store.heightRange())!.lowest).toBe(1)
    console.log(
      `snapshot start: ${Math.round(fromSnapshotMs)} ms to height ${index.latest.height} (${l1Totals(start.sources).requests} L1 requests); ` +
        `genesis: ${Math.round(fromGenesisMs)} ms (${l1Totals(g.sources).requests} L1 requests)`,
    )
  }, 150_000)

  it('tampered snapshots fail verification with coded errors', async () => {
    const fresh = () => decodeSnapshot(genuine)
    expect(await codeOf(verify(fresh()))).toBe('ok')

    // anchor attestations cut below quorum
    let s = fresh()
    s.attestations = s.attestations.slice(0, 10)
    expect(await codeOf(verify(s))).toBe('QUORUM_NOT_REACHED')

    // a header changed and re-signed by its proposer: linkage and signature pass, L1's digest does not
    s = fresh()
    const last = s.checkpoints.at(-1)!.checkpoint.headers.at(-1)!
    last.timestamp += 1
    resign(s, s.checkpoints.length - 1, s.checkpoints.at(-1)!.checkpoint.headers.length - 1)
    expect(await codeOf(verify(s))).toBe('CHECKPOINT_MISMATCH')

    // a changed header NOT re-signed: the proposer signature fails before anything is asked of L1
    s = fresh()
    s.checkpoints.at(-1)!.checkpoint.headers.at(-1)!.txCount += 1
    expect(await codeOf(verify(s))).toBe('BAD_SIGNATURE')

    // headers that do not link (second checkpoint names another parent, re-signed)
    s = fresh()
    s.checkpoints[1]!.checkpoint.headers[0]!.parentHash = `0x${'11'.repeat(32)}`
    resign(s, 1, 0)
    expect(await codeOf(verify(s))).toBe('PARENT_MISMATCH')

    // a checkpoint missing from the middle
    s = fresh()
    s.checkpoints.splice(1, 1)
    expect(await codeOf(verify(s))).toBe('SNAPSHOT_INVALID')

    // a committee that is not L1's
    s = fresh()
    s.committee.members = [...s.committee.members].reverse()
    expect(await codeOf(verify(s))).toBe('SNAPSHOT_INVALID')

    // an anchor in an L1 block that is not on the L1 chain
    s = fresh()
    s.checkpoints.at(-1)!.l1.blockHash = `0x${'22'.repeat(32)}` as Hex
    expect(await codeOf(verify(s))).toBe('SNAPSHOT_NOT_ON_L1')

    // older than allowed
    expect(await codeOf(verify(fresh(), { maxAgeMs: 1 }))).toBe('SNAPSHOT_STALE')

    // for another chain
    s = fresh()
    s.l2ChainId += 1
    expect(await codeOf(verify(s))).toBe('WRONG_CHAIN')
  }, 60_000)

  it('a client given a tampered snapshot rejects it (coded, counted) and syncs from genesis instead; so does one whose snapshot server is down', async () => {
    const bad = decodeSnapshot(genuine)
    bad.attestations = bad.attestations.slice(0, 10)
    const bytes = encodeSnapshot(bad)
    const root = `/v1/${devnet.info.l2ChainId}/snapshots`
    const idx = { ...index, latest: { ...index.latest, bytes: bytes.length, sha256: bytesToHex(sha256(bytes)) } }
    tamperServer = createServer((req, res) => {
      if (req.url === `${root}/index.json`) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(idx))
      if (req.url === `${root}/${index.latest.name}`) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes)
      res.writeHead(404).end()
    })
    await new Promise<void>((r) => tamperServer!.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(tamperServer.address() as AddressInfo).port}${root}/index.json`
    const client = await openNodeClient({ ...devnet.info, snapshotUrl: url }, { noP2P: true, fromSnapshot: true, storeName: 'snapshot-tampered', throttleMs: 50 })
    clients.push(client)
    await client.start()
    const s = await waitForSnapshot(client, (x) => (x.tips.mined?.height ?? 0) >= index.latest.height, 60_000, 'mined tip from genesis')
    expect(client.snapshotImport).toBeNull()
    expect(s.sources.snapshot!.rejected).toBe(1)
    expect(s.sources.snapshot!.accepted).toBe(0)
    expect(s.sources.snapshot!.lastError?.code).toBe('QUORUM_NOT_REACHED')
    expect(s.failures.map((f) => f.code)).toContain('QUORUM_NOT_REACHED')
    expect((await client.store.heightRange())!.lowest).toBe(1)

    // an unreachable snapshot server: a request failure (not a rejection), and the same fallback
    const down = await openNodeClient({ ...devnet.info, snapshotUrl: 'http://127.0.0.1:9/v1/7771/snapshots/index.json' }, { noP2P: true, fromSnapshot: true, storeName: 'snapshot-down', throttleMs: 50 })
    clients.push(down)
    await down.start()
    const d = await waitForSnapshot(down, (x) => (x.tips.mined?.height ?? 0) >= index.latest.height, 60_000, 'mined tip from genesis (snapshot server down)')
    expect(d.sources.snapshot!.failures).toBe(1)
    expect(d.sources.snapshot!.lastError?.code).toBe('SOURCE_UNAVAILABLE')
    expect(d.sources.snapshot!.rejected).toBe(0)
    expect(d.failures).toEqual([])
    expect((await down.store.heightRange())!.lowest).toBe(1)
  }, 90_000)

  it('vigil sync --from-snapshot --json reports the snapshot it started from', async () => {
    const out: string[] = []
    const child = spawn(process.execPath, ['bin/vigil.js', 'sync', '--config', devnet.configPath, '--from-snapshot', '--until-height', String(index.latest.height), '--timeout', '60', '--json'], {
      cwd: repoRoot,
    })
    child.stdout.on('data', (d) => out.push(String(d)))
    const code = await new Promise<number | null>((r) => child.once('exit', r))
    const report = JSON.parse(out.join('').trim().split('\n').at(-1)!)
    expect(code).toBe(0)
    expect(report.snapshot.height).toBeGreaterThanOrEqual(index.latest.height)
    expect(report.sources.snapshot.accepted).toBe(1)
    expect(report.failures).toEqual([])
  }, 90_000)
})
