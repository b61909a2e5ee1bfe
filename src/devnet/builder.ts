/**
 * Builds the devnet's chain: blocks from synthetic but well-formed transactions, signed
 * proposals, checkpoints with their blobs, attestations. Pure and deterministic given its
 * inputs, so tests use it to craft valid and invalid data (short quorum, outsiders, …).
 */
import type { Address, Hex } from '../core/types'
import { ZERO_HASH, concatBytes, hexToBytes, bytesToHex } from '../protocol/bytes'
import { keccak256, keccak256Hex } from '../protocol/hash'
import { encodeBody, bodyHashOf, type BlockBody } from '../protocol/body'
import { headerHash, type BlockHeader, HEADER_VERSION } from '../protocol/header'
import { executeTx, TX_VERSION, type Tx } from '../protocol/tx'
import { encodeProposal, PROPOSAL_VERSION, type BlockProposal } from '../protocol/proposal'
import {
  ATTESTATION_VERSION,
  CHECKPOINT_PROPOSAL_VERSION,
  CHECKPOINT_VERSION,
  checkpointDigest,
  encodeAttestation,
  encodeCheckpoint,
  encodeCheckpointProposal,
  type Checkpoint,
} from '../protocol/checkpoint'
import { signingDigest, type SigningDomain } from '../protocol/domain'
import { encodeBodiesToBlobs } from '../protocol/blob'
import { signDigest, addressOf } from '../verify/secp256k1'
import { blobToCommitment, commitmentToVersionedHash } from '../verify/kzg'

export interface Validator {
  privateKey: Hex
  address: Address
}

/** Deterministic validator keys: keccak256("vigil-validator-" + i). */
export function validatorKeys(count: number, prefix = 'vigil-validator-'): Validator[] {
  return Array.from({ length: count }, (_, i) => {
    const privateKey = keccak256Hex(new TextEncoder().encode(`${prefix}${i}`))
    return { privateKey, address: addressOf(privateKey) }
  })
}

