/**
 * Network presets and the one place an adapter is chosen: `networkFor(config)` (the client,
 * composeClient), `networkAdapter(id, deployment)` (the explorer's checkpoint page, `vigil`).
 *
 * | preset           | L1                     | rollup                                      | schemes |
 * |------------------|------------------------|---------------------------------------------|---------|
 * | `vigil`          | the devnet's (anvil)   | the devnet's VigilRollup (`.vigil/devnet.json`) | EIP-712 "Vigil" v1 attestation / proposal |
 * | `aztec-ignition` | Ethereum mainnet (1)   | 0x603bb2c05D474794ea97805e8De69bCcFb3bCA12, from L1 block 23786836 | Aztec Ignition: EIP-191 over keccak(abi.encode(SignatureDomainSeparator, …)) |
 */
import { VigilError } from '../core/errors'
import type { ClientConfig } from '../core/config'
import type { Address } from '../core/types'
import type { NetworkAdapter } from './adapter'
import { NETWORK_IDS, PRESET_L1, isKnownNetwork, type KnownNetworkId } from './ids'
import { vigilNetwork, type VigilDeployment } from './vigil'
import { aztecIgnitionNetwork } from './aztec-adapter'

export { NETWORK_IDS, PRESET_L1, isKnownNetwork, type KnownNetworkId }

/** What a preset says about itself (for `--help`, the explorer and docs/networks.md). */
export interface NetworkPreset {
  id: KnownNetworkId
  title: string
  /** Fixed L1 facts; null when each deployment has its own (the devnet). */
  l1: { chainId: number; rollup: Address; deployBlock: number } | null
  /** Signing scheme ids (src/networks/schemes.ts). */
  schemes: { attestation: string; proposal: string }
  /** The light client can follow this chain (sync); otherwise its checkpoints can be checked, not followed. */
  followable: boolean
}

export const PRESETS: Record<KnownNetworkId, NetworkPreset> = {
  vigil: {
    id: 'vigil',
    title: 'Vigil devnet (npm run devnet; config in .vigil/devnet.json)',
    l1: null,
    schemes: { attestation: 'vigil-eip712-v1', proposal: 'vigil-eip712-v1' },
    followable: true,
  },
  'aztec-ignition': {
    id: 'aztec-ignition',
    title: 'Aztec Ignition (Ethereum mainnet)',
    l1: { chainId: PRESET_L1['aztec-ignition']!.chainId, rollup: PRESET_L1['aztec-ignition']!.rollup as Address, deployBlock: PRESET_L1['aztec-ignition']!.deployBlock },
    schemes: { attestation: 'aztec-ignition-eip191-v1', proposal: 'aztec-ignition-eip191-v1' },
    followable: false,
  },
}

/** The preset named `id`; CONFIG_INVALID naming the known ones otherwise. */
export function networkPreset(id: string): NetworkPreset {
  if (!isKnownNetwork(id)) throw new VigilError('CONFIG_INVALID', `unknown network "${String(id).slice(0, 60)}": known networks are ${NETWORK_IDS.join(', ')}`, { details: { network: String(id).slice(0, 60) } })
  return PRESETS[id]
}

/**
 * The adapter for network `id`. `vigil` needs its deployment (a devnet config has it);
 * a preset with fixed L1 facts needs nothing.
 */
export function networkAdapter(id: string, deployment?: VigilDeployment): NetworkAdapter {
  const p = networkPreset(id)
  if (p.id === 'vigil') {
    if (!deployment) throw new VigilError('CONFIG_INVALID', 'network "vigil" needs its deployment (l2ChainId, L1 chain id, rollup, deploy block): pass a devnet config (.vigil/devnet.json)')
    return vigilNetwork(deployment)
  }
  return aztecIgnitionNetwork()
}

/** The adapter a client config names (`network`, default `vigil` for the config's own deployment). */
export function networkFor(config: ClientConfig): NetworkAdapter {
  const id = config.network ?? 'vigil'
  return networkAdapter(id, { l2ChainId: config.l2ChainId, l1ChainId: config.l1.chainId, rollup: config.l1.rollup, deployBlock: config.l1.deployBlock })
}
