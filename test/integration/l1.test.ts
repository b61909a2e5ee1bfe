/**
 * The rollup contract against a real anvil (started and stopped by PID here): deployment,
 * validator registration, committee and proposer sampling (checked against a naive TypeScript
 * reference and src/protocol/schedule.ts), checkpoint proposals with blobs (and the blobs back
 * from anvil's beacon API), and every rejection path by its custom error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createTestClient,
  createWalletClient,
  encodeAbiParameters,
  http,
  keccak256 as viemKeccak256,
  parseEventLogs,
  toBytes,
  type Hex,
  type PublicClient,
  type TestClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Address } from '../../src/core/types'
import { vigilRollupAbi } from '../../src/contracts/abi'
import { readRollupArtifact } from '../../src/contracts/compile'
import {
  RollupRevertedError,
  anvilAccount,
  deployRollup,
  l1Chain,
  l1PublicClient,
  proposeCheckpoint,
  registerValidators,
  startAnvil,
  type Anvil,
  type ProposeCheckpointResult,
} from '../../src/devnet/l1'
import { blobVersionedHashes, loadJsKzg, nativeKzg } from '../../src/devnet/kzg'
import { BeaconSource } from '../../src/sources/beacon'
import { pollUntil } from '../helpers/wait'
import { ZERO_HASH, bytesToHex, concatBytes } from '../../src/protocol/bytes'
import { keccak256Hex } from '../../src/protocol/hash'
import { HEADER_VERSION, headerHash, type BlockHeader } from '../../src/protocol/header'
import { BODY_VERSION, bodyHashOf, encodeBody, type BlockBody } from '../../src/protocol/body'
import { CHECKPOINT_VERSION, encodeAttestationSignatures, encodeCheckpoint, type Checkpoint } from '../../src/protocol/checkpoint'
import { decodeBodiesFromBlobs, encodeBodiesToBlobs } from '../../src/protocol/blob'
import { epochSeed, proposerIndex, slotAt, type Schedule } from '../../src/protocol/schedule'

const L2_CHAIN_ID = 7771
const SLOT = 12
const EPOCH = 4
const TARGET = 16
const VALIDATORS = 48
const STAKE = 10n ** 18n

interface Key {
  privateKey: Hex
  address: Address
}

/** keccak256("vigil-validator-" + i), as src/devnet/builder.ts validatorKeys. */
const keys: Key[] = Array.from({ length: VALIDATORS }, (_, i) => {
  const privateKey = viemKeccak256(toBytes(`vigil-validator-${i}`))
  return { privateKey, address: privateKeyToAccount(privateKey).address.toLowerCase() as Address }
})
const keyOf = (a: string): Key => {
  const k = keys.find((x) => x.address === a.toLowerCase())
  if (!k) throw new Error(`no key for ${a}`)
  return k
}

let anvil: Anvil
let client: PublicClient
let test: TestClient
let rollup: Address
let deployBlock: number
let genesisTime: number
let schedule: Schedule

const read = <T>(functionName: string, args: readonly unknown[] = []): Promise<T> =>
  client.readContract({ address: rollup, abi: vigilRollupAbi, functionName, args } as never) as Promise<T>

/** Moves L1 time so the next blocks are at or after the start of `slot` (no sleeping). */
async function warpToSlot(slot: number): Promise<void> {
  const target = genesisTime + slot * SLOT
  const latest = await client.getBlock()
  if (Number(latest.timestamp) >= target) return
  await test.setNextBlockTimestamp({ timestamp: BigInt(target) })
  await test.mine({ blocks: 1 })
}

/** A naive reference of VigilRollup.getCommittee, independent of the contract's prefix/binary search. */
function referenceCommittee(epoch: number, validators: { attester: Address; activationEpoch: number }[]): Address[] {
  const active = validators.filter((v) => v.activationEpoch <= epoch)
  const n = active.length
  const k = Math.min(TARGET, n)
  const seed = viemKeccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }, { type: 'uint256' }], [rollup, BigInt(L2_CHAIN_ID), BigInt(epoch)]))
  const idx = Array.from({ length: n }, (_, i) => i)
  for (let i = 0; i < k; i++) {
    const r = BigInt(viemKeccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [seed, BigInt(i)])))
    const j = i + Number(r % BigInt(n - i))
    ;[idx[i], idx[j]] = [idx[j]!, idx[i]!]
  }
  return idx.slice(0, k).map((i) => active[i]!.attester)
}

