/**
 * `npm run bench` (not part of `npm test`): history sync of ≥ 10,000 blocks from genesis by the
 * Node client, next to the raw signature-check ceiling measured in the same run, with the split
 * of the engine's time between fetch (L1), verify and store — then the same chain from a
 * snapshot, and finally the crypto micro-benchmarks of bench/crypto.ts. Results: docs/bench.md.
 *
 *   npm run bench                          # 10,016 blocks (313 checkpoints × 32), all parts
 *   npm run bench -- --blocks 2000         # a smaller chain
 *   npm run bench -- --skip-crypto         # without bench/crypto.ts
 *   npm run bench -- --json out.json       # also write the numbers as JSON
 *
 * How the chain is made quickly: anvil starts two hours in the past (`--timestamp`), the rollup
 * is deployed with its genesis a little ahead, the validators register, then L1 time jumps to a
 * minute ago so every slot of the chain is already open; each checkpoint (32 blocks, all 48
 * committee signatures, bodies in a blob) is one `propose` transaction, automined.
 */
import '../src/node/polyfills'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { createTestClient, http } from 'viem'
import type { Address, Hex } from '../src/core/types'
import { parseArgs, flagBool, flagInt, flagStr } from '../src/node/args'
import { bytesToHex } from '../src/protocol/bytes'
import { keccak256, keccak256Hex, sha256 } from '../src/protocol/hash'
import { encodeAttestationSignatures } from '../src/protocol/checkpoint'
import { epochOfSlot, epochSeed, proposerIndex } from '../src/protocol/schedule'
import { signingDigest, type SigningDomain } from '../src/protocol/domain'
import { SNAPSHOT_INDEX_VERSION, SNAPSHOT_VERSION, encodeSnapshot, type Snapshot, type SnapshotIndex } from '../src/protocol/snapshot'
import { vigilRollupAbi } from '../src/contracts/abi'
import { deployRollup, l1PublicClient, proposeCheckpoint, registerValidators, startAnvil } from '../src/devnet/l1'
import { nativeKzg } from '../src/devnet/kzg'
import { ChainBuilder, validatorKeys, type BuiltBlock, type Validator } from '../src/devnet/builder'
import { openNodeClient } from '../src/client/node/node'
import type { ClientConfig } from '../src/client/shared/config'
import type { LightClient } from '../src/client/worker/light-client'
import type { ClientSnapshot } from '../src/client/shared/types'
import { verifyQuorum } from '../src/verify/rules'
import { addressOf, cryptoBackend, initCrypto, recoverAddress, signDigest } from '../src/verify/secp256k1'

const args = parseArgs(process.argv.slice(2), { blocks: 'string', 'skip-crypto': 'boolean', json: 'string', help: 'boolean' })
if (flagBool(args, 'help')) {
  console.log('npm run bench -- [--blocks N] [--skip-crypto] [--json FILE]')
  process.exit(0)
}
const BLOCKS_PER_CHECKPOINT = 32
const CHECKPOINTS = Math.ceil(flagInt(args, 'blocks', 10_000)! / BLOCKS_PER_CHECKPOINT)
const BLOCKS = CHECKPOINTS * BLOCKS_PER_CHECKPOINT
const SLOT = 12
const EPOCH = 32
const COMMITTEE = 48
const L2 = 7771
const SNAPSHOT_WINDOW = 16

const results: Record<string, unknown> = {}
const log = (s = '') => console.log(s)
const rate = (n: number, ms: number) => (n / ms) * 1000
const fmt = (x: number, d = 0) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

function waitFor(client: LightClient, pred: (s: ClientSnapshot) => boolean, timeoutMs: number, what: string): Promise<ClientSnapshot> {
  return new Promise((resolve, reject) => {
    let last: ClientSnapshot | null = null
    const timer = setTimeout(() => {
      unsub()
      reject(new Error(`timed out waiting for ${what}; tips ${JSON.stringify(last?.tips)} failures ${JSON.stringify(last?.failures.slice(0, 3))}`))
    }, timeoutMs)
    const unsub = client.subscribe((s) => {
      last = s
      if (pred(s)) {
        clearTimeout(timer)
        queueMicrotask(() => unsub())
        resolve(s)
      }
    })
  })
}

// ───────────────────────────────────────────── 1. the signature-check ceiling

