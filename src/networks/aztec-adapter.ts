/**
 * Aztec Ignition as a `NetworkAdapter`, assembled from src/networks/aztec (the aztec helper's
 * decoder, digests and checks) into the normalised report the explorer page and `vigil` show.
 * The chain cannot be followed yet (`rules: null`: Aztec gossip is TCP-only, docs/networks.md).
 */
import { VigilError, toErrorRecord } from '../core/errors'
import { sha256 } from '../protocol/hash'
import { bytesToHex } from '../protocol/bytes'
import { PRESET_L1 } from './ids'
import type { CheckpointReport, NetworkAdapter } from './adapter'

const L1 = PRESET_L1['aztec-ignition']!

export function aztecIgnitionNetwork(): NetworkAdapter {
  return {
    id: 'aztec-ignition',
    title: 'Aztec Ignition (Ethereum mainnet)',
    l1: {
      chainId: L1.chainId,
      address: L1.rollup,
      deployBlock: L1.deployBlock,
      abi: [],
      propose: { name: 'propose', selector: '0x48aeda19' },
      checkpointEvent: 'CheckpointProposed',
      storage: { scheme: 'Aztec namespaced storage (ERC-7201)', slots: [] },
    },
    schemes: { attestation: 'aztec-ignition-eip191-v1', proposal: 'aztec-ignition-eip191-v1' },
    header: { description: 'Aztec checkpoint header (packed, see docs/networks-aztec.md); hash: 0x00 ‖ sha256(header)[0..31]', hash: (b) => `0x00${bytesToHex(sha256(b)).slice(2, 64)}` as `0x${string}` },
    committee: {
      committee: 'sampled per epoch by the rollup; rebuilt from the attestations (signatures and addresses in order) and checked against the commitment L1 stores',
      proposer: 'recovered from the proposer signature; must be the header coinbase and a committee member',
      quorumOf: (n) => Math.floor((2 * n) / 3) + 1,
    },
    rules: null,
    checkInput: (): CheckpointReport => {
      const error = toErrorRecord(new VigilError('INTERNAL', 'the Aztec decoder is not merged into this build yet'))
      return { network: 'aztec-ignition', ok: false, checks: [{ name: 'call', title: 'propose() call found', status: 'fail', detail: error.message, error }], fields: [], committee: [], quorum: null, foundAt: null, ms: 0 }
    },
  }
}