/** Deterministic pseudo-random bytes (keccak counter mode) so devnet runs are reproducible per seed. */
export class Prng {
  private counter = 0
  constructor(private readonly seed: string) {}
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let o = 0; o < n; o += 32) {
      const block = keccak256(new TextEncoder().encode(`${this.seed}:${this.counter++}`))
      out.set(block.subarray(0, Math.min(32, n - o)), o)
    }
    return out
  }
  int(maxExclusive: number): number {
    const b = this.bytes(4)
    return (((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!) % maxExclusive
  }
}

export interface BuiltBlock {
  header: BlockHeader
  hash: Hex
  body: BlockBody
  bodyBytes: Uint8Array
  txs: Tx[]
  proposal: BlockProposal
  proposalBytes: Uint8Array
}

export interface BuiltCheckpoint {
  checkpoint: Checkpoint
  digest: Hex
  bytes: Uint8Array
  blobs: Uint8Array[]
  proposalBytes: Uint8Array
}

/** The chain tip a builder extends: the last block's hash, height and state root. */
export interface BuilderTip {
  hash: Hex
  height: number
  stateRoot: Hex
  checkpointNumber: number
}

export const GENESIS_TIP: BuilderTip = { hash: ZERO_HASH, height: 0, stateRoot: ZERO_HASH, checkpointNumber: 0 }

export class ChainBuilder {
  tip: BuilderTip
  private readonly prng: Prng
  private nonce = 0
  /** Tips of recently built blocks, to rewind to after a checkpoint failed to land. */
  private readonly built = new Map<Hex, BuilderTip>()

  private readonly commit: (blob: Uint8Array) => Uint8Array

  constructor(
    readonly domain: SigningDomain,
    readonly l2ChainId: number,
    opts: { tip?: BuilderTip; seed?: string; blobToCommitment?: (blob: Uint8Array) => Uint8Array } = {},
  ) {
    this.tip = opts.tip ?? GENESIS_TIP
    this.prng = new Prng(opts.seed ?? 'vigil-devnet')
    this.commit = opts.blobToCommitment ?? blobToCommitment
  }

  /** Synthetic transactions: random senders, fees and payloads (1–6 per block). */
  randomTxs(count = 1 + this.prng.int(6)): Tx[] {
    return Array.from({ length: count }, () => ({
      version: TX_VERSION,
      sender: bytesToHex(this.prng.bytes(20)),
      nonce: this.nonce++,
      fee: 1 + this.prng.int(1_000_000),
      payload: bytesToHex(this.prng.bytes(8 + this.prng.int(120))),
    }))
  }

  /** Builds, signs and returns the next block of `slot`, advancing the tip. */
  buildBlock(args: { slot: number; indexInCheckpoint: number; proposer: Validator; txs?: Tx[]; timestamp?: number }): BuiltBlock {
    const txs = args.txs ?? this.randomTxs()
    const body: BlockBody = { version: 1, txEffects: txs.map(executeTx) }
    const bodyBytes = encodeBody(body)
    const bodyHash = bodyHashOf(bodyBytes)
    const header: BlockHeader = {
      version: HEADER_VERSION,
      chainId: this.l2ChainId,
      height: this.tip.height + 1,
      slot: args.slot,
      checkpointNumber: this.tip.checkpointNumber + 1,
      indexInCheckpoint: args.indexInCheckpoint,
      timestamp: args.timestamp ?? Date.now(),
      parentHash: this.tip.hash,
      bodyHash,
      stateRoot: keccak256Hex(concatBytes(hexToBytes(this.tip.stateRoot), hexToBytes(bodyHash))),
      proposer: args.proposer.address,
      txCount: txs.length,
    }
    const hash = headerHash(header)
    const signature = signDigest(args.proposer.privateKey, signingDigest(this.domain, 'BlockProposal', hash))
    const proposal: BlockProposal = { version: PROPOSAL_VERSION, header, bodyBytes, txHashes: body.txEffects.map((e) => e.txHash), signature }
    this.tip = { hash, height: header.height, stateRoot: header.stateRoot, checkpointNumber: this.tip.checkpointNumber }
    this.built.set(hash, this.tip)
    if (this.built.size > 4096) this.built.delete(this.built.keys().next().value!)
    return { header, hash, body, bodyBytes, txs, proposal, proposalBytes: encodeProposal(proposal) }
  }

  /** Closes the slot: the checkpoint of `blocks` with the blobs carrying their bodies, signed by the proposer. */
  buildCheckpoint(blocks: BuiltBlock[], proposer: Validator): BuiltCheckpoint {
    const first = blocks[0]!
    const blobs = encodeBodiesToBlobs(blocks.map((b) => b.bodyBytes))
    const checkpoint: Checkpoint = {
      version: CHECKPOINT_VERSION,
      checkpointNumber: first.header.checkpointNumber,
      slot: first.header.slot,
      headers: blocks.map((b) => b.header),
      blobVersionedHashes: blobs.map((b) => commitmentToVersionedHash(this.commit(b))),
    }
    const digest = checkpointDigest(checkpoint)
    const signature = signDigest(proposer.privateKey, signingDigest(this.domain, 'CheckpointProposal', digest))
    this.tip = { ...this.tip, checkpointNumber: checkpoint.checkpointNumber }
    return {
      checkpoint,
      digest,
      bytes: encodeCheckpoint(checkpoint),
      blobs,
      proposalBytes: encodeCheckpointProposal({ version: CHECKPOINT_PROPOSAL_VERSION, checkpoint, signature }),
    }
  }

  /**
   * Continue from the block `hash` (the L1's tip) as the last block of checkpoint
   * `checkpointNumber`: what was built after it is abandoned. Throws if `hash` was never built here.
   */
  rewindTo(hash: Hex, checkpointNumber: number): void {
    if (hash === ZERO_HASH) {
      this.tip = GENESIS_TIP
      return
    }
    const t = this.built.get(hash)
    if (!t) throw new Error(`cannot rewind to unknown block ${hash}`)
    this.tip = { ...t, checkpointNumber }
  }

  /** Attestation signatures of `signers` over a checkpoint digest. */
  attest(digest: Hex, signers: Validator[]): Uint8Array[] {
    const d = signingDigest(this.domain, 'CheckpointAttestation', digest)
    return signers.map((v) => signDigest(v.privateKey, d))
  }

  attestationMessage(digest: Hex, slot: number, signer: Validator): Uint8Array {
    return encodeAttestation({ version: ATTESTATION_VERSION, checkpointDigest: digest, slot, signature: this.attest(digest, [signer])[0]! })
  }
}