function ceiling() {
  const domain: SigningDomain = { l1ChainId: 31337, rollup: '0x00000000000000000000000000000000000000aa' }
  const keys = Array.from({ length: COMMITTEE }, (_, i) => keccak256Hex(new TextEncoder().encode(`bench-key-${i}`)))
  const committee = keys.map(addressOf)
  const N = 4000
  const digests = Array.from({ length: N }, (_, i) => keccak256(new TextEncoder().encode(`msg-${i}`)))
  const sigs = digests.map((d, i) => signDigest(keys[i % keys.length]!, d))
  for (let i = 0; i < 200; i++) recoverAddress(digests[i]!, sigs[i]!)
  const t0 = performance.now()
  for (let i = 0; i < N; i++) recoverAddress(digests[i]!, sigs[i]!)
  const recoverPerS = rate(N, performance.now() - t0)
  const digest = keccak256Hex(new TextEncoder().encode('checkpoint'))
  const d = signingDigest(domain, 'CheckpointAttestation', digest)
  const quorum = (k: number) => {
    const qs = keys.slice(0, k).map((key) => signDigest(key, d))
    const R = 150
    const t = performance.now()
    for (let i = 0; i < R; i++) if (!verifyQuorum(domain, digest, qs, committee).valid) throw new Error('quorum failed')
    return rate(R, performance.now() - t)
  }
  const q33 = quorum(33)
  const q48 = quorum(48)
  return { backend: cryptoBackend(), recoverPerS, quorum33PerS: q33, quorum48PerS: q48 }
}

// ───────────────────────────────────────────── 2. a long chain on anvil

