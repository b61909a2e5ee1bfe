/**
 * The errors of the devnet's L1 side, each with a stable `code` (viem-style: one base class,
 * a short message, a cause chain). `RollupRevertedError` is the rollup's own custom error,
 * decoded from the ABI.
 */
import { BaseError, ContractFunctionRevertedError, type Hex } from 'viem'

export const L1ErrorCodes = {
  /** No anvil binary for this platform (the npm platform package is missing). */
  ANVIL_NOT_INSTALLED: 'ANVIL_NOT_INSTALLED',
  /** The anvil process could not be spawned. */
  ANVIL_SPAWN_FAILED: 'ANVIL_SPAWN_FAILED',
  /** anvil exited before it listened. */
  ANVIL_EXITED: 'ANVIL_EXITED',
  /** anvil did not listen within the timeout. */
  ANVIL_START_TIMEOUT: 'ANVIL_START_TIMEOUT',
  /** anvil accepted what it must refuse (its KZG check is off). */
  ANVIL_KZG_UNCHECKED: 'ANVIL_KZG_UNCHECKED',
  /** A call was made with arguments that cannot work (no key, no blobs, a blob of the wrong size). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A transaction was mined but reverted, with no decodable rollup error. */
  TX_REVERTED: 'TX_REVERTED',
  /** A mined transaction lacks what it must produce (a contract, an event). */
  UNEXPECTED_RECEIPT: 'UNEXPECTED_RECEIPT',
  /** The rollup rejected a call with one of its custom errors. */
  ROLLUP_REVERTED: 'ROLLUP_REVERTED',
} as const

export type L1ErrorCode = (typeof L1ErrorCodes)[keyof typeof L1ErrorCodes]

/** The base of every error the devnet's L1 helpers throw. */
export class DevnetL1Error extends Error {
  override name = 'DevnetL1Error'
  constructor(
    readonly code: L1ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Raised when the rollup rejects a call; `errorName`/`args` are its custom error, decoded from the ABI. */
export class RollupRevertedError extends DevnetL1Error {
  override readonly name = 'RollupRevertedError'
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
    message: string,
    readonly txHash?: Hex,
    options?: { cause?: unknown },
  ) {
    super('ROLLUP_REVERTED', message, options)
  }
}

/** Turns a viem error into a RollupRevertedError when it carries a decodable rollup revert; otherwise returns it. */
export function asRollupRevert(e: unknown, txHash?: Hex): unknown {
  if (!(e instanceof BaseError)) return e
  const reverted = e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
  const name = reverted?.data?.errorName
  if (!reverted || !name) return e
  const args = reverted.data?.args ?? []
  return new RollupRevertedError(name, args, `rollup reverted: ${name}(${args.map(String).join(', ')})`, txHash, { cause: e })
}
