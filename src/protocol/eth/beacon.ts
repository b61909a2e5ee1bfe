/**
 * Decoders for the Beacon API light-client JSON (`/eth/v1/beacon/light_client/{bootstrap,
 * updates,finality_update,optimistic_update}`): `{ version, data }` or the bare `data`, as in
 * ../shared/vectors/helios/consensus. Every field is checked (hex lengths, counts, integer
 * ranges); a bad one is DECODE_INVALID_FIELD naming its path.
 */
import { VigilError } from '../../core/errors'
import { hexToBytes } from '../bytes'
import { BLS_PUBKEY_LENGTH, BLS_SIGNATURE_LENGTH, SYNC_COMMITTEE_SIZE, type BeaconBlockHeader, type ExecutionPayloadHeader, type SyncCommittee } from './ssz'

export interface LightClientHeader {
  beacon: BeaconBlockHeader
  /** Capella and later; absent for an Altair/Bellatrix header. */
  execution?: ExecutionPayloadHeader
  executionBranch: Uint8Array[]
}

export interface LightClientBootstrap {
  header: LightClientHeader
  currentSyncCommittee: SyncCommittee
  currentSyncCommitteeBranch: Uint8Array[]
}

export interface SyncAggregate {
  /** Bitvector[512]: 64 bytes, bit i = byte[i >> 3] >> (i & 7). */
  bits: Uint8Array
  signature: Uint8Array
}

/** A LightClientUpdate; a finality update has no next sync committee, an optimistic one no finalized header either. */
export interface LightClientUpdate {
  /** The Beacon API `version` (e.g. "capella"), when given. */
  version?: string
  attestedHeader: LightClientHeader
  nextSyncCommittee?: SyncCommittee
  nextSyncCommitteeBranch: Uint8Array[]
  finalizedHeader?: LightClientHeader
  finalityBranch: Uint8Array[]
  syncAggregate: SyncAggregate
  signatureSlot: number
}

const MAX_BRANCH = 16

type Json = Record<string, unknown>

function fail(path: string, why: string): never {
  throw new VigilError('DECODE_INVALID_FIELD', `light client JSON: ${path}: ${why}`, { details: { field: path } })
}

function obj(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object')
  return v as Json
}

function hexN(v: unknown, n: number, path: string): Uint8Array {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]*$/.test(v)) fail(path, 'expected 0x-prefixed hex')
  if (v.length !== 2 + 2 * n) fail(path, `expected ${n} bytes, got ${(v.length - 2) / 2}`)
  return hexToBytes(v)
}

function hexMax(v: unknown, max: number, path: string): Uint8Array {
  if (typeof v !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(v)) fail(path, 'expected 0x-prefixed even-length hex')
  if (v.length > 2 + 2 * max) fail(path, `more than ${max} bytes`)
  return hexToBytes(v)
}

/** A decimal string (the Beacon API's uint64 / uint256 form) or a safe integer. */
function uint(v: unknown, bits: number, path: string): bigint {
  let x: bigint
  if (typeof v === 'string' && /^(0|[1-9][0-9]*)$/.test(v)) x = BigInt(v)
  else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) x = BigInt(v)
  else fail(path, 'expected a non-negative decimal integer')
  if (x >= 1n << BigInt(bits)) fail(path, `exceeds uint${bits}`)
  return x
}

function safeUint(v: unknown, path: string): number {
  const x = uint(v, 64, path)
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) fail(path, 'exceeds 2^53-1')
  return Number(x)
}

function branch(v: unknown, path: string): Uint8Array[] {
  if (!Array.isArray(v)) fail(path, 'expected an array of 32-byte roots')
  if (v.length > MAX_BRANCH) fail(path, `${v.length} nodes, more than ${MAX_BRANCH}`)
  return v.map((x, i) => hexN(x, 32, `${path}[${i}]`))
}

/** The `data` of a `{ version, data }` envelope, or the value itself. */
function unwrap(v: unknown, path: string): { data: Json; version?: string } {
  const o = obj(v, path)
  if ('data' in o && typeof o.data === 'object') {
    const version = typeof o.version === 'string' ? o.version : undefined
    return version === undefined ? { data: obj(o.data, `${path}.data`) } : { data: obj(o.data, `${path}.data`), version }
  }
  return { data: o }
}

export function decodeBeaconBlockHeader(v: unknown, path: string): BeaconBlockHeader {
  const o = obj(v, path)
  return {
    slot: safeUint(o.slot, `${path}.slot`),
    proposerIndex: safeUint(o.proposer_index, `${path}.proposer_index`),
    parentRoot: hexN(o.parent_root, 32, `${path}.parent_root`),
    stateRoot: hexN(o.state_root, 32, `${path}.state_root`),
    bodyRoot: hexN(o.body_root, 32, `${path}.body_root`),
  }
}

