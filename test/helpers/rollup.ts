/**
 * A fresh VigilRollup on a real anvil with 48 registered validators (active from epoch 0),
 * a chain builder for it, and `post(slot, attest)`: builds the 3-block checkpoint of `slot`,
 * signs it with what `attest(digest)` returns and posts it once L1 time reaches the slot.
 */
import { createTestClient, http } from 'viem'
import type { Address, Hex } from '../../src/core/types'
import { deployRollup, l1PublicClient, proposeCheckpoint, registerValidators, type Anvil } from '../../src/devnet/l1'
import { nativeKzg } from '../../src/devnet/kzg'
import { ChainBuilder, validatorKeys, type BuiltBlock, type Validator } from '../../src/devnet/builder'
import { encodeAttestationSignatures } from '../../src/protocol/checkpoint'
import { epochSeed, proposerIndex } from '../../src/protocol/schedule'
import { vigilRollupAbi } from '../../src/contracts/abi'

export const ROLLUP_L2 = 7771
export const ROLLUP_SLOT = 12
export const ROLLUP_EPOCH = 4
export const rollupValidators = validatorKeys(48)

export async function freshRollup(anvil: Anvil) {
  const client = await l1PublicClient(anvil.rpcUrl)
  const now = Number((await client.getBlock()).timestamp)
  // far enough ahead that every validator registers before genesis (active from epoch 0), however loaded the machine is
  const genesisTime = now + 60
  const deployed = await deployRollup(anvil.rpcUrl, { l2ChainId: ROLLUP_L2, genesisTime, slotDuration: ROLLUP_SLOT, epochDuration: ROLLUP_EPOCH, targetCommitteeSize: 48 })
  const rollup = deployed.address.toLowerCase() as Address
  await registerValidators(anvil.rpcUrl, rollup, rollupValidators)
  const chainId = await client.getChainId()
  const domain = { l1ChainId: chainId, rollup }
  const builder = new ChainBuilder(domain, ROLLUP_L2, { blobToCommitment: nativeKzg.blobToKzgCommitment })
  const test = createTestClient({ mode: 'anvil', transport: http(anvil.rpcUrl) })
  const byAddr = new Map(rollupValidators.map((v) => [v.address.toLowerCase(), v]))

  /** The committee of `epoch` as the contract's getCommittee answers it. */
  const committeeOf = async (epoch: number): Promise<Address[]> =>
    ((await client.readContract({ address: rollup, abi: vigilRollupAbi, functionName: 'getCommittee', args: [BigInt(epoch)] })) as readonly Address[]).map((a) => a.toLowerCase() as Address)

  const proposerOf = async (slot: number): Promise<Validator> => {
    const epoch = Math.floor(slot / ROLLUP_EPOCH)
    const committee = await committeeOf(epoch)
    return byAddr.get(committee[proposerIndex(epochSeed(rollup, ROLLUP_L2, epoch), slot, committee.length)]!)!
  }

  /** `via(proposer)`: send through a wrapper (see ProposeCheckpointParameters.via) instead of calling the rollup directly. */
  const post = async (slot: number, attest: (digest: Hex) => Uint8Array[], opts: { via?: (proposer: Validator) => Promise<{ to: Address; wrap(data: Hex): Hex }> } = {}) => {
    const proposer = await proposerOf(slot)
    const blocks: BuiltBlock[] = [0, 1, 2].map((i) => builder.buildBlock({ slot, indexInCheckpoint: i, proposer }))
    const cp = builder.buildCheckpoint(blocks, proposer)
    const target = genesisTime + slot * ROLLUP_SLOT
    const latest = Number((await client.getBlock()).timestamp)
    if (latest < target) {
      await test.setNextBlockTimestamp({ timestamp: BigInt(target) })
      await test.mine({ blocks: 1 })
    }
    const via = opts.via ? await opts.via(proposer) : undefined
    const posted = await proposeCheckpoint({ rpcUrl: anvil.rpcUrl, rollup, privateKey: proposer.privateKey, checkpoint: cp.bytes, attestations: encodeAttestationSignatures(attest(cp.digest)), blobs: cp.blobs, ...(via ? { via } : {}) })
    return { blocks, cp, posted, proposer }
  }

  return { client, rollup, deployed, domain, builder, committeeOf, post }
}
