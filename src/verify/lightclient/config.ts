/**
 * Ethereum consensus parameters the light client needs: the network (genesis, fork versions
 * and epochs) and, by fork, the generalized indices of the branches it checks
 * (consensus-specs altair/light-client/sync-protocol.md, capella and electra light-client changes).
 */
import { hexToBytes } from '../../protocol/bytes'
import type { ExecutionLayout } from '../../protocol/eth/ssz'

export const SLOTS_PER_EPOCH = 32
export const EPOCHS_PER_SYNC_COMMITTEE_PERIOD = 256
export const SLOTS_PER_PERIOD = SLOTS_PER_EPOCH * EPOCHS_PER_SYNC_COMMITTEE_PERIOD
export const SECONDS_PER_SLOT = 12
export const MIN_SYNC_COMMITTEE_PARTICIPANTS = 1
/** update_timeout in the spec: a period, after which the best valid update may be forced. */
export const UPDATE_TIMEOUT = SLOTS_PER_PERIOD

export type ForkName = 'phase0' | 'altair' | 'bellatrix' | 'capella' | 'deneb' | 'electra' | 'fulu'
export const FORK_ORDER: ForkName[] = ['phase0', 'altair', 'bellatrix', 'capella', 'deneb', 'electra', 'fulu']

export interface Fork {
  name: ForkName
  version: Uint8Array
  epoch: number
}

export interface NetworkConfig {
  name: string
  genesisTime: number
  genesisValidatorsRoot: Uint8Array
  /** In activation order, phase0 first. */
  forks: Fork[]
}

const fork = (name: ForkName, version: string, epoch: number): Fork => ({ name, version: hexToBytes(version), epoch })

export const MAINNET: NetworkConfig = {
  name: 'mainnet',
  genesisTime: 1606824023,
  genesisValidatorsRoot: hexToBytes('0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95'),
  forks: [
    fork('phase0', '0x00000000', 0),
    fork('altair', '0x01000000', 74240),
    fork('bellatrix', '0x02000000', 144896),
    fork('capella', '0x03000000', 194048),
    fork('deneb', '0x04000000', 269568),
    fork('electra', '0x05000000', 364032),
    fork('fulu', '0x06000000', 411392),
  ],
}

export const NETWORKS: Record<string, NetworkConfig> = { mainnet: MAINNET }

export const epochAtSlot = (slot: number): number => Math.floor(slot / SLOTS_PER_EPOCH)
export const periodAtSlot = (slot: number): number => Math.floor(slot / SLOTS_PER_PERIOD)

/** The fork active at an epoch. */
export function forkAtEpoch(cfg: NetworkConfig, epoch: number): Fork {
  let f = cfg.forks[0]!
  for (const x of cfg.forks) if (epoch >= x.epoch) f = x
  return f
}

export const forkAtSlot = (cfg: NetworkConfig, slot: number): Fork => forkAtEpoch(cfg, epochAtSlot(slot))

export const atLeast = (f: ForkName, than: ForkName): boolean => FORK_ORDER.indexOf(f) >= FORK_ORDER.indexOf(than)

/** The slot the wall clock is at (genesis time + 12 s per slot). */
export function currentSlot(cfg: NetworkConfig, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs / 1000 - cfg.genesisTime) / SECONDS_PER_SLOT))
}

/** Generalized indices of the light-client branches, by the fork of the header whose state they are in. */
export interface Gindices {
  finalizedRoot: number
  currentSyncCommittee: number
  nextSyncCommittee: number
  /** In the block body (Capella and later). */
  executionPayload: number
}

const ALTAIR_GINDICES: Gindices = { finalizedRoot: 105, currentSyncCommittee: 54, nextSyncCommittee: 55, executionPayload: 25 }
/** Electra's BeaconState has more than 32 fields: the state branches are one level deeper. */
const ELECTRA_GINDICES: Gindices = { finalizedRoot: 169, currentSyncCommittee: 86, nextSyncCommittee: 87, executionPayload: 25 }

export function gindicesFor(f: ForkName): Gindices {
  return atLeast(f, 'electra') ? ELECTRA_GINDICES : ALTAIR_GINDICES
}

/** The ExecutionPayloadHeader layout of a fork (none before Capella; Deneb's two blob fields from Deneb on). */
export function executionLayoutFor(f: ForkName): ExecutionLayout | null {
  if (!atLeast(f, 'capella')) return null
  return atLeast(f, 'deneb') ? 'deneb' : 'capella'
}
