/**
 * Vigil's own chain as a network adapter: the VigilRollup contract (src/contracts), the v1
 * header and checkpoint codecs (src/protocol/header.ts, checkpoint.ts), EIP-712 "Vigil" v1
 * signatures (src/protocol/domain.ts), VigilRollup's committee sampling and proposer
 * derivation (src/contracts/layout.ts, src/protocol/schedule.ts), floor(2n/3)+1. It wraps that
 * code and changes none of it: the sync engine follows the chain with `rules`
 * (src/verify/chain-rules.ts `vigilChainRules`), exactly as before adapters.
 */
import type { Address } from '../../core/types'
import { vigilRollupAbi } from '../../contracts/abi'
import { SLOT_CHECKPOINT_LOG, SLOT_PARAMS, SLOT_TIP, SLOT_TIP_BLOCK_HASH, SLOT_VALIDATORS } from '../../contracts/layout'
import { keccak256Hex } from '../../protocol/hash'
import { HEADER_SIZE } from '../../protocol/header'
import { quorumOf } from '../../protocol/schedule'
import type { SigningDomain } from '../../protocol/domain'
import { vigilChainRules } from '../../verify/chain-rules'
import type { NetworkAdapter, StorageLayout } from '../adapter'
import { VIGIL_PROPOSE_SELECTOR, checkVigilInput } from './propose'

export { VIGIL_PROPOSE_SELECTOR }

/** What names one deployment of Vigil's chain (a devnet's config has every field). */
export interface VigilDeployment {
  l2ChainId: number
  l1ChainId: number
  rollup: Address
  deployBlock: number
}

export const VIGIL_NETWORK_ID = 'vigil'
/** Signing scheme ids (src/networks/schemes.ts registers them with their golden vectors). */
export const VIGIL_SCHEMES = { attestation: 'vigil-eip712-v1', proposal: 'vigil-eip712-v1' } as const

const hexSlot = (n: bigint) => `0x${n.toString(16)}`

/** VigilRollup's storage, as src/contracts/layout.ts computes it (test/unit/contract-layout.test.ts checks it against solc). */
export const VIGIL_STORAGE: StorageLayout = {
  scheme: 'solc storageLayout of VigilRollup.sol (src/contracts/layout.ts)',
  slots: [
    { name: 'params', slot: hexSlot(SLOT_PARAMS), holds: 'l2ChainId, genesisTime, slotDuration, epochDuration, targetCommitteeSize' },
    { name: 'validators', slot: `${hexSlot(SLOT_VALIDATORS)} (length); keccak(2) + 2i`, holds: 'validators[i]: attester, activationEpoch' },
    { name: 'tip', slot: hexSlot(SLOT_TIP), holds: 'tipCheckpointNumber, tipHeight, lastSlot' },
    { name: 'tipBlockHash', slot: hexSlot(SLOT_TIP_BLOCK_HASH), holds: 'the last mined block hash' },
    { name: 'checkpointLog', slot: `keccak(n ‖ ${SLOT_CHECKPOINT_LOG}) + 0..3`, holds: 'lastBlockHash, digest, attestationsHash, lastHeight ‖ slot' },
  ],
}

export function vigilNetwork(d: VigilDeployment): NetworkAdapter {
  const domain: SigningDomain = { l1ChainId: d.l1ChainId, rollup: d.rollup.toLowerCase() as Address }
  return {
    id: VIGIL_NETWORK_ID,
    title: `Vigil (L2 chain ${d.l2ChainId})`,
    l1: {
      chainId: d.l1ChainId,
      address: domain.rollup,
      deployBlock: d.deployBlock,
      abi: vigilRollupAbi,
      propose: { name: 'propose', selector: VIGIL_PROPOSE_SELECTOR },
      checkpointEvent: 'CheckpointProposed',
      storage: VIGIL_STORAGE,
    },
    schemes: VIGIL_SCHEMES,
    header: { description: `Vigil header v1, ${HEADER_SIZE} bytes, keccak256 (docs/protocol.md)`, hash: (bytes) => keccak256Hex(bytes) },
    committee: {
      committee: 'sampled per epoch by VigilRollup (partial Fisher-Yates over the active validators, seeded by keccak(rollup, l2ChainId, epoch)); read by storage proof',
      proposer: 'committee[keccak(seed, slot) mod committeeSize], as VigilRollup.getProposer',
      quorumOf,
    },
    rules: vigilChainRules(domain, d.l2ChainId),
    checkInput: (req) => checkVigilInput(domain, d.l2ChainId, req.input),
  }
}