async function onChainValidators(): Promise<{ attester: Address; activationEpoch: number }[]> {
  const count = Number(await read<bigint>('getValidatorCount'))
  const out = []
  for (let i = 0; i < count; i++) {
    const [attester, activationEpoch] = await read<readonly [Address, bigint, bigint]>('getValidator', [BigInt(i)])
    out.push({ attester: attester.toLowerCase() as Address, activationEpoch: Number(activationEpoch) })
  }
  return out
}

/** Deterministic bodies; `big` makes one body larger than a blob so the checkpoint needs two. */
function makeBody(tag: string, txs: number, big = false): BlockBody {
  const h = (s: string) => keccak256Hex(toBytes(s))
  return {
    version: BODY_VERSION,
    txEffects: Array.from({ length: txs }, (_, i) => ({
      txHash: h(`${tag}-tx-${i}`),
      fee: 1000 + i,
      noteHashes: Array.from({ length: big ? 64 : 1 + (i % 3) }, (_, j) => h(`${tag}-note-${i}-${j}`)),
      nullifiers: Array.from({ length: big ? 64 : 1 }, (_, j) => h(`${tag}-null-${i}-${j}`)),
      logs: bytesToHex(new Uint8Array(big ? 4096 : 16).fill(i & 0xff)),
    })),
  }
}

interface Built {
  checkpoint: Checkpoint
  bytes: Uint8Array
  blobs: Uint8Array[]
  bodies: Uint8Array[]
  headers: BlockHeader[]
  lastHash: Hex
}

/** Builds a checkpoint with the protocol codecs; `mutate` may spoil it before encoding. */
function buildCheckpoint(a: {
  number: number
  slot: number
  parent: Hex
  height: number
  proposer: Address
  bodies: BlockBody[]
  mutate?: (c: Checkpoint) => void
}): Built {
  const bodies = a.bodies.map(encodeBody)
  const headers: BlockHeader[] = []
  let parent = a.parent
  bodies.forEach((body, i) => {
    const h: BlockHeader = {
      version: HEADER_VERSION,
      chainId: L2_CHAIN_ID,
      height: a.height + 1 + i,
      slot: a.slot,
      checkpointNumber: a.number,
      indexInCheckpoint: i,
      timestamp: (genesisTime + a.slot * SLOT) * 1000 + i * 1000,
      parentHash: parent,
      bodyHash: bodyHashOf(body),
      stateRoot: keccak256Hex(toBytes(`state-${a.number}-${i}`)),
      proposer: a.proposer,
      txCount: a.bodies[i]!.txEffects.length,
    }
    headers.push(h)
    parent = headerHash(h)
  })
  const blobs = encodeBodiesToBlobs(bodies)
  const checkpoint: Checkpoint = { version: CHECKPOINT_VERSION, checkpointNumber: a.number, slot: a.slot, headers, blobVersionedHashes: blobVersionedHashes(blobs, nativeKzg) }
  a.mutate?.(checkpoint)
  return { checkpoint, bytes: encodeCheckpoint(checkpoint), blobs, bodies, headers, lastHash: headerHash(headers[headers.length - 1]!) }
}

const noAttestations = encodeAttestationSignatures([])

