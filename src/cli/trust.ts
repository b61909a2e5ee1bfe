/**
 * The flags that say whom the client trusts for L1 (docs/trust.md), shared by `vigil sync`,
 * `vigil verify` and `vigil watch`: they replace the config's L1 RPC URLs (`--l1-rpc`, or
 * `VIGIL_L1_RPC` comma-separated), set the quorum k, and add the consensus light client. The
 * result is validated like any config.
 */
import { VigilError } from '../core/errors'
import { flagInt, flagStr, type FlagDef, type ParsedArgs } from '../node/args'
import { parseClientConfig, type ClientConfig } from '../client/shared/config'

export const TRUST_FLAGS = {
  'l1-rpc': { type: 'string', env: 'VIGIL_L1_RPC', list: true } satisfies FlagDef,
  'l1-quorum': 'string',
  'beacon-light-client': 'string',
  checkpoint: 'string',
} as const

export const TRUST_USAGE = `  L1 trust: --l1-rpc URL (repeatable, or VIGIL_L1_RPC=URL,URL: replaces the config's L1 RPCs)
         --l1-quorum K (how many of them must agree on a block hash; default a majority)
         --beacon-light-client URL --checkpoint 0xROOT (an Ethereum consensus light client from a
         trusted beacon block root; outranks the RPC quorum). No RPC is believed: every L1 fact
         is proven against the anchored block (docs/trust.md).`

export function applyTrustFlags(args: ParsedArgs, config: ClientConfig): ClientConfig {
  const rpcs = args.flags.get('l1-rpc')
  const quorum = flagInt(args, 'l1-quorum')
  const lcUrl = flagStr(args, 'beacon-light-client')
  const checkpoint = flagStr(args, 'checkpoint')
  if (rpcs === undefined && quorum === undefined && lcUrl === undefined && checkpoint === undefined) return config
  if ((lcUrl === undefined) !== (checkpoint === undefined)) throw new VigilError('CONFIG_INVALID', '--beacon-light-client and --checkpoint go together (the light client bootstraps from that beacon block root)')
  const raw = structuredClone(config) as ClientConfig & { l1: ClientConfig['l1'] }
  if (rpcs !== undefined) {
    raw.l1.rpcUrls = rpcs
    delete raw.l1.quorum // the config's k was for its own list
  }
  if (quorum !== undefined) raw.l1.quorum = quorum
  if (lcUrl !== undefined) raw.beaconLightClient = { url: lcUrl, checkpoint: checkpoint as `0x${string}`, network: 'mainnet' }
  const from = args.fromEnv.get('l1-rpc')
  try {
    return parseClientConfig(raw)
  } catch (e) {
    if (from && e instanceof VigilError) throw new VigilError(e.code, `${e.message} (the L1 RPCs came from ${from})`, { details: e.details })
    throw e
  }
}
