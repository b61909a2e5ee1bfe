/** Deploys the VigilRollup contract (the committed artifact by default) and waits for its receipt. */
import { createWalletClient, http, type Account, type Hex } from 'viem'
import type { Address, AbortOptions } from '../../core/types'
import { vigilRollupAbi } from '../../contracts/abi'
import { readRollupArtifact, type RollupArtifact } from '../../contracts/compile'
import { anvilAccount, l1Chain, l1PublicClient, requireSuccess, toAccount, waitForReceipt, withSender } from './clients'
import { DevnetL1Error } from './errors'

export interface RollupDeployParams {
  l2ChainId: number
  /** Unix seconds at which slot 0 starts. */
  genesisTime: number
  /** Seconds per slot. */
  slotDuration: number
  /** Slots per epoch. */
  epochDuration: number
  targetCommitteeSize: number
  /** Default 1 ether. */
  minimumStake?: bigint
}

export interface DeployRollupOptions extends AbortOptions {
  /** Default: anvil's dev account 0. */
  deployer?: Account | Hex
  /** Default: the committed artifact src/contracts/generated/VigilRollup.json. */
  artifact?: RollupArtifact
  timeoutMs?: number
}

export interface DeployedRollup {
  address: Address
  deployBlock: number
  deployBlockHash: Hex
  txHash: Hex
  deployer: Address
  params: Required<RollupDeployParams>
}

export const DEFAULT_MINIMUM_STAKE = 10n ** 18n

/** Deploys VigilRollup and waits for its receipt. */
export async function deployRollup(rpcUrl: string, params: RollupDeployParams, opts: DeployRollupOptions = {}): Promise<DeployedRollup> {
  const full: Required<RollupDeployParams> = { ...params, minimumStake: params.minimumStake ?? DEFAULT_MINIMUM_STAKE }
  const account = toAccount(opts.deployer, () => anvilAccount(0))
  const artifact = opts.artifact ?? readRollupArtifact()
  const client = await l1PublicClient(rpcUrl)
  const chain = await l1Chain(rpcUrl)
  const wallet = createWalletClient({ account, chain, transport: http(rpcUrl) })
  const hash = await withSender(rpcUrl, account.address, () =>
    wallet.deployContract({
      abi: vigilRollupAbi,
      bytecode: artifact.bytecode,
      args: [BigInt(full.l2ChainId), BigInt(full.genesisTime), full.slotDuration, full.epochDuration, full.targetCommitteeSize, full.minimumStake],
    }),
  )
  const receipt = requireSuccess(await waitForReceipt(client, hash, opts.timeoutMs ?? 30_000, opts.signal), 'rollup deployment')
  if (!receipt.contractAddress) throw new DevnetL1Error('UNEXPECTED_RECEIPT', `deployment ${hash} created no contract`)
  return {
    address: receipt.contractAddress.toLowerCase() as Address,
    deployBlock: Number(receipt.blockNumber),
    deployBlockHash: receipt.blockHash,
    txHash: hash,
    deployer: account.address.toLowerCase() as Address,
    params: full,
  }
}
