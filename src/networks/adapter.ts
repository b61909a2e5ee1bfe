/**
 * A network adapter: everything chain-specific about an L2 that posts its checkpoints to
 * Ethereum, behind one interface (docs/networks.md). The client, the explorer and `vigil` get
 * chain-specific behaviour from here; what they show is the adapter's normalised types.
 *
 * - `l1`: the rollup contract — L1 chain id, address, deploy block, ABI, the call that posts a
 *   checkpoint and the event that records it, and the storage layout its facts are proven at.
 * - `schemes`: the signing scheme of each signed message (ids of src/networks/schemes.ts).
 * - `header`: the header format and how its hash is computed.
 * - `committee`: how the committee and the proposer are derived, and the quorum rule.
 * - `checkInput`: how a checkpoint is found in an L1 transaction's input (the call itself or any
 *   wrapper around it), decoded and checked offline, as a `CheckpointReport`.
 * - `rules`: what the sync engine follows the chain with (src/verify/chain-rules.ts); null
 *   when the client can check this network's checkpoints but not follow it yet.
 *
 * Implementations: src/networks/vigil (Vigil's devnet chain) and src/networks/aztec (Aztec
 * Ignition on Ethereum mainnet); src/networks/presets.ts names them.
 */
import type { ErrorRecord } from '../core/errors'
import type { Address, Hex } from '../core/types'
import type { ChainRules } from '../verify/chain-rules'

/** The name a config or `--network` gives a network: a preset id (`vigil`, `aztec-ignition`). */
export type NetworkId = string

/** Where a rollup contract keeps the facts a client proves (storage slots), described for people and computed for proofs. */
export interface StorageLayout {
  /** Where the layout comes from (e.g. "solc storageLayout of VigilRollup.sol", "Aztec namespaced storage (ERC-7201)"). */
  scheme: string
  /** What each named slot (or slot family) holds, as rows of docs. */
  slots: { name: string; slot: string; holds: string }[]
}

/** The L1 side of a network. */
export interface L1Contract {
  chainId: number
  address: Address
  /** L1 block the contract was deployed in: where history scans start. */
  deployBlock: number
  /** The contract's ABI (the parts the client uses); viem-compatible JSON. */
  abi: readonly unknown[]
  /** The function whose call carries a checkpoint (`propose`) and its 4-byte selector. */
  propose: { name: string; selector: Hex }
  /** The event that records a posted checkpoint. */
  checkpointEvent: string
  storage: StorageLayout
}

/** The signing scheme ids a network uses, per signed message (src/networks/schemes.ts). */
export interface NetworkSchemes {
  /** A committee member's attestation to a checkpoint. */
  attestation: string
  /** The proposer's signature (over a block proposal, a checkpoint proposal, or attestations-and-signers). */
  proposal: string
}

export interface HeaderFormat {
  /** e.g. "Vigil header v1, 162 bytes (docs/protocol.md)". */
  description: string
  /** The header hash of an encoded header. */
  hash(bytes: Uint8Array): Hex
}

export interface CommitteeRule {
  /** How the committee is derived (e.g. "sampled by the rollup per epoch; read by storage proof"). */
  committee: string
  /** How the proposer of a slot is derived. */
  proposer: string
  /** Distinct signatures a committee of n needs. */
  quorumOf(n: number): number
}

/** pass, fail (coded), skipped (a check it needs did not pass), or needs L1 (cannot be decided from the input alone). */
export type NetworkCheckStatus = 'pass' | 'fail' | 'skipped' | 'needs-l1'

/** One named check of a checkpoint. */
export interface NetworkCheck {
  /** Stable id (`headerHash`, `quorum`, `committeeCommitment` …). */
  name: string
  title: string
  status: NetworkCheckStatus
  /** What was checked against what, or why it was skipped / needs L1. */
  detail: string
  /** Set when status is `fail` (and for a skipped check when a soft error explains it). */
  error: ErrorRecord | null
}

/** A checkpoint checked from an L1 transaction's input, as every network reports it. */
export interface CheckpointReport {
  network: NetworkId
  /** Every offline check passed (`needs-l1` is not a failure, `fail` is; nothing claimed that was not checked). */
  ok: boolean
  /** Every check, in order. */
  checks: NetworkCheck[]
  /** Decoded facts to show (slot, archive, coinbase, digests, blob hashes, the committee commitment …), in order. */
  fields: { name: string; value: string }[]
  /** The committee in order and who signed (empty when the input does not say). */
  committee: { index: number; address: Address; signed: boolean }[]
  quorum: { required: number; signed: number; committeeSize: number } | null
  /** Where in the input the checkpoint's call was found (0 when the input is the call itself). */
  foundAt: number | null
  ms: number
}

/** What a check of an L1 transaction input is given. */
export interface CheckInput {
  /** The transaction's input: the `propose` call itself or any wrapper around it, as hex or bytes. */
  input: Hex | Uint8Array
}

export interface NetworkAdapter {
  readonly id: NetworkId
  readonly title: string
  readonly l1: L1Contract
  readonly schemes: NetworkSchemes
  readonly header: HeaderFormat
  readonly committee: CommitteeRule
  /** What the light client follows this chain with; null: checkpoints can be checked (`checkInput`) but the chain not followed yet. */
  readonly rules: ChainRules | null
  /**
   * Finds the checkpoint's call in `input` (any wrapper: scans for the selector and accepts a
   * candidate only when it decodes), decodes it and runs every check that needs nothing but
   * the input; the rest are `needs-l1`. Never throws for bad input: the report says why.
   */
  checkInput(req: CheckInput): CheckpointReport
}

/** Every offline check passed: nothing failed (needs-l1 and skipped-because-L1 do not fail). */
export function reportOk(checks: readonly NetworkCheck[]): boolean {
  return checks.length > 0 && checks.every((c) => c.status !== 'fail')
}

/** Hex or bytes as bytes (hex with or without 0x; whitespace ignored); null when it is not hex. */
export function inputBytes(input: Hex | Uint8Array): Uint8Array | null {
  if (input instanceof Uint8Array) return input
  const s = String(input).replace(/\s+/g, '').replace(/^0x/i, '')
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** Every offset at which `selector` (4 bytes) occurs in `data`, in order: where a call to it may start inside a wrapper. */
export function selectorOffsets(data: Uint8Array, selector: Uint8Array, max = 64): number[] {
  const out: number[] = []
  for (let i = 0; i + 4 <= data.length && out.length < max; i++) {
    if (data[i] === selector[0] && data[i + 1] === selector[1] && data[i + 2] === selector[2] && data[i + 3] === selector[3]) out.push(i)
  }
  return out
}