async function buildChain() {
  const t0 = performance.now()
  const past = Math.floor(Date.now() / 1000) - 2 * 3600
  const anvil = await startAnvil({ args: ['--timestamp', String(past)] })
  const client = await l1PublicClient(anvil.rpcUrl)
  const genesisTime = Number((await client.getBlock()).timestamp) + 30
  const deployed = await deployRollup(anvil.rpcUrl, { l2ChainId: L2, genesisTime, slotDuration: SLOT, epochDuration: EPOCH, targetCommitteeSize: COMMITTEE })
  const rollup = deployed.address.toLowerCase() as Address
  const validators = validatorKeys(COMMITTEE)
  await registerValidators(anvil.rpcUrl, rollup, validators)
  const test = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
  const jumpTo = Math.floor(Date.now() / 1000) - 60
  if (genesisTime + CHECKPOINTS * SLOT > jumpTo) throw new Error(`chain of ${CHECKPOINTS} slots does not fit in the past two hours; lower --blocks`)
  await test.setNextBlockTimestamp({ timestamp: BigInt(jumpTo) })
  await test.mine({ blocks: 1 })
  const chainId = await client.getChainId()
  const domain: SigningDomain = { l1ChainId: chainId, rollup }
  const builder = new ChainBuilder(domain, L2, { seed: 'vigil-bench', blobToCommitment: nativeKzg.blobToKzgCommitment })
  const byAddr = new Map(validators.map((v) => [v.address.toLowerCase(), v]))
  const committees = new Map<number, Validator[]>()
  const committeeOf = async (epoch: number) => {
    let c = committees.get(epoch)
    if (!c) {
      const addrs = (await client.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epoch)] })) as readonly Address[]
      c = addrs.map((a) => byAddr.get(a.toLowerCase())!)
      committees.set(epoch, c)
    }
    return c
  }
  const windowed: { blocks: BuiltBlock[]; cp: ReturnType<ChainBuilder['buildCheckpoint']>; l1: { blockNumber: number; blockHash: Hex; txHash: Hex }; attestations: Uint8Array[]; epoch: number }[] = []
  let sigMs = 0
  let postMs = 0
  for (let n = 1; n <= CHECKPOINTS; n++) {
    const slot = n
    const epoch = epochOfSlot({ genesisTime, slotDuration: SLOT, epochDuration: EPOCH }, slot)
    const committee = await committeeOf(epoch)
    const proposer = committee[proposerIndex(epochSeed(rollup, L2, epoch), slot, committee.length)]!
    const ts = (genesisTime + slot * SLOT) * 1000
    const s0 = performance.now()
    const blocks = Array.from({ length: BLOCKS_PER_CHECKPOINT }, (_, i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer, timestamp: ts + i * 300 }))
    const cp = builder.buildCheckpoint(blocks, proposer)
    const attestations = builder.attest(cp.digest, committee)
    sigMs += performance.now() - s0
    const p0 = performance.now()
    const posted = await proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: cp.bytes, attestations: encodeAttestationSignatures(attestations), blobs: cp.blobs })
    postMs += performance.now() - p0
    windowed.push({ blocks, cp, l1: { blockNumber: posted.l1BlockNumber, blockHash: posted.l1BlockHash, txHash: posted.txHash }, attestations, epoch })
    if (windowed.length > SNAPSHOT_WINDOW) windowed.shift()
    if (n % 50 === 0 || n === CHECKPOINTS) process.stderr.write(`  built ${n}/${CHECKPOINTS} checkpoints (${n * BLOCKS_PER_CHECKPOINT} blocks) in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)
  }
  const config: ClientConfig = { l2ChainId: L2, l1: { chainId, rpcUrls: [anvil.rpcUrl], rollup, deployBlock: deployed.deployBlock }, bootstrap: [], mode: 'light', l1PollMs: 250 }
  // the snapshot of the last window, exactly as the devnet's snapshot service makes it
  const anchor = windowed.at(-1)!
  const snap: Snapshot = {
    version: SNAPSHOT_VERSION,
    l2ChainId: L2,
    rollup,
    createdAt: Date.now(),
    checkpoints: windowed.map((w) => ({ checkpoint: w.cp.checkpoint, headerSignatures: w.blocks.map((b) => b.proposal.signature), l1: w.l1 })),
    attestations: anchor.attestations,
    committee: { epoch: anchor.epoch, members: (await committeeOf(anchor.epoch)).map((v) => v.address.toLowerCase() as Address) },
  }
  return { anvil, config, snap, lastHash: anchor.blocks.at(-1)!.hash, buildMs: performance.now() - t0, sigMs, postMs, l1Head: Number(await client.getBlockNumber()) }
}

// ───────────────────────────────────────────── 3. sync it

/** Every L1 RPC's requests and bytes (each RPC is its own source). */
function l1Sum(s: ClientSnapshot): { requests: number; bytes: number } {
  const l1 = Object.values(s.sources).filter((x) => x.kind === 'l1')
  return { requests: l1.reduce((n, x) => n + x.requests, 0), bytes: l1.reduce((n, x) => n + x.bytes, 0) }
}

async function syncFromGenesis(config: ClientConfig) {
  const t0 = performance.now()
  const client = await openNodeClient(config, { noP2P: true, storeName: 'bench-genesis', throttleMs: 20 })
  await client.start()
  const s = await waitFor(client, (x) => (x.tips.mined?.height ?? 0) >= BLOCKS, 30 * 60_000, `mined tip ${BLOCKS}`)
  const ms = performance.now() - t0
  // the L1 pass that reached the tip may still be finishing its step: stop (which waits for it), then read
  await client.stop()
  const timings = client.engine.timings()
  const mined = client.engine.getMinedCheckpoints()
  const verified = mined.filter((c) => c.signers.length >= c.quorum && c.quorum > 0).length
  const costs = client.l1.costs()
  const provingMs = costs.proof.ms + costs.header.ms + costs.receipts.ms
  return { ms, blocks: s.tips.mined!.height, checkpoints: mined.length, quorumVerified: verified, l1: l1Sum(s), timings, invalid: s.counts.invalid, failures: s.failures.length, proving: { ms: provingMs, ofSync: provingMs / ms, costs, verified: s.trust?.proofs.verified ?? 0 } }
}

async function syncFromSnapshot(config: ClientConfig, snap: Snapshot, lastHash: Hex) {
  const bytes = encodeSnapshot(snap)
  const name = `snapshot-${String(CHECKPOINTS).padStart(8, '0')}.bin`
  const root = `/v1/${L2}/snapshots`
  const last = snap.checkpoints.at(-1)!
  const index: SnapshotIndex = {
    version: SNAPSHOT_INDEX_VERSION,
    l2ChainId: L2,
    rollup: snap.rollup,
    latest: { name, height: BLOCKS, hash: lastHash, checkpointNumber: CHECKPOINTS, l1BlockNumber: last.l1.blockNumber, createdAt: snap.createdAt, bytes: bytes.length, sha256: bytesToHex(sha256(bytes)) },
    older: [],
  }
  const server = createServer((req, res) => {
    if (req.url === `${root}/index.json`) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(index))
    if (req.url === `${root}/${name}`) return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes)
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const snapshotUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${root}/index.json`
  const t0 = performance.now()
  const client = await openNodeClient({ ...config, snapshotUrl }, { noP2P: true, fromSnapshot: true, storeName: 'bench-snapshot', throttleMs: 20 })
  await client.start()
  const s = await waitFor(client, (x) => (x.tips.mined?.height ?? 0) >= BLOCKS, 5 * 60_000, `mined tip ${BLOCKS} from the snapshot`)
  const ms = performance.now() - t0
  await client.stop()
  await new Promise<void>((r) => server.close(() => r()))
  return { ms, bytes: bytes.length, blocks: client.snapshotImport?.blocks ?? 0, importMs: client.snapshotImport?.ms ?? null, l1: l1Sum(s), timings: client.engine.timings(), failures: s.failures.map((f) => f.code) }
}

function runCryptoBench(): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', './scripts/register.js', 'bench/crypto.ts'], { cwd: resolve(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(d)
    })
    child.once('exit', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`bench/crypto.ts exited ${code}`))))
  })
}

// ───────────────────────────────────────────── main