async function expectRevert(p: Promise<unknown>, errorName: string): Promise<RollupRevertedError> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${errorName}, but the proposal was accepted`)
    },
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(RollupRevertedError)
  expect((e as RollupRevertedError).errorName).toBe(errorName)
  return e as RollupRevertedError
}

const tip = async () => {
  const [checkpointNumber, blockHash, height, lastSlot] = await read<readonly [bigint, Hex, bigint, bigint]>('tip')
  return { checkpointNumber: Number(checkpointNumber), blockHash, height: Number(height), lastSlot: Number(lastSlot) }
}

beforeAll(async () => {
  anvil = await startAnvil({ slotsInAnEpoch: 2 })
  client = await l1PublicClient(anvil.rpcUrl)
  test = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
  const latest = await client.getBlock()
  // genesis ahead of L1 time: every validator registers before it and is active from epoch 0
  genesisTime = Number(latest.timestamp) + 600
  schedule = { genesisTime, slotDuration: SLOT, epochDuration: EPOCH }
  const deployed = await deployRollup(anvil.rpcUrl, {
    l2ChainId: L2_CHAIN_ID,
    genesisTime,
    slotDuration: SLOT,
    epochDuration: EPOCH,
    targetCommitteeSize: TARGET,
    minimumStake: STAKE,
  })
  rollup = deployed.address
  deployBlock = deployed.deployBlock
  const t0 = performance.now()
  const registered = await registerValidators(anvil.rpcUrl, rollup, keys)
  console.log(`registered ${registered.length} validators in ${(performance.now() - t0).toFixed(0)} ms`)
  // anvil loads its KZG setup on the first blob transaction; startAnvil began that at start-up
  const t1 = performance.now()
  await anvil.blobsReady
  console.log(`anvil blob verification ready ${(performance.now() - t1).toFixed(0)} ms after registration`)
})

afterAll(async () => {
  if (!anvil) return
  await anvil.stop()
  // the PID we started is gone
  expect(() => process.kill(anvil.pid, 0)).toThrow()
})

describe('anvil', () => {
  it('listens on 127.0.0.1 under the PID we spawned', async () => {
    expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(() => process.kill(anvil.pid, 0)).not.toThrow()
    expect(await client.getChainId()).toBe(31337)
  })

  it('startAnvil rejects (and leaves no process) when anvil exits before listening', async () => {
    await expect(startAnvil({ args: ['--no-such-flag'], warmUpBlobs: false })).rejects.toThrow(/exited .* before listening/)
  })

  it('--slots-in-an-epoch 2: safe trails latest by 2 blocks, finalized by 4', async () => {
    await test.mine({ blocks: 6 })
    const [latest, safe, finalized] = await Promise.all([
      client.getBlock({ blockTag: 'latest' }),
      client.getBlock({ blockTag: 'safe' }),
      client.getBlock({ blockTag: 'finalized' }),
    ])
    expect(latest.number - safe.number).toBe(2n)
    expect(latest.number - finalized.number).toBe(4n)
  })
})

describe('deployment and registration', () => {
  it('deploys exactly the compiled runtime code', async () => {
    const code = await client.getCode({ address: rollup })
    expect(code).toBe(readRollupArtifact().deployedBytecode)
    expect(deployBlock).toBeGreaterThan(0)
  })

  it('exposes its parameters and L2 time', async () => {
    expect(await read<bigint>('l2ChainId')).toBe(BigInt(L2_CHAIN_ID))
    expect(await read<bigint>('genesisTime')).toBe(BigInt(genesisTime))
    expect(await read<number>('slotDuration')).toBe(SLOT)
    expect(await read<number>('epochDuration')).toBe(EPOCH)
    expect(await read<number>('targetCommitteeSize')).toBe(TARGET)
    expect(await read<bigint>('minimumStake')).toBe(STAKE)
    expect(await read<bigint>('getCurrentSlot')).toBe(0n) // before genesis
    expect(await read<bigint>('getEpochAt', [9n])).toBe(2n)
  })

  it('registered 48 validators, active from epoch 0 (before genesis)', async () => {
    expect(await read<bigint>('getValidatorCount')).toBe(BigInt(VALIDATORS))
    const vs = await onChainValidators()
    expect(vs.map((v) => v.attester)).toEqual(keys.map((k) => k.address))
    expect(vs.every((v) => v.activationEpoch === 0)).toBe(true)
    const [, , stake] = await read<readonly [Address, bigint, bigint]>('getValidator', [0n])
    expect(stake).toBe(STAKE)
    expect(await read<bigint>('getActiveValidatorCount', [0n])).toBe(BigInt(VALIDATORS))
  })

  it('rejects a duplicate, a low stake and the zero address', async () => {
    const account = anvilAccount(0)
    const sim = (attester: Address, value: bigint) =>
      client.simulateContract({ address: rollup, abi: vigilRollupAbi, functionName: 'deposit', args: [attester], value, account })
    await expect(sim(keys[0]!.address, STAKE)).rejects.toThrow(/AlreadyRegistered/)
    await expect(sim(anvilAccount(5).address, STAKE - 1n)).rejects.toThrow(/StakeTooLow/)
    await expect(sim('0x0000000000000000000000000000000000000000', STAKE)).rejects.toThrow(/ZeroAttester/)
  })
})

describe('committee and proposer', () => {
  it('epochSeed equals src/protocol/schedule.ts epochSeed', async () => {
    for (const epoch of [0, 1, 7, 123456]) {
      expect(await read<Hex>('epochSeed', [BigInt(epoch)])).toBe(epochSeed(rollup, L2_CHAIN_ID, epoch))
    }
  })

  it('getCommittee matches the naive reference sampling', async () => {
    const vs = await onChainValidators()
    for (const epoch of [0, 1, 2, 3, 5, 8, 1000]) {
      const committee = (await read<readonly Address[]>('getCommittee', [BigInt(epoch)])).map((a) => a.toLowerCase())
      expect(committee).toHaveLength(TARGET)
      expect(new Set(committee).size).toBe(TARGET)
      expect(committee).toEqual(referenceCommittee(epoch, vs))
    }
    // different epochs draw different committees
    const c0 = await read<readonly Address[]>('getCommittee', [0n])
    const c1 = await read<readonly Address[]>('getCommittee', [1n])
    expect(c0).not.toEqual(c1)
  })

  it('getProposer equals committee[proposerIndex(epochSeed(epoch), slot, k)]', async () => {
    const counts = new Map<string, number>()
    for (let slot = 0; slot < 3 * EPOCH; slot++) {
      const epoch = Math.floor(slot / EPOCH)
      const committee = await read<readonly Address[]>('getCommittee', [BigInt(epoch)])
      const expected = committee[proposerIndex(epochSeed(rollup, L2_CHAIN_ID, epoch), slot, committee.length)]!
      const got = await read<Address>('getProposer', [BigInt(slot)])
      expect(got).toBe(expected)
      counts.set(got, (counts.get(got) ?? 0) + 1)
    }
    expect(counts.size).toBeGreaterThan(1)
  })
})

describe('checkpoints', () => {
  const results: ProposeCheckpointResult[] = []

  it('rejects a slot that has not started (and anything before genesis)', async () => {
    const proposer = keyOf(await read<Address>('getProposer', [1n]))
    const built = buildCheckpoint({ number: 1, slot: 1, parent: ZERO_HASH, height: 0, proposer: proposer.address, bodies: [makeBody('early', 2)] })
    await expectRevert(
      proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: built.bytes, attestations: noAttestations, blobs: built.blobs }),
      'SlotInFuture',
    )
  })

  it('accepts a valid checkpoint with two blocks in two blobs; the event, the tip and the beacon blobs agree', async () => {
    const slot = 1
    await warpToSlot(slot)
    expect(Number(await read<bigint>('getCurrentSlot'))).toBe(slotAt(schedule, Number((await client.getBlock()).timestamp)))
    const proposer = keyOf(await read<Address>('getProposer', [BigInt(slot)]))
    const built = buildCheckpoint({ number: 1, slot, parent: ZERO_HASH, height: 0, proposer: proposer.address, bodies: [makeBody('a0', 3), makeBody('a1', 16, true)] })
    expect(built.blobs).toHaveLength(2)
    const attestations = encodeAttestationSignatures([new Uint8Array(65).fill(1), new Uint8Array(65).fill(2)])

    const r = await proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: built.bytes, attestations, blobs: built.blobs })
    results.push(r)
    expect(r.blobVersionedHashes).toEqual(built.checkpoint.blobVersionedHashes)

    const receipt = await client.getTransactionReceipt({ hash: r.txHash })
    expect(receipt.blockHash).toBe(r.l1BlockHash)
    expect(Number(receipt.blockNumber)).toBe(r.l1BlockNumber)
    const [ev] = parseEventLogs({ abi: vigilRollupAbi, eventName: 'CheckpointProposed', logs: receipt.logs })
    expect(ev!.args).toEqual({
      checkpointNumber: 1n,
      slot: BigInt(slot),
      checkpointDigest: keccak256Hex(built.bytes),
      lastBlockHash: built.lastHash,
      lastHeight: 2n,
      proposer: privateKeyToAccount(proposer.privateKey).address,
    })
    expect(await tip()).toEqual({ checkpointNumber: 1, blockHash: built.lastHash, height: 2, lastSlot: slot })

    // the transaction carries the checkpoint's blobs
    const tx = await client.getTransaction({ hash: r.txHash })
    expect(tx.type).toBe('eip4844')
    expect(tx.blobVersionedHashes).toEqual(built.checkpoint.blobVersionedHashes)

    // and anvil's beacon API gives them back byte for byte (SSZ and JSON, by number and by hash)
    // (read with the client's own BeaconSource; by hash with a bare GET, which BeaconSource never asks)
    const all = { l1BlockNumber: r.l1BlockNumber, versionedHashes: built.checkpoint.blobVersionedHashes }
    const byNumber = (await new BeaconSource(anvil.beaconUrl).fetchBlobs(all)) as Uint8Array[]
    expect(byNumber.map(bytesToHex)).toEqual(built.blobs.map(bytesToHex))
    const json = await new BeaconSource(anvil.beaconUrl, { format: 'json' }).fetchBlobs(all)
    expect(json.map((b) => bytesToHex(b!))).toEqual(built.blobs.map(bytesToHex))
    const byHash = await fetch(`${anvil.beaconUrl}/eth/v1/beacon/blobs/${r.l1BlockHash}`, { headers: { accept: 'application/octet-stream' } })
    expect(byHash.ok).toBe(true)
    expect(bytesToHex(new Uint8Array(await byHash.arrayBuffer()))).toBe(bytesToHex(concatBytes(...built.blobs)))
    const filtered = await new BeaconSource(anvil.beaconUrl).fetchBlobs({ l1BlockNumber: r.l1BlockNumber, versionedHashes: [built.checkpoint.blobVersionedHashes[1]!] })
    expect(filtered.map((b) => bytesToHex(b!))).toEqual([bytesToHex(built.blobs[1]!)])
    expect(decodeBodiesFromBlobs(byNumber).map(bodyHashOf)).toEqual(built.headers.map((h) => h.bodyHash))
  })

  describe('rejections (each by its custom error)', () => {
    const slot = 2
    let proposer: Key
    let good: Parameters<typeof buildCheckpoint>[0]
    const propose = (b: Built, key: Key = proposer, blobs: Uint8Array[] = b.blobs) =>
      proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: key.privateKey, checkpoint: b.bytes, attestations: noAttestations, blobs })

    beforeAll(async () => {
      await warpToSlot(slot)
      proposer = keyOf(await read<Address>('getProposer', [BigInt(slot)]))
      const t = await tip()
      good = { number: 2, slot, parent: t.blockHash, height: t.height, proposer: proposer.address, bodies: [makeBody('b0', 2)] }
    })

    it('wrong proposer: NotProposer', async () => {
      const other = keys.find((k) => k.address !== proposer.address)!
      const e = await expectRevert(propose(buildCheckpoint({ ...good, proposer: other.address }), other), 'NotProposer')
      expect((e.args[1] as string).toLowerCase()).toBe(proposer.address)
    })

    it('header proposer field is not the sender: HeaderWrongProposer', async () => {
      await expectRevert(propose(buildCheckpoint({ ...good, proposer: keys.find((k) => k.address !== proposer.address)!.address })), 'HeaderWrongProposer')
    })

    it('wrong parent: HeaderWrongParent', async () => {
      const e = await expectRevert(propose(buildCheckpoint({ ...good, parent: keccak256Hex(toBytes('not the tip')) })), 'HeaderWrongParent')
      expect(e.args[1]).toBe((await tip()).blockHash)
    })

    it('wrong height: HeaderWrongHeight', async () => {
      await expectRevert(propose(buildCheckpoint({ ...good, height: good.height + 1 })), 'HeaderWrongHeight')
    })

    it('a listed blob hash the transaction does not carry: BlobHashMismatch', async () => {
      const built = buildCheckpoint({
        ...good,
        mutate: (c) => {
          c.blobVersionedHashes[0] = `0x01${keccak256Hex(toBytes('other blob')).slice(4)}` as Hex
        },
      })
      const e = await expectRevert(propose(built), 'BlobHashMismatch')
      expect(e.args[0]).toBe(0n)
    })

    it('a blob the checkpoint does not list: UnexpectedBlob', async () => {
      const built = buildCheckpoint(good)
      await expectRevert(propose(built, proposer, [...built.blobs, encodeBodiesToBlobs([new Uint8Array(7)])[0]!]), 'UnexpectedBlob')
    })

    it('bad version: UnsupportedCheckpointVersion', async () => {
      await expectRevert(propose(buildCheckpoint({ ...good, mutate: (c) => void (c.version = 2) })), 'UnsupportedCheckpointVersion')
    })

    it('non-consecutive checkpoint number: InvalidCheckpointNumber', async () => {
      const e = await expectRevert(propose(buildCheckpoint({ ...good, number: 3 })), 'InvalidCheckpointNumber')
      expect(e.args).toEqual([2n, 3n])
    })

    it('slot not after the tip: SlotNotAfterTip', async () => {
      const s1 = 1
      const p1 = keyOf(await read<Address>('getProposer', [BigInt(s1)]))
      await expectRevert(propose(buildCheckpoint({ ...good, slot: s1, proposer: p1.address }), p1), 'SlotNotAfterTip')
    })

    it('truncated calldata: CheckpointMalformed', async () => {
      const built = buildCheckpoint(good)
      await expectRevert(propose({ ...built, bytes: built.bytes.subarray(0, built.bytes.length - 1) }), 'CheckpointMalformed')
    })

    it('sent without simulation, the revert is mined and still decoded (from the trace)', async () => {
      const built = buildCheckpoint({ ...good, parent: keccak256Hex(toBytes('not the tip either')) })
      const e = await expectRevert(
        proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: built.bytes, attestations: noAttestations, blobs: built.blobs, simulate: false }),
        'HeaderWrongParent',
      )
      expect(e.txHash).toMatch(/^0x[0-9a-f]{64}$/)
      expect((await client.getTransactionReceipt({ hash: e.txHash! })).status).toBe('reverted')
    })

    it('nothing was accepted: the tip is unchanged', async () => {
      expect((await tip()).checkpointNumber).toBe(1)
    })
  })

  it('chains a second checkpoint while anvil packs it into one block with another transaction', async () => {
    const slot = 3
    await warpToSlot(slot)
    const proposer = keyOf(await read<Address>('getProposer', [BigInt(slot)]))
    const t = await tip()
    const built = buildCheckpoint({ number: 2, slot, parent: t.blockHash, height: t.height, proposer: proposer.address, bodies: [makeBody('c0', 1), makeBody('c1', 2), makeBody('c2', 3)] })
    await test.setAutomine(false)
    try {
      const other = anvilAccount(3)
      const wallet = createWalletClient({ account: other, chain: await l1Chain(anvil.rpcUrl), transport: http(anvil.rpcUrl) })
      await wallet.sendTransaction({ to: anvilAccount(4).address, value: 1n })
      const pending = proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: built.bytes, attestations: noAttestations, blobs: built.blobs })
      // mine once both transactions are in the pool
      // (anvil's pool has no push channel: poll it)
      await pollUntil(async () => Number(((await client.request({ method: 'txpool_status' as never })) as { pending: Hex }).pending) >= 2, {
        timeoutMs: 30_000,
        intervalMs: 20,
        what: 'both transactions in the pool',
      })
      await test.mine({ blocks: 1 })
      const r = await pending
      results.push(r)
      const block = await client.getBlock({ blockNumber: BigInt(r.l1BlockNumber) })
      expect(block.hash).toBe(r.l1BlockHash)
      expect(block.transactions).toHaveLength(2)
      expect(await tip()).toEqual({ checkpointNumber: 2, blockHash: built.lastHash, height: t.height + 3, lastSlot: slot })
      const blobs = await new BeaconSource(anvil.beaconUrl).fetchBlobs({ l1BlockNumber: r.l1BlockNumber, versionedHashes: built.checkpoint.blobVersionedHashes })
      expect(blobs.map((b) => bytesToHex(b!))).toEqual(built.blobs.map(bytesToHex))
    } finally {
      await test.setAutomine(true)
    }
  })

  it('accepts a checkpoint whose slot began after the last mined L1 block (simulated against pending)', async () => {
    const slot = 5
    // move anvil's clock without mining: the latest block stays before the slot, the next one is in it
    const pending = await client.getBlock({ blockTag: 'pending' })
    await test.increaseTime({ seconds: genesisTime + slot * SLOT - Number(pending.timestamp) + 1 })
    expect(Number((await client.getBlock()).timestamp)).toBeLessThan(genesisTime + slot * SLOT)
    const proposer = keyOf(await read<Address>('getProposer', [BigInt(slot)]))
    const t = await tip()
    const built = buildCheckpoint({ number: 3, slot, parent: t.blockHash, height: t.height, proposer: proposer.address, bodies: [makeBody('d0', 2)] })
    // with the pure-JS KZG this time: its commitments and proofs are c-kzg's, and anvil verifies them
    const js = await loadJsKzg()
    expect(bytesToHex(js.blobToKzgCommitment(built.blobs[0]!))).toBe(bytesToHex(nativeKzg.blobToKzgCommitment(built.blobs[0]!)))
    const r = await proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: built.bytes, attestations: noAttestations, blobs: built.blobs, kzg: js })
    expect(Number((await client.getBlock({ blockNumber: BigInt(r.l1BlockNumber) })).timestamp)).toBeGreaterThanOrEqual(genesisTime + slot * SLOT)
    expect(await tip()).toEqual({ checkpointNumber: 3, blockHash: built.lastHash, height: t.height + 1, lastSlot: slot })
  })

  it('a validator registered after genesis joins from the next epoch; the current committee is unchanged', async () => {
    const currentEpoch = Number(await read<bigint>('getCurrentEpoch'))
    const before = await read<readonly Address[]>('getCommittee', [BigInt(currentEpoch)])
    const late = privateKeyToAccount(viemKeccak256(toBytes('vigil-validator-late'))).address.toLowerCase() as Address
    const [reg] = await registerValidators(anvil.rpcUrl, rollup, [late])
    expect(reg!.activationEpoch).toBe(currentEpoch + 1)
    expect(reg!.index).toBe(VALIDATORS)
    expect(await read<readonly Address[]>('getCommittee', [BigInt(currentEpoch)])).toEqual(before)
    expect(await read<bigint>('getActiveValidatorCount', [BigInt(currentEpoch)])).toBe(BigInt(VALIDATORS))
    expect(await read<bigint>('getActiveValidatorCount', [BigInt(currentEpoch + 1)])).toBe(BigInt(VALIDATORS + 1))
    const vs = await onChainValidators()
    for (const epoch of [currentEpoch, currentEpoch + 1, currentEpoch + 7]) {
      expect((await read<readonly Address[]>('getCommittee', [BigInt(epoch)])).map((a) => a.toLowerCase())).toEqual(referenceCommittee(epoch, vs))
    }
  })

  it('reports propose latency', () => {
    expect(results.length).toBe(2)
    for (const r of results) {
      expect(r.timings.totalMs).toBeGreaterThan(0)
      console.log(`propose ${r.blobVersionedHashes.length} blob(s): ${JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, Math.round(v)])))}, gas ${r.gasUsed}`)
    }
  })
})