export function decodeExecutionPayloadHeader(v: unknown, path: string): ExecutionPayloadHeader {
  const o = obj(v, path)
  const h: ExecutionPayloadHeader = {
    parentHash: hexN(o.parent_hash, 32, `${path}.parent_hash`),
    feeRecipient: hexN(o.fee_recipient, 20, `${path}.fee_recipient`),
    stateRoot: hexN(o.state_root, 32, `${path}.state_root`),
    receiptsRoot: hexN(o.receipts_root, 32, `${path}.receipts_root`),
    logsBloom: hexN(o.logs_bloom, 256, `${path}.logs_bloom`),
    prevRandao: hexN(o.prev_randao, 32, `${path}.prev_randao`),
    blockNumber: uint(o.block_number, 64, `${path}.block_number`),
    gasLimit: uint(o.gas_limit, 64, `${path}.gas_limit`),
    gasUsed: uint(o.gas_used, 64, `${path}.gas_used`),
    timestamp: uint(o.timestamp, 64, `${path}.timestamp`),
    extraData: hexMax(o.extra_data, 32, `${path}.extra_data`),
    baseFeePerGas: uint(o.base_fee_per_gas, 256, `${path}.base_fee_per_gas`),
    blockHash: hexN(o.block_hash, 32, `${path}.block_hash`),
    transactionsRoot: hexN(o.transactions_root, 32, `${path}.transactions_root`),
    withdrawalsRoot: hexN(o.withdrawals_root, 32, `${path}.withdrawals_root`),
  }
  if (o.blob_gas_used !== undefined || o.excess_blob_gas !== undefined) {
    h.blobGasUsed = uint(o.blob_gas_used, 64, `${path}.blob_gas_used`)
    h.excessBlobGas = uint(o.excess_blob_gas, 64, `${path}.excess_blob_gas`)
  }
  return h
}

export function decodeLightClientHeader(v: unknown, path: string): LightClientHeader {
  const o = obj(v, path)
  // Altair's LightClientHeader is { beacon }; a bare BeaconBlockHeader (pre-Capella Beacon API) is accepted too
  const beacon = decodeBeaconBlockHeader('beacon' in o ? o.beacon : o, 'beacon' in o ? `${path}.beacon` : path)
  const h: LightClientHeader = { beacon, executionBranch: [] }
  if (o.execution !== undefined) {
    h.execution = decodeExecutionPayloadHeader(o.execution, `${path}.execution`)
    h.executionBranch = branch(o.execution_branch, `${path}.execution_branch`)
  }
  return h
}

export function decodeSyncCommittee(v: unknown, path: string): SyncCommittee {
  const o = obj(v, path)
  if (!Array.isArray(o.pubkeys)) fail(`${path}.pubkeys`, 'expected an array')
  if (o.pubkeys.length !== SYNC_COMMITTEE_SIZE) fail(`${path}.pubkeys`, `${o.pubkeys.length} pubkeys, expected ${SYNC_COMMITTEE_SIZE}`)
  return {
    pubkeys: o.pubkeys.map((pk, i) => hexN(pk, BLS_PUBKEY_LENGTH, `${path}.pubkeys[${i}]`)),
    aggregatePubkey: hexN(o.aggregate_pubkey, BLS_PUBKEY_LENGTH, `${path}.aggregate_pubkey`),
  }
}

export function decodeSyncAggregate(v: unknown, path: string): SyncAggregate {
  const o = obj(v, path)
  return {
    bits: hexN(o.sync_committee_bits, SYNC_COMMITTEE_SIZE / 8, `${path}.sync_committee_bits`),
    signature: hexN(o.sync_committee_signature, BLS_SIGNATURE_LENGTH, `${path}.sync_committee_signature`),
  }
}

export function decodeBootstrap(v: unknown): LightClientBootstrap {
  const { data } = unwrap(v, 'bootstrap')
  return {
    header: decodeLightClientHeader(data.header, 'bootstrap.header'),
    currentSyncCommittee: decodeSyncCommittee(data.current_sync_committee, 'bootstrap.current_sync_committee'),
    currentSyncCommitteeBranch: branch(data.current_sync_committee_branch, 'bootstrap.current_sync_committee_branch'),
  }
}

/** A LightClientUpdate, LightClientFinalityUpdate or LightClientOptimisticUpdate (the fields it has). */
export function decodeUpdate(v: unknown, path = 'update'): LightClientUpdate {
  const { data, version } = unwrap(v, path)
  const u: LightClientUpdate = {
    attestedHeader: decodeLightClientHeader(data.attested_header, `${path}.attested_header`),
    nextSyncCommitteeBranch: [],
    finalityBranch: [],
    syncAggregate: decodeSyncAggregate(data.sync_aggregate, `${path}.sync_aggregate`),
    signatureSlot: safeUint(data.signature_slot, `${path}.signature_slot`),
  }
  if (version !== undefined) u.version = version
  if (data.next_sync_committee !== undefined) {
    u.nextSyncCommittee = decodeSyncCommittee(data.next_sync_committee, `${path}.next_sync_committee`)
    u.nextSyncCommitteeBranch = branch(data.next_sync_committee_branch, `${path}.next_sync_committee_branch`)
  }
  if (data.finalized_header !== undefined) {
    u.finalizedHeader = decodeLightClientHeader(data.finalized_header, `${path}.finalized_header`)
    u.finalityBranch = branch(data.finality_branch, `${path}.finality_branch`)
  }
  return u
}

/** The `/updates` answer: an array of `{ version, data }`. */
export function decodeUpdates(v: unknown): LightClientUpdate[] {
  if (!Array.isArray(v)) fail('updates', 'expected an array')
  return v.map((u, i) => decodeUpdate(u, `updates[${i}]`))
}

/** Number of set bits of the sync aggregate. */
export function participantCount(bits: Uint8Array): number {
  let n = 0
  for (const b of bits) for (let x = b; x; x &= x - 1) n++
  return n
}
