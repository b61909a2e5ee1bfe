/**
 * Aztec Ignition as a `NetworkAdapter`: src/networks/aztec (decoder, digests, every signature,
 * committee, quorum, proposer; `verifyAztecPropose`) mapped onto the normalised report the
 * explorer page and `vigil` show. Checks that rest on an L1 proof are `needs-l1` offline
 * (`proveAztecPropose` fills them from storage proofs when an anchored L1 is at hand); checks no
 * code makes yet (UNCHECKED) are listed as not run, so nothing is claimed that was not checked.
 * The chain cannot be followed yet (`rules: null`: Aztec gossip is TCP-only, docs/networks.md).
 */
import { VigilError, toErrorRecord, type ErrorRecord } from '../core/errors'
import { AZTEC_IGNITION, PROPOSE_SELECTOR, aztecIgnitionRollupAbi, sha256ToField, verifyAztecPropose, type AztecCheck, type AztecNetwork, type AztecReport } from './aztec'
import { SLOT_ARCHIVES, SLOT_COMMITTEE_COMMITMENTS, SLOT_COMMITTEE_CONFIG, SLOT_TEMP_BLOCK_LOGS, SLOT_TIME, SLOT_TIPS } from './aztec/layout'
import type { CheckpointReport, NetworkAdapter, NetworkCheck, StorageLayout } from './adapter'

const hexSlot = (n: bigint) => `0x${n.toString(16)}`

export const AZTEC_STORAGE: StorageLayout = {
  scheme: 'Aztec namespaced storage: each library struct at keccak256(namespace) (src/networks/aztec/layout.ts)',
  slots: [
    { name: 'tips', slot: hexSlot(SLOT_TIPS), holds: 'pending checkpoint number << 128 ‖ proven' },
    { name: 'archives', slot: `keccak(n ‖ ${hexSlot(SLOT_ARCHIVES)})`, holds: 'archives[n]: the archive root of checkpoint n' },
    { name: 'tempBlockLogs', slot: `keccak(n % size ‖ ${hexSlot(SLOT_TEMP_BLOCK_LOGS)}) + 0..5`, holds: 'headerHash, blobCommitmentsHash, attestationsHash, payloadDigest, slot, feeHeader' },
    { name: 'time', slot: hexSlot(SLOT_TIME), holds: 'genesisTime, slotDuration, epochDuration, proofSubmissionEpochs' },
    { name: 'committeeCommitments', slot: `keccak(epoch ‖ ${hexSlot(SLOT_COMMITTEE_COMMITMENTS)})`, holds: 'keccak256(abi.encode(committee)) of the epoch' },
    { name: 'committeeConfig', slot: hexSlot(SLOT_COMMITTEE_CONFIG), holds: 'targetCommitteeSize, lagInEpochs' },
  ],
}

function checkOf(c: AztecCheck): NetworkCheck {
  if (c.ok === true) return { name: c.name, title: c.title, status: 'pass', detail: c.detail, error: null }
  if (c.ok === false) {
    const error: ErrorRecord = { code: c.code ?? 'INTERNAL', message: c.detail, severity: 'hard' }
    return { name: c.name, title: c.title, status: 'fail', detail: c.detail, error }
  }
  return { name: c.name, title: c.title, status: c.restsOn === 'l1-proof' ? 'needs-l1' : 'skipped', detail: c.detail, error: null }
}

/** An Aztec report in the adapter's normalised shape. */
export function normaliseAztecReport(r: AztecReport, ms = 0): CheckpointReport {
  const checks = r.checks.map(checkOf)
  const d = r.digests
  const cp = r.checkpoint
  return {
    network: r.network,
    // every offline check passed (the L1 ones are needs-l1 offline; once proven they count too)
    ok: r.l1 ? r.ok && r.offlineOk : r.offlineOk,
    checks,
    fields: [
      { name: 'slot', value: String(cp.slot) },
      { name: 'epoch', value: String(cp.epoch) },
      { name: 'timestamp', value: String(cp.timestamp) },
      { name: 'archive', value: cp.archive },
      { name: 'coinbase', value: cp.coinbase },
      { name: 'header sha256', value: d.headerSha256 },
      { name: 'header hash', value: d.headerHash },
      { name: 'payload digest', value: d.payloadDigest },
      { name: 'attestations-and-signers digest', value: d.attestationsAndSignersDigest },
      { name: 'attestations hash', value: d.attestationsHash },
      { name: 'committee commitment', value: r.committee.commitment },
      { name: 'proposer', value: `${r.proposer.recovered ?? 'does not recover'}${r.proposer.committeeIndex !== null ? ` (committee index ${r.proposer.committeeIndex})` : ''}` },
      { name: 'signature scheme', value: r.scheme },
      { name: 'propose call', value: `${r.call.length} bytes at offset ${r.call.offset}${r.call.wrapped ? ' (inside a wrapper)' : ''}, ${r.call.candidates} candidate(s)` },
      ...cp.blobHashes.map((h, i) => ({ name: `blob ${i} versioned hash`, value: h })),
    ],
    committee: r.committee.members.map((m) => ({ index: m.index, address: m.address, signed: m.signed })),
    quorum: { required: r.quorum.needed, signed: r.quorum.got, committeeSize: r.committee.size },
    foundAt: r.call.offset,
    ms,
  }
}

/** The report of an input no propose call decodes in: one coded failure, nothing else claimed. */
function unusable(e: unknown, network: string, ms: number): CheckpointReport {
  const error = toErrorRecord(e)
  return { network, ok: false, checks: [{ name: 'call', title: 'propose() call found in the input', status: 'fail', detail: error.message, error }], fields: [], committee: [], quorum: null, foundAt: null, ms }
}

export function aztecIgnitionNetwork(network: AztecNetwork = AZTEC_IGNITION): NetworkAdapter {
  return {
    id: network.id,
    title: network.title,
    l1: {
      chainId: network.l1ChainId,
      address: network.rollup,
      deployBlock: network.deployBlock,
      abi: aztecIgnitionRollupAbi,
      propose: { name: 'propose', selector: PROPOSE_SELECTOR },
      checkpointEvent: 'L2BlockProposed',
      storage: AZTEC_STORAGE,
    },
    schemes: { attestation: network.signing.scheme, proposal: network.signing.scheme },
    header: { description: 'Aztec ProposedHeader, packed; hash = sha256ToField: 0x00 ‖ sha256(header)[0..31] (src/networks/aztec/header.ts)', hash: (packed) => sha256ToField(packed) },
    committee: {
      committee: `sampled per epoch by the rollup (target ${network.committeeSize}); rebuilt in order from the calldata's signatures and addresses, checked against committeeCommitments[epoch] by storage proof`,
      proposer: "recovered from the proposer's signature over the attestations-and-signers digest; must be the header's coinbase and a committee member",
      quorumOf: (n) => Math.floor((2 * n) / 3) + 1,
    },
    rules: null,
    checkInput: (req) => {
      const t0 = Date.now()
      try {
        return normaliseAztecReport(verifyAztecPropose(req.input, { network }), Date.now() - t0)
      } catch (e) {
        if (e instanceof VigilError) return unusable(e, network.id, Date.now() - t0)
        return unusable(new VigilError('DECODE_INVALID_FIELD', `the input does not decode: ${(e as Error).message ?? e}`), network.id, Date.now() - t0)
      }
    },
  }
}
