/**
 * What the fuzz harness (bench/fuzz/index.ts) feeds: every decoder in src/protocol, the
 * requester's side of each req/resp protocol (response decoder + answer check) and the
 * responder's side (the request handler, src/p2p/protocols/*Responder). Each target has real
 * encoded seeds — a signed chain built by the devnet's ChainBuilder, and the third-party
 * vectors of ../shared/vectors — that the harness mutates.
 *
 * The contract every target is held to: for ANY input it returns or throws a VigilError (a
 * coded error); anything else (a TypeError, a RangeError, an unbounded allocation) is a bug.
 * Responders must not throw at all, and what they answer must decode with the requester's
 * decoder (a refusal or an OK the other side can read).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { VigilError } from '../../src/core/errors'
import type { Address } from '../../src/core/types'
import { bytesToHex } from '../../src/protocol/bytes'
import { decodeHeader } from '../../src/protocol/header'
import { decodeSignedHeader, encodeSignedHeader } from '../../src/protocol/signed-header'
import { decodeBody } from '../../src/protocol/body'
import { decodeTx, encodeTx } from '../../src/protocol/tx'
import { decodeProposal } from '../../src/protocol/proposal'
import { decodeAttestation, decodeAttestationSignatures, decodeCheckpoint, decodeCheckpointProposal, encodeAttestationSignatures } from '../../src/protocol/checkpoint'
import { decodeHeaderRange, encodeHeaderRange } from '../../src/protocol/filestore'
import { SNAPSHOT_INDEX_VERSION, SNAPSHOT_VERSION, decodeSnapshot, encodeSnapshot, parseSnapshotIndex } from '../../src/protocol/snapshot'
import { BYTES_PER_BLOB, BYTES_PER_FIELD_ELEMENT, FIELD_ELEMENTS_PER_BLOB, USABLE_BYTES_PER_BLOB, USABLE_BYTES_PER_FIELD_ELEMENT, decodeBodiesFromBlobs } from '../../src/protocol/blob'
import { rlpDecode } from '../../src/protocol/eth/rlp'
import { decodeHeader as decodeExecutionHeader, encodeHeader as encodeExecutionHeader, headerFromRpc } from '../../src/protocol/eth/header'
import { parseGetProof } from '../../src/protocol/eth/proof'
import { encodeReceipt } from '../../src/protocol/eth/receipt'
import { decodeBootstrap, decodeUpdate } from '../../src/protocol/eth/beacon'
import type { SigningDomain } from '../../src/protocol/domain'
import { RateLimiter, type Responder, type ServeOptions } from '../../src/p2p/protocols/common'
import { decodeStatusRequest, decodeStatusResponse, encodeStatusRequest, encodeStatusResponse, statusResponder, STATUS_MAX_RESPONSE_BYTES } from '../../src/p2p/protocols/status'
import {
  checkHeaderRange,
  decodeHeadersRequest,
  decodeHeadersResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  headersByRangeResponder,
  HEADERS_MAX_RESPONSE_BYTES,
} from '../../src/p2p/protocols/headers-by-range'
import { bodiesByHashResponder, checkBodies, decodeBodiesRequest, decodeBodiesResponse, encodeBodiesRequest, encodeBodiesResponse, MAX_BODIES_RESPONSE_BYTES } from '../../src/p2p/protocols/bodies-by-hash'
import { ChainBuilder, validatorKeys, type BuiltBlock } from '../../src/devnet/builder'
import { ChainDb } from '../../src/devnet/chain-db'

export interface ByteTarget {
  name: string
  kind: 'bytes'
  seeds: Uint8Array[]
  run(input: Uint8Array): unknown
}

export interface JsonTarget {
  name: string
  kind: 'json'
  seeds: unknown[]
  run(input: unknown): unknown
}

export type Target = ByteTarget | JsonTarget

/** Thrown by a target when its contract is broken in a way other than an uncoded throw (e.g. a responder's answer does not decode). */
export class ContractBroken extends Error {
  override readonly name = 'ContractBroken'
}

