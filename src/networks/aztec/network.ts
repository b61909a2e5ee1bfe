/**
 * The Aztec network presets this adapter knows. The numbers that matter for verification
 * (committee size, slot and epoch durations) are checked against L1 by storage proof when an
 * L1 RPC is configured (prove.ts); offline they are what the preset says.
 */
import { VigilError } from '../../core/errors'
import type { Address } from '../../core/types'
import type { NetworkSigning } from '../schemes'

export interface AztecNetwork {
  id: 'aztec-ignition'
  title: string
  l1ChainId: number
  rollup: Address
  /** The L1 block the rollup was deployed in (searches for logs start here). */
  deployBlock: number
  signing: NetworkSigning
  /** The rollup's targetCommitteeSize (every epoch's committee has this many members). */
  committeeSize: number
  /** Seconds per L2 slot, slots per epoch (TimeLib). */
  slotDuration: number
  epochDuration: number
}

/**
 * Aztec Ignition on Ethereum mainnet. Rollup address: Aztec's docs (L1 contract addresses,
 * "Ignition (Mainnet)"); deploy block 23786836: the first block of the rollup in a public
 * registry timeline (the Registry 0x35b22e09Ee0390539439E24f06Da43D83f90e298's first rollup),
 * not re-derived here; committee 24, 72 s slots, 32-slot epochs: the deployment's config
 * (the shared mainnet checkpoint has a 24-member committee and slot 24392 at 1764751379).
 */
export const AZTEC_IGNITION: AztecNetwork = {
  id: 'aztec-ignition',
  title: 'Aztec Ignition (Ethereum mainnet)',
  l1ChainId: 1,
  rollup: '0x603bb2c05d474794ea97805e8de69bccfb3bca12',
  deployBlock: 23_786_836,
  signing: { scheme: 'aztec-ignition-eip191-v1' },
  committeeSize: 24,
  slotDuration: 72,
  epochDuration: 32,
}

export const AZTEC_NETWORKS: readonly AztecNetwork[] = [AZTEC_IGNITION]

/** The preset `id` names (CONFIG_INVALID otherwise). */
export function aztecNetwork(id: string): AztecNetwork {
  const n = AZTEC_NETWORKS.find((x) => x.id === id)
  if (!n) throw new VigilError('CONFIG_INVALID', `unknown Aztec network "${id}" (known: ${AZTEC_NETWORKS.map((x) => x.id).join(', ')})`, { details: { network: id } })
  return n
}