await initCrypto()
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ')
log(`# Vigil bench — Node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, crypto backend ${cryptoBackend()}, load average ${load()}`)
log()
log('## signature-check ceiling (one core, this run)')
const c = ceiling()
results.ceiling = c
log(`recoverAddress                           ${fmt(c.recoverPerS).padStart(8)} /s`)
log(`verifyQuorum 33 of 48                    ${fmt(c.quorum33PerS).padStart(8)} /s`)
log(`verifyQuorum 48 of 48 (as on this chain) ${fmt(c.quorum48PerS).padStart(8)} /s   → ceiling ${fmt(c.quorum48PerS * BLOCKS_PER_CHECKPOINT)} blocks/s at ${BLOCKS_PER_CHECKPOINT} blocks per checkpoint`)
log()
log(`## building ${fmt(BLOCKS)} blocks (${CHECKPOINTS} checkpoints × ${BLOCKS_PER_CHECKPOINT}, ${COMMITTEE} attestations each) on anvil`)
const chain = await buildChain()
results.build = { ms: chain.buildMs, signMs: chain.sigMs, postMs: chain.postMs, l1Blocks: chain.l1Head }
log(`built in ${(chain.buildMs / 1000).toFixed(1)} s (signing ${(chain.sigMs / 1000).toFixed(1)} s, posting ${(chain.postMs / 1000).toFixed(1)} s); L1 head ${chain.l1Head}`)
try {
  log()
  log('## history sync from genesis (Node client: L1 only, fake-indexeddb)')
  const g = await syncFromGenesis(chain.config)
  results.genesis = g
  const t = g.timings
  log(`synced ${fmt(g.blocks)} blocks / ${g.checkpoints} checkpoints (${g.quorumVerified} quorum-verified, ${g.invalid} invalid, ${g.failures} failures) in ${(g.ms / 1000).toFixed(2)} s`)
  // the ceiling again, right after the sync: same machine state as the sync itself (a shared machine drifts)
  const c2 = ceiling()
  results.ceilingAfterSync = c2
  const q = Math.max(c.quorum48PerS, c2.quorum48PerS)
  log(`ceiling re-measured after the sync (load ${load()}): recoverAddress ${fmt(c2.recoverPerS)}/s, verifyQuorum 33/48 ${fmt(c2.quorum33PerS)}/s, 48/48 ${fmt(c2.quorum48PerS)}/s`)
  log(`verified blocks/s                        ${fmt(rate(g.blocks, g.ms)).padStart(8)}   (ceiling from quorum checks alone: ${fmt(q * BLOCKS_PER_CHECKPOINT)}; checkpoints/s ${fmt(rate(g.checkpoints, g.ms), 1)} vs verifyQuorum 48/48 ${fmt(q)}/s)`)
  log(`engine time ${fmt(t.busyMs)} ms in ${t.steps} steps: fetch ${fmt(t.fetchMs)} ms (${fmt((100 * t.fetchMs) / t.busyMs)}%), verify ${fmt(t.verifyMs)} ms (${fmt((100 * t.verifyMs) / t.busyMs)}%), store ${fmt(t.storeMs)} ms (${fmt((100 * t.storeMs) / t.busyMs)}%)`)
  log(`L1: ${g.l1.requests} requests, ${fmt(g.l1.bytes / 1024)} KiB`)
  const pc = g.proving.costs
  log(
    `proving (docs/trust.md): ${fmt(g.proving.ms)} ms = ${fmt(100 * g.proving.ofSync, 1)}% of the sync — storage/block-hash proofs ${fmt(pc.proof.ms)} ms in ${pc.proof.rounds} rounds, headers ${fmt(pc.header.ms)} ms, receipts ${fmt(pc.receipts.ms)} ms; calldata (needed unproven too) ${fmt(pc.checkpoint.ms)} ms; ${g.proving.verified} eth_getProof answers verified`,
  )
  log()
  log(`## start from a snapshot (last ${SNAPSHOT_WINDOW} checkpoints, verified against L1)`)
  const sn = await syncFromSnapshot(chain.config, chain.snap, chain.lastHash)
  results.snapshot = sn
  log(`snapshot ${fmt(sn.bytes / 1024)} KiB, ${sn.blocks} blocks imported; at the tip (height ${fmt(BLOCKS)}) in ${(sn.ms / 1000).toFixed(2)} s (${sn.importMs} ms fetch + verify + import); L1: ${sn.l1.requests} requests`)
  log(`→ ${fmt(g.ms / sn.ms, 1)}× faster than from genesis${sn.failures.length ? `; failures: ${sn.failures.join(', ')}` : ''}`)
} finally {
  await chain.anvil.stop()
}
if (!flagBool(args, 'skip-crypto')) {
  log()
  log('## bench/crypto.ts')
  results.crypto = await runCryptoBench()
}
const jsonPath = flagStr(args, 'json')
if (jsonPath) await writeFile(jsonPath, JSON.stringify(results, null, 2) + '\n')