const VECTORS = resolve(import.meta.dirname, '../../../shared/vectors')
const L2_CHAIN_ID = 1337
const DOMAIN: SigningDomain = { l1ChainId: 31337, rollup: '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address }

function readJson(rel: string): unknown {
  return JSON.parse(readFileSync(resolve(VECTORS, rel), 'utf8'))
}

/** Packs arbitrary bytes into one blob's field elements (high byte 0), the way the blob encoder lays a payload out. */
export function packBlob(payload: Uint8Array): Uint8Array {
  const blob = new Uint8Array(BYTES_PER_BLOB)
  const n = Math.min(payload.length, USABLE_BYTES_PER_BLOB)
  for (let fe = 0; fe < FIELD_ELEMENTS_PER_BLOB && fe * USABLE_BYTES_PER_FIELD_ELEMENT < n; fe++) {
    const from = fe * USABLE_BYTES_PER_FIELD_ELEMENT
    blob.set(payload.subarray(from, Math.min(from + USABLE_BYTES_PER_FIELD_ELEMENT, n)), fe * BYTES_PER_FIELD_ELEMENT + 1)
  }
  return blob
}

function unpackBlob(blob: Uint8Array, keep: number): Uint8Array {
  const out = new Uint8Array(keep)
  for (let fe = 0; fe * USABLE_BYTES_PER_FIELD_ELEMENT < keep; fe++) {
    const from = fe * USABLE_BYTES_PER_FIELD_ELEMENT
    out.set(blob.subarray(fe * BYTES_PER_FIELD_ELEMENT + 1, fe * BYTES_PER_FIELD_ELEMENT + 1 + Math.min(USABLE_BYTES_PER_FIELD_ELEMENT, keep - from)), from)
  }
  return out
}

const fakePeer = { toString: () => '12D3KooWFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzzFuzz' }
const neverAborted = new AbortController().signal
/** A limiter that never refuses, so every request reaches the code under test. */
const unlimited = (): RateLimiter =>
  new RateLimiter({ status: { capacity: 1e15, perSecond: 1e15 }, headers_by_range: { capacity: 1e15, perSecond: 1e15 }, bodies_by_hash: { capacity: 1e15, perSecond: 1e15 } })

/** Drives a responder with one request and holds it to the contract (no throw, within its cap, readable by the requester). */
export async function respond(responder: Responder, input: Uint8Array, maxBytes: number, decode: (b: Uint8Array) => unknown): Promise<void> {
  let out: Uint8Array
  try {
    out = await responder(input, { from: fakePeer, signal: neverAborted })
  } catch (e) {
    throw new ContractBroken(`responder threw: ${(e as Error)?.stack ?? String(e)}`)
  }
  if (out.length > maxBytes) throw new ContractBroken(`responder answered ${out.length} bytes, over its cap of ${maxBytes}`)
  try {
    decode(out)
  } catch (e) {
    // a refusal decodes to a soft coded error: that is an answer the requester can act on
    if (!(e instanceof VigilError)) throw new ContractBroken(`the requester cannot read the answer: ${String(e)}`)
    if (e.code !== 'RATE_LIMITED' && e.code !== 'SOURCE_BAD_RESPONSE' && e.code !== 'SOURCE_UNAVAILABLE') throw new ContractBroken(`the answer does not decode: ${e.code} ${e.message}`)
  }
}

/** Builds the seed chain (a few checkpoints of real signed blocks) and every target over it. */
export function buildTargets(): Target[] {
  const validators = validatorKeys(6, 'fuzz-validator-')
  const builder = new ChainBuilder(DOMAIN, L2_CHAIN_ID, { seed: 'fuzz', blobToCommitment: (b) => b.subarray(0, 48) })
  const blocks: BuiltBlock[] = []
  const checkpoints = []
  const db = new ChainDb()
  for (let slot = 1; slot <= 3; slot++) {
    const proposer = validators[slot % validators.length]!
    const inSlot = Array.from({ length: 1 + (slot % 3) }, (_, i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer, timestamp: 1_700_000_000_000 + slot * 12_000 + i }))
    const cp = builder.buildCheckpoint(inSlot, proposer)
    checkpoints.push({ cp, blocks: inSlot, attestations: builder.attest(cp.digest, validators.slice(0, 5)), proposer })
    for (const b of inSlot) {
      blocks.push(b)
      db.add({ header: b.header, hash: b.hash, signature: b.proposal.signature, bodyBytes: b.bodyBytes })
    }
  }
  const signed = blocks.map((b) => ({ version: 1, header: b.header, signature: b.proposal.signature }))
  const signedBytes = signed.map(encodeSignedHeader)
  const headerBytes = signedBytes.map((s) => s.subarray(1, s.length - 65))

  const snapshot = encodeSnapshot({
    version: SNAPSHOT_VERSION,
    l2ChainId: L2_CHAIN_ID,
    rollup: DOMAIN.rollup,
    createdAt: 1_700_000_100_000,
    checkpoints: checkpoints.map(({ cp, blocks: bs }, i) => ({
      checkpoint: cp.checkpoint,
      headerSignatures: bs.map((b) => b.proposal.signature),
      l1: { blockNumber: 100 + i, blockHash: bytesToHex(new Uint8Array(32).fill(i + 1)), txHash: bytesToHex(new Uint8Array(32).fill(i + 9)) },
    })),
    attestations: checkpoints.at(-1)!.attestations,
    committee: { epoch: 0, members: validators.map((v) => v.address) },
  })

  const blobPayloads = checkpoints.map(({ cp }) => unpackBlob(cp.blobs[0]!, 4096))
  const rpcBlock = readJson('helios/rpc/block.json')
  const receipts = readJson('helios/rpc/receipts.json') as unknown[]
  const updates = readJson('helios/consensus/updates.json') as unknown[]
  const hashesOf = (n: number) => blocks.slice(0, n).map((b) => b.hash)

  const serve: ServeOptions = { limiter: unlimited() }
  const status = statusResponder(db, serve)
  const headers = headersByRangeResponder(db, serve)
  const bodies = bodiesByHashResponder(db, serve)

  const bytes = (name: string, seeds: Uint8Array[], run: (input: Uint8Array) => unknown): ByteTarget => ({ name, kind: 'bytes', seeds, run })
  const json = (name: string, seeds: unknown[], run: (input: unknown) => unknown): JsonTarget => ({ name, kind: 'json', seeds, run })

  return [
    bytes('protocol/header', headerBytes, decodeHeader),
    bytes('protocol/signed-header', signedBytes, decodeSignedHeader),
    bytes(
      'protocol/body',
      blocks.map((b) => b.bodyBytes),
      decodeBody,
    ),
    bytes(
      'protocol/tx',
      blocks.flatMap((b) => b.txs.map(encodeTx)),
      decodeTx,
    ),
    bytes(
      'protocol/proposal',
      blocks.map((b) => b.proposalBytes),
      decodeProposal,
    ),
    bytes(
      'protocol/checkpoint',
      checkpoints.map(({ cp }) => cp.bytes),
      decodeCheckpoint,
    ),
    bytes(
      'protocol/checkpoint-proposal',
      checkpoints.map(({ cp }) => cp.proposalBytes),
      decodeCheckpointProposal,
    ),
    bytes(
      'protocol/attestation',
      checkpoints.map(({ cp, proposer }) => builder.attestationMessage(cp.digest, cp.checkpoint.slot, proposer)),
      decodeAttestation,
    ),
    bytes(
      'protocol/attestation-signatures',
      checkpoints.map(({ attestations }) => encodeAttestationSignatures(attestations)),
      decodeAttestationSignatures,
    ),
    bytes('protocol/filestore-header-range', [encodeHeaderRange(signed)], (b) => decodeHeaderRange(b, 1, signed.length)),
    bytes('protocol/snapshot', [snapshot], decodeSnapshot),
    bytes('protocol/blob', blobPayloads, (payload) => decodeBodiesFromBlobs([packBlob(payload)])),
    bytes('protocol/eth-rlp', [encodeExecutionHeader(headerFromRpc(rpcBlock))], (b) => rlpDecode(b)),
    bytes('protocol/eth-header', [encodeExecutionHeader(headerFromRpc(rpcBlock))], decodeExecutionHeader),
    json('protocol/eth-header-rpc', [rpcBlock], headerFromRpc),
    json('protocol/eth-get-proof', [readJson('helios/rpc/proof.json')], parseGetProof),
    json('protocol/eth-receipt', receipts.slice(0, 16), encodeReceipt),
    json('protocol/beacon-bootstrap', [readJson('helios/consensus/bootstrap.json')], decodeBootstrap),
    json('protocol/beacon-update', [updates[0], readJson('helios/consensus/finality.json')], (u) => decodeUpdate(u)),
    json(
      'protocol/snapshot-index',
      [
        {
          version: SNAPSHOT_INDEX_VERSION,
          l2ChainId: L2_CHAIN_ID,
          rollup: DOMAIN.rollup,
          latest: { name: 'snapshot-3.bin', height: 6, hash: blocks.at(-1)!.hash, checkpointNumber: 3, l1BlockNumber: 102, createdAt: 1, bytes: snapshot.length, sha256: `0x${'ab'.repeat(32)}` },
          older: [],
        },
      ],
      parseSnapshotIndex,
    ),
    // req/resp, requester side: what a peer answers
    bytes('reqresp/status-response', [encodeStatusResponse(db.status())], decodeStatusResponse),
    bytes('reqresp/headers-response', [encodeHeadersResponse(signed.slice(0, 4))], (b) => checkHeaderRange(decodeHeadersResponse(b), { from: 1, count: 4 }, L2_CHAIN_ID)),
    bytes('reqresp/bodies-response', [encodeBodiesResponse(blocks.slice(0, 3).map((b) => ({ hash: b.hash, bytes: b.bodyBytes }))).bytes], (b) => checkBodies(decodeBodiesResponse(b), hashesOf(3))),
    // req/resp, responder side: what a peer asks
    bytes('reqresp/status-request', [encodeStatusRequest()], decodeStatusRequest),
    bytes('reqresp/headers-request', [encodeHeadersRequest({ from: 1, count: 4 }), encodeHeadersRequest({ from: 3, count: 64 })], decodeHeadersRequest),
    bytes('reqresp/bodies-request', [encodeBodiesRequest(hashesOf(3)), encodeBodiesRequest(hashesOf(1))], decodeBodiesRequest),
    bytes('reqresp/status-handler', [encodeStatusRequest()], (b) => respond(status, b, STATUS_MAX_RESPONSE_BYTES, decodeStatusResponse)),
    bytes('reqresp/headers-handler', [encodeHeadersRequest({ from: 1, count: 4 }), encodeHeadersRequest({ from: 2, count: 64 })], (b) =>
      respond(headers, b, HEADERS_MAX_RESPONSE_BYTES, decodeHeadersResponse),
    ),
    bytes('reqresp/bodies-handler', [encodeBodiesRequest(hashesOf(3)), encodeBodiesRequest(hashesOf(1))], (b) => respond(bodies, b, MAX_BODIES_RESPONSE_BYTES, decodeBodiesResponse)),
  ]
}
