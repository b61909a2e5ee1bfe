/**
 * The L1 side of the devnet (Node only), one concern per file:
 * - anvil.ts: the anvil process (spawned and stopped by PID, ready on its `Listening on` line)
 * - clients.ts: viem clients, dev accounts, per-sender serialisation, receipt waits
 * - deploy.ts: the rollup deployment
 * - register.ts: validator registration and funding
 * - propose.ts: checkpoint proposals as EIP-4844 blob transactions
 * - invalidate.ts: `invalidate()` of a checkpoint posted without quorum
 * - errors.ts: DevnetL1Error (stable codes) and RollupRevertedError (the rollup's custom errors)
 *
 * Blobs are read back through the client's own BeaconSource (src/sources/beacon.ts), not here.
 */
export { anvilBinaryPath, startAnvil, warmUpBlobVerification, type Anvil, type StartAnvilOptions } from './anvil'
export { ANVIL_MNEMONIC, anvilAccount, l1Chain, l1PublicClient } from './clients'
export { DEFAULT_MINIMUM_STAKE, deployRollup, type DeployRollupOptions, type DeployedRollup, type RollupDeployParams } from './deploy'
export { fundAccounts, registerValidators, type RegisterValidatorsOptions, type RegisteredValidator } from './register'
export { proposeCheckpoint, type ProposeCheckpointParameters, type ProposeCheckpointResult } from './propose'
export { invalidateCheckpoint, type InvalidateCheckpointParameters, type InvalidateCheckpointResult } from './invalidate'
export { DevnetL1Error, L1ErrorCodes, RollupRevertedError, asRollupRevert, type L1ErrorCode } from './errors'
