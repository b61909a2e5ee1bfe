/**
 * The network presets by name, with nothing else imported: what a config's `network` field and
 * `--network` may say (src/client/shared/config.ts validates against this without pulling in
 * any network's code). src/networks/presets.ts holds each preset's facts and builds its adapter.
 */
export const NETWORK_IDS = ['vigil', 'aztec-ignition'] as const
export type KnownNetworkId = (typeof NETWORK_IDS)[number]

export function isKnownNetwork(v: unknown): v is KnownNetworkId {
  return typeof v === 'string' && (NETWORK_IDS as readonly string[]).includes(v)
}

/**
 * The L1 facts a preset fixes (a config naming the preset may omit them; if it gives them they
 * must match). `vigil` fixes none: each devnet deploys its own rollup (`.vigil/devnet.json`).
 */
export const PRESET_L1: Record<KnownNetworkId, { chainId: number; rollup: `0x${string}`; deployBlock: number; l2ChainId: number } | null> = {
  vigil: null,
  // Aztec Ignition on Ethereum mainnet: rollup (Aztec docs, "Ignition (Mainnet)"), first block of
  // the rollup (the Aztec Registry's rollup timeline), l2ChainId: Aztec's rollup version is 0 for Ignition
  'aztec-ignition': { chainId: 1, rollup: '0x603bb2c05d474794ea97805e8de69bccfb3bca12', deployBlock: 23786836, l2ChainId: 0 },
}
